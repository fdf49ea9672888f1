//! `connections`, `connection_events`, `show_cause_cases`, `connection_files`, and the
//! scheduler's `scheduled_marks` and `scheduler_leases`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::Connection as _;
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;

use crate::db::schema::{
    connection_events, connection_files, connections, organisations, registry_version,
    scheduled_marks, scheduler_leases, show_cause_cases,
};
use crate::db::{DbConn, LiteralLimit, Position, escape_like};
use crate::domain::connection::ConnectionStatus;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = connections)]
pub struct Connection {
    pub id: String,
    pub approval_number: String,
    pub application_id: String,
    pub organisation_id: String,
    #[diesel(deserialize_as = String)]
    pub status: ConnectionStatus,
    pub connection_type: String,
    pub counterparty_name: String,
    pub counterparty_country: String,
    pub capacity_mbps: i64,
    pub endpoint_province: String,
    pub terms: String,
    pub conditions: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub approved_at: NaiveDateTime,
    pub status_changed_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub disconnection_deadline: Option<NaiveDateTime>,
    pub disconnection_confirmed_at: Option<NaiveDateTime>,
    pub disconnection_evidence: String,
    pub disconnection_verified_at: Option<NaiveDateTime>,
    pub search_text: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The counterparty's AS number, when the terms name a readable one.
    pub counterparty_asn: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = connections)]
pub struct NewConnection<'a> {
    pub id: &'a str,
    pub approval_number: &'a str,
    pub application_id: &'a str,
    pub organisation_id: &'a str,
    pub status: &'a str,
    pub connection_type: &'a str,
    pub counterparty_name: &'a str,
    pub counterparty_country: &'a str,
    pub capacity_mbps: i64,
    pub endpoint_province: &'a str,
    pub terms: &'a str,
    pub conditions: &'a str,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub approved_at: NaiveDateTime,
    pub status_changed_at: NaiveDateTime,
    pub search_text: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub counterparty_asn: Option<i64>,
}

/// New terms for an existing connection (a modification or a renewal).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = connections)]
pub struct TermsChanges<'a> {
    pub application_id: &'a str,
    pub connection_type: &'a str,
    pub counterparty_name: &'a str,
    pub counterparty_country: &'a str,
    pub capacity_mbps: i64,
    pub endpoint_province: &'a str,
    pub terms: &'a str,
    pub conditions: &'a str,
    pub valid_until: NaiveDate,
    pub search_text: &'a str,
    pub updated_at: NaiveDateTime,
    pub counterparty_asn: Option<i64>,
}

/// The public face of a connection: only what the registry may show anyone.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct PublicConnection {
    pub approval_number: String,
    pub provider_en: String,
    pub provider_lo: String,
    pub provider_slug: String,
    pub connection_type: String,
    pub counterparty_name: String,
    pub counterparty_country: String,
    #[diesel(deserialize_as = String)]
    pub status: ConnectionStatus,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub revoked_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub approved_at: NaiveDateTime,
    #[serde(skip)]
    pub id: String,
}

/// Filters of the public registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryFilter {
    pub country: Option<String>,
    pub connection_type: Option<String>,
    pub status: Option<String>,
    pub provider: Option<String>,
    /// Lower-cased free text, matched against number, provider and counterparty.
    pub text: Option<String>,
}

impl RegistryFilter {
    /// Whether it filters nothing out.
    pub fn is_empty(&self) -> bool {
        let RegistryFilter {
            country,
            connection_type,
            status,
            provider,
            text,
        } = self;
        [country, connection_type, status, provider, text]
            .iter()
            .all(|f| f.is_none())
    }
}

/// The registry's orderings, each a keyset for cursor pagination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrySort {
    Newest,
    Expiry,
}

/// Where a page starts: the sort value and id of a row next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Newest {
        approved_at: NaiveDateTime,
        id: String,
    },
    Expiry {
        valid_until: NaiveDate,
        id: String,
    },
}

impl Cursor {
    /// The position of `row` in the order `sort`.
    pub fn of(sort: RegistrySort, row: &PublicConnection) -> Self {
        match sort {
            RegistrySort::Newest => Cursor::Newest {
                approved_at: row.approved_at,
                id: row.id.clone(),
            },
            RegistrySort::Expiry => Cursor::Expiry {
                valid_until: row.valid_until,
                id: row.id.clone(),
            },
        }
    }
}

macro_rules! public_query {
    () => {
        connections::table.inner_join(organisations::table).select((
            connections::approval_number,
            organisations::name_en,
            organisations::name_lo,
            organisations::slug,
            connections::connection_type,
            connections::counterparty_name,
            connections::counterparty_country,
            connections::status,
            connections::valid_from,
            connections::valid_until,
            connections::revoked_at,
            connections::approved_at,
            connections::id,
        ))
    };
}

/// The registry's filters on a boxed query of `connections`; `providers` are the ids of
/// the organisations the provider filter matched (`None`: no provider filter).
macro_rules! filtered {
    ($query:expr, $filter:expr, $providers:expr) => {{
        let mut query = $query;
        let filter: &RegistryFilter = $filter;
        if let Some(country) = &filter.country {
            query = query.filter(connections::counterparty_country.eq(country.clone()));
        }
        if let Some(kind) = &filter.connection_type {
            query = query.filter(connections::connection_type.eq(kind.clone()));
        }
        if let Some(status) = &filter.status {
            query = query.filter(connections::status.eq(status.clone()));
        }
        if let Some(ids) = $providers {
            query = query.filter(connections::organisation_id.eq_any(ids));
        }
        if let Some(text) = &filter.text {
            query = query.filter(
                connections::search_text
                    .like(format!("%{}%", escape_like(text)))
                    .escape('\\'),
            );
        }
        query
    }};
}

/// Rows strictly after the cursor in the order `sort`, or strictly before it.
macro_rules! beyond {
    ($query:expr, $cursor:expr, $forward:expr) => {{
        let query = $query;
        // The first, redundant bound is one both planners can start an index range at;
        // without it the OR alone makes them walk the index from its end.
        match ($cursor, $forward) {
            (Cursor::Newest { approved_at, id }, true) => query
                .filter(connections::approved_at.le(*approved_at))
                .filter(
                    connections::approved_at
                        .lt(*approved_at)
                        .or(connections::id.lt(id.clone())),
                ),
            (Cursor::Newest { approved_at, id }, false) => query
                .filter(connections::approved_at.ge(*approved_at))
                .filter(
                    connections::approved_at
                        .gt(*approved_at)
                        .or(connections::id.gt(id.clone())),
                ),
            (Cursor::Expiry { valid_until, id }, true) => query
                .filter(connections::valid_until.ge(*valid_until))
                .filter(
                    connections::valid_until
                        .gt(*valid_until)
                        .or(connections::id.gt(id.clone())),
                ),
            (Cursor::Expiry { valid_until, id }, false) => query
                .filter(connections::valid_until.le(*valid_until))
                .filter(
                    connections::valid_until
                        .lt(*valid_until)
                        .or(connections::id.lt(id.clone())),
                ),
        }
    }};
}

/// The ids of the organisations whose English or Lao legal name, or short name, holds
/// `text` (any case), or `None` when no provider is asked for. Organisations are few, so
/// they are matched first and the registry then read by its `organisation_id` index.
fn matching_providers(
    conn: &mut DbConn,
    filter: &RegistryFilter,
) -> QueryResult<Option<Vec<String>>> {
    filter
        .provider
        .as_deref()
        .map(|text| crate::db::models::organisation::ids_named_like(conn, text))
        .transpose()
}

/// The registry's head: its version, bumped (by triggers) in the transaction of every
/// change to what the public registry shows, and how many connections it holds, kept by
/// the same triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct RegistryHead {
    pub version: i64,
    pub connections: i64,
}

/// Reads the registry's head by its key: on PostgreSQL every bump leaves a dead row
/// version behind until vacuum, and a table that has been bumped a hundred thousand times
/// (a bulk load) stays hundreds of pages long, which a scan would read on every request.
pub fn registry_head(conn: &mut DbConn) -> QueryResult<RegistryHead> {
    registry_version::table
        .find(1)
        .select((registry_version::version, registry_version::connections))
        .first(conn)
}

/// The foreign countries the registry's connections reach, by code, each found with one
/// seek on the country index (a skip scan), however many connections there are.
pub fn public_countries(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Code {
        #[diesel(sql_type = diesel::sql_types::Text)]
        code: String,
    }
    const SKIP_SCAN: &str = "WITH RECURSIVE c(code) AS ( \
        SELECT MIN(counterparty_country) FROM connections \
        UNION ALL \
        SELECT (SELECT MIN(counterparty_country) FROM connections \
                WHERE counterparty_country > c.code) FROM c WHERE c.code IS NOT NULL) \
        SELECT code FROM c WHERE code IS NOT NULL";
    let codes: Vec<Code> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(SKIP_SCAN).load(c)?,
        DbConn::Pg(c) => diesel::sql_query(SKIP_SCAN).load(c)?,
    };
    Ok(codes.into_iter().map(|c| c.code).collect())
}

/// One page of the public registry: `limit` rows at `position`, in the order `sort`.
pub fn list_public(
    conn: &mut DbConn,
    filter: &RegistryFilter,
    sort: RegistrySort,
    position: Position<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<PublicConnection>> {
    let providers = matching_providers(conn, filter)?;
    if providers.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let mut query = filtered!(public_query!().into_boxed(), filter, providers);
    let forward = match position {
        Position::Start => true,
        Position::After(cursor) => {
            query = beyond!(query, cursor, true);
            true
        }
        Position::Before(cursor) => {
            query = beyond!(query, cursor, false);
            false
        }
    };
    // A page before a cursor is read backwards from it, then turned round.
    query = match (sort, forward) {
        (RegistrySort::Newest, true) => {
            query.order((connections::approved_at.desc(), connections::id.desc()))
        }
        (RegistrySort::Newest, false) => {
            query.order((connections::approved_at.asc(), connections::id.asc()))
        }
        (RegistrySort::Expiry, true) => {
            query.order((connections::valid_until.asc(), connections::id.asc()))
        }
        (RegistrySort::Expiry, false) => {
            query.order((connections::valid_until.desc(), connections::id.desc()))
        }
    };
    let limit = u32::try_from(limit)
        .map_err(|_| diesel::result::Error::QueryBuilderError("a negative page size".into()))?;
    let sql_limit = SQL_LIMITS
        .into_iter()
        .find(|&l| l >= limit)
        .unwrap_or(limit);
    // Collected into a vector sized for the page: growing it row by row reallocated it
    // five times per page, a measurable share of the public list's time.
    let mut rows = Vec::with_capacity(limit as usize);
    let found = LiteralLimit::new(query, sql_limit)
        .load_iter::<PublicConnection, DefaultLoadingMode>(conn)?;
    for row in found.take(limit as usize) {
        rows.push(row?);
    }
    if !forward {
        rows.reverse();
    }
    Ok(rows)
}

/// How many connections the filters match, all of them (`before: None`) or only those
/// that come before the cursor's row in the order of the cursor.
pub fn count_public(
    conn: &mut DbConn,
    filter: &RegistryFilter,
    before: Option<&Cursor>,
) -> QueryResult<i64> {
    let providers = matching_providers(conn, filter)?;
    if providers.as_ref().is_some_and(Vec::is_empty) {
        return Ok(0);
    }
    let mut query = filtered!(connections::table.into_boxed(), filter, providers);
    if let Some(cursor) = before {
        query = beyond!(query, cursor, false);
    }
    query.count().get_result(conn)
}

/// The LIMITs the registry writes into its SQL (see [`LiteralLimit`]): a page of any size
/// reads the smallest that holds it and drops the rest, so a caller choosing sizes (the
/// API takes 1 to 200) makes at most these few statements per filter, not one per size.
const SQL_LIMITS: [u32; 5] = [11, 26, 51, 101, 201];

/// Why a connection needs the committee: a deadline (an open show-cause case, or a
/// disconnection not yet confirmed), a suspension, an expiry within the coming days, or a
/// disconnection not yet verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Any,
    Deadline,
    Suspended,
    Expiring,
    Unverified,
}

/// A connection needing the committee, with its provider's Lao and English names.
pub type ConnectionToActOn = (Connection, String, String);

/// One reason a connection needs the committee; a [`Need`] is one or more of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// An open show-cause case.
    OpenCase,
    /// Revoked with a disconnection deadline, and the disconnection not yet confirmed.
    Unconfirmed,
    Suspended,
    /// Active, and valid until a date by the coming days' end.
    Expiring,
    /// Revoked, and the disconnection not yet verified.
    Unverified,
}

impl Need {
    fn reasons(self) -> &'static [Reason] {
        match self {
            Need::Any => &[
                Reason::OpenCase,
                Reason::Suspended,
                Reason::Expiring,
                Reason::Unverified,
            ],
            Need::Deadline => &[Reason::OpenCase, Reason::Unconfirmed],
            Need::Suspended => &[Reason::Suspended],
            Need::Expiring => &[Reason::Expiring],
            Need::Unverified => &[Reason::Unverified],
        }
    }
}

/// The condition of one [`Reason`], named by its variant; `$expiring_by` is the last day
/// an expiry counts.
macro_rules! reason {
    (OpenCase, $expiring_by:expr) => {
        connections::id.eq_any(
            show_cause_cases::table
                .filter(show_cause_cases::outcome.is_null())
                .select(show_cause_cases::connection_id),
        )
    };
    (Unconfirmed, $expiring_by:expr) => {
        connections::status
            .eq(ConnectionStatus::Revoked.as_str())
            .and(connections::disconnection_deadline.is_not_null())
            .and(connections::disconnection_confirmed_at.is_null())
    };
    (Suspended, $expiring_by:expr) => {
        connections::status.eq(ConnectionStatus::Suspended.as_str())
    };
    (Expiring, $expiring_by:expr) => {
        connections::status
            .eq(ConnectionStatus::Active.as_str())
            .and(connections::valid_until.le($expiring_by))
    };
    (Unverified, $expiring_by:expr) => {
        connections::status
            .eq(ConnectionStatus::Revoked.as_str())
            .and(connections::disconnection_verified_at.is_null())
    };
}

/// The rows of `$query` needing the committee for `$need`: any of its reasons.
macro_rules! needing {
    ($query:expr, $need:expr, $expiring_by:expr) => {{
        let by = $expiring_by;
        match $need {
            Need::Any => $query.filter(
                reason!(OpenCase, by)
                    .or(reason!(Suspended, by))
                    .or(reason!(Expiring, by))
                    .or(reason!(Unverified, by)),
            ),
            Need::Deadline => $query.filter(reason!(OpenCase, by).or(reason!(Unconfirmed, by))),
            Need::Suspended => $query.filter(reason!(Suspended, by)),
            Need::Expiring => $query.filter(reason!(Expiring, by)),
            Need::Unverified => $query.filter(reason!(Unverified, by)),
        }
    }};
}

/// `limit` connections needing the committee for `need` (an expiry by `expiring_by`),
/// at `position` in the order of expiry (then id), with their providers' names.
///
/// Read one reason at a time and merged here: asked for all of them at once, SQLite's
/// planner walks every connection in order of expiry (40 ms at 50,000 connections, most of
/// them expired long ago) rather than sort the few that match, while each reason alone is
/// a range of `connections_status_expiry` (status, expiry, id) or a handful of open cases.
pub fn list_to_act_on(
    conn: &mut DbConn,
    need: Need,
    expiring_by: NaiveDate,
    position: Position<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<ConnectionToActOn>> {
    let forward = !matches!(position, Position::Before(_));
    let mut rows: Vec<ConnectionToActOn> = Vec::new();
    for reason in need.reasons() {
        for row in list_for_reason(conn, *reason, expiring_by, position, forward, limit)? {
            if !rows.iter().any(|(c, _, _)| c.id == row.0.id) {
                rows.push(row);
            }
        }
    }
    rows.sort_by(|(a, _, _), (b, _, _)| {
        let order = (a.valid_until, &a.id).cmp(&(b.valid_until, &b.id));
        if forward { order } else { order.reverse() }
    });
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    if !forward {
        rows.reverse();
    }
    Ok(rows)
}

/// `limit` rows of [`list_to_act_on`] for one reason, read `forward` or back from `position`.
fn list_for_reason(
    conn: &mut DbConn,
    reason: Reason,
    expiring_by: NaiveDate,
    position: Position<&Cursor>,
    forward: bool,
    limit: i64,
) -> QueryResult<Vec<ConnectionToActOn>> {
    let query = connections::table
        .inner_join(organisations::table)
        .select((
            Connection::as_select(),
            organisations::name_lo,
            organisations::name_en,
        ))
        .into_boxed();
    let mut query = match reason {
        Reason::OpenCase => query.filter(reason!(OpenCase, expiring_by)),
        Reason::Unconfirmed => query.filter(reason!(Unconfirmed, expiring_by)),
        Reason::Suspended => query.filter(reason!(Suspended, expiring_by)),
        Reason::Expiring => query.filter(reason!(Expiring, expiring_by)),
        Reason::Unverified => query.filter(reason!(Unverified, expiring_by)),
    };
    query = match position {
        Position::Start => query,
        Position::After(cursor) => beyond!(query, cursor, true),
        Position::Before(cursor) => beyond!(query, cursor, false),
    };
    query = if forward {
        query.order((connections::valid_until.asc(), connections::id.asc()))
    } else {
        query.order((connections::valid_until.desc(), connections::id.desc()))
    };
    query.limit(limit).load::<ConnectionToActOn>(conn)
}

/// How many connections need the committee for `need`: all, or those before the cursor.
pub fn count_to_act_on(
    conn: &mut DbConn,
    need: Need,
    expiring_by: NaiveDate,
    before: Option<&Cursor>,
) -> QueryResult<i64> {
    let mut query = needing!(connections::table.into_boxed(), need, expiring_by);
    if let Some(cursor) = before {
        query = beyond!(query, cursor, false);
    }
    query.count().get_result(conn)
}

/// Unboxed, unlike the list: a query whose type is fixed finds its prepared statement by
/// that type, without writing its SQL out first on every call.
pub fn find_public(
    conn: &mut DbConn,
    approval_number: &str,
) -> QueryResult<Option<PublicConnection>> {
    public_query!()
        .filter(connections::approval_number.eq(approval_number.to_string()))
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, new: &NewConnection<'_>) -> QueryResult<()> {
    diesel::insert_into(connections::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Connection>> {
    connections::table
        .find(id)
        .select(Connection::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_number(conn: &mut DbConn, approval_number: &str) -> QueryResult<Option<Connection>> {
    connections::table
        .filter(connections::approval_number.eq(approval_number))
        .select(Connection::as_select())
        .first(conn)
        .optional()
}

/// The approval numbers of these connections, by id.
pub fn numbers_of(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<(String, String)>> {
    connections::table
        .filter(connections::id.eq_any(ids))
        .select((connections::id, connections::approval_number))
        .load(conn)
}

/// The approval number of the connection an application led to, if any.
pub fn number_for_application(
    conn: &mut DbConn,
    application_id: &str,
) -> QueryResult<Option<String>> {
    connections::table
        .filter(connections::application_id.eq(application_id))
        .select(connections::approval_number)
        .first(conn)
        .optional()
}

/// The connection whose `approved` event names this application: the one its approval
/// created, even after a later renewal or modification took over `application_id`.
pub fn find_created_by(conn: &mut DbConn, application_id: &str) -> QueryResult<Option<Connection>> {
    let details = serde_json::json!({ "application": application_id }).to_string();
    connections::table
        .inner_join(connection_events::table)
        .filter(connection_events::kind.eq("approved"))
        .filter(connection_events::details.eq(details))
        .select(Connection::as_select())
        .first(conn)
        .optional()
}

pub fn list_by_organisation(
    conn: &mut DbConn,
    organisation_id: &str,
) -> QueryResult<Vec<Connection>> {
    connections::table
        .filter(connections::organisation_id.eq(organisation_id))
        .order(connections::approved_at.desc())
        .select(Connection::as_select())
        .load(conn)
}

/// Connections in the given states, earliest expiry first.
pub fn list_in_states(
    conn: &mut DbConn,
    states: &[ConnectionStatus],
) -> QueryResult<Vec<Connection>> {
    let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    connections::table
        .filter(connections::status.eq_any(states))
        .order(connections::valid_until.asc())
        .select(Connection::as_select())
        .load(conn)
}

/// Active connections whose validity ends on or before `day`.
pub fn list_active_ending_by(conn: &mut DbConn, day: NaiveDate) -> QueryResult<Vec<Connection>> {
    connections::table
        .filter(connections::status.eq(ConnectionStatus::Active.as_str()))
        .filter(connections::valid_until.le(day))
        .select(Connection::as_select())
        .load(conn)
}

/// Revoked connections whose disconnection deadline passed unconfirmed.
pub fn list_disconnection_overdue(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Vec<Connection>> {
    connections::table
        .filter(connections::status.eq(ConnectionStatus::Revoked.as_str()))
        .filter(connections::disconnection_confirmed_at.is_null())
        .filter(connections::disconnection_deadline.lt(now))
        .select(Connection::as_select())
        .load(conn)
}

/// Moves a connection from `from` to `to` only if it is still in `from`.
pub fn update_status(
    conn: &mut DbConn,
    id: &str,
    from: ConnectionStatus,
    to: ConnectionStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        connections::table
            .filter(connections::id.eq(id))
            .filter(connections::status.eq(from.as_str())),
    )
    .set((
        connections::status.eq(to.as_str()),
        connections::status_changed_at.eq(at),
        connections::updated_at.eq(at),
    ))
    .execute(conn)
}

pub fn update_search_text(conn: &mut DbConn, id: &str, text: &str) -> QueryResult<usize> {
    diesel::update(connections::table.find(id))
        .set(connections::search_text.eq(text))
        .execute(conn)
}

pub fn update_terms(conn: &mut DbConn, id: &str, changes: &TermsChanges<'_>) -> QueryResult<usize> {
    diesel::update(connections::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn record_revocation(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    deadline: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(connections::table.find(id))
        .set((
            connections::revoked_at.eq(at),
            connections::disconnection_deadline.eq(deadline),
        ))
        .execute(conn)
}

/// Records the provider's confirmation once; returns the rows changed.
pub fn record_disconnection(
    conn: &mut DbConn,
    id: &str,
    evidence: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        connections::table
            .filter(connections::id.eq(id))
            .filter(connections::status.eq(ConnectionStatus::Revoked.as_str()))
            .filter(connections::disconnection_confirmed_at.is_null()),
    )
    .set((
        connections::disconnection_confirmed_at.eq(at),
        connections::disconnection_evidence.eq(evidence),
    ))
    .execute(conn)
}

/// Records the secretariat's verification once; returns the rows changed.
pub fn record_verification(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        connections::table
            .filter(connections::id.eq(id))
            .filter(connections::disconnection_confirmed_at.is_not_null())
            .filter(connections::disconnection_verified_at.is_null()),
    )
    .set(connections::disconnection_verified_at.eq(at))
    .execute(conn)
}

/// Counts by a column, for statistics.
pub fn count_by_status(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    connections::table
        .group_by(connections::status)
        .select((connections::status, diesel::dsl::count_star()))
        .load(conn)
}

pub fn count_by_country(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    connections::table
        .group_by(connections::counterparty_country)
        .select((connections::counterparty_country, diesel::dsl::count_star()))
        .load(conn)
}

pub fn count_by_type(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    connections::table
        .group_by(connections::connection_type)
        .select((connections::connection_type, diesel::dsl::count_star()))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = connection_events)]
pub struct ConnectionEvent {
    pub id: String,
    pub connection_id: String,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub reason: String,
    pub details: String,
}

pub fn insert_event(conn: &mut DbConn, event: &ConnectionEvent) -> QueryResult<()> {
    diesel::insert_into(connection_events::table)
        .values(event)
        .execute(conn)
        .map(drop)
}

pub fn list_events(conn: &mut DbConn, connection_id: &str) -> QueryResult<Vec<ConnectionEvent>> {
    connection_events::table
        .filter(connection_events::connection_id.eq(connection_id))
        .order(connection_events::occurred_at.asc())
        .select(ConnectionEvent::as_select())
        .load(conn)
}

/// Event kinds and their times since `from`, for monthly statistics.
pub fn list_event_times(
    conn: &mut DbConn,
    kinds: &[&str],
    from: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    connection_events::table
        .filter(connection_events::kind.eq_any(kinds))
        .filter(connection_events::occurred_at.ge(from))
        .select((connection_events::kind, connection_events::occurred_at))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = show_cause_cases)]
pub struct ShowCause {
    pub id: String,
    pub connection_id: String,
    pub notice: String,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub response_deadline: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
}

pub fn insert_show_cause(conn: &mut DbConn, case: &ShowCause) -> QueryResult<()> {
    diesel::insert_into(show_cause_cases::table)
        .values(case)
        .execute(conn)
        .map(drop)
}

/// The case not yet decided, if any.
pub fn find_open_show_cause(
    conn: &mut DbConn,
    connection_id: &str,
) -> QueryResult<Option<ShowCause>> {
    show_cause_cases::table
        .filter(show_cause_cases::connection_id.eq(connection_id))
        .filter(show_cause_cases::outcome.is_null())
        .select(ShowCause::as_select())
        .first(conn)
        .optional()
}

pub fn list_show_causes(conn: &mut DbConn, connection_id: &str) -> QueryResult<Vec<ShowCause>> {
    show_cause_cases::table
        .filter(show_cause_cases::connection_id.eq(connection_id))
        .order(show_cause_cases::opened_at.asc())
        .select(ShowCause::as_select())
        .load(conn)
}

/// Undecided cases, earliest deadline first.
pub fn list_open_show_causes(conn: &mut DbConn) -> QueryResult<Vec<ShowCause>> {
    show_cause_cases::table
        .filter(show_cause_cases::outcome.is_null())
        .order(show_cause_cases::response_deadline.asc())
        .select(ShowCause::as_select())
        .load(conn)
}

pub fn record_show_cause_answer(
    conn: &mut DbConn,
    id: &str,
    answer: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        show_cause_cases::table
            .filter(show_cause_cases::id.eq(id))
            .filter(show_cause_cases::outcome.is_null())
            .filter(show_cause_cases::answered_at.is_null()),
    )
    .set((
        show_cause_cases::answer.eq(answer),
        show_cause_cases::answered_at.eq(at),
    ))
    .execute(conn)
}

pub fn record_show_cause_outcome(
    conn: &mut DbConn,
    id: &str,
    outcome: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        show_cause_cases::table
            .filter(show_cause_cases::id.eq(id))
            .filter(show_cause_cases::outcome.is_null()),
    )
    .set((
        show_cause_cases::outcome.eq(outcome),
        show_cause_cases::decided_at.eq(at),
        show_cause_cases::decided_by.eq(by),
    ))
    .execute(conn)
}

/// Claims a piece of work done once (a scheduled job's, or a notice sent only the first
/// time something becomes true); `false` if it was already done. Runs in a savepoint so a
/// duplicate does not abort the caller's transaction on PostgreSQL.
pub fn claim_mark(
    conn: &mut DbConn,
    job: &str,
    subject: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(scheduled_marks::table)
            .values((
                scheduled_marks::job.eq(job),
                scheduled_marks::subject.eq(subject),
                scheduled_marks::done_at.eq(at),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Takes (or renews) the scheduler's lease for `holder` until `until`; `false` if another
/// holder's lease has not expired.
pub fn acquire_lease(
    conn: &mut DbConn,
    holder: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        scheduler_leases::table
            .filter(scheduler_leases::name.eq("scheduler"))
            .filter(
                scheduler_leases::expires_at
                    .lt(now)
                    .or(scheduler_leases::holder.eq(holder)),
            ),
    )
    .set((
        scheduler_leases::holder.eq(holder),
        scheduler_leases::expires_at.eq(until),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A file a provider added to a connection's proceedings, without its content.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = connection_files)]
pub struct ConnectionFile {
    pub id: String,
    pub connection_id: String,
    pub purpose: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = connection_files)]
pub struct NewConnectionFile<'a> {
    pub id: &'a str,
    pub connection_id: &'a str,
    pub purpose: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert_file(conn: &mut DbConn, new: &NewConnectionFile<'_>) -> QueryResult<()> {
    diesel::insert_into(connection_files::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

pub fn list_files(conn: &mut DbConn, connection_id: &str) -> QueryResult<Vec<ConnectionFile>> {
    connection_files::table
        .filter(connection_files::connection_id.eq(connection_id))
        .order(connection_files::uploaded_at.asc())
        .select(ConnectionFile::as_select())
        .load(conn)
}

pub fn find_file_with_content(
    conn: &mut DbConn,
    connection_id: &str,
    id: &str,
) -> QueryResult<Option<(ConnectionFile, Vec<u8>)>> {
    connection_files::table
        .filter(connection_files::id.eq(id))
        .filter(connection_files::connection_id.eq(connection_id))
        .select((ConnectionFile::as_select(), connection_files::content))
        .first(conn)
        .optional()
}

/// Every connection, in approval-number order.
pub fn list_all(conn: &mut DbConn) -> QueryResult<Vec<Connection>> {
    connections::table
        .order(connections::approval_number)
        .select(Connection::as_select())
        .load(conn)
}

/// Every connection's events that changed its status (approval, suspension,
/// reinstatement, revocation, expiry), oldest first: `(connection id, kind, when)`.
pub fn list_status_events(conn: &mut DbConn) -> QueryResult<Vec<(String, String, NaiveDateTime)>> {
    connection_events::table
        .filter(connection_events::kind.eq_any([
            "approved",
            "suspended",
            "reinstated",
            "revoked",
            "expired",
        ]))
        .order((connection_events::occurred_at, connection_events::id))
        .select((
            connection_events::connection_id,
            connection_events::kind,
            connection_events::occurred_at,
        ))
        .load(conn)
}
