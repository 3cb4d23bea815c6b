//! Calendar dates (proleptic Gregorian), stored as days since 1970-01-01.

use std::fmt;

/// A calendar date. Ordering is chronological.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

/// Why a date string was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD`.
    Format,
    /// Well-formed, but no such day (`2026-02-30`, month 13).
    Impossible,
}

impl Date {
    /// The date for a year, month (1-12) and day, if such a day exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        if day > days_in_month(year, month) {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// Parses `YYYY-MM-DD` exactly.
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return Err(DateError::Format);
        }
        let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
            return Err(DateError::Format);
        };
        let y = i32::try_from(y).map_err(|_| DateError::Format)?;
        Date::from_ymd(y, m, d).ok_or(DateError::Impossible)
    }

    /// The date a number of days after 1970-01-01.
    pub fn from_days(days: i32) -> Date {
        Date(days)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i32 {
        self.0
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    /// Today's date in UTC, from the system clock (1970-01-01 if the clock is earlier):
    /// the default evaluation date of the command line and the Python bindings. Checks
    /// never read the clock; a caller passes the date in [`crate::CheckOptions::as_of`].
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days(i32::try_from(secs / 86_400).unwrap_or(0))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// As JSON writes dates: the string `"YYYY-MM-DD"`.
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days algorithms.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let d = Date::parse("2026-09-15").unwrap();
        assert_eq!(d.to_string(), "2026-09-15");
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
        assert!(Date::parse("2024-02-29").is_ok());
    }

    #[test]
    fn rejects_impossible_and_malformed() {
        assert_eq!(Date::parse("2026-02-29"), Err(DateError::Impossible));
        assert_eq!(Date::parse("2026-13-01"), Err(DateError::Impossible));
        assert_eq!(Date::parse("2026-00-10"), Err(DateError::Impossible));
        assert_eq!(Date::parse("2026-9-15"), Err(DateError::Format));
        assert_eq!(Date::parse("2026-09-1x"), Err(DateError::Format));
        assert_eq!(Date::parse("+026-09-15"), Err(DateError::Format));
    }

    #[test]
    fn orders_chronologically() {
        assert!(Date::parse("2018-08-12").unwrap() < Date::parse("2019-01-01").unwrap());
    }

    #[test]
    fn roundtrips_every_day_of_a_range() {
        for days in -800_000..800_000 {
            let (y, m, d) = civil_from_days(days);
            if (1..=9999).contains(&y) {
                assert_eq!(Date::from_ymd(y, m, d).unwrap().days(), days);
            }
        }
    }
}
