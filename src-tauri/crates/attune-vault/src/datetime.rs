//! The one place that writes and reads the stored forms of instants and dates.
//!
//! - An instant is stored as RFC 3339 UTC text: `2026-11-22T09:05:03Z`, with the fraction of a
//!   second when there is one, written with as many digits as it needs (`.5`, `.123456789`:
//!   trailing zeros dropped) and `Z` for UTC. This is the text vaults already hold (the audit
//!   chain hashes it), so it must stay byte for byte what it was.
//! - A date is stored as `YYYY-MM-DD`: a four-digit year (an optional sign before it), a
//!   two-digit month and a two-digit day, nothing before or after.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// An instant as stored: RFC 3339 in UTC, `2026-11-22T09:05:03Z` or
/// `2026-11-22T09:05:03.25Z`. Years outside 0 to 9999 (which RFC 3339 cannot write) fall back
/// to the Unix time in seconds.
pub fn format_instant(at: DateTime<Utc>) -> String {
    if !(0..10_000).contains(&at.year()) {
        return at.timestamp().to_string();
    }
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    // A leap second's nanoseconds run past one second: only the fraction is written.
    let nanos = at.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let digits = format!("{nanos:09}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// An instant as stored (any RFC 3339 text), back in UTC.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A date as stored: `YYYY-MM-DD`.
pub fn format_date(date: NaiveDate) -> String {
    let year = date.year();
    let sign = if year < 0 { "-" } else { "" };
    format!(
        "{sign}{:04}-{:02}-{:02}",
        year.unsigned_abs(),
        date.month(),
        date.day()
    )
}

/// A stored date back: exactly `YYYY-MM-DD` (a `+` or `-` may come before the year), and a day
/// that exists. `2026-3-7` and `2026-02-30` are refused.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let b = rest.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return None;
    }
    let year: i32 = rest[0..4].parse().ok()?;
    let month: u32 = rest[5..7].parse().ok()?;
    let day: u32 = rest[8..10].parse().ok()?;
    NaiveDate::from_ymd_opt(if negative { -year } else { year }, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_are_written_as_vaults_hold_them() {
        let t = Utc.with_ymd_and_hms(2026, 12, 4, 10, 15, 0).unwrap();
        assert_eq!(format_instant(t), "2026-12-04T10:15:00Z");
        let frac = |n: u32| format_instant(t.with_nanosecond(n).unwrap());
        assert_eq!(frac(500_000_000), "2026-12-04T10:15:00.5Z");
        assert_eq!(frac(123_456_789), "2026-12-04T10:15:00.123456789Z");
        assert_eq!(frac(1_000), "2026-12-04T10:15:00.000001Z");
        assert_eq!(frac(120_000_000), "2026-12-04T10:15:00.12Z");
        let early = Utc.with_ymd_and_hms(33, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(format_instant(early), "0033-01-02T03:04:05Z");
    }

    #[test]
    fn instants_read_back() {
        let t = Utc.with_ymd_and_hms(2026, 12, 4, 10, 15, 0).unwrap();
        let t = t.with_nanosecond(250_000_000).unwrap();
        assert_eq!(parse_instant(&format_instant(t)), Some(t));
        assert_eq!(
            parse_instant("2026-12-04T11:15:00.25+01:00"),
            Some(t),
            "an offset is taken back to UTC"
        );
        assert_eq!(parse_instant("yesterday"), None);
    }

    #[test]
    fn dates_are_strict_iso() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(format_date(d), "2026-03-07");
        assert_eq!(parse_date("2026-03-07"), Some(d));
        assert_eq!(parse_date("+2026-03-07"), Some(d));
        let old = NaiveDate::from_ymd_opt(33, 1, 2).unwrap();
        assert_eq!(format_date(old), "0033-01-02");
        assert_eq!(parse_date("0033-01-02"), Some(old));
        for bad in [
            "2026-3-7",
            "2026-03-7",
            "26-03-07",
            "2026-03-07 ",
            " 2026-03-07",
            "2026/03/07",
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "2026-03-00",
            "20260-03-07",
            "2026-+3-07",
            "",
            "-",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_date("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(parse_date("2025-02-29"), None);
    }
}
