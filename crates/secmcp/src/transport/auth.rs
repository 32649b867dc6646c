//! Authentication in front of `/mcp` (and `/metrics`, `/health`): the
//! `Authorization: Bearer KEY` check against `auth.api_keys`, the per-address
//! limit on failed attempts, and the [`Identity`] put into the request's
//! extensions for the service. Without configured keys every request passes
//! as [`Identity::anonymous`] (the listener is then loopback-only).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::Identity;
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
    pub(crate) fn authenticate(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
        path: &str,
    ) -> Result<Identity, &'static str> {
        let settings = self.core.snapshot();
        let auth = &settings.auth;
        if !auth.required() {
            return Ok(Identity::anonymous());
        }
        let source = peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        let limiter =
            self.failure_limiter(auth.failed_attempts_per_minute, auth.failed_attempts_burst);
        let refuse = |reason: &'static str| {
            // Each failure spends the address's budget; once it is spent,
            // even a right key waits (no guessing at full speed).
            let reason = match limiter.check(&source) {
                Ok(()) => reason,
                Err(e) => {
                    self.block(&source, Instant::now() + e.retry_after);
                    "too_many_attempts"
                }
            };
            AuthRefused {
                reason,
                source: &source,
                path,
            }
            .emit(self.core.metrics());
            Err(reason)
        };
        if self.is_blocked(&source) {
            AuthRefused {
                reason: "too_many_attempts",
                source: &source,
                path,
            }
            .emit(self.core.metrics());
            return Err("too_many_attempts");
        }
        let Some(key) = bearer(headers) else {
            return refuse("missing_credentials");
        };
        match auth.keys.find(key) {
            Some(i) => {
                let (name, role) = auth.key_names[i].clone();
                Ok(Identity {
                    name,
                    role,
                    source: crate::auth::IdentitySource::ApiKey,
                })
            }
            None => refuse("invalid_key"),
        }
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

/// `401` (or `429`) with `WWW-Authenticate: Bearer` and a JSON body with a
/// stable code.
pub(crate) fn refusal(reason: &'static str) -> Response {
    let (status, challenge, message, hint) = match reason {
        "too_many_attempts" => (
            StatusCode::TOO_MANY_REQUESTS,
            r#"Bearer error="invalid_token", error_description="too many failed attempts""#,
            "too many failed authentication attempts from this address",
            "wait a minute, then send a valid key",
        ),
        "invalid_key" => (
            StatusCode::UNAUTHORIZED,
            r#"Bearer error="invalid_token", error_description="the key is not valid""#,
            "the API key is not valid",
            "send a key the operator issued (secmcp auth new-key) as Authorization: Bearer KEY",
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            "Bearer",
            "this server requires authentication",
            "send an API key as Authorization: Bearer KEY",
        ),
    };
    let body = serde_json::json!({
        "error": reason,
        "message": message,
        "hint": hint,
    })
    .to_string();
    let mut r = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    if status == StatusCode::TOO_MANY_REQUESTS {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    r
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
    match gate.authenticate(request.headers(), peer, request.uri().path()) {
        Ok(identity) => {
            request.extensions_mut().insert(identity);
            next.run(request).await
        }
        Err(reason) => refusal(reason),
    }
}
