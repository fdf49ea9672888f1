//! Time-based one-time passwords (RFC 6238: SHA-1, six digits, 30-second steps, one step
//! of clock drift either way) and one-time recovery codes. Secrets are sealed at rest.

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::auth::seal;

const SEALING_PURPOSE: &[u8] = b"two-factor secret sealing";
/// The name authenticator apps show beside the account.
pub const ISSUER: &str = "Interconnect Registry";
/// How many recovery codes a user is given at once.
pub const RECOVERY_CODES: usize = 10;

/// A new random 160-bit shared secret (the length RFC 4226 recommends).
pub fn new_secret() -> Vec<u8> {
    rand::random::<[u8; 20]>().to_vec()
}

/// Seals a shared secret for storage.
pub fn seal_secret(key: &[u8], secret: &[u8]) -> String {
    seal::seal(key, SEALING_PURPOSE, secret)
}

/// Opens a stored shared secret; `None` if `SECRET_KEY` changed or the value was altered.
pub fn unseal_secret(key: &[u8], sealed: &str) -> Option<Vec<u8>> {
    seal::unseal(key, SEALING_PURPOSE, sealed)
}

/// Seals a stored shared secret again under a new key (see `seal::reseal`).
pub fn reseal_secret(old: &[u8], new: &[u8], sealed: &str) -> seal::Resealed {
    seal::reseal(old, new, SEALING_PURPOSE, sealed)
}

fn totp(secret: &[u8], account: &str) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_account_name(account.replace(':', ""))
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The secret as people type it into an authenticator app: base32, in groups of four.
pub fn display_secret(secret: &[u8]) -> String {
    let encoded = Secret::from(secret.to_vec()).to_base32();
    encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `otpauth://` URL an authenticator app reads from the QR code.
pub fn otpauth_url(secret: &[u8], account: &str) -> Option<String> {
    totp(secret, account)?.to_url().ok()
}

/// The time step (`unix_seconds / 30`) the code belongs to, if it is right for `secret`
/// at `unix_seconds` or one step either side. Spaces in the code are ignored.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret, "")?.check(&code, unix_seconds)
}

/// A fresh set of recovery codes, each ten base32 characters in two groups (50 bits).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let encoded = Secret::from(rand::random::<[u8; 8]>())
                .to_base32()
                .to_lowercase();
            format!("{}-{}", &encoded[..5], &encoded[5..10])
        })
        .collect()
}

/// The stored hash of a recovery code, ignoring case, spaces and dashes as typed.
pub fn recovery_code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Whether the text looks like a recovery code rather than a six-digit code.
pub fn is_recovery_code(code: &str) -> bool {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 10
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890". The RFC lists eight
    /// digits; six-digit codes are their last six.
    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight_digits) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let code = &eight_digits[2..];
            assert_eq!(matching_step(secret, code, time), Some(time / 30), "{time}");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_no_further() {
        let secret = b"12345678901234567890";
        let code = "005924";
        let step = 1_234_567_890 / 30;
        assert_eq!(matching_step(secret, code, 1_234_567_890 + 30), Some(step));
        assert_eq!(matching_step(secret, code, 1_234_567_890 - 30), Some(step));
        assert_eq!(matching_step(secret, code, 1_234_567_890 + 90), None);
        assert_eq!(matching_step(secret, "005 924", 1_234_567_890), Some(step));
        for wrong in ["", "00592", "0059245", "abcdef", "٠٠٥٩٢٤", "005925"] {
            assert_eq!(matching_step(secret, wrong, 1_234_567_890), None, "{wrong}");
        }
    }

    #[test]
    fn the_otpauth_url_names_the_issuer_and_account() {
        let url = otpauth_url(b"12345678901234567890", "chair@example.la").unwrap();
        assert!(url.starts_with("otpauth://totp/Interconnect%20Registry:chair%40example.la?"));
        assert!(
            url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{url}"
        );
        assert_eq!(
            display_secret(b"12345678901234567890"),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_as_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert!(is_recovery_code(code));
        assert_eq!(
            recovery_code_hash(code),
            recovery_code_hash(&format!(" {} ", code.to_uppercase().replace('-', " ")))
        );
        assert_ne!(recovery_code_hash(code), recovery_code_hash(&codes[1]));
    }

    #[test]
    fn a_sealed_secret_needs_the_same_key() {
        let sealed = seal_secret(b"key", b"12345678901234567890");
        assert_eq!(
            unseal_secret(b"key", &sealed).as_deref(),
            Some(b"12345678901234567890".as_slice())
        );
        assert_eq!(unseal_secret(b"other", &sealed), None);
    }
}
