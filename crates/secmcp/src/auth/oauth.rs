//! `auth.oauth`: this server as an OAuth 2.1 resource server (the MCP
//! authorization spec). Access tokens are JWTs from one issuer, checked
//! against the issuer's published keys (JWKS): signature with an allowlisted
//! asymmetric algorithm and a key chosen by `kid`, `iss`, `aud` (this
//! server's resource URI, RFC 8707), `exp`/`nbf` with a small leeway, and a
//! scope that maps to a role. [`OAuthSettings::metadata`] is the RFC 9728
//! protected-resource document that tells clients where to get a token.
//!
//! Pure: the keys are handed in (the HTTP layer fetches and caches them).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

use super::identity::{Identity, IdentitySource};
use crate::validate::Problems;

/// `auth.oauth`: accept access tokens from one OAuth 2.1 issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthConfig {
    /// The issuer's identifier, exactly as in its tokens' `iss`.
    pub issuer: String,
    /// This server's resource URI (e.g. `https://scanner.lab:8443/mcp`): a
    /// token's `aud` must name it, so a token minted for another service is
    /// refused (RFC 8707).
    pub audience: String,
    /// Where the issuer publishes its keys (`https://...`; `http://` only on
    /// a loopback address). One of `jwks_url` and `jwks_file`.
    pub jwks_url: String,
    /// A local copy of the issuer's keys, read again when it changes.
    pub jwks_file: String,
    /// Signature algorithms accepted (asymmetric only: RS*, PS*, ES256,
    /// ES384, EdDSA). `none` and the HMAC family are never accepted.
    pub algorithms: Vec<String>,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// How often the keys are fetched again, in seconds (also when a token
    /// names a key not yet known, at most every 10 s).
    pub jwks_refresh_secs: u64,
    /// Which scope gives which role, tried in order: a token gets the role
    /// of the first entry whose scope it carries; a token with none of them
    /// is refused with `403 insufficient_scope`.
    pub scopes: Vec<ScopeRole>,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            audience: String::new(),
            jwks_url: String::new(),
            jwks_file: String::new(),
            algorithms: Vec::new(),
            leeway_secs: 30,
            jwks_refresh_secs: 300,
            scopes: Vec::new(),
        }
    }
}

/// One `auth.oauth.scopes` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScopeRole {
    /// A scope the issuer puts in `scope` (or `scp`).
    pub scope: String,
    /// The `auth.roles` entry it gives; empty: the server's whole policy.
    pub role: String,
}

/// Where the keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// Fetched over HTTP(S).
    Url(String),
    /// Read from a file.
    File(PathBuf),
}

/// The validated `auth.oauth` section.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud` (this server's resource URI).
    pub audience: String,
    /// Where the keys come from.
    pub jwks: JwksSource,
    /// Accepted algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Leeway on `exp`/`nbf`.
    pub leeway_secs: u64,
    /// How often the keys are refreshed.
    pub jwks_refresh: Duration,
    /// Scope → role, in order.
    pub scopes: Vec<(String, Option<Arc<str>>)>,
    /// The RFC 9728 metadata URL for this resource.
    pub metadata_url: String,
}

/// A token that passed: who it proves, and until when (its `exp`, Unix
/// seconds).
#[derive(Debug, Clone)]
pub struct Verified {
    /// The caller.
    pub identity: Identity,
    /// The token's `exp`.
    pub expires: u64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Not a well-formed JWT, a refused algorithm, a bad signature, or a
    /// claim that does not hold; the reason is a short fixed phrase.
    Invalid(&'static str),
    /// The token names a key id the issuer's key set does not have.
    UnknownKey,
    /// Valid, but it carries none of the configured scopes.
    InsufficientScope,
}

const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The claims secmcp reads; `iss`, `aud`, `exp` and `nbf` are checked by
/// the JWT library.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    /// Required and checked by the library; read here for how long the
    /// token may be remembered.
    #[serde(default)]
    exp: u64,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    scp: Option<Vec<String>>,
}

impl OAuthConfig {
    /// Whether the section is set at all.
    pub fn is_set(&self) -> bool {
        *self != OAuthConfig::default()
    }

    /// Validates the section; `roles` are the configured role names.
    pub fn validate(
        &self,
        roles: &dyn Fn(&str) -> bool,
        p: &mut Problems,
    ) -> Option<OAuthSettings> {
        let before = p.errors.len();
        if self.issuer.is_empty() {
            p.error(
                "auth.oauth.issuer",
                "is required: the issuer's identifier, exactly as in its tokens' `iss`",
            );
        }
        let metadata_url = match metadata_url(&self.audience) {
            Some(url) => url,
            None => {
                p.error(
                    "auth.oauth.audience",
                    "must be this server's resource URI, an `https://` (or loopback `http://`) URL such as `https://scanner.lab:8443/mcp`",
                );
                String::new()
            }
        };
        let jwks = match (self.jwks_url.is_empty(), self.jwks_file.is_empty()) {
            (false, true) => {
                if split_url(&self.jwks_url).is_none() {
                    p.error(
                        "auth.oauth.jwks_url",
                        "must be an `https://` URL (plain `http://` only to a loopback address): the keys decide who is trusted",
                    );
                }
                Some(JwksSource::Url(self.jwks_url.clone()))
            }
            (true, false) => Some(JwksSource::File(PathBuf::from(&self.jwks_file))),
            _ => {
                p.error(
                    "auth.oauth",
                    "set exactly one of `jwks_url` (the issuer's key set) and `jwks_file` (a local copy)",
                );
                None
            }
        };
        let names: Vec<String> = if self.algorithms.is_empty() {
            vec!["RS256".into(), "ES256".into()]
        } else {
            self.algorithms.clone()
        };
        let mut algorithms = Vec::new();
        for (i, name) in names.iter().enumerate() {
            match name.parse::<Algorithm>() {
                Ok(a) if ASYMMETRIC.contains(&a) => algorithms.push(a),
                Ok(_) => p.error(
                    format!("auth.oauth.algorithms[{i}]"),
                    format!(
                        "`{name}` is an HMAC algorithm: its key is a shared secret, which a resource server must not hold; use the issuer's asymmetric algorithm (RS256, PS256, ES256, EdDSA, ...)"
                    ),
                ),
                Err(_) => p.error(
                    format!("auth.oauth.algorithms[{i}]"),
                    format!(
                        "`{name}` is not a JWT signature algorithm secmcp accepts; use one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
                    ),
                ),
            }
        }
        p.range("auth.oauth", "leeway_secs", self.leeway_secs, 0, 300);
        p.range(
            "auth.oauth",
            "jwks_refresh_secs",
            self.jwks_refresh_secs,
            10,
            86_400,
        );
        if self.scopes.is_empty() {
            p.error(
                "auth.oauth.scopes",
                "name at least one scope and the role it gives (e.g. `- {scope: secmcp:scan, role: \"\"}`): a token must carry one",
            );
        }
        let mut scopes = Vec::new();
        for (i, s) in self.scopes.iter().enumerate() {
            let at = format!("auth.oauth.scopes[{i}]");
            if s.scope.is_empty() || s.scope.len() > 128 || s.scope.contains(char::is_whitespace) {
                p.error(
                    format!("{at}.scope"),
                    "a scope is 1-128 characters without spaces",
                );
            }
            if !s.role.is_empty() && !roles(&s.role) {
                p.error(
                    format!("{at}.role"),
                    format!("the role `{}` is not in auth.roles", s.role),
                );
            }
            scopes.push((
                s.scope.clone(),
                (!s.role.is_empty()).then(|| Arc::<str>::from(s.role.as_str())),
            ));
        }
        (p.errors.len() == before).then(|| OAuthSettings {
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            jwks: jwks.expect("checked above"),
            algorithms,
            leeway_secs: self.leeway_secs,
            jwks_refresh: Duration::from_secs(self.jwks_refresh_secs),
            scopes,
            metadata_url,
        })
    }
}

/// Empty settings for tests that set only what they use.
#[cfg(test)]
impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            audience: String::new(),
            jwks: JwksSource::File(PathBuf::new()),
            algorithms: Vec::new(),
            leeway_secs: 30,
            jwks_refresh: Duration::from_secs(300),
            scopes: Vec::new(),
            metadata_url: String::new(),
        }
    }
}

impl OAuthSettings {
    /// The key id a token names, if it has a readable header (to know
    /// whether the key set must be fetched again).
    pub fn key_id(token: &str) -> Option<String> {
        jsonwebtoken::decode_header(token).ok()?.kid
    }

    /// Checks `token` against `keys`; the caller it proves.
    pub fn verify(&self, token: &str, keys: &JwkSet) -> Result<Verified, TokenRefusal> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| TokenRefusal::Invalid("the token is not a signed JWT"))?;
        if !self.algorithms.contains(&header.alg) {
            return Err(TokenRefusal::Invalid(
                "the token's algorithm is not accepted",
            ));
        }
        let jwk = match &header.kid {
            Some(kid) => keys.find(kid).ok_or(TokenRefusal::UnknownKey)?,
            // Without a kid, only a set of exactly one key is unambiguous.
            None => match keys.keys.as_slice() {
                [only] => only,
                _ => return Err(TokenRefusal::UnknownKey),
            },
        };
        // A symmetric key in a public key set would turn the public key
        // material into an HMAC secret: never.
        if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
            return Err(TokenRefusal::Invalid(
                "the token's key is not an asymmetric key",
            ));
        }
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|_| TokenRefusal::Invalid("the issuer's key cannot be used"))?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.leeway = self.leeway_secs;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            TokenRefusal::Invalid(match e.kind() {
                K::ExpiredSignature => "the token has expired",
                K::ImmatureSignature => "the token is not valid yet",
                K::InvalidIssuer => "the token is from another issuer",
                K::InvalidAudience => "the token is for another resource",
                K::InvalidSignature => "the token's signature does not verify",
                K::MissingRequiredClaim(_) => "the token lacks a required claim",
                K::InvalidAlgorithm => "the token's algorithm does not match its key",
                _ => "the token is not valid",
            })
        })?;
        let claims = data.claims;
        if claims.sub.is_empty()
            || claims.sub.len() > 128
            || !claims
                .sub
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"_-.@:|+".contains(&c))
        {
            return Err(TokenRefusal::Invalid(
                "the token's subject is not a plain identifier",
            ));
        }
        let carried: Vec<&str> = match (&claims.scope, &claims.scp) {
            (Some(s), _) => s.split_whitespace().collect(),
            (None, Some(list)) => list.iter().map(String::as_str).collect(),
            (None, None) => Vec::new(),
        };
        let role = self
            .scopes
            .iter()
            .find(|(scope, _)| carried.contains(&scope.as_str()))
            .map(|(_, role)| role.clone())
            .ok_or(TokenRefusal::InsufficientScope)?;
        Ok(Verified {
            identity: Identity {
                name: claims.sub.into(),
                role,
                source: IdentitySource::OAuth,
            },
            expires: claims.exp,
        })
    }

    /// The configured scopes, space-separated (for `WWW-Authenticate`).
    pub fn scope_list(&self) -> String {
        let names: Vec<&str> = self.scopes.iter().map(|(s, _)| s.as_str()).collect();
        names.join(" ")
    }

    /// The RFC 9728 protected-resource metadata document.
    pub fn metadata(&self) -> serde_json::Value {
        let scopes: Vec<&str> = self.scopes.iter().map(|(s, _)| s.as_str()).collect();
        serde_json::json!({
            "resource": self.audience,
            "authorization_servers": [self.issuer],
            "scopes_supported": scopes,
            "bearer_methods_supported": ["header"],
            "resource_name": "secmcp",
        })
    }
}

/// `scheme://authority` and the path of an `https://` (or loopback
/// `http://`) URL without query or fragment.
fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let authority_len = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_len);
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    if url.starts_with("http://") && !is_loopback_authority(authority) {
        return None;
    }
    Some((&url[..url.len() - rest.len() + authority_len], path))
}

fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// RFC 9728 section 3.1: the well-known suffix goes between the host and
/// the resource's path.
fn metadata_url(resource: &str) -> Option<String> {
    let (origin, path) = split_url(resource)?;
    let path = path.trim_end_matches('/');
    Some(format!(
        "{origin}/.well-known/oauth-protected-resource{path}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(c: &OAuthConfig) -> Vec<String> {
        let mut p = Problems::default();
        c.validate(&|r| r == "dns", &mut p);
        p.errors.iter().map(|e| e.to_string()).collect()
    }

    fn good() -> OAuthConfig {
        OAuthConfig {
            issuer: "https://idp.example".into(),
            audience: "https://scanner.lab:8443/mcp".into(),
            jwks_url: "https://idp.example/jwks.json".into(),
            scopes: vec![ScopeRole {
                scope: "secmcp:dns".into(),
                role: "dns".into(),
            }],
            ..OAuthConfig::default()
        }
    }

    #[test]
    fn a_good_section_validates_and_names_its_metadata_url() {
        let mut p = Problems::default();
        let s = good().validate(&|r| r == "dns", &mut p).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            s.metadata_url,
            "https://scanner.lab:8443/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(s.algorithms, [Algorithm::RS256, Algorithm::ES256]);
        assert_eq!(
            s.metadata()["authorization_servers"][0],
            "https://idp.example"
        );
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let c = OAuthConfig {
            issuer: String::new(),
            audience: "http://scanner.lab/mcp".into(),
            jwks_url: "http://idp.example/jwks.json".into(),
            algorithms: vec!["HS256".into(), "none".into(), "RS256".into()],
            leeway_secs: 3600,
            scopes: vec![ScopeRole {
                scope: "a b".into(),
                role: "nobody".into(),
            }],
            ..OAuthConfig::default()
        };
        let all = problems_of(&c).join("\n");
        for needle in [
            "auth.oauth.issuer",
            "auth.oauth.audience",
            "auth.oauth.jwks_url",
            "algorithms[0]",
            "HMAC",
            "algorithms[1]",
            "leeway_secs",
            "scopes[0].scope",
            "scopes[0].role",
        ] {
            assert!(all.contains(needle), "{needle} missing from:\n{all}");
        }
        assert!(!all.contains("algorithms[2]"), "{all}");
    }

    #[test]
    fn keys_come_from_exactly_one_place_and_plain_http_only_on_loopback() {
        let both = OAuthConfig {
            jwks_file: "/etc/secmcp/jwks.json".into(),
            ..good()
        };
        assert!(problems_of(&both).join("").contains("exactly one"));
        let local = OAuthConfig {
            jwks_url: "http://127.0.0.1:9000/jwks.json".into(),
            audience: "http://localhost:8080/mcp".into(),
            ..good()
        };
        assert_eq!(problems_of(&local), Vec::<String>::new());
        for url in [
            "http://10.0.0.1/jwks",
            "ftp://idp/jwks",
            "https://user@idp/jwks",
            "https://idp/jwks?x=1",
        ] {
            let c = OAuthConfig {
                jwks_url: url.into(),
                ..good()
            };
            assert!(
                problems_of(&c).join("").contains("jwks_url"),
                "{url} accepted"
            );
        }
    }

    #[test]
    fn the_metadata_url_puts_the_well_known_part_before_the_path() {
        assert_eq!(
            metadata_url("https://a.example").as_deref(),
            Some("https://a.example/.well-known/oauth-protected-resource")
        );
        assert_eq!(
            metadata_url("http://[::1]:8080/mcp/").as_deref(),
            Some("http://[::1]:8080/.well-known/oauth-protected-resource/mcp")
        );
    }

    // RFC 8037 appendix A.1's Ed25519 key, and a second key (seed 0..31).
    const KEY_A_DER: &str = "302e020100300506032b6570042204209d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const KEY_A_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const KEY_B_DER: &str = "302e020100300506032b657004220420000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn keys() -> JwkSet {
        serde_json::from_value(serde_json::json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": KEY_A_X, "kid": "a", "alg": "EdDSA"},
            {"kty": "oct", "k": KEY_A_X, "kid": "shared"},
        ]}))
        .unwrap()
    }

    fn settings() -> OAuthSettings {
        let c = OAuthConfig {
            algorithms: vec!["EdDSA".into()],
            scopes: vec![
                ScopeRole {
                    scope: "secmcp:dns".into(),
                    role: "dns".into(),
                },
                ScopeRole {
                    scope: "secmcp:all".into(),
                    role: String::new(),
                },
            ],
            ..good()
        };
        c.validate(&|r| r == "dns", &mut Problems::default())
            .unwrap()
    }

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    }

    fn claims() -> serde_json::Value {
        serde_json::json!({
            "iss": "https://idp.example",
            "aud": "https://scanner.lab:8443/mcp",
            "sub": "alice@lab",
            "exp": now() + 300,
            "scope": "openid secmcp:dns",
        })
    }

    fn sign(kid: Option<&str>, der: &str, claims: &serde_json::Value) -> String {
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.kid = kid.map(Into::into);
        let key = jsonwebtoken::EncodingKey::from_ed_der(&unhex(der));
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }

    fn with(change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
        let mut c = claims();
        change(&mut c);
        c
    }

    fn refusal(token: &str) -> TokenRefusal {
        settings().verify(token, &keys()).unwrap_err()
    }

    #[test]
    fn a_valid_token_names_its_subject_and_the_role_of_its_first_known_scope() {
        let who = settings()
            .verify(&sign(Some("a"), KEY_A_DER, &claims()), &keys())
            .unwrap()
            .identity;
        assert_eq!(&*who.name, "alice@lab");
        assert_eq!(who.role.as_deref(), Some("dns"));
        assert_eq!(who.source, IdentitySource::OAuth);
        // `scp` as a list works too; `secmcp:all` gives the whole policy.
        let all = with(|c| {
            c.as_object_mut().unwrap().remove("scope");
            c["scp"] = serde_json::json!(["secmcp:all"]);
        });
        let who = settings()
            .verify(&sign(Some("a"), KEY_A_DER, &all), &keys())
            .unwrap()
            .identity;
        assert_eq!(who.role, None);
    }

    #[test]
    fn claims_that_do_not_hold_are_refused_with_their_reason() {
        let cases = [
            (with(|c| c["exp"] = (now() - 120).into()), "expired"),
            (with(|c| c["nbf"] = (now() + 120).into()), "not valid yet"),
            (
                with(|c| c["aud"] = "https://other.example/mcp".into()),
                "another resource",
            ),
            (
                with(|c| c["iss"] = "https://evil.example".into()),
                "another issuer",
            ),
            (with(|c| c["sub"] = "alice\nforged".into()), "subject"),
            (
                with(|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
                "required claim",
            ),
        ];
        for (claims, reason) in cases {
            match refusal(&sign(Some("a"), KEY_A_DER, &claims)) {
                TokenRefusal::Invalid(got) => assert!(got.contains(reason), "{got} for {claims}"),
                other => panic!("{other:?} for {claims}"),
            }
        }
        // Within the leeway is fine.
        let skewed = with(|c| c["exp"] = (now() - 10).into());
        assert!(
            settings()
                .verify(&sign(Some("a"), KEY_A_DER, &skewed), &keys())
                .is_ok()
        );
    }

    #[test]
    fn forged_tokens_are_refused() {
        // Another key under the known kid: the signature does not verify.
        assert_eq!(
            refusal(&sign(Some("a"), KEY_B_DER, &claims())),
            TokenRefusal::Invalid("the token's signature does not verify")
        );
        // A kid the issuer does not have.
        assert_eq!(
            refusal(&sign(Some("z"), KEY_A_DER, &claims())),
            TokenRefusal::UnknownKey
        );
        // `alg: none`, unsigned.
        let b64 = |v: serde_json::Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let none = format!(
            "{}.{}.",
            b64(serde_json::json!({"alg": "none", "kid": "a"})),
            b64(claims())
        );
        assert!(matches!(refusal(&none), TokenRefusal::Invalid(_)));
        // HMAC with the public key as the secret, under either kid.
        for kid in ["a", "shared"] {
            let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
            header.kid = Some(kid.into());
            let hs = jsonwebtoken::encode(
                &header,
                &claims(),
                &jsonwebtoken::EncodingKey::from_secret(KEY_A_X.as_bytes()),
            )
            .unwrap();
            assert_eq!(
                refusal(&hs),
                TokenRefusal::Invalid("the token's algorithm is not accepted")
            );
        }
        // An allowed algorithm naming the symmetric key in the set.
        assert_eq!(
            refusal(&sign(Some("shared"), KEY_A_DER, &claims())),
            TokenRefusal::Invalid("the token's key is not an asymmetric key")
        );
        assert!(matches!(refusal("not.a.jwt"), TokenRefusal::Invalid(_)));
    }

    #[test]
    fn a_token_without_a_configured_scope_is_insufficient() {
        let c = with(|c| c["scope"] = "openid profile".into());
        assert_eq!(
            refusal(&sign(Some("a"), KEY_A_DER, &c)),
            TokenRefusal::InsufficientScope
        );
    }
}
