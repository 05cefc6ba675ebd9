//! Notifications: who is told what about an event, the kinds a user may
//! mute for their devices, quiet hours, and what a push may carry.
//!
//! Over 450 lines only with its unit tests (the module at the end), which
//! sit beside the rules they pin down.

use crate::domain::live::EventName;
use crate::domain::text_enum::text_enum;
use crate::domain::{AppError, DeviceId, JobId, NotificationId, Timestamp, UserId, job::JobStatus};
use serde::{Deserialize, Serialize};

/// Notifications the centre lists at once (newest first).
pub const PAGE: i64 = 50;
/// How long a push service keeps a push for a device that is offline.
/// A "your mechanic is on the way" older than a day helps nobody.
pub const PUSH_TTL_SECS: u64 = 24 * 3600;
/// Devices one user may have subscribed; one more replaces their oldest.
pub const DEVICES_PER_USER: i64 = 10;

text_enum! {
    /// What a notification is about; each but `Security` can be kept off
    /// a user's devices (the notification centre lists every kind).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum NoticeKind {
        NewQuote = "new_quote",
        Booking = "booking",
        OnTheWay = "on_the_way",
        Arrived = "arrived",
        JobDone = "job_done",
        Message = "message",
        Payment = "payment",
        Security = "security",
    }
}

impl NoticeKind {
    /// As the preferences list it.
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::NewQuote => "New quotes",
            NoticeKind::Booking => "Bookings",
            NoticeKind::OnTheWay => "Mechanic on the way",
            NoticeKind::Arrived => "Mechanic arrived",
            NoticeKind::JobDone => "Job done",
            NoticeKind::Message => "New messages (while the chat is not open)",
            NoticeKind::Payment => "Payments taken or refunded",
            NoticeKind::Security => "Security (always on)",
        }
    }

    /// Whether a user may keep it off their devices.
    pub fn optional(self) -> bool {
        self != NoticeKind::Security
    }

    /// Said without delay on a device (RFC 8030 `Urgency`).
    pub fn urgent(self) -> bool {
        matches!(
            self,
            NoticeKind::OnTheWay | NoticeKind::Arrived | NoticeKind::Security
        )
    }
}

/// One entry of the notification centre, as the client gets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// The page it opens: a path on this site.
    pub link: String,
    pub created_at: Timestamp,
    pub read: bool,
}

/// The centre's newest entries and how many of the user's are unread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub unread: i64,
}

/// What `notification:new` carries: the entry, and whose it is (admins'
/// streams see every event; their client counts only its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationAdded {
    pub user: UserId,
    /// The job it is about.
    pub job: JobId,
    pub notification: Notification,
}

/// What a push carries, encrypted for the device. No address, no price,
/// no message text: a lock screen is not private.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushPayload {
    pub id: NotificationId,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub link: String,
    /// Notifications with one tag replace each other on the device (a
    /// chat's messages, a job's progress) rather than pile up.
    pub tag: String,
}

/// A notice to write: one user told one thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub user: UserId,
    pub kind: NoticeKind,
    pub job: JobId,
    pub title: String,
    pub body: String,
    pub link: String,
}

impl Notice {
    pub fn payload(&self, id: &NotificationId) -> PushPayload {
        let tag = match self.kind {
            NoticeKind::Message => format!("chat-{}", self.job),
            _ => format!("job-{}", self.job),
        };
        PushPayload {
            id: id.clone(),
            kind: self.kind,
            title: self.title.clone(),
            body: self.body.clone(),
            link: self.link.clone(),
            tag,
        }
    }
}

/// What an event says about itself, as far as deciding who is told goes.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFacts<'a> {
    pub name: EventName,
    pub job: &'a JobId,
    pub customer: &'a UserId,
    /// The booked mechanic, or the mechanic whose quote or thread it is about.
    pub mechanic: Option<&'a UserId>,
    /// The job's status the event carries, if it carries one.
    pub status: Option<JobStatus>,
    /// Who sent a message (`message:new`).
    pub sender: Option<&'a UserId>,
}

/// The words of the people and the job a notice names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Names {
    /// The job's kind of work, e.g. "Battery".
    pub job: String,
    pub customer: String,
    pub mechanic: String,
}

/// Who an event is told to, as what: the one place that decides it.
/// Nobody is told about what they did themselves.
pub fn recipients(e: &EventFacts) -> Vec<(UserId, NoticeKind)> {
    let customer = || e.customer.clone();
    let mechanic = || e.mechanic.cloned();
    let to_customer = |kind| vec![(customer(), kind)];
    match e.name {
        EventName::QuoteNew => to_customer(NoticeKind::NewQuote),
        EventName::QuoteAccepted => mechanic()
            .map(|m| vec![(m, NoticeKind::Booking)])
            .unwrap_or_default(),
        EventName::JobStatusUpdated => match e.status {
            Some(JobStatus::EnRoute) => to_customer(NoticeKind::OnTheWay),
            Some(JobStatus::Arrived) => to_customer(NoticeKind::Arrived),
            _ => Vec::new(),
        },
        EventName::JobCompleted => to_customer(NoticeKind::JobDone),
        EventName::PaymentCaptured | EventName::PaymentRefunded | EventName::PaymentFailed => {
            to_customer(NoticeKind::Payment)
        }
        EventName::MessageNew => {
            let Some(sender) = e.sender else {
                return Vec::new();
            };
            [Some(customer()), mechanic()]
                .into_iter()
                .flatten()
                .filter(|u| u != sender)
                .map(|u| (u, NoticeKind::Message))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The notice `user` gets about `e` as `kind`, in words.
pub fn notice(e: &EventFacts, user: UserId, kind: NoticeKind, names: &Names) -> Notice {
    let job = if names.job.is_empty() {
        "your job"
    } else {
        names.job.as_str()
    };
    let mechanic = or_default(&names.mechanic, "Your mechanic");
    let customer = or_default(&names.customer, "The customer");
    let (title, body) = match (e.name, kind) {
        (_, NoticeKind::NewQuote) => (
            "New quote".to_owned(),
            format!("{mechanic} sent a quote for your {job} job."),
        ),
        (_, NoticeKind::Booking) => (
            "You're booked".to_owned(),
            format!("{customer} accepted your quote for the {job} job."),
        ),
        (_, NoticeKind::OnTheWay) => (
            "Your mechanic is on the way".to_owned(),
            format!("{mechanic} is driving to you. Follow them on the map."),
        ),
        (_, NoticeKind::Arrived) => (
            "Your mechanic has arrived".to_owned(),
            format!("{mechanic} is at your car."),
        ),
        (_, NoticeKind::JobDone) => (
            "Job done".to_owned(),
            format!("{mechanic} finished the {job} job. See the photos and the receipt."),
        ),
        (EventName::PaymentRefunded, _) => (
            "Refund issued".to_owned(),
            format!("A refund for the {job} job is on its way to your card."),
        ),
        (EventName::PaymentFailed, _) => (
            "A payment did not go through".to_owned(),
            format!("The payment for the {job} job failed. Open the job to try again."),
        ),
        (_, NoticeKind::Payment) => (
            "Payment taken".to_owned(),
            format!("The payment for the {job} job was taken. Your receipt is ready."),
        ),
        (_, NoticeKind::Message) => {
            let from = if e.sender == Some(e.customer) {
                customer
            } else {
                mechanic
            };
            (
                "New message".to_owned(),
                format!("{from} wrote about the {job} job."),
            )
        }
        (_, NoticeKind::Security) => ("Security".to_owned(), String::new()),
    };
    let area = if user == *e.customer {
        "customer"
    } else {
        "mechanic"
    };
    let anchor = if kind == NoticeKind::Message {
        "#chat"
    } else {
        ""
    };
    Notice {
        link: format!("/{area}/jobs/{}{anchor}", e.job),
        user,
        kind,
        job: e.job.clone(),
        title,
        body,
    }
}

fn or_default<'a>(name: &'a str, default: &'a str) -> &'a str {
    if name.trim().is_empty() {
        default
    } else {
        name
    }
}

/// Hours without pushes, in the user's own time zone; `start` may be
/// after `end` (22:00–07:00 spans midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// Minutes after local midnight.
    pub start: u16,
    pub end: u16,
}

impl QuietHours {
    /// Reads two `HH:MM` times; both empty means none.
    pub fn parse(start: &str, end: &str) -> Result<Option<Self>, AppError> {
        let (start, end) = (start.trim(), end.trim());
        if start.is_empty() && end.is_empty() {
            return Ok(None);
        }
        let read = |field: &str, s: &str| {
            clock_minutes(s).ok_or_else(|| {
                AppError::invalid(field, "Enter a time like 22:00, or leave both times empty.")
            })
        };
        let q = QuietHours {
            start: read("quiet_start", start)?,
            end: read("quiet_end", end)?,
        };
        if q.start == q.end {
            return Err(AppError::invalid(
                "quiet_end",
                "Quiet hours must end at another time than they start.",
            ));
        }
        Ok(Some(q))
    }

    /// Whether `minute` (after local midnight) falls in these hours.
    pub fn contains(self, minute: u16) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }

    pub fn format(minute: u16) -> String {
        format!("{:02}:{:02}", minute / 60, minute % 60)
    }
}

fn clock_minutes(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() <= 5).then_some(h * 60 + m)
}

/// A user's choices for their devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationPrefs {
    /// Kinds not pushed (never `Security`).
    pub muted: Vec<NoticeKind>,
    pub quiet: Option<QuietHours>,
    /// IANA name, e.g. `Europe/London`; quiet hours are read in it.
    pub time_zone: String,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self {
            muted: Vec::new(),
            quiet: None,
            time_zone: "UTC".into(),
        }
    }
}

impl NotificationPrefs {
    /// Reads the muted kinds as stored or sent (comma-separated);
    /// `Security` cannot be muted and is dropped.
    pub fn parse_muted(list: &str) -> Result<Vec<NoticeKind>, AppError> {
        let mut kinds = Vec::new();
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let kind = NoticeKind::parse(part)
                .ok_or_else(|| AppError::invalid("muted", format!("Unknown kind: {part}.")))?;
            if kind.optional() && !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(kinds)
    }

    pub fn muted_text(&self) -> String {
        let names: Vec<&str> = self.muted.iter().map(|k| k.as_str()).collect();
        names.join(",")
    }

    /// Whether a notice of `kind` goes to this user's devices when it is
    /// `local_minute` after midnight where they are. Security always does.
    pub fn pushes(&self, kind: NoticeKind, local_minute: u16) -> bool {
        if !kind.optional() {
            return true;
        }
        if self.muted.contains(&kind) {
            return false;
        }
        !self.quiet.is_some_and(|q| q.contains(local_minute))
    }
}

/// One device that receives pushes, as "my account" lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushDevice {
    pub id: DeviceId,
    pub label: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A device just subscribed: its id (the browser keeps it to know itself
/// in the list) and the user's devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscribed {
    pub device: DeviceId,
    pub devices: Vec<PushDevice>,
}

/// What the account page needs to offer push: the server's public key to
/// subscribe with (`None`: push is switched off), the user's devices and
/// their choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushSettings {
    pub public_key: Option<String>,
    pub devices: Vec<PushDevice>,
    pub prefs: NotificationPrefs,
}

/// What a push service's answer to a push means for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Taken (201, or any 2xx).
    Delivered,
    /// The device unsubscribed or the subscription expired (404, 410):
    /// remove it.
    Gone,
    /// Try again after this many seconds (429, 5xx, no answer).
    Retry(u64),
    /// Refused for good (a 4xx that would be refused again): drop this push.
    Refused,
}

/// Attempts before a push is dropped (about two hours of backoff).
pub const MAX_ATTEMPTS: i64 = 8;

/// What to do after attempt number `attempt` (1-based) answered `status`
/// (`None`: no answer). `retry_after` is the service's own wish, if it said one.
pub fn delivery(status: Option<u16>, attempt: i64, retry_after: Option<u64>) -> Delivery {
    let retry = || {
        if attempt >= MAX_ATTEMPTS {
            Delivery::Refused
        } else {
            // 15 s, 30 s, 1 min, ... capped at an hour.
            let backoff = 15u64 << (attempt.clamp(1, 12) - 1);
            Delivery::Retry(retry_after.unwrap_or(backoff).clamp(1, 3600))
        }
    };
    match status {
        Some(s) if (200..300).contains(&s) => Delivery::Delivered,
        Some(404 | 410) => Delivery::Gone,
        Some(429) | None => retry(),
        Some(s) if s >= 500 => retry(),
        Some(_) => Delivery::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        name: EventName,
        ids: &'a (JobId, UserId, UserId),
        status: Option<JobStatus>,
        sender: Option<&'a UserId>,
    ) -> EventFacts<'a> {
        EventFacts {
            name,
            job: &ids.0,
            customer: &ids.1,
            mechanic: Some(&ids.2),
            status,
            sender,
        }
    }

    fn ids() -> (JobId, UserId, UserId) {
        (
            JobId::from("j1".to_owned()),
            UserId::from("cust".to_owned()),
            UserId::from("mech".to_owned()),
        )
    }

    #[test]
    fn each_event_is_told_to_the_party_it_concerns() {
        let ids = ids();
        let to = |name, status| {
            recipients(&facts(name, &ids, status, None))
                .into_iter()
                .map(|(u, k)| (u.to_string(), k))
                .collect::<Vec<_>>()
        };
        let c = |k| vec![("cust".to_owned(), k)];
        assert_eq!(to(EventName::QuoteNew, None), c(NoticeKind::NewQuote));
        assert_eq!(
            to(EventName::QuoteAccepted, None),
            vec![("mech".to_owned(), NoticeKind::Booking)]
        );
        assert_eq!(
            to(EventName::JobStatusUpdated, Some(JobStatus::EnRoute)),
            c(NoticeKind::OnTheWay)
        );
        assert_eq!(
            to(EventName::JobStatusUpdated, Some(JobStatus::Arrived)),
            c(NoticeKind::Arrived)
        );
        assert_eq!(to(EventName::JobCompleted, None), c(NoticeKind::JobDone));
        assert_eq!(to(EventName::PaymentCaptured, None), c(NoticeKind::Payment));
        assert_eq!(to(EventName::PaymentRefunded, None), c(NoticeKind::Payment));
        // Not worth a buzz: another mechanic's quote went, a job appeared nearby.
        assert!(to(EventName::QuoteDeclined, None).is_empty());
        assert!(to(EventName::JobCreated, None).is_empty());
        assert!(to(EventName::MessageRead, None).is_empty());
    }

    #[test]
    fn a_message_is_told_to_the_other_party_only() {
        let ids = ids();
        let from_customer = recipients(&facts(EventName::MessageNew, &ids, None, Some(&ids.1)));
        assert_eq!(from_customer, vec![(ids.2.clone(), NoticeKind::Message)]);
        let from_mechanic = recipients(&facts(EventName::MessageNew, &ids, None, Some(&ids.2)));
        assert_eq!(from_mechanic, vec![(ids.1.clone(), NoticeKind::Message)]);
    }

    #[test]
    fn a_notice_links_to_the_recipients_own_page_and_names_no_price_or_place() {
        let ids = ids();
        let names = Names {
            job: "Battery".into(),
            customer: "Tom".into(),
            mechanic: "Dan".into(),
        };
        let e = facts(EventName::QuoteNew, &ids, None, None);
        let n = notice(&e, ids.1.clone(), NoticeKind::NewQuote, &names);
        assert_eq!(n.link, "/customer/jobs/j1");
        assert_eq!(n.body, "Dan sent a quote for your Battery job.");
        let e = facts(EventName::QuoteAccepted, &ids, None, None);
        let n = notice(&e, ids.2.clone(), NoticeKind::Booking, &names);
        assert_eq!(n.link, "/mechanic/jobs/j1");
        assert!(n.body.starts_with("Tom accepted"));
        let e = facts(EventName::MessageNew, &ids, None, Some(&ids.2));
        let n = notice(&e, ids.1.clone(), NoticeKind::Message, &names);
        assert_eq!(n.link, "/customer/jobs/j1#chat");
        assert_eq!(n.payload(&NotificationId::from("x")).tag, "chat-j1");
    }

    #[test]
    fn quiet_hours_span_midnight_and_refuse_nonsense() {
        let q = QuietHours::parse("22:00", "07:30").unwrap().unwrap();
        assert!(q.contains(23 * 60) && q.contains(0) && q.contains(7 * 60 + 29));
        assert!(!q.contains(7 * 60 + 30) && !q.contains(12 * 60));
        let day = QuietHours::parse("13:00", "14:00").unwrap().unwrap();
        assert!(day.contains(13 * 60) && !day.contains(14 * 60) && !day.contains(12 * 60));
        assert_eq!(QuietHours::parse("", " ").unwrap(), None);
        for (a, b) in [
            ("25:00", "07:00"),
            ("22:00", ""),
            ("22:00", "22:00"),
            ("7pm", "8"),
        ] {
            assert!(QuietHours::parse(a, b).is_err(), "{a}–{b}");
        }
    }

    #[test]
    fn muted_kinds_and_quiet_hours_hold_back_pushes_but_never_security() {
        let prefs = NotificationPrefs {
            muted: NotificationPrefs::parse_muted("message, security,new_quote").unwrap(),
            quiet: QuietHours::parse("22:00", "07:00").unwrap(),
            time_zone: "Europe/London".into(),
        };
        assert_eq!(prefs.muted, vec![NoticeKind::Message, NoticeKind::NewQuote]);
        let noon = 12 * 60;
        let night = 23 * 60;
        assert!(!prefs.pushes(NoticeKind::Message, noon));
        assert!(prefs.pushes(NoticeKind::OnTheWay, noon));
        assert!(!prefs.pushes(NoticeKind::OnTheWay, night));
        assert!(prefs.pushes(NoticeKind::Security, night));
        assert!(NotificationPrefs::parse_muted("bogus").is_err());
    }

    #[test]
    fn push_service_answers_decide_retry_removal_or_drop() {
        assert_eq!(delivery(Some(201), 1, None), Delivery::Delivered);
        assert_eq!(delivery(Some(410), 1, None), Delivery::Gone);
        assert_eq!(delivery(Some(404), 3, None), Delivery::Gone);
        assert_eq!(delivery(Some(503), 1, None), Delivery::Retry(15));
        assert_eq!(delivery(None, 3, None), Delivery::Retry(60));
        assert_eq!(delivery(Some(429), 2, Some(5)), Delivery::Retry(5));
        assert_eq!(delivery(Some(500), 12, None), Delivery::Refused);
        assert_eq!(delivery(Some(400), 1, None), Delivery::Refused);
        assert_eq!(delivery(Some(503), 7, None), Delivery::Retry(960));
    }
}
