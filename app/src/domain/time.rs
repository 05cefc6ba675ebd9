//! Timestamps (unix milliseconds) as people read them, the same on server and browser.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `25 Nov 2026, 20:25 UTC`. UTC on both sides, so the server-rendered page
/// and the browser agree and hydration never shows a different time.
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{d} {} {y}, {:02}:{:02} UTC",
        MONTHS[(m - 1) as usize],
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// `25 Nov 2026`.
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(1000).div_euclid(86_400));
    format!("{d} {} {y}", MONTHS[(m - 1) as usize])
}

/// `2026-11-26T09:00Z`: ISO 8601 to the minute, UTC.
pub fn format_iso_minutes(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// The calendar year (UTC) of an instant.
pub fn year_of(ms: i64) -> i64 {
    civil_from_days(ms.div_euclid(1000).div_euclid(86_400)).0
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_utc(0), "1 Jan 1970, 00:00 UTC");
        // 2026-11-25T20:25:34Z
        assert_eq!(format_utc(1_795_638_334_000), "25 Nov 2026, 20:25 UTC");
        // 2024-02-29T23:59:59Z, a leap day
        assert_eq!(format_utc(1_709_251_199_000), "29 Feb 2024, 23:59 UTC");
        assert_eq!(format_date(1_709_251_199_000), "29 Feb 2024");
        // Before 1970 still reads right.
        assert_eq!(format_utc(-1000), "31 Dec 1969, 23:59 UTC");
    }
}
