//! Reading and checking the audit chain.

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::audit::{self, AuditEvent, ChainStatus};
use crate::db::{DbConn, write_tx};
use crate::domain::audit::ChainVerifier;
use crate::workflows::WorkflowError;

/// How often the scheduled check walks the whole chain again, not only what is new.
pub const FULL_WALK_EVERY: TimeDelta = TimeDelta::hours(24);

/// Walks the whole chain and reports whether it holds, or where it first breaks.
pub fn verify(conn: &mut DbConn) -> Result<ChainStatus, WorkflowError> {
    Ok(audit::verify_chain(conn)?)
}

/// A page of the newest events.
pub fn recent(
    conn: &mut DbConn,
    limit: i64,
    before_seq: Option<i64>,
) -> Result<Vec<AuditEvent>, WorkflowError> {
    Ok(audit::list_recent(conn, limit, before_seq)?)
}

/// The scheduled check: walks the events recorded since the last check (the whole chain
/// when it was last walked in full `FULL_WALK_EVERY` ago, or never), and remembers how far
/// the chain holds, so the audit page need not walk it all.
pub fn check_scheduled(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> Result<ChainStatus, WorkflowError> {
    let stored = audit::find_verified(conn)?;
    let resume = stored
        .filter(|v| v.full_walk_at.is_some_and(|at| now - at < FULL_WALK_EVERY))
        .map(|v| ChainVerifier::resume(v.verified_seq, &v.verified_hash));
    let full_walk = resume.is_none();
    let (status, (seq, hash)) = audit::verify_from(conn, resume.unwrap_or_default())?;
    write_tx(conn, |conn| {
        audit::save_verified(conn, seq, &hash, now, full_walk)
    })?;
    if let ChainStatus::Broken(b) = &status {
        tracing::error!(seq = b.seq(), problem = %b, "the audit chain is broken");
    }
    Ok(status)
}

/// The chain as the audit page shows it: from where the scheduled check found it to hold,
/// the events recorded since walked now; and when the whole chain was last walked (`None`:
/// it was walked in full now).
pub fn status_for_page(
    conn: &mut DbConn,
) -> Result<(ChainStatus, Option<NaiveDateTime>), WorkflowError> {
    let stored = audit::find_verified(conn)?;
    let start = stored
        .as_ref()
        .map(|v| ChainVerifier::resume(v.verified_seq, &v.verified_hash))
        .unwrap_or_default();
    let (status, _) = audit::verify_from(conn, start)?;
    Ok((status, stored.and_then(|v| v.full_walk_at)))
}
