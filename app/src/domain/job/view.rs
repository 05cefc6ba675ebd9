//! A job as its viewers see it: where it is, its summary in lists, its page.

use super::{Actor, JobStatus, Urgency};
use crate::domain::Timestamp;
use crate::domain::{geo::GeoPoint, mechanic::Skill, vehicle::Vehicle};
use serde::{Deserialize, Serialize};

/// Where the job is, as much as the viewer may know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "precision", rename_all = "snake_case")]
pub enum Location {
    /// The customer, the booked mechanic and admins.
    Exact {
        lat: f64,
        lng: f64,
        address: String,
        locality: String,
    },
    /// Mechanics deciding whether to quote: about 1 km, and the area's name.
    Approximate {
        lat: f64,
        lng: f64,
        locality: String,
    },
}

impl Location {
    pub fn exact(at: GeoPoint, address: String, locality: String) -> Self {
        Location::Exact {
            lat: at.lat(),
            lng: at.lng(),
            address,
            locality,
        }
    }

    pub fn approximate(at: GeoPoint, locality: String) -> Self {
        let near = at.approximate();
        Location::Approximate {
            lat: near.lat(),
            lng: near.lng(),
            locality,
        }
    }

    pub fn locality(&self) -> &str {
        match self {
            Location::Exact { locality, .. } | Location::Approximate { locality, .. } => locality,
        }
    }
}

/// One row of a job's timeline: a status change, who made it, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: Timestamp,
    /// `None` for the first row: the job was requested.
    pub from: Option<JobStatus>,
    pub to: JobStatus,
    pub actor_role: Actor,
    pub actor_name: String,
    pub reason: Option<String>,
}

/// A job in a list: enough to pick it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSummary {
    pub id: crate::domain::JobId,
    pub status: JobStatus,
    pub category: Skill,
    pub vehicle: String,
    pub locality: String,
    pub urgency: Urgency,
    pub created_at: Timestamp,
    /// Live quotes (customers) or `None` when the viewer does not see quotes.
    pub live_quotes: Option<i64>,
    /// From the viewing mechanic's base, when they look at open jobs.
    pub distance_km: Option<f64>,
    /// The viewing mechanic's live quote on it, if they sent one.
    pub my_quote: Option<crate::domain::money::Money>,
    /// Where it is to about a kilometre, for a mechanic's map of open jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<GeoPoint>,
}

/// One job as the viewer may see it, with its quotes and timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: crate::domain::JobId,
    pub status: JobStatus,
    /// How the viewer stands to this job; decides the buttons.
    pub viewer: Actor,
    pub category: Skill,
    pub description: String,
    pub vehicle: Vehicle,
    pub location: Location,
    pub urgency: Urgency,
    pub created_at: Timestamp,
    /// The customer's first name, shown to the booked mechanic only.
    pub customer_name: Option<String>,
    pub distance_km: Option<f64>,
    /// Customers and admins: every quote. Mechanics: their own.
    pub quotes: Vec<crate::domain::quote::QuoteView>,
    pub timeline: Vec<TimelineEntry>,
    pub cancel_reason: Option<String>,
    /// The booked mechanic's latest position, while they share it, for
    /// the customer, the mechanic and admins.
    #[serde(default)]
    pub position: Option<crate::domain::tracking::Fix>,
    /// How far the mechanic is and how long they take, with `position`.
    #[serde(default)]
    pub eta: Option<crate::domain::tracking::Eta>,
    /// The card payment for the booked quote, for the customer, the
    /// booked mechanic and admins (none while payments are switched off).
    #[serde(default)]
    pub payment: Option<crate::domain::payment::PaymentView>,
    /// The id of the newest event about this job that this view includes
    /// (0: none): a page showing it ignores stream events up to here.
    #[serde(default)]
    pub last_event_id: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approximate_location_hides_the_address() {
        let at = GeoPoint::new(51.53937, -0.14264).unwrap();
        let loc = Location::approximate(at, "Camden, London".into());
        assert_eq!(
            loc,
            Location::Approximate {
                lat: 51.54,
                lng: -0.14,
                locality: "Camden, London".into()
            }
        );
        assert!(!serde_json::to_string(&loc).unwrap().contains("address"));
    }
}
