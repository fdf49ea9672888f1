//! What the database holds sealed under `SECRET_KEY` (staff's two-factor secrets, the
//! certificate signing keys, the audit chain's keys): who can no longer sign in because it
//! no longer opens, and sealing it all again under a new key given the old one.

use serde_json::json;

use crate::auth::seal::Resealed;
use crate::auth::{signing, totp};
use crate::db::audit;
use crate::db::models::certificate as certificate_db;
use crate::db::models::two_factor as two_factor_db;
use crate::db::{DbConn, write_tx};
use crate::domain::audit::AuditAction;
use crate::workflows::audit::record;
use crate::workflows::{Actor, WorkflowError};

/// A person whose confirmed second factor does not open under the key in use.
#[derive(Debug, Clone)]
pub struct LockedOut {
    pub user_id: String,
    pub email: String,
    pub name: String,
}

/// The people whose two-factor secret was sealed under another key than `key`: their
/// codes cannot be checked until the old key is given back (`rotate`) or an administrator
/// resets their second factor. Recovery codes still work.
pub fn locked_out(conn: &mut DbConn, key: &[u8]) -> Result<Vec<LockedOut>, WorkflowError> {
    Ok(two_factor_db::list_sealed(conn)?
        .into_iter()
        .filter(|(_, _, _, secret, _)| {
            secret
                .as_deref()
                .is_some_and(|sealed| totp::unseal_secret(key, sealed).is_none())
        })
        .map(|(user_id, email, name, _, _)| LockedOut {
            user_id,
            email,
            name,
        })
        .collect())
}

/// What `rotate` did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Rotation {
    /// Values that opened under the old key and are now sealed under the new one.
    pub resealed: usize,
    /// Values already sealed under the new key, left as they were.
    pub current: usize,
    /// What opens under neither key: `two-factor secret of EMAIL`, `signing key KID`.
    pub unreadable: Vec<String>,
}

impl Rotation {
    fn count(&mut self, outcome: &Resealed, what: impl FnOnce() -> String) {
        match outcome {
            Resealed::Current => self.current += 1,
            Resealed::Moved(_) => self.resealed += 1,
            Resealed::Unreadable => self.unreadable.push(what()),
        }
    }
}

/// The value to store after resealing: the moved one, or the stored one unchanged.
fn stored(outcome: Resealed, sealed: String) -> String {
    match outcome {
        Resealed::Moved(new) => new,
        Resealed::Current | Resealed::Unreadable => sealed,
    }
}

/// Seals again under `new` every value the database holds sealed under `old`, in one
/// transaction with its audit event. Values already under `new` stay; values that open
/// under neither are reported and left as they are.
pub fn rotate(
    conn: &mut DbConn,
    actor: &Actor,
    old: &[u8],
    new: &[u8],
) -> Result<Rotation, WorkflowError> {
    if old == new {
        return Err(WorkflowError::Conflict("error-secret-key-same"));
    }
    write_tx(conn, |conn| {
        let mut rotation = Rotation::default();
        for (user_id, email, _, secret, pending) in two_factor_db::list_sealed(conn)? {
            let mut reseal = |sealed: Option<String>, what: &str| {
                sealed.map(|sealed| {
                    let outcome = totp::reseal_secret(old, new, &sealed);
                    rotation.count(&outcome, || format!("{what} of {email}"));
                    stored(outcome, sealed)
                })
            };
            let secret = reseal(secret, "two-factor secret");
            let pending = reseal(pending, "two-factor secret being set up");
            two_factor_db::replace_sealed(conn, &user_id, secret.as_deref(), pending.as_deref())?;
        }
        for key in certificate_db::list_keys(conn)? {
            let outcome = signing::reseal_private_key(old, new, &key.sealed_private_key);
            rotation.count(&outcome, || format!("signing key {}", key.kid));
            let sealed = stored(outcome, key.sealed_private_key);
            certificate_db::replace_sealed_key(conn, &key.kid, &sealed)?;
        }
        let (chain_id, chain_keys) = audit::sealed_keys(conn)?;
        for (from_seq, sealed) in chain_keys {
            let outcome = audit::reseal_key(old, new, &chain_id, from_seq, &sealed);
            rotation.count(&outcome, || {
                format!("audit chain key from event {from_seq}")
            });
            audit::replace_sealed_key(conn, from_seq, &stored(outcome, sealed))?;
        }
        record(
            conn,
            actor,
            AuditAction::SecretKeyRotate,
            "secret_key",
            "",
            None,
            Some(json!({
                "resealed": rotation.resealed,
                "current": rotation.current,
                "unreadable": rotation.unreadable,
            })),
        )?;
        Ok(rotation)
    })
}
