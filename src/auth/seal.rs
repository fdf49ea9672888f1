//! Secrets kept at rest, sealed with ChaCha20-Poly1305 under a key derived from
//! `SECRET_KEY` for one purpose: a copy of the database alone does not reveal them.
//! The stored form is base64 of the 12-byte nonce followed by the ciphertext.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn cipher(secret: &[u8], purpose: &[u8]) -> ChaCha20Poly1305 {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(purpose);
    ChaCha20Poly1305::new(&mac.finalize().into_bytes())
}

/// Seals `plain` for `purpose` under `secret`, with a fresh random nonce.
pub fn seal(secret: &[u8], purpose: &[u8], plain: &[u8]) -> String {
    let nonce: [u8; 12] = rand::random();
    let sealed = cipher(secret, purpose)
        .encrypt(Nonce::from_slice(&nonce), plain)
        .expect("sealing a short secret cannot fail");
    STANDARD.encode([nonce.as_slice(), &sealed].concat())
}

/// Opens what `seal` made; `None` if it was sealed under another secret or purpose, or
/// was altered.
pub fn unseal(secret: &[u8], purpose: &[u8], sealed: &str) -> Option<Vec<u8>> {
    let bytes = STANDARD.decode(sealed).ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    cipher(secret, purpose)
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .ok()
}

/// A sealed value, looked at when the secret key changes.
#[derive(Debug, PartialEq, Eq)]
pub enum Resealed {
    /// It opens under the new key already.
    Current,
    /// It opened under the old key, and is now sealed under the new one.
    Moved(String),
    /// It opens under neither key.
    Unreadable,
}

/// Seals again under `new` what was sealed under `old` for `purpose`.
pub fn reseal(old: &[u8], new: &[u8], purpose: &[u8], sealed: &str) -> Resealed {
    if unseal(new, purpose, sealed).is_some() {
        return Resealed::Current;
    }
    match unseal(old, purpose, sealed) {
        Some(plain) => Resealed::Moved(seal(new, purpose, &plain)),
        None => Resealed::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_purpose() {
        let sealed = seal(b"key one", b"purpose", b"the secret");
        assert_eq!(
            unseal(b"key one", b"purpose", &sealed).as_deref(),
            Some(b"the secret".as_slice())
        );
        assert_eq!(unseal(b"key two", b"purpose", &sealed), None);
        assert_eq!(unseal(b"key one", b"other purpose", &sealed), None);
        assert_eq!(unseal(b"key one", b"purpose", "not base64!"), None);
        assert_eq!(unseal(b"key one", b"purpose", "AAAA"), None);
        assert_ne!(sealed, seal(b"key one", b"purpose", b"the secret"));
    }

    #[test]
    fn resealing_moves_what_the_old_key_opens_and_leaves_the_rest() {
        let old = seal(b"old key", b"purpose", b"the secret");
        let Resealed::Moved(moved) = reseal(b"old key", b"new key", b"purpose", &old) else {
            panic!("sealed under the old key, it moves");
        };
        assert_eq!(
            unseal(b"new key", b"purpose", &moved).as_deref(),
            Some(b"the secret".as_slice())
        );
        assert_eq!(
            reseal(b"old key", b"new key", b"purpose", &moved),
            Resealed::Current
        );
        let other = seal(b"another key", b"purpose", b"the secret");
        assert_eq!(
            reseal(b"old key", b"new key", b"purpose", &other),
            Resealed::Unreadable
        );
    }
}
