//! Session tokens. The browser holds a random token; the database holds only its SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A fresh random token: 32 bytes, URL-safe base64.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The database key for a session token.
pub fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
