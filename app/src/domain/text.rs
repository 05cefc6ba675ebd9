//! Small rules about typed text shared by every form.

use crate::domain::AppError;

/// Runs of whitespace (spaces, tabs, newlines) become one space, and the
/// ends are trimmed: what people meant to type.
pub fn collapse_spaces(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text holds printable characters, line breaks and tabs: a control
/// character (NUL, escape, backspace, DEL, the C1 range) in `value` is
/// refused with a message for `field`. PostgreSQL cannot store NUL in text,
/// and no one types the others.
pub fn check_plain(field: &str, value: &str) -> Result<(), AppError> {
    match value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        None => Ok(()),
        Some(c) => Err(AppError::invalid(
            field,
            format!(
                "Remove the invisible control character (U+{:04X}) from this field.",
                u32::from(c)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_line_breaks_and_tabs_kept() {
        assert!(check_plain("note", "Line one\r\nLine\ttwo, £5 — ok ✓").is_ok());
        for bad in ["a\0b", "\u{1b}[31m", "x\u{8}", "\u{7f}", "\u{85}"] {
            let err = check_plain("note", bad).unwrap_err();
            assert!(
                matches!(&err, AppError::Invalid { field, .. } if field == "note"),
                "{bad:?}"
            );
        }
        assert!(
            check_plain("note", "a\0")
                .unwrap_err()
                .to_string()
                .contains("U+0000")
        );
    }

    #[test]
    fn runs_of_whitespace_become_one_space() {
        assert_eq!(
            collapse_spaces("  12 \t High\n  Street  "),
            "12 High Street"
        );
        assert_eq!(collapse_spaces(" \n "), "");
    }
}
