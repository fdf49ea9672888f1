//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes).

use std::sync::LazyLock;

use argon2::password_hash::SaltString;
use argon2::password_hash::rand_core::OsRng;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

/// Hashes a password into a self-describing PHC string.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string()
}

/// A hash of nothing in particular, verified against when the account does not exist so
/// that a wrong e-mail and a wrong password take the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash("no account has this password"));

/// Checks a password against a stored hash; `None` stands for an unknown account.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let (stored, real) = match stored {
        Some(s) => (s, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_own_password() {
        let stored = hash("correct horse battery");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("wrong horse battery", Some(&stored)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("anything", Some("not a hash")));
    }
}
