//! Instants, and how people read them: the same on server and browser.

use serde::{Deserialize, Serialize};
use std::{
    ops::{Add, Sub},
    time::Duration,
};

/// An instant, as unix milliseconds (UTC): what every timestamp column
/// holds (INTEGER / BIGINT) and what the wire carries (a JSON number).
/// A span between two instants is signed milliseconds (`later - earlier`),
/// as a phone's clock may run ahead of the server's, and so is the span
/// added to one (`now + SEND_EVERY_MS`), or a `Duration` from a setting.
/// No `Display`: text is either the wire's number (`millis()`) or a
/// reader's date (`format_utc()`), and a bare `to_string()` would hide which.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
pub struct Timestamp(i64);

impl Timestamp {
    pub const EPOCH: Timestamp = Timestamp(0);

    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// This machine's clock: the server's, or in the browser the page's.
    pub fn now() -> Self {
        #[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
        {
            Self(js_sys::Date::now() as i64)
        }
        #[cfg(not(all(feature = "hydrate", target_arch = "wasm32")))]
        {
            Self(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64),
            )
        }
    }

    /// `25 Nov 2026, 20:25 UTC`. UTC on both sides, so the server-rendered page
    /// and the browser agree and hydration never shows a different time.
    pub fn format_utc(self) -> String {
        let (days, of_day) = self.days_and_seconds();
        let (y, m, d) = civil_from_days(days);
        format!(
            "{d} {} {y}, {:02}:{:02} UTC",
            MONTHS[(m - 1) as usize],
            of_day / 3600,
            of_day % 3600 / 60
        )
    }

    /// `25 Nov 2026`.
    pub fn format_date(self) -> String {
        let (y, m, d) = civil_from_days(self.days_and_seconds().0);
        format!("{d} {} {y}", MONTHS[(m - 1) as usize])
    }

    /// `2026-11-26T09:00Z`: ISO 8601 to the minute, UTC.
    pub fn format_iso_minutes(self) -> String {
        let (days, of_day) = self.days_and_seconds();
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}Z",
            of_day / 3600,
            of_day % 3600 / 60
        )
    }

    /// `2026-11-26T09:00` (UTC), what a `datetime-local` input shows.
    pub fn format_local_utc(self) -> String {
        self.format_iso_minutes().trim_end_matches('Z').to_owned()
    }

    /// `2026-11-26T09:00` (seconds optional) read as UTC.
    pub fn parse_local_utc(raw: &str) -> Option<Self> {
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
        Some(Self(
            ((days_from_civil(y, m, day) * 24 + h) * 60 + min) * 60_000 + sec * 1000,
        ))
    }

    /// The calendar year (UTC).
    pub fn year(self) -> i64 {
        civil_from_days(self.days_and_seconds().0).0
    }

    fn days_and_seconds(self) -> (i64, i64) {
        let secs = self.0.div_euclid(1000);
        (secs.div_euclid(86_400), secs.rem_euclid(86_400))
    }
}

/// Milliseconds from `earlier` to `self`: negative when `earlier` is later.
impl Sub for Timestamp {
    type Output = i64;
    fn sub(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }
}

impl Add<i64> for Timestamp {
    type Output = Timestamp;
    fn add(self, ms: i64) -> Timestamp {
        Self(self.0 + ms)
    }
}

impl Sub<i64> for Timestamp {
    type Output = Timestamp;
    fn sub(self, ms: i64) -> Timestamp {
        Self(self.0 - ms)
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, d: Duration) -> Timestamp {
        self + d.as_millis() as i64
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, d: Duration) -> Timestamp {
        self - d.as_millis() as i64
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let at = Timestamp::from_millis;
        assert_eq!(at(0).format_utc(), "1 Jan 1970, 00:00 UTC");
        // 2026-11-25T20:25:34Z
        assert_eq!(at(1_795_638_334_000).format_utc(), "25 Nov 2026, 20:25 UTC");
        // 2024-02-29T23:59:59Z, a leap day
        assert_eq!(at(1_709_251_199_000).format_utc(), "29 Feb 2024, 23:59 UTC");
        assert_eq!(at(1_709_251_199_000).format_date(), "29 Feb 2024");
        // Before 1970 still reads right.
        assert_eq!(at(-1000).format_utc(), "31 Dec 1969, 23:59 UTC");
    }

    #[test]
    fn a_local_time_round_trips_and_bad_ones_are_refused() {
        let t = Timestamp::parse_local_utc("2024-02-29T23:59").unwrap();
        assert_eq!(t.millis(), 1_709_251_140_000);
        assert_eq!(t.format_local_utc(), "2024-02-29T23:59");
        assert_eq!(t.year(), 2024);
        for bad in [
            "2023-02-29T10:00",
            "2024-13-01T10:00",
            "2024-01-01T24:00",
            "2024-01-01",
            "x",
        ] {
            assert_eq!(Timestamp::parse_local_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn spans_are_signed_and_durations_add() {
        let t = Timestamp::from_millis(10_000);
        assert_eq!((t + Duration::from_secs(2)) - t, 2_000);
        assert_eq!(t - (t + 2_000), -2_000);
        assert_eq!(
            t - Duration::from_millis(500),
            Timestamp::from_millis(9_500)
        );
        assert_eq!(t - 500, Timestamp::from_millis(9_500));
        assert_eq!(serde_json::to_string(&t).unwrap(), "10000");
    }
}
