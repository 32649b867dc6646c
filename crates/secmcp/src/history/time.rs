//! UTC times as people and agents write them, without a date crate: Unix
//! milliseconds to `YYYY-MM-DD HH:MM:SS` and back from RFC 3339 or a plain date.

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// `YYYY-MM-DD HH:MM:SS` in UTC from Unix milliseconds.
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Unix milliseconds from `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z`,
/// `±HH:MM` or nothing (UTC), or a space instead of the `T`.
pub fn parse_utc(text: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "`{text}` is not a time: write 2026-12-01, 2026-12-01T14:00:00Z or 2026-12-01T14:00:00+01:00"
        )
    };
    let t = text.trim();
    let (date, rest) = t.split_at(t.find(['T', 't', ' ']).unwrap_or(t.len()));
    let mut parts = date.splitn(3, '-');
    let mut num = |len: usize| -> Option<i64> {
        let p = parts.next()?;
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
    };
    let (y, m, d) = (
        num(4).ok_or_else(bad)?,
        num(2).ok_or_else(bad)?,
        num(2).ok_or_else(bad)?,
    );
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(bad());
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    let mut ms = 0;
    if !rest.is_empty() {
        let rest = &rest[1..];
        let (clock, offset) = split_offset(rest).ok_or_else(bad)?;
        let (clock, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let fields: Vec<&str> = clock.split(':').collect();
        if !(2..=3).contains(&fields.len())
            || fields
                .iter()
                .any(|f| f.len() != 2 || !f.bytes().all(|b| b.is_ascii_digit()))
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 9
        {
            return Err(bad());
        }
        let v: Vec<i64> = fields.iter().filter_map(|f| f.parse().ok()).collect();
        let (h, mi, s) = (v[0], v[1], v.get(2).copied().unwrap_or(0));
        if h > 23 || mi > 59 || s > 60 {
            return Err(bad());
        }
        secs += h * 3600 + mi * 60 + s - offset;
        if !frac.is_empty() {
            ms = format!("{frac:0<3}")[..3].parse().unwrap_or(0);
        }
    }
    Ok(secs * 1000 + ms)
}

/// Splits `HH:MM:SS±HH:MM` / `...Z` into the clock and the offset in seconds.
fn split_offset(s: &str) -> Option<(&str, i64)> {
    if let Some(c) = s.strip_suffix(['Z', 'z']) {
        return Some((c, 0));
    }
    match s.rfind(['+', '-']) {
        None => Some((s, 0)),
        Some(i) => {
            let (clock, off) = s.split_at(i);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let (h, m) = off[1..].split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
            (h <= 23 && m <= 59).then_some((clock, sign * (h * 3600 + m * 60)))
        }
    }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days_from_civil: days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's civil_from_days.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_700_000_000_000), "2023-11-14 22:13:20");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
    }

    #[test]
    fn parses_dates_and_rfc3339() {
        assert_eq!(parse_utc("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert_eq!(parse_utc("2023-11-14 22:13:20"), Ok(1_700_000_000_000));
        assert_eq!(
            parse_utc("2023-11-14T23:13:20+01:00"),
            Ok(1_700_000_000_000)
        );
        assert_eq!(
            parse_utc("2023-11-14T21:13:20.250-01:00"),
            Ok(1_700_000_000_250)
        );
        assert_eq!(parse_utc("2000-02-29"), Ok(951_782_400_000));
        assert_eq!(parse_utc("1970-01-01T00:00Z"), Ok(0));
        for ms in [0, 951_782_400_000, 1_700_000_000_000, 4_102_444_800_000] {
            let s = utc(ms).replace(' ', "T") + "Z";
            assert_eq!(parse_utc(&s), Ok(ms), "{s}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in [
            "",
            "yesterday",
            "2023-02-29",
            "2023-13-01",
            "2023-1-01",
            "2023-11-14T25:00Z",
            "2023-11-14T22",
            "2023-11-14T22:13:20+1",
            "2023-11-14T22:13:20+01:60",
            "1700000000",
            "2023-11-14T22:13:20.1234567890Z",
        ] {
            let e = parse_utc(bad).expect_err(bad);
            assert!(e.contains("2026-12-01T14:00:00Z"), "{e}");
        }
    }
}
