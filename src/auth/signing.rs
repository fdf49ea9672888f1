//! Ed25519 keys for approval certificates: generating them, sealing the private half at
//! rest (ChaCha20-Poly1305 under a key derived from `SECRET_KEY`), and signing compact
//! JWS tokens (EdDSA) with a `kid`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use crate::auth::seal;

/// A freshly generated key pair: the public key (base64url) and the sealed private key.
pub struct NewKey {
    pub public_key: String,
    pub sealed_private_key: String,
}

/// The private key, unsealed, ready to sign.
pub struct Signer {
    kid: String,
    seed: [u8; 32],
}

/// Why a stored key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the private key cannot be unsealed (was SECRET_KEY changed?)")]
    Sealed,
    #[error("signing failed: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

const SEALING_PURPOSE: &[u8] = b"certificate signing key sealing";

/// Generates a key pair and seals its private half under `secret`.
pub fn generate(secret: &[u8]) -> NewKey {
    let seed: [u8; 32] = rand::random();
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    NewKey {
        public_key: URL_SAFE_NO_PAD.encode(public.as_bytes()),
        sealed_private_key: seal::seal(secret, SEALING_PURPOSE, &seed),
    }
}

/// Seals a stored private key again under a new key (see `seal::reseal`).
pub fn reseal_private_key(old: &[u8], new: &[u8], sealed: &str) -> seal::Resealed {
    seal::reseal(old, new, SEALING_PURPOSE, sealed)
}

/// The 48-byte PKCS#8 form of an Ed25519 private key, as `jsonwebtoken` takes it.
fn pkcs8(seed: &[u8; 32]) -> Vec<u8> {
    const PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    [PREFIX.as_slice(), seed].concat()
}

impl Signer {
    /// Unseals a stored private key.
    pub fn unseal(kid: &str, sealed: &str, secret: &[u8]) -> Result<Signer, KeyError> {
        let seed = seal::unseal(secret, SEALING_PURPOSE, sealed).ok_or(KeyError::Sealed)?;
        Ok(Signer {
            kid: kid.to_string(),
            seed: seed.try_into().map_err(|_| KeyError::Sealed)?,
        })
    }

    /// This key as the signer of the transparency log named `origin`'s checkpoints.
    pub fn checkpoint_signer(
        &self,
        origin: &str,
    ) -> Result<
        crate::domain::transparency::CheckpointSigner,
        crate::domain::transparency::CheckpointError,
    > {
        crate::domain::transparency::CheckpointSigner::new(origin, &self.seed)
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// A compact JWS over `claims`, EdDSA, with this key's `kid`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_ed_der(&pkcs8(&self.seed)),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    #[test]
    fn a_signed_token_verifies_with_the_published_key_only() {
        let key = generate(b"secret one");
        let signer = Signer::unseal("k1", &key.sealed_private_key, b"secret one").unwrap();
        let token = signer
            .sign(&serde_json::json!({ "sub": "IC-2026-00001" }))
            .unwrap();
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let public: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&key.public_key)
            .unwrap()
            .try_into()
            .unwrap();
        let verifying = VerifyingKey::from_bytes(&public).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
        assert!(verifying.verify(signed.as_bytes(), &signature).is_ok());
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(
            (header.alg, header.kid.as_deref()),
            (Algorithm::EdDSA, Some("k1"))
        );
        let mut tampered = signed.as_bytes().to_vec();
        tampered[5] ^= 1;
        assert!(verifying.verify(&tampered, &signature).is_err());
    }

    #[test]
    fn a_sealed_key_opens_only_with_its_secret() {
        let key = generate(b"secret one");
        assert!(Signer::unseal("k1", &key.sealed_private_key, b"secret two").is_err());
        assert!(Signer::unseal("k1", "not base64!", b"secret one").is_err());
        assert!(Signer::unseal("k1", "AAAA", b"secret one").is_err());
    }
}
