//! How people are named to each other: one rule for the job page, its
//! timeline, conversations and notices. A customer is "Priya S." to a
//! mechanic until that mechanic is booked, and "Priya Shah" to the booked
//! mechanic and to admins; a mechanic goes by their business name.

use crate::domain::job::Actor;

/// "Priya Shah" → "Priya S."; a single name stays as it is.
pub fn initialled(full: &str) -> String {
    let mut words = full.split_whitespace();
    let first = words.next().unwrap_or_default();
    match words.next_back().and_then(|last| last.chars().next()) {
        Some(initial) => format!("{first} {initial}."),
        None => first.to_owned(),
    }
}

/// The customer's name as `viewer` (their standing to the job) sees it.
pub fn customer_as_seen_by(full: &str, viewer: Actor) -> String {
    match viewer {
        Actor::Customer | Actor::AssignedMechanic | Actor::Admin => {
            full.split_whitespace().collect::<Vec<_>>().join(" ")
        }
        Actor::QuotingMechanic | Actor::FormerQuoter => initialled(full),
    }
}

/// A mechanic as everyone sees them: their business name, else their own.
pub fn mechanic(display_name: Option<&str>, name: &str) -> String {
    display_name
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(name)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_is_initialled_until_the_mechanic_is_booked() {
        assert_eq!(
            customer_as_seen_by("Priya  Shah", Actor::QuotingMechanic),
            "Priya S."
        );
        assert_eq!(
            customer_as_seen_by("Priya Anand Shah", Actor::FormerQuoter),
            "Priya S."
        );
        assert_eq!(
            customer_as_seen_by("Priya", Actor::QuotingMechanic),
            "Priya"
        );
        for full in [Actor::AssignedMechanic, Actor::Admin, Actor::Customer] {
            assert_eq!(customer_as_seen_by("Priya  Shah", full), "Priya Shah");
        }
        assert_eq!(initialled("Émile Zola"), "Émile Z.");
        assert_eq!(initialled("  "), "");
    }

    #[test]
    fn a_mechanic_goes_by_their_business_name() {
        assert_eq!(mechanic(Some("Dan's Mobile"), "Dan Okafor"), "Dan's Mobile");
        assert_eq!(mechanic(Some(" "), "Dan Okafor"), "Dan Okafor");
        assert_eq!(mechanic(None, "Dan Okafor"), "Dan Okafor");
    }
}
