//! The OAuth issuer's keys (JWKS) and the tokens already checked.
//!
//! Keys are fetched or read and kept: refreshed every
//! `auth.oauth.jwks_refresh_secs`, and sooner when a token names a key id
//! the set does not have (key rotation), but at most once per
//! [`MIN_REFETCH`] so a stream of made-up key ids cannot make the server
//! hammer the issuer. One fetch at a time; a failed fetch keeps the last
//! good set.
//!
//! A client sends the same token with every request, and a signature check
//! costs far more than the rest of a call, so a token that passed is
//! remembered by its SHA-256 for at most [`VERIFIED_FOR`] (and never past
//! its `exp`); [`MAX_VERIFIED`] tokens at most. A refused token is never
//! remembered, and a config change (new keys, issuer, scopes) starts over.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use tokio::time::Instant;

use std::collections::HashMap;

use crate::auth::{Identity, JwksSource, OAuthSettings, Verified, sha256};

/// The least time between two fetches made because of an unknown key id.
pub(crate) const MIN_REFETCH: Duration = Duration::from_secs(10);

/// How long a fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a checked token is trusted without checking it again.
pub(crate) const VERIFIED_FOR: Duration = Duration::from_secs(60);

/// Most tokens remembered.
const MAX_VERIFIED: usize = 1024;

/// The largest key set read.
const MAX_JWKS_BYTES: u64 = 1024 * 1024;

#[derive(Default)]
struct Held {
    /// Where `set` came from (a config change starts over).
    source: Option<JwksSource>,
    set: Option<Arc<JwkSet>>,
    loaded: Option<Instant>,
    tried: Option<Instant>,
}

/// The cache; one per HTTP listener.
#[derive(Default)]
pub(crate) struct Jwks {
    held: Mutex<Held>,
    fetching: tokio::sync::Mutex<()>,
    /// Loads tried so far.
    loads: AtomicU64,
}

/// Checked tokens by SHA-256: who each proved, and until when.
type TokenMap = HashMap<[u8; 32], (Identity, Instant)>;

/// Tokens that passed, by SHA-256, with when to check them again; for
/// one `auth.oauth` setting.
#[derive(Default)]
pub(crate) struct VerifiedTokens {
    held: Mutex<(Option<Arc<OAuthSettings>>, TokenMap)>,
}

impl VerifiedTokens {
    /// The caller `token` proved within the last [`VERIFIED_FOR`].
    pub(crate) fn get(&self, oauth: &Arc<OAuthSettings>, token: &str) -> Option<Identity> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if !held.0.as_ref().is_some_and(|o| Arc::ptr_eq(o, oauth)) {
            return None;
        }
        let (identity, until) = held.1.get(&sha256(token))?;
        (Instant::now() < *until).then(|| identity.clone())
    }

    /// Remembers a token that passed.
    pub(crate) fn put(&self, oauth: &Arc<OAuthSettings>, token: &str, verified: &Verified) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if !held.0.as_ref().is_some_and(|o| Arc::ptr_eq(o, oauth)) {
            *held = (Some(oauth.clone()), HashMap::new());
        }
        let now = Instant::now();
        if held.1.len() >= MAX_VERIFIED {
            held.1.retain(|_, (_, until)| *until > now);
            if held.1.len() >= MAX_VERIFIED {
                held.1.clear();
            }
        }
        let unix_now = u64::try_from(crate::history::now_ms() / 1000).unwrap_or(0);
        let left = Duration::from_secs(verified.expires.saturating_sub(unix_now));
        held.1.insert(
            sha256(token),
            (verified.identity.clone(), now + left.min(VERIFIED_FOR)),
        );
    }
}

impl Jwks {
    /// The key set to check a token naming `kid` with, loading it first when
    /// there is none yet, it is due for a refresh, or it lacks `kid` and the
    /// last try is [`MIN_REFETCH`] old. `None` when no set could ever be had.
    pub(crate) async fn keys(
        &self,
        oauth: &OAuthSettings,
        kid: Option<&str>,
    ) -> Option<Arc<JwkSet>> {
        if let Some(set) = self.fresh(oauth, kid) {
            return Some(set);
        }
        let _one = self.fetching.lock().await;
        // Another request may have loaded it meanwhile.
        if let Some(set) = self.fresh(oauth, kid) {
            return Some(set);
        }
        self.held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .tried = Some(Instant::now());
        self.loads.fetch_add(1, Ordering::Relaxed);
        match load(&oauth.jwks).await {
            Ok(set) => {
                let set = Arc::new(set);
                let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
                held.source = Some(oauth.jwks.clone());
                held.set = Some(set.clone());
                held.loaded = Some(Instant::now());
                tracing::info!(keys = set.keys.len(), "OAuth issuer keys loaded");
                Some(set)
            }
            Err(error) => {
                tracing::warn!(%error, "could not load the OAuth issuer's keys; keeping the last good set");
                let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
                (held.source.as_ref() == Some(&oauth.jwks))
                    .then(|| held.set.clone())
                    .flatten()
            }
        }
    }

    /// The held set when it needs no loading.
    fn fresh(&self, oauth: &OAuthSettings, kid: Option<&str>) -> Option<Arc<JwkSet>> {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.source.as_ref() != Some(&oauth.jwks) {
            return None;
        }
        let set = held.set.clone()?;
        let now = Instant::now();
        let due = held
            .loaded
            .is_none_or(|t| now.duration_since(t) >= oauth.jwks_refresh);
        let missing = kid.is_some_and(|k| set.find(k).is_none());
        let may_try = held
            .tried
            .is_none_or(|t| now.duration_since(t) >= MIN_REFETCH);
        if (due || missing) && may_try {
            return None;
        }
        Some(set)
    }
}

/// Loads the key set once, as the server would at its first token (for
/// `doctor`): how many keys it holds, or why it cannot be had.
pub async fn probe_jwks(source: &JwksSource) -> Result<usize, String> {
    load(source).await.map(|set| set.keys.len())
}

async fn load(source: &JwksSource) -> Result<JwkSet, String> {
    let bytes = match source {
        JwksSource::File(path) => {
            let bytes = tokio::fs::read(path)
                .await
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if bytes.len() as u64 > MAX_JWKS_BYTES {
                return Err(format!("{} is larger than 1 MiB", path.display()));
            }
            bytes
        }
        JwksSource::Url(url) => {
            let url = url.clone();
            tokio::task::spawn_blocking(move || fetch(&url))
                .await
                .map_err(|e| e.to_string())??
        }
    };
    serde_json::from_slice::<JwkSet>(&bytes).map_err(|e| format!("not a JWK set: {e}"))
}

fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(FETCH_TIMEOUT))
        .max_redirects(0)
        .https_only(url.starts_with("https://"))
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| format!("{url}: {e}"))?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_JWKS_BYTES)
        .read_to_vec()
        .map_err(|e| format!("{url}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(kids: &[&str]) -> String {
        let keys: Vec<_> = kids
            .iter()
            .map(|k| {
                serde_json::json!({"kty": "OKP", "crv": "Ed25519", "kid": k,
                    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
            })
            .collect();
        serde_json::json!({ "keys": keys }).to_string()
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_key_is_fetched_once_the_pause_is_over_and_made_up_kids_cost_one_fetch() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("jwks.json");
        std::fs::write(&file, set(&["a"])).unwrap();
        let oauth = OAuthSettings {
            jwks: JwksSource::File(file.clone()),
            ..OAuthSettings::default()
        };
        let jwks = Jwks::default();
        let got = jwks.keys(&oauth, Some("a")).await.unwrap();
        assert!(got.find("a").is_some());
        // The issuer rotates in `b`; right after a load the set is kept.
        std::fs::write(&file, set(&["a", "b"])).unwrap();
        let got = jwks.keys(&oauth, Some("b")).await.unwrap();
        assert!(got.find("b").is_none());
        tokio::time::advance(MIN_REFETCH).await;
        let got = jwks.keys(&oauth, Some("b")).await.unwrap();
        assert!(got.find("b").is_some(), "fetched again for the unknown kid");
        // A flood of made-up kids costs no load within the pause, and one
        // after it.
        let before = jwks.loads.load(Ordering::Relaxed);
        let flood = || async {
            for i in 0..50 {
                jwks.keys(&oauth, Some(&format!("made-up-{i}")))
                    .await
                    .unwrap();
            }
        };
        flood().await;
        assert_eq!(jwks.loads.load(Ordering::Relaxed), before);
        tokio::time::advance(MIN_REFETCH).await;
        flood().await;
        assert_eq!(jwks.loads.load(Ordering::Relaxed), before + 1);
        // A broken file keeps the last good set.
        std::fs::write(&file, "{not json").unwrap();
        tokio::time::advance(oauth.jwks_refresh).await;
        let got = jwks.keys(&oauth, Some("a")).await.unwrap();
        assert!(got.find("b").is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_checked_token_is_trusted_for_a_minute_never_past_its_exp_nor_a_config_change() {
        let oauth = Arc::new(OAuthSettings::default());
        let tokens = VerifiedTokens::default();
        let unix_now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let verified = |left: u64| Verified {
            identity: Identity::anonymous(),
            expires: unix_now + left,
        };
        tokens.put(&oauth, "long", &verified(3600));
        tokens.put(&oauth, "short", &verified(5));
        assert!(tokens.get(&oauth, "long").is_some());
        assert!(tokens.get(&oauth, "other").is_none());
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(tokens.get(&oauth, "short").is_none(), "past its exp");
        assert!(tokens.get(&oauth, "long").is_some());
        tokio::time::advance(VERIFIED_FOR).await;
        assert!(
            tokens.get(&oauth, "long").is_none(),
            "checked again after a minute"
        );
        tokens.put(&oauth, "long", &verified(3600));
        let reloaded = Arc::new(OAuthSettings::default());
        assert!(
            tokens.get(&reloaded, "long").is_none(),
            "a new config starts over"
        );
    }

    #[tokio::test]
    async fn no_keys_at_all_is_none() {
        let oauth = OAuthSettings {
            jwks: JwksSource::File("/nonexistent/jwks.json".into()),
            ..OAuthSettings::default()
        };
        assert!(Jwks::default().keys(&oauth, None).await.is_none());
    }
}
