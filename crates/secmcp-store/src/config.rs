//! Which database, and how to reach it. Nothing here reads the environment or
//! files: the server's config layer builds a [`StoreConfig`].

use std::path::PathBuf;
use std::time::Duration;

/// The database the runs go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (WAL, synchronous=NORMAL), created if missing.
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// A PostgreSQL server.
    Postgres {
        /// `postgresql://user:password@host:port/db?...` (never printed unredacted).
        url: String,
        /// Connections kept open.
        pool_size: u32,
        /// Connections opened beyond `pool_size` under load, closed when idle.
        max_overflow: u32,
    },
}

/// How the store opens and how long it waits.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Where the runs go.
    pub backend: Backend,
    /// The longest a single store operation may take before it is reported as
    /// failed (a call never waits longer than this for its record).
    pub op_timeout: Duration,
    /// How long to wait for a connection from the pool.
    pub acquire_timeout: Duration,
    /// PostgreSQL: close and replace a connection this old (`None`: never).
    pub max_lifetime: Option<Duration>,
}

impl Backend {
    /// `sqlite` or `postgresql`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgresql",
        }
    }

    /// The file or the URL, with credentials redacted: safe to print.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Self::Sqlite { path } => path.display().to_string(),
            Self::Postgres { url, .. } => redact_url(url),
        }
    }
}

/// Redacts credentials in any text that may hold a database URL: the password
/// of `scheme://user:password@host` and `password=` parameters become `***`.
#[must_use]
pub fn redact_url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#' or whitespace.
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    redact_password_params(&out)
}

fn redact_password_params(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut from = 0;
    while let Some(pos) = lower[from..].find("password=") {
        let start = from + pos + "password=".len();
        let end = text[start..]
            .find(|c: char| c == '&' || c == '#' || c.is_whitespace() || c == '\'' || c == '"')
            .map_or(text.len(), |e| start + e);
        out.push_str(&text[last..start]);
        out.push_str("***");
        last = end;
        from = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn urls_lose_their_passwords() {
        for (input, want) in [
            (
                "postgresql://u:s3cret@db:5432/x",
                "postgresql://u:***@db:5432/x",
            ),
            ("postgresql://u@db/x", "postgresql://u@db/x"),
            ("postgresql://db/x", "postgresql://db/x"),
            (
                "error connecting to postgres://a:b@h/x?sslmode=require: refused",
                "error connecting to postgres://a:***@h/x?sslmode=require: refused",
            ),
            (
                "postgresql://h/x?user=u&password=p4ss&x=1",
                "postgresql://h/x?user=u&password=***&x=1",
            ),
            ("postgresql://u:p@ss@h/x", "postgresql://u:***@h/x"),
            ("no url here", "no url here"),
        ] {
            let got = redact_url(input);
            assert_eq!(got, want, "{input}");
            assert!(!got.contains("s3cret") && !got.contains("p4ss"));
        }
    }
}
