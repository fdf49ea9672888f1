//! Bearer tokens of the JSON API: short-lived HS256 JWTs, under a key derived from
//! `SECRET_KEY` for this purpose alone, with their own issuer and audience. The expiry is
//! checked against the application's clock, not the library's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const ISSUER: &str = "interconnect-registry/api-token";
pub const AUDIENCE: &str = "interconnect-registry/api/v1";
/// How long an access token lasts, in seconds.
pub const LIFETIME_SECONDS: i64 = 900;
/// Anything longer is not one of our tokens.
const MAX_TOKEN_LEN: usize = 2048;

/// What an access token says: which client, and which version of its secret it was
/// issued under (a rotation makes older tokens worthless).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

fn key(secret: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(b"api access token");
    mac.finalize().into_bytes().to_vec()
}

/// Signs an access token for `client_id` at secret version `version`, valid from `now`.
pub fn issue(secret: &[u8], client_id: &str, version: i32, now: NaiveDateTime) -> String {
    let iat = now.and_utc().timestamp();
    let claims = AccessClaims {
        iss: ISSUER.to_string(),
        aud: AUDIENCE.to_string(),
        sub: client_id.to_string(),
        ver: version,
        iat,
        exp: iat + LIFETIME_SECONDS,
        jti: URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>()),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&key(secret)),
    )
    .expect("HS256 signing cannot fail")
}

/// The claims of a genuine, unexpired access token; `None` for anything else.
pub fn verify(secret: &[u8], token: &str, now: NaiveDateTime) -> Option<AccessClaims> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["iss", "aud", "sub", "exp"]);
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<AccessClaims>(
        token,
        &DecodingKey::from_secret(&key(secret)),
        &validation,
    )
    .ok()?
    .claims;
    (claims.exp > now.and_utc().timestamp()).then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0)
            .expect("valid time")
            .naive_utc()
    }

    #[test]
    fn a_token_is_good_until_it_expires_and_only_under_its_own_key() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = issue(secret, "ic_abc", 2, at(0));
        let claims = verify(secret, &token, at(LIFETIME_SECONDS - 1)).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.ver), ("ic_abc", 2));
        assert!(verify(secret, &token, at(LIFETIME_SECONDS)).is_none());
        assert!(verify(b"another key, just as long as that", &token, at(0)).is_none());
    }

    #[test]
    fn tokens_of_another_purpose_or_algorithm_are_refused() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let mut claims = verify(secret, &issue(secret, "ic", 1, at(0)), at(0)).expect("valid");
        claims.aud = "someone-else".into();
        let other_audience = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&key(secret)),
        )
        .expect("signs");
        assert!(verify(secret, &other_audience, at(0)).is_none());
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("json"))
        );
        assert!(verify(secret, &unsigned, at(0)).is_none());
        assert!(verify(secret, &"a".repeat(5000), at(0)).is_none());
    }
}
