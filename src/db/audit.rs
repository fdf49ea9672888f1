//! `audit_events` and `audit_head`: the append-only, hash-chained record of every change.
//! Appending must happen inside the write transaction of the change it records.
//! `audit_chain_keys` holds the keys of the chain's HMAC, each sealed under `SECRET_KEY`.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use chrono::NaiveDateTime;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use crate::auth::seal;
use crate::db::schema::{audit_chain_keys, audit_events, audit_head, audit_verification};
use crate::db::{DbConn, Position};
use crate::domain::audit::{
    AuditAction, AuditContent, ChainBreak, ChainKey, ChainKeys, ChainVerifier, LABEL_LIMIT,
    STATE_LIMIT, bounded,
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

/// The secrets this process was configured with, by the chain whose keys they open (the
/// database's `chain_id`: a backup copy is the same chain). Held per chain, not once for
/// the process, so that servers of different databases may share a process.
static SECRETS: LazyLock<RwLock<HashMap<String, Vec<u8>>>> = LazyLock::new(Default::default);

/// Holds `secret` (the server's `SECRET_KEY`) as the one that opens this database's chain
/// keys. Every server and command does this when it opens the database.
pub fn hold_secret(conn: &mut DbConn, secret: &[u8]) -> QueryResult<()> {
    let chain_id: String = audit_head::table
        .find(1)
        .select(audit_head::chain_id)
        .first(conn)?;
    SECRETS
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(chain_id, secret.to_vec());
    Ok(())
}

fn secret_of(chain_id: &str) -> Option<Vec<u8>> {
    SECRETS
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(chain_id)
        .cloned()
}

/// What a key is sealed for: its chain and first event, so a sealed key cannot be moved.
fn purpose(chain_id: &str, from_seq: i64) -> Vec<u8> {
    format!("audit chain {chain_id} key from {from_seq}").into_bytes()
}

fn open_key(secret: &[u8], chain_id: &str, from_seq: i64, sealed: &str) -> Option<ChainKey> {
    let plain = seal::unseal(secret, &purpose(chain_id, from_seq), sealed)?;
    Some(ChainKey(plain.try_into().ok()?))
}

#[derive(Debug, thiserror::Error)]
#[error("no SECRET_KEY is held for this database's audit chain")]
struct NoSecretHeld;

/// The keys to hash event `seq` with, on a chain cut over to keyed hashes at `keyed_from`:
/// the key in use, or, when there is none or it does not open under the secret held (the
/// secret was replaced without `rotate-secret-key`), a new key from `seq` on.
fn keys_at(conn: &mut DbConn, seq: i64, keyed_from: i64, chain_id: &str) -> QueryResult<ChainKeys> {
    if seq < keyed_from {
        return Ok(ChainKeys::new(keyed_from, Vec::new()));
    }
    let secret = secret_of(chain_id)
        .ok_or_else(|| diesel::result::Error::QueryBuilderError(Box::new(NoSecretHeld)))?;
    let in_use: Option<(i64, String)> = audit_chain_keys::table
        .filter(audit_chain_keys::from_seq.le(seq))
        .order(audit_chain_keys::from_seq.desc())
        .select((audit_chain_keys::from_seq, audit_chain_keys::sealed_key))
        .first(conn)
        .optional()?;
    let opened = in_use.as_ref().and_then(|(from, sealed)| {
        open_key(&secret, chain_id, *from, sealed).map(|key| (*from, key))
    });
    let (from, key) = match opened {
        Some(opened) => opened,
        None => {
            if let Some((from, _)) = in_use {
                tracing::warn!(
                    from,
                    seq,
                    "the audit chain's key does not open under SECRET_KEY: a new key starts"
                );
            }
            let key = ChainKey::random();
            diesel::insert_into(audit_chain_keys::table)
                .values((
                    audit_chain_keys::from_seq.eq(seq),
                    audit_chain_keys::sealed_key.eq(seal::seal(
                        &secret,
                        &purpose(chain_id, seq),
                        &key.0,
                    )),
                    audit_chain_keys::created_at.eq(crate::db::now()),
                ))
                .execute(conn)?;
            (seq, key)
        }
    };
    Ok(ChainKeys::new(keyed_from, vec![(from, Some(key))]))
}

/// The keys to hash the next event with (see [`keys_at`]), for writers that build events
/// themselves (the scale seed). Inside a write transaction, as an append is.
pub fn keys_for_next(conn: &mut DbConn) -> QueryResult<ChainKeys> {
    let (last_seq, keyed_from, chain_id): (i64, i64, String) = audit_head::table
        .find(1)
        .select((
            audit_head::last_seq,
            audit_head::keyed_from,
            audit_head::chain_id,
        ))
        .first(conn)?;
    keys_at(conn, last_seq + 1, keyed_from, &chain_id)
}

/// Every key of the chain, opened with the secret held for it (`None` where it does not
/// open), to check the chain with.
pub fn chain_keys(conn: &mut DbConn) -> QueryResult<ChainKeys> {
    let (keyed_from, chain_id): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::keyed_from, audit_head::chain_id))
        .first(conn)?;
    let secret = secret_of(&chain_id);
    let rows: Vec<(i64, String)> = audit_chain_keys::table
        .select((audit_chain_keys::from_seq, audit_chain_keys::sealed_key))
        .load(conn)?;
    let keys = rows
        .into_iter()
        .map(|(from, sealed)| {
            let key = secret
                .as_deref()
                .and_then(|secret| open_key(secret, &chain_id, from, &sealed));
            (from, key)
        })
        .collect();
    Ok(ChainKeys::new(keyed_from, keys))
}

/// The chain's keys, sealed, for sealing again under a new secret.
pub fn sealed_keys(conn: &mut DbConn) -> QueryResult<(String, Vec<(i64, String)>)> {
    let chain_id: String = audit_head::table
        .find(1)
        .select(audit_head::chain_id)
        .first(conn)?;
    let rows = audit_chain_keys::table
        .order(audit_chain_keys::from_seq.asc())
        .select((audit_chain_keys::from_seq, audit_chain_keys::sealed_key))
        .load(conn)?;
    Ok((chain_id, rows))
}

/// Seals a key of the chain again under `new` (see [`seal::reseal`]).
pub fn reseal_key(
    old: &[u8],
    new: &[u8],
    chain_id: &str,
    from_seq: i64,
    sealed: &str,
) -> seal::Resealed {
    seal::reseal(old, new, &purpose(chain_id, from_seq), sealed)
}

/// Replaces a key's sealed form (after sealing it again under a new secret).
pub fn replace_sealed_key(conn: &mut DbConn, from_seq: i64, sealed: &str) -> QueryResult<()> {
    diesel::update(audit_chain_keys::table.find(from_seq))
        .set(audit_chain_keys::sealed_key.eq(sealed))
        .execute(conn)
        .map(drop)
}

/// Appends one event to the chain. Every text is bounded first ([`bounded`]), here and
/// only here, so no caller can write more than the stated limits. The first statement
/// bumps the head row, which on PostgreSQL locks it until commit, so concurrent appends
/// queue instead of forking.
pub fn append(conn: &mut DbConn, entry: &AuditEntry<'_>) -> QueryResult<i64> {
    let (seq, prev_hash, keyed_from, chain_id): (i64, String, i64, String) =
        diesel::update(audit_head::table.find(1))
            .set(audit_head::last_seq.eq(audit_head::last_seq + 1))
            .returning((
                audit_head::last_seq,
                audit_head::last_hash,
                audit_head::keyed_from,
                audit_head::chain_id,
            ))
            .get_result(conn)?;
    let keys = keys_at(conn, seq, keyed_from, &chain_id)?;
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
    row.hash = keys
        .hash(&row.content(), &row.prev_hash)
        .map_err(|b| diesel::result::Error::QueryBuilderError(Box::new(b)))?;
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
    verify_from(conn, None).map(|(status, _)| status)
}

/// Walks the events after `after` (an event already found to hold, and its hash; the
/// start when `None`) in order, a batch at a time, and compares the end with the head.
/// Returns what it found, and the last event that held with its hash (where a later walk
/// may go on from).
/// The walk reads one snapshot, so events appended meanwhile are neither half seen nor
/// taken for a head that moved.
pub fn verify_from(
    conn: &mut DbConn,
    after: Option<(i64, String)>,
) -> QueryResult<(ChainStatus, (i64, String))> {
    crate::db::snapshot_tx(conn, |conn| {
        let keys = chain_keys(conn)?;
        let verifier = match after {
            Some((seq, hash)) => ChainVerifier::resume(keys, seq, &hash),
            None => ChainVerifier::new(keys),
        };
        walk(conn, verifier)
    })
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
