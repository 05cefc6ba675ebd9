//! Real-time events: their names, what they carry, and who may see each one.

use super::{
    geo::GeoPoint,
    job::JobStatus,
    tracking::{Eta, Fix},
};
use crate::domain::text_enum::text_enum;
use crate::domain::{Feature, FeatureFlags, JobId, UserId};
use serde::{Deserialize, Serialize};

text_enum! {
    /// The name of an event, sent as the SSE `event:` field.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum EventName {
        JobCreated = "job:created",
        JobStatusUpdated = "job:status-updated",
        JobStarted = "job:started",
        JobCompleted = "job:completed",
        JobCancelled = "job:cancelled",
        QuoteNew = "quote:new",
        QuoteUpdated = "quote:updated",
        QuoteWithdrawn = "quote:withdrawn",
        QuoteAccepted = "quote:accepted",
        QuoteDeclined = "quote:declined",
        /// The quote's amount is held on the customer's card.
        PaymentAuthorized = "payment:authorized",
        /// The amount (or a lowered one) was taken at completion.
        PaymentCaptured = "payment:captured",
        /// The hold was let go: the job was cancelled before work started.
        PaymentReleased = "payment:released",
        PaymentRefunded = "payment:refunded",
        /// The customer's bank opened a dispute.
        PaymentDisputed = "payment:disputed",
        /// An attempt failed after the page left (told by Stripe's webhook).
        PaymentFailed = "payment:failed",
        /// A message in a conversation; carries the message itself.
        MessageNew = "message:new",
        /// One party read a conversation up to a message.
        MessageRead = "message:read",
        /// One party is typing (ephemeral).
        MessageTyping = "message:typing",
        /// A photo was added to the job; carries its id and kind.
        PhotoAdded = "photo:added",
        /// A notification for one user: carries it, and whose it is.
        NotificationNew = "notification:new",
        /// The booked mechanic's new position (ephemeral).
        JobLocationUpdated = "job:location-updated",
        /// The arrival estimate moved by a minute or more (ephemeral).
        JobEtaUpdated = "job:eta-updated",
        /// Not stored: the client asked to resume from an event that is gone,
        /// so it must refetch what it shows.
        Reset = "reset",
    }
}

impl EventName {
    /// The optional feature this event belongs to: not sent while it is off.
    pub fn feature(self) -> Option<Feature> {
        match self {
            EventName::JobLocationUpdated | EventName::JobEtaUpdated => {
                Some(Feature::RealtimeTracking)
            }
            EventName::PaymentAuthorized
            | EventName::PaymentCaptured
            | EventName::PaymentReleased
            | EventName::PaymentRefunded
            | EventName::PaymentDisputed
            | EventName::PaymentFailed => Some(Feature::Payments),
            EventName::MessageNew | EventName::MessageRead | EventName::MessageTyping => {
                Some(Feature::Messaging)
            }
            EventName::PhotoAdded => Some(Feature::Photos),
            _ => None,
        }
    }

    /// Events only the conversation's two parties receive: an admin reads
    /// a conversation through its audited page, never from the stream.
    pub fn private(self) -> bool {
        matches!(
            self,
            EventName::MessageNew
                | EventName::MessageRead
                | EventName::MessageTyping
                | EventName::NotificationNew
        )
    }

    /// The event a move to `to` is announced as.
    pub fn for_status(to: JobStatus) -> Self {
        match to {
            JobStatus::InProgress => EventName::JobStarted,
            JobStatus::Completed => EventName::JobCompleted,
            JobStatus::Cancelled => EventName::JobCancelled,
            _ => EventName::JobStatusUpdated,
        }
    }
}

/// The JSON an event carries: which job, and what changed. Never an
/// address or a price, so one payload suits everyone who may see the
/// event; a client that wants more fetches the job, which applies the
/// viewer's own rights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    pub job: super::JobId,
    /// The job's status after the change.
    pub status: JobStatus,
    /// The status before, when the status moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<JobStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<super::QuoteId>,
}

/// What `job:location-updated` carries: the fix itself, its time the
/// phone's own (the customer's "last seen" counts from it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionData {
    pub job: super::JobId,
    #[serde(flatten)]
    pub fix: Fix,
}

/// What `job:eta-updated` carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EtaData {
    pub job: super::JobId,
    #[serde(flatten)]
    pub eta: Eta,
}

/// Who an event is for, besides admins, who see everything.
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    pub customer_id: super::UserId,
    /// The booked mechanic, or the mechanic whose quote the event is about.
    pub mechanic_id: Option<super::UserId>,
    /// Set for events about the pool of open jobs (a new job, a job
    /// leaving the pool): mechanics who reach this point see them too.
    pub nearby: Option<GeoPoint>,
}

/// One event on its way to subscribers. Durable events carry the id of
/// their row; ephemeral ones (typing, GPS ticks) have none and are never replayed.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    pub id: Option<i64>,
    pub name: EventName,
    pub job_id: super::JobId,
    /// `data` as JSON, encoded once for every subscriber.
    pub data: String,
    pub audience: Audience,
}

impl LiveEvent {
    /// Tells a client that the events after its last one are gone; its id
    /// (the newest there is) moves the client past the gap.
    pub fn reset(newest: i64) -> Self {
        LiveEvent {
            id: Some(newest),
            name: EventName::Reset,
            job_id: JobId::from(String::new()),
            data: r#"{"reason":"The events since your last one are no longer kept. Refetch what you show."}"#.into(),
            audience: Audience {
                customer_id: UserId::from(String::new()),
                mechanic_id: None,
                nearby: None,
            },
        }
    }
}

/// A subscriber, as far as deciding what they may see goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Watcher {
    /// The pump that reads every stored event to route it: private ones
    /// too. Never a client's stream.
    Everything,
    Admin,
    Customer {
        id: super::UserId,
    },
    /// `reach` is set only while the mechanic may take new work (approved,
    /// profile filled in, available).
    Mechanic {
        id: super::UserId,
        reach: Option<(GeoPoint, u32)>,
    },
}

impl Watcher {
    pub fn sees(&self, a: &Audience) -> bool {
        match self {
            Watcher::Everything | Watcher::Admin => true,
            Watcher::Customer { id } => a.customer_id == *id,
            Watcher::Mechanic { id, reach } => {
                if a.mechanic_id.as_deref() == Some(id) {
                    return true;
                }
                match (reach, a.nearby) {
                    // A mechanic who also books jobs as a customer is not offered their own.
                    (Some((base, radius_km)), Some(at)) => {
                        a.customer_id != *id && base.within(at, *radius_km)
                    }
                    _ => false,
                }
            }
        }
    }
}

/// What one stream carries: what its watcher may see, narrowed to one job
/// if asked, of the features switched on.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamFilter {
    pub watcher: Watcher,
    pub job: Option<super::JobId>,
    pub features: FeatureFlags,
}

impl StreamFilter {
    pub fn passes(&self, e: &LiveEvent) -> bool {
        self.job.as_ref().is_none_or(|j| *j == e.job_id)
            && e.name.feature().is_none_or(|f| self.features.enabled(f))
            && !(e.name.private() && self.watcher == Watcher::Admin)
            && self.watcher.sees(&e.audience)
    }
}

/// Where a reconnecting client resumes, or why it cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// No Last-Event-ID: live events only.
    Live,
    /// Replay every event after this id, then go live.
    After(i64),
    /// The id is older than retention (or from another database): the
    /// client gets a `reset` and goes live from the newest event.
    Reset,
}

/// Decides where to resume from the client's last id, the newest id
/// removed by retention, and the newest id there is.
pub fn resume(last_event_id: Option<i64>, pruned_through: i64, newest: i64) -> Resume {
    match last_event_id {
        None => Resume::Live,
        Some(id) if id < pruned_through || id > newest || id < 0 => Resume::Reset,
        Some(id) => Resume::After(id),
    }
}

/// A `Last-Event-ID` as sent: a decimal id, anything else is ignored.
pub fn parse_event_id(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lng: f64) -> GeoPoint {
        GeoPoint::new(lat, lng).unwrap()
    }

    fn audience(customer: &str, mechanic: Option<&str>, nearby: Option<GeoPoint>) -> Audience {
        Audience {
            customer_id: customer.into(),
            mechanic_id: mechanic.map(Into::into),
            nearby,
        }
    }

    fn mechanic(id: &str, reach: Option<(GeoPoint, u32)>) -> Watcher {
        Watcher::Mechanic {
            id: id.into(),
            reach,
        }
    }

    #[test]
    fn names_round_trip_and_follow_the_plan() {
        for n in EventName::ALL {
            assert_eq!(EventName::parse(n.as_str()), Some(n));
        }
        assert_eq!(EventName::parse("job:exploded"), None);
        assert_eq!(
            EventName::for_status(JobStatus::EnRoute),
            EventName::JobStatusUpdated
        );
        assert_eq!(
            EventName::for_status(JobStatus::InProgress),
            EventName::JobStarted
        );
        assert_eq!(
            EventName::for_status(JobStatus::Completed),
            EventName::JobCompleted
        );
        assert_eq!(
            EventName::for_status(JobStatus::Cancelled),
            EventName::JobCancelled
        );
    }

    #[test]
    fn customers_see_only_their_own_jobs() {
        let me = Watcher::Customer { id: "c1".into() };
        assert!(me.sees(&audience("c1", None, None)));
        assert!(!me.sees(&audience("c2", None, Some(at(51.5, -0.1)))));
        assert!(!me.sees(&audience("c2", Some("c1"), None)));
    }

    #[test]
    fn mechanics_see_their_jobs_and_offers_within_reach() {
        let camden = at(51.539, -0.1426);
        let kentish_town = at(51.5505, -0.1404); // 1.3 km away
        let croydon = at(51.3762, -0.0982); // 18 km away
        let dan = mechanic("m1", Some((camden, 10)));
        assert!(dan.sees(&audience("c1", Some("m1"), None)));
        assert!(!dan.sees(&audience("c1", Some("m2"), None)));
        assert!(dan.sees(&audience("c1", None, Some(kentish_town))));
        assert!(!dan.sees(&audience("c1", None, Some(croydon))));
        assert!(!dan.sees(&audience("m1", None, Some(kentish_town))));
        let unavailable = mechanic("m1", None);
        assert!(!unavailable.sees(&audience("c1", None, Some(kentish_town))));
        assert!(unavailable.sees(&audience("c1", Some("m1"), None)));
    }

    #[test]
    fn admins_see_everything_and_a_job_filter_narrows_any_stream() {
        let a = audience("c1", Some("m1"), None);
        assert!(Watcher::Admin.sees(&a));
        let event = |job: &str| LiveEvent {
            id: Some(1),
            name: EventName::JobCreated,
            job_id: job.into(),
            data: "{}".into(),
            audience: a.clone(),
        };
        let only = StreamFilter {
            watcher: Watcher::Admin,
            job: Some("j1".into()),
            features: FeatureFlags::default(),
        };
        assert!(only.passes(&event("j1")));
        assert!(!only.passes(&event("j2")));
    }

    #[test]
    fn a_switched_off_feature_sends_no_events() {
        let moved = |name| LiveEvent {
            id: None,
            name,
            job_id: "j1".into(),
            data: "{}".into(),
            audience: audience("c1", Some("m1"), None),
        };
        let mut filter = StreamFilter {
            watcher: Watcher::Customer { id: "c1".into() },
            job: None,
            features: FeatureFlags::default(),
        };
        assert!(filter.passes(&moved(EventName::JobLocationUpdated)));
        filter.features.set(Feature::RealtimeTracking, false);
        assert!(!filter.passes(&moved(EventName::JobLocationUpdated)));
        assert!(!filter.passes(&moved(EventName::JobEtaUpdated)));
        assert!(filter.passes(&moved(EventName::JobStatusUpdated)));
    }

    #[test]
    fn conversations_reach_their_two_parties_and_not_admins() {
        let said = LiveEvent {
            id: Some(3),
            name: EventName::MessageNew,
            job_id: "j1".into(),
            data: "{}".into(),
            audience: audience("c1", Some("m1"), None),
        };
        let filter = |watcher| StreamFilter {
            watcher,
            job: None,
            features: FeatureFlags::default(),
        };
        assert!(filter(Watcher::Customer { id: "c1".into() }).passes(&said));
        assert!(filter(mechanic("m1", None)).passes(&said));
        assert!(!filter(mechanic("m2", None)).passes(&said));
        assert!(!filter(Watcher::Admin).passes(&said));
        let mut off = filter(Watcher::Customer { id: "c1".into() });
        off.features.set(Feature::Messaging, false);
        assert!(!off.passes(&said));
    }

    #[test]
    fn resuming_replays_within_retention_and_resets_outside_it() {
        assert_eq!(resume(None, 0, 10), Resume::Live);
        assert_eq!(resume(Some(0), 0, 10), Resume::After(0));
        assert_eq!(resume(Some(4), 3, 10), Resume::After(4));
        assert_eq!(resume(Some(3), 3, 10), Resume::After(3));
        assert_eq!(resume(Some(2), 3, 10), Resume::Reset);
        assert_eq!(resume(Some(10), 3, 10), Resume::After(10));
        assert_eq!(resume(Some(11), 3, 10), Resume::Reset);
        assert_eq!(resume(Some(-1), 0, 10), Resume::Reset);
        assert_eq!(parse_event_id(" 42 "), Some(42));
        assert_eq!(parse_event_id("abc"), None);
    }

    #[test]
    fn data_never_names_a_place_and_reads_back() {
        let d = EventData {
            job: "j1".into(),
            status: JobStatus::EnRoute,
            from: Some(JobStatus::Accepted),
            quote: None,
        };
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(
            json,
            r#"{"job":"j1","status":"en_route","from":"accepted"}"#
        );
        assert_eq!(serde_json::from_str::<EventData>(&json).unwrap(), d);
    }
}
