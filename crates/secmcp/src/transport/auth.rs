//! Authentication in front of `/mcp` (and `/metrics`, `/health`): the
//! `Authorization: Bearer` check, against `auth.api_keys` for a key (they
//! start with `smcp_`) and against the OAuth issuer's keys for an access
//! token (`auth.oauth`); the per-address limit on failed attempts; the
//! [`Identity`] put into the request's extensions for the service; and the
//! RFC 9728 metadata document that tells an OAuth client where to get a
//! token. Without authentication configured every request passes as
//! [`Identity::anonymous`] (the listener is then loopback-only).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::jwks::{Jwks, VerifiedTokens};
use crate::auth::{Identity, KEY_PREFIX, OAuthSettings, TokenRefusal};
use crate::dispatch::Core;
use crate::events::AuthRefused;
use crate::limits::RateLimiter;

/// The shared state of the authentication layer.
pub(crate) struct Gate {
    core: Arc<Core>,
    /// Failed attempts per source address, rebuilt when its rate changes.
    failures: Mutex<(u32, u32, Arc<RateLimiter>)>,
    /// Addresses that spent their failure budget, until when. Pruned of
    /// expired entries when it grows, so it stays bounded by the addresses
    /// blocked within one refill period.
    blocked: Mutex<HashMap<String, Instant>>,
    /// The OAuth issuer's keys.
    jwks: Jwks,
    /// Tokens checked lately.
    verified: VerifiedTokens,
}

/// Why a request was refused: a stable code, and for a token the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refused {
    /// `missing_credentials`, `invalid_key`, `invalid_token`,
    /// `insufficient_scope`, `too_many_attempts` or `keys_unavailable`.
    pub(crate) code: &'static str,
    /// For a token: what was wrong with it (a fixed phrase).
    pub(crate) detail: &'static str,
}

impl Refused {
    fn new(code: &'static str) -> Self {
        Self { code, detail: "" }
    }
}

/// Expired entries of [`Gate::blocked`] are dropped past this many entries.
const BLOCKED_PRUNE_AT: usize = 4096;

impl Gate {
    pub(crate) fn new(core: Arc<Core>) -> Arc<Self> {
        let a = &core.snapshot().auth;
        let (rate, burst) = (a.failed_attempts_per_minute, a.failed_attempts_burst);
        Arc::new(Self {
            failures: Mutex::new((rate, burst, Arc::new(RateLimiter::new(rate, burst)))),
            blocked: Mutex::new(HashMap::new()),
            jwks: Jwks::default(),
            verified: VerifiedTokens::default(),
            core,
        })
    }

    fn failure_limiter(&self, rate: u32, burst: u32) -> Arc<RateLimiter> {
        let mut f = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if (f.0, f.1) != (rate, burst) {
            *f = (rate, burst, Arc::new(RateLimiter::new(rate, burst)));
        }
        f.2.clone()
    }

    fn is_blocked(&self, source: &str) -> bool {
        let blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        blocked
            .get(source)
            .is_some_and(|until| *until > Instant::now())
    }

    fn block(&self, source: &str, until: Instant) {
        let mut blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        if blocked.len() >= BLOCKED_PRUNE_AT {
            let now = Instant::now();
            blocked.retain(|_, t| *t > now);
        }
        blocked.insert(source.to_owned(), until);
    }

    /// The caller of a request with these headers from `peer`, or why it
    /// is refused (answer with [`refusal`]).
    pub(crate) async fn authenticate(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
        path: &str,
    ) -> Result<Identity, Refused> {
        let settings = self.core.snapshot();
        let auth = &settings.auth;
        if !auth.required() {
            return Ok(Identity::anonymous());
        }
        let source = peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        let refused = |r: Refused| {
            AuthRefused {
                reason: r.code,
                source: &source,
                path,
            }
            .emit(self.core.metrics());
            Err(r)
        };
        if self.is_blocked(&source) {
            return refused(Refused::new("too_many_attempts"));
        }
        let outcome = match (bearer(headers), &auth.oauth) {
            (None, _) => Err(Refused::new("missing_credentials")),
            // Anything but an API key is an access token when OAuth is on.
            (Some(token), Some(oauth)) if !token.starts_with(KEY_PREFIX) => {
                self.check_token(oauth, token).await
            }
            (Some(key), _) => match auth.keys.find(key) {
                Some(i) => {
                    let (name, role) = auth.key_names[i].clone();
                    Ok(Identity {
                        name,
                        role,
                        source: crate::auth::IdentitySource::ApiKey,
                    })
                }
                None => Err(Refused::new("invalid_key")),
            },
        };
        match outcome {
            Ok(identity) => Ok(identity),
            // A valid token without the scope, or keys that cannot be had,
            // are not guesses: they do not spend the address's budget.
            Err(r) if matches!(r.code, "insufficient_scope" | "keys_unavailable") => refused(r),
            Err(r) => {
                // Each failure spends the address's budget; once it is spent,
                // even a right key waits (no guessing at full speed).
                let limiter = self
                    .failure_limiter(auth.failed_attempts_per_minute, auth.failed_attempts_burst);
                match limiter.check(&source) {
                    Ok(()) => refused(r),
                    Err(e) => {
                        self.block(&source, Instant::now() + e.retry_after);
                        refused(Refused::new("too_many_attempts"))
                    }
                }
            }
        }
    }

    async fn check_token(
        &self,
        oauth: &Arc<OAuthSettings>,
        token: &str,
    ) -> Result<Identity, Refused> {
        if let Some(identity) = self.verified.get(oauth, token) {
            return Ok(identity);
        }
        let kid = OAuthSettings::key_id(token);
        let Some(keys) = self.jwks.keys(oauth, kid.as_deref()).await else {
            return Err(Refused::new("keys_unavailable"));
        };
        let verified = oauth.verify(token, &keys).map_err(|r| match r {
            TokenRefusal::Invalid(detail) => Refused {
                code: "invalid_token",
                detail,
            },
            TokenRefusal::UnknownKey => Refused {
                code: "invalid_token",
                detail: "the token's key is not among the issuer's keys",
            },
            TokenRefusal::InsufficientScope => Refused::new("insufficient_scope"),
        })?;
        self.verified.put(oauth, token, &verified);
        Ok(verified.identity)
    }

    /// The OAuth settings in force, if any (for the refusal's challenge and
    /// the metadata document).
    pub(crate) fn oauth(&self) -> Option<Arc<OAuthSettings>> {
        self.core.snapshot().auth.oauth.clone()
    }
}

/// The token of exactly one `Authorization: Bearer TOKEN` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(v), None) = (all.next(), all.next()) else {
        return None;
    };
    let v = v.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `401` (`403` for a token without the scope, `429` after too many
/// failures, `503` when the issuer's keys cannot be had) with a
/// `WWW-Authenticate: Bearer` challenge, naming the RFC 9728 metadata when
/// OAuth is configured, and a JSON body with a stable code.
pub(crate) fn refusal(r: Refused, oauth: Option<&OAuthSettings>) -> Response {
    let (status, error, message, hint) = match r.code {
        "too_many_attempts" => (
            StatusCode::TOO_MANY_REQUESTS,
            Some("invalid_token"),
            "too many failed authentication attempts from this address",
            "wait a minute, then send a valid key or token",
        ),
        "invalid_key" => (
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
            "the API key is not valid",
            "send a key the operator issued (secmcp auth new-key) as Authorization: Bearer KEY",
        ),
        "invalid_token" => (
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
            r.detail,
            "get a fresh access token for this server from the authorization server named in the resource metadata",
        ),
        "insufficient_scope" => (
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
            "the access token carries none of the scopes this server accepts",
            "ask the authorization server for a token with one of the scopes in the resource metadata",
        ),
        "keys_unavailable" => (
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "the authorization server's keys cannot be loaded, so no token can be checked",
            "retry shortly; the operator should check auth.oauth.jwks_url in the server log",
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            None,
            "this server requires authentication",
            if oauth.is_some() {
                "send an access token (or an API key) as Authorization: Bearer"
            } else {
                "send an API key as Authorization: Bearer KEY"
            },
        ),
    };
    let mut challenge = String::from("Bearer");
    let mut params = Vec::new();
    if let Some(o) = oauth {
        params.push(format!("resource_metadata=\"{}\"", o.metadata_url));
        if r.code == "insufficient_scope" {
            params.push(format!("scope=\"{}\"", o.scope_list()));
        }
    }
    if let Some(e) = error {
        params.push(format!("error=\"{e}\""));
        params.push(format!("error_description=\"{message}\""));
    }
    if !params.is_empty() {
        challenge.push(' ');
        challenge.push_str(&params.join(", "));
    }
    let body = serde_json::json!({
        "error": r.code,
        "message": message,
        "hint": hint,
    })
    .to_string();
    let mut resp = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    resp
}

/// `GET /.well-known/oauth-protected-resource[/mcp]`: the RFC 9728 document
/// (no authentication; `404` when OAuth is not configured).
pub(crate) async fn resource_metadata(State(gate): State<Arc<Gate>>) -> Response {
    match gate.oauth() {
        Some(o) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "max-age=300"),
            ],
            o.metadata().to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Middleware: authenticates the request and puts its [`Identity`] into the
/// request's extensions, or answers with the refusal.
pub(crate) async fn require_identity(
    State(gate): State<Arc<Gate>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let path = request.uri().path().to_owned();
    match gate.authenticate(request.headers(), peer, &path).await {
        Ok(identity) => {
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(r) => refusal(r, gate.oauth().as_deref()),
    }
}
