//! Reading and checking the audit chain.

use crate::db::DbConn;
use crate::db::audit::{self, AuditEvent, ChainStatus};
use crate::workflows::WorkflowError;

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
