//! The server's background loops: the scheduled jobs and the outbox's delivery, each a
//! task that runs until the process ends and counts its passes in `metrics`. What one pass
//! does belongs to its layer (`workflows::scheduler`, `mail::worker`); this module only
//! paces the passes, keeps blocking work off the async threads and logs the outcome.

use std::sync::Arc;
use std::time::Duration;

use crate::db::DbPool;
use crate::domain::clock::Clock;
use crate::domain::rules::WorkflowRules;
use crate::mail::worker::{Mailer, deliver_due};
use crate::metrics::{Metrics, SchedulerOutcome};
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::{audit_checkpoints, scheduler};

/// Runs the scheduled jobs every `every`, off the async threads, until the process ends,
/// and counts each run in `metrics`.
pub fn spawn_scheduler(
    pool: DbPool,
    clock: Arc<dyn Clock>,
    rules: WorkflowRules,
    every: Duration,
    metrics: Arc<Metrics>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let (pool, clock, rules) = (pool.clone(), clock.clone(), rules.clone());
            let run = move || scheduler::run_on_schedule(&pool, clock.as_ref(), &rules, every);
            let result = tokio::task::spawn_blocking(run).await;
            metrics.record_scheduler_run(match &result {
                Ok(Ok(report)) if report.ran => SchedulerOutcome::Ran,
                Ok(Ok(_)) => SchedulerOutcome::Skipped,
                _ => SchedulerOutcome::Failed,
            });
            match result {
                Ok(Ok(report)) if report.did_something() => {
                    tracing::info!(?report, "scheduled jobs ran")
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "scheduled jobs failed"),
                Err(e) => tracing::error!(error = %e, "scheduled jobs panicked"),
            }
        }
    });
}

/// Every `every`, until the process ends: signs the audit chain's head and writes it to
/// `dir`, if one is set, as a file of its own (a head already written is left as it is;
/// several servers may share the directory, as a head's checkpoint is the same note
/// whoever signs it); and sends the auditors the day's checkpoint, once a day.
pub fn spawn_audit_checkpoints(
    pool: DbPool,
    clock: Arc<dyn Clock>,
    authority: CertificateAuthority,
    dir: Option<std::path::PathBuf>,
    every: Duration,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let (pool, clock, authority, dir) =
                (pool.clone(), clock.clone(), authority.clone(), dir.clone());
            let pass = tokio::task::spawn_blocking(move || {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                let (now, today) = (clock.now(), clock.today_in_vientiane());
                audit_checkpoints::mail_daily(&mut conn, &authority, now, today)
                    .map_err(|e| e.to_string())?;
                let Some(dir) = dir else {
                    return Ok(None);
                };
                let Some(checkpoint) = audit_checkpoints::sign(&mut conn, &authority, now)
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(None);
                };
                audit_checkpoints::export(&dir, &checkpoint)
                    .map(|path| Some((checkpoint.events, path)))
                    .map_err(|e| format!("{}: {e}", dir.display()))
            })
            .await;
            match pass {
                Ok(Ok(Some((events, path)))) => {
                    tracing::debug!(events, path = %path.display(), "audit checkpoint written")
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "the audit checkpoint failed"),
                Err(e) => tracing::error!(error = %e, "the audit checkpoint panicked"),
            }
        }
    });
}

/// Delivers due messages until the process ends: batch after batch while there is work,
/// then a pause of `MAIL_POLL_MS`. Each attempt's outcome is counted in `metrics`.
pub fn spawn_mail_worker(
    pool: DbPool,
    mailer: Mailer,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
) {
    let pause = mailer.poll_interval();
    tokio::spawn(async move {
        loop {
            let pass = deliver_due(&pool, &mailer, clock.as_ref()).await;
            if let Ok(report) = &pass {
                metrics.record_mail(report.sent, report.retried, report.failed);
            }
            match pass {
                Ok(report) if report.claimed as i64 == mailer.batch() => continue,
                Ok(report) if report.claimed > 0 => tracing::info!(?report, "mail delivered"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "mail delivery failed"),
            }
            tokio::time::sleep(pause).await;
        }
    });
}
