//! A job: its status and who may move it where, the request form, and what each party sees of it.

use super::{
    AppError,
    geo::GeoPoint,
    mechanic::{ADDRESS_MAX_CHARS, Skill},
    vehicle::Vehicle,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a job is in its life. See [`JobStatus::can_move`] for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Requested,
    Quoted,
    Accepted,
    EnRoute,
    Arrived,
    InProgress,
    Completed,
    Cancelled,
}

/// Who is asking to move a job, relative to that job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer who requested the job.
    Customer,
    /// A mechanic who may quote for it (approved, available, in range).
    QuotingMechanic,
    /// The mechanic whose quote was accepted.
    AssignedMechanic,
    Admin,
}

impl Actor {
    pub const ALL: [Actor; 4] = [
        Actor::Customer,
        Actor::QuotingMechanic,
        Actor::AssignedMechanic,
        Actor::Admin,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Customer => "customer",
            Actor::QuotingMechanic => "quoting_mechanic",
            Actor::AssignedMechanic => "assigned_mechanic",
            Actor::Admin => "admin",
        }
    }
}

/// How a move happens: some are a button of their own, others only the
/// side effect of sending, withdrawing or accepting a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `update_job_status` (or `cancel_job` for cancellations).
    Button,
    /// Sending the first quote, or withdrawing the last.
    Quote,
    /// Accepting a quote.
    Accept,
}

/// The transition table: (from, to, who may, how). Nothing else is legal.
const TABLE: &[(JobStatus, JobStatus, &[Actor], Via)] = {
    use Actor::*;
    use JobStatus::*;
    const CANCELLERS: &[Actor] = &[Customer, Admin];
    &[
        (Requested, Quoted, &[QuotingMechanic], Via::Quote),
        (Quoted, Requested, &[QuotingMechanic], Via::Quote),
        (Quoted, Accepted, &[Customer], Via::Accept),
        (Accepted, EnRoute, &[AssignedMechanic], Via::Button),
        (EnRoute, Arrived, &[AssignedMechanic], Via::Button),
        (Arrived, InProgress, &[AssignedMechanic], Via::Button),
        (InProgress, Completed, &[AssignedMechanic], Via::Button),
        (Requested, Cancelled, CANCELLERS, Via::Button),
        (Quoted, Cancelled, CANCELLERS, Via::Button),
        (Accepted, Cancelled, CANCELLERS, Via::Button),
        (EnRoute, Cancelled, CANCELLERS, Via::Button),
        (Arrived, Cancelled, CANCELLERS, Via::Button),
    ]
};

impl JobStatus {
    pub const ALL: [JobStatus; 8] = [
        JobStatus::Requested,
        JobStatus::Quoted,
        JobStatus::Accepted,
        JobStatus::EnRoute,
        JobStatus::Arrived,
        JobStatus::InProgress,
        JobStatus::Completed,
        JobStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Requested => "requested",
            JobStatus::Quoted => "quoted",
            JobStatus::Accepted => "accepted",
            JobStatus::EnRoute => "en_route",
            JobStatus::Arrived => "arrived",
            JobStatus::InProgress => "in_progress",
            JobStatus::Completed => "completed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// What the customer reads.
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Requested => "Waiting for quotes",
            JobStatus::Quoted => "Quotes received",
            JobStatus::Accepted => "Mechanic booked",
            JobStatus::EnRoute => "Mechanic on the way",
            JobStatus::Arrived => "Mechanic arrived",
            JobStatus::InProgress => "Work in progress",
            JobStatus::Completed => "Completed",
            JobStatus::Cancelled => "Cancelled",
        }
    }

    /// The words on the button that makes this move.
    pub fn action_label(self) -> &'static str {
        match self {
            JobStatus::EnRoute => "I'm on my way",
            JobStatus::Arrived => "I've arrived",
            JobStatus::InProgress => "Start work",
            JobStatus::Completed => "Mark complete",
            JobStatus::Cancelled => "Cancel job",
            _ => self.label(),
        }
    }

    /// Open to quotes from nearby mechanics.
    pub fn is_open(self) -> bool {
        matches!(self, JobStatus::Requested | JobStatus::Quoted)
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Cancelled)
    }

    /// A mechanic is booked and the job has not finished.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            JobStatus::Accepted | JobStatus::EnRoute | JobStatus::Arrived | JobStatus::InProgress
        )
    }

    /// The booked mechanic shares their position: on the way, there, or working.
    pub fn shares_location(self) -> bool {
        matches!(
            self,
            JobStatus::EnRoute | JobStatus::Arrived | JobStatus::InProgress
        )
    }

    fn rule(self, to: JobStatus) -> Option<(&'static [Actor], Via)> {
        TABLE
            .iter()
            .find(|(f, t, _, _)| *f == self && *t == to)
            .map(|(_, _, who, via)| (*who, *via))
    }

    /// Whether `actor` may move a job from `self` to `to` by `via`.
    pub fn can_move(self, to: JobStatus, actor: Actor, via: Via) -> bool {
        self.rule(to)
            .is_some_and(|(who, how)| how == via && who.contains(&actor))
    }

    /// Checks a move asked for by `actor`, explaining a refusal in words.
    pub fn check_move(self, to: JobStatus, actor: Actor, via: Via) -> Result<(), AppError> {
        match self.rule(to) {
            Some((who, how)) if how == via && who.contains(&actor) => Ok(()),
            Some((_, Via::Accept)) => Err(AppError::conflict(
                "A job is booked by accepting one of its quotes.",
            )),
            Some((_, Via::Quote)) => Err(AppError::conflict(
                "That happens when a mechanic sends or withdraws a quote.",
            )),
            Some(_) => Err(AppError::Forbidden),
            None if self == to => Err(AppError::conflict(format!(
                "This job is already at \"{}\".",
                self.label()
            ))),
            None if to == JobStatus::Cancelled => Err(AppError::conflict(
                "A job can no longer be cancelled once work has started.",
            )),
            None => Err(AppError::conflict(format!(
                "This job is at \"{}\", so it cannot move to \"{}\".",
                self.label(),
                to.label()
            ))),
        }
    }

    /// The one-tap buttons `actor` gets on a job in this status.
    pub fn buttons_for(self, actor: Actor) -> Vec<JobStatus> {
        TABLE
            .iter()
            .filter(|(f, _, who, via)| *f == self && *via == Via::Button && who.contains(&actor))
            .map(|(_, t, _, _)| *t)
            .collect()
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// When the customer wants the mechanic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Urgency {
    Asap,
    /// Unix ms, start before end, both in the future when requested.
    Window {
        start: i64,
        end: i64,
    },
}

pub const DESCRIPTION_MIN_CHARS: usize = 10;
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
pub const LOCALITY_MAX_CHARS: usize = 60;
pub const CANCEL_REASON_MAX_CHARS: usize = 500;
/// How far ahead a preferred window may start.
pub const WINDOW_MAX_AHEAD_DAYS: i64 = 60;

/// The request form as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobForm {
    pub vehicle_id: String,
    pub category: String,
    pub description: String,
    pub lat: String,
    pub lng: String,
    pub address: String,
    pub locality: String,
    /// `asap` or `window`.
    pub urgency: String,
    /// `2026-11-26T09:00`, UTC, as a `datetime-local` input sends it.
    pub window_start: String,
    pub window_end: String,
}

/// A checked request, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub vehicle_id: String,
    pub category: Skill,
    pub description: String,
    pub at: GeoPoint,
    pub address: String,
    pub locality: String,
    pub urgency: Urgency,
}

impl JobForm {
    /// Checks every field; `now` (unix ms) bounds the preferred window.
    pub fn parse(&self, now: i64) -> Result<NewJob, AppError> {
        let vehicle_id = self.vehicle_id.trim().to_owned();
        if vehicle_id.is_empty() {
            return Err(AppError::invalid(
                "vehicle_id",
                "Choose the vehicle that needs work.",
            ));
        }
        let category = Skill::parse(self.category.trim())
            .ok_or_else(|| AppError::invalid("category", "Choose the kind of problem."))?;
        let description = self.description.trim().to_owned();
        let n = description.chars().count();
        if n < DESCRIPTION_MIN_CHARS {
            return Err(AppError::invalid(
                "description",
                "Describe the problem in a sentence or two: what happens, and when.",
            ));
        }
        if n > DESCRIPTION_MAX_CHARS {
            return Err(AppError::invalid(
                "description",
                format!("Keep the description to {DESCRIPTION_MAX_CHARS} characters or fewer."),
            ));
        }
        if self.lat.trim().is_empty() && self.lng.trim().is_empty() {
            return Err(AppError::invalid(
                "lat",
                "Put a pin where the car is: tap the map, or use your location.",
            ));
        }
        let lat = degrees(&self.lat, 90.0).ok_or_else(|| {
            AppError::invalid("lat", "Enter a latitude between -90 and 90, e.g. 51.5072.")
        })?;
        let lng = degrees(&self.lng, 180.0).ok_or_else(|| {
            AppError::invalid(
                "lng",
                "Enter a longitude between -180 and 180, e.g. -0.1276.",
            )
        })?;
        let at = GeoPoint::new(lat, lng)
            .ok_or_else(|| AppError::invalid("lat", "Those coordinates are not on the map."))?;
        let address = tidy(&self.address);
        if address.is_empty() {
            return Err(AppError::invalid(
                "address",
                "Enter where the vehicle is: street and number, or a landmark.",
            ));
        }
        if address.chars().count() > ADDRESS_MAX_CHARS {
            return Err(AppError::invalid(
                "address",
                format!("Keep the address to {ADDRESS_MAX_CHARS} characters or fewer."),
            ));
        }
        let locality = tidy(&self.locality);
        if locality.is_empty() {
            return Err(AppError::invalid(
                "locality",
                "Enter the area or town, e.g. Camden, London.",
            ));
        }
        if locality.chars().count() > LOCALITY_MAX_CHARS {
            return Err(AppError::invalid(
                "locality",
                format!("Keep the area to {LOCALITY_MAX_CHARS} characters or fewer."),
            ));
        }
        let urgency = match self.urgency.trim() {
            "" | "asap" => Urgency::Asap,
            "window" => {
                let start = parse_local_utc(&self.window_start).ok_or_else(|| {
                    AppError::invalid("window_start", "Enter when the window starts.")
                })?;
                let end = parse_local_utc(&self.window_end).ok_or_else(|| {
                    AppError::invalid("window_end", "Enter when the window ends.")
                })?;
                if start < now {
                    return Err(AppError::invalid(
                        "window_start",
                        "The window has to start in the future.",
                    ));
                }
                if start > now + WINDOW_MAX_AHEAD_DAYS * 86_400_000 {
                    return Err(AppError::invalid(
                        "window_start",
                        format!("Choose a time within the next {WINDOW_MAX_AHEAD_DAYS} days."),
                    ));
                }
                if end <= start {
                    return Err(AppError::invalid(
                        "window_end",
                        "The window has to end after it starts.",
                    ));
                }
                Urgency::Window { start, end }
            }
            _ => {
                return Err(AppError::invalid(
                    "urgency",
                    "Choose as soon as possible, or a time window.",
                ));
            }
        };
        Ok(NewJob {
            vehicle_id,
            category,
            description,
            at,
            address,
            locality,
            urgency,
        })
    }
}

/// A cancellation reason: required, so the other side learns why.
pub fn parse_cancel_reason(raw: &str) -> Result<String, AppError> {
    let reason = tidy(raw);
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "Say why the job is cancelled; the other side sees it.",
        ));
    }
    if reason.chars().count() > CANCEL_REASON_MAX_CHARS {
        return Err(AppError::invalid(
            "reason",
            format!("Keep the reason to {CANCEL_REASON_MAX_CHARS} characters or fewer."),
        ));
    }
    Ok(reason)
}

fn tidy(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn degrees(raw: &str, limit: f64) -> Option<f64> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite() && (-limit..=limit).contains(d))
}

/// `2026-11-26T09:00` (seconds optional) read as UTC, to unix ms.
pub fn parse_local_utc(raw: &str) -> Option<i64> {
    let (date, time) = raw.trim().split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, min) = (t.next()??, t.next()??);
    let sec = t.next().flatten().unwrap_or(0);
    if d.next().is_some()
        || !(1..=12).contains(&m)
        || !(1..=days_in_month(y, m)).contains(&day)
        || !(0..24).contains(&h)
        || !(0..60).contains(&min)
        || !(0..60).contains(&sec)
    {
        return None;
    }
    Some(((days_from_civil(y, m, day) * 24 + h) * 60 + min) * 60_000 + sec * 1000)
}

/// Unix ms to `2026-11-26T09:00` (UTC), what a `datetime-local` input shows.
pub fn format_local_utc(ms: i64) -> String {
    let s = super::time::format_iso_minutes(ms);
    s.trim_end_matches('Z').to_owned()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

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
    pub at: i64,
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
    pub id: String,
    pub status: JobStatus,
    pub category: Skill,
    pub vehicle: String,
    pub locality: String,
    pub urgency: Urgency,
    pub created_at: i64,
    /// Live quotes (customers) or `None` when the viewer does not see quotes.
    pub live_quotes: Option<i64>,
    /// From the viewing mechanic's base, when they look at open jobs.
    pub distance_km: Option<f64>,
    /// The viewing mechanic's live quote on it, if they sent one.
    pub my_quote: Option<super::money::Money>,
    /// Where it is to about a kilometre, for a mechanic's map of open jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<GeoPoint>,
}

/// One job as the viewer may see it, with its quotes and timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub id: String,
    pub status: JobStatus,
    /// How the viewer stands to this job; decides the buttons.
    pub viewer: Actor,
    pub category: Skill,
    pub description: String,
    pub vehicle: Vehicle,
    pub location: Location,
    pub urgency: Urgency,
    pub created_at: i64,
    /// The customer's first name, shown to the booked mechanic only.
    pub customer_name: Option<String>,
    pub distance_km: Option<f64>,
    /// Customers and admins: every quote. Mechanics: their own.
    pub quotes: Vec<super::quote::QuoteView>,
    pub timeline: Vec<TimelineEntry>,
    pub cancel_reason: Option<String>,
    /// The booked mechanic's latest position, while they share it, for
    /// the customer, the mechanic and admins.
    #[serde(default)]
    pub position: Option<super::tracking::Fix>,
    /// How far the mechanic is and how long they take, with `position`.
    #[serde(default)]
    pub eta: Option<super::tracking::Eta>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use JobStatus::*;

    const VIAS: [Via; 3] = [Via::Button, Via::Quote, Via::Accept];

    /// The rules written out once more, longhand, to pin the table down.
    fn legal(from: JobStatus, to: JobStatus, actor: Actor, via: Via) -> bool {
        match (from, to) {
            (Requested, Quoted) | (Quoted, Requested) => {
                actor == QuotingMechanic && via == Via::Quote
            }
            (Quoted, Accepted) => actor == Customer && via == Via::Accept,
            (Accepted, EnRoute)
            | (EnRoute, Arrived)
            | (Arrived, InProgress)
            | (InProgress, Completed) => actor == AssignedMechanic && via == Via::Button,
            (Requested | Quoted | Accepted | EnRoute | Arrived, Cancelled) => {
                matches!(actor, Customer | Admin) && via == Via::Button
            }
            _ => false,
        }
    }

    #[test]
    fn every_move_by_every_actor_follows_the_table() {
        let mut legal_moves = 0;
        for from in JobStatus::ALL {
            for to in JobStatus::ALL {
                for actor in Actor::ALL {
                    for via in VIAS {
                        let expected = legal(from, to, actor, via);
                        assert_eq!(
                            from.can_move(to, actor, via),
                            expected,
                            "{from:?} -> {to:?} by {actor:?} via {via:?}"
                        );
                        assert_eq!(from.check_move(to, actor, via).is_ok(), expected);
                        legal_moves += usize::from(expected);
                    }
                }
            }
        }
        assert_eq!(legal_moves, 2 + 1 + 4 + 5 * 2);
    }

    #[test]
    fn refusals_explain_themselves() {
        let msg = |r: Result<(), AppError>| r.unwrap_err().to_string();
        assert!(
            msg(InProgress.check_move(Cancelled, Customer, Via::Button))
                .contains("work has started")
        );
        assert!(
            msg(Completed.check_move(Cancelled, Admin, Via::Button)).contains("work has started")
        );
        assert!(msg(Quoted.check_move(Accepted, Customer, Via::Button)).contains("accepting"));
        assert!(
            msg(EnRoute.check_move(EnRoute, AssignedMechanic, Via::Button)).contains("already")
        );
        assert!(
            msg(Requested.check_move(Completed, AssignedMechanic, Via::Button))
                .contains("cannot move")
        );
        assert_eq!(
            Accepted.check_move(EnRoute, Customer, Via::Button),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn buttons_are_exactly_the_legal_one_tap_moves() {
        assert_eq!(Accepted.buttons_for(AssignedMechanic), vec![EnRoute]);
        assert_eq!(Arrived.buttons_for(AssignedMechanic), vec![InProgress]);
        assert_eq!(Quoted.buttons_for(Customer), vec![Cancelled]);
        assert_eq!(InProgress.buttons_for(Customer), vec![]);
        assert_eq!(Requested.buttons_for(QuotingMechanic), vec![]);
        assert_eq!(Completed.buttons_for(Admin), vec![]);
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
        for a in Actor::ALL {
            assert_eq!(Actor::parse(a.as_str()), Some(a));
        }
    }

    fn form() -> JobForm {
        JobForm {
            vehicle_id: "v1".into(),
            category: "brakes".into(),
            description: "Grinding noise when braking at low speed.".into(),
            lat: "51.5390".into(),
            lng: "-0.1426".into(),
            address: "12 Parkway, London NW1 7AA".into(),
            locality: "Camden, London".into(),
            urgency: "asap".into(),
            window_start: "".into(),
            window_end: "".into(),
        }
    }

    const NOW: i64 = 1_795_638_334_000; // 2026-11-25T20:25:34Z

    fn field_of(f: JobForm) -> String {
        match f.parse(NOW) {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_request_parses() {
        let j = form().parse(NOW).unwrap();
        assert_eq!((j.category, j.urgency), (Skill::Brakes, Urgency::Asap));
        let w = JobForm {
            urgency: "window".into(),
            window_start: "2026-11-26T09:00".into(),
            window_end: "2026-11-26T12:30".into(),
            ..form()
        };
        assert_eq!(
            w.parse(NOW).unwrap().urgency,
            Urgency::Window {
                start: 1_795_683_600_000,
                end: 1_795_696_200_000
            }
        );
        assert_eq!(format_local_utc(1_795_683_600_000), "2026-11-26T09:00");
    }

    #[test]
    fn each_bad_field_is_named() {
        let window = |s: &str, e: &str| JobForm {
            urgency: "window".into(),
            window_start: s.into(),
            window_end: e.into(),
            ..form()
        };
        for (f, field) in [
            (
                JobForm {
                    vehicle_id: "".into(),
                    ..form()
                },
                "vehicle_id",
            ),
            (
                JobForm {
                    category: "welding".into(),
                    ..form()
                },
                "category",
            ),
            (
                JobForm {
                    description: "broken".into(),
                    ..form()
                },
                "description",
            ),
            (
                JobForm {
                    description: "x".repeat(2001),
                    ..form()
                },
                "description",
            ),
            (
                JobForm {
                    lat: "95".into(),
                    ..form()
                },
                "lat",
            ),
            (
                JobForm {
                    lng: "east".into(),
                    ..form()
                },
                "lng",
            ),
            (
                JobForm {
                    address: "  ".into(),
                    ..form()
                },
                "address",
            ),
            (
                JobForm {
                    locality: "".into(),
                    ..form()
                },
                "locality",
            ),
            (
                JobForm {
                    urgency: "tomorrow".into(),
                    ..form()
                },
                "urgency",
            ),
            (window("", "2026-11-26T12:00"), "window_start"),
            (
                window("2026-11-25T08:00", "2026-11-25T09:00"),
                "window_start",
            ),
            (
                window("2027-03-01T08:00", "2027-03-01T09:00"),
                "window_start",
            ),
            (window("2026-11-26T09:00", "2026-11-26T09:00"), "window_end"),
            (window("2026-11-26T09:00", "2026-02-30T10:00"), "window_end"),
        ] {
            assert_eq!(field_of(f.clone()), field, "{f:?}");
        }
        assert!(parse_cancel_reason("  ").is_err());
        assert_eq!(
            parse_cancel_reason(" Fixed  it myself ").unwrap(),
            "Fixed it myself"
        );
    }

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
