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

/// A hash of nothing in particular, verified against when there is no usable hash (an
/// unknown account, or an invited one whose password is not set yet), so that those answer
/// in the time a wrong password takes.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash("no account has this password"));

/// The hash a password is checked against, and whether it is the account's own.
fn target(stored: Option<&str>) -> (PasswordHash<'_>, bool) {
    match stored.and_then(|s| PasswordHash::new(s).ok()) {
        Some(parsed) => (parsed, true),
        None => (
            PasswordHash::new(&DUMMY_HASH).expect("the dummy hash is a PHC string"),
            false,
        ),
    }
}

/// Checks a password against a stored hash; `None` stands for an unknown account, and an
/// empty or unreadable hash matches no password. Each costs one Argon2 verification.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let (parsed, real) = target(stored);
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
        assert!(!verify("", Some("")));
    }

    #[test]
    fn an_account_without_a_password_is_checked_like_an_unknown_one() {
        let unknown = target(None);
        for stored in ["", "not a hash"] {
            let (parsed, real) = target(Some(stored));
            assert!(!real, "{stored:?}");
            assert_eq!(parsed.to_string(), unknown.0.to_string(), "{stored:?}");
        }
        // And the dummy costs what a real account's hash costs.
        let real = hash("a password of a real account");
        let (parsed, own) = target(Some(&real));
        assert!(own);
        assert_eq!(parsed.algorithm, unknown.0.algorithm);
        assert_eq!(parsed.params, unknown.0.params);
    }
}
