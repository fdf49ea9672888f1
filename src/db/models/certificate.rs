//! `signing_keys` and `certificates`: the keys that sign approval certificates, and the
//! certificates issued.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{certificates, signing_keys};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKey {
    pub kid: String,
    /// The 32-byte Ed25519 public key, base64url without padding (a JWK's `x`).
    pub public_key: String,
    pub sealed_private_key: String,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: String,
    pub connection_id: String,
    pub kid: String,
    pub token: String,
    pub issued_at: NaiveDateTime,
    pub valid_until: NaiveDate,
}

pub fn insert_key(conn: &mut DbConn, key: &SigningKey) -> QueryResult<()> {
    diesel::insert_into(signing_keys::table)
        .values(key)
        .execute(conn)
        .map(drop)
}

/// The newest key not retired.
pub fn current_key(conn: &mut DbConn) -> QueryResult<Option<SigningKey>> {
    signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .order((signing_keys::created_at.desc(), signing_keys::kid.desc()))
        .select(SigningKey::as_select())
        .first(conn)
        .optional()
}

/// Retires every key still in use.
pub fn retire_all(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(signing_keys::table.filter(signing_keys::retired_at.is_null()))
        .set(signing_keys::retired_at.eq(at))
        .execute(conn)
}

/// The keys to publish: those in use, and retired ones that signed a certificate still
/// valid on `today`.
pub fn published_keys(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<SigningKey>> {
    let still_needed = certificates::table
        .filter(certificates::valid_until.ge(today))
        .select(certificates::kid);
    signing_keys::table
        .filter(
            signing_keys::retired_at
                .is_null()
                .or(signing_keys::kid.eq_any(still_needed)),
        )
        .order((signing_keys::created_at.desc(), signing_keys::kid.desc()))
        .select(SigningKey::as_select())
        .load(conn)
}

pub fn insert_certificate(conn: &mut DbConn, certificate: &Certificate) -> QueryResult<()> {
    diesel::insert_into(certificates::table)
        .values(certificate)
        .execute(conn)
        .map(drop)
}

/// A connection's newest certificate.
pub fn latest_for(conn: &mut DbConn, connection_id: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::connection_id.eq(connection_id))
        .order((certificates::issued_at.desc(), certificates::id.desc()))
        .select(Certificate::as_select())
        .first(conn)
        .optional()
}

/// Every signing key, oldest first.
pub fn list_keys(conn: &mut DbConn) -> QueryResult<Vec<SigningKey>> {
    signing_keys::table
        .order((signing_keys::created_at, signing_keys::kid))
        .select(SigningKey::as_select())
        .load(conn)
}

/// Replaces a key's sealed private half, sealed under another secret key.
pub fn replace_sealed_key(conn: &mut DbConn, kid: &str, sealed: &str) -> QueryResult<usize> {
    diesel::update(signing_keys::table.find(kid))
        .set(signing_keys::sealed_private_key.eq(sealed))
        .execute(conn)
}

pub fn find_key(conn: &mut DbConn, kid: &str) -> QueryResult<Option<SigningKey>> {
    signing_keys::table
        .find(kid)
        .select(SigningKey::as_select())
        .first(conn)
        .optional()
}
