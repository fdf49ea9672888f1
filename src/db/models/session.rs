//! `sessions`: signed-in browsers. The row id is the SHA-256 of the cookie's token, so a
//! copy of the table cannot be replayed as cookies.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::user::User;
use crate::db::schema::{sessions, users};
use crate::db::{DbConn, can_name_a_row};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub ip: String,
    pub user_agent: String,
    pub stage: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub stage: &'a str,
}

/// The session and its user, if the user is still active.
pub fn find_with_active_user(conn: &mut DbConn, id: &str) -> QueryResult<Option<(Session, User)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(id))
        .filter(users::active.eq(true))
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, new: &NewSession<'_>) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

pub fn update_last_seen(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(at))
        .execute(conn)
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id)).execute(conn)
}

pub fn delete_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// A user's sessions, most recently used first.
pub fn list_for_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .order((sessions::last_seen_at.desc(), sessions::id))
        .select(Session::as_select())
        .load(conn)
}

/// Ends one of a user's sessions; 0 if the user has no session with that id.
pub fn delete_owned(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<usize> {
    if !can_name_a_row(id) {
        return Ok(0);
    }
    diesel::delete(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::user_id.eq(user_id)),
    )
    .execute(conn)
}

/// Ends every session of a user but one.
pub fn delete_others(conn: &mut DbConn, user_id: &str, keep: &str) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep)),
    )
    .execute(conn)
}
