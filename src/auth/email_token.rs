//! The links in invitation and password-reset e-mails: `<token id>.<HMAC of purpose and
//! id>`. The database keeps only the id, so reading it (or the outbox) is not enough to
//! forge a link; the server's `SECRET_KEY` is needed.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a token lets its holder do; the MAC binds the token to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    PasswordReset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::PasswordReset => "password_reset",
        }
    }
}

fn mac(secret: &[u8], purpose: Purpose, id: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(purpose.as_str().as_bytes());
    mac.update(b":");
    mac.update(id.as_bytes());
    mac
}

/// The token that goes in the link.
pub fn sign(secret: &[u8], purpose: Purpose, id: &str) -> String {
    format!(
        "{id}.{}",
        hex::encode(mac(secret, purpose, id).finalize().into_bytes())
    )
}

/// The token id, if `token` was signed with this secret for this purpose.
pub fn verify(secret: &[u8], purpose: Purpose, token: &str) -> Option<String> {
    let (id, signature) = token.split_once('.')?;
    let signature = hex::decode(signature).ok()?;
    if id.is_empty() || id.len() > 64 {
        return None;
    }
    mac(secret, purpose, id)
        .verify_slice(&signature)
        .ok()
        .map(|()| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_key_and_purpose() {
        let token = sign(b"key-one", Purpose::PasswordReset, "abc");
        assert_eq!(
            verify(b"key-one", Purpose::PasswordReset, &token).as_deref(),
            Some("abc")
        );
        assert_eq!(verify(b"key-two", Purpose::PasswordReset, &token), None);
        assert_eq!(verify(b"key-one", Purpose::Invitation, &token), None);
        let forged = token.replacen("abc", "abd", 1);
        assert_eq!(verify(b"key-one", Purpose::PasswordReset, &forged), None);
        for junk in ["", ".", "abc", "abc.zz", "abc.", ".00"] {
            assert_eq!(verify(b"key-one", Purpose::PasswordReset, junk), None);
        }
    }
}
