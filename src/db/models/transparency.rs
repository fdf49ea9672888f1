//! The transparency log's tables: its size (`tlog_head`), its entries, the Merkle tree's
//! stored hashes and its signed checkpoints. Rows are only ever added (triggers refuse
//! the rest).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{tlog_checkpoints, tlog_entries, tlog_hashes, tlog_head};

/// One entry of the log: the leaf's data, and what it is about.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tlog_entries)]
pub struct TlogEntry {
    pub idx: i64,
    pub kind: String,
    pub connection_id: String,
    pub certificate_id: Option<String>,
    pub data: Vec<u8>,
    pub created_at: NaiveDateTime,
}

/// The log's size.
pub fn size(conn: &mut DbConn) -> QueryResult<i64> {
    tlog_head::table.find(1).select(tlog_head::size).first(conn)
}

/// Makes room for `count` entries at the log's end and returns where they start. Inside
/// the caller's transaction; on PostgreSQL the audit chain's head is locked first, the
/// one lock every writer of public data already takes (each records an audit event), so
/// appends queue in one order and cannot deadlock with the audit chain.
pub fn grow(conn: &mut DbConn, count: i64) -> QueryResult<i64> {
    if let DbConn::Pg(pg) = conn {
        crate::db::audit::lock_head(pg)?;
    }
    let size: i64 = diesel::update(tlog_head::table.find(1))
        .set(tlog_head::size.eq(tlog_head::size + count))
        .returning(tlog_head::size)
        .get_result(conn)?;
    Ok(size - count)
}

pub fn insert_entry(conn: &mut DbConn, entry: &TlogEntry) -> QueryResult<()> {
    diesel::insert_into(tlog_entries::table)
        .values(entry)
        .execute(conn)
        .map(drop)
}

/// Stores the tree's new hashes, each at its stored-hash index, in one statement.
pub fn insert_hashes(conn: &mut DbConn, hashes: &[(i64, [u8; 32])]) -> QueryResult<()> {
    let rows: Vec<_> = hashes
        .iter()
        .map(|(idx, hash)| {
            (
                tlog_hashes::idx.eq(*idx),
                tlog_hashes::hash.eq(hash.as_slice()),
            )
        })
        .collect();
    match conn {
        DbConn::Pg(c) => diesel::insert_into(tlog_hashes::table)
            .values(&rows)
            .execute(c),
        DbConn::Sqlite(c) => diesel::insert_into(tlog_hashes::table)
            .values(&rows)
            .execute(c),
    }
    .map(drop)
}

/// The stored hashes at `indexes`, by index (those missing are left out).
pub fn read_hashes(conn: &mut DbConn, indexes: &[i64]) -> QueryResult<Vec<(i64, Vec<u8>)>> {
    tlog_hashes::table
        .filter(tlog_hashes::idx.eq_any(indexes))
        .select((tlog_hashes::idx, tlog_hashes::hash))
        .load(conn)
}

/// The data of the entries from `start` (inclusive) to `end` (exclusive), in order.
pub fn entry_data(conn: &mut DbConn, start: i64, end: i64) -> QueryResult<Vec<Vec<u8>>> {
    tlog_entries::table
        .filter(tlog_entries::idx.ge(start).and(tlog_entries::idx.lt(end)))
        .order(tlog_entries::idx.asc())
        .select(tlog_entries::data)
        .load(conn)
}

/// The entry that logged the certificate `certificate_id`.
pub fn entry_of_certificate(
    conn: &mut DbConn,
    certificate_id: &str,
) -> QueryResult<Option<TlogEntry>> {
    tlog_entries::table
        .filter(tlog_entries::certificate_id.eq(certificate_id))
        .select(TlogEntry::as_select())
        .first(conn)
        .optional()
}

pub fn insert_checkpoint(
    conn: &mut DbConn,
    size: i64,
    note: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(tlog_checkpoints::table)
        .values((
            tlog_checkpoints::size.eq(size),
            tlog_checkpoints::note.eq(note),
            tlog_checkpoints::signed_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

/// The newest checkpoint: its size and signed note.
pub fn latest_checkpoint(conn: &mut DbConn) -> QueryResult<Option<(i64, String)>> {
    tlog_checkpoints::table
        .order(tlog_checkpoints::size.desc())
        .select((tlog_checkpoints::size, tlog_checkpoints::note))
        .first(conn)
        .optional()
}
