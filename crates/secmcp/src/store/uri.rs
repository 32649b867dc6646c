//! Resource URIs of stored runs.

/// A run's structured result (JSON).
pub const RUN_TEMPLATE: &str = "secmcp://runs/{id}";
/// A run's raw tool output.
pub const RUN_RAW_TEMPLATE: &str = "secmcp://runs/{id}/raw";
/// One page of a run's structured result (pages fit the result budget).
pub const RUN_PAGE_TEMPLATE: &str = "secmcp://runs/{id}/page/{n}";

const PREFIX: &str = "secmcp://runs/";

/// Which part of a run a URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunUri {
    /// `secmcp://runs/{id}`
    Record(String),
    /// `secmcp://runs/{id}/raw`
    Raw(String),
    /// `secmcp://runs/{id}/page/{n}`, n from 1
    Page(String, usize),
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
    let (id, which) = match rest.split_once('/') {
        None => (rest, None),
        Some((id, "raw")) => (id, Some(None)),
        Some((id, page)) => {
            let n = page.strip_prefix("page/")?;
            if n.is_empty() || n.len() > 6 || !n.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (id, Some(Some(n.parse().ok()?)))
        }
    };
    if id.is_empty() || id.len() > 64 {
        return None;
    }
    Some(match which {
        None => RunUri::Record(id.to_owned()),
        Some(None) => RunUri::Raw(id.to_owned()),
        Some(Some(n)) => RunUri::Page(id.to_owned(), n),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_uris_parse_and_everything_else_is_refused() {
        let id = "0190a3b4-1c2d-7e8f-9a0b-1c2d3e4f5a6b";
        assert_eq!(parse_run_uri(&run_uri(id)), Some(RunUri::Record(id.into())));
        assert_eq!(parse_run_uri(&raw_uri(id)), Some(RunUri::Raw(id.into())));
        assert_eq!(
            parse_run_uri(&format!("{PREFIX}{id}/page/12")),
            Some(RunUri::Page(id.into(), 12))
        );
        for bad in [
            "secmcp://runs/",
            "secmcp://health",
            "secmcp://runs/x/page/",
            "secmcp://runs/x/page/-1",
            "secmcp://runs/x/page/1/2",
            "secmcp://runs/x/page/9999999",
            "secmcp://runs/x/raw/1",
            "secmcp://runs/x/other",
            "secmcp://runs//raw",
        ] {
            assert_eq!(parse_run_uri(bad), None, "{bad}");
        }
    }
}
