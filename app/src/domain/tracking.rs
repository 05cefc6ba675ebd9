//! The booked mechanic's position on the way to a job: what a fix is, which
//! fixes are believed, when the phone sends one, and how long the drive takes.
//!
//! Over 450 lines only with its unit tests (the module at the end), which
//! sit beside the rules they pin down.

use super::{AppError, JobId, geo::GeoPoint};
use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// A fix from further ahead than this is from a wrong clock, not the future.
pub const CLOCK_SKEW_MS: i64 = 30_000;
/// A fix older than this says where the mechanic was, not where they are.
pub const MAX_AGE_MS: i64 = 5 * 60_000;
/// Accuracy worse than this (a phone with no GPS guessing from a cell
/// tower) would move the marker by kilometres.
pub const MAX_ACCURACY_M: f64 = 5_000.0;
/// A fix implying more than this since the previous one is a GPS jump.
pub const MAX_SPEED_KMH: f64 = 250.0;
/// A reported speed above this (m/s, about 360 km/h) is a broken sensor.
const MAX_REPORTED_SPEED_MPS: f64 = 100.0;
/// The customer's map marks the mechanic as stale after this long without a fix.
pub const STALE_AFTER_MS: i64 = 60_000;

/// The phone sends a fix at least this often while sharing...
pub const SEND_EVERY_MS: i64 = 10_000;
/// ...and sooner once it has moved this far...
pub const SEND_AFTER_MOVE_M: f64 = 25.0;
/// ...but never more often than this.
pub const SEND_AT_MOST_EVERY_MS: i64 = 2_000;

/// An ETA change smaller than this is not worth telling anyone.
pub const ETA_CHANGE_S: i64 = 60;

/// One position of the booked mechanic, as believed by the server.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub lat: f64,
    pub lng: f64,
    /// Radius in metres within which the true position lies (the phone's estimate).
    pub accuracy_m: f64,
    /// Degrees clockwise from north, when the phone knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<f64>,
    /// Metres per second, when the phone knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mps: Option<f64>,
    /// When the phone took the fix (ms since the epoch): "last seen" counts from it.
    pub at: Timestamp,
}

impl Fix {
    /// The later of two fixes, either of which may be missing: what this
    /// process remembers against what another stored.
    pub fn newest(a: Option<Fix>, b: Option<Fix>) -> Option<Fix> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.at > a.at { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    /// `None` only for a fix that was never checked (read from elsewhere).
    pub fn point(&self) -> Option<GeoPoint> {
        GeoPoint::new(self.lat, self.lng)
    }
}

/// Where a phone opens its location socket (a WebSocket).
pub const LOCATION_SOCKET: &str = "/api/location_socket";

/// One fix as a JSON text frame on the location socket
/// (`/api/location_socket`): the fields of `POST /api/share_location`, as numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocketFix {
    pub job: JobId,
    pub lat: f64,
    pub lng: f64,
    pub accuracy: f64,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
}

impl SocketFix {
    pub fn raw(&self) -> RawFix {
        RawFix {
            lat: self.lat,
            lng: self.lng,
            accuracy_m: self.accuracy,
            heading: self.heading,
            speed_mps: self.speed,
            at: self.at,
        }
    }
}

/// The socket's answer to one fix, in the order the fixes came: the
/// estimate, or why the fix was refused (with the status
/// `POST /api/share_location` would have answered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixAnswer {
    /// The fix's `at` (0 for a frame that was not a fix).
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<Eta>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AppError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl FixAnswer {
    pub fn of(at: Timestamp, outcome: Result<Eta, AppError>) -> Self {
        match outcome {
            Ok(eta) => FixAnswer {
                at,
                eta: Some(eta),
                error: None,
                status: None,
            },
            Err(e) => FixAnswer {
                at,
                eta: None,
                status: Some(e.status()),
                error: Some(e),
            },
        }
    }
}

/// A fix as a phone sends it: each field still to be checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawFix {
    pub lat: f64,
    pub lng: f64,
    pub accuracy_m: f64,
    pub heading: Option<f64>,
    pub speed_mps: Option<f64>,
    pub at: Timestamp,
}

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(field, message)
}

/// Believes `raw` or says why not. `previous` is the last fix believed for
/// the same job; `now` the server's clock.
pub fn check_fix(raw: RawFix, previous: Option<&Fix>, now: Timestamp) -> Result<Fix, AppError> {
    if !(-90.0..=90.0).contains(&raw.lat) {
        return Err(bad("lat", "Latitude must be between -90 and 90."));
    }
    if !(-180.0..=180.0).contains(&raw.lng) {
        return Err(bad("lng", "Longitude must be between -180 and 180."));
    }
    if !(raw.accuracy_m > 0.0 && raw.accuracy_m <= MAX_ACCURACY_M) {
        return Err(bad(
            "accuracy",
            format!(
                "Accuracy must be more than 0 and at most {MAX_ACCURACY_M:.0} metres; this fix is too vague to show."
            ),
        ));
    }
    if raw.heading.is_some_and(|h| !(0.0..360.0).contains(&h)) {
        return Err(bad(
            "heading",
            "Heading must be at least 0 and under 360 degrees.",
        ));
    }
    if raw
        .speed_mps
        .is_some_and(|s| !(0.0..=MAX_REPORTED_SPEED_MPS).contains(&s))
    {
        return Err(bad(
            "speed",
            format!("Speed must be between 0 and {MAX_REPORTED_SPEED_MPS:.0} m/s."),
        ));
    }
    if raw.at > now + CLOCK_SKEW_MS {
        return Err(bad(
            "at",
            "This fix is timed in the future. Check the phone's clock.",
        ));
    }
    if raw.at < now - MAX_AGE_MS {
        return Err(bad(
            "at",
            "This fix is more than 5 minutes old; send a fresh one.",
        ));
    }
    let fix = Fix {
        lat: raw.lat,
        lng: raw.lng,
        accuracy_m: raw.accuracy_m,
        heading: raw.heading,
        speed_mps: raw.speed_mps,
        at: raw.at,
    };
    if let Some(prev) = previous {
        if fix.at <= prev.at {
            return Err(bad(
                "at",
                "This fix is not newer than the last one; it was sent twice or out of order.",
            ));
        }
        if implied_speed_kmh(prev, &fix) > MAX_SPEED_KMH {
            return Err(bad(
                "fix",
                format!(
                    "Bad fix: reaching it from the last one needs more than {MAX_SPEED_KMH:.0} km/h."
                ),
            ));
        }
    }
    Ok(fix)
}

/// The speed needed to get from `a` to `b`, giving both fixes the benefit
/// of their accuracy, so GPS jitter while parked is not a jump.
pub fn implied_speed_kmh(a: &Fix, b: &Fix) -> f64 {
    let (Some(from), Some(to)) = (a.point(), b.point()) else {
        return f64::INFINITY;
    };
    let km = from.distance_km(to);
    let slack_km = (a.accuracy_m + b.accuracy_m) / 1000.0;
    let hours = (b.at - a.at).max(1) as f64 / 3_600_000.0;
    (km - slack_km).max(0.0) / hours
}

/// Whether a phone that last sent `last` (its time and place) should send
/// the fix it has now.
pub fn should_send(last: Option<(Timestamp, GeoPoint)>, now: Timestamp, here: GeoPoint) -> bool {
    let Some((sent_at, sent_from)) = last else {
        return true;
    };
    let waited = now - sent_at;
    waited >= SEND_EVERY_MS
        || (waited >= SEND_AT_MOST_EVERY_MS
            && sent_from.distance_km(here) * 1000.0 >= SEND_AFTER_MOVE_M)
}

/// How long the drive takes and how far it is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Eta {
    pub seconds: i64,
    pub distance_km: f64,
}

impl Eta {
    /// "about 12 min, 4.3 km", as the customer reads it.
    pub fn words(&self) -> String {
        let minutes = (self.seconds as f64 / 60.0).round() as i64;
        let time = if minutes < 1 {
            "under a minute".to_owned()
        } else if minutes < 60 {
            format!("about {minutes} min")
        } else {
            format!("about {} h {} min", minutes / 60, minutes % 60)
        };
        format!("{time}, {}", super::geo::distance_words(self.distance_km))
    }

    /// Whether the customer should hear about `self` after last hearing `told`.
    pub fn moved_from(&self, told: Option<&Eta>) -> bool {
        told.is_none_or(|t| (self.seconds - t.seconds).abs() >= ETA_CHANGE_S)
    }
}

/// The estimate used without a routing service: the straight line,
/// stretched by a road factor, at an average urban speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistanceModel {
    /// Road distance over straight-line distance; about 1.3 in cities.
    pub road_factor: f64,
    pub speed_kmh: f64,
}

impl Default for DistanceModel {
    fn default() -> Self {
        Self {
            road_factor: 1.3,
            speed_kmh: 30.0,
        }
    }
}

impl DistanceModel {
    pub fn estimate(&self, from: GeoPoint, to: GeoPoint) -> Eta {
        let distance_km = from.distance_km(to) * self.road_factor;
        Eta {
            seconds: (distance_km / self.speed_kmh * 3600.0).round() as i64,
            distance_km,
        }
    }
}

/// A link that opens `to` in the phone's own maps app: `geo:` on Android,
/// Apple Maps on iPhone and iPad, OpenStreetMap anywhere else.
pub fn navigation_url(user_agent: &str, to: GeoPoint) -> String {
    let (lat, lng) = (to.lat(), to.lng());
    if user_agent.contains("Android") {
        format!("geo:{lat},{lng}?q={lat},{lng}")
    } else if ["iPhone", "iPad", "iPod", "Macintosh; Intel Mac OS X"]
        .iter()
        .any(|d| user_agent.contains(d))
        && user_agent.contains("Safari")
        && !user_agent.contains("Chrome")
    {
        format!("https://maps.apple.com/?daddr={lat},{lng}&dirflg=d")
    } else {
        format!(
            "https://www.openstreetmap.org/directions?route=%3B{lat}%2C{lng}#map=15/{lat}/{lng}"
        )
    }
}

/// "just now", "40 s ago", "3 min ago": when the last fix was taken.
pub fn seen_words(age_ms: i64) -> String {
    let s = age_ms.max(0) / 1000;
    match s {
        0..5 => "just now".to_owned(),
        5..60 => format!("{s} s ago"),
        _ => format!("{} min ago", s / 60),
    }
}

/// Which of a finished job's fixes a coarse trail keeps: the first of
/// every `every_ms` window (fixes in time order), by index.
pub fn coarse_trail(times: &[Timestamp], every_ms: i64) -> Vec<usize> {
    let mut kept = Vec::new();
    let mut next: Option<Timestamp> = None;
    for (i, &at) in times.iter().enumerate() {
        if next.is_none_or(|next| at >= next) {
            kept.push(i);
            next = Some(at + every_ms.max(1));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp::from_millis(1_800_000_000_000);

    fn p(lat: f64, lng: f64) -> GeoPoint {
        GeoPoint::new(lat, lng).unwrap()
    }

    fn raw(lat: f64, lng: f64, at: Timestamp) -> RawFix {
        RawFix {
            lat,
            lng,
            accuracy_m: 10.0,
            heading: None,
            speed_mps: None,
            at,
        }
    }

    fn field(e: AppError) -> String {
        match e {
            AppError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn distance_matches_known_city_pairs_within_half_a_percent() {
        // Great-circle distances (spherical earth, mean radius).
        for (a, b, km) in [
            (p(51.5074, -0.1278), p(48.8566, 2.3522), 343.9), // London - Paris
            (p(40.7128, -74.0060), p(34.0522, -118.2437), 3935.7), // New York - Los Angeles
            (p(-33.8688, 151.2093), p(-37.8136, 144.9631), 713.4), // Sydney - Melbourne
            (p(52.5200, 13.4050), p(48.1351, 11.5820), 504.2), // Berlin - Munich
        ] {
            let d = a.distance_km(b);
            assert!((d - km).abs() / km < 0.005, "{a:?} {b:?}: {d} vs {km}");
        }
    }

    #[test]
    fn a_good_fix_is_believed_and_every_bad_field_is_named() {
        let fix = check_fix(raw(51.5, -0.12, NOW - 1000), None, NOW).unwrap();
        assert_eq!((fix.lat, fix.lng, fix.at), (51.5, -0.12, NOW - 1000));
        let cases: [(RawFix, &str); 9] = [
            (raw(90.5, 0.0, NOW), "lat"),
            (raw(f64::NAN, 0.0, NOW), "lat"),
            (raw(0.0, -181.0, NOW), "lng"),
            (
                RawFix {
                    accuracy_m: 0.0,
                    ..raw(0.0, 0.0, NOW)
                },
                "accuracy",
            ),
            (
                RawFix {
                    accuracy_m: 9_000.0,
                    ..raw(0.0, 0.0, NOW)
                },
                "accuracy",
            ),
            (
                RawFix {
                    heading: Some(360.0),
                    ..raw(0.0, 0.0, NOW)
                },
                "heading",
            ),
            (
                RawFix {
                    speed_mps: Some(-1.0),
                    ..raw(0.0, 0.0, NOW)
                },
                "speed",
            ),
            (raw(0.0, 0.0, NOW + CLOCK_SKEW_MS + 1), "at"),
            (raw(0.0, 0.0, NOW - MAX_AGE_MS - 1), "at"),
        ];
        for (r, want) in cases {
            assert_eq!(field(check_fix(r, None, NOW).unwrap_err()), want, "{r:?}");
        }
        // A little clock skew is forgiven.
        assert!(check_fix(raw(0.0, 0.0, NOW + 5_000), None, NOW).is_ok());
    }

    #[test]
    fn the_speed_filter_refuses_jumps_and_forgives_jitter() {
        let prev = check_fix(raw(51.5, -0.12, NOW - 10_000), None, NOW).unwrap();
        // 100 m in 10 s: 36 km/h.
        assert!(check_fix(raw(51.5009, -0.12, NOW), Some(&prev), NOW).is_ok());
        // 1 km in 10 s: 360 km/h, a jump.
        let e = check_fix(raw(51.509, -0.12, NOW), Some(&prev), NOW).unwrap_err();
        assert_eq!(field(e.clone()), "fix");
        assert!(e.to_string().contains("250 km/h"), "{e}");
        // 600 m in 10 s with 300 m accuracy each: within what the phone said it knows.
        let vague = RawFix {
            accuracy_m: 300.0,
            ..raw(51.5054, -0.12, NOW)
        };
        assert!(check_fix(vague, Some(&prev), NOW).is_ok());
        // Out of order, or the same fix twice.
        let again = raw(51.5, -0.12, NOW - 10_000);
        assert_eq!(field(check_fix(again, Some(&prev), NOW).unwrap_err()), "at");
        // 240 km/h passes, 260 does not (1 h apart, exact positions).
        let a = Fix {
            accuracy_m: 0.001,
            ..prev
        };
        let b = Fix {
            lat: 51.5 + 240.0 / 111.195,
            at: a.at + 3_600_000,
            ..a
        };
        assert!(implied_speed_kmh(&a, &b) < MAX_SPEED_KMH);
        let c = Fix {
            lat: 51.5 + 260.0 / 111.195,
            ..b
        };
        assert!(implied_speed_kmh(&a, &c) > MAX_SPEED_KMH);
    }

    #[test]
    fn the_phone_sends_every_ten_seconds_or_after_a_move() {
        let here = p(51.5, -0.12);
        let near = p(51.5001, -0.12); // 11 m
        let moved = p(51.5003, -0.12); // 33 m
        assert!(should_send(None, NOW, here));
        assert!(!should_send(Some((NOW - 9_000, here)), NOW, near));
        assert!(should_send(Some((NOW - 10_000, here)), NOW, near));
        assert!(should_send(Some((NOW - 3_000, here)), NOW, moved));
        assert!(!should_send(Some((NOW - 1_000, here)), NOW, moved));
    }

    #[test]
    fn eta_rules() {
        let model = DistanceModel::default();
        let camden = p(51.539, -0.1426);
        let brixton = p(51.4613, -0.1156);
        let eta = model.estimate(camden, brixton);
        // 8.8 km straight, 11.5 km by road, 23 minutes at 30 km/h.
        assert!((eta.distance_km - 11.47).abs() < 0.1, "{eta:?}");
        assert!((eta.seconds - 1376).abs() < 15, "{eta:?}");
        assert_eq!(eta.words(), "about 23 min, 11 km");
        assert_eq!(model.estimate(camden, camden).seconds, 0);
        assert_eq!(
            Eta {
                seconds: 20,
                distance_km: 0.1
            }
            .words(),
            "under a minute, 100 m"
        );
        assert_eq!(
            Eta {
                seconds: 4500,
                distance_km: 60.0
            }
            .words(),
            "about 1 h 15 min, 60 km"
        );
        // Told only when it moves by a minute or more, either way.
        let told = Eta {
            seconds: 600,
            distance_km: 4.0,
        };
        assert!(eta.moved_from(None));
        assert!(
            !Eta {
                seconds: 659,
                ..told
            }
            .moved_from(Some(&told))
        );
        assert!(
            Eta {
                seconds: 660,
                ..told
            }
            .moved_from(Some(&told))
        );
        assert!(
            Eta {
                seconds: 540,
                ..told
            }
            .moved_from(Some(&told))
        );
    }

    #[test]
    fn navigation_opens_the_phones_own_maps() {
        let to = p(51.5, -0.12);
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/130 Mobile Safari/537.36";
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(navigation_url(android, to), "geo:51.5,-0.12?q=51.5,-0.12");
        assert!(navigation_url(iphone, to).starts_with("https://maps.apple.com/?daddr=51.5,-0.12"));
        assert!(
            navigation_url("Mozilla/5.0 (X11; Linux x86_64) Firefox/130", to)
                .starts_with("https://www.openstreetmap.org/directions")
        );
    }

    #[test]
    fn the_newest_of_two_fixes_wins_and_a_missing_one_never_does() {
        let fix = |at| check_fix(raw(51.5, -0.12, at), None, NOW).unwrap();
        assert_eq!(
            Fix::newest(Some(fix(NOW - 5)), Some(fix(NOW))),
            Some(fix(NOW))
        );
        assert_eq!(
            Fix::newest(Some(fix(NOW)), Some(fix(NOW - 5))),
            Some(fix(NOW))
        );
        assert_eq!(Fix::newest(None, Some(fix(NOW))), Some(fix(NOW)));
        assert_eq!(Fix::newest(Some(fix(NOW)), None), Some(fix(NOW)));
        assert_eq!(Fix::newest(None, None), None);
    }

    #[test]
    fn last_seen_reads_naturally() {
        assert_eq!(seen_words(1_200), "just now");
        assert_eq!(seen_words(40_400), "40 s ago");
        assert_eq!(seen_words(185_000), "3 min ago");
    }

    #[test]
    fn a_coarse_trail_keeps_one_fix_per_window() {
        let times = [0, 10_000, 20_000, 300_000, 310_000, 650_000].map(Timestamp::from_millis);
        assert_eq!(coarse_trail(&times, 300_000), vec![0, 3, 5]);
        assert_eq!(coarse_trail(&[], 300_000), Vec::<usize>::new());
    }
}
