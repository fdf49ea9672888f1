//! `outbox_messages`: notifications waiting for, or done with, delivery.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::outbox_messages;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox_messages)]
pub struct OutboxMessage {
    pub id: String,
    pub message: String,
    pub recipient_email: String,
    pub recipient_name: String,
    pub recipient_user_id: Option<String>,
    pub language: String,
    pub params: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub digest_id: Option<String>,
}

pub fn insert(conn: &mut DbConn, message: &OutboxMessage) -> QueryResult<()> {
    diesel::insert_into(outbox_messages::table)
        .values(message)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<OutboxMessage>> {
    outbox_messages::table
        .find(id)
        .select(OutboxMessage::as_select())
        .first(conn)
        .optional()
}

/// Claims up to `limit` queued messages that are due and not claimed by a live claim,
/// for `holder` until `until`. Returns the messages this holder now holds.
pub fn claim_due(
    conn: &mut DbConn,
    holder: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxMessage>> {
    let claimable = || {
        outbox_messages::table
            .filter(outbox_messages::status.eq("queued"))
            .filter(outbox_messages::next_attempt_at.le(now))
            .filter(
                outbox_messages::claimed_until
                    .is_null()
                    .or(outbox_messages::claimed_until.lt(now)),
            )
    };
    let ids: Vec<String> = claimable()
        .order((
            outbox_messages::next_attempt_at.asc(),
            outbox_messages::id.asc(),
        ))
        .limit(limit)
        .select(outbox_messages::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(claimable().filter(outbox_messages::id.eq_any(&ids)))
        .set((
            outbox_messages::claimed_by.eq(holder),
            outbox_messages::claimed_until.eq(until),
        ))
        .execute(conn)?;
    outbox_messages::table
        .filter(outbox_messages::id.eq_any(&ids))
        .filter(outbox_messages::claimed_by.eq(holder))
        .filter(outbox_messages::status.eq("queued"))
        .order((
            outbox_messages::next_attempt_at.asc(),
            outbox_messages::id.asc(),
        ))
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Records a delivery, only while `holder` still holds the claim.
pub fn mark_sent(
    conn: &mut DbConn,
    id: &str,
    holder: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .find(id)
            .filter(outbox_messages::status.eq("queued"))
            .filter(outbox_messages::claimed_by.eq(holder)),
    )
    .set((
        outbox_messages::status.eq("sent"),
        outbox_messages::sent_at.eq(now),
        outbox_messages::attempts.eq(outbox_messages::attempts + 1),
        outbox_messages::claimed_by.eq(None::<String>),
        outbox_messages::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Records a failed attempt: queued again for `next_attempt_at`, or `failed` for good.
pub fn mark_attempt_failed(
    conn: &mut DbConn,
    id: &str,
    holder: &str,
    error: &str,
    next_attempt_at: NaiveDateTime,
    give_up: bool,
) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .find(id)
            .filter(outbox_messages::status.eq("queued"))
            .filter(outbox_messages::claimed_by.eq(holder)),
    )
    .set((
        outbox_messages::status.eq(if give_up { "failed" } else { "queued" }),
        outbox_messages::attempts.eq(outbox_messages::attempts + 1),
        outbox_messages::last_error.eq(error),
        outbox_messages::next_attempt_at.eq(next_attempt_at),
        outbox_messages::claimed_by.eq(None::<String>),
        outbox_messages::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Puts a failed message back in the queue with a fresh set of attempts.
pub fn retry(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .find(id)
            .filter(outbox_messages::status.eq("failed")),
    )
    .set((
        outbox_messages::status.eq("queued"),
        outbox_messages::attempts.eq(0),
        outbox_messages::next_attempt_at.eq(now),
    ))
    .execute(conn)
}

/// How many messages are in each status.
pub fn count_by_status(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    outbox_messages::table
        .group_by(outbox_messages::status)
        .select((outbox_messages::status, diesel::dsl::count_star()))
        .load(conn)
}

/// The newest messages, optionally of one status, `limit` at a time before `before`
/// (a `created_at`, `id` keyset cursor).
pub fn list_recent(
    conn: &mut DbConn,
    status: Option<&str>,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<OutboxMessage>> {
    let mut query = outbox_messages::table
        .order((
            outbox_messages::created_at.desc(),
            outbox_messages::id.desc(),
        ))
        .limit(limit)
        .select(OutboxMessage::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox_messages::status.eq(status.to_string()));
    }
    if let Some((at, id)) = before {
        query = query.filter(
            outbox_messages::created_at
                .lt(at)
                .or(outbox_messages::created_at
                    .eq(at)
                    .and(outbox_messages::id.lt(id))),
        );
    }
    query.load(conn)
}

/// Users with committee notices held for their digest.
pub fn list_digest_recipients(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    outbox_messages::table
        .filter(outbox_messages::status.eq("held"))
        .filter(outbox_messages::recipient_user_id.is_not_null())
        .select(outbox_messages::recipient_user_id.assume_not_null())
        .distinct()
        .load(conn)
}

/// A user's held notices, oldest first.
pub fn list_held_for(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<OutboxMessage>> {
    outbox_messages::table
        .filter(outbox_messages::status.eq("held"))
        .filter(outbox_messages::recipient_user_id.eq(user_id))
        .order((outbox_messages::created_at.asc(), outbox_messages::id.asc()))
        .select(OutboxMessage::as_select())
        .load(conn)
}

/// Marks held notices as gathered into the digest `digest_id`.
pub fn mark_digested(conn: &mut DbConn, ids: &[String], digest_id: &str) -> QueryResult<usize> {
    diesel::update(
        outbox_messages::table
            .filter(outbox_messages::id.eq_any(ids))
            .filter(outbox_messages::status.eq("held")),
    )
    .set((
        outbox_messages::status.eq("digested"),
        outbox_messages::digest_id.eq(digest_id),
    ))
    .execute(conn)
}
