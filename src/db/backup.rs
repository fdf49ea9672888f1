//! `backup`: a consistent copy of a live SQLite database, checked before it is reported.
//! PostgreSQL databases are backed up with PostgreSQL's own tools (README, "Backups").

use std::path::{Path, PathBuf};
use std::time::Instant;

use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

use crate::db::DbConn;
use crate::db::audit::{ChainStatus, verify_chain};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this is a PostgreSQL database: back it up with pg_dump (see \"Backups\" in the README)"
    )]
    Postgres,
    #[error("{0} already exists: a backup never overwrites a file")]
    TargetExists(PathBuf),
    #[error("the backup could not be written: {0}")]
    Write(diesel::result::Error),
    #[error("the copy at {path} failed its check: {problem}")]
    Check { path: PathBuf, problem: String },
}

/// What a finished backup holds.
#[derive(Debug, serde::Serialize)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub audit_events: i64,
    pub seconds: f64,
}

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Writes the database behind `conn` to `target` with `VACUUM INTO`, which reads one
/// snapshot while other connections go on writing, then opens the copy and checks it:
/// SQLite's integrity check and the audit log's hash chain.
pub fn backup(conn: &mut DbConn, target: &Path) -> Result<BackupSummary, BackupError> {
    let DbConn::Sqlite(live) = conn else {
        return Err(BackupError::Postgres);
    };
    if target.exists() {
        return Err(BackupError::TargetExists(target.to_path_buf()));
    }
    let started = Instant::now();
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target.to_string_lossy())
        .execute(live)
        .map_err(BackupError::Write)?;
    let check = |problem: String| BackupError::Check {
        path: target.to_path_buf(),
        problem,
    };
    let mut copy = SqliteConnection::establish(&target.to_string_lossy())
        .map(DbConn::Sqlite)
        .map_err(|e| check(e.to_string()))?;
    let DbConn::Sqlite(copy_sqlite) = &mut copy else {
        unreachable!("opened as SQLite")
    };
    let integrity: Vec<IntegrityRow> = diesel::sql_query("PRAGMA integrity_check")
        .load(copy_sqlite)
        .map_err(|e| check(e.to_string()))?;
    if integrity.len() != 1 || integrity[0].integrity_check != "ok" {
        let found: Vec<String> = integrity.into_iter().map(|r| r.integrity_check).collect();
        return Err(check(found.join("; ")));
    }
    let audit_events = match verify_chain(&mut copy).map_err(|e| check(e.to_string()))? {
        ChainStatus::Intact { events } => events,
        ChainStatus::Broken(broken) => return Err(check(broken.to_string())),
    };
    let bytes = std::fs::metadata(target)
        .map_err(|e| check(e.to_string()))?
        .len();
    Ok(BackupSummary {
        path: target.to_path_buf(),
        bytes,
        audit_events,
        seconds: started.elapsed().as_secs_f64(),
    })
}
