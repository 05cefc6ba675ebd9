//! Instants, and how people read them: the same on server and browser.

use serde::{Deserialize, Serialize};
use std::{
    ops::{Add, Sub},
    time::Duration,
};
use time::{
    OffsetDateTime, PrimitiveDateTime, UtcOffset, format_description::BorrowedFormatItem,
    macros::format_description,
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
        #[cfg(all(feature = "browser", target_arch = "wasm32"))]
        {
            Self(js_sys::Date::now() as i64)
        }
        #[cfg(not(all(feature = "browser", target_arch = "wasm32")))]
        {
            Self(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64),
            )
        }
    }

    /// `25 Nov 2026, 20:25 UTC`: what the server renders, the same on
    /// both sides so hydration matches; the browser then shows
    /// [`format_at`](Self::format_at) its own offset.
    pub fn format_utc(self) -> String {
        format!("{} UTC", self.format_at(0))
    }

    /// `25 Nov 2026, 21:25` at `offset_minutes` east of UTC (a viewer's
    /// local time, as [`local_offset_minutes`](Self::local_offset_minutes) says).
    pub fn format_at(self, offset_minutes: i32) -> String {
        self.at_offset(offset_minutes)
            .format(READABLE)
            .unwrap_or_default()
    }

    /// The viewer's local time when `local` (the page runs in a browser
    /// that says its zone), else UTC with its name.
    pub fn format_for(self, local: bool) -> String {
        match self.local_offset_minutes().filter(|_| local) {
            Some(offset) => self.format_at(offset),
            None => self.format_utc(),
        }
    }

    /// `25 Nov 2026`, UTC.
    pub fn format_date(self) -> String {
        self.at_offset(0).format(DATE).unwrap_or_default()
    }

    /// `21:25` at `offset_minutes` east of UTC: a chat bubble's time.
    pub fn format_clock_at(self, offset_minutes: i32) -> String {
        self.at_offset(offset_minutes)
            .format(CLOCK)
            .unwrap_or_default()
    }

    /// `25 Nov 2026` at `offset_minutes` east of UTC: a chat's day separator.
    pub fn format_day_at(self, offset_minutes: i32) -> String {
        self.at_offset(offset_minutes)
            .format(DATE)
            .unwrap_or_default()
    }

    /// The viewer's offset if the page knows it, else UTC (0).
    pub fn offset_here(self) -> i32 {
        self.local_offset_minutes().unwrap_or(0)
    }

    /// `2026-11-26T09:00Z`: ISO 8601 to the minute, UTC (a `<time datetime>`).
    pub fn format_iso_minutes(self) -> String {
        self.at_offset(0)
            .format(ISO_MINUTES)
            .map(|s| s + "Z")
            .unwrap_or_default()
    }

    /// A time as a form sends it: `2026-11-26T09:00`, seconds optional,
    /// then `Z`, an offset (`+01:00`, `-05:30`) or nothing, which means UTC.
    /// The app's pages send the viewer's offset for that instant.
    pub fn parse_input(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let (wall, offset) = match raw.strip_suffix(['Z', 'z']) {
            Some(wall) => (wall, UtcOffset::UTC),
            None => match raw
                .len()
                .checked_sub(6)
                .and_then(|i| raw.split_at_checked(i))
            {
                Some((wall, off)) if off.starts_with(['+', '-']) => {
                    let offset = UtcOffset::parse(off, OFFSET).ok()?;
                    // Real zones lie between -12:00 and +14:00.
                    if !(-12 * 60..=14 * 60).contains(&offset.whole_minutes()) {
                        return None;
                    }
                    (wall, offset)
                }
                _ => (raw, UtcOffset::UTC),
            },
        };
        let wall = PrimitiveDateTime::parse(wall, WALL_SECONDS)
            .or_else(|_| PrimitiveDateTime::parse(wall, WALL))
            .ok()?;
        let at = wall.assume_offset(offset);
        Some(Self(
            i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()?,
        ))
    }

    /// The calendar year (UTC).
    pub fn year(self) -> i64 {
        i64::from(self.at_offset(0).year())
    }

    /// Minutes east of UTC of the browser's time zone at this instant
    /// (summer time included); `None` on the server, which does not know
    /// the viewer's zone.
    pub fn local_offset_minutes(self) -> Option<i32> {
        #[cfg(all(feature = "browser", target_arch = "wasm32"))]
        {
            let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(self.0 as f64));
            // JavaScript counts the other way: minutes from local to UTC.
            Some(-(date.get_timezone_offset() as i32))
        }
        #[cfg(not(all(feature = "browser", target_arch = "wasm32")))]
        {
            None
        }
    }

    fn at_offset(self, offset_minutes: i32) -> OffsetDateTime {
        let offset = UtcOffset::from_whole_seconds(offset_minutes.saturating_mul(60))
            .unwrap_or(UtcOffset::UTC);
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(offset)
    }
}

const READABLE: &[BorrowedFormatItem<'_>] =
    format_description!("[day padding:none] [month repr:short] [year], [hour]:[minute]");
const DATE: &[BorrowedFormatItem<'_>] =
    format_description!("[day padding:none] [month repr:short] [year]");
const CLOCK: &[BorrowedFormatItem<'_>] = format_description!("[hour]:[minute]");
const ISO_MINUTES: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]");
const WALL: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]T[hour]:[minute]");
const WALL_SECONDS: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
const OFFSET: &[BorrowedFormatItem<'_>] =
    format_description!("[offset_hour sign:mandatory]:[offset_minute]");

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
    fn a_time_typed_in_any_zone_is_stored_as_the_same_instant() {
        let utc = Timestamp::parse_input("2024-02-29T23:59").unwrap();
        assert_eq!(utc.millis(), 1_709_251_140_000);
        assert_eq!(Timestamp::parse_input("2024-02-29T23:59Z"), Some(utc));
        assert_eq!(Timestamp::parse_input("2024-02-29T23:59:00"), Some(utc));
        // 09:00 in Paris in winter and 03:59 in New York are the same instant as 23:59 UTC...
        assert_eq!(Timestamp::parse_input("2024-03-01T00:59+01:00"), Some(utc));
        assert_eq!(Timestamp::parse_input("2024-02-29T18:59-05:00"), Some(utc));
        // ...and read back at each offset as typed.
        assert_eq!(utc.format_at(60), "1 Mar 2024, 00:59");
        assert_eq!(utc.format_at(-300), "29 Feb 2024, 18:59");
        assert_eq!(utc.format_at(330), "1 Mar 2024, 05:29");
        assert_eq!(utc.format_iso_minutes(), "2024-02-29T23:59Z");
        assert_eq!(utc.year(), 2024);
        for bad in [
            "2023-02-29T10:00",
            "2024-13-01T10:00",
            "2024-01-01T24:00",
            "2024-01-01",
            "2024-01-01T10:00+25:00",
            "2024-01-01T10:00 Europe/London",
            "x",
            "",
        ] {
            assert_eq!(Timestamp::parse_input(bad), None, "{bad}");
        }
        assert_eq!(
            Timestamp::EPOCH.local_offset_minutes(),
            None,
            "the server does not know the viewer's zone"
        );
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
