//! Time-based work, run by a background task on the injected clock: information requests
//! past their deadline dismiss their application. Every job is idempotent, so running it
//! twice, or on two servers at once, does each piece of work once.

use std::sync::Arc;
use std::time::Duration;

use crate::db::DbPool;
use crate::domain::clock::Clock;
use crate::workflows::{WorkflowError, applications};

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub dismissed: usize,
}

/// Runs every job once, as of the clock's now.
pub fn run_once(pool: &DbPool, clock: &dyn Clock) -> Result<RunReport, WorkflowError> {
    let mut conn = pool.get()?;
    let dismissed = applications::lapse_unanswered_requests(&mut conn, clock.now())?;
    Ok(RunReport { dismissed })
}

/// Runs the jobs every `every`, off the async threads, until the process ends.
pub fn spawn(pool: DbPool, clock: Arc<dyn Clock>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let (pool, clock) = (pool.clone(), clock.clone());
            match tokio::task::spawn_blocking(move || run_once(&pool, clock.as_ref())).await {
                Ok(Ok(report)) if report != RunReport::default() => {
                    tracing::info!(?report, "scheduled jobs ran")
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "scheduled jobs failed"),
                Err(e) => tracing::error!(error = %e, "scheduled jobs panicked"),
            }
        }
    });
}
