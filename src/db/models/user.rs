//! `users`: people who sign in, their role, organisation and committee membership.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{organisations, users};
use crate::db::{DbConn, can_name_a_row};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
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

/// Every user with their organisation's Lao and English names, if any, ordered by name.
pub fn list_with_organisation(conn: &mut DbConn) -> QueryResult<Vec<UserWithOrganisation>> {
    users::table
        .left_join(organisations::table)
        .order(users::name.asc())
        .select((
            User::as_select(),
            organisations::name_lo.nullable(),
            organisations::name_en.nullable(),
        ))
        .load(conn)
}

/// A user with the Lao and English names of their organisation.
pub type UserWithOrganisation = (User, Option<String>, Option<String>);

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
