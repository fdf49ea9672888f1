//! Enforcement monitoring: importing the routing data files an operator downloads (RIR
//! statistics, MRT dumps, CAIDA files, PeeringDB), each file one transaction with its audit
//! event, and bringing the findings up to date after every import.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use chrono::{DateTime, NaiveDateTime, TimeDelta};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::models::connection as connection_db;
use crate::db::models::organisation as org_db;
use crate::db::models::routing::{
    self as routing_db, AdjacencyRow, AsOrganisation, AsnRegistration, ExchangePresence,
    FindingCase, FindingEvent, FindingRow, ForeignSide, RelationshipRow, RouteServer,
    RoutingImport, Snapshot,
};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::audit::{AuditAction, MONITORING};
use crate::domain::connection::ConnectionStatus;
use crate::domain::routing::adjacency::Aggregator;
use crate::domain::routing::asn::AsnPolicy;
use crate::domain::routing::case::{self, FindingState};
use crate::domain::routing::findings::{
    self, CDN_CLOUD_ONRAMP, Confidence, Detail, FOREIGN_IXP_PEERING, Finding, FindingKind,
    IP_TRANSIT, ObservedRelationship, Presence, Reference, Registry, Rules, Sighting, StatusChange,
};
use crate::domain::routing::path::PathRules;
use crate::domain::routing::{Announcement, MonitoringSettings, Segment};
use crate::routing::caida::{self, As2OrgRecord, AsRelRecord, RelationshipKind};
use crate::routing::peeringdb::{self, PeeringDbRecord};
use crate::routing::rir::{self, RirRecord};
use crate::routing::{compression, mrt};
use crate::workflows::{Actor, WorkflowError};

/// The country whose networks are domestic.
pub const HOME_COUNTRY: &str = "LA";

/// What kind of file an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// RIR delegated(-extended) statistics or the NRO combined file.
    Rir,
    /// An MRT RIB dump or update file.
    Mrt,
    /// CAIDA's AS-to-organisation file.
    As2org,
    /// CAIDA's AS-relationship file.
    Asrel,
    /// A PeeringDB dump.
    Peeringdb,
}

impl ImportKind {
    pub const ALL: [ImportKind; 5] = [
        ImportKind::Rir,
        ImportKind::Mrt,
        ImportKind::As2org,
        ImportKind::Asrel,
        ImportKind::Peeringdb,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Rir => "rir",
            ImportKind::Mrt => "mrt",
            ImportKind::As2org => "as2org",
            ImportKind::Asrel => "asrel",
            ImportKind::Peeringdb => "peeringdb",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// An import that could not be done: the file named, and where in it.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read, or is not a file of the kind asked for.
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Workflow(e.into())
    }
}

/// What became of one file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    /// `imported`, or `already_imported` when a file with the same content was.
    pub outcome: &'static str,
    pub import: RoutingImport,
    /// Findings standing after the import (unchanged when it was already imported).
    pub findings: usize,
}

/// The file's SHA-256 (lower-case hex) and size, read in a stream.
fn digest(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = BufReader::with_capacity(1 << 16, std::fs::File::open(path)?);
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    let mut size = 0;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// What a file held, read and checked before anything is written.
enum Parsed {
    Rir {
        registrations: Vec<AsnRegistration>,
        registries: Vec<String>,
    },
    Mrt(Vec<AdjacencyRow>),
    As2org(Vec<AsOrganisation>),
    Asrel(Vec<RelationshipRow>),
    Peeringdb {
        presences: Vec<ExchangePresence>,
        route_servers: Vec<RouteServer>,
    },
}

/// The counts and time span an import records.
#[derive(Debug, Default)]
struct Tally {
    read: i64,
    skipped: i64,
    data_from: Option<NaiveDateTime>,
    data_until: Option<NaiveDateTime>,
}

/// Imports one file, whose kind the operator names: reads it whole first (streaming, never
/// into memory at once), then writes the import's row, what it held and its audit event in
/// one transaction, and brings the findings up to date in the same transaction. A file
/// whose content was imported before is reported and skipped. `watch` is handed the count
/// of the file's bytes read so far once reading starts, for a progress bar.
pub fn import_file(
    conn: &mut DbConn,
    actor: &Actor,
    (kind, path, collector): (ImportKind, &Path, &str),
    settings: &MonitoringSettings,
    now: NaiveDateTime,
    watch: &dyn Fn(Arc<AtomicU64>),
) -> Result<ImportSummary, ImportError> {
    let file = path.display().to_string();
    let failed = |message: String| ImportError::File {
        file: file.clone(),
        message,
    };
    let (sha256, size) = digest(path).map_err(|e| failed(e.to_string()))?;
    if let Some(import) = routing_db::find_import_by_sha256(conn, &sha256)? {
        let findings = routing_db::list_findings(conn)?.len();
        return Ok(ImportSummary {
            outcome: "already_imported",
            import,
            findings,
        });
    }
    let started = Instant::now();
    let id = new_id();
    let stream = compression::open(path).map_err(|e| failed(e.to_string()))?;
    watch(stream.compressed_bytes());
    let mut tally = Tally::default();
    let parsed = match kind {
        ImportKind::Rir => read_rir(&id, stream, &mut tally),
        ImportKind::As2org => read_as2org(&id, stream, &mut tally),
        ImportKind::Asrel => {
            let domestic = domestic_asns(conn)?;
            read_asrel(&id, stream, &domestic, &mut tally)
        }
        ImportKind::Peeringdb => read_peeringdb(&id, stream, &mut tally),
        ImportKind::Mrt => {
            let context = PathContext::load(conn, settings)?;
            read_mrt(&id, collector, stream, &context, &mut tally)
        }
    }
    .map_err(failed)?;
    let adjacencies = match &parsed {
        Parsed::Mrt(rows) => rows.len() as i64,
        _ => 0,
    };
    let import = RoutingImport {
        id: id.clone(),
        kind: kind.as_str().to_string(),
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.clone()),
        sha256,
        size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
        collector: collector.to_string(),
        data_from: tally.data_from,
        data_until: tally.data_until,
        records_read: tally.read,
        records_skipped: tally.skipped,
        records_malformed: 0,
        adjacencies,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        imported_by: actor.label.clone(),
        imported_at: now,
    };
    let findings = write_tx(conn, |conn| {
        routing_db::insert_import(conn, &import)?;
        store(conn, &id, parsed)?;
        crate::workflows::audit::record(
            conn,
            actor,
            AuditAction::RoutingImport,
            "routing_import",
            &id,
            None,
            Some(json!({
                "kind": import.kind,
                "file_name": import.file_name,
                "sha256": import.sha256,
                "size_bytes": import.size_bytes,
                "collector": import.collector,
                "records_read": import.records_read,
                "records_skipped": import.records_skipped,
                "adjacencies": import.adjacencies,
            })),
        )?;
        let raised = refresh_findings(conn, settings, now)?;
        if kind == ImportKind::Mrt {
            let observed_at = import.data_until.unwrap_or(now);
            let taken = snapshot(conn, &id, observed_at)?;
            routing_db::insert_snapshot(conn, &taken)?;
        }
        Ok::<_, WorkflowError>(raised)
    })?;
    Ok(ImportSummary {
        outcome: "imported",
        import,
        findings,
    })
}

/// Writes what a file held, replacing the reference rows earlier imports of its kind made.
fn store(conn: &mut DbConn, id: &str, parsed: Parsed) -> Result<(), WorkflowError> {
    match parsed {
        Parsed::Rir {
            registrations,
            registries,
        } => {
            routing_db::replace_asn_registrations(conn, id, &registries)?;
            for row in &registrations {
                routing_db::insert_asn_registration(conn, row)?;
            }
        }
        Parsed::Mrt(rows) => {
            for row in &rows {
                routing_db::insert_adjacency(conn, row)?;
            }
        }
        Parsed::As2org(rows) => {
            routing_db::replace_reference(conn, "as2org", id)?;
            for row in &rows {
                routing_db::insert_as_organisation(conn, row)?;
            }
        }
        Parsed::Asrel(rows) => {
            routing_db::replace_reference(conn, "asrel", id)?;
            for row in &rows {
                routing_db::insert_relationship(conn, row)?;
            }
        }
        Parsed::Peeringdb {
            presences,
            route_servers,
        } => {
            routing_db::replace_reference(conn, "peeringdb", id)?;
            for row in &presences {
                routing_db::insert_exchange_presence(conn, row)?;
            }
            for row in &route_servers {
                routing_db::insert_route_server(conn, row)?;
            }
        }
    }
    Ok(())
}

/// The date of a RIR file's header (`YYYYMMDD`) as midnight UTC.
fn midnight(date: Option<chrono::NaiveDate>) -> Option<NaiveDateTime> {
    date.map(|d| d.and_time(chrono::NaiveTime::MIN))
}

fn read_rir(id: &str, stream: impl Read, tally: &mut Tally) -> Result<Parsed, String> {
    let mut registrations = Vec::new();
    let mut registries = BTreeSet::new();
    for (seq, record) in rir::records(BufReader::new(stream)).enumerate() {
        match record.map_err(|e| e.to_string())? {
            RirRecord::Header(header) => {
                registries.insert(header.registry.clone());
                tally.data_from = midnight(header.start_date);
                tally.data_until = midnight(header.end_date);
            }
            RirRecord::Asn(range) => {
                tally.read += 1;
                registrations.push(AsnRegistration {
                    import_id: id.to_string(),
                    line: i64::try_from(seq).unwrap_or(i64::MAX),
                    registry: registries.iter().next().cloned().unwrap_or_default(),
                    first_asn: i64::from(range.first),
                    asn_count: i64::from(range.count),
                    country: range.holding.cc.clone(),
                    status: range.holding.status.as_str().to_string(),
                    opaque_id: range.holding.opaque_id.clone().unwrap_or_default(),
                });
            }
            RirRecord::Ipv4(_) | RirRecord::Ipv6(_) => {
                tally.read += 1;
                tally.skipped += 1;
            }
        }
    }
    Ok(Parsed::Rir {
        registrations,
        registries: registries.into_iter().collect(),
    })
}

fn read_as2org(id: &str, stream: impl Read, tally: &mut Tally) -> Result<Parsed, String> {
    let mut orgs: HashMap<String, (String, String)> = HashMap::new();
    let mut ases = Vec::new();
    for record in caida::as2org(BufReader::new(stream)) {
        tally.read += 1;
        match record.map_err(|e| e.to_string())? {
            As2OrgRecord::Org(org) => {
                orgs.insert(org.id, (org.name, org.country));
            }
            As2OrgRecord::As(entry) => ases.push(entry),
        }
    }
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for entry in ases {
        if !seen.insert(entry.asn) {
            tally.skipped += 1;
            continue;
        }
        let (org_name, country) = orgs.get(&entry.org_id).cloned().unwrap_or_default();
        rows.push(AsOrganisation {
            import_id: id.to_string(),
            asn: i64::from(entry.asn),
            org_id: entry.org_id,
            org_name,
            country,
        });
    }
    Ok(Parsed::As2org(rows))
}

/// Keeps the relationships with a domestic side: the others never bear on a finding.
fn read_asrel(
    id: &str,
    stream: impl Read,
    domestic: &HashSet<u32>,
    tally: &mut Tally,
) -> Result<Parsed, String> {
    let mut rows = BTreeMap::new();
    for record in caida::relationships(BufReader::new(stream)) {
        let AsRelRecord::Relationship(rel) = record.map_err(|e| e.to_string())? else {
            continue;
        };
        tally.read += 1;
        if !(domestic.contains(&rel.a) || domestic.contains(&rel.b)) {
            tally.skipped += 1;
            continue;
        }
        let kind = match rel.kind {
            RelationshipKind::ProviderToCustomer => "transit",
            RelationshipKind::Peers => "peers",
        };
        rows.insert((rel.a, rel.b), kind);
    }
    Ok(Parsed::Asrel(
        rows.into_iter()
            .map(|((a, b), kind)| RelationshipRow {
                import_id: id.to_string(),
                asn_a: i64::from(a),
                asn_b: i64::from(b),
                kind: kind.to_string(),
            })
            .collect(),
    ))
}

fn read_peeringdb(id: &str, stream: impl Read, tally: &mut Tally) -> Result<Parsed, String> {
    let mut exchanges = HashMap::new();
    let mut at: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut servers = BTreeSet::new();
    for record in peeringdb::records(BufReader::new(stream)) {
        tally.read += 1;
        match record.map_err(|e| e.to_string())? {
            PeeringDbRecord::Exchange(ix) => {
                exchanges.insert(ix.id, (ix.name, ix.country));
            }
            PeeringDbRecord::Presence(p) => {
                at.insert((p.asn, p.ix_id));
            }
            PeeringDbRecord::RouteServer(asn) => {
                servers.insert(asn);
            }
            _ => tally.skipped += 1,
        }
    }
    let presences = at
        .into_iter()
        .map(|(asn, ix)| {
            let (name, country) = exchanges.get(&ix).cloned().unwrap_or_default();
            ExchangePresence {
                import_id: id.to_string(),
                asn: i64::from(asn),
                exchange_id: i64::from(ix),
                exchange_name: name,
                country,
            }
        })
        .collect();
    let route_servers = servers
        .into_iter()
        .map(|asn| RouteServer {
            import_id: id.to_string(),
            asn: i64::from(asn),
        })
        .collect();
    Ok(Parsed::Peeringdb {
        presences,
        route_servers,
    })
}

/// What cleaning an MRT import's paths needs from the database: the domestic ASNs, the
/// route servers, the allocated ranges and the policy.
struct PathContext {
    domestic: HashSet<u32>,
    route_servers: Vec<u32>,
    /// Delegated ASN ranges `(first, last)`, sorted; empty when no RIR file was imported,
    /// and then every ASN counts as allocated.
    allocated: Vec<(u32, u32)>,
    policy: AsnPolicy,
}

impl PathContext {
    fn load(conn: &mut DbConn, settings: &MonitoringSettings) -> Result<Self, WorkflowError> {
        let registrations = routing_db::list_asn_registrations(conn)?;
        let mut allocated: Vec<(u32, u32)> = registrations
            .iter()
            .filter(|r| delegated(&r.status))
            .filter_map(|r| asn_range(r.first_asn, r.asn_count))
            .collect();
        allocated.sort_unstable();
        Ok(Self {
            domestic: domestic_asns(conn)?,
            route_servers: routing_db::list_route_servers(conn)?
                .into_iter()
                .filter_map(|a| u32::try_from(a).ok())
                .collect(),
            allocated,
            policy: AsnPolicy {
                allow_documentation: settings.allow_documentation_asns,
            },
        })
    }

    fn is_allocated(&self, asn: u32) -> bool {
        if self.allocated.is_empty() {
            return true;
        }
        let at = self.allocated.partition_point(|(first, _)| *first <= asn);
        self.allocated[..at]
            .iter()
            .rev()
            .take(64)
            .any(|(first, last)| (*first..=*last).contains(&asn))
    }
}

/// Whether a RIR status means the numbers are in use.
fn delegated(status: &str) -> bool {
    matches!(status, "allocated" | "assigned")
}

/// The range `first .. first + count` as `(first, last)`, if it fits in 32 bits.
fn asn_range(first: i64, count: i64) -> Option<(u32, u32)> {
    let first = u32::try_from(first).ok()?;
    let last = u32::try_from(i64::from(first) + count - 1).ok()?;
    (count > 0).then_some((first, last))
}

fn read_mrt(
    id: &str,
    collector: &str,
    stream: impl Read,
    context: &PathContext,
    tally: &mut Tally,
) -> Result<Parsed, String> {
    let rules = PathRules::new(
        context.policy,
        context.route_servers.iter().copied(),
        |asn| context.is_allocated(asn),
    );
    let mut aggregator = Aggregator::new(context.domestic.iter().copied(), rules);
    let summary =
        mrt::read(stream, |a: &Announcement| aggregator.add(a)).map_err(|e| e.to_string())?;
    let aggregate = aggregator.finish();
    let time = |t: Option<i64>| {
        t.and_then(|s| DateTime::from_timestamp(s, 0))
            .map(|d| d.naive_utc())
    };
    tally.read = i64::try_from(summary.records).unwrap_or(i64::MAX);
    tally.skipped = i64::try_from(aggregate.counts.skipped_total()).unwrap_or(i64::MAX);
    tally.data_from = time(summary.first_time);
    tally.data_until = time(summary.last_time);
    let at = |s: i64| time(Some(s)).unwrap_or_default();
    Ok(Parsed::Mrt(
        aggregate
            .adjacencies
            .into_iter()
            .map(|a| AdjacencyRow {
                import_id: id.to_string(),
                domestic_asn: i64::from(a.domestic),
                foreign_asn: i64::from(a.foreign),
                collector: collector.to_string(),
                peer_asns: a
                    .peer_asns
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
                peer_addresses: a.peer_ips.len() as i64,
                announcements: count(a.announcements),
                prefixes: count(a.prefixes),
                ipv4_addresses: count(a.domestic_space.ipv4_addresses),
                ipv6_48s: count(a.domestic_space.ipv6_48s),
                domestic_nearer: count(a.domestic_nearer),
                foreign_nearer: count(a.foreign_nearer),
                example_path: path_text(&a.example_path),
                example_prefix: a.example_prefix.to_string(),
                first_seen: at(a.first_seen),
                last_seen: at(a.last_seen),
            })
            .collect(),
    ))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A path as routers print it: `64500 64501 {64502,64503}`.
fn path_text(path: &[Segment]) -> String {
    path.iter()
        .map(|segment| match segment {
            Segment::Sequence(asns) => asns
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            Segment::Set(asns) => format!(
                "{{{}}}",
                asns.iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The AS numbers an organisation's record lists (`AS64500, AS64501`); anything that does
/// not read as a number is passed over.
pub fn listed_asns(text: &str) -> Vec<u32> {
    text.split([',', ' ', ';'])
        .filter_map(|part| {
            let part = part.trim();
            let digits = part
                .strip_prefix("AS")
                .or_else(|| part.strip_prefix("as"))
                .unwrap_or(part);
            digits.parse().ok()
        })
        .collect()
}

/// The domestic ASNs: those of registered organisations, and those the RIR files register
/// to the home country.
fn domestic_asns(conn: &mut DbConn) -> Result<HashSet<u32>, WorkflowError> {
    let mut domestic: HashSet<u32> = org_db::list_all(conn)?
        .iter()
        .flat_map(|o| listed_asns(&o.asns))
        .collect();
    domestic.extend(rir_domestic(&routing_db::list_asn_registrations(conn)?));
    Ok(domestic)
}

/// The ASNs the RIR files register to the home country, in use.
fn rir_domestic(registrations: &[AsnRegistration]) -> HashSet<u32> {
    registrations
        .iter()
        .filter(|r| r.country == HOME_COUNTRY && delegated(&r.status))
        .filter_map(|r| asn_range(r.first_asn, r.asn_count))
        .flat_map(|(first, last)| first..=last.min(first.saturating_add(65_535)))
        .collect()
}

/// The status a connection's recorded event moved it to.
fn status_of_event(kind: &str) -> Option<ConnectionStatus> {
    match kind {
        "approved" | "reinstated" => Some(ConnectionStatus::Active),
        "suspended" => Some(ConnectionStatus::Suspended),
        "revoked" => Some(ConnectionStatus::Revoked),
        "expired" => Some(ConnectionStatus::Expired),
        _ => None,
    }
}

/// The registry as the comparison reads it.
fn registry(conn: &mut DbConn) -> Result<Registry, WorkflowError> {
    let organisations = org_db::list_all(conn)?
        .into_iter()
        .map(|o| findings::Organisation {
            asns: listed_asns(&o.asns),
            id: o.id,
            slug: o.slug,
        })
        .collect();
    let mut history: HashMap<String, Vec<StatusChange>> = HashMap::new();
    for (connection_id, kind, at) in connection_db::list_status_events(conn)? {
        if let Some(status) = status_of_event(&kind) {
            history
                .entry(connection_id)
                .or_default()
                .push(StatusChange { at, status });
        }
    }
    let connections = connection_db::list_all(conn)?
        .into_iter()
        .map(|c| findings::Connection {
            history: history.remove(&c.id).unwrap_or_default(),
            routing_visible: [IP_TRANSIT, FOREIGN_IXP_PEERING, CDN_CLOUD_ONRAMP]
                .contains(&c.connection_type.as_str()),
            id: c.id,
            approval_number: c.approval_number,
            organisation_id: c.organisation_id,
            counterparty_asn: c.counterparty_asn.and_then(|a| u32::try_from(a).ok()),
            counterparty_country: c.counterparty_country,
            connection_type: c.connection_type,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            disconnection_deadline: c.disconnection_deadline,
        })
        .collect();
    Ok(Registry {
        organisations,
        connections,
    })
}

/// Each pair's sightings across imports, merged: the peers and collectors that saw it, the
/// first and last time, the days and imports. The share of address space is the pair's
/// domestic IPv4 space in its newest import against the most any pair of that domestic AS
/// carried in that import (its space as routing shows it).
fn sightings(rows: &[AdjacencyRow], relationships: &[RelationshipRow]) -> Vec<Sighting> {
    let mut widest: HashMap<(&str, i64), i64> = HashMap::new();
    for row in rows {
        let most = widest
            .entry((&row.import_id, row.domestic_asn))
            .or_default();
        *most = (*most).max(row.ipv4_addresses);
    }
    let related: HashMap<(i64, i64), &str> = relationships
        .iter()
        .map(|r| ((r.asn_a, r.asn_b), r.kind.as_str()))
        .collect();
    let mut pairs: BTreeMap<(i64, i64), Vec<&AdjacencyRow>> = BTreeMap::new();
    for row in rows {
        pairs
            .entry((row.domestic_asn, row.foreign_asn))
            .or_default()
            .push(row);
    }
    pairs
        .into_iter()
        .filter_map(|((domestic, foreign), seen)| {
            let peers: BTreeSet<&str> = seen
                .iter()
                .flat_map(|r| r.peer_asns.split(','))
                .filter(|p| !p.is_empty())
                .collect();
            let collectors: BTreeSet<&str> = seen.iter().map(|r| r.collector.as_str()).collect();
            let imports: BTreeSet<&str> = seen.iter().map(|r| r.import_id.as_str()).collect();
            let mut days = BTreeSet::new();
            for r in &seen {
                let mut day = r.first_seen.date();
                while day <= r.last_seen.date() && days.len() < 10_000 {
                    days.insert(day);
                    day = day.succ_opt()?;
                }
            }
            let newest = seen.iter().max_by_key(|r| r.last_seen)?;
            let widest = widest
                .get(&(newest.import_id.as_str(), domestic))
                .copied()
                .unwrap_or(0);
            let share = if widest > 0 {
                u32::try_from(newest.ipv4_addresses * 1000 / widest).unwrap_or(1000)
            } else {
                0
            };
            let relationship = match (
                related.get(&(foreign, domestic)),
                related.get(&(domestic, foreign)),
            ) {
                (Some(&"transit"), _) => Some(ObservedRelationship::DomesticIsCustomer),
                (_, Some(&"transit")) => Some(ObservedRelationship::DomesticIsProvider),
                (Some(_), _) | (_, Some(_)) => Some(ObservedRelationship::Peers),
                (None, None) => None,
            };
            Some(Sighting {
                domestic_asn: u32::try_from(domestic).ok()?,
                foreign_asn: u32::try_from(foreign).ok()?,
                peers: peers.len() as u32,
                collectors: collectors.len() as u32,
                first_seen: seen.iter().map(|r| r.first_seen).min()?,
                last_seen: newest.last_seen,
                days_seen: days.len() as u32,
                imports_seen: imports.len() as u32,
                address_share_permille: share.min(1000),
                relationship,
            })
        })
        .collect()
}

/// The reference data the comparison needs, for the ASNs the sightings and the registry
/// name: the home country's RIR registrations, each foreign AS's country (RIR, then CAIDA),
/// sibling groups (CAIDA organisation, RIR opaque id), PeeringDB presences of domestic
/// ASes, and the domestic ASes the collectors saw in the window.
fn reference(
    conn: &mut DbConn,
    sightings: &[Sighting],
    rows: &[AdjacencyRow],
    window_start: NaiveDateTime,
    domestic: &HashSet<u32>,
) -> Result<Reference, WorkflowError> {
    let registrations = routing_db::list_asn_registrations(conn)?;
    let mut ranges: Vec<(u32, u32, &AsnRegistration)> = registrations
        .iter()
        .filter_map(|r| asn_range(r.first_asn, r.asn_count).map(|(f, l)| (f, l, r)))
        .collect();
    ranges.sort_unstable_by_key(|(first, _, _)| *first);
    let registration_of = |asn: u32| {
        let at = ranges.partition_point(|(first, _, _)| *first <= asn);
        ranges[..at]
            .iter()
            .rev()
            .take(64)
            .find(|(first, last, _)| (*first..=*last).contains(&asn))
            .map(|(_, _, r)| *r)
    };
    let caida: HashMap<u32, AsOrganisation> = routing_db::list_as_organisations(conn)?
        .into_iter()
        .filter_map(|o| Some((u32::try_from(o.asn).ok()?, o)))
        .collect();
    let mut named: BTreeSet<u32> = domestic.iter().copied().collect();
    named.extend(sightings.iter().map(|s| s.foreign_asn));
    let mut foreign_country = HashMap::new();
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for &asn in &named {
        let registered = registration_of(asn);
        let country = registered
            .map(|r| r.country.clone())
            .filter(|c| !c.is_empty() && c != "ZZ")
            .or_else(|| caida.get(&asn).map(|o| o.country.clone()))
            .filter(|c| !c.is_empty());
        if let Some(country) = country {
            foreign_country.insert(asn, country);
        }
        if let Some(org) = caida.get(&asn) {
            groups
                .entry(format!("caida:{}", org.org_id))
                .or_default()
                .push(asn);
        }
        if let Some(r) = registered.filter(|r| !r.opaque_id.is_empty()) {
            groups
                .entry(format!("rir:{}:{}", r.registry, r.opaque_id))
                .or_default()
                .push(asn);
        }
    }
    let presences = routing_db::list_exchange_presences(conn)?
        .into_iter()
        .filter_map(|p| {
            let asn = u32::try_from(p.asn).ok()?;
            domestic.contains(&asn).then_some(Presence {
                asn,
                exchange_id: u32::try_from(p.exchange_id).ok()?,
                exchange_name: p.exchange_name,
                exchange_country: p.country,
            })
        })
        .collect();
    let seen_domestic = rows
        .iter()
        .filter(|r| r.last_seen >= window_start)
        .filter_map(|r| u32::try_from(r.domestic_asn).ok())
        .collect();
    Ok(Reference {
        rir_domestic: rir_domestic(&registrations),
        foreign_country,
        sibling_groups: groups.into_values().filter(|g| g.len() > 1).collect(),
        presences,
        seen_domestic,
    })
}

/// Compares every sighting with the registry as it stood when it was seen, and stores the
/// findings: a finding raised again keeps its row (its state, when it was first raised)
/// with its figures brought up to date; one no longer raised is marked so, never deleted.
/// Returns how many findings the comparison raised.
pub fn refresh_findings(
    conn: &mut DbConn,
    settings: &MonitoringSettings,
    now: NaiveDateTime,
) -> Result<usize, WorkflowError> {
    let rows = routing_db::list_adjacencies(conn)?;
    let domestic = domestic_asns(conn)?;
    let domestic_list: Vec<i64> = domestic.iter().map(|&a| i64::from(a)).collect();
    let relationships = routing_db::list_relationships_of(conn, &domestic_list)?;
    let sightings = sightings(&rows, &relationships);
    let window_start = now - TimeDelta::days(i64::from(settings.not_observed_days));
    let reference = reference(conn, &sightings, &rows, window_start, &domestic)?;
    let registry = registry(conn)?;
    let rules = Rules {
        min_peers: settings.min_peers,
        not_observed_days: settings.not_observed_days,
        home_country: HOME_COUNTRY.to_string(),
    };
    let raised = findings::findings(&sightings, &registry, &reference, &rules, now);
    let by_pair: HashMap<(u32, u32), &Sighting> = sightings
        .iter()
        .map(|s| ((s.domestic_asn, s.foreign_asn), s))
        .collect();
    let stored: HashMap<String, FindingRow> = routing_db::list_findings(conn)?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    let names: HashMap<i64, String> = routing_db::list_as_organisations(conn)?
        .into_iter()
        .map(|o| (o.asn, o.org_name))
        .collect();
    let mut cases: HashMap<String, FindingCase> =
        routing_db::list_finding_cases(conn)?.into_iter().collect();
    let mut kept = HashSet::new();
    for finding in &raised {
        let sighting = finding
            .key
            .foreign_asn
            .and_then(|f| by_pair.get(&(finding.key.domestic_asn, f)).copied());
        let id = finding.key.to_string();
        let row = finding_row(finding, sighting, stored.get(&id), now);
        if stored.contains_key(&id) {
            routing_db::update_finding(conn, &row)?;
        } else {
            routing_db::insert_finding(conn, &row)?;
        }
        let foreign = finding.key.foreign_asn;
        let side = ForeignSide {
            foreign_country: foreign.and_then(|f| reference.foreign_country.get(&f).cloned()),
            foreign_name: foreign.and_then(|f| names.get(&i64::from(f)).cloned()),
        };
        routing_db::update_foreign_side(conn, &id, &side)?;
        if let Some(case) = cases.remove(&id) {
            reopen_if_seen_again(conn, &id, case, row.last_seen, now)?;
        }
        kept.insert(id);
    }
    let gone: Vec<String> = stored
        .into_values()
        .filter(|f| f.still_seen && !kept.contains(&f.id))
        .map(|f| f.id)
        .collect();
    routing_db::mark_not_seen(conn, &gone, now)?;
    Ok(raised.len())
}

/// The kinds of finding raised by a pair seen in routing.
const SIGHTED: [FindingKind; 7] = [
    FindingKind::Approved,
    FindingKind::SeenWhileSuspended,
    FindingKind::SeenAfterDisconnection,
    FindingKind::SeenAfterExpiry,
    FindingKind::Unapproved,
    FindingKind::Sibling,
    FindingKind::CountryMismatch,
];

/// What the findings stand at after import `import_id`: the international pairs the
/// comparison counted (each raises one of the sighted kinds), those no approval covers,
/// the domestic networks with a direct foreign link, and the open findings by kind.
fn snapshot(
    conn: &mut DbConn,
    import_id: &str,
    observed_at: NaiveDateTime,
) -> Result<Snapshot, WorkflowError> {
    let cases: HashMap<String, String> = routing_db::list_finding_cases(conn)?
        .into_iter()
        .map(|(id, case)| (id, case.state))
        .collect();
    let mut pairs = BTreeSet::new();
    let mut unapproved = BTreeSet::new();
    let mut open: BTreeMap<&'static str, i64> = BTreeMap::new();
    for f in routing_db::list_findings(conn)?
        .into_iter()
        .filter(|f| f.still_seen)
    {
        let Some(kind) = FindingKind::parse(&f.kind) else {
            continue;
        };
        if let (Some(foreign), true) = (f.foreign_asn, SIGHTED.contains(&kind)) {
            pairs.insert((f.domestic_asn, foreign));
            if matches!(kind, FindingKind::Unapproved | FindingKind::Sibling) {
                unapproved.insert((f.domestic_asn, foreign));
            }
        }
        let state = cases.get(&f.id).and_then(|s| FindingState::parse(s));
        if kind != FindingKind::Approved
            && matches!(
                state,
                Some(
                    FindingState::Open
                        | FindingState::ExplanationRequested
                        | FindingState::Escalated
                )
            )
        {
            *open.entry(kind.as_str()).or_default() += 1;
        }
    }
    let frontier: BTreeSet<i64> = pairs.iter().map(|(d, _)| *d).collect();
    Ok(Snapshot {
        import_id: import_id.to_string(),
        observed_at,
        adjacencies: pairs.len() as i64,
        unapproved: unapproved.len() as i64,
        frontier: frontier.len() as i64,
        open_by_kind: open
            .iter()
            .map(|(kind, n)| format!("{kind}={n}"))
            .collect::<Vec<_>>()
            .join(";"),
    })
}

/// Puts a finding explained or resolved before back to open when routing shows it again
/// after its explanation expired or after it was resolved (see
/// [`case::reopens`]), recording the step as the monitoring's own.
fn reopen_if_seen_again(
    conn: &mut DbConn,
    id: &str,
    case: FindingCase,
    seen_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    let Some(state) = FindingState::parse(&case.state) else {
        return Ok(());
    };
    if !case::reopens(state, case.closed_at, case.explanation_expires, seen_at) {
        return Ok(());
    }
    routing_db::update_finding_case(
        conn,
        id,
        &FindingCase {
            state: FindingState::Open.as_str().to_string(),
            explanation_due: None,
            ..case
        },
    )?;
    let seq = routing_db::count_finding_events(conn, id)? + 1;
    routing_db::insert_finding_event(
        conn,
        &FindingEvent {
            id: new_id(),
            finding_id: id.to_string(),
            seq,
            at: now,
            actor_id: None,
            actor_label: MONITORING.to_string(),
            step: "reopen".to_string(),
            state_after: FindingState::Open.as_str().to_string(),
            reason: None,
            body: String::new(),
            deadline: None,
            expires: None,
            connection_id: None,
            application_id: None,
            case_id: None,
        },
    )?;
    Ok(())
}

/// A finding as stored, keeping what a person set on an earlier row (its state) and when
/// it was first raised.
fn finding_row(
    finding: &Finding,
    sighting: Option<&Sighting>,
    earlier: Option<&FindingRow>,
    now: NaiveDateTime,
) -> FindingRow {
    let rank = &finding.rank;
    let rank_parts = match rank.confidence {
        Confidence::Routing {
            peers,
            persistence,
            collectors,
        } => json!({ "peers": peers, "persistence": persistence, "collectors": collectors }),
        Confidence::SelfDeclared => json!({ "self_declared": rank.confidence.points() }),
        Confidence::Absence => json!({ "absence": rank.confidence.points() }),
    };
    FindingRow {
        id: finding.key.to_string(),
        kind: finding.key.kind.as_str().to_string(),
        state: earlier.map_or_else(|| "open".to_string(), |f| f.state.clone()),
        domestic_asn: i64::from(finding.key.domestic_asn),
        foreign_asn: finding.key.foreign_asn.map(i64::from),
        organisation_id: finding.organisation_id.clone(),
        connection_id: finding.key.connection_id.clone(),
        exchange_id: finding.key.exchange_id.map(i64::from),
        connection_status: finding.connection_status.map(|s| s.as_str().to_string()),
        detail: detail_json(&finding.detail).to_string(),
        peers: sighting.map_or(0, |s| i64::from(s.peers)),
        severity: i64::from(rank.severity),
        confidence: i64::from(rank.confidence.points()),
        impact: i64::from(rank.impact),
        score: i64::from(rank.score),
        rank_parts: rank_parts.to_string(),
        first_seen: sighting.map(|s| s.first_seen),
        last_seen: sighting.map(|s| s.last_seen).or(finding.seen_at),
        still_seen: true,
        created_at: earlier.map_or(now, |f| f.created_at),
        updated_at: now,
    }
}

fn detail_json(detail: &Detail) -> serde_json::Value {
    match detail {
        Detail::None => json!({}),
        Detail::Mismatch {
            foreign_country,
            approved_country,
            relationship,
            connection_type,
            country_differs,
            relationship_contradicts,
        } => json!({
            "foreign_country": foreign_country,
            "approved_country": approved_country,
            "relationship": relationship.map(|r| format!("{r:?}")),
            "connection_type": connection_type,
            "country_differs": country_differs,
            "relationship_contradicts": relationship_contradicts,
        }),
        Detail::SeenWith(asns) => json!({ "seen_with": asns }),
        Detail::Exchange { name, country } => json!({ "exchange": name, "country": country }),
    }
}

/// A finding as the command line lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FindingListed {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub domestic_asn: i64,
    pub foreign_asn: Option<i64>,
    /// The organisation's short name.
    pub organisation: Option<String>,
    pub approval_number: Option<String>,
    pub peers: i64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub score: i64,
    pub severity: i64,
    pub confidence: i64,
    pub impact: i64,
    pub still_seen: bool,
    pub detail: serde_json::Value,
}

/// The findings of `kind` in `state` (either may be left open), highest score first.
pub fn list_findings(
    conn: &mut DbConn,
    kind: Option<FindingKind>,
    state: Option<&str>,
) -> Result<Vec<FindingListed>, WorkflowError> {
    let slugs: HashMap<String, String> = org_db::list_all(conn)?
        .into_iter()
        .map(|o| (o.id, o.slug))
        .collect();
    let numbers: HashMap<String, String> = connection_db::list_all(conn)?
        .into_iter()
        .map(|c| (c.id, c.approval_number))
        .collect();
    let rfc3339 = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc().to_rfc3339());
    Ok(routing_db::list_findings(conn)?
        .into_iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k.as_str()))
        .filter(|f| state.is_none_or(|s| f.state == s))
        .map(|f| FindingListed {
            organisation: f
                .organisation_id
                .as_ref()
                .and_then(|o| slugs.get(o).cloned()),
            approval_number: f
                .connection_id
                .as_ref()
                .and_then(|c| numbers.get(c).cloned()),
            first_seen: rfc3339(f.first_seen),
            last_seen: rfc3339(f.last_seen),
            detail: serde_json::from_str(&f.detail).unwrap_or_default(),
            id: f.id,
            kind: f.kind,
            state: f.state,
            domestic_asn: f.domestic_asn,
            foreign_asn: f.foreign_asn,
            peers: f.peers,
            score: f.score,
            severity: f.severity,
            confidence: f.confidence,
            impact: f.impact,
            still_seen: f.still_seen,
        })
        .collect())
}

/// Every import, newest first.
pub fn list_imports(conn: &mut DbConn) -> Result<Vec<RoutingImport>, WorkflowError> {
    Ok(routing_db::list_imports(conn)?)
}
