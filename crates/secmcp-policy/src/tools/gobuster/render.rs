//! Renders gobuster's argv from an authorized [`GobusterPlan`]:
//! the mode, `-q -z --no-color`, the URL with the pinned address (vhost: the
//! name as `--domain`) or the domain and pinned resolver, the re-checked
//! wordlist path (or a built-in list's work file), threads, the delay, then the mode's options.
//!
//! Must not: look at user tokens.

use super::types::{
    FIELD_WORDLIST, GobusterLimits, GobusterPlan, GobusterTarget, HttpOptions, Mode,
};
use crate::address::Hostname;
use crate::call::{AuthorizedTarget, Rendering, Resolutions};
use crate::denied::{Denied, internal};
use crate::files;

/// Renders the argv of an authorized gobuster plan.
pub(crate) fn render(
    limits: &GobusterLimits,
    plan: &GobusterPlan,
    targets: &[AuthorizedTarget],
    res: &Resolutions,
) -> Result<Rendering, Denied> {
    let (wordlist, work_file) = files::rendered(
        FIELD_WORDLIST,
        &limits.wordlists,
        res,
        &plan.wordlist,
        "wordlist",
    )?;
    let primary = targets
        .first()
        .ok_or_else(|| internal("a plan without a target"))?;
    let mut a: Vec<String> = vec![plan.mode.as_str().into()];
    let mut push = |s: &str| a.push(s.to_owned());
    // -q and -z silence the banner and the progress line; the server keeps
    // them unless it follows the run's progress (the parser skips both).
    let quiet: &[&str] = if plan.progress {
        &["--no-color"]
    } else {
        &["-q", "-z", "--no-color"]
    };
    for s in quiet {
        push(s);
    }
    match &plan.target {
        GobusterTarget::Url(u) => {
            push("-u");
            push(&u.render(&primary.rendered));
            if plan.mode == Mode::Vhost {
                let domain = plan.http.domain.as_ref().map(Hostname::as_str);
                if let Some(name) = domain.or(primary.hostname.as_deref()) {
                    push("--domain");
                    push(name);
                }
            }
        }
        GobusterTarget::Domain(d) => {
            push("-d");
            push(d.as_str());
            push("-r");
            push(&host_port(&primary.rendered, plan.dns.resolver_port));
        }
    }
    push("-w");
    push(&wordlist);
    push("-t");
    push(&plan.threads.to_string());
    push("--delay");
    push(&format!("{}ms", plan.delay_ms));
    if let Some(t) = plan.timeout_ms {
        push("--timeout");
        push(&format!("{t}ms"));
    }
    if plan.no_error {
        push("--no-error");
    }
    match plan.mode {
        Mode::Dir | Mode::Vhost => render_http(&mut a, plan.mode, &plan.http),
        Mode::Dns => {
            let d = &plan.dns;
            for (on, flag) in [
                (d.show_ips, "-i"),
                (d.show_cname, "-c"),
                (d.wildcard, "--wildcard"),
            ] {
                if on {
                    a.push(flag.into());
                }
            }
        }
    }
    let mut rendering = Rendering::argv(a);
    rendering.write_files.extend(work_file);
    Ok(rendering)
}

fn render_http(a: &mut Vec<String>, mode: Mode, h: &HttpOptions) {
    let mut push = |s: &str| a.push(s.to_owned());
    if mode == Mode::Dir {
        if !h.extensions.is_empty() {
            push("-x");
            push(&h.extensions.join(","));
        }
        if let Some(s) = &h.status_codes {
            push("-s");
            push(s);
            // gobuster 3.5 refuses -s next to its default blacklist (404).
            push("-b");
            push(h.status_blacklist.as_deref().unwrap_or(""));
        } else if let Some(b) = &h.status_blacklist {
            push("-b");
            push(b);
        }
        for (on, flag) in [
            (h.add_slash, "-f"),
            (h.expanded, "-e"),
            (h.no_status, "-n"),
            (h.hide_length, "--hide-length"),
            (h.discover_backup, "-d"),
        ] {
            if on {
                push(flag);
            }
        }
    }
    if mode == Mode::Vhost && h.append_domain {
        push("--append-domain");
    }
    for (on, flag) in [
        (h.no_tls_validation, "-k"),
        (h.retry, "--retry"),
        (h.random_agent, "--random-agent"),
    ] {
        if on {
            push(flag);
        }
    }
    if let Some(n) = h.retry_attempts {
        push("--retry-attempts");
        push(&n.to_string());
    }
    if let Some(m) = h.method {
        push("-m");
        push(m);
    }
    if let Some(ua) = &h.useragent {
        push("-a");
        push(ua);
    }
    if !h.exclude_length.is_empty() {
        let list: Vec<String> = h.exclude_length.iter().map(u64::to_string).collect();
        push("--exclude-length");
        push(&list.join(","));
    }
}

/// `ip:port`, with brackets for IPv6.
fn host_port(ip: &str, port: u16) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}
