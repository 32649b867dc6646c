//! Raw-socket privilege detection (`-sS`, `-sU`, `-O`, masscan need it).
//!
//! The server has the privilege when its effective capability set holds
//! CAP_NET_RAW (true for an unconfined root). Tools inherit it from the server.

/// CAP_NET_RAW's bit in the capability sets.
const CAP_NET_RAW: u32 = 13;

/// Whether this process can open raw sockets.
pub fn has_raw_sockets() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| cap_eff(&status))
        .is_some_and(|caps| caps & (1 << CAP_NET_RAW) != 0)
}

fn cap_eff(status: &str) -> Option<u64> {
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    u64::from_str_radix(hex.trim(), 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_effective_set() {
        let root = "Name:\tx\nCapEff:\t000001ffffffffff\n";
        assert_eq!(cap_eff(root), Some(0x1ff_ffff_ffff));
        assert!(cap_eff(root).unwrap() & (1 << CAP_NET_RAW) != 0);
        let user = "CapEff:\t0000000000000000\n";
        assert_eq!(cap_eff(user), Some(0));
        assert_eq!(cap_eff("nothing"), None);
    }
}
