//! `user_tokens`: single-use, purpose-bound, short-lived tokens sent by e-mail.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::user_tokens;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_tokens)]
pub struct UserToken {
    pub id: String,
    pub user_id: String,
    pub purpose: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, token: &UserToken) -> QueryResult<()> {
    diesel::insert_into(user_tokens::table)
        .values(token)
        .execute(conn)
        .map(drop)
}

/// The token if it exists for `purpose`, unused and unexpired at `now`.
pub fn find_usable(
    conn: &mut DbConn,
    id: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<UserToken>> {
    user_tokens::table
        .find(id)
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now))
        .select(UserToken::as_select())
        .first(conn)
        .optional()
}

/// Uses the token up; 0 rows when it was already used or has expired.
pub fn consume(
    conn: &mut DbConn,
    id: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        user_tokens::table
            .find(id)
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null())
            .filter(user_tokens::expires_at.gt(now)),
    )
    .set(user_tokens::used_at.eq(now))
    .execute(conn)
}

/// Ends every unused token of a user for `purpose` (a newer one replaces them).
pub fn retire_for_user(
    conn: &mut DbConn,
    user_id: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user_id))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(now))
    .execute(conn)
}
