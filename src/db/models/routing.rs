//! Enforcement monitoring's tables: `routing_imports` (one row per imported file), the
//! international adjacencies MRT imports found, the reference data (RIR registrations,
//! CAIDA organisations and relationships, PeeringDB exchanges and route servers) and the
//! `findings` they raise.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    finding_events, finding_files, findings, monitoring_snapshots, routing_adjacencies,
    routing_as_organisations, routing_asn_registrations, routing_exchange_presences,
    routing_imports, routing_relationships, routing_route_servers,
};
use crate::db::{DbConn, Position};

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

/// A finding's part that people change: its state and its particulars. The comparison
/// never writes these, only the state when a finding reopens.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = findings, treat_none_as_null = true)]
pub struct FindingCase {
    pub state: String,
    pub explanation_due: Option<NaiveDateTime>,
    pub explanation_reason: Option<String>,
    pub explanation_expires: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub linked_connection_id: Option<String>,
    pub evidence: Option<String>,
}

/// A finding's name and country of the foreign side, as the reference data gave them.
#[derive(Debug, Clone, Default, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = findings, treat_none_as_null = true)]
pub struct ForeignSide {
    pub foreign_country: Option<String>,
    pub foreign_name: Option<String>,
}

/// A step taken on a finding.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = finding_events)]
pub struct FindingEvent {
    pub id: String,
    pub finding_id: String,
    /// The step's place in the finding's history, from 1.
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub step: String,
    pub state_after: String,
    pub reason: Option<String>,
    pub body: String,
    pub deadline: Option<NaiveDateTime>,
    pub expires: Option<NaiveDateTime>,
    pub connection_id: Option<String>,
    /// The declaration the provider started from the finding.
    pub application_id: Option<String>,
    /// The show-cause case the step opened or moved.
    pub case_id: Option<String>,
}

/// A file added with a step on a finding.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = finding_files)]
pub struct FindingFile {
    pub id: String,
    pub finding_id: String,
    pub event_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

/// A file's particulars, without its content, for a page listing it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = finding_files)]
pub struct FindingFileInfo {
    pub id: String,
    pub event_id: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
}

/// A finding with its case and its foreign side, as the queue and its page read it.
pub type FindingFull = (FindingRow, FindingCase, ForeignSide);

/// What the findings queue is narrowed to; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub kind: Option<String>,
    pub states: Vec<String>,
    pub organisation_id: Option<String>,
    pub foreign_country: Option<String>,
    pub min_score: Option<i64>,
    pub first_seen_from: Option<NaiveDateTime>,
}

/// A place in the queue: its order is score (highest first), then id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingCursor {
    pub score: i64,
    pub id: String,
}

/// The filter's conditions on a boxed query of `findings`.
macro_rules! findings_filtered {
    ($query:expr, $filter:expr) => {{
        let filter: &FindingFilter = $filter;
        let mut query = $query;
        if let Some(kind) = &filter.kind {
            query = query.filter(findings::kind.eq(kind.clone()));
        }
        if !filter.states.is_empty() {
            query = query.filter(findings::state.eq_any(filter.states.clone()));
        }
        if let Some(org) = &filter.organisation_id {
            query = query.filter(findings::organisation_id.eq(org.clone()));
        }
        if let Some(country) = &filter.foreign_country {
            query = query.filter(findings::foreign_country.eq(country.clone()));
        }
        if let Some(score) = filter.min_score {
            query = query.filter(findings::score.ge(score));
        }
        if let Some(from) = filter.first_seen_from {
            query = query.filter(findings::first_seen.ge(from));
        }
        query
    }};
}

/// Rows after the cursor in the queue's order (score descending, then id), or before it.
macro_rules! findings_beyond {
    ($query:expr, $cursor:expr, $after:expr) => {{
        let cursor: &FindingCursor = $cursor;
        if $after {
            $query.filter(findings::score.le(cursor.score)).filter(
                findings::score
                    .lt(cursor.score)
                    .or(findings::id.gt(cursor.id.clone())),
            )
        } else {
            $query.filter(findings::score.ge(cursor.score)).filter(
                findings::score
                    .gt(cursor.score)
                    .or(findings::id.lt(cursor.id.clone())),
            )
        }
    }};
}

/// `limit` findings the filter matches at `position`, in the queue's order (read
/// backwards before a cursor, then turned round).
pub fn list_queue(
    conn: &mut DbConn,
    filter: &FindingFilter,
    position: Position<&FindingCursor>,
    limit: i64,
) -> QueryResult<Vec<FindingFull>> {
    let mut query = findings_filtered!(
        findings::table
            .select((
                FindingRow::as_select(),
                FindingCase::as_select(),
                ForeignSide::as_select(),
            ))
            .into_boxed(),
        filter
    );
    let forward = !matches!(position, Position::Before(_));
    query = match position {
        Position::Start => query,
        Position::After(cursor) => findings_beyond!(query, cursor, true),
        Position::Before(cursor) => findings_beyond!(query, cursor, false),
    };
    query = if forward {
        query.order((findings::score.desc(), findings::id.asc()))
    } else {
        query.order((findings::score.asc(), findings::id.desc()))
    };
    let mut rows: Vec<FindingFull> = query.limit(limit).load(conn)?;
    if !forward {
        rows.reverse();
    }
    Ok(rows)
}

/// How many findings the filter matches: all, or those before the cursor.
pub fn count_queue(
    conn: &mut DbConn,
    filter: &FindingFilter,
    before: Option<&FindingCursor>,
) -> QueryResult<i64> {
    let mut query = findings_filtered!(findings::table.into_boxed(), filter);
    if let Some(cursor) = before {
        query = findings_beyond!(query, cursor, false);
    }
    query.count().get_result(conn)
}

/// What one MRT import left standing, for the trends.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = monitoring_snapshots)]
pub struct Snapshot {
    pub import_id: String,
    pub observed_at: NaiveDateTime,
    pub adjacencies: i64,
    pub unapproved: i64,
    pub frontier: i64,
    pub open_by_kind: String,
}

pub fn insert_snapshot(conn: &mut DbConn, snapshot: &Snapshot) -> QueryResult<usize> {
    diesel::insert_into(monitoring_snapshots::table)
        .values(snapshot)
        .execute(conn)
}

/// Every snapshot, oldest observation first.
pub fn list_snapshots(conn: &mut DbConn) -> QueryResult<Vec<Snapshot>> {
    monitoring_snapshots::table
        .order((
            monitoring_snapshots::observed_at.asc(),
            monitoring_snapshots::import_id.asc(),
        ))
        .select(Snapshot::as_select())
        .load(conn)
}

/// Each MRT import's domestic ASNs seen next to a foreign one, ascending.
pub fn domestic_seen_by_import(
    conn: &mut DbConn,
) -> QueryResult<std::collections::HashMap<String, Vec<i64>>> {
    let rows: Vec<(String, i64)> = routing_adjacencies::table
        .select((
            routing_adjacencies::import_id,
            routing_adjacencies::domestic_asn,
        ))
        .distinct()
        .order((
            routing_adjacencies::import_id,
            routing_adjacencies::domestic_asn,
        ))
        .load(conn)?;
    let mut seen: std::collections::HashMap<String, Vec<i64>> = Default::default();
    for (import, asn) in rows {
        seen.entry(import).or_default().push(asn);
    }
    Ok(seen)
}

/// The pairs of `domestic` ASNs each collector's newest MRT import saw.
pub fn latest_adjacencies_of(
    conn: &mut DbConn,
    domestic: &[i64],
) -> QueryResult<Vec<AdjacencyRow>> {
    let mut newest: std::collections::HashMap<String, (Option<NaiveDateTime>, String)> =
        Default::default();
    for import in routing_imports::table
        .filter(routing_imports::kind.eq("mrt"))
        .select(RoutingImport::as_select())
        .load(conn)?
    {
        let at = import.data_until;
        let entry = newest
            .entry(import.collector.clone())
            .or_insert((at, import.id.clone()));
        if at > entry.0 {
            *entry = (at, import.id);
        }
    }
    let ids: Vec<String> = newest.into_values().map(|(_, id)| id).collect();
    routing_adjacencies::table
        .filter(routing_adjacencies::import_id.eq_any(ids))
        .filter(routing_adjacencies::domestic_asn.eq_any(domestic.to_vec()))
        .select(AdjacencyRow::as_select())
        .load(conn)
}

/// Whether the latest comparison still raises a finding that routing shows the revoked
/// connection `connection_id` after its disconnection deadline.
pub fn seen_after_disconnection(conn: &mut DbConn, connection_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        findings::table
            .filter(findings::kind.eq("seen_after_disconnection"))
            .filter(findings::connection_id.eq(connection_id))
            .filter(findings::still_seen.eq(true)),
    ))
    .get_result(conn)
}

/// One finding with its case and foreign side.
pub fn find_finding(conn: &mut DbConn, id: &str) -> QueryResult<Option<FindingFull>> {
    findings::table
        .find(id)
        .select((
            FindingRow::as_select(),
            FindingCase::as_select(),
            ForeignSide::as_select(),
        ))
        .first(conn)
        .optional()
}

/// Every finding's case, by id.
pub fn list_finding_cases(conn: &mut DbConn) -> QueryResult<Vec<(String, FindingCase)>> {
    findings::table
        .select((findings::id, FindingCase::as_select()))
        .load(conn)
}

pub fn update_finding_case(conn: &mut DbConn, id: &str, case: &FindingCase) -> QueryResult<usize> {
    diesel::update(findings::table.find(id))
        .set(case)
        .execute(conn)
}

pub fn update_foreign_side(conn: &mut DbConn, id: &str, side: &ForeignSide) -> QueryResult<usize> {
    diesel::update(findings::table.find(id))
        .set(side)
        .execute(conn)
}

pub fn insert_finding_event(conn: &mut DbConn, event: &FindingEvent) -> QueryResult<usize> {
    diesel::insert_into(finding_events::table)
        .values(event)
        .execute(conn)
}

/// How many steps a finding's history holds.
pub fn count_finding_events(conn: &mut DbConn, finding_id: &str) -> QueryResult<i64> {
    finding_events::table
        .filter(finding_events::finding_id.eq(finding_id))
        .count()
        .get_result(conn)
}

/// A finding's steps, oldest first.
pub fn list_finding_events(conn: &mut DbConn, finding_id: &str) -> QueryResult<Vec<FindingEvent>> {
    finding_events::table
        .filter(finding_events::finding_id.eq(finding_id))
        .order(finding_events::seq.asc())
        .select(FindingEvent::as_select())
        .load(conn)
}

pub fn insert_finding_file(conn: &mut DbConn, file: &FindingFile) -> QueryResult<usize> {
    diesel::insert_into(finding_files::table)
        .values(file)
        .execute(conn)
}

/// A finding's files, without their content, oldest first.
pub fn list_finding_files(
    conn: &mut DbConn,
    finding_id: &str,
) -> QueryResult<Vec<FindingFileInfo>> {
    finding_files::table
        .filter(finding_files::finding_id.eq(finding_id))
        .order((finding_files::uploaded_at.asc(), finding_files::id.asc()))
        .select(FindingFileInfo::as_select())
        .load(conn)
}

/// One file of a finding, with its content.
pub fn find_finding_file(
    conn: &mut DbConn,
    finding_id: &str,
    file_id: &str,
) -> QueryResult<Option<FindingFile>> {
    finding_files::table
        .filter(finding_files::finding_id.eq(finding_id))
        .filter(finding_files::id.eq(file_id))
        .select(FindingFile::as_select())
        .first(conn)
        .optional()
}

/// Every import's sighting of one pair, with the import, oldest first.
pub fn list_pair_sightings(
    conn: &mut DbConn,
    domestic_asn: i64,
    foreign_asn: i64,
) -> QueryResult<Vec<(AdjacencyRow, RoutingImport)>> {
    routing_adjacencies::table
        .inner_join(routing_imports::table)
        .filter(routing_adjacencies::domestic_asn.eq(domestic_asn))
        .filter(routing_adjacencies::foreign_asn.eq(foreign_asn))
        .order((routing_imports::data_until.asc(), routing_imports::id.asc()))
        .select((AdjacencyRow::as_select(), RoutingImport::as_select()))
        .load(conn)
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
