//! `users`: people who sign in, their role, organisation and committee membership.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{organisations, users};
use crate::db::{DbConn, Position, can_name_a_row, escape_like, lower};
use crate::domain::role::Role;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub role: Role,
    pub organisation_id: Option<String>,
    pub password_hash: String,
    pub language: Option<String>,
    pub active: bool,
    pub committee_member: bool,
    pub review_domains: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Committee notices gathered into one e-mail a day instead of one each.
    pub committee_digest: bool,
    /// The TOTP secret, sealed; `None` until the user has set up a second factor.
    pub totp_secret: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub organisation_id: Option<&'a str>,
    pub password_hash: &'a str,
    pub language: Option<&'a str>,
    pub active: bool,
    pub committee_member: bool,
    pub review_domains: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserChangeset<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub organisation_id: Option<&'a str>,
    pub language: Option<&'a str>,
    pub committee_member: bool,
    pub review_domains: &'a str,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
    if !can_name_a_row(id) {
        return Ok(None);
    }
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// What the administrator's list of users is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the name or e-mail address, in any case.
    pub text: Option<String>,
    pub role: Option<String>,
}

/// A user's place in the list (ordered by name, then id): their name and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCursor {
    pub name: String,
    pub id: String,
}

macro_rules! users_filtered {
    ($query:expr, $filter:expr) => {{
        let mut query = $query;
        let filter: &UserFilter = $filter;
        if let Some(text) = &filter.text {
            let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
            query = query.filter(
                lower(users::name)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(users::email).like(pattern).escape('\\')),
            );
        }
        if let Some(role) = &filter.role {
            query = query.filter(users::role.eq(role.clone()));
        }
        query
    }};
}

/// Rows after the cursor in the list's order, or (`forward` false) before it.
macro_rules! users_beyond {
    ($query:expr, $cursor:expr, $forward:expr) => {{
        let cursor: &UserCursor = $cursor;
        // The redundant first bound gives the planners a range of the index to start at.
        if $forward {
            $query.filter(users::name.ge(cursor.name.clone())).filter(
                users::name
                    .gt(cursor.name.clone())
                    .or(users::id.gt(cursor.id.clone())),
            )
        } else {
            $query.filter(users::name.le(cursor.name.clone())).filter(
                users::name
                    .lt(cursor.name.clone())
                    .or(users::id.lt(cursor.id.clone())),
            )
        }
    }};
}

/// `limit` users with their organisation's Lao and English names, at `position` in the
/// order of name, then id.
pub fn list_page(
    conn: &mut DbConn,
    filter: &UserFilter,
    position: Position<&UserCursor>,
    limit: i64,
) -> QueryResult<Vec<UserWithOrganisation>> {
    let mut query = users_filtered!(
        users::table
            .left_join(organisations::table)
            .select((
                User::as_select(),
                organisations::name_lo.nullable(),
                organisations::name_en.nullable(),
            ))
            .into_boxed(),
        filter
    );
    query = match position {
        Position::Start => query,
        Position::After(cursor) => users_beyond!(query, cursor, true),
        Position::Before(cursor) => users_beyond!(query, cursor, false),
    };
    let mut rows: Vec<UserWithOrganisation> = if matches!(position, Position::Before(_)) {
        query
            .order((users::name.desc(), users::id.desc()))
            .limit(limit)
            .load(conn)?
    } else {
        query
            .order((users::name.asc(), users::id.asc()))
            .limit(limit)
            .load(conn)?
    };
    if matches!(position, Position::Before(_)) {
        rows.reverse();
    }
    Ok(rows)
}

/// How many users the filter matches: all, or those before the cursor in the list.
pub fn count_matching(
    conn: &mut DbConn,
    filter: &UserFilter,
    before: Option<&UserCursor>,
) -> QueryResult<i64> {
    let mut query = users_filtered!(users::table.into_boxed(), filter);
    if let Some(cursor) = before {
        query = users_beyond!(query, cursor, false);
    }
    query.count().get_result(conn)
}

/// A user with the Lao and English names of their organisation.
pub type UserWithOrganisation = (User, Option<String>, Option<String>);

/// The ids of the users whose name or e-mail address holds `text`, in any case.
pub fn ids_named_like(conn: &mut DbConn, text: &str) -> QueryResult<Vec<String>> {
    users_filtered!(
        users::table.select(users::id).into_boxed(),
        &UserFilter {
            text: Some(text.to_string()),
            role: None,
        }
    )
    .load(conn)
}

/// The names of these users, by id.
pub fn names_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)
}

pub fn list_by_organisation(conn: &mut DbConn, organisation_id: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::organisation_id.eq(organisation_id))
        .order(users::name.asc())
        .select(User::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

pub fn update(conn: &mut DbConn, id: &str, changes: &UserChangeset<'_>) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn update_active(
    conn: &mut DbConn,
    id: &str,
    active: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::active.eq(active), users::updated_at.eq(at)))
        .execute(conn)
}

pub fn update_language(conn: &mut DbConn, id: &str, language: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::language.eq(language))
        .execute(conn)
}

pub fn update_committee_digest(conn: &mut DbConn, id: &str, digest: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::committee_digest.eq(digest))
        .execute(conn)
}

pub fn update_password(
    conn: &mut DbConn,
    id: &str,
    password_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Replaces a password hash only if it is still `previous`; returns the rows changed (0
/// when it changed meanwhile).
pub fn replace_password(
    conn: &mut DbConn,
    id: &str,
    previous: &str,
    password_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::password_hash.eq(previous)),
    )
    .set((
        users::password_hash.eq(password_hash),
        users::updated_at.eq(at),
    ))
    .execute(conn)
}

/// Active users holding one of `roles`, optionally only those of one organisation.
pub fn list_active_with_roles(
    conn: &mut DbConn,
    roles: &[&str],
    organisation_id: Option<&str>,
) -> QueryResult<Vec<User>> {
    let mut query = users::table
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(roles))
        .order(users::email.asc())
        .select(User::as_select())
        .into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(users::organisation_id.eq(org));
    }
    query.load(conn)
}

/// Active committee members, by e-mail.
pub fn list_active_committee(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::active.eq(true))
        .filter(users::committee_member.eq(true))
        .order(users::email.asc())
        .select(User::as_select())
        .load(conn)
}
