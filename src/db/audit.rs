//! `audit_events` and `audit_head`: the append-only, hash-chained record of every change.
//! Appending must happen inside the write transaction of the change it records.

use chrono::NaiveDateTime;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use crate::db::schema::{audit_events, audit_head, audit_verification};
use crate::db::{DbConn, Position};
use crate::domain::audit::{
    AuditAction, AuditContent, ChainBreak, ChainVerifier, LABEL_LIMIT, STATE_LIMIT, bounded,
};

/// What happened, by whom, to what: the caller's part of an audit event.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_id: Option<&'a str>,
    pub actor_label: &'a str,
    pub action: AuditAction,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub ip: &'a str,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub ip: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    /// Whether the event records `action`.
    pub fn is(&self, action: AuditAction) -> bool {
        self.action == action.code()
    }

    pub fn content(&self) -> AuditContent<'_> {
        AuditContent {
            seq: self.seq,
            occurred_at: self.occurred_at,
            actor_id: self.actor_id.as_deref(),
            actor_label: &self.actor_label,
            action: &self.action,
            subject_type: &self.subject_type,
            subject_id: &self.subject_id,
            before_state: self.before_state.as_deref(),
            after_state: self.after_state.as_deref(),
            ip: &self.ip,
        }
    }
}

/// Locks the chain's head until the transaction ends (see [`crate::db::write_tx`]).
pub fn lock_head(conn: &mut PgConnection) -> QueryResult<()> {
    audit_head::table
        .find(1)
        .select(audit_head::last_seq)
        .for_update()
        .first::<i64>(conn)
        .map(drop)
}

/// The chain's head: how many events were recorded, and the newest one's hash.
pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
    audit_head::table
        .find(1)
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)
}

/// The hash stored with event `seq`, if the event is there.
pub fn hash_of(conn: &mut DbConn, seq: i64) -> QueryResult<Option<String>> {
    audit_events::table
        .find(seq)
        .select(audit_events::hash)
        .first(conn)
        .optional()
}

/// Appends one event to the chain. Every text is bounded first ([`bounded`]), here and
/// only here, so no caller can write more than the stated limits. The first statement
/// bumps the head row, which on PostgreSQL locks it until commit, so concurrent appends
/// queue instead of forking.
pub fn append(conn: &mut DbConn, entry: &AuditEntry<'_>) -> QueryResult<i64> {
    let (seq, prev_hash): (i64, String) = diesel::update(audit_head::table.find(1))
        .set(audit_head::last_seq.eq(audit_head::last_seq + 1))
        .returning((audit_head::last_seq, audit_head::last_hash))
        .get_result(conn)?;
    let label = |text: &str| bounded(text, LABEL_LIMIT).into_owned();
    let state = |text: &Option<String>| {
        text.as_deref()
            .map(|t| bounded(t, STATE_LIMIT).into_owned())
    };
    let mut row = AuditEvent {
        seq,
        occurred_at: crate::db::now(),
        actor_id: entry.actor_id.map(label),
        actor_label: label(entry.actor_label),
        action: entry.action.code().to_owned(),
        subject_type: label(entry.subject_type),
        subject_id: label(entry.subject_id),
        before_state: state(&entry.before_state),
        after_state: state(&entry.after_state),
        ip: label(entry.ip),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.content().chain_hash(&row.prev_hash);
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(conn)?;
    diesel::update(audit_head::table.find(1))
        .set(audit_head::last_hash.eq(&row.hash))
        .execute(conn)?;
    Ok(seq)
}

/// The newest events first, up to `limit`, older than `before_seq` when given.
pub fn list_recent(
    conn: &mut DbConn,
    limit: i64,
    before_seq: Option<i64>,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .select(AuditEvent::as_select())
        .order(audit_events::seq.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before_seq {
        query = query.filter(audit_events::seq.lt(before));
    }
    query.load(conn)
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStatus {
    Intact { events: i64 },
    Broken(ChainBreak),
}

/// Walks every event in order, a batch at a time, and compares the end with the head.
pub fn verify_chain(conn: &mut DbConn) -> QueryResult<ChainStatus> {
    verify_from(conn, ChainVerifier::default()).map(|(status, _)| status)
}

/// Walks the events after `verifier`'s position in order, a batch at a time, and compares
/// the end with the head. Returns what it found, and the last event that held with its
/// hash (where a later walk may go on from).
/// The walk reads one snapshot, so events appended meanwhile are neither half seen nor
/// taken for a head that moved.
pub fn verify_from(
    conn: &mut DbConn,
    verifier: ChainVerifier,
) -> QueryResult<(ChainStatus, (i64, String))> {
    crate::db::snapshot_tx(conn, |conn| walk(conn, verifier))
}

fn walk(
    conn: &mut DbConn,
    mut verifier: ChainVerifier,
) -> QueryResult<(ChainStatus, (i64, String))> {
    const BATCH: i64 = 2_000;
    let mut after = verifier.position().0;
    let held = |v: &ChainVerifier| (v.position().0, v.position().1.to_string());
    loop {
        let batch: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::seq.gt(after))
            .order(audit_events::seq.asc())
            .limit(BATCH)
            .select(AuditEvent::as_select())
            .load(conn)?;
        for event in &batch {
            if let Err(b) = verifier.check(&event.content(), &event.prev_hash, &event.hash) {
                return Ok((ChainStatus::Broken(b), held(&verifier)));
            }
        }
        match batch.last() {
            Some(last) if batch.len() as i64 == BATCH => after = last.seq,
            _ => break,
        }
    }
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)?;
    let position = held(&verifier);
    let status = match verifier.finish(head_seq, &head_hash) {
        Ok(events) => ChainStatus::Intact { events },
        Err(b) => ChainStatus::Broken(b),
    };
    Ok((status, position))
}

/// How far the scheduled check found the chain to hold, and when it last walked it all.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_verification)]
pub struct Verified {
    pub verified_seq: i64,
    pub verified_hash: String,
    pub checked_at: NaiveDateTime,
    pub full_walk_at: Option<NaiveDateTime>,
}

/// The scheduled check's last result, if it ran.
pub fn find_verified(conn: &mut DbConn) -> QueryResult<Option<Verified>> {
    audit_verification::table
        .find(1)
        .select(Verified::as_select())
        .first(conn)
        .optional()
}

/// Records how far the chain held at `at` (and, when `full_walk`, that it was walked from
/// its first event).
pub fn save_verified(
    conn: &mut DbConn,
    seq: i64,
    hash: &str,
    at: NaiveDateTime,
    full_walk: bool,
) -> QueryResult<()> {
    let updated = if full_walk {
        diesel::update(audit_verification::table.find(1))
            .set((
                audit_verification::verified_seq.eq(seq),
                audit_verification::verified_hash.eq(hash),
                audit_verification::checked_at.eq(at),
                audit_verification::full_walk_at.eq(at),
            ))
            .execute(conn)?
    } else {
        diesel::update(audit_verification::table.find(1))
            .set((
                audit_verification::verified_seq.eq(seq),
                audit_verification::verified_hash.eq(hash),
                audit_verification::checked_at.eq(at),
            ))
            .execute(conn)?
    };
    if updated == 0 {
        diesel::insert_into(audit_verification::table)
            .values((
                audit_verification::id.eq(1),
                audit_verification::verified_seq.eq(seq),
                audit_verification::verified_hash.eq(hash),
                audit_verification::checked_at.eq(at),
                audit_verification::full_walk_at.eq(full_walk.then_some(at)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What the audit log is narrowed to. The lists hold the ids the typed person or subject
/// reference named (an empty list matches nothing).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_ids: Option<Vec<String>>,
    pub action: Option<String>,
    pub subject_ids: Option<Vec<String>>,
    /// Events at or after this time.
    pub from: Option<NaiveDateTime>,
    /// Events before this time.
    pub until: Option<NaiveDateTime>,
}

impl AuditFilter {
    /// Whether a list of ids in the filter is empty, so no event can match.
    fn matches_nothing(&self) -> bool {
        self.actor_ids.as_ref().is_some_and(Vec::is_empty)
            || self.subject_ids.as_ref().is_some_and(Vec::is_empty)
    }
}

macro_rules! audit_filtered {
    ($query:expr, $filter:expr) => {{
        let mut query = $query;
        let filter: &AuditFilter = $filter;
        if let Some(ids) = &filter.actor_ids {
            query = query.filter(audit_events::actor_id.eq_any(ids.clone()));
        }
        if let Some(action) = &filter.action {
            query = query.filter(audit_events::action.eq(action.clone()));
        }
        if let Some(ids) = &filter.subject_ids {
            query = query.filter(audit_events::subject_id.eq_any(ids.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_events::occurred_at.ge(from));
        }
        if let Some(until) = filter.until {
            query = query.filter(audit_events::occurred_at.lt(until));
        }
        query
    }};
}

/// `limit` events the filter matches at `position` (a cursor is an event's `seq`), newest
/// first.
pub fn list_page(
    conn: &mut DbConn,
    filter: &AuditFilter,
    position: Position<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    if filter.matches_nothing() {
        return Ok(Vec::new());
    }
    let query = audit_filtered!(
        audit_events::table
            .select(AuditEvent::as_select())
            .limit(limit)
            .into_boxed(),
        filter
    );
    match position {
        Position::Start => query.order(audit_events::seq.desc()).load(conn),
        Position::After(seq) => query
            .filter(audit_events::seq.lt(seq))
            .order(audit_events::seq.desc())
            .load(conn),
        Position::Before(seq) => {
            let mut rows: Vec<AuditEvent> = query
                .filter(audit_events::seq.gt(seq))
                .order(audit_events::seq.asc())
                .load(conn)?;
            rows.reverse();
            Ok(rows)
        }
    }
}

/// How many events the filter matches: all, or only those newer than event `newer_than`.
/// Unfiltered, the chain's numbering (gap-free from 1) answers without counting.
pub fn count_matching(
    conn: &mut DbConn,
    filter: &AuditFilter,
    newer_than: Option<i64>,
) -> QueryResult<i64> {
    if filter.matches_nothing() {
        return Ok(0);
    }
    let unfiltered = filter.actor_ids.is_none()
        && filter.action.is_none()
        && filter.subject_ids.is_none()
        && filter.from.is_none()
        && filter.until.is_none();
    if unfiltered {
        let last: i64 = audit_head::table
            .find(1)
            .select(audit_head::last_seq)
            .first(conn)?;
        return Ok(last - newer_than.unwrap_or(0));
    }
    let mut query = audit_filtered!(audit_events::table.into_boxed(), filter);
    if let Some(seq) = newer_than {
        query = query.filter(audit_events::seq.gt(seq));
    }
    query.count().get_result(conn)
}

/// The events about one subject, oldest first.
pub fn list_for_subject(
    conn: &mut DbConn,
    subject_type: &str,
    subject_id: &str,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::subject_type.eq(subject_type))
        .filter(audit_events::subject_id.eq(subject_id))
        .order(audit_events::seq.asc())
        .select(AuditEvent::as_select())
        .load(conn)
}

/// The events with one of these actions recorded after event `after_seq` (and before
/// event `before_seq`, if given), oldest first.
pub fn list_actions_between(
    conn: &mut DbConn,
    actions: &[AuditAction],
    after_seq: i64,
    before_seq: Option<i64>,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::action.eq_any(actions.iter().map(|a| a.code())))
        .filter(audit_events::seq.gt(after_seq))
        .filter(audit_events::seq.lt(before_seq.unwrap_or(i64::MAX)))
        .order(audit_events::seq.asc())
        .select(AuditEvent::as_select())
        .load(conn)
}
