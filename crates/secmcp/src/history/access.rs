//! Who may read which stored run. A run does not record its owner yet, so
//! reads follow the rule of the calls that made it: a caller without a role
//! (the server's whole policy) reads every run; a caller held to a role reads
//! a run only when that role could have made the call: the tool is offered
//! to it and every address the run was pinned to (or, for a refused call, the
//! target as given) is inside the role's scope. Anything else reads as absent.

use std::net::IpAddr;
use std::sync::Arc;

use secmcp_policy::{Cidr, Target};

use crate::config::{Availability, Settings};

/// The runs a caller may read.
#[derive(Clone)]
pub enum Access {
    /// Every run (no role).
    All,
    /// Runs the role's view of the settings could have made.
    Role(Arc<Settings>),
}

impl Access {
    /// Whether a run of `tool` on `target`, pinned to `pinned`, is readable.
    pub fn allows(&self, tool: &str, target: &str, pinned: &[String]) -> bool {
        let Self::Role(view) = self else {
            return true;
        };
        let offered = crate::tools::find(tool)
            .is_some_and(|t| view.availability(t.id()) == Availability::Offered);
        if !offered {
            return false;
        }
        let scope = &view.policy.scope;
        if pinned.is_empty() {
            return match secmcp_policy::parse_target(target) {
                Ok(Target::Ip(ip)) => scope.check_ip(ip).is_ok(),
                Ok(Target::Cidr(c)) => scope.check_cidr(&c).is_ok(),
                Ok(Target::Host(h)) => scope.check_name(&h).is_ok(),
                Err(_) => false,
            };
        }
        pinned.iter().all(|p| match p.split_once('/') {
            Some((a, len)) => match (a.parse::<IpAddr>(), len.parse::<u8>()) {
                (Ok(a), Ok(len)) => Cidr::new(a, len).is_some_and(|c| scope.check_cidr(&c).is_ok()),
                _ => false,
            },
            // An address, or a name the tool was given as such (dig's query).
            None => match p.parse::<IpAddr>() {
                Ok(ip) => scope.check_ip(ip).is_ok(),
                Err(_) => {
                    secmcp_policy::Hostname::parse(p).is_ok_and(|h| scope.check_name(&h).is_ok())
                }
            },
        })
    }
}
