//! The admin console's rules and shapes: reviewing accounts, listing users, reading the audit log.
//!
//! Over 450 lines only with its unit tests (the module at the end), which
//! sit beside the rules they pin down.

use super::{Account, AccountStatus, AppError, Role, UserId, mechanic::MechanicProfile};
use crate::domain::Timestamp;
use crate::domain::text::collapse_spaces;
use crate::domain::text_enum::text_enum;
use serde::{Deserialize, Serialize};

/// A job on the admin's live map: where it is, how it stands, and where
/// its mechanic is while they share their position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapJob {
    pub id: super::JobId,
    pub status: super::job::JobStatus,
    pub category: super::mechanic::Skill,
    pub locality: String,
    pub at: super::geo::GeoPoint,
    /// The booked mechanic's business name.
    pub mechanic: Option<String>,
    pub position: Option<super::tracking::Fix>,
}

text_enum! {
    /// What an admin can do to an account.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ReviewAction {
        /// A pending mechanic may start working.
        Approve = "approve",
        /// A pending mechanic is turned down.
        Reject = "reject",
        /// An active account is stopped; its sessions end at once.
        Suspend = "suspend",
        /// A suspended or rejected account is let back in.
        Reinstate = "reinstate",
    }
}

impl ReviewAction {
    /// The audit log's name for it.
    pub fn audit_action(self) -> AuditAction {
        match self {
            ReviewAction::Approve => AuditAction::MechanicApproved,
            ReviewAction::Reject => AuditAction::MechanicRejected,
            ReviewAction::Suspend => AuditAction::AccountSuspended,
            ReviewAction::Reinstate => AuditAction::AccountReinstated,
        }
    }

    pub fn needs_reason(self) -> bool {
        matches!(self, ReviewAction::Reject | ReviewAction::Suspend)
    }
}

/// The facts a review decision depends on.
#[derive(Debug, Clone)]
pub struct ReviewTarget {
    pub id: super::UserId,
    pub role: Role,
    pub status: AccountStatus,
    pub has_profile: bool,
    /// The mechanic was approved once: reinstating returns them to work, not to review.
    pub was_approved: bool,
}

/// What a review does: the new status, and the reason kept with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub status: AccountStatus,
    pub reason: Option<String>,
    /// Sessions end with the account's access.
    pub ends_sessions: bool,
}

pub const REASON_MIN_CHARS: usize = 3;
pub const REASON_MAX_CHARS: usize = 500;

/// Decides a review, or says plainly why it cannot happen.
pub fn review(
    action: ReviewAction,
    actor_id: &UserId,
    target: &ReviewTarget,
    reason: &str,
) -> Result<Decision, AppError> {
    use AccountStatus::*;
    if *actor_id == target.id {
        return Err(AppError::conflict(
            "You cannot change your own account's status; ask another admin.",
        ));
    }
    let reason = collapse_spaces(reason);
    if action.needs_reason() {
        let n = reason.chars().count();
        if n < REASON_MIN_CHARS {
            return Err(AppError::invalid(
                "reason",
                "Give a reason; the user will see it.",
            ));
        }
        if n > REASON_MAX_CHARS {
            return Err(AppError::invalid(
                "reason",
                format!("Keep the reason to {REASON_MAX_CHARS} characters or fewer."),
            ));
        }
    }
    let is_mechanic = target.role == Role::Mechanic;
    let status = match (action, target.status) {
        (ReviewAction::Approve | ReviewAction::Reject, _) if !is_mechanic => {
            return Err(AppError::conflict(
                "Only mechanics are approved or rejected.",
            ));
        }
        (ReviewAction::Approve, PendingApproval) if !target.has_profile => {
            return Err(AppError::conflict(
                "This mechanic has not filled in their profile yet. Approve them once they have.",
            ));
        }
        (ReviewAction::Approve, PendingApproval) => Active,
        (ReviewAction::Approve, Active) => {
            return Err(AppError::conflict("This mechanic is already approved."));
        }
        (ReviewAction::Reject, PendingApproval) => Suspended,
        (ReviewAction::Reject, Active) => {
            return Err(AppError::conflict(
                "This mechanic is already approved; suspend them instead.",
            ));
        }
        (ReviewAction::Approve | ReviewAction::Reject | ReviewAction::Suspend, Suspended) => {
            return Err(AppError::conflict(
                "This account is suspended; reinstate it first.",
            ));
        }
        (ReviewAction::Suspend, PendingApproval) => {
            return Err(AppError::conflict(
                "This mechanic is awaiting review; reject them instead.",
            ));
        }
        (ReviewAction::Suspend, Active) => Suspended,
        (ReviewAction::Reinstate, Suspended) if is_mechanic && !target.was_approved => {
            PendingApproval
        }
        (ReviewAction::Reinstate, Suspended) => Active,
        (ReviewAction::Reinstate, _) => {
            return Err(AppError::conflict("This account is not suspended."));
        }
    };
    Ok(Decision {
        status,
        reason: action.needs_reason().then_some(reason),
        ends_sessions: status == Suspended,
    })
}

/// A page of a list: which one, and how many rows a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    pub const PER_PAGE: u32 = 25;

    /// Page numbers below 1 (or unreadable) mean the first page.
    pub fn new(page: Option<u32>) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            per_page: Self::PER_PAGE,
        }
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// How many pages `total` rows fill; at least one, so "page 1 of 1" reads right when empty.
    pub fn pages(self, total: i64) -> u32 {
        let per = i64::from(self.per_page);
        u32::try_from(((total + per - 1) / per).max(1)).unwrap_or(u32::MAX)
    }
}

/// The users page's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFilter {
    /// Part of a name or email, any case.
    pub search: String,
    pub role: Option<Role>,
    pub status: Option<AccountStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<Account>,
    pub total: i64,
    pub paging: Paging,
}

/// One job in the admin's list, with the people on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminJob {
    pub job: super::job::JobSummary,
    pub customer: String,
    /// The booked mechanic's business name, once there is one.
    pub mechanic: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobPage {
    pub jobs: Vec<AdminJob>,
    pub total: i64,
    pub paging: Paging,
}

/// One user as an admin reviews them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub account: Account,
    /// Why the account was suspended or rejected, while it is.
    pub status_reason: Option<String>,
    pub profile: Option<MechanicProfile>,
    /// When a mechanic was approved (unix ms), if ever.
    pub approved_at: Option<Timestamp>,
    /// The newest audit entries about this user.
    pub history: Vec<AuditEntry>,
}

impl UserDetail {
    /// The facts a review of this user is decided on.
    pub fn review_target(&self) -> ReviewTarget {
        ReviewTarget {
            id: self.account.id.clone(),
            role: self.account.role,
            status: self.account.status,
            has_profile: self.profile.is_some(),
            was_approved: self.approved_at.is_some(),
        }
    }
}

/// Someone named in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub id: super::UserId,
    pub name: String,
    pub email: String,
}

/// What an audit entry is about, as JSON tagged by `kind`:
/// `{"kind":"user","id":…,"name":…,"email":…}` or `{"kind":"job","id":…,"title":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    User(Party),
    Job {
        id: super::JobId,
        /// What the job was for and where, e.g. "Battery, Kentish Town".
        title: String,
    },
}

/// Which kind of thing an action's `subject` column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    User,
    Job,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: Timestamp,
    /// `None` for the system itself (start-up, lock-outs).
    pub actor: Option<Party>,
    pub action: String,
    /// What the action was done to; `None` when nothing in particular.
    pub subject: Option<Subject>,
    /// The `reason` given with the action, if any.
    pub reason: Option<String>,
    /// The whole detail, as JSON text.
    pub detail: String,
}

/// The audit log page's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// The actor's email, any case; empty for everyone.
    pub actor_email: String,
    /// One of [`audit::ALL`]; empty for every action.
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
    pub paging: Paging,
}

text_enum! {
    /// What an audit log row records, as stored in `audit_log.action`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum AuditAction {
        AccountRegistered = "account.registered",
        LoginLocked = "login.locked",
        PasswordChanged = "password.changed",
        SessionsRevokedAll = "sessions.revoked_all",
        AdminCreated = "admin.created",
        DemoSeeded = "demo.seeded",
        MechanicApproved = "mechanic.approved",
        MechanicRejected = "mechanic.rejected",
        AccountSuspended = "account.suspended",
        AccountReinstated = "account.reinstated",
        JobCancelled = "job.cancelled",
        /// The subject is the job whose payment was refunded.
        PaymentRefunded = "payment.refunded",
        /// A signed provider event whose amounts disagree with our records
        /// (recorded as history only, never applied); the subject is the job.
        PaymentMismatch = "payment.mismatch",
        /// An admin read a job's conversation; the subject is the job.
        ConversationRead = "conversation.read",
        /// An admin closed a report about a conversation; the subject is the job.
        ChatReportClosed = "chat_report.closed",
    }
}

impl AuditAction {
    /// What the `subject` of this action's rows is.
    pub fn subject_kind(self) -> SubjectKind {
        match self {
            AuditAction::JobCancelled
            | AuditAction::PaymentRefunded
            | AuditAction::PaymentMismatch
            | AuditAction::ConversationRead
            | AuditAction::ChatReportClosed => SubjectKind::Job,
            _ => SubjectKind::User,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::AccountRegistered => "Account registered",
            AuditAction::LoginLocked => "Login locked",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::SessionsRevokedAll => "Logged out everywhere",
            AuditAction::AdminCreated => "Admin created",
            AuditAction::DemoSeeded => "Demo data added",
            AuditAction::MechanicApproved => "Mechanic approved",
            AuditAction::MechanicRejected => "Mechanic rejected",
            AuditAction::AccountSuspended => "Account suspended",
            AuditAction::AccountReinstated => "Account reinstated",
            AuditAction::JobCancelled => "Job cancelled by an admin",
            AuditAction::PaymentRefunded => "Payment refunded",
            AuditAction::PaymentMismatch => "Payment event disagreed with our records",
            AuditAction::ConversationRead => "Conversation read by an admin",
            AuditAction::ChatReportClosed => "Conversation report closed",
        }
    }
}

pub mod audit {
    use super::AuditAction;

    /// The label for a stored action; unknown (newer) actions show as stored.
    pub fn label(action: &str) -> &str {
        AuditAction::parse(action).map_or(action, |a| a.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AccountStatus::*;

    fn target(role: Role, status: AccountStatus) -> ReviewTarget {
        ReviewTarget {
            id: "u1".into(),
            role,
            status,
            has_profile: true,
            was_approved: false,
        }
    }

    fn decide(action: ReviewAction, t: &ReviewTarget) -> Result<AccountStatus, AppError> {
        review(action, &UserId::from("admin"), t, "No-shows on three jobs").map(|d| d.status)
    }

    #[test]
    fn a_pending_mechanic_with_a_profile_can_be_approved_or_rejected() {
        let t = target(Role::Mechanic, PendingApproval);
        assert_eq!(decide(ReviewAction::Approve, &t), Ok(Active));
        let rejected = review(
            ReviewAction::Reject,
            &UserId::from("admin"),
            &t,
            "  Licence   expired ",
        )
        .unwrap();
        assert_eq!(rejected.status, Suspended);
        assert_eq!(rejected.reason.as_deref(), Some("Licence expired"));
        assert!(rejected.ends_sessions);
    }

    #[test]
    fn approval_needs_a_profile() {
        let t = ReviewTarget {
            has_profile: false,
            ..target(Role::Mechanic, PendingApproval)
        };
        assert!(matches!(
            decide(ReviewAction::Approve, &t),
            Err(AppError::Conflict { .. })
        ));
    }

    #[test]
    fn suspending_and_rejecting_need_a_reason() {
        let t = target(Role::Customer, Active);
        let e = review(ReviewAction::Suspend, &UserId::from("admin"), &t, "  ").unwrap_err();
        assert!(e.for_field("reason").is_some());
        let long = "x".repeat(REASON_MAX_CHARS + 1);
        assert!(review(ReviewAction::Suspend, &UserId::from("admin"), &t, &long).is_err());
        assert_eq!(decide(ReviewAction::Suspend, &t), Ok(Suspended));
    }

    #[test]
    fn reinstating_returns_a_mechanic_to_where_they_were() {
        let rejected = target(Role::Mechanic, Suspended);
        assert_eq!(
            decide(ReviewAction::Reinstate, &rejected),
            Ok(PendingApproval)
        );
        let suspended = ReviewTarget {
            was_approved: true,
            ..rejected
        };
        assert_eq!(decide(ReviewAction::Reinstate, &suspended), Ok(Active));
        let customer = target(Role::Customer, Suspended);
        assert_eq!(decide(ReviewAction::Reinstate, &customer), Ok(Active));
        let d = review(
            ReviewAction::Reinstate,
            &UserId::from("admin"),
            &customer,
            "",
        )
        .unwrap();
        assert!(!d.ends_sessions && d.reason.is_none());
    }

    #[test]
    fn moves_that_make_no_sense_are_refused_plainly() {
        let refused = |action, role, status| {
            matches!(
                decide(action, &target(role, status)),
                Err(AppError::Conflict { .. })
            )
        };
        assert!(refused(ReviewAction::Approve, Role::Mechanic, Active));
        assert!(refused(ReviewAction::Approve, Role::Mechanic, Suspended));
        assert!(refused(ReviewAction::Approve, Role::Customer, Active));
        assert!(refused(ReviewAction::Reject, Role::Mechanic, Active));
        assert!(refused(ReviewAction::Reject, Role::Customer, Active));
        assert!(refused(
            ReviewAction::Suspend,
            Role::Mechanic,
            PendingApproval
        ));
        assert!(refused(ReviewAction::Suspend, Role::Customer, Suspended));
        assert!(refused(ReviewAction::Reinstate, Role::Customer, Active));
        assert!(refused(
            ReviewAction::Reinstate,
            Role::Mechanic,
            PendingApproval
        ));
    }

    #[test]
    fn nobody_reviews_themselves() {
        let me = target(Role::Admin, Active);
        assert!(matches!(
            review(ReviewAction::Suspend, &UserId::from("u1"), &me, "testing"),
            Err(AppError::Conflict { .. })
        ));
    }

    #[test]
    fn pages_count_from_one() {
        let p = Paging::new(Some(0));
        assert_eq!((p.page, p.offset()), (1, 0));
        let p3 = Paging::new(Some(3));
        assert_eq!(p3.offset(), 50);
        assert_eq!(p.pages(0), 1);
        assert_eq!(p.pages(25), 1);
        assert_eq!(p.pages(26), 2);
    }

    #[test]
    fn every_review_has_an_audit_name_with_a_label() {
        for a in ["approve", "reject", "suspend", "reinstate"] {
            let action = ReviewAction::parse(a).unwrap();
            assert_ne!(
                audit::label(action.audit_action().as_str()),
                action.audit_action().as_str()
            );
        }
        assert_eq!(audit::label("job.future"), "job.future");
    }
}
