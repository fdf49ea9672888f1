//! Findings: every difference between the international adjacencies route collectors saw
//! and the connections the registry approved, each with a stable key and a rank.
//!
//! [`findings`] is a pure function of the sightings, the registry as data, the reference
//! data (RIR, CAIDA, PeeringDB), the rules and the current time. It reads no file and no
//! database; the caller loads those and stores what comes back.
//!
//! Decisions the design leaves open, taken here:
//! - A sighting whose domestic side is neither on a registered organisation nor registered
//!   to the home country by the RIR, or whose foreign side is domestic, is not an
//!   international adjacency and raises nothing.
//! - Several sightings of one pair are merged first (most peers, collectors, days, imports
//!   and share; earliest first and latest last sighting), so a key appears once.
//! - The registry is read at the sighting's last-seen time. A connection counts from its
//!   first recorded status change and its `valid_from` date; seen before either, it does
//!   not cover the pair (so the pair is `unapproved` unless something else matches).
//! - When several connections match, one that covers the pair wins (an active one before
//!   a revoked one still within its disconnection deadline); otherwise the one most recently
//!   in force (latest `valid_from`, then the smallest id) names the finding.
//! - Revoked, and seen on or before the disconnection deadline: `approved` (the revocation
//!   allows the link until then; the finding carries the `Revoked` status). Revoked with no
//!   deadline recorded: disconnection was due at once, so `seen_after_disconnection`.
//! - Seen past `valid_until` counts as `seen_after_expiry` whatever the status says, except
//!   a revocation past its deadline, which is the stronger order.
//! - `country_mismatch` accompanies only `approved`; see [`relationship_contradicts`].
//! - A connection without a counterparty ASN (an old row) matches no sighting.
//! - `unregistered_domestic_as` is one finding per ASN, however many pairs it was seen in,
//!   and replaces the per-pair `unapproved` (there is no organisation to hold an approval).
//! - `approved_not_observed` is one finding per connection, keyed by the organisation's
//!   lowest ASN; the approval must have been in force since the window began (a link
//!   approved last week may not be built yet).
//! - `foreign_ixp_presence` matches an exchange to an approval by country: connections do
//!   not name the exchange, only the counterparty's country.
//! - A pair seen by fewer than `min_peers` peers counts nowhere, not even as the sighting
//!   that keeps an approval from being `approved_not_observed`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use crate::domain::clock::date_in_vientiane;
use crate::domain::connection::ConnectionStatus;

mod rank;

pub use rank::{Confidence, MAX_CONFIDENCE, Rank, impact};

#[cfg(test)]
mod tests;

/// The connection type code of IP transit bought abroad.
pub const IP_TRANSIT: &str = "ip_transit";
/// The connection type code of peering at an exchange abroad.
pub const FOREIGN_IXP_PEERING: &str = "foreign_ixp_peering";
/// The connection type code of a direct link to a CDN or a cloud provider.
pub const CDN_CLOUD_ONRAMP: &str = "cdn_cloud_onramp";

/// The business relationship CAIDA inferred between the two sides of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObservedRelationship {
    /// The foreign network sells the domestic one transit.
    DomesticIsCustomer,
    /// The domestic network sells the foreign one transit.
    DomesticIsProvider,
    /// The two exchange their own and their customers' routes (settlement-free or paid
    /// peering).
    Peers,
}

/// One adjacency between a domestic and a foreign AS, as all imports so far saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// The domestic side.
    pub domestic_asn: u32,
    /// The foreign side.
    pub foreign_asn: u32,
    /// Distinct collector peer ASes that saw the pair.
    pub peers: u32,
    /// Distinct collectors that saw the pair.
    pub collectors: u32,
    /// The first time any import saw the pair (UTC).
    pub first_seen: NaiveDateTime,
    /// The last time any import saw the pair (UTC).
    pub last_seen: NaiveDateTime,
    /// Distinct UTC days on which the pair was seen.
    pub days_seen: u32,
    /// Imports that saw the pair.
    pub imports_seen: u32,
    /// Thousandths (0–1000) of the domestic organisation's address space routed through
    /// the pair.
    pub address_share_permille: u32,
    /// CAIDA's inferred relationship between the two sides, if it has one.
    pub relationship: Option<ObservedRelationship>,
}

/// A registered organisation and the ASNs the registry lists for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// The organisation's id in the registry.
    pub id: String,
    /// Its short name in addresses.
    pub slug: String,
    /// The AS numbers it holds.
    pub asns: Vec<u32>,
}

/// A change of a connection's status, at a moment in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    /// When the change took effect (UTC).
    pub at: NaiveDateTime,
    /// The status from then on.
    pub status: ConnectionStatus,
}

/// An approved international connection, as the findings read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The connection's id in the registry.
    pub id: String,
    /// The approval number printed on the certificate.
    pub approval_number: String,
    /// The organisation holding the approval.
    pub organisation_id: String,
    /// The foreign network's AS number; old rows may lack it.
    pub counterparty_asn: Option<u32>,
    /// The foreign party's country, ISO 3166 alpha-2.
    pub counterparty_country: String,
    /// The connection type code, e.g. [`IP_TRANSIT`].
    pub connection_type: String,
    /// Whether this type of link shows in BGP (IP transit, foreign IXP peering, CDN/cloud
    /// on-ramp); only those can be `approved_not_observed`.
    pub routing_visible: bool,
    /// The first day of validity, a Vientiane calendar date.
    pub valid_from: NaiveDate,
    /// The last day of validity (inclusive), a Vientiane calendar date.
    pub valid_until: NaiveDate,
    /// Every status the connection has had and when; the order does not matter.
    pub history: Vec<StatusChange>,
    /// When a revoked link must be disconnected by (UTC).
    pub disconnection_deadline: Option<NaiveDateTime>,
}

impl Connection {
    /// The status at `at`: the latest change at or before it (of two at the same moment,
    /// the later in the list), or `None` before the first one.
    pub fn status_at(&self, at: NaiveDateTime) -> Option<ConnectionStatus> {
        self.history
            .iter()
            .enumerate()
            .filter(|(_, change)| change.at <= at)
            .max_by_key(|(position, change)| (change.at, *position))
            .map(|(_, change)| change.status)
    }
}

/// The registry's organisations and connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    /// Every registered organisation.
    pub organisations: Vec<Organisation>,
    /// Every connection, whatever its status.
    pub connections: Vec<Connection>,
}

/// A network listed in PeeringDB at an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// The network's AS number.
    pub asn: u32,
    /// PeeringDB's id of the exchange.
    pub exchange_id: u32,
    /// The exchange's name.
    pub exchange_name: String,
    /// The exchange's country, ISO 3166 alpha-2 (empty when PeeringDB has none).
    pub exchange_country: String,
}

/// What the public reference files say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reference {
    /// ASNs the RIR files register to the home country (allocated or assigned).
    pub rir_domestic: HashSet<u32>,
    /// Each foreign ASN's country: its RIR `cc`, else its CAIDA organisation's country.
    pub foreign_country: HashMap<u32, String>,
    /// Groups of sibling ASNs: one per CAIDA organisation and one per RIR opaque id. Two
    /// ASNs are siblings when one group holds both.
    pub sibling_groups: Vec<Vec<u32>>,
    /// PeeringDB's exchange presences.
    pub presences: Vec<Presence>,
    /// Domestic ASNs the collectors saw at all in the last `not_observed_days`.
    pub seen_domestic: HashSet<u32>,
}

/// The tunable rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// A pair counts only when at least this many distinct peer ASes saw it.
    pub min_peers: u32,
    /// How many days back an approved link must show before it is `approved_not_observed`.
    pub not_observed_days: u32,
    /// The home country, ISO 3166 alpha-2.
    pub home_country: String,
}

impl Default for Rules {
    /// Two peers, fourteen days, Laos.
    fn default() -> Self {
        Rules {
            min_peers: 2,
            not_observed_days: 14,
            home_country: "LA".to_string(),
        }
    }
}

/// The kinds of finding, in the order the monitoring design lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// A covering approval exists.
    Approved,
    /// The matching connection was suspended when the pair was seen.
    SeenWhileSuspended,
    /// The matching connection was revoked, and the pair was seen after the disconnection
    /// deadline.
    SeenAfterDisconnection,
    /// The matching connection had expired, or the pair was seen past its validity.
    SeenAfterExpiry,
    /// No connection of the organisation matches the pair.
    Unapproved,
    /// Unapproved, but the foreign side belongs to the provider's own group.
    Sibling,
    /// Approved, but the foreign side's country or the observed relationship contradicts
    /// the approval.
    CountryMismatch,
    /// A domestic AS, by the RIR, that no registered organisation holds.
    UnregisteredDomesticAs,
    /// An active routing-visible approval no recent import saw, while the collectors saw
    /// the provider.
    ApprovedNotObserved,
    /// PeeringDB lists the provider at an exchange abroad it has no approval to peer at.
    ForeignIxpPresence,
}

impl FindingKind {
    /// Every kind, in order.
    pub const ALL: [FindingKind; 10] = [
        FindingKind::Approved,
        FindingKind::SeenWhileSuspended,
        FindingKind::SeenAfterDisconnection,
        FindingKind::SeenAfterExpiry,
        FindingKind::Unapproved,
        FindingKind::Sibling,
        FindingKind::CountryMismatch,
        FindingKind::UnregisteredDomesticAs,
        FindingKind::ApprovedNotObserved,
        FindingKind::ForeignIxpPresence,
    ];

    /// The kind as stored and as it appears in a key's text.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Approved => "approved",
            FindingKind::SeenWhileSuspended => "seen_while_suspended",
            FindingKind::SeenAfterDisconnection => "seen_after_disconnection",
            FindingKind::SeenAfterExpiry => "seen_after_expiry",
            FindingKind::Unapproved => "unapproved",
            FindingKind::Sibling => "sibling",
            FindingKind::CountryMismatch => "country_mismatch",
            FindingKind::UnregisteredDomesticAs => "unregistered_domestic_as",
            FindingKind::ApprovedNotObserved => "approved_not_observed",
            FindingKind::ForeignIxpPresence => "foreign_ixp_presence",
        }
    }

    /// The kind stored as `raw`, if it is one.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

/// What identifies a finding across imports: a later import that raises the same key
/// updates that finding instead of adding another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingKey {
    /// The kind.
    pub kind: FindingKind,
    /// The domestic AS.
    pub domestic_asn: u32,
    /// The foreign AS, for kinds about a pair or a connection's counterparty.
    pub foreign_asn: Option<u32>,
    /// The connection, for kinds about one.
    pub connection_id: Option<String>,
    /// The PeeringDB exchange, for `foreign_ixp_presence`.
    pub exchange_id: Option<u32>,
}

/// Why a key's text could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a finding key: {0:?}")]
pub struct KeyParseError(String);

impl fmt::Display for FindingKey {
    /// `kind/domestic/foreign/exchange/connection`, with `-` for an absent part, e.g.
    /// `approved/64496/64511/-/c-1`. The connection id comes last so it may hold any
    /// character; an id of exactly `-` cannot be told from none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let or_dash = |part: Option<String>| part.unwrap_or_else(|| "-".to_string());
        write!(
            f,
            "{}/{}/{}/{}/{}",
            self.kind.as_str(),
            self.domestic_asn,
            or_dash(self.foreign_asn.map(|asn| asn.to_string())),
            or_dash(self.exchange_id.map(|id| id.to_string())),
            or_dash(self.connection_id.clone()),
        )
    }
}

impl FindingKey {
    /// Reads back the text [`Display`](fmt::Display) writes.
    pub fn parse(text: &str) -> Result<Self, KeyParseError> {
        let fail = || KeyParseError(text.to_string());
        let mut parts = text.splitn(5, '/');
        let mut next = || parts.next().ok_or_else(fail);
        let kind = FindingKind::parse(next()?).ok_or_else(fail)?;
        let domestic_asn = next()?.parse().map_err(|_| fail())?;
        let number = |part: &str| match part {
            "-" => Ok(None),
            digits => digits.parse().map(Some).map_err(|_| fail()),
        };
        let foreign_asn = number(next()?)?;
        let exchange_id = number(next()?)?;
        let connection_id = match next()? {
            "-" => None,
            id => Some(id.to_string()),
        };
        Ok(FindingKey {
            kind,
            domestic_asn,
            foreign_asn,
            connection_id,
            exchange_id,
        })
    }
}

/// What a finding adds beyond its key, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// Nothing beyond the key and the observation.
    None,
    /// For `country_mismatch`: what disagrees with the approval.
    Mismatch {
        /// The foreign side's country, when known.
        foreign_country: Option<String>,
        /// The counterparty country the approval names.
        approved_country: String,
        /// The relationship CAIDA observed, when known.
        relationship: Option<ObservedRelationship>,
        /// The approved connection type code.
        connection_type: String,
        /// The foreign side's country differs from the approved one.
        country_differs: bool,
        /// The observed relationship contradicts the connection type.
        relationship_contradicts: bool,
    },
    /// For `unregistered_domestic_as`: the foreign ASes it was seen next to, ascending.
    SeenWith(Vec<u32>),
    /// For `foreign_ixp_presence`: the exchange.
    Exchange {
        /// The exchange's name.
        name: String,
        /// The exchange's country.
        country: String,
    },
}

/// One difference between routing and the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What identifies it across imports.
    pub key: FindingKey,
    /// The organisation it belongs to, when one holds the domestic AS or the connection.
    pub organisation_id: Option<String>,
    /// The last time the pair was seen (UTC), for findings raised by a sighting.
    pub seen_at: Option<NaiveDateTime>,
    /// The connection's status at `seen_at` (or now, for findings without a sighting).
    pub connection_status: Option<ConnectionStatus>,
    /// What the kind adds.
    pub detail: Detail,
    /// How urgent it is, in parts.
    pub rank: Rank,
}

/// Every finding the sightings, registry and reference data raise at `now` (UTC), ordered
/// by score (highest first), then by key.
pub fn findings(
    sightings: &[Sighting],
    registry: &Registry,
    reference: &Reference,
    rules: &Rules,
    now: NaiveDateTime,
) -> Vec<Finding> {
    let index = Index::build(registry, reference);
    let merged = merge(sightings);
    let counted: Vec<&Sighting> = merged
        .values()
        .filter(|s| {
            s.peers >= rules.min_peers
                && index.is_domestic(s.domestic_asn)
                && !index.is_domestic(s.foreign_asn)
        })
        .collect();

    let mut out = Vec::new();
    let mut unregistered: BTreeMap<u32, Vec<&Sighting>> = BTreeMap::new();
    for sighting in &counted {
        match index.orgs_by_asn.get(&sighting.domestic_asn) {
            Some(orgs) => out.extend(judge(&index, orgs, sighting)),
            None => unregistered
                .entry(sighting.domestic_asn)
                .or_default()
                .push(sighting),
        }
    }
    out.extend(
        unregistered
            .into_iter()
            .map(|(asn, seen)| unregistered_finding(asn, &seen)),
    );
    out.extend(not_observed(&index, &counted, rules, now));
    out.extend(foreign_ixp_presences(&index, rules, now));
    out.sort_by(|a, b| {
        b.rank
            .score
            .cmp(&a.rank.score)
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

/// Whether CAIDA's `relationship` contradicts a connection of type `connection_type`.
///
/// - IP transit is bought abroad: the domestic side being the *provider* of the foreign
///   one contradicts it. Peering does not: CAIDA infers peering for partial or paid
///   transit and for links it cannot classify.
/// - Foreign IXP peering and a CDN/cloud on-ramp are peering-like: transit in either
///   direction contradicts them (it needs an IP transit approval, or sells one).
/// - Other types (fibre, microwave, satellite, leased circuits…) approve the carrier, not
///   the routing over it: nothing contradicts them.
pub fn relationship_contradicts(connection_type: &str, relationship: ObservedRelationship) -> bool {
    match connection_type {
        IP_TRANSIT => relationship == ObservedRelationship::DomesticIsProvider,
        FOREIGN_IXP_PEERING | CDN_CLOUD_ONRAMP => relationship != ObservedRelationship::Peers,
        _ => false,
    }
}

/// The registry and reference data, indexed once for the whole run.
struct Index<'a> {
    reference: &'a Reference,
    /// Organisations holding each ASN, by ascending id.
    orgs_by_asn: HashMap<u32, Vec<&'a Organisation>>,
    org_by_id: HashMap<&'a str, &'a Organisation>,
    /// Connections with a counterparty ASN, by (organisation id, counterparty ASN).
    by_counterparty: HashMap<(&'a str, u32), Vec<&'a Connection>>,
    /// Foreign IXP peering connections, by organisation id.
    ixp_by_org: HashMap<&'a str, Vec<&'a Connection>>,
    connections: &'a [Connection],
    /// The sibling groups each ASN is in, by position in `reference.sibling_groups`.
    groups_by_asn: HashMap<u32, Vec<usize>>,
}

impl<'a> Index<'a> {
    fn build(registry: &'a Registry, reference: &'a Reference) -> Self {
        let mut orgs_by_asn: HashMap<u32, Vec<&Organisation>> = HashMap::new();
        let mut org_by_id = HashMap::new();
        for org in &registry.organisations {
            org_by_id.entry(org.id.as_str()).or_insert(org);
            for asn in &org.asns {
                orgs_by_asn.entry(*asn).or_default().push(org);
            }
        }
        for orgs in orgs_by_asn.values_mut() {
            orgs.sort_by(|a, b| a.id.cmp(&b.id));
        }
        let mut by_counterparty: HashMap<(&str, u32), Vec<&Connection>> = HashMap::new();
        let mut ixp_by_org: HashMap<&str, Vec<&Connection>> = HashMap::new();
        for connection in &registry.connections {
            let org = connection.organisation_id.as_str();
            if let Some(asn) = connection.counterparty_asn {
                by_counterparty
                    .entry((org, asn))
                    .or_default()
                    .push(connection);
            }
            if connection.connection_type == FOREIGN_IXP_PEERING {
                ixp_by_org.entry(org).or_default().push(connection);
            }
        }
        let mut groups_by_asn: HashMap<u32, Vec<usize>> = HashMap::new();
        for (position, group) in reference.sibling_groups.iter().enumerate() {
            for asn in group {
                groups_by_asn.entry(*asn).or_default().push(position);
            }
        }
        Index {
            reference,
            orgs_by_asn,
            org_by_id,
            by_counterparty,
            ixp_by_org,
            connections: &registry.connections,
            groups_by_asn,
        }
    }

    /// Domestic: on a registered organisation, or registered to the home country by the RIR.
    fn is_domestic(&self, asn: u32) -> bool {
        self.orgs_by_asn.contains_key(&asn) || self.reference.rir_domestic.contains(&asn)
    }

    /// `asn` and its siblings.
    fn with_siblings(&self, asn: u32) -> BTreeSet<u32> {
        let mut all = BTreeSet::from([asn]);
        for position in self.groups_by_asn.get(&asn).into_iter().flatten() {
            if let Some(group) = self.reference.sibling_groups.get(*position) {
                all.extend(group.iter().copied());
            }
        }
        all
    }
}

/// Merges sightings of the same pair, so each pair is judged once.
fn merge(sightings: &[Sighting]) -> BTreeMap<(u32, u32), Sighting> {
    let mut merged: BTreeMap<(u32, u32), Sighting> = BTreeMap::new();
    for s in sightings {
        merged
            .entry((s.domestic_asn, s.foreign_asn))
            .and_modify(|m| {
                let newer = s.last_seen > m.last_seen;
                if s.relationship.is_some() && (newer || m.relationship.is_none()) {
                    m.relationship = s.relationship;
                }
                m.peers = m.peers.max(s.peers);
                m.collectors = m.collectors.max(s.collectors);
                m.first_seen = m.first_seen.min(s.first_seen);
                m.last_seen = m.last_seen.max(s.last_seen);
                m.days_seen = m.days_seen.max(s.days_seen);
                m.imports_seen = m.imports_seen.max(s.imports_seen);
                m.address_share_permille = m.address_share_permille.max(s.address_share_permille);
            })
            .or_insert_with(|| s.clone());
    }
    merged
}

/// How a connection stood towards a link seen at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Not yet in force: before its first status or its `valid_from` date.
    NotInForce,
    /// Revoked, and the disconnection deadline had passed (or none was set).
    Disconnected,
    /// Expired, or past `valid_until`.
    PastValidity,
    /// Suspended.
    Suspended,
    /// Revoked, but still within the disconnection deadline.
    Grace,
    /// Active and within its validity.
    Covers,
}

fn standing_at(connection: &Connection, at: NaiveDateTime) -> Standing {
    let date = date_in_vientiane(&at);
    let Some(status) = connection.status_at(at) else {
        return Standing::NotInForce;
    };
    if date < connection.valid_from {
        return Standing::NotInForce;
    }
    let within_deadline = connection
        .disconnection_deadline
        .is_some_and(|deadline| at <= deadline);
    match status {
        ConnectionStatus::Revoked if !within_deadline => Standing::Disconnected,
        _ if date > connection.valid_until => Standing::PastValidity,
        ConnectionStatus::Expired => Standing::PastValidity,
        ConnectionStatus::Suspended => Standing::Suspended,
        ConnectionStatus::Revoked => Standing::Grace,
        ConnectionStatus::Active => Standing::Covers,
    }
}

/// The connection that names the finding for a link seen at `at`, with its standing.
fn choose<'a>(
    candidates: &[&'a Connection],
    at: NaiveDateTime,
) -> Option<(&'a Connection, Standing)> {
    let judged = candidates
        .iter()
        .map(|c| (*c, standing_at(c, at)))
        .filter(|(_, standing)| *standing != Standing::NotInForce);
    let covering = |standing: Standing| matches!(standing, Standing::Covers | Standing::Grace);
    // Covering beats not covering; then an active connection beats one in its disconnection
    // period; then the most recently in force; then the smallest id, for determinism.
    judged.max_by(|(a, sa), (b, sb)| {
        let rank = |standing: Standing| match standing {
            Standing::Covers => 2,
            Standing::Grace => 1,
            _ => 0,
        };
        covering(*sa)
            .cmp(&covering(*sb))
            .then_with(|| rank(*sa).cmp(&rank(*sb)))
            .then_with(|| a.valid_from.cmp(&b.valid_from))
            .then_with(|| b.id.cmp(&a.id))
    })
}

/// The findings one counted sighting of a registered domestic AS raises.
fn judge(index: &Index<'_>, orgs: &[&Organisation], s: &Sighting) -> Vec<Finding> {
    let targets = index.with_siblings(s.foreign_asn);
    let candidates: Vec<&Connection> = orgs
        .iter()
        .flat_map(|org| {
            targets.iter().flat_map(|asn| {
                index
                    .by_counterparty
                    .get(&(org.id.as_str(), *asn))
                    .into_iter()
                    .flatten()
                    .copied()
            })
        })
        .collect();

    let confidence = Confidence::from_routing(s.peers, s.days_seen, s.collectors);
    let impact = impact(Some(s.address_share_permille));
    let finding =
        |kind: FindingKind, connection: Option<&Connection>, organisation: &str, detail| Finding {
            key: FindingKey {
                kind,
                domestic_asn: s.domestic_asn,
                foreign_asn: Some(s.foreign_asn),
                connection_id: connection.map(|c| c.id.clone()),
                exchange_id: None,
            },
            organisation_id: Some(organisation.to_string()),
            seen_at: Some(s.last_seen),
            connection_status: connection.and_then(|c| c.status_at(s.last_seen)),
            detail,
            rank: Rank::new(kind, confidence, impact),
        };

    let Some((connection, standing)) = choose(&candidates, s.last_seen) else {
        let Some(first) = orgs.first() else {
            return Vec::new();
        };
        let kind = if is_own_sibling(index, orgs, s) {
            FindingKind::Sibling
        } else {
            FindingKind::Unapproved
        };
        return vec![finding(kind, None, &first.id, Detail::None)];
    };
    let org = connection.organisation_id.as_str();
    let kind = match standing {
        Standing::Covers | Standing::Grace => FindingKind::Approved,
        Standing::Suspended => FindingKind::SeenWhileSuspended,
        Standing::PastValidity => FindingKind::SeenAfterExpiry,
        Standing::Disconnected => FindingKind::SeenAfterDisconnection,
        // `choose` never picks a connection not yet in force.
        Standing::NotInForce => FindingKind::Unapproved,
    };
    let mut raised = vec![finding(kind, Some(connection), org, Detail::None)];
    if kind == FindingKind::Approved
        && let Some(detail) = mismatch(index, connection, s)
    {
        raised.push(finding(
            FindingKind::CountryMismatch,
            Some(connection),
            org,
            detail,
        ));
    }
    raised
}

/// Whether the foreign side is a sibling of the domestic side or of any ASN its
/// organisations hold: the provider's own group abroad.
fn is_own_sibling(index: &Index<'_>, orgs: &[&Organisation], s: &Sighting) -> bool {
    std::iter::once(s.domestic_asn)
        .chain(orgs.iter().flat_map(|org| org.asns.iter().copied()))
        .any(|own| index.with_siblings(own).contains(&s.foreign_asn))
}

/// What contradicts an approval that matched the sighting, if anything.
fn mismatch(index: &Index<'_>, connection: &Connection, s: &Sighting) -> Option<Detail> {
    let foreign_country = index
        .reference
        .foreign_country
        .get(&s.foreign_asn)
        .map(|cc| cc.trim().to_string())
        .filter(|cc| !cc.is_empty());
    let approved_country = connection.counterparty_country.trim();
    let country_differs = foreign_country
        .as_deref()
        .is_some_and(|cc| !cc.eq_ignore_ascii_case(approved_country));
    let relationship_contradicts = s
        .relationship
        .is_some_and(|r| relationship_contradicts(&connection.connection_type, r));
    (country_differs || relationship_contradicts).then(|| Detail::Mismatch {
        foreign_country,
        approved_country: approved_country.to_string(),
        relationship: s.relationship,
        connection_type: connection.connection_type.clone(),
        country_differs,
        relationship_contradicts,
    })
}

/// One `unregistered_domestic_as` finding for an ASN from all its counted sightings: the
/// strongest of each evidence figure counts.
fn unregistered_finding(asn: u32, seen: &[&Sighting]) -> Finding {
    let most = |figure: fn(&Sighting) -> u32| seen.iter().map(|s| figure(s)).max().unwrap_or(0);
    let confidence = Confidence::from_routing(
        most(|s| s.peers),
        most(|s| s.days_seen),
        most(|s| s.collectors),
    );
    let kind = FindingKind::UnregisteredDomesticAs;
    let foreign: BTreeSet<u32> = seen.iter().map(|s| s.foreign_asn).collect();
    Finding {
        key: FindingKey {
            kind,
            domestic_asn: asn,
            foreign_asn: None,
            connection_id: None,
            exchange_id: None,
        },
        organisation_id: None,
        seen_at: seen.iter().map(|s| s.last_seen).max(),
        connection_status: None,
        detail: Detail::SeenWith(foreign.into_iter().collect()),
        rank: Rank::new(
            kind,
            confidence,
            impact(Some(most(|s| s.address_share_permille))),
        ),
    }
}

/// `approved_not_observed`: active routing-visible approvals, in force since the window
/// began, whose pair no counted sighting in the window shows while the collectors saw one
/// of the organisation's ASNs.
fn not_observed(
    index: &Index<'_>,
    counted: &[&Sighting],
    rules: &Rules,
    now: NaiveDateTime,
) -> Vec<Finding> {
    let window_start = TimeDelta::try_days(i64::from(rules.not_observed_days))
        .and_then(|window| now.checked_sub_signed(window))
        .unwrap_or(NaiveDateTime::MIN);
    let first_day = date_in_vientiane(&window_start);
    let recent: HashSet<(u32, u32)> = counted
        .iter()
        .filter(|s| s.last_seen >= window_start)
        .map(|s| (s.domestic_asn, s.foreign_asn))
        .collect();
    let kind = FindingKind::ApprovedNotObserved;
    let mut raised = Vec::new();
    for connection in index.connections {
        let Some(counterparty) = connection.counterparty_asn else {
            continue;
        };
        if !connection.routing_visible
            || connection.valid_from > first_day
            || standing_at(connection, now) != Standing::Covers
        {
            continue;
        }
        let Some(org) = index.org_by_id.get(connection.organisation_id.as_str()) else {
            continue;
        };
        let own: BTreeSet<u32> = org.asns.iter().copied().collect();
        let Some(lowest) = own.first().copied() else {
            continue;
        };
        if !own
            .iter()
            .any(|asn| index.reference.seen_domestic.contains(asn))
        {
            continue;
        }
        let targets = index.with_siblings(counterparty);
        let shown = own
            .iter()
            .any(|d| targets.iter().any(|f| recent.contains(&(*d, *f))));
        if shown {
            continue;
        }
        raised.push(Finding {
            key: FindingKey {
                kind,
                domestic_asn: lowest,
                foreign_asn: Some(counterparty),
                connection_id: Some(connection.id.clone()),
                exchange_id: None,
            },
            organisation_id: Some(connection.organisation_id.clone()),
            seen_at: None,
            connection_status: connection.status_at(now),
            detail: Detail::None,
            rank: Rank::new(kind, Confidence::Absence, impact(None)),
        });
    }
    raised
}

/// `foreign_ixp_presence`: domestic networks PeeringDB lists at an exchange abroad, whose
/// organisation has no active foreign IXP peering approval in that exchange's country.
fn foreign_ixp_presences(index: &Index<'_>, rules: &Rules, now: NaiveDateTime) -> Vec<Finding> {
    let home = rules.home_country.trim();
    let kind = FindingKind::ForeignIxpPresence;
    let mut raised: BTreeMap<(u32, u32), Finding> = BTreeMap::new();
    for presence in &index.reference.presences {
        let country = presence.exchange_country.trim();
        if country.is_empty()
            || country.eq_ignore_ascii_case(home)
            || !index.is_domestic(presence.asn)
        {
            continue;
        }
        let orgs = index
            .orgs_by_asn
            .get(&presence.asn)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let approved = orgs.iter().any(|org| {
            index
                .ixp_by_org
                .get(org.id.as_str())
                .into_iter()
                .flatten()
                .any(|c| {
                    c.counterparty_country.trim().eq_ignore_ascii_case(country)
                        && standing_at(c, now) == Standing::Covers
                })
        });
        if approved {
            continue;
        }
        raised
            .entry((presence.asn, presence.exchange_id))
            .or_insert_with(|| Finding {
                key: FindingKey {
                    kind,
                    domestic_asn: presence.asn,
                    foreign_asn: None,
                    connection_id: None,
                    exchange_id: Some(presence.exchange_id),
                },
                organisation_id: orgs.first().map(|org| org.id.clone()),
                seen_at: None,
                connection_status: None,
                detail: Detail::Exchange {
                    name: presence.exchange_name.clone(),
                    country: country.to_string(),
                },
                rank: Rank::new(kind, Confidence::SelfDeclared, impact(None)),
            });
    }
    raised.into_values().collect()
}
