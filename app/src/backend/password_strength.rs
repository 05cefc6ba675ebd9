//! Passwords people guess first are refused at sign-up and on change:
//! leaked and common ones, keyboard runs and dates (zxcvbn's dictionaries
//! and patterns), the account's own email or name, and the demo accounts'
//! password, which the README publishes.

use crate::backend::seed::DEMO_PASSWORD;
use crate::domain::AppError;

/// zxcvbn estimates fewer guesses than this for a password it scores 0–2
/// (10^8): found in an online attack's first hours.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;
/// Beyond this many characters length alone is protection enough (and
/// zxcvbn's matching grows faster than linearly with length).
const CHECKED_CHARS: usize = 64;

/// Refuses `password` for an account with `email` and `name`, saying why.
pub fn check(password: &str, email: &str, name: &str, field: &str) -> Result<(), AppError> {
    let refuse = |why: &str| Err(AppError::invalid(field, why));
    let lower = password.to_lowercase();
    if password == DEMO_PASSWORD {
        return refuse("That password is published with Curbside's demo; choose your own.");
    }
    if contains_personal(&lower, email, name) {
        return refuse(
            "Leave your name and email address out of your password; they are the first things tried.",
        );
    }
    if password.chars().count() > CHECKED_CHARS {
        return Ok(());
    }
    let local = email.split('@').next().unwrap_or_default();
    let words: Vec<&str> = name.split_whitespace().chain([local, email]).collect();
    let estimate = zxcvbn::zxcvbn(password, &words);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let reason = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| w.to_string())
        .unwrap_or_else(|| "It is too easy to guess.".to_owned());
    refuse(&format!(
        "{} Choose something longer and less common, such as three or four unrelated words.",
        reason.trim()
    ))
}

/// Whether the password holds the email's name part or one of the
/// person's names: words of four letters or more anywhere in it, shorter
/// ones as a whole run of letters (so "Ann" does not refuse "channel").
fn contains_personal(lower: &str, email: &str, name: &str) -> bool {
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_owned();
    let name = name.to_lowercase();
    let runs: Vec<&str> = lower
        .split(|c: char| !c.is_alphabetic())
        .filter(|r| !r.is_empty())
        .collect();
    name.split(|c: char| !c.is_alphabetic())
        .chain(local.split(|c: char| !c.is_alphanumeric()))
        .chain([local.as_str()])
        .filter(|w| w.chars().count() >= 3)
        .any(|w| {
            if w.chars().count() >= 4 {
                lower.contains(w)
            } else {
                runs.contains(&w)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(pw: &str) -> Option<String> {
        check(pw, "priya.shah@example.com", "Priya Shah", "password")
            .err()
            .map(|e| e.to_string())
    }

    #[test]
    fn common_and_patterned_passwords_are_refused_with_a_reason() {
        for pw in [
            "1234567890",
            "password123",
            "qwertyuiop",
            "iloveyou12",
            "letmein123!",
        ] {
            let why = refused(pw).unwrap_or_else(|| panic!("{pw} accepted"));
            assert!(why.contains("three or four unrelated words"), "{pw}: {why}");
        }
        assert!(refused("curbside-demo").unwrap().contains("demo"));
    }

    #[test]
    fn the_accounts_own_name_or_email_is_refused() {
        for pw in [
            "priya.shah2016!",
            "Shah-family-car",
            "PRIYA loves cars",
            "priya.shah@example.com",
        ] {
            let why = refused(pw).unwrap_or_else(|| panic!("{pw} accepted"));
            assert!(why.contains("name and email"), "{pw}: {why}");
        }
        // A short name counts only as a whole word.
        assert!(
            check(
                "channel swimming maple",
                "ann@example.com",
                "Ann Lee",
                "password"
            )
            .is_ok()
        );
        assert!(
            check(
                "ann swimming maple",
                "ann@example.com",
                "Ann Lee",
                "password"
            )
            .is_err()
        );
    }

    #[test]
    fn ordinary_passphrases_are_taken() {
        for pw in [
            "correct horse battery",
            "a brand new passphrase",
            "Tr0ub4dor&3x",
            "ümlautsäöü",
        ] {
            assert_eq!(refused(pw), None, "{pw}");
        }
    }
}
