//! The operator's figures from the database, for the metrics endpoint: how many outbox
//! messages are in each status, and how many applications are past a running deadline.
//! Read only.

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::db::models::application as app_db;
use crate::db::models::outbox as outbox_db;
use crate::domain::application::Status;
use crate::workflows::WorkflowError;

/// What the database says at `now`: outbox messages per status (only the statuses that
/// have any), and the applications whose running clock is past its deadline.
pub fn figures(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> Result<(Vec<(String, i64)>, i64), WorkflowError> {
    let counts = outbox_db::count_by_status(conn)?;
    let running: Vec<Status> = Status::ALL.into_iter().filter(|s| s.clock_runs()).collect();
    let overdue = app_db::count_due_before(conn, &running, now)?;
    Ok((counts, overdue))
}

/// Whether the database answers.
pub fn ping(conn: &mut DbConn) -> Result<(), WorkflowError> {
    Ok(crate::db::ping(conn)?)
}
