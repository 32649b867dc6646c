//! Differential check of target parsing against nmap's own: for every
//! candidate target string (the fuzz corpora, which hold the test suites'
//! target strings, plus generated tricky forms), what the policy pins must be
//! exactly what `nmap -sL -n` lists.
//!
//! - Accepted as an address or CIDR: nmap given the permit's rendered target
//!   lists exactly the pinned address (or every address of the network), and
//!   nmap given the caller's raw string lists the same: nmap and the policy
//!   read the string alike.
//! - Accepted as a host name: nmap given the raw string, with no DNS and an
//!   empty `/etc/hosts`, lists nothing. If it listed an address, nmap (or
//!   libc's `inet_aton`) would read the "name" as an address the scope check
//!   never saw.
//! - Refused: nothing to check (a refusal is always safe); the test counts
//!   the single-address strings nmap would have read as an address, so the list keeps
//!   holding the forms that matter.
//!
//! - masscan: for every address or network the masscan grammar accepts
//!   too, `masscan --echo` (which prints its configuration and sends
//!   nothing) given the permit's argv names exactly the same addresses.
//!
//! Every nmap runs in its own new network and mount namespace (`unshare -n
//! -m`, as the test suite's root): `-sL` sends no packet anyway, and name
//! lookups there fail at once instead of reaching any DNS server.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use secmcp_policy::masscan::MasscanFields;
use secmcp_policy::{
    CallInput, Cidr, Policy, Scope, Target, ToolFields, ToolId, authorize, parse_target, plan,
};

/// The largest network listed (nmap's default `max_cidr_addresses`).
const MAX_LISTED: u128 = 1024;

/// Forms nmap, libc and a strict parser may read differently.
const TRICKY: &[&str] = &[
    "127.1",
    "0x7f.1",
    "0x7f.0.0.1",
    "0x7F000001",
    "2130706433",
    "017700000001",
    "010.0.0.1",
    "10.0.0.01",
    "10.0.0.010",
    "10.0.0.0x1",
    "10.0.1",
    "10.1",
    "10.0.0.1.",
    "10.0.0.1..",
    ".10.0.0.1",
    "10.0.0.256",
    "10.0.0.1 ",
    " 10.0.0.1",
    "10.0.0.1\t",
    "10.0.0.1\n",
    "\u{661}\u{660}.0.0.1",
    "\u{ff11}\u{ff10}.0.0.1",
    "10\u{3002}0\u{3002}0\u{3002}1",
    "10.0.0.1-5",
    "10.0.0.*",
    "10.0.0.1,2",
    "10.0.0.0/24",
    "10.0.0.0/024",
    "10.0.0.5/24",
    "10.0.0.0/31",
    "10.0.0.5/32",
    "10.0.0.0/8",
    "0251.0376.0251.0376",
    "169.254.169.254",
    "::1",
    "[::1]",
    "::1%lo",
    "fe80::1%lo",
    "fe80::1%1",
    "::ffff:10.0.0.5",
    "::ffff:a00:5",
    "::10.0.0.5",
    "0:0:0:0:0:ffff:10.0.0.5",
    "2001:db8::5",
    "2001:DB8::5",
    "2001:0db8:0000:0000:0000:0000:0000:0005",
    "2001:db8::/120",
    "2001:db8::5/120",
    "2001:db8::/0120",
    "[2001:db8::5]:80",
    "10.0.0.5:80",
    "1e1",
    "0",
    "0x0",
    "1.lab.internal",
    "web.lab.internal",
    "WEB.LAB.INTERNAL",
    "web.lab.internal.",
    "xn--bcher-kva.lab.internal",
    "b\u{fc}cher.lab.internal",
    "0x10.lab.internal",
    "web.lab.1",
    "localhost",
];

/// The policy: every address a parse can produce is in scope, so the
/// check is about parsing and pinning, not the operator's scope.
fn policy() -> Policy {
    Policy {
        scope: Scope::parse(
            &[
                "0.0.0.0/0",
                "::/0",
                "169.254.169.254/32",
                "fd00:ec2::254/128",
                ".internal",
                ".test",
                ".example",
                ".local",
                ".lab",
                ".com",
                ".org",
                ".net",
            ],
            &[] as &[&str],
        )
        .expect("a valid scope"),
        ..Policy::default()
    }
}

/// Candidate target strings: the tricky forms, their variants, and the
/// target lines of the fuzz corpora (seeded from the test suites).
fn candidates() -> BTreeSet<String> {
    let mut out: BTreeSet<String> = TRICKY.iter().map(|s| (*s).to_owned()).collect();
    for base in ["10.0.0.5", "127.0.0.1", "192.168.1.20"] {
        let v4: Ipv4Addr = base.parse().expect("an address");
        let o = v4.octets();
        let n = u32::from(v4);
        out.insert(n.to_string());
        out.insert(format!("{n:#x}"));
        out.insert(format!("0{n:o}"));
        out.insert(format!("{}.{}", o[0], n & 0xff_ffff));
        out.insert(format!("{}.{}.{}", o[0], o[1], n & 0xffff));
        out.insert(format!("{:#x}.{}.{}.{}", o[0], o[1], o[2], o[3]));
        out.insert(format!("0{:o}.{}.{}.{}", o[0], o[1], o[2], o[3]));
        out.insert(format!("{}.{}.{}.0{}", o[0], o[1], o[2], o[3]));
        out.insert(format!("{base}/32"));
        out.insert(format!("::ffff:{base}"));
        out.insert(format!("{base}."));
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (dir, line) in [
        ("target_scope", 0),
        ("argv_nmap", 1),
        ("argv_masscan", 1),
        ("argv_hydra", 1),
        ("argv_dig", 1),
    ] {
        let Ok(entries) = std::fs::read_dir(corpus.join(dir)) else {
            panic!(
                "the fuzz corpus {dir} is missing under {}",
                corpus.display()
            );
        };
        for e in entries.flatten() {
            let Ok(text) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            if let Some(t) = text.split('\n').nth(line)
                && !t.is_empty()
                && t.len() <= 64
            {
                out.insert(t.to_owned());
            }
        }
    }
    out
}

/// What nmap lists for `target`: each host's addresses, and whether it
/// carried a name nmap resolved.
fn nmap_list(target: &str, ipv6: bool) -> Vec<IpAddr> {
    let mut cmd = Command::new("unshare");
    cmd.args(["-n", "-m", "--", "sh", "-c"])
        .arg("mount --bind /dev/null /etc/hosts && exec nmap -sL -n -oX - \"$@\"")
        .arg("sh");
    if ipv6 {
        cmd.arg("-6");
    }
    cmd.args(["--", target]);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run unshare/nmap for {target:?}: {e}"));
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains("<nmaprun"),
        "nmap -sL {target:?} printed no XML (exit {:?}); stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    xml.split("<address addr=\"")
        .skip(1)
        .filter_map(|rest| {
            let (addr, after) = rest.split_once('"')?;
            let kind = after.split("addrtype=\"").nth(1)?.split('"').next()?;
            matches!(kind, "ipv4" | "ipv6").then(|| addr.parse().ok())?
        })
        .collect()
}

/// What `masscan --echo` (its configuration, printed without sending
/// anything) says it would scan for `argv`: every `range = ` line, expanded.
fn masscan_echo(argv: &[String]) -> Vec<IpAddr> {
    let out = Command::new("unshare")
        .args(["-n", "--", "masscan", "--echo"])
        .args(argv)
        .output()
        .unwrap_or_else(|e| panic!("cannot run unshare/masscan: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut listed = Vec::new();
    for line in text.lines() {
        let Some(r) = line.strip_prefix("range = ") else {
            continue;
        };
        let r = r.trim();
        if let Some((a, b)) = r.split_once('-')
            && let (Ok(a), Ok(b)) = (a.parse::<IpAddr>(), b.parse::<IpAddr>())
        {
            let (a, b) = (ip_u128(a), ip_u128(b));
            let v6 = r.contains(':');
            listed.extend((a..=b.min(a + MAX_LISTED)).map(|n| u128_ip(n, v6)));
        } else if let Some((a, p)) = r.split_once('/') {
            let net = a
                .parse()
                .ok()
                .zip(p.parse().ok())
                .and_then(|(a, p)| Cidr::new(a, p));
            listed.extend(net.into_iter().flat_map(|c| c.iter()));
        } else if let Ok(ip) = r.parse() {
            listed.push(ip);
        }
    }
    listed
}

fn ip_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn u128_ip(n: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::from(n.to_be_bytes())
    } else {
        IpAddr::from(Ipv4Addr::from(n as u32))
    }
}

/// The masscan permit for `s`, when the policy gives one.
fn masscan_permit(s: &str, policy: &Policy) -> Option<secmcp_policy::Permit> {
    let fields = ToolFields::Masscan(MasscanFields {
        ports: Some("80".into()),
        ..MasscanFields::default()
    });
    let input = CallInput {
        target: s,
        extra_args: "",
        timeout: Duration::from_secs(60),
        fields: &fields,
    };
    let raw = Policy {
        raw_sockets: true,
        allow_intrusive: true,
        ..policy.clone()
    };
    authorize(&raw, plan(ToolId::Masscan, &raw, &input).ok()?, &[]).ok()
}

/// The addresses the policy pinned for an accepted address or network.
fn expected(rendered: &str, pinned: &[IpAddr]) -> Option<Vec<IpAddr>> {
    if !pinned.is_empty() {
        return Some(pinned.to_vec());
    }
    match parse_target(rendered) {
        Ok(Target::Cidr(c)) if c.size() <= MAX_LISTED => Some(c.iter().collect()),
        _ => None,
    }
}

#[derive(Default)]
struct Tally {
    addresses: usize,
    names: usize,
    refused: usize,
    refused_but_nmap_reads_an_address: usize,
    masscan: usize,
    failures: Vec<String>,
}

fn check(s: &str, policy: &Policy, t: &mut Tally) {
    let input = CallInput {
        target: s,
        extra_args: "",
        timeout: Duration::from_secs(60),
        fields: &ToolFields::None,
    };
    let looks_v6 = s.contains(':');
    let planned = match plan(ToolId::Nmap, policy, &input) {
        Ok(p) => p,
        Err(_) => {
            t.refused += 1;
            // Only single-address forms: a refused network or range (10.0.0.0/8)
            // would have nmap list millions of addresses.
            let single = !s.contains(['/', '*', ',', '-']) && !s.chars().any(char::is_control);
            if single && !nmap_list(s, looks_v6).is_empty() {
                t.refused_but_nmap_reads_an_address += 1;
            }
            return;
        }
    };
    match planned.targets()[0].target() {
        Target::Host(h) => {
            t.names += 1;
            let listed = nmap_list(s, false);
            if !listed.is_empty() {
                t.failures.push(format!(
                    "{s:?}: the policy takes it for the host name {h}, but nmap reads it as {listed:?}"
                ));
            }
        }
        Target::Ip(_) | Target::Cidr(_) => {
            let permit = match authorize(policy, planned, &[]) {
                Ok(p) => p,
                Err(_) => {
                    t.refused += 1;
                    return;
                }
            };
            t.addresses += 1;
            let at = permit.target();
            let Some(want) = expected(&at.rendered, &at.pinned) else {
                return;
            };
            let argv = permit.argv();
            assert_eq!(
                argv.last(),
                Some(&at.rendered),
                "the target is nmap's last argument"
            );
            let ipv6 = argv.iter().any(|a| a == "-6");
            let got = nmap_list(&at.rendered, ipv6);
            if got != want {
                t.failures.push(format!(
                    "{s:?}: the policy pinned {want:?} (rendered {:?}), nmap lists {got:?}",
                    at.rendered
                ));
            }
            // The raw string as nmap reads it (IPv6 syntax needs -6 there; an
            // IPv4-mapped address is the IPv4 address the policy pins).
            let raw: Vec<IpAddr> = nmap_list(s, looks_v6)
                .into_iter()
                .map(|ip| ip.to_canonical())
                .collect();
            if raw != want {
                t.failures.push(format!(
                    "{s:?}: the policy reads {want:?}, nmap reads the same string as {raw:?}"
                ));
            }
            // masscan, given its permit's argv, would scan exactly the same.
            if let Some(m) = masscan_permit(s, policy) {
                t.masscan += 1;
                let echoed = masscan_echo(m.argv());
                if echoed != want {
                    t.failures.push(format!(
                        "{s:?}: the policy pinned {want:?}, masscan --echo {:?} scans {echoed:?}",
                        m.argv()
                    ));
                }
            }
        }
    }
}

#[test]
fn nmap_lists_exactly_what_the_policy_pinned() {
    let list: Vec<String> = candidates().into_iter().collect();
    let policy = policy();
    let workers = 4;
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let list = &list;
                let policy = &policy;
                scope.spawn(move || {
                    let mut t = Tally::default();
                    for s in list.iter().skip(w).step_by(workers) {
                        check(s, policy, &mut t);
                    }
                    t
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker"))
            .collect()
    });
    let sum = |f: fn(&Tally) -> usize| tallies.iter().map(f).sum::<usize>();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    eprintln!(
        "{} candidates: {} addresses/networks and {} names accepted, {} refused ({} of them nmap reads as an address); {} checked with masscan --echo",
        list.len(),
        sum(|t| t.addresses),
        sum(|t| t.names),
        sum(|t| t.refused),
        sum(|t| t.refused_but_nmap_reads_an_address),
        sum(|t| t.masscan)
    );
    assert!(
        failures.is_empty(),
        "policy and nmap disagree:\n{failures:#?}"
    );
    // The list must keep exercising both sides.
    assert!(sum(|t| t.addresses) >= 20 && sum(|t| t.names) >= 10);
    assert!(sum(|t| t.refused_but_nmap_reads_an_address) >= 10);
    assert!(sum(|t| t.masscan) >= 20);
}
