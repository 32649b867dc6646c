//! Who may read which stored run. Without authentication (stdio, or HTTP on
//! loopback without keys) there is one operator and every run is theirs.
//! With authentication a caller reads the runs it made (its identity is kept
//! with each run) — refused calls and dry runs included — unless its role is
//! allowed to see every run (`auth.roles.<name>.see_all_runs`). Anything
//! else reads as absent.

/// The runs a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Every run.
    All,
    /// Only runs whose owner (`source:name`) is this.
    Owner(String),
}

impl Access {
    /// Whether a run made by `owner` is readable.
    pub fn allows(&self, owner: &str) -> bool {
        match self {
            Self::All => true,
            Self::Owner(me) => me == owner,
        }
    }

    /// The owner a listing must be narrowed to, if any.
    pub fn owner(&self) -> Option<String> {
        match self {
            Self::All => None,
            Self::Owner(me) => Some(me.clone()),
        }
    }
}
