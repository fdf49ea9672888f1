//! `organisations`: provider companies and their legal particulars.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::organisations;
use crate::db::{DbConn, can_name_a_row, escape_like, lower};
use crate::domain::organisation_change::LegalIdentity;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, serde::Serialize)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: String,
    pub slug: String,
    pub name_en: String,
    pub name_lo: String,
    pub registration_number: String,
    pub licence_number: String,
    pub address: String,
    pub asns: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    pub name_en: &'a str,
    pub name_lo: &'a str,
    pub registration_number: &'a str,
    pub licence_number: &'a str,
    pub address: &'a str,
    pub asns: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct OrganisationChangeset<'a> {
    pub name_en: &'a str,
    pub name_lo: &'a str,
    pub registration_number: &'a str,
    pub licence_number: &'a str,
    pub address: &'a str,
    pub asns: &'a str,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Organisation>> {
    if !can_name_a_row(id) {
        return Ok(None);
    }
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::slug.eq(slug))
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

pub fn list_all(conn: &mut DbConn) -> QueryResult<Vec<Organisation>> {
    organisations::table
        .order(organisations::name_en.asc())
        .select(Organisation::as_select())
        .load(conn)
}

/// The ids of the organisations whose English or Lao legal name, or short name, holds
/// `text` in any case; `%`, `_` and `\\` in it are matched as themselves.
pub fn ids_named_like(conn: &mut DbConn, text: &str) -> QueryResult<Vec<String>> {
    let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
    organisations::table
        .filter(
            lower(organisations::name_en)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(organisations::name_lo)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(organisations::slug.like(pattern).escape('\\')),
        )
        .select(organisations::id)
        .load(conn)
}

/// The English and Lao legal names of these organisations, by id.
pub fn names_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<(String, String, String)>> {
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select((
            organisations::id,
            organisations::name_en,
            organisations::name_lo,
        ))
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    organisations::table.count().get_result(conn)
}

pub fn insert(conn: &mut DbConn, new: &NewOrganisation<'_>) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

pub fn update_profile(
    conn: &mut DbConn,
    id: &str,
    changes: &OrganisationChangeset<'_>,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id))
        .set(changes)
        .execute(conn)
}

impl Organisation {
    /// The organisation's approved legal identity.
    pub fn identity(&self) -> LegalIdentity {
        LegalIdentity {
            name_en: self.name_en.clone(),
            name_lo: self.name_lo.clone(),
            registration_number: self.registration_number.clone(),
            licence_number: self.licence_number.clone(),
            asns: self.asns.clone(),
        }
    }
}

/// Applies an approved legal identity; the address and slug stay as they are.
pub fn update_identity(
    conn: &mut DbConn,
    id: &str,
    identity: &LegalIdentity,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id))
        .set((
            organisations::name_en.eq(&identity.name_en),
            organisations::name_lo.eq(&identity.name_lo),
            organisations::registration_number.eq(&identity.registration_number),
            organisations::licence_number.eq(&identity.licence_number),
            organisations::asns.eq(&identity.asns),
            organisations::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Changes the address, which is not legal identity and needs no review.
pub fn update_address(
    conn: &mut DbConn,
    id: &str,
    address: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id))
        .set((
            organisations::address.eq(address),
            organisations::updated_at.eq(at),
        ))
        .execute(conn)
}
