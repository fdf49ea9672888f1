//! CSRF tokens: a signed double-submit scheme. The browser holds a random seed in an
//! HttpOnly cookie; each form carries HMAC(secret, seed | session), which a cross-site page
//! can neither read nor compute. Tying the token to the session means a token obtained
//! before sign-in stops working after it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The form field that carries the token.
pub const FIELD: &str = "csrf";

/// The per-browser seed, kept in request extensions for the token's computation.
#[derive(Debug, Clone)]
pub struct CsrfSeed {
    pub value: String,
    /// True when the seed was made for this response and the cookie must be set.
    pub is_new: bool,
}

fn mac(secret: &[u8], seed: &str, session_id: Option<&str>) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(b"csrf\0");
    mac.update(seed.as_bytes());
    mac.update(b"\0");
    mac.update(session_id.unwrap_or("").as_bytes());
    mac
}

/// The token a form must carry for this seed and session.
pub fn token(secret: &[u8], seed: &str, session_id: Option<&str>) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, seed, session_id).finalize().into_bytes())
}

/// Checks a submitted token in constant time.
pub fn verify(secret: &[u8], seed: &str, session_id: Option<&str>, submitted: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(submitted.trim()) else {
        return false;
    };
    !seed.is_empty() && mac(secret, seed, session_id).verify_slice(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_verifies_for_its_seed_and_session_only() {
        let t = token(SECRET, "seed", Some("s1"));
        assert!(verify(SECRET, "seed", Some("s1"), &t));
        assert!(!verify(SECRET, "seed", Some("s2"), &t));
        assert!(!verify(SECRET, "other", Some("s1"), &t));
        assert!(!verify(
            b"another-secret-another-secret-xx",
            "seed",
            Some("s1"),
            &t
        ));
        assert!(!verify(SECRET, "seed", Some("s1"), "garbage!"));
        assert!(!verify(SECRET, "", None, &token(SECRET, "", None)));
    }
}
