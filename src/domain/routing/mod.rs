//! Enforcement monitoring's pure rules: which AS numbers count, how the paths route
//! collectors recorded become adjacencies between a domestic and a foreign network, and
//! which findings those adjacencies raise against the registry, and what people may do
//! with a finding. Nothing here reads a file
//! or the database.

use std::net::IpAddr;

use ipnet::IpNet;

pub mod adjacency;
pub mod asn;
pub mod case;
pub mod findings;
pub mod link_case;
pub mod path;

/// One segment of an AS path, as a BGP speaker announced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An ordered run of ASNs, nearest the collector first.
    Sequence(Vec<u32>),
    /// An unordered set (aggregation, or a confederation's segment): no adjacency may be
    /// taken across it.
    Set(Vec<u32>),
}

/// A route one of a collector's peers announced (or a RIB dump held) for one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The collector's peer that passed the route on: its AS and address.
    pub peer_asn: u32,
    pub peer_ip: IpAddr,
    /// The prefix the route leads to.
    pub prefix: IpNet,
    /// The AS path, nearest the collector first (AS4_PATH already merged).
    pub path: Vec<Segment>,
    /// When the route was recorded, in seconds since 1970 (UTC).
    pub time: i64,
}

/// The monitoring's settings: `MONITORING_MIN_PEERS`, `MONITORING_NOT_OBSERVED_DAYS` and
/// `MONITORING_ALLOW_DOCUMENTATION_ASNS` (see `config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonitoringSettings {
    /// Let the documentation ASNs (RFC 5398) through, as test data uses them; production
    /// treats them as bogons.
    pub allow_documentation_asns: bool,
    /// Distinct collector peers that must have seen a pair for it to count.
    pub min_peers: u32,
    /// Days without a sighting after which an approval counts as not observed.
    pub not_observed_days: u32,
}

impl Default for MonitoringSettings {
    fn default() -> Self {
        Self {
            allow_documentation_asns: false,
            min_peers: 2,
            not_observed_days: 14,
        }
    }
}
