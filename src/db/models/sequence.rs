//! `sequence_counters`: gap-free yearly numbers (`APP-YYYY-NNNNN`, `IC-YYYY-NNNNN`).

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::sequence_counters;

/// Takes the next number of a yearly sequence. Called inside the write transaction that
/// uses the number, so a rolled-back use leaves no gap, and the row lock (PostgreSQL) or
/// the immediate transaction (SQLite) makes concurrent takers queue.
pub fn next(conn: &mut DbConn, name: &str, year: i32) -> QueryResult<i64> {
    let first = (
        sequence_counters::name.eq(name),
        sequence_counters::year.eq(year),
        sequence_counters::last_number.eq(0_i64),
    );
    // The year's row is created on first use; a concurrent creator's insert is ignored.
    match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(sequence_counters::table)
            .values(first)
            .execute(c)?,
        DbConn::Pg(c) => diesel::insert_into(sequence_counters::table)
            .values(first)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    diesel::update(
        sequence_counters::table
            .filter(sequence_counters::name.eq(name))
            .filter(sequence_counters::year.eq(year)),
    )
    .set(sequence_counters::last_number.eq(sequence_counters::last_number + 1))
    .returning(sequence_counters::last_number)
    .get_result(conn)
}
