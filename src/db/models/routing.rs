//! Enforcement monitoring's tables: `routing_imports` (one row per imported file), the
//! international adjacencies MRT imports found, the reference data (RIR registrations,
//! CAIDA organisations and relationships, PeeringDB exchanges and route servers) and the
//! `findings` they raise.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    findings, routing_adjacencies, routing_as_organisations, routing_asn_registrations,
    routing_exchange_presences, routing_imports, routing_relationships, routing_route_servers,
};

/// One imported file.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = routing_imports)]
pub struct RoutingImport {
    pub id: String,
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub collector: String,
    pub data_from: Option<NaiveDateTime>,
    pub data_until: Option<NaiveDateTime>,
    pub records_read: i64,
    pub records_skipped: i64,
    pub records_malformed: i64,
    pub adjacencies: i64,
    pub duration_ms: i64,
    pub imported_by: String,
    pub imported_at: NaiveDateTime,
}

/// One international pair an MRT import saw.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = routing_adjacencies)]
pub struct AdjacencyRow {
    pub import_id: String,
    pub domestic_asn: i64,
    pub foreign_asn: i64,
    pub collector: String,
    pub peer_asns: String,
    pub peer_addresses: i64,
    pub announcements: i64,
    pub prefixes: i64,
    pub ipv4_addresses: i64,
    pub ipv6_48s: i64,
    pub domestic_nearer: i64,
    pub foreign_nearer: i64,
    pub example_path: String,
    pub example_prefix: String,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
}

/// A run of AS numbers a RIR file registers.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = routing_asn_registrations)]
pub struct AsnRegistration {
    pub import_id: String,
    pub line: i64,
    pub registry: String,
    pub first_asn: i64,
    pub asn_count: i64,
    pub country: String,
    pub status: String,
    pub opaque_id: String,
}

/// An AS and the organisation CAIDA gives it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = routing_as_organisations)]
pub struct AsOrganisation {
    pub import_id: String,
    pub asn: i64,
    pub org_id: String,
    pub org_name: String,
    pub country: String,
}

/// A relationship CAIDA inferred: `transit` (a provides transit to b) or `peers`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = routing_relationships)]
pub struct RelationshipRow {
    pub import_id: String,
    pub asn_a: i64,
    pub asn_b: i64,
    pub kind: String,
}

/// A network PeeringDB lists at an exchange.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = routing_exchange_presences)]
pub struct ExchangePresence {
    pub import_id: String,
    pub asn: i64,
    pub exchange_id: i64,
    pub exchange_name: String,
    pub country: String,
}

/// An exchange's route server, which never counts as a hop of a path.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = routing_route_servers)]
pub struct RouteServer {
    pub import_id: String,
    pub asn: i64,
}

/// A finding as stored: one row per key.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = findings, treat_none_as_null = true)]
pub struct FindingRow {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub domestic_asn: i64,
    pub foreign_asn: Option<i64>,
    pub organisation_id: Option<String>,
    pub connection_id: Option<String>,
    pub exchange_id: Option<i64>,
    pub connection_status: Option<String>,
    pub detail: String,
    pub peers: i64,
    pub severity: i64,
    pub confidence: i64,
    pub impact: i64,
    pub score: i64,
    pub rank_parts: String,
    pub first_seen: Option<NaiveDateTime>,
    pub last_seen: Option<NaiveDateTime>,
    pub still_seen: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The import of the file with this hash, if it was imported.
pub fn find_import_by_sha256(
    conn: &mut DbConn,
    sha256: &str,
) -> QueryResult<Option<RoutingImport>> {
    routing_imports::table
        .filter(routing_imports::sha256.eq(sha256))
        .select(RoutingImport::as_select())
        .first(conn)
        .optional()
}

pub fn insert_import(conn: &mut DbConn, row: &RoutingImport) -> QueryResult<usize> {
    diesel::insert_into(routing_imports::table)
        .values(row)
        .execute(conn)
}

/// Every import, newest first.
pub fn list_imports(conn: &mut DbConn) -> QueryResult<Vec<RoutingImport>> {
    routing_imports::table
        .order((
            routing_imports::imported_at.desc(),
            routing_imports::id.desc(),
        ))
        .select(RoutingImport::as_select())
        .load(conn)
}

/// The ids of earlier imports of `kind`.
fn earlier_imports(conn: &mut DbConn, kind: &str, keep: &str) -> QueryResult<Vec<String>> {
    routing_imports::table
        .filter(routing_imports::kind.eq(kind))
        .filter(routing_imports::id.ne(keep))
        .select(routing_imports::id)
        .load(conn)
}

pub fn insert_adjacency(conn: &mut DbConn, row: &AdjacencyRow) -> QueryResult<usize> {
    diesel::insert_into(routing_adjacencies::table)
        .values(row)
        .execute(conn)
}

/// Every adjacency of every MRT import.
pub fn list_adjacencies(conn: &mut DbConn) -> QueryResult<Vec<AdjacencyRow>> {
    routing_adjacencies::table
        .order((
            routing_adjacencies::domestic_asn,
            routing_adjacencies::foreign_asn,
            routing_adjacencies::first_seen,
        ))
        .select(AdjacencyRow::as_select())
        .load(conn)
}

pub fn insert_asn_registration(conn: &mut DbConn, row: &AsnRegistration) -> QueryResult<usize> {
    diesel::insert_into(routing_asn_registrations::table)
        .values(row)
        .execute(conn)
}

/// Drops the registrations earlier RIR imports made for `registries`, which the import
/// `keep` now holds.
pub fn replace_asn_registrations(
    conn: &mut DbConn,
    keep: &str,
    registries: &[String],
) -> QueryResult<usize> {
    diesel::delete(
        routing_asn_registrations::table
            .filter(routing_asn_registrations::import_id.ne(keep))
            .filter(routing_asn_registrations::registry.eq_any(registries)),
    )
    .execute(conn)
}

pub fn list_asn_registrations(conn: &mut DbConn) -> QueryResult<Vec<AsnRegistration>> {
    routing_asn_registrations::table
        .order(routing_asn_registrations::first_asn)
        .select(AsnRegistration::as_select())
        .load(conn)
}

pub fn insert_as_organisation(conn: &mut DbConn, row: &AsOrganisation) -> QueryResult<usize> {
    diesel::insert_into(routing_as_organisations::table)
        .values(row)
        .execute(conn)
}

pub fn list_as_organisations(conn: &mut DbConn) -> QueryResult<Vec<AsOrganisation>> {
    routing_as_organisations::table
        .select(AsOrganisation::as_select())
        .load(conn)
}

pub fn insert_relationship(conn: &mut DbConn, row: &RelationshipRow) -> QueryResult<usize> {
    diesel::insert_into(routing_relationships::table)
        .values(row)
        .execute(conn)
}

/// The relationships with one of `asns` on either side.
pub fn list_relationships_of(conn: &mut DbConn, asns: &[i64]) -> QueryResult<Vec<RelationshipRow>> {
    let mut rows = Vec::new();
    for chunk in asns.chunks(500) {
        rows.extend(
            routing_relationships::table
                .filter(
                    routing_relationships::asn_a
                        .eq_any(chunk)
                        .or(routing_relationships::asn_b.eq_any(chunk)),
                )
                .select(RelationshipRow::as_select())
                .load(conn)?,
        );
    }
    Ok(rows)
}

pub fn insert_exchange_presence(conn: &mut DbConn, row: &ExchangePresence) -> QueryResult<usize> {
    diesel::insert_into(routing_exchange_presences::table)
        .values(row)
        .execute(conn)
}

pub fn list_exchange_presences(conn: &mut DbConn) -> QueryResult<Vec<ExchangePresence>> {
    routing_exchange_presences::table
        .select(ExchangePresence::as_select())
        .load(conn)
}

pub fn insert_route_server(conn: &mut DbConn, row: &RouteServer) -> QueryResult<usize> {
    diesel::insert_into(routing_route_servers::table)
        .values(row)
        .execute(conn)
}

pub fn list_route_servers(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    routing_route_servers::table
        .select(routing_route_servers::asn)
        .load(conn)
}

/// Drops the reference rows earlier imports of `kind` (as2org, asrel or peeringdb) made:
/// the import `keep` replaces them.
pub fn replace_reference(conn: &mut DbConn, kind: &str, keep: &str) -> QueryResult<usize> {
    let earlier = earlier_imports(conn, kind, keep)?;
    let mut dropped = 0;
    for ids in earlier.chunks(500) {
        dropped += match kind {
            "as2org" => diesel::delete(
                routing_as_organisations::table
                    .filter(routing_as_organisations::import_id.eq_any(ids)),
            )
            .execute(conn)?,
            "asrel" => diesel::delete(
                routing_relationships::table.filter(routing_relationships::import_id.eq_any(ids)),
            )
            .execute(conn)?,
            _ => {
                diesel::delete(
                    routing_route_servers::table
                        .filter(routing_route_servers::import_id.eq_any(ids)),
                )
                .execute(conn)?
                    + diesel::delete(
                        routing_exchange_presences::table
                            .filter(routing_exchange_presences::import_id.eq_any(ids)),
                    )
                    .execute(conn)?
            }
        };
    }
    Ok(dropped)
}

/// Every finding, highest score first.
pub fn list_findings(conn: &mut DbConn) -> QueryResult<Vec<FindingRow>> {
    findings::table
        .order((findings::score.desc(), findings::id))
        .select(FindingRow::as_select())
        .load(conn)
}

pub fn insert_finding(conn: &mut DbConn, row: &FindingRow) -> QueryResult<usize> {
    diesel::insert_into(findings::table)
        .values(row)
        .execute(conn)
}

pub fn update_finding(conn: &mut DbConn, row: &FindingRow) -> QueryResult<usize> {
    diesel::update(findings::table.find(&row.id))
        .set(row)
        .execute(conn)
}

/// Marks the findings the newest comparison no longer raised.
pub fn mark_not_seen(conn: &mut DbConn, ids: &[String], at: NaiveDateTime) -> QueryResult<usize> {
    let mut marked = 0;
    for chunk in ids.chunks(500) {
        marked += diesel::update(findings::table.filter(findings::id.eq_any(chunk)))
            .set((findings::still_seen.eq(false), findings::updated_at.eq(at)))
            .execute(conn)?;
    }
    Ok(marked)
}
