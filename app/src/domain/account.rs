//! Accounts: roles, statuses, what a valid email, name, phone and password are, and where each role lives.
//!
//! Over 450 lines only with its unit tests (the module at the end), which
//! sit beside the rules they pin down.

use crate::domain::Timestamp;
use crate::domain::error::AppError;
use crate::domain::text::collapse_spaces;
use crate::domain::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Role {
        Customer = "customer",
        Mechanic = "mechanic",
        Admin = "admin",
    }
}

impl Role {
    /// The home of this role's area, where a login lands.
    pub fn home(self) -> &'static str {
        match self {
            Role::Customer => "/customer",
            Role::Mechanic => "/mechanic",
            Role::Admin => "/admin",
        }
    }

    /// What the role's area is called in links to it.
    pub fn area_name(self) -> &'static str {
        match self {
            Role::Customer => "My jobs",
            Role::Mechanic => "Dashboard",
            Role::Admin => "Console",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Customer => "Customer",
            Role::Mechanic => "Mechanic",
            Role::Admin => "Administrator",
        }
    }

    /// The status a newly registered account of this role starts in.
    /// Mechanics quote for money, so a person checks them first.
    pub fn initial_status(self) -> AccountStatus {
        match self {
            Role::Mechanic => AccountStatus::PendingApproval,
            Role::Customer | Role::Admin => AccountStatus::Active,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum AccountStatus {
        Active = "active",
        PendingApproval = "pending_approval",
        Suspended = "suspended",
    }
}

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Active => "Active",
            AccountStatus::PendingApproval => "Pending approval",
            AccountStatus::Suspended => "Suspended",
        }
    }

    /// A suspended account is treated as logged out everywhere.
    pub fn may_sign_in(self) -> bool {
        self != AccountStatus::Suspended
    }
}

/// What a signed-in user sees of their own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: super::UserId,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub role: Role,
    pub status: AccountStatus,
    /// Unix milliseconds.
    pub created_at: Timestamp,
}

/// Returned by register and login: the account, and the bearer token for API clients.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub token: String,
    /// Unix milliseconds after which the token stops working.
    pub expires_at: Timestamp,
    pub account: Account,
}

/// How many accounts of each kind exist: the admin console's first figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub customers: i64,
    /// Mechanics approved or suspended; the pending ones are counted apart.
    pub mechanics: i64,
    pub mechanics_pending: i64,
    pub admins: i64,
    pub suspended: i64,
}

impl Overview {
    /// Adds up account counts by role and status.
    pub fn tally(counts: impl IntoIterator<Item = (Role, AccountStatus, i64)>) -> Self {
        let mut o = Self::default();
        for (role, status, n) in counts {
            match (role, status) {
                (Role::Customer, _) => o.customers += n,
                (Role::Mechanic, AccountStatus::PendingApproval) => o.mechanics_pending += n,
                (Role::Mechanic, _) => o.mechanics += n,
                (Role::Admin, _) => o.admins += n,
            }
            if status == AccountStatus::Suspended {
                o.suspended += n;
            }
        }
        o
    }
}

/// An email address, trimmed; compared in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let e = raw.trim();
        let invalid = |msg: &str| Err(AppError::invalid("email", msg));
        if e.is_empty() {
            return invalid("Enter your email address.");
        }
        if e.len() > Self::MAX_LEN {
            return invalid("That email address is too long.");
        }
        let Some((local, domain)) = e.rsplit_once('@') else {
            return invalid("Enter an email address like name@example.com.");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty()
            || local.len() > 64
            || !domain_ok
            || e.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return invalid("Enter an email address like name@example.com.");
        }
        Ok(Self(e.to_owned()))
    }

    /// As the user typed it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key uniqueness and login use: `Ann@Example.com` and `ann@example.com` are one account.
    pub fn lower(&self) -> String {
        self.0.to_lowercase()
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
/// argon2 hashes anything, but a megabyte "password" is a denial of service, not a secret.
pub const PASSWORD_MAX_CHARS: usize = 200;

/// The password rules, checked on both sides; `field` is where the message shows.
pub fn check_password(password: &str, email: &str, field: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(AppError::invalid(
            field,
            format!("Use at least {PASSWORD_MIN_CHARS} characters."),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            field,
            format!("Use at most {PASSWORD_MAX_CHARS} characters."),
        ));
    }
    let email = email.trim().to_lowercase();
    let lower = password.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if !email.is_empty() && (lower == email || (local.chars().count() >= 3 && lower == local)) {
        return Err(AppError::invalid(
            field,
            "Your password must not be your email address.",
        ));
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Err(AppError::invalid(
            field,
            "Use more than one repeated character.",
        ));
    }
    Ok(())
}

pub const NAME_MAX_CHARS: usize = 80;

/// A person's or business's name, trimmed, inner whitespace collapsed.
pub fn parse_name(raw: &str) -> Result<String, AppError> {
    let name = collapse_spaces(raw);
    if name.is_empty() {
        return Err(AppError::invalid("name", "Enter your name."));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(AppError::invalid(
            "name",
            format!("Use at most {NAME_MAX_CHARS} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "Use letters, not control characters.",
        ));
    }
    Ok(name)
}

/// A phone number as typed, checked loosely (countries differ): digits with
/// an optional leading `+` and common separators, 7 to 15 digits.
/// `required` is true for mechanics, whom customers and admins must be able to reach.
pub fn parse_phone(raw: &str, required: bool) -> Result<Option<String>, AppError> {
    let phone = collapse_spaces(raw);
    if phone.is_empty() {
        return if required {
            Err(AppError::invalid(
                "phone",
                "Enter a phone number customers can reach you on.",
            ))
        } else {
            Ok(None)
        };
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.') || (c == '+' && i == 0)
    });
    if !allowed || !(7..=15).contains(&digits) {
        return Err(AppError::invalid(
            "phone",
            "Enter a phone number like +44 20 7946 0958.",
        ));
    }
    Ok(Some(phone))
}

/// Where a page request should go instead, if anywhere: a visitor who is not
/// signed in to a page that needs it goes to the login page (and comes back
/// after), a user in another role's area goes to their own. `path` is the
/// requested path with its query. The server checks page loads with it and
/// the browser navigation inside the app, so the two never disagree.
pub fn page_redirect(signed_in: Option<Role>, path: &str) -> Option<String> {
    if !needs_sign_in(path) {
        return None;
    }
    match (signed_in, area_of(path)) {
        (None, _) => Some(login_url(path)),
        (Some(role), Some(area)) if role != area => Some(role.home().to_owned()),
        (Some(_), _) => None,
    }
}

/// The role whose area a path lies in: `/customer`, `/customer/...`.
pub fn area_of(path: &str) -> Option<Role> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    Role::ALL.into_iter().find(|r| {
        path.strip_prefix(r.home())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Pages that need a signed-in user of any role.
pub fn needs_sign_in(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    ["/account", "/notifications"].iter().any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    }) || area_of(path).is_some()
}

pub fn login_url(next: &str) -> String {
    format!("/login?next={}", encode_query_value(next))
}

/// The page to go to after login: `next` when it is a path on this site
/// (never another site: `//evil.example` and `https://...` are refused),
/// otherwise the role's home. A `next` in another role's area also goes home.
pub fn after_login(role: Role, next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control())
                && !n.starts_with("/login")
                && !n.starts_with("/register")
                && area_of(n).is_none_or(|a| a == role) =>
        {
            n.to_owned()
        }
        _ => role.home().to_owned(),
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(r: Result<impl fmt::Debug, AppError>) -> String {
        match r {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn the_overview_counts_pending_mechanics_apart_and_suspensions_across_roles() {
        use AccountStatus::*;
        let o = Overview::tally([
            (Role::Customer, Active, 3),
            (Role::Customer, Suspended, 1),
            (Role::Mechanic, PendingApproval, 2),
            (Role::Mechanic, Active, 4),
            (Role::Mechanic, Suspended, 1),
            (Role::Admin, Active, 1),
        ]);
        assert_eq!(
            o,
            Overview {
                customers: 4,
                mechanics: 5,
                mechanics_pending: 2,
                admins: 1,
                suspended: 2
            }
        );
    }

    #[test]
    fn emails_are_trimmed_and_compared_in_lower_case() {
        let e = Email::parse("  Ann.Lee@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Ann.Lee@Example.COM");
        assert_eq!(e.lower(), "ann.lee@example.com");
    }

    #[test]
    fn bad_emails_are_refused_on_the_email_field() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@.example.com",
            "ann@example..com",
            "ann lee@example.com",
            "ann@exa mple.com",
            "ann@example.com.",
        ] {
            assert_eq!(field_of(Email::parse(bad)), "email", "{bad:?} accepted");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(field_of(Email::parse(&long)), "email");
    }

    #[test]
    fn password_rules() {
        assert!(check_password("correct horse", "ann@example.com", "password").is_ok());
        assert!(check_password("ümlautsäöü", "ann@example.com", "password").is_ok());
        for (pw, why) in [
            ("short", "length"),
            ("123456789", "length"),
            ("aaaaaaaaaaaa", "repeated"),
            ("ann@example.com", "email"),
            ("ANN@EXAMPLE.COM", "email"),
            ("annabelle1", "local part"),
        ] {
            let email = if why == "local part" {
                "annabelle1@example.com"
            } else {
                "ann@example.com"
            };
            assert_eq!(
                field_of(check_password(pw, email, "password")),
                "password",
                "{pw} ({why})"
            );
        }
        let long = "x1".repeat(101);
        assert!(check_password(&long, "a@b.co", "new_password").is_err());
    }

    #[test]
    fn a_password_error_names_the_field_it_belongs_to() {
        assert_eq!(
            field_of(check_password("short", "a@b.co", "new_password")),
            "new_password"
        );
    }

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(parse_name("  Ann   Lee ").unwrap(), "Ann Lee");
        assert_eq!(field_of(parse_name("   ")), "name");
        assert_eq!(field_of(parse_name(&"a".repeat(81))), "name");
    }

    #[test]
    fn phones_are_optional_for_customers_and_required_for_mechanics() {
        assert_eq!(parse_phone("", false).unwrap(), None);
        assert_eq!(field_of(parse_phone(" ", true)), "phone");
        assert_eq!(
            parse_phone("+44 20  7946 0958", true).unwrap().as_deref(),
            Some("+44 20 7946 0958")
        );
        assert!(parse_phone("(555) 123-4567", false).unwrap().is_some());
        for bad in ["12345", "call me", "+1+2345678", "1234567890123456"] {
            assert_eq!(field_of(parse_phone(bad, false)), "phone", "{bad}");
        }
    }

    #[test]
    fn mechanics_start_pending_and_customers_active() {
        assert_eq!(
            Role::Mechanic.initial_status(),
            AccountStatus::PendingApproval
        );
        assert_eq!(Role::Customer.initial_status(), AccountStatus::Active);
        assert!(!AccountStatus::Suspended.may_sign_in());
        assert!(AccountStatus::PendingApproval.may_sign_in());
    }

    #[test]
    fn roles_and_statuses_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for s in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn visitors_are_sent_to_login_and_users_to_their_own_area() {
        assert_eq!(
            page_redirect(None, "/customer"),
            Some("/login?next=/customer".into())
        );
        assert_eq!(
            page_redirect(None, "/admin/users?q=a b"),
            Some("/login?next=/admin/users%3Fq%3Da%20b".into())
        );
        assert_eq!(
            page_redirect(Some(Role::Customer), "/admin"),
            Some("/customer".into())
        );
        assert_eq!(
            page_redirect(Some(Role::Mechanic), "/customer/jobs"),
            Some("/mechanic".into())
        );
        assert_eq!(page_redirect(Some(Role::Admin), "/admin"), None);
        assert_eq!(page_redirect(None, "/"), None);
        assert_eq!(page_redirect(None, "/customers-say"), None);
        assert_eq!(
            page_redirect(None, "/account"),
            Some("/login?next=/account".into())
        );
        assert_eq!(page_redirect(Some(Role::Mechanic), "/account"), None);
        assert!(needs_sign_in("/account"));
        assert!(needs_sign_in("/notifications"));
        assert!(!needs_sign_in("/notificationsx"));
        assert!(needs_sign_in("/mechanic/jobs"));
        assert!(!needs_sign_in("/login"));
    }

    #[test]
    fn after_login_only_follows_local_paths() {
        let c = Role::Customer;
        assert_eq!(after_login(c, None), "/customer");
        assert_eq!(after_login(c, Some("/account")), "/account");
        assert_eq!(after_login(c, Some("/customer/jobs/1")), "/customer/jobs/1");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/login",
            "/admin",
            "",
        ] {
            assert_eq!(after_login(c, Some(hostile)), "/customer", "{hostile}");
        }
    }
}
