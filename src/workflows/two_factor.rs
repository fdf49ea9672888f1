//! Second factors: setting one up (a TOTP secret confirmed by a first code, with recovery
//! codes), checking one at sign-in, and an administrator's reset.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::auth::totp;
use crate::db::models::session as session_db;
use crate::db::models::two_factor as two_factor_db;
use crate::db::models::user::{self as user_db, User};
use crate::db::{DbConn, write_tx};
use crate::domain::audit::AuditAction;
use crate::workflows::audit::record;
use crate::workflows::{Actor, WorkflowError};

/// What an authenticator app needs: the secret as typed, and the URL its QR code holds.
#[derive(Debug)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
}

/// Why a code was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("the code is wrong, expired or already used")]
    Wrong,
    /// The stored secret does not open under the server's key: `SECRET_KEY` (or the key
    /// file) changed since it was set up, so no code can be checked.
    #[error("the two-factor secret was sealed under another secret key")]
    KeyUnreadable,
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
}

impl From<diesel::result::Error> for CodeError {
    fn from(e: diesel::result::Error) -> Self {
        CodeError::Workflow(e.into())
    }
}

/// How the second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    Code,
    /// A recovery code, with how many are left.
    RecoveryCode {
        remaining: i64,
    },
}

fn unix_seconds(at: NaiveDateTime) -> u64 {
    u64::try_from(at.and_utc().timestamp()).unwrap_or(0)
}

/// Starts (or resumes) setting up a second factor for a user: the secret stays the same
/// until it is confirmed, so a page reloaded after scanning still matches the app.
pub fn begin_enrolment(
    conn: &mut DbConn,
    key: &[u8],
    user_id: &str,
) -> Result<Enrolment, WorkflowError> {
    let user = user_db::find(conn, user_id)?.ok_or(WorkflowError::NotFound)?;
    if user.totp_secret.is_some() {
        return Err(WorkflowError::Conflict("error-two-factor-already-on"));
    }
    let pending = |conn: &mut DbConn| -> Result<Option<Vec<u8>>, WorkflowError> {
        Ok(two_factor_db::pending_secret(conn, &user.id)?
            .and_then(|sealed| totp::unseal_secret(key, &sealed)))
    };
    let secret = match pending(conn)? {
        Some(secret) => secret,
        None => {
            let secret = totp::new_secret();
            let sealed = totp::seal_secret(key, &secret);
            if two_factor_db::set_pending_secret(conn, &user.id, &sealed)? {
                secret
            } else {
                // Another page stored one first, or the stored one no longer opens
                // (SECRET_KEY changed): replace an unreadable one, else use theirs.
                match pending(conn)? {
                    Some(theirs) => theirs,
                    None => {
                        two_factor_db::replace_pending_secret(conn, &user.id, &sealed)?;
                        secret
                    }
                }
            }
        }
    };
    Ok(Enrolment {
        secret: totp::display_secret(&secret),
        otpauth_url: totp::otpauth_url(&secret, &user.email)
            .ok_or(WorkflowError::Conflict("error-two-factor-already-on"))?,
    })
}

/// Confirms the secret being set up with a first code from the app, in its own
/// transaction. Returns the new recovery codes, to be shown once.
pub fn confirm_enrolment(
    conn: &mut DbConn,
    key: &[u8],
    actor: &Actor,
    user_id: &str,
    code: &str,
    now: NaiveDateTime,
) -> Result<Vec<String>, CodeError> {
    write_tx(conn, |conn| confirm(conn, key, actor, user_id, code, now))
}

/// `confirm_enrolment` inside the caller's transaction.
pub(crate) fn confirm(
    conn: &mut DbConn,
    key: &[u8],
    actor: &Actor,
    user_id: &str,
    code: &str,
    now: NaiveDateTime,
) -> Result<Vec<String>, CodeError> {
    let user = user_db::find(conn, user_id)?.ok_or(WorkflowError::NotFound)?;
    if user.totp_secret.is_some() {
        return Err(WorkflowError::Conflict("error-two-factor-already-on").into());
    }
    let sealed = two_factor_db::pending_secret(conn, user_id)?.ok_or(CodeError::Wrong)?;
    let secret = totp::unseal_secret(key, &sealed).ok_or(CodeError::Wrong)?;
    let step = totp::matching_step(&secret, code, unix_seconds(now)).ok_or(CodeError::Wrong)?;
    two_factor_db::enable(
        conn,
        user_id,
        &sealed,
        i64::try_from(step).unwrap_or(i64::MAX),
    )?;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_code_hash(c)).collect();
    two_factor_db::replace_recovery_codes(conn, user_id, &hashes, now)?;
    record(
        conn,
        actor,
        AuditAction::UserTwoFactorEnabled,
        "user",
        user_id,
        None,
        Some(json!({ "recovery_codes": codes.len() })),
    )?;
    Ok(codes)
}

/// Checks a code from the user's app, or one of their recovery codes, and uses it up:
/// neither works a second time. Runs inside the caller's transaction.
pub(crate) fn check(
    conn: &mut DbConn,
    key: &[u8],
    user: &User,
    code: &str,
    now: NaiveDateTime,
) -> Result<Given, CodeError> {
    if totp::is_recovery_code(code) {
        let hash = totp::recovery_code_hash(code);
        if !two_factor_db::use_recovery_code(conn, &user.id, &hash, now)? {
            return Err(CodeError::Wrong);
        }
        let remaining = two_factor_db::unused_recovery_codes(conn, &user.id)?;
        return Ok(Given::RecoveryCode { remaining });
    }
    let sealed = user.totp_secret.as_deref().ok_or(CodeError::Wrong)?;
    let secret = totp::unseal_secret(key, sealed).ok_or(CodeError::KeyUnreadable)?;
    let step = totp::matching_step(&secret, code, unix_seconds(now)).ok_or(CodeError::Wrong)?;
    if two_factor_db::claim_step(conn, &user.id, i64::try_from(step).unwrap_or(i64::MAX))? {
        Ok(Given::Code)
    } else {
        Err(CodeError::Wrong)
    }
}

/// How many unused recovery codes the user has.
pub fn recovery_codes_left(conn: &mut DbConn, user_id: &str) -> Result<i64, WorkflowError> {
    Ok(two_factor_db::unused_recovery_codes(conn, user_id)?)
}

/// An administrator removes a user's second factor (a lost phone and no recovery code
/// left). The user's sessions end, and their next sign-in sets up a new one.
pub fn reset(conn: &mut DbConn, actor: &Actor, user_id: &str) -> Result<(), WorkflowError> {
    write_tx(conn, |conn| {
        let user = user_db::find(conn, user_id)?.ok_or(WorkflowError::NotFound)?;
        two_factor_db::clear(conn, user_id)?;
        let ended = session_db::delete_for_user(conn, user_id)?;
        record(
            conn,
            actor,
            AuditAction::UserTwoFactorReset,
            "user",
            user_id,
            Some(json!({ "two_factor": user.totp_secret.is_some() })),
            Some(json!({ "two_factor": false, "sessions_ended": ended })),
        )?;
        Ok(())
    })
}
