//! Recording an event in the audit chain, reading and checking the chain, and the pages
//! of the audit log.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone};

use crate::db::audit::{self, AuditEntry, AuditEvent, AuditFilter, ChainStatus};
use crate::db::models::{
    application as app_db, connection as connection_db, organisation as org_db, user as user_db,
};
use crate::db::{DbConn, Position, write_tx};
use crate::domain::audit::AuditAction;
use crate::domain::language::Lang;
use crate::workflows::{Actor, WorkflowError};

/// How often the scheduled check walks the whole chain again, not only what is new.
pub const FULL_WALK_EVERY: TimeDelta = TimeDelta::hours(24);

/// Walks the whole chain and reports whether it holds, or where it first breaks.
pub fn verify(conn: &mut DbConn) -> Result<ChainStatus, WorkflowError> {
    Ok(audit::verify_chain(conn)?)
}

/// The audit log's filters as a person typed them.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    /// Part of the name or e-mail address of the person who acted.
    pub actor: Option<String>,
    pub action: Option<String>,
    /// An application's reference, an approval number, a user's e-mail address or an
    /// organisation's short name.
    pub subject: Option<String>,
    /// The first and last days (in Vientiane) of the events shown.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The start of a Vientiane day, in UTC.
fn vientiane_midnight(day: NaiveDate) -> NaiveDateTime {
    chrono_tz::Asia::Vientiane
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .earliest()
        .map_or_else(|| day.and_time(NaiveTime::MIN), |t| t.naive_utc())
}

/// The filter the typed search names: the people and subjects it names looked up.
pub fn filter_of(conn: &mut DbConn, search: &AuditSearch) -> Result<AuditFilter, WorkflowError> {
    let actor_ids = match &search.actor {
        Some(text) => Some(user_db::ids_named_like(conn, text)?),
        None => None,
    };
    let subject_ids = match &search.subject {
        Some(reference) => {
            let upper = reference.to_uppercase();
            let lower = reference.to_lowercase();
            let found = [
                app_db::id_by_reference(conn, &upper)?,
                connection_db::find_by_number(conn, &upper)?.map(|c| c.id),
                user_db::find_by_email(conn, &lower)?.map(|u| u.id),
                org_db::find_by_slug(conn, &lower)?.map(|o| o.id),
            ];
            Some(found.into_iter().flatten().collect())
        }
        None => None,
    };
    Ok(AuditFilter {
        actor_ids,
        action: search.action.clone(),
        subject_ids,
        from: search.from.map(vientiane_midnight),
        until: search
            .to
            .and_then(|day| day.succ_opt())
            .map(vientiane_midnight),
    })
}

/// How the subjects of `events` are named on the page, by subject id: an application's
/// reference, a connection's approval number, a user's or an organisation's name.
pub fn subject_names(
    conn: &mut DbConn,
    events: &[AuditEvent],
    lang: Lang,
) -> Result<HashMap<String, String>, WorkflowError> {
    let ids_of = |kind: &str| -> Vec<String> {
        let mut ids: Vec<String> = events
            .iter()
            .filter(|e| e.subject_type == kind)
            .map(|e| e.subject_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let mut names = HashMap::new();
    for (id, reference) in app_db::references_of(conn, &ids_of("application"))? {
        if let Some(reference) = reference {
            names.insert(id, reference);
        }
    }
    names.extend(connection_db::numbers_of(conn, &ids_of("connection"))?);
    names.extend(user_db::names_of(conn, &ids_of("user"))?);
    for (id, name_en, name_lo) in org_db::names_of(conn, &ids_of("organisation"))? {
        names.insert(id, if lang == Lang::Lo { name_lo } else { name_en });
    }
    Ok(names)
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
        .map(|v| (v.verified_seq, v.verified_hash));
    let full_walk = resume.is_none();
    let (status, (seq, hash)) = audit::verify_from(conn, resume)?;
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
        .map(|v| (v.verified_seq, v.verified_hash.clone()));
    let (status, _) = audit::verify_from(conn, start)?;
    Ok((status, stored.and_then(|v| v.full_walk_at)))
}

/// A page of the audit log, and where it stands in the whole log.
#[derive(Debug)]
pub struct AuditLogPage {
    /// The events read at the page's position: one more than a page, to see if more follow.
    pub events: Vec<AuditEvent>,
    /// How many events match the search in all.
    pub total: i64,
    /// How many matching events come before the page.
    pub ahead: i64,
    /// The subjects' names, by subject id (see [`subject_names`]).
    pub names: HashMap<String, String>,
    /// The chain as far as it is checked (see [`status_for_page`]).
    pub status: ChainStatus,
    /// When the whole chain was last walked; `None`: it was walked in full now.
    pub full_walk_at: Option<NaiveDateTime>,
}

/// The audit log's events matching `search`, `size` of them at `position` (an event's
/// sequence number), with their subjects named in `lang`.
pub fn log_page(
    conn: &mut DbConn,
    search: &AuditSearch,
    position: Position<i64>,
    size: i64,
    lang: Lang,
) -> Result<AuditLogPage, WorkflowError> {
    let filter = filter_of(conn, search)?;
    let events = audit::list_page(conn, &filter, position, size + 1)?;
    let total = audit::count_matching(conn, &filter, None)?;
    let ahead = match position.first_row(&events, size) {
        Some(event) => audit::count_matching(conn, &filter, Some(event.seq))?,
        None => 0,
    };
    let names = subject_names(conn, &events, lang)?;
    let (status, full_walk_at) = status_for_page(conn)?;
    Ok(AuditLogPage {
        events,
        total,
        ahead,
        names,
        status,
        full_walk_at,
    })
}

pub(crate) fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: AuditAction,
    subject_type: &str,
    subject_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> diesel::QueryResult<i64> {
    audit::append(
        conn,
        &AuditEntry {
            actor_id: actor.id.as_deref(),
            actor_label: &actor.label,
            action,
            subject_type,
            subject_id,
            before_state: before.map(|v| v.to_string()),
            after_state: after.map(|v| v.to_string()),
            ip: &actor.ip,
        },
    )
}
