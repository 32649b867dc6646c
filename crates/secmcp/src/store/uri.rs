//! Resource URIs of stored runs.

/// A run's structured result (JSON).
pub const RUN_TEMPLATE: &str = "secmcp://runs/{id}";
/// A run's raw tool output.
pub const RUN_RAW_TEMPLATE: &str = "secmcp://runs/{id}/raw";

const PREFIX: &str = "secmcp://runs/";

/// Which part of a run a URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunUri {
    /// `secmcp://runs/{id}`
    Record(String),
    /// `secmcp://runs/{id}/raw`
    Raw(String),
}

/// The URI of a run's record.
pub fn run_uri(id: &str) -> String {
    format!("{PREFIX}{id}")
}

/// The URI of a run's raw output.
pub fn raw_uri(id: &str) -> String {
    format!("{PREFIX}{id}/raw")
}

/// Parses a run URI; `None` for anything else (the caller answers "resource
/// not found"). The id is not checked here: the store finds no run for an id
/// it did not make.
pub fn parse_run_uri(uri: &str) -> Option<RunUri> {
    let rest = uri.strip_prefix(PREFIX)?;
    let (id, raw) = match rest.strip_suffix("/raw") {
        Some(id) => (id, true),
        None => (rest, false),
    };
    if id.is_empty() || id.len() > 64 || id.contains('/') {
        return None;
    }
    Some(if raw {
        RunUri::Raw(id.to_owned())
    } else {
        RunUri::Record(id.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_uris() {
        assert_eq!(
            parse_run_uri(&run_uri("abc")),
            Some(RunUri::Record("abc".into()))
        );
        assert_eq!(
            parse_run_uri(&raw_uri("abc")),
            Some(RunUri::Raw("abc".into()))
        );
        for bad in [
            "secmcp://runs/",
            "secmcp://runs//raw",
            "secmcp://runs/a/b",
            "secmcp://health",
            "x",
        ] {
            assert_eq!(parse_run_uri(bad), None, "{bad}");
        }
    }
}
