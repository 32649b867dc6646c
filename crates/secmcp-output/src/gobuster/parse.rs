//! The reader of gobuster's result lines (see the module docs of
//! [`crate::gobuster`]). No I/O, no panics.

use super::{Finding, GobusterReport, MAX_ERRORS, MAX_TEXT};
use crate::sanitize::Kind;
use crate::text::decode;
use crate::untrusted::{Flagger, Untrusted};

/// Parses gobuster's stdout (results) and stderr (errors) for `mode`.
pub fn parse(mode: &str, stdout: &[u8], stderr: &[u8], max_findings: usize) -> GobusterReport {
    let mut r = GobusterReport {
        mode: mode.to_owned(),
        ..GobusterReport::default()
    };
    for line in lines(stdout, b"\n") {
        match parse_line(&line) {
            Some(f) if r.found.len() < max_findings => r.found.push(f),
            Some(_) => r.found_omitted += 1,
            // Printed when the server follows progress (no -q): not results.
            None if is_banner(&line) => {}
            None => r.unparsed_lines += 1,
        }
    }
    // The progress line is rewritten in place with `\r`: split on both.
    for line in lines(stderr, b"\r\n") {
        if line.starts_with("Progress: ") {
            continue;
        }
        let msg = line
            .strip_prefix("Error: ")
            .or_else(|| line.strip_prefix("[ERROR] "))
            .or_else(|| line.strip_prefix("[-] "))
            .unwrap_or(&line);
        if r.errors.len() < MAX_ERRORS && !r.errors.iter().any(|e| e == msg) {
            r.errors.push(msg.to_owned());
        }
    }
    r.untrusted = flag(&r);
    r
}

/// Non-empty, sanitized lines (gobuster 3.5 writes `ESC[2K` before each result even
/// with `--no-color`; the sanitizer removes it with every other escape and control).
fn lines<'a>(bytes: &'a [u8], ends: &'static [u8]) -> impl Iterator<Item = String> + 'a {
    bytes.split(|b| ends.contains(b)).filter_map(|raw| {
        let text = decode(raw, MAX_TEXT, false, Kind::Line);
        let t = text.trim();
        (!t.is_empty()).then(|| t.to_owned())
    })
}

/// gobuster's banner and its start and end lines (stdout without `-q`).
fn is_banner(line: &str) -> bool {
    let dated = line.len() > 20
        && line.as_bytes()[4] == b'/'
        && line.as_bytes()[7] == b'/'
        && line.as_bytes()[13] == b':';
    line.starts_with("====")
        || line.starts_with("[+] ")
        || line.starts_with("Gobuster v")
        || line.starts_with("by OJ Reeves")
        || (dated && (line.contains(" Starting gobuster") || line.ends_with(" Finished")))
}

/// One result line, or `None` when the line is not one.
fn parse_line(line: &str) -> Option<Finding> {
    let (found_prefix, body) = match line.strip_prefix("Found: ") {
        Some(b) => (true, b),
        None => (false, line),
    };
    let (name, mut rest) = match body.find(char::is_whitespace) {
        Some(i) => (&body[..i], body[i..].trim_start()),
        None => (body, ""),
    };
    if name.is_empty() || !(found_prefix || name.starts_with('/') || name.contains("://")) {
        return None;
    }
    let mut f = Finding {
        name: name.to_owned(),
        ..Finding::default()
    };
    while !rest.is_empty() {
        if let Some(r) = rest
            .strip_prefix("(Status: ")
            .or_else(|| rest.strip_prefix("Status: "))
        {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            f.status = r[..end].parse().ok();
            rest = r[end..].trim_start_matches(')').trim_start();
        } else if let Some(r) = rest.strip_prefix("[Size: ") {
            let end = r.find(']')?;
            f.size = r[..end].trim().parse().ok();
            rest = r[end + 1..].trim_start();
        } else if let Some(r) = rest.strip_prefix("[--> ") {
            let end = r.rfind(']')?;
            f.redirect = r[..end].to_owned();
            rest = r[end + 1..].trim_start();
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.rfind(']')?;
            let inner = &r[..end];
            let items: Vec<&str> = inner
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if !items.is_empty() && items.iter().all(|s| s.parse::<std::net::IpAddr>().is_ok()) {
                f.addresses = items.into_iter().take(64).map(str::to_owned).collect();
            } else {
                f.cname = inner.trim().to_owned();
            }
            rest = r[end + 1..].trim_start();
        } else {
            return None;
        }
    }
    Some(f)
}

/// Flags the untrusted fields of `r` (redirect locations and CNAMEs).
pub(crate) fn flag(r: &GobusterReport) -> Untrusted {
    let mut f = Flagger::default();
    for (i, x) in r.found.iter().enumerate() {
        f.check(&x.redirect, || format!("found[{i}].redirect"));
        f.check(&x.cname, || format!("found[{i}].cname"));
    }
    f.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_lines() {
        let out = b"\x1b[2K/admin                (Status: 301) [Size: 0] [--> /admin/]\n\x1b[2K/x [Size: 3]\r\n\x1b[2Khttp://h:1/a (Status: 200) [Size: 17]\n/b (Status: 401) [--> http://e/[x]]\nnoise\n";
        let r = parse("dir", out, b"", 10);
        assert_eq!(r.found.len(), 4, "{r:?}");
        assert_eq!(
            r.found[0],
            Finding {
                name: "/admin".into(),
                status: Some(301),
                size: Some(0),
                redirect: "/admin/".into(),
                ..Finding::default()
            }
        );
        assert_eq!((r.found[1].status, r.found[1].size), (None, Some(3)));
        assert_eq!(r.found[2].name, "http://h:1/a");
        assert_eq!(r.found[3].redirect, "http://e/[x]");
        assert_eq!(r.unparsed_lines, 1);
    }

    #[test]
    fn banner_and_progress_of_a_loud_run_are_neither_results_nor_errors() {
        let out = b"===============================================================\n\
Gobuster v3.5\nby OJ Reeves (@TheColonial) & Christian Mehlmauer (@firefart)\n\
===============================================================\n[+] Url:                     http://127.0.0.1:18555/\n\
[+] Threads:                 4\n===============================================================\n\
2026/12/03 15:01:15 Starting gobuster in directory enumeration mode\n\
===============================================================\n\
\x1b[2K/admin                (Status: 301) [Size: 0] [--> /admin/]\n\n\
===============================================================\n2026/12/03 15:01:21 Finished\n";
        let err = b"\r\x1b[2KProgress: 268 / 3001 (8.93%)\r\x1b[2KProgress: 499 / 3001 (16.63%)\r\x1b[2K[ERROR] 2026/12/03 15:01:16 [!] timeout\n\r\x1b[2KProgress: 3001 / 3001 (100.00%)\n";
        let r = parse("dir", out, err, 10);
        assert_eq!(r.found.len(), 1, "{r:?}");
        assert_eq!(r.unparsed_lines, 0, "{r:?}");
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert!(r.errors[0].contains("timeout"), "{:?}", r.errors);
    }

    #[test]
    fn dns_and_vhost_lines() {
        let r = parse(
            "dns",
            b"Found: a.x [10.0.0.1,fd00::1]\nFound: b.x\nFound: c.x [alias.y]\n",
            b"",
            10,
        );
        assert_eq!(r.found[0].addresses, ["10.0.0.1", "fd00::1"]);
        assert_eq!(r.found[1].name, "b.x");
        assert_eq!(r.found[2].cname, "alias.y");
        let r = parse(
            "vhost",
            b"\x1b[2KFound: dev.a Status: 200 [Size: 72]\n",
            b"",
            10,
        );
        assert_eq!(
            (r.found[0].name.as_str(), r.found[0].status, r.found[0].size),
            ("dev.a", Some(200), Some(72))
        );
    }

    #[test]
    fn bounded_and_errors() {
        let out = "/a (Status: 200)\n".repeat(10);
        let r = parse("dir", out.as_bytes(), b"Error: boom\nError: boom\n", 3);
        assert_eq!((r.found.len(), r.found_omitted), (3, 7));
        assert_eq!(r.errors, ["boom"]);
        assert!(super::super::summary(&r).contains("10 paths found"));
    }
}
