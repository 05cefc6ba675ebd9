//! A customer's request for a job: the form, its checks, and what it becomes.

use super::super::{
    AppError,
    geo::GeoPoint,
    mechanic::{ADDRESS_MAX_CHARS, Skill},
};
use crate::domain::text::collapse_spaces;
use crate::domain::{Timestamp, VehicleId};
use serde::{Deserialize, Serialize};

/// When the customer wants the mechanic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Urgency {
    Asap,
    /// Start before end, both in the future when requested.
    Window {
        start: Timestamp,
        end: Timestamp,
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
    /// `2026-11-26T09:00+01:00`: the page sends the viewer's local time
    /// with its offset; without one (an API client's `2026-11-26T09:00`) it is UTC.
    pub window_start: String,
    pub window_end: String,
}

/// A checked request, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub vehicle_id: VehicleId,
    pub category: Skill,
    pub description: String,
    pub at: GeoPoint,
    pub address: String,
    pub locality: String,
    pub urgency: Urgency,
}

impl JobForm {
    /// Checks every field; `now` (unix ms) bounds the preferred window.
    pub fn parse(&self, now: Timestamp) -> Result<NewJob, AppError> {
        let vehicle_id = VehicleId::from(self.vehicle_id.trim());
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
        let address = collapse_spaces(&self.address);
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
        let locality = collapse_spaces(&self.locality);
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
                let start = Timestamp::parse_input(&self.window_start).ok_or_else(|| {
                    AppError::invalid("window_start", "Enter when the window starts.")
                })?;
                let end = Timestamp::parse_input(&self.window_end).ok_or_else(|| {
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
    let reason = collapse_spaces(raw);
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

fn degrees(raw: &str, limit: f64) -> Option<f64> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite() && (-limit..=limit).contains(d))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    const NOW: Timestamp = Timestamp::from_millis(1_795_638_334_000); // 2026-11-25T20:25:34Z

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
                start: Timestamp::from_millis(1_795_683_600_000),
                end: Timestamp::from_millis(1_795_696_200_000)
            }
        );
        assert_eq!(
            Timestamp::from_millis(1_795_683_600_000).format_iso_minutes(),
            "2026-11-26T09:00Z"
        );
        // The page sends the viewer's offset: 10:00 in Paris is 09:00 UTC.
        let paris = JobForm {
            window_start: "2026-11-26T10:00+01:00".into(),
            window_end: "2026-11-26T13:30+01:00".into(),
            ..w.clone()
        };
        assert_eq!(
            paris.parse(NOW).unwrap().urgency,
            w.parse(NOW).unwrap().urgency
        );
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
}
