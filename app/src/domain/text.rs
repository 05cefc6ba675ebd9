//! Small rules about typed text shared by every form.

/// Runs of whitespace (spaces, tabs, newlines) become one space, and the
/// ends are trimmed: what people meant to type.
pub fn collapse_spaces(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_whitespace_become_one_space() {
        assert_eq!(
            collapse_spaces("  12 \t High\n  Street  "),
            "12 High Street"
        );
        assert_eq!(collapse_spaces(" \n "), "");
    }
}
