//! Checkpoints of the audit chain that leave the database: the chain's head (how many
//! events, the newest one's hash) signed with the certificate key as a C2SP
//! tlog-checkpoint note, named `<registry address>/audit`, and written as a file of its
//! own to `AUDIT_CHECKPOINT_DIR`. `verify-audit --checkpoints` then checks that the
//! database's chain still holds every event a checkpoint covered, as it was: a truncated,
//! re-attributed or re-chained history no longer matches a checkpoint made before it.
//! The auditors are sent the day's checkpoint by e-mail, a copy no one with the database
//! alone can take back.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::audit;
use crate::db::models::connection as connection_db;
use crate::db::{DbConn, write_tx};
use crate::domain::notification::{MessageKind, Params};
use crate::domain::transparency::{Hash, open_checkpoint};
use crate::workflows::certificates::{CertificateAuthority, current_signer};
use crate::workflows::transparency::{origin_of, verifier_keys_named};
use crate::workflows::{WorkflowError, notify};

/// A signed head of the audit chain.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditCheckpoint {
    pub events: i64,
    pub hash: String,
    pub note: String,
}

/// The audit checkpoints' name, and their signing key's: `<registry address>/audit`.
pub fn origin(authority: &CertificateAuthority) -> String {
    origin_of(authority, "audit")
}

/// Signs the audit chain's head as it is now; None while the chain is empty.
pub fn sign(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<Option<AuditCheckpoint>, WorkflowError> {
    write_tx(conn, |conn| sign_head(conn, authority, now))
}

/// The checkpoint the audit page offers its readers, given the chain's `status` as the
/// page found it: the head signed now while the chain holds, none of a chain found broken.
pub fn offered(
    conn: &mut DbConn,
    status: &audit::ChainStatus,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<Option<AuditCheckpoint>, WorkflowError> {
    match status {
        audit::ChainStatus::Intact { .. } => sign(conn, authority, now),
        audit::ChainStatus::Broken(_) => Ok(None),
    }
}

/// [`offered`] as a file of its own: the chain checked as far as the page checks it (the
/// scheduled check's position, and the events recorded since); a conflict when it was
/// found broken.
pub fn sign_checked(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<Option<AuditCheckpoint>, WorkflowError> {
    let status = crate::workflows::audit::status_for_page(conn)?.0;
    if let audit::ChainStatus::Broken(_) = status {
        return Err(WorkflowError::Conflict("error-audit-chain-broken"));
    }
    offered(conn, &status, authority, now)
}

/// [`sign`], inside the caller's transaction.
fn sign_head(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
) -> Result<Option<AuditCheckpoint>, WorkflowError> {
    let (events, hash) = audit::head(conn)?;
    let Some(root) = root_of(&hash).filter(|_| events > 0) else {
        return Ok(None);
    };
    let note = current_signer(conn, authority, now)?
        .checkpoint_signer(&origin(authority))
        .and_then(|signer| signer.sign(events as u64, root))
        .map_err(|_| WorkflowError::Conflict("error-signing-key"))?;
    Ok(Some(AuditCheckpoint { events, hash, note }))
}

/// Sends the auditors the day's checkpoint, once a day (Vientiane) whichever server gets
/// there first; false when it was sent already today, or the chain is empty. Inside one
/// transaction: the day's
/// mark, the checkpoint and the messages.
pub fn mail_daily(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<bool, WorkflowError> {
    write_tx(conn, |conn| {
        let Some(checkpoint) = sign_head(conn, authority, now)? else {
            return Ok(false);
        };
        if !connection_db::claim_mark(conn, "audit_checkpoint_mail", &today.to_string(), now)? {
            return Ok(false);
        }
        let to = notify::auditors(conn)?;
        let params = Params {
            path: "/admin/audit".into(),
            reference: checkpoint.events.to_string(),
            text: checkpoint.note,
            ..Params::default()
        };
        notify::enqueue(conn, MessageKind::AuditCheckpoint, &to, &params, now)?;
        Ok(true)
    })
}

/// An event's hash (hex) as a checkpoint's root hash.
fn root_of(hash: &str) -> Option<Hash> {
    Some(Hash(hex::decode(hash).ok()?.try_into().ok()?))
}

/// The name a checkpoint's file has: `audit-<events>.checkpoint`, the count zero-padded so
/// the files sort in the order they were signed.
pub fn file_name(checkpoint: &AuditCheckpoint) -> String {
    format!("audit-{:012}.checkpoint", checkpoint.events)
}

/// Writes `checkpoint` into `dir` as a file of its own, `audit-<events>.checkpoint`,
/// never over an existing one (a second checkpoint of the same head is the same note, and
/// is left as it was). Returns the file's path.
pub fn export(dir: &Path, checkpoint: &AuditCheckpoint) -> std::io::Result<PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(file_name(checkpoint));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(mut file) => {
            file.write_all(checkpoint.note.as_bytes())?;
            file.sync_all()?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    Ok(path)
}

/// The checkpoint files at `path`: the file itself, or every `*.checkpoint` file in the
/// directory, in name order; each with its text.
pub fn read_files(path: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut files = if path.is_dir() {
        std::fs::read_dir(path)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "checkpoint"))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    files
        .into_iter()
        .map(|p| Ok((p.display().to_string(), std::fs::read_to_string(&p)?)))
        .collect()
}

/// What the database's chain says to one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Held {
    /// Event `events` is there with the checkpoint's hash: every event up to it is as it
    /// was (each hash covers the one before).
    Holds { events: u64 },
    /// The chain is shorter than the checkpoint: events were removed.
    Truncated { events: u64, now: i64 },
    /// Event `events` has another hash: it or an event before it was changed, removed or
    /// attributed anew, and the chain recomputed.
    Rewritten { events: u64 },
    /// Not a checkpoint of this registry's audit chain signed by one of its keys.
    Unsigned { reason: String },
}

impl Held {
    pub fn holds(&self) -> bool {
        matches!(self, Held::Holds { .. })
    }

    /// The finding in plain words, for the command line.
    pub fn describe(&self) -> String {
        match self {
            Held::Holds { events } => format!("holds: the first {events} events are unchanged"),
            Held::Truncated { events, now } => format!(
                "TRUNCATED: it covers {events} events, the database holds {now}: the newest were removed"
            ),
            Held::Rewritten { events } => format!(
                "REWRITTEN: event {events} no longer has the hash signed for it: an event up to it was changed, removed or re-attributed and the chain recomputed"
            ),
            Held::Unsigned { reason } => format!("not a valid audit checkpoint: {reason}"),
        }
    }
}

/// Checks each checkpoint `(name, note)` against the database's chain. A checkpoint is
/// opened with the registry's keys under the name it carries (a server and the command
/// line may know the registry by different addresses), which must be an audit log's.
pub fn check(
    conn: &mut DbConn,
    checkpoints: &[(String, String)],
) -> Result<Vec<(String, Held)>, WorkflowError> {
    let (recorded, _) = audit::head(conn)?;
    checkpoints
        .iter()
        .map(|(name, note)| {
            let origin = note.lines().next().unwrap_or_default();
            let keys = if origin.ends_with("/audit") {
                verifier_keys_named(conn, origin)?
            } else {
                Vec::new()
            };
            let held = match open_checkpoint(note.as_bytes(), &keys) {
                Err(e) => Held::Unsigned {
                    reason: e.to_string(),
                },
                Ok(checkpoint) => {
                    let events = checkpoint.size;
                    match audit::hash_of(conn, events as i64)? {
                        _ if events == 0 => Held::Holds { events },
                        None if events as i64 > recorded => Held::Truncated {
                            events,
                            now: recorded,
                        },
                        Some(hash) if root_of(&hash) == Some(checkpoint.root) => {
                            Held::Holds { events }
                        }
                        _ => Held::Rewritten { events },
                    }
                }
            };
            Ok((name.clone(), held))
        })
        .collect()
}
