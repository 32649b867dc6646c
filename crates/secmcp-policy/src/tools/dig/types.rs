//! dig's public types: its limits, its typed input fields and its plan
//! (query, record type, class, `+options`).
//!
//! Must not: parse a call (`grammar.rs`) or render argv (`render.rs`).

use std::fmt;
use std::net::IpAddr;

use crate::grammar_util::parse_decimal;

/// The input field of the typed DNS server.
pub const FIELD_SERVER: &str = "server";
/// The input field of the typed record type.
pub const FIELD_QUERY_TYPE: &str = "query_type";
/// The input field of the typed record class.
pub const FIELD_QUERY_CLASS: &str = "query_class";

/// dig's limits (`tools.dig` in the server config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigLimits {
    /// The DNS server used when a call names none (it is still scope-checked).
    /// `None`: every call must name an in-scope server.
    pub default_server: Option<IpAddr>,
    /// The query name (or reverse address) must be inside the scope too.
    pub query_names_in_scope: bool,
}

impl Default for DigLimits {
    fn default() -> Self {
        Self {
            default_server: None,
            query_names_in_scope: true,
        }
    }
}

/// dig's typed input fields beyond `target` and `extra_args`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigFields {
    /// Record type (`A`, `MX`, `AXFR`, `IXFR=serial`, ...).
    pub query_type: Option<String>,
    /// Record class (`IN`, `CH`).
    pub query_class: Option<String>,
    /// The DNS server: an IP address or host name.
    pub server: Option<String>,
}

/// Record types a caller may ask for (zone transfers are separate).
pub const RECORD_TYPES: &[&str] = &[
    "A",
    "AAAA",
    "ANY",
    "CAA",
    "CNAME",
    "DNSKEY",
    "DS",
    "HINFO",
    "HTTPS",
    "MX",
    "NAPTR",
    "NS",
    "NSEC",
    "NSEC3PARAM",
    "PTR",
    "RRSIG",
    "SOA",
    "SRV",
    "SSHFP",
    "SVCB",
    "TLSA",
    "TXT",
];

/// A record type to query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// One of [`RECORD_TYPES`].
    Plain(&'static str),
    /// A full zone transfer (intrusive).
    Axfr,
    /// An incremental zone transfer from this serial (intrusive).
    Ixfr(u32),
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordType::Plain(t) => f.write_str(t),
            RecordType::Axfr => f.write_str("AXFR"),
            RecordType::Ixfr(serial) => write!(f, "IXFR={serial}"),
        }
    }
}

impl RecordType {
    /// Whether it asks for a zone transfer (AXFR, IXFR), which is intrusive.
    pub fn is_zone_transfer(self) -> bool {
        matches!(self, RecordType::Axfr | RecordType::Ixfr(_))
    }

    /// Parses a type word, case-insensitively. `None`: not a known type.
    pub(crate) fn parse(word: &str) -> Option<Self> {
        let up = word.to_ascii_uppercase();
        if up == "AXFR" {
            return Some(RecordType::Axfr);
        }
        if up == "IXFR" {
            return Some(RecordType::Ixfr(0));
        }
        if let Some(serial) = up.strip_prefix("IXFR=") {
            return parse_decimal(serial, 10)
                .and_then(|n| u32::try_from(n).ok())
                .map(RecordType::Ixfr);
        }
        RECORD_TYPES
            .iter()
            .find(|t| **t == up)
            .map(|t| RecordType::Plain(t))
    }
}

/// A DNS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsClass {
    /// Internet.
    In,
    /// Chaos (server identity: `version.bind`, `id.server`, ...).
    Ch,
}

impl DnsClass {
    pub(crate) fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_uppercase().as_str() {
            "IN" => Some(DnsClass::In),
            "CH" | "CHAOS" => Some(DnsClass::Ch),
            _ => None,
        }
    }

    /// dig's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DnsClass::In => "IN",
            DnsClass::Ch => "CH",
        }
    }
}

/// What is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    /// A name (normalized: lower-case, no trailing dot).
    Name(String),
    /// `-x ADDR`: the PTR record of an address.
    Reverse(IpAddr),
}

/// A `+option` dig may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlusOpt {
    /// A switch such as `+tcp` or `+norecurse` (the exact spelling).
    Switch(&'static str),
    /// `+name=N` with a checked number.
    Number(&'static str, u32),
}

impl fmt::Display for PlusOpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlusOpt::Switch(s) => write!(f, "+{s}"),
            PlusOpt::Number(s, n) => write!(f, "+{s}={n}"),
        }
    }
}

/// A validated dig invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigPlan {
    pub(crate) query: Query,
    pub(crate) rtype: RecordType,
    pub(crate) class: DnsClass,
    pub(crate) port: Option<u16>,
    pub(crate) options: Vec<PlusOpt>,
}

impl DigPlan {
    /// What is looked up.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The record type (PTR for a reverse lookup).
    pub fn record_type(&self) -> RecordType {
        self.rtype
    }

    /// The class.
    pub fn class(&self) -> DnsClass {
        self.class
    }

    /// The `+options` in the order given.
    pub fn options(&self) -> &[PlusOpt] {
        &self.options
    }
}
