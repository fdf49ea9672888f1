//! A user's second factor: the sealed TOTP secret (`users.totp_*`) and the one-time
//! `recovery_codes`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{recovery_codes, users};

/// The secret being enrolled, if any.
pub fn pending_secret(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<String>> {
    users::table
        .find(user_id)
        .select(users::totp_pending)
        .first::<Option<String>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Stores the secret to enrol unless one is pending already (two pages opened at once
/// must show the same secret). Returns whether it was stored.
pub fn set_pending_secret(conn: &mut DbConn, user_id: &str, sealed: &str) -> QueryResult<bool> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::totp_pending.is_null()),
    )
    .set(users::totp_pending.eq(sealed))
    .execute(conn)
    .map(|n| n == 1)
}

/// Every user holding a sealed secret, confirmed or being set up: id, e-mail, name, the
/// confirmed secret and the pending one.
pub fn list_sealed(conn: &mut DbConn) -> QueryResult<Vec<SealedSecrets>> {
    users::table
        .filter(
            users::totp_secret
                .is_not_null()
                .or(users::totp_pending.is_not_null()),
        )
        .order(users::email)
        .select((
            users::id,
            users::email,
            users::name,
            users::totp_secret,
            users::totp_pending,
        ))
        .load(conn)
}

/// A user's sealed secrets, as `list_sealed` reads them.
pub type SealedSecrets = (String, String, String, Option<String>, Option<String>);

/// Replaces the user's sealed secrets as they are, sealed under another key.
pub fn replace_sealed(
    conn: &mut DbConn,
    user_id: &str,
    secret: Option<&str>,
    pending: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::totp_secret.eq(secret),
            users::totp_pending.eq(pending),
        ))
        .execute(conn)
}

/// Stores the secret to enrol in place of one that can no longer be opened.
pub fn replace_pending_secret(
    conn: &mut DbConn,
    user_id: &str,
    sealed: &str,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::totp_pending.eq(sealed))
        .execute(conn)
}

/// Makes the pending secret the user's second factor, with `step` already used.
pub fn enable(conn: &mut DbConn, user_id: &str, sealed: &str, step: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::totp_secret.eq(sealed),
            users::totp_pending.eq(None::<String>),
            users::totp_last_step.eq(step),
        ))
        .execute(conn)
}

/// Records `step` as used unless it, or a later one, was used before. Returns whether it
/// was recorded: a code is accepted once, even when two servers see it at the same time.
pub fn claim_step(conn: &mut DbConn, user_id: &str, step: i64) -> QueryResult<bool> {
    diesel::update(
        users::table.find(user_id).filter(
            users::totp_last_step
                .is_null()
                .or(users::totp_last_step.lt(step)),
        ),
    )
    .set(users::totp_last_step.eq(step))
    .execute(conn)
    .map(|n| n == 1)
}

/// Removes the user's second factor and recovery codes.
pub fn clear(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_pending.eq(None::<String>),
            users::totp_last_step.eq(None::<i64>),
        ))
        .execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)
        .map(drop)
}

/// Replaces the user's recovery codes with new ones (given as hashes).
pub fn replace_recovery_codes(
    conn: &mut DbConn,
    user_id: &str,
    hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    for hash in hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::id.eq(uuid::Uuid::new_v4().to_string()),
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Marks an unused recovery code as used. Returns whether there was one to use.
pub fn use_recovery_code(
    conn: &mut DbConn,
    user_id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// How many of the user's recovery codes are still unused.
pub fn unused_recovery_codes(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}
