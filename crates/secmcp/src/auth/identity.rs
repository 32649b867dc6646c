//! [`Identity`]: who made a request.

use std::sync::{Arc, OnceLock};

/// How the caller was identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitySource {
    /// A configured API key (`auth.api_keys`), sent as `Authorization: Bearer`.
    ApiKey,
    /// An OAuth 2.1 access token (a JWT from `auth.oauth.issuer`); the name
    /// is its `sub`.
    OAuth,
    /// The local OS user running the stdio client (the server's own user).
    OsUser,
    /// No authentication is configured: an HTTP client on a loopback listener.
    Anonymous,
}

impl IdentitySource {
    /// The source as a short word (logs).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiKey => "api_key",
            Self::OAuth => "oauth",
            Self::OsUser => "os_user",
            Self::Anonymous => "anonymous",
        }
    }
}

/// Who made a request: a configured key's `name`, the OS user's name, or
/// `anonymous`. `role` names an `auth.roles` entry, or is `None` when only
/// the server's own policy applies. Cheap to clone. Never holds the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The key's configured name, the OS user name, or `anonymous`.
    pub name: Arc<str>,
    /// The `auth.roles` entry that narrows what this caller may do.
    pub role: Option<Arc<str>>,
    /// How the caller was identified.
    pub source: IdentitySource,
}

impl Identity {
    /// Who owns what this caller makes (runs, tasks): `source:name`, e.g.
    /// `api_key:alice`. Stable across requests and sessions.
    pub fn owner_key(&self) -> String {
        format!("{}:{}", self.source.as_str(), self.name)
    }

    /// Whether the caller proved who it is (an API key or a token): with
    /// authentication, stored runs and tasks are per identity.
    pub fn is_authenticated(&self) -> bool {
        matches!(self.source, IdentitySource::ApiKey | IdentitySource::OAuth)
    }

    /// An unauthenticated HTTP caller (authentication not configured).
    pub fn anonymous() -> Self {
        Self {
            name: "anonymous".into(),
            role: None,
            source: IdentitySource::Anonymous,
        }
    }

    /// The local OS user this process runs as (the stdio client is the
    /// process that started us, under the same user), with `role`.
    /// The user database is read once per process.
    pub fn os_user(role: Option<&str>) -> Self {
        static NAME: OnceLock<Arc<str>> = OnceLock::new();
        let name = NAME.get_or_init(|| {
            let uid = nix::unistd::getuid();
            match nix::unistd::User::from_uid(uid) {
                Ok(Some(u)) => u.name.into(),
                _ => format!("uid:{uid}").into(),
            }
        });
        Self {
            name: name.clone(),
            role: role.map(Into::into),
            source: IdentitySource::OsUser,
        }
    }

    /// The role as a metric label and log field (`none` without a role).
    pub fn role_label(&self) -> &str {
        self.role.as_deref().unwrap_or("none")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_user_has_a_name() {
        let me = Identity::os_user(Some("ops"));
        assert!(!me.name.is_empty());
        assert_eq!(me.role_label(), "ops");
        assert_eq!(me.source, IdentitySource::OsUser);
        assert_eq!(Identity::anonymous().role_label(), "none");
    }
}
