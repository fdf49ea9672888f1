//! `api_clients`: the credentials an organisation's systems use for the JSON API.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{api_clients, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients)]
pub struct ApiClient {
    /// The public `client_id`.
    pub id: String,
    pub organisation_id: String,
    /// The person the client acts for.
    pub user_id: String,
    pub name: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    pub secret_version: i32,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

/// A client with the e-mail address of the person it acts for.
pub type ApiClientWithUser = (ApiClient, String);

pub fn insert(conn: &mut DbConn, client: &ApiClient) -> QueryResult<()> {
    diesel::insert_into(api_clients::table)
        .values(client)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ApiClient>> {
    api_clients::table
        .find(id)
        .select(ApiClient::as_select())
        .first(conn)
        .optional()
}

/// An organisation's clients, newest first, revoked ones included.
pub fn list_by_organisation(
    conn: &mut DbConn,
    organisation_id: &str,
) -> QueryResult<Vec<ApiClientWithUser>> {
    api_clients::table
        .inner_join(users::table.on(users::id.eq(api_clients::user_id)))
        .filter(api_clients::organisation_id.eq(organisation_id))
        .order((api_clients::created_at.desc(), api_clients::id.asc()))
        .select((ApiClient::as_select(), users::email))
        .load(conn)
}

/// Replaces the secret of a client that is not revoked; the version goes up by one.
pub fn update_secret(
    conn: &mut DbConn,
    id: &str,
    secret_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        api_clients::table
            .find(id)
            .filter(api_clients::revoked_at.is_null()),
    )
    .set((
        api_clients::secret_hash.eq(secret_hash),
        api_clients::secret_version.eq(api_clients::secret_version + 1),
        api_clients::rotated_at.eq(at),
    ))
    .execute(conn)
}

pub fn revoke(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        api_clients::table
            .find(id)
            .filter(api_clients::revoked_at.is_null()),
    )
    .set(api_clients::revoked_at.eq(at))
    .execute(conn)
}

/// Records that the client took a token at `at`, to the minute: a client asking often
/// does not turn every token request into a write.
pub fn touch(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    let a_minute_before = at - chrono::TimeDelta::minutes(1);
    diesel::update(
        api_clients::table.find(id).filter(
            api_clients::last_used_at
                .is_null()
                .or(api_clients::last_used_at.lt(a_minute_before)),
        ),
    )
    .set(api_clients::last_used_at.eq(at))
    .execute(conn)
}
