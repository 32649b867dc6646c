//! Who is calling, and what their role lets them do.
//!
//! - `identity`: [`Identity`] (name, role, source), the one type the rest of
//!   the server sees for "who asked": the HTTP layer puts it in the request's
//!   extensions, the stdio transport makes it from the local OS user, and the
//!   service hands it to the dispatch layer with each call.
//! - `keys`: API keys: generating one (`secmcp auth new-key`), its SHA-256
//!   digest, and checking a presented key against the configured digests in
//!   constant time.
//! - `config`: the `auth` section (`api_keys`, `roles`, `stdio_role`, the
//!   failed-attempt limit) and its validation into [`AuthSettings`].
//! - `oauth`: `auth.oauth`, access tokens (JWTs) from one OAuth 2.1 issuer
//!   checked against its keys (handed in), scopes mapped to roles, and the
//!   RFC 9728 metadata document.
//!
//! Must not: do I/O besides reading OS randomness and the user database
//! (the HTTP layer fetches the issuer's keys),
//! know about HTTP or rmcp, or ever log or store a key (only its name).

mod config;
mod identity;
mod keys;
mod oauth;

pub use config::{ApiKeyConfig, AuthConfig, AuthSettings, Role, RoleConfig};
pub use identity::{Identity, IdentitySource};
pub use keys::{KEY_PREFIX, KeyTable, digest_hex, new_key, sha256};
pub use oauth::{JwksSource, OAuthConfig, OAuthSettings, ScopeRole, TokenRefusal, Verified};
