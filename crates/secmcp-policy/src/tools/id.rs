//! [`ToolId`]: the tools the policy core knows, by name.
//!
//! Must not: know anything about a tool beyond its name (its descriptor,
//! [`crate::ToolGrammar`], holds the rest).

/// The tools the policy core knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolId {
    /// nmap
    Nmap,
    /// masscan
    Masscan,
    /// gobuster
    Gobuster,
    /// hydra
    Hydra,
    /// sqlmap
    Sqlmap,
    /// dig
    Dig,
}

impl ToolId {
    /// Every tool, in registry order.
    pub const ALL: [ToolId; 6] = [
        ToolId::Nmap,
        ToolId::Masscan,
        ToolId::Gobuster,
        ToolId::Hydra,
        ToolId::Sqlmap,
        ToolId::Dig,
    ];

    /// The tool's wire name (also its binary's usual name).
    pub fn as_str(self) -> &'static str {
        match self {
            ToolId::Nmap => "nmap",
            ToolId::Masscan => "masscan",
            ToolId::Gobuster => "gobuster",
            ToolId::Hydra => "hydra",
            ToolId::Sqlmap => "sqlmap",
            ToolId::Dig => "dig",
        }
    }
}
