//! Time-based work, run by the loop in `background` on the injected clock: information
//! requests past their deadline dismiss their application; connections expire, get their
//! expiry reminders, and have missed deadlines flagged. Every job is idempotent (conditional
//! updates and claimed marks), and a lease in the database lets one server at a time run
//! them when several share a PostgreSQL database.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::TimeDelta;

use crate::db::DbPool;
use crate::db::audit::ChainStatus;
use crate::db::models::connection as connection_db;
use crate::domain::clock::Clock;
use crate::domain::rules::WorkflowRules;
use crate::workflows::{WorkflowError, applications, audit, connections, notify};

/// This process's name as a lease holder.
static HOLDER: LazyLock<String> =
    LazyLock::new(|| format!("{}-{}", std::process::id(), uuid::Uuid::new_v4()));

/// How often the jobs run unless `SCHEDULER_SECONDS` says otherwise.
const DEFAULT_EVERY: Duration = Duration::from_secs(60);

/// The longest time between runs that `SCHEDULER_SECONDS` allows: a day.
const MAX_EVERY: Duration = Duration::from_secs(86_400);

/// How long a lease lasts for runs `every` apart: longer than one run, so its holder keeps
/// it, and a little less than two, so a stopped server's lease lapses (110 s for a minute).
fn lease_for(every: Duration) -> TimeDelta {
    TimeDelta::milliseconds((every.min(MAX_EVERY).as_millis() * 11 / 6) as i64)
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// False when another server holds the lease and this run did nothing.
    pub ran: bool,
    pub dismissed: usize,
    pub connections: connections::ConnectionJobs,
    /// Show-cause cases about links whose deadline passed, flagged.
    pub link_cases: usize,
    pub digests: usize,
    pub overdue_reminder: bool,
    /// What the scheduled check of the audit chain found (`None` when the run did nothing).
    pub audit_chain: Option<ChainStatus>,
}

impl RunReport {
    /// Whether any job changed anything.
    pub fn did_something(&self) -> bool {
        self.dismissed > 0
            || self.connections != Default::default()
            || self.link_cases > 0
            || self.digests > 0
            || self.overdue_reminder
    }
}

/// Runs every job once as of the clock's now, if this process can take the lease.
pub fn run_once(
    pool: &DbPool,
    clock: &dyn Clock,
    rules: &WorkflowRules,
) -> Result<RunReport, WorkflowError> {
    run_as(pool, clock, rules, &HOLDER)
}

/// Runs every job once as this process, holding the lease for runs `every` apart: one tick
/// of the background loop.
pub fn run_on_schedule(
    pool: &DbPool,
    clock: &dyn Clock,
    rules: &WorkflowRules,
    every: Duration,
) -> Result<RunReport, WorkflowError> {
    run_leased(pool, clock, rules, &HOLDER, lease_for(every))
}

/// Runs every job once under the lease of `holder` (tests name several holders to play
/// several servers).
pub fn run_as(
    pool: &DbPool,
    clock: &dyn Clock,
    rules: &WorkflowRules,
    holder: &str,
) -> Result<RunReport, WorkflowError> {
    run_leased(pool, clock, rules, holder, lease_for(DEFAULT_EVERY))
}

/// Runs every job once if `holder` can take the lease for `lease`.
fn run_leased(
    pool: &DbPool,
    clock: &dyn Clock,
    rules: &WorkflowRules,
    holder: &str,
    lease: TimeDelta,
) -> Result<RunReport, WorkflowError> {
    let mut conn = pool.get()?;
    let now = clock.now();
    if !connection_db::acquire_lease(&mut conn, holder, now, now + lease)? {
        return Ok(RunReport::default());
    }
    let dismissed = applications::lapse_unanswered_requests(&mut conn, now, rules)?;
    let connections = connections::run_scheduled(&mut conn, now, clock.today_in_vientiane())?;
    let link_cases = crate::workflows::link_cases::run_scheduled(&mut conn, now)?;
    let digests = notify::send_digests(&mut conn, now, clock.local_now())?;
    let overdue_reminder = notify::remind_overdue(&mut conn, rules, now, clock.local_now())?;
    let audit_chain = audit::check_scheduled(&mut conn, now)?;
    Ok(RunReport {
        ran: true,
        dismissed,
        connections,
        link_cases,
        digests,
        overdue_reminder,
        audit_chain: Some(audit_chain),
    })
}
