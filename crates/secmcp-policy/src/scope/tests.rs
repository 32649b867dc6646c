use super::*;

fn scope(allow: &[&str], deny: &[&str]) -> Scope {
    Scope::parse(allow, deny).unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn host(s: &str) -> Hostname {
    Hostname::parse(s).unwrap()
}

fn cidr(s: &str) -> Cidr {
    let (a, p) = s.split_once('/').unwrap();
    crate::address::parse_cidr(a, p).unwrap()
}

#[track_caller]
fn denied_ip(s: &Scope, addr: &str) -> String {
    s.check_ip(ip(addr)).expect_err(addr).message
}

#[test]
fn default_scope_allows_rfc1918_and_lab_suffix() {
    let s = Scope::default();
    assert!(s.check_ip(ip("10.0.0.5")).is_ok());
    assert!(s.check_ip(ip("172.20.1.1")).is_ok());
    assert!(s.check_ip(ip("192.168.1.1")).is_ok());
    assert!(
        s.check_host(&host("web.lab.internal"), &[ip("10.0.0.5")])
            .is_ok()
    );
    assert_eq!(
        denied_ip(&s, "8.8.8.8"),
        "8.8.8.8 is not in security.allowed_targets (RFC1918, .lab.internal)"
    );
    assert!(s.check_ip(ip("127.0.0.1")).is_err());
}

#[test]
fn not_allowed_message_names_address_and_list() {
    let s = scope(&["10.0.1.0/24", ".lab.internal"], &[]);
    assert_eq!(
        denied_ip(&s, "10.0.0.5"),
        "10.0.0.5 is not in security.allowed_targets (10.0.1.0/24, .lab.internal)"
    );
}

#[test]
fn empty_allow_list_denies_everything() {
    let s = scope(&[], &[]);
    for a in ["10.0.0.1", "127.0.0.1", "::1", "8.8.8.8"] {
        assert!(
            denied_ip(&s, a).contains("security.allowed_targets is empty"),
            "{a}"
        );
    }
    let err = s
        .check_host(&host("web.lab.internal"), &[ip("10.0.0.1")])
        .unwrap_err();
    assert!(err.message.contains("is empty"), "{}", err.message);
}

#[test]
fn deny_wins_over_allow() {
    let s = scope(
        &["RFC1918", "loopback", ".lab.internal"],
        &["10.0.0.0/24", "loopback", ".db.lab.internal"],
    );
    assert_eq!(
        denied_ip(&s, "10.0.0.9"),
        "10.0.0.9 is in security.denied_targets (10.0.0.0/24)"
    );
    assert!(s.check_ip(ip("10.0.1.9")).is_ok());
    assert!(denied_ip(&s, "127.0.0.1").contains("denied_targets (loopback)"));
    assert!(denied_ip(&s, "::1").contains("denied_targets (loopback)"));
    let err = s
        .check_host(&host("pg.db.lab.internal"), &[ip("10.0.1.1")])
        .unwrap_err();
    assert_eq!(
        err.message,
        "pg.db.lab.internal is in security.denied_targets (.db.lab.internal)"
    );
    let err = s
        .check_host(&host("web.lab.internal"), &[ip("10.0.0.7")])
        .unwrap_err();
    assert!(
        err.message
            .contains("10.0.0.7 is in security.denied_targets (10.0.0.0/24)"),
        "{}",
        err.message
    );
}

#[test]
fn deny_wins_even_for_metadata_named_by_cidr() {
    let s = scope(&["169.254.169.254"], &["169.254.0.0/16"]);
    assert!(denied_ip(&s, "169.254.169.254").contains("denied_targets"));
}

#[test]
fn loopback_entry() {
    let s = scope(&["loopback"], &[]);
    for a in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
        assert!(s.check_ip(ip(a)).is_ok(), "{a}");
    }
    assert!(s.check_ip(ip("10.0.0.1")).is_err());
}

#[test]
fn rfc1918_is_ipv4_only() {
    let s = scope(&["RFC1918"], &[]);
    assert!(s.check_ip(ip("fd00::1")).is_err());
    assert!(
        s.check_ip(ip("::a00:1")).is_err(),
        "IPv4-compatible is not mapped"
    );
}

#[test]
fn mapped_ipv6_is_judged_as_its_ipv4() {
    let s = scope(&["RFC1918", "::/0"], &["10.9.0.0/16"]);
    assert!(s.check_ip(ip("::ffff:10.0.0.1")).is_ok());
    assert!(denied_ip(&s, "::ffff:10.9.0.1").contains("denied_targets (10.9.0.0/16)"));
    // ::/0 must not smuggle in IPv4 addresses through their mapped form.
    let msg = denied_ip(&s, "::ffff:8.8.8.8");
    assert!(
        msg.starts_with("::ffff:8.8.8.8 is not in security.allowed_targets"),
        "{msg}"
    );
    assert!(s.check_ip(ip("2001:db8::1")).is_ok());
    // Mapped spellings of IPv4 networks are refused as entries: written as
    // an allow entry, ::ffff:0:0/96 would be all of IPv4.
    for list in [&["::ffff:0:0/96"][..], &["::ffff:10.0.0.0/104"][..]] {
        let e = Scope::parse(list, &[]).unwrap_err().to_string();
        assert!(e.contains("IPv4-mapped"), "{e}");
        let e = Scope::parse(&["RFC1918"], list).unwrap_err().to_string();
        assert!(e.contains("IPv4-mapped"), "{e}");
    }
}

#[test]
fn metadata_needs_a_cidr_naming_it() {
    let msg = "169.254.169.254 is the cloud metadata address; it is denied unless a CIDR in security.allowed_targets names it (the address, or a network of /16 or narrower)";
    let s = scope(&["RFC1918", "loopback"], &[]);
    assert_eq!(denied_ip(&s, "169.254.169.254"), msg);
    assert!(denied_ip(&s, "::ffff:169.254.169.254").contains("cloud metadata"));
    assert!(denied_ip(&s, "fd00:ec2::254").contains("cloud metadata"));
    let named = scope(&["169.254.169.254"], &[]);
    assert!(named.check_ip(ip("169.254.169.254")).is_ok());
    assert!(named.check_ip(ip("::ffff:169.254.169.254")).is_ok());
    let link_local = scope(&["169.254.0.0/16", "fd00:ec2::/64"], &[]);
    assert!(link_local.check_ip(ip("169.254.169.254")).is_ok());
    // A network that only happens to contain it does not name it.
    for wide in ["128.0.0.0/1", "169.0.0.0/8", "fc00::/7"] {
        let s = scope(&[wide], &[]);
        assert!(
            denied_ip(&s, "169.254.169.254").contains("cloud metadata")
                || denied_ip(&s, "fd00:ec2::254").contains("cloud metadata"),
            "{wide}"
        );
    }
    assert!(link_local.check_ip(ip("fd00:ec2::254")).is_ok());
}

#[test]
fn always_denied_addresses() {
    let s = scope(&["0.0.0.0/0", "::/0"], &[]);
    for (a, needle) in [
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("255.255.255.255", "broadcast"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
    ] {
        let m = denied_ip(&s, a);
        assert!(
            m.contains(needle) && m.contains("always denied"),
            "{a}: {m}"
        );
    }
    assert!(s.check_ip(ip("8.8.8.8")).is_ok());
}

#[test]
fn suffix_matches_on_dot_boundary_case_insensitively() {
    let s = scope(&["RFC1918", ".Lab.Internal"], &[]);
    let addrs = [ip("10.0.0.1")];
    for n in ["web.lab.internal", "A.B.LAB.INTERNAL"] {
        assert!(s.check_host(&host(n), &addrs).is_ok(), "{n}");
    }
    for n in [
        // A suffix covers the names below it, not the apex.
        "lab.internal",
        "evillab.internal",
        "lab.internal.evil.com",
        "internal",
        "lab.internalx",
    ] {
        let m = s.check_host(&host(n), &addrs).unwrap_err().message;
        assert!(m.contains("is not in security.allowed_targets"), "{n}: {m}");
    }
}

#[test]
fn host_needs_every_resolved_address_in_scope() {
    let s = Scope::default();
    let h = host("web.lab.internal");
    let m = s
        .check_host(&h, &[ip("10.0.0.1"), ip("8.8.8.8")])
        .unwrap_err()
        .message;
    assert_eq!(
        m,
        "web.lab.internal resolves to 8.8.8.8, which is not in scope: 8.8.8.8 is not in security.allowed_targets (RFC1918, .lab.internal)"
    );
    let m = s.check_host(&h, &[]).unwrap_err().message;
    assert_eq!(
        m,
        "web.lab.internal did not resolve to any address, so it cannot be checked"
    );
    let m = s
        .check_host(&h, &[ip("169.254.169.254")])
        .unwrap_err()
        .message;
    assert!(m.contains("cloud metadata"), "{m}");
}

#[test]
fn host_name_needs_suffix_even_if_address_allowed() {
    let s = scope(&["RFC1918"], &[]);
    let m = s
        .check_host(&host("web.lab.internal"), &[ip("10.0.0.1")])
        .unwrap_err()
        .message;
    assert_eq!(
        m,
        "web.lab.internal is not in security.allowed_targets (RFC1918)"
    );
}

#[test]
fn host_addresses_need_an_address_entry() {
    let s = scope(&[".lab.internal"], &[]);
    let m = s
        .check_host(&host("web.lab.internal"), &[ip("10.0.0.1")])
        .unwrap_err()
        .message;
    assert!(
        m.contains("resolves to 10.0.0.1, which is not in scope"),
        "{m}"
    );
}

#[test]
fn cidr_needs_every_address() {
    let s = scope(&["10.0.0.0/25"], &["10.0.0.64/32"]);
    assert!(s.check_cidr(&cidr("10.0.0.0/26")).is_ok());
    let m = s.check_cidr(&cidr("10.0.0.0/24")).unwrap_err().message;
    assert_eq!(
        m,
        "10.0.0.0/24 is not entirely in scope: 10.0.0.64 is in security.denied_targets (10.0.0.64/32)"
    );
    let m = s.check_cidr(&cidr("10.0.0.128/26")).unwrap_err().message;
    assert!(
        m.contains("10.0.0.128 is not in security.allowed_targets"),
        "{m}"
    );
    let m = Scope::default()
        .check_cidr(&cidr("169.254.169.0/24"))
        .unwrap_err()
        .message;
    assert!(m.contains("169.254.169.0 is not in"), "{m}");
    let meta = scope(&["RFC1918", "169.254.169.0/24"], &[]);
    assert!(meta.check_cidr(&cidr("169.254.169.252/30")).is_ok());
}

#[test]
fn check_dispatches_on_target_kind() {
    let s = Scope::default();
    assert!(s.check(&Target::Ip(ip("10.0.0.1")), &[]).is_ok());
    assert!(s.check(&Target::Cidr(cidr("10.0.0.0/30")), &[]).is_ok());
    assert!(
        s.check(&Target::Host(host("a.lab.internal")), &[ip("10.0.0.1")])
            .is_ok()
    );
    assert!(s.check(&Target::Host(host("a.lab.internal")), &[]).is_err());
}

#[test]
fn apex_needs_a_name_entry_and_deny_suffix_covers_the_apex() {
    let addrs = [ip("10.0.0.1")];
    let s = scope(&["RFC1918", ".lab.internal", "lab.internal"], &[]);
    assert!(s.check_host(&host("lab.internal"), &addrs).is_ok());
    assert!(s.check_host(&host("web.lab.internal"), &addrs).is_ok());
    let exact = scope(&["RFC1918", "db.lab.internal"], &[]);
    assert!(exact.check_host(&host("db.lab.internal"), &addrs).is_ok());
    let m = exact
        .check_host(&host("x.db.lab.internal"), &addrs)
        .unwrap_err()
        .message;
    assert!(m.contains("is not in security.allowed_targets"), "{m}");
    let d = scope(
        &["RFC1918", ".lab.internal", "lab.internal"],
        &[".db.lab.internal"],
    );
    for n in ["db.lab.internal", "pg.db.lab.internal"] {
        let m = d.check_host(&host(n), &addrs).unwrap_err().message;
        assert!(m.contains("is in security.denied_targets"), "{n}: {m}");
    }
}

#[test]
fn allow_covers_only_entries_inside_the_scope() {
    let server = scope(
        &["RFC1918", ".lab.internal", "db.corp", "127.0.0.0/8", "::1"],
        &[],
    );
    let entry = |s: &str| s.parse::<ScopeEntry>().unwrap();
    for inside in [
        "10.1.0.0/16",
        "192.168.77.5",
        "RFC1918",
        "loopback",
        "127.0.0.1",
        ".lab.internal",
        ".a.lab.internal",
        "web.lab.internal",
        "db.corp",
    ] {
        assert!(server.allow_covers(&entry(inside)), "{inside}");
    }
    for outside in [
        "8.8.8.0/24",
        "10.0.0.0/7",
        "0.0.0.0/0",
        ".internal",
        ".xlab.internal",
        "other.corp",
        ".db.corp",
        "2001:db8::/64",
        // Names the metadata address, which the server does not name.
        "169.254.169.254",
    ] {
        assert!(!server.allow_covers(&entry(outside)), "{outside}");
    }
    // A server that names the metadata address lets a role name it too.
    let meta = scope(&["169.254.0.0/16"], &[]);
    assert!(meta.allow_covers(&entry("169.254.169.254")));
}

#[test]
fn a_labelled_scope_names_its_own_keys() {
    let s = scope(&["10.0.0.0/24"], &["10.0.0.9"]).labelled(
        "auth.roles.dns.allowed_targets",
        "auth.roles.dns.denied_targets",
    );
    let m = s.check_ip(ip("10.0.1.1")).unwrap_err().message;
    assert!(m.contains("auth.roles.dns.allowed_targets"), "{m}");
    let m = s.check_ip(ip("10.0.0.9")).unwrap_err().message;
    assert!(m.contains("auth.roles.dns.denied_targets"), "{m}");
}
