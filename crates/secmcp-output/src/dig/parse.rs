//! The line-by-line reader of dig's `+yaml` output (see the module docs of
//! [`crate::dig`]). No YAML tree, no I/O, no panics.

use super::{DigReport, Question, Record};
use crate::bounds::Bounds;
use crate::sanitize::Kind;
use crate::text::field;
use crate::untrusted::{Flagger, Untrusted};

#[derive(Clone, Copy, PartialEq)]
enum Section {
    None,
    Question,
    Answer,
    Authority,
    Additional,
}

#[derive(Clone, Copy, PartialEq)]
enum Doc {
    None,
    Message,
    Error,
    Other,
}

struct State<'b> {
    bounds: &'b Bounds,
    report: DigReport,
    doc: Doc,
    section: Section,
    section_indent: usize,
    /// Collecting a `message: |` block of a DIG_ERROR.
    block: Option<(usize, String)>,
    query_ms: Option<i64>,
    response_ms: Option<i64>,
    saw_error: bool,
    saw_message_end: bool,
}

/// Parses dig's `+yaml` output. Never fails or panics; see the module docs.
pub fn parse(bytes: &[u8], bounds: &Bounds) -> DigReport {
    let text = String::from_utf8_lossy(bytes);
    let mut st = State {
        bounds,
        report: DigReport::default(),
        doc: Doc::None,
        section: Section::None,
        section_indent: 0,
        block: None,
        query_ms: None,
        response_ms: None,
        saw_error: false,
        saw_message_end: false,
    };
    for line in text.lines() {
        st.line(line);
    }
    st.finish_block();
    let ended_cleanly = text.ends_with('\n');
    let mut r = st.report;
    r.complete = r.messages > 0 && !st.saw_error && st.saw_message_end && ended_cleanly;
    r.untrusted = flag(&r);
    r
}

impl State<'_> {
    fn line(&mut self, line: &str) {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim();
        if let Some((block_indent, _)) = &self.block {
            if body.is_empty() || indent > *block_indent {
                let text = body.to_owned();
                if let Some((_, acc)) = &mut self.block {
                    if !acc.is_empty() && !text.is_empty() {
                        acc.push(' ');
                    }
                    acc.push_str(&text);
                }
                return;
            }
            self.finish_block();
        }
        if body.is_empty() {
            return;
        }
        if indent == 0 && body.starts_with(';') {
            // dig's comments outside YAML, e.g. "; Transfer failed."
            let msg = body.trim_start_matches(';').trim();
            if !msg.is_empty() {
                self.saw_error = true;
                self.push_error(msg);
            }
            return;
        }
        if indent == 0 && body.starts_with("- type:") {
            let kind = scalar(body.trim_start_matches("- type:"));
            self.doc = match kind.as_str() {
                "MESSAGE" => {
                    self.report.messages += 1;
                    Doc::Message
                }
                "DIG_ERROR" => {
                    self.saw_error = true;
                    Doc::Error
                }
                _ => Doc::Other,
            };
            self.section = Section::None;
            return;
        }
        match self.doc {
            Doc::Message => self.message_line(indent, body),
            Doc::Error => {
                if let Some(v) = body.strip_prefix("message:") {
                    let v = v.trim();
                    if v.starts_with('|') || v.starts_with('>') {
                        self.block = Some((indent, String::new()));
                    } else {
                        self.push_error(&scalar(v));
                    }
                }
            }
            Doc::None | Doc::Other => {}
        }
    }

    fn finish_block(&mut self) {
        if let Some((_, msg)) = self.block.take() {
            let msg = msg.trim().to_owned();
            if !msg.is_empty() {
                self.push_error(&msg);
            }
        }
    }

    fn push_error(&mut self, msg: &str) {
        if self.report.errors.len() < self.bounds.max_list_items.max(1) {
            let m = line(msg, self.bounds.max_text_bytes);
            if !self.report.errors.contains(&m) {
                self.report.errors.push(m);
            }
        }
    }

    fn message_line(&mut self, indent: usize, body: &str) {
        if let Some(item) = body.strip_prefix("- ") {
            if self.section != Section::None && indent > self.section_indent {
                self.record(&scalar(item));
            }
            return;
        }
        if self.section != Section::None && indent <= self.section_indent {
            self.section = Section::None;
        }
        let Some((key, value)) = body.split_once(':') else {
            return;
        };
        let value = value.trim();
        let first = self.report.messages <= 1;
        let section = match key {
            "QUESTION_SECTION" => Section::Question,
            "ANSWER_SECTION" => Section::Answer,
            "AUTHORITY_SECTION" => Section::Authority,
            "ADDITIONAL_SECTION" => Section::Additional,
            _ => Section::None,
        };
        if section != Section::None {
            self.section = section;
            self.section_indent = indent;
            self.saw_message_end = true;
            return;
        }
        let b = self.bounds.max_text_bytes;
        match key {
            "status" if first => self.report.status = line(&scalar(value), b),
            "opcode" if first => self.report.opcode = line(&scalar(value), b),
            "flags" if first && indent >= 6 && self.report.flags.is_empty() => {
                self.report.flags = scalar(value)
                    .split_whitespace()
                    .take(self.bounds.max_list_items)
                    .map(|f| line(f, b))
                    .collect();
            }
            "response_address" if first => self.report.server = line(&scalar(value), b),
            "response_port" if first => {
                self.report.server_port = scalar(value).parse().unwrap_or(0);
            }
            "socket_protocol" if first => self.report.protocol = line(&scalar(value), b),
            "message_size" if first => {
                let v = scalar(value);
                self.report.message_size_bytes =
                    v.trim_end_matches('b').parse().unwrap_or_default();
            }
            "query_time" if first => self.query_ms = timestamp_ms(&scalar(value)),
            "response_time" if first => {
                self.response_ms = timestamp_ms(&scalar(value));
                if let (Some(q), Some(r)) = (self.query_ms, self.response_ms) {
                    self.report.query_time_ms = u64::try_from(r - q).ok();
                }
            }
            // The counts come before the sections: a message with none still ended.
            "ADDITIONAL" if first => self.saw_message_end = true,
            _ => {}
        }
    }

    fn record(&mut self, text: &str) {
        let b = self.bounds.max_text_bytes;
        let max = self.bounds.max_ports_per_host;
        if self.section == Section::Question {
            let mut f = text.split_whitespace();
            let q = Question {
                name: line(f.next().unwrap_or(""), b),
                class: line(f.next().unwrap_or(""), b),
                rtype: line(f.next().unwrap_or(""), b),
            };
            if self.report.question.len() < max.max(1) && !self.report.question.contains(&q) {
                self.report.question.push(q);
            }
            return;
        }
        let Some(rec) = parse_record(text, b) else {
            return;
        };
        let list = match self.section {
            Section::Answer => &mut self.report.answers,
            Section::Authority => &mut self.report.authority,
            Section::Additional => &mut self.report.additional,
            _ => return,
        };
        if list.len() < max {
            list.push(rec);
        } else {
            self.report.records_omitted += 1;
        }
    }
}

/// A one-line report field: sanitized and bounded.
fn line(s: &str, max: usize) -> String {
    field(s, Kind::Line, max)
}

/// Splits `name ttl class type data...` (dig's presentation form).
fn parse_record(text: &str, max_text: usize) -> Option<Record> {
    let mut rest = text.trim_start();
    let mut fields = [""; 4];
    for f in &mut fields {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        *f = &rest[..end];
        rest = rest[end..].trim_start();
    }
    if fields[3].is_empty() {
        return None;
    }
    Some(Record {
        name: line(fields[0], max_text),
        ttl: fields[1].parse().unwrap_or(0),
        class: line(fields[2], max_text),
        rtype: line(fields[3], max_text),
        data: line(rest.trim_end(), max_text),
    })
}

/// A YAML scalar as dig writes it: `'single'` (with `''` for a quote),
/// `"double"` (with backslash escapes), or plain; a `!!tag ` prefix is dropped.
fn scalar(v: &str) -> String {
    let mut v = v.trim();
    if v.starts_with("!!") {
        v = v.split_once(' ').map_or("", |(_, rest)| rest.trim());
    }
    if let Some(inner) = v.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'').unwrap_or(inner);
        return inner.replace("''", "'");
    }
    if let Some(inner) = v.strip_prefix('"') {
        let inner = inner.strip_suffix('"').unwrap_or(inner);
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(other) => out.push(other),
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    v.to_owned()
}

/// `2026-11-25T17:24:57.301Z` as milliseconds since the Unix epoch.
fn timestamp_ms(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    if !(1..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || hh > 23
        || mm > 59
        || ss > 60
    {
        return None;
    }
    let frac3: String = frac.chars().chain("000".chars()).take(3).collect();
    let ms: i64 = frac3.parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + ms)
}

/// Flags the untrusted fields of `r` (record names and data).
pub(crate) fn flag(r: &DigReport) -> Untrusted {
    let mut f = Flagger::default();
    for (section, list) in [
        ("answers", &r.answers),
        ("authority", &r.authority),
        ("additional", &r.additional),
    ] {
        for (i, rec) in list.iter().enumerate() {
            f.check(&rec.name, || format!("{section}[{i}].name"));
            f.check(&rec.data, || format!("{section}[{i}].data"));
        }
    }
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_and_records() {
        assert_eq!(scalar("'it''s'"), "it's");
        assert_eq!(scalar("\"10.0.0.1\""), "10.0.0.1");
        assert_eq!(
            scalar("!!timestamp 2026-01-01T00:00:00.000Z"),
            "2026-01-01T00:00:00.000Z"
        );
        let r = parse_record("x.lab. 600 IN TXT \"a b\"  \"c\"", 100).unwrap();
        assert_eq!(
            (r.ttl, r.rtype.as_str(), r.data.as_str()),
            (600, "TXT", "\"a b\"  \"c\"")
        );
        assert!(parse_record("x.lab. 600 IN", 100).is_none());
        assert_eq!(
            line("héllo", 2),
            format!("h{}", crate::bounds::TRUNCATION_MARKER)
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        let a = timestamp_ms("2026-11-25T23:59:59.990Z").unwrap();
        let b = timestamp_ms("2026-11-26T00:00:00.010Z").unwrap();
        assert_eq!(b - a, 20);
        assert_eq!(timestamp_ms("2026-13-01T00:00:00Z"), None);
        assert_eq!(timestamp_ms("garbage"), None);
        assert_eq!(timestamp_ms("999999999999999-01-01T00:00:00.000Z"), None);
    }
}
