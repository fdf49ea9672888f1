//! Turning one import's routes into its international adjacencies.
//!
//! An [`Aggregator`] is fed the announcements of one import (a RIB dump or an update
//! file) one at a time, cleans each path with the import's [`PathRules`], and for every
//! pair of neighbours with exactly one domestic side keeps running totals: which
//! collector peers saw the pair, on how many paths and prefixes, how much domestic
//! address space lies behind it, which side was nearer the collector, an example and
//! when it was seen. [`Aggregator::finish`] hands back one [`Adjacency`] per pair and
//! the import's counts; no row per prefix ever leaves it.
//!
//! Only pairs with exactly one domestic side are kept. Both sides foreign is the rest
//! of the world's routing: not this country's interconnection, and keeping it would
//! mean holding every adjacency on the Internet. Both sides domestic is a connection
//! inside the country, which needs no approval for an international link.
//!
//! Memory stays bounded because those pairs are few: a country's networks and their
//! direct foreign neighbours, some tens to hundreds of pairs, whatever the size of the
//! dump. Each pair holds its peers (tens), its distinct prefixes and the domestic space
//! behind it. The prefixes are what the routing makes them: a pair on the way to
//! domestic networks carries the country's few hundred prefixes, while a pair whose
//! domestic side feeds a collector its full table can carry the whole table (about 1.2
//! million prefixes). So a pair keeps its prefixes in a set only up to
//! [`EXACT_PREFIXES`]; past that it counts a prefix whenever it differs from the pair's
//! previous one. A RIB dump holds each prefix in one record, all its routes together, so
//! that count stays exact there; in an update file, where a prefix may come back later,
//! it can only count too many. The domestic space is kept as prefixes merged whenever
//! their list doubles, so it never grows beyond the country's own space.
//!
//! Per announcement the work avoids allocation: the cleaned path goes into one reused
//! buffer, and the sets only grow when something new is seen.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::domain::routing::asn::UnusableAsn;
use crate::domain::routing::path::{Dropped, PathRules, pairs};
use crate::domain::routing::{Announcement, Segment};

/// Why an announcement contributed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// A default route (0.0.0.0/0 or ::/0), which says nothing about a particular network.
    DefaultRoute,
    /// The path was empty once AS_SETs and route servers were removed.
    EmptyPath,
    /// An AS appeared twice in the path.
    Loop,
    /// The path held a number no real network can hold, for this reason.
    Unusable(UnusableAsn),
    /// The path held a number the RIR files do not show as allocated.
    Unallocated,
}

impl From<Dropped> for SkipReason {
    fn from(dropped: Dropped) -> Self {
        match dropped {
            Dropped::Empty => Self::EmptyPath,
            Dropped::Loop(_) => Self::Loop,
            Dropped::Unusable { reason, .. } => Self::Unusable(reason),
            Dropped::Unallocated(_) => Self::Unallocated,
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DefaultRoute => f.write_str("default route"),
            Self::EmptyPath => f.write_str("empty path"),
            Self::Loop => f.write_str("AS path loop"),
            Self::Unusable(reason) => write!(f, "path holds {reason}"),
            Self::Unallocated => f.write_str("path holds an unallocated AS"),
        }
    }
}

/// How many announcements one import read, and what became of them.
///
/// Every announcement read is either used or skipped for exactly one reason, so
/// `read == used + skipped_total()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Announcements fed to the aggregator.
    pub read: u64,
    /// Announcements whose path survived cleaning (with or without an international pair).
    pub used: u64,
    /// Of the used ones, those whose path held at least one kept (international) pair.
    pub international: u64,
    /// Announcements skipped, by reason; reasons that never occurred are absent.
    pub skipped: BTreeMap<SkipReason, u64>,
}

impl Counts {
    /// All skipped announcements, whatever the reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// Domestic address space, counted so overlapping prefixes count once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressSpace {
    /// IPv4 addresses.
    pub ipv4_addresses: u64,
    /// IPv6 space in /48s, the usual size of one site; a longer prefix counts as the
    /// /48 it lies in.
    pub ipv6_48s: u64,
}

/// One international adjacency as one import saw it: a domestic and a foreign AS next
/// to each other in at least one cleaned path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjacency {
    /// The domestic side.
    pub domestic: u32,
    /// The foreign side.
    pub foreign: u32,
    /// The distinct collector peers, by AS, whose routes held the pair (ascending).
    pub peer_asns: Vec<u32>,
    /// The distinct collector peers, by address, whose routes held the pair (ascending).
    pub peer_ips: Vec<IpAddr>,
    /// How many announcements (paths) held the pair.
    pub announcements: u64,
    /// How many distinct prefixes were announced over the pair.
    pub prefixes: u64,
    /// The address space of the distinct prefixes over the pair whose origin (the last
    /// AS of the cleaned path) is domestic: the country's space reached through it.
    pub domestic_space: AddressSpace,
    /// On how many of those paths the domestic side was nearer the collector.
    pub domestic_nearer: u64,
    /// On how many of those paths the foreign side was nearer the collector.
    pub foreign_nearer: u64,
    /// The path of the earliest announcement holding the pair, as recorded (before
    /// cleaning), nearest the collector first.
    pub example_path: Vec<Segment>,
    /// The prefix of that same announcement.
    pub example_prefix: IpNet,
    /// The earliest time the pair was seen, in seconds since 1970 (UTC).
    pub first_seen: i64,
    /// The latest time the pair was seen, in seconds since 1970 (UTC).
    pub last_seen: i64,
}

/// What one import yields: its adjacencies and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    /// One entry per (domestic, foreign) pair, sorted by domestic then foreign AS.
    pub adjacencies: Vec<Adjacency>,
    /// What became of the announcements read.
    pub counts: Counts,
}

/// Distinct prefixes a pair keeps in a set before it counts them as runs instead.
pub const EXACT_PREFIXES: usize = 16_384;

/// A pair's distinct prefixes, counted in bounded memory (see the module's notes).
struct DistinctPrefixes {
    /// Every prefix seen, until there are more than [`EXACT_PREFIXES`].
    exact: Option<HashSet<IpNet>>,
    /// The prefix seen last.
    last: Option<IpNet>,
    count: u64,
}

impl DistinctPrefixes {
    fn new() -> Self {
        Self {
            exact: Some(HashSet::new()),
            last: None,
            count: 0,
        }
    }

    fn insert(&mut self, prefix: IpNet) {
        let new = match &mut self.exact {
            Some(set) => {
                let new = set.insert(prefix);
                if set.len() > EXACT_PREFIXES {
                    self.exact = None;
                }
                new
            }
            None => self.last != Some(prefix),
        };
        if new {
            self.count += 1;
        }
        self.last = Some(prefix);
    }
}

/// Address space as prefixes, merged (overlaps and neighbours joined) whenever the list
/// has doubled since the last merge, so it holds about the space's own blocks.
#[derive(Default)]
struct Space {
    v4: Vec<Ipv4Net>,
    v6: Vec<Ipv6Net>,
    /// The lists' lengths after the last merge.
    merged: (usize, usize),
}

impl Space {
    fn insert(&mut self, prefix: IpNet) {
        match prefix {
            IpNet::V4(net) => {
                self.v4.push(net);
                if self.v4.len() > 2 * self.merged.0.max(1024) {
                    self.v4 = Ipv4Net::aggregate(&self.v4);
                    self.merged.0 = self.v4.len();
                }
            }
            // A longer IPv6 prefix counts as the /48 site it lies in.
            IpNet::V6(net) => {
                let site = if net.prefix_len() > 48 {
                    Ipv6Net::new(net.network(), 48).map_or(net, |site| site.trunc())
                } else {
                    net
                };
                self.v6.push(site);
                if self.v6.len() > 2 * self.merged.1.max(1024) {
                    self.v6 = Ipv6Net::aggregate(&self.v6);
                    self.merged.1 = self.v6.len();
                }
            }
        }
    }

    /// The space covered, each address (or /48) counted once. Aggregating merges
    /// overlapping and adjacent prefixes, so nothing counts twice; no shift overflows, as
    /// IPv4 lengths are at most 32 and IPv6 ones here at most 48.
    fn total(&self) -> AddressSpace {
        AddressSpace {
            ipv4_addresses: Ipv4Net::aggregate(&self.v4)
                .iter()
                .map(|net| 1u64 << (32 - net.prefix_len()))
                .sum(),
            ipv6_48s: Ipv6Net::aggregate(&self.v6)
                .iter()
                .map(|net| 1u64 << (48 - net.prefix_len()))
                .sum(),
        }
    }
}

/// The running totals of one pair.
struct PairTotals {
    peer_asns: BTreeSet<u32>,
    peer_ips: BTreeSet<IpAddr>,
    announcements: u64,
    prefixes: DistinctPrefixes,
    /// The space of the prefixes seen with a domestic origin.
    domestic_origin: Space,
    domestic_nearer: u64,
    foreign_nearer: u64,
    example_path: Vec<Segment>,
    example_prefix: IpNet,
    first_seen: i64,
    last_seen: i64,
}

impl PairTotals {
    fn new(announcement: &Announcement, prefix: IpNet) -> Self {
        Self {
            peer_asns: BTreeSet::new(),
            peer_ips: BTreeSet::new(),
            announcements: 0,
            prefixes: DistinctPrefixes::new(),
            domestic_origin: Space::default(),
            domestic_nearer: 0,
            foreign_nearer: 0,
            example_path: announcement.path.clone(),
            example_prefix: prefix,
            first_seen: announcement.time,
            last_seen: announcement.time,
        }
    }

    fn record(
        &mut self,
        announcement: &Announcement,
        prefix: IpNet,
        domestic_nearer: bool,
        domestic_origin: bool,
    ) {
        self.peer_asns.insert(announcement.peer_asn);
        self.peer_ips.insert(announcement.peer_ip);
        self.announcements += 1;
        // The same prefix again at once (another peer's route in the same RIB record)
        // adds no space; the list is merged before it can grow with repeats.
        if domestic_origin && self.prefixes.last != Some(prefix) {
            self.domestic_origin.insert(prefix);
        }
        self.prefixes.insert(prefix);
        if domestic_nearer {
            self.domestic_nearer += 1;
        } else {
            self.foreign_nearer += 1;
        }
        if announcement.time < self.first_seen {
            self.first_seen = announcement.time;
            self.example_path.clone_from(&announcement.path);
            self.example_prefix = prefix;
        }
        self.last_seen = self.last_seen.max(announcement.time);
    }

    fn into_adjacency(self, domestic: u32, foreign: u32) -> Adjacency {
        Adjacency {
            domestic,
            foreign,
            peer_asns: self.peer_asns.into_iter().collect(),
            peer_ips: self.peer_ips.into_iter().collect(),
            announcements: self.announcements,
            prefixes: self.prefixes.count,
            domestic_space: self.domestic_origin.total(),
            domestic_nearer: self.domestic_nearer,
            foreign_nearer: self.foreign_nearer,
            example_path: self.example_path,
            example_prefix: self.example_prefix,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
        }
    }
}

/// Collects one import's international adjacencies, one announcement at a time.
pub struct Aggregator<A> {
    domestic: HashSet<u32>,
    rules: PathRules<A>,
    /// The cleaned path of the current announcement, reused so cleaning does not allocate.
    path: Vec<u32>,
    pairs: HashMap<(u32, u32), PairTotals>,
    counts: Counts,
}

impl<A: Fn(u32) -> bool> Aggregator<A> {
    /// An aggregator for one import: `domestic` is the set of domestic ASNs (the
    /// registry's own list and the RIR's `LA` registrations), `rules` the import's
    /// path rules.
    pub fn new(domestic: impl IntoIterator<Item = u32>, rules: PathRules<A>) -> Self {
        Self {
            domestic: domestic.into_iter().collect(),
            rules,
            path: Vec::new(),
            pairs: HashMap::new(),
            counts: Counts::default(),
        }
    }

    /// Takes one announcement into account.
    pub fn add(&mut self, announcement: &Announcement) {
        self.counts.read += 1;
        if announcement.prefix.prefix_len() == 0 {
            self.skip(SkipReason::DefaultRoute);
            return;
        }
        if let Err(dropped) = self.rules.clean_into(&announcement.path, &mut self.path) {
            self.skip(dropped.into());
            return;
        }
        self.counts.used += 1;
        // A prefix may arrive with host bits set; counting it as its network keeps
        // the distinct-prefix sets honest.
        let prefix = announcement.prefix.trunc();
        let domestic_origin = self
            .path
            .last()
            .is_some_and(|origin| self.domestic.contains(origin));
        let mut international = false;
        for (near, far) in pairs(&self.path) {
            let (domestic, foreign, domestic_nearer) =
                match (self.domestic.contains(&near), self.domestic.contains(&far)) {
                    (true, false) => (near, far, true),
                    (false, true) => (far, near, false),
                    _ => continue,
                };
            international = true;
            self.pairs
                .entry((domestic, foreign))
                .or_insert_with(|| PairTotals::new(announcement, prefix))
                .record(announcement, prefix, domestic_nearer, domestic_origin);
        }
        if international {
            self.counts.international += 1;
        }
    }

    fn skip(&mut self, reason: SkipReason) {
        *self.counts.skipped.entry(reason).or_insert(0) += 1;
    }

    /// The import's adjacencies, sorted by domestic then foreign AS, and its counts.
    pub fn finish(self) -> Aggregate {
        let mut adjacencies: Vec<Adjacency> = self
            .pairs
            .into_iter()
            .map(|((domestic, foreign), totals)| totals.into_adjacency(domestic, foreign))
            .collect();
        adjacencies.sort_unstable_by_key(|adjacency| (adjacency.domestic, adjacency.foreign));
        Aggregate {
            adjacencies,
            counts: self.counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::routing::Segment::{Sequence, Set};
    use crate::domain::routing::asn::AsnPolicy;

    /// Two domestic networks; everything else in the documentation ranges is foreign.
    const DOMESTIC: [u32; 2] = [64496, 64497];
    const FOREIGN: u32 = 64500;
    const FOREIGN_2: u32 = 65536;
    const ROUTE_SERVER: u32 = 64510;

    fn aggregator() -> Aggregator<impl Fn(u32) -> bool> {
        let policy = AsnPolicy {
            allow_documentation: true,
        };
        let rules = PathRules::new(policy, [ROUTE_SERVER], |asn| asn != 64509);
        Aggregator::new(DOMESTIC, rules)
    }

    fn announce(peer: (u32, &str), prefix: &str, path: &[u32], time: i64) -> Announcement {
        Announcement {
            peer_asn: peer.0,
            peer_ip: peer.1.parse().unwrap(),
            prefix: prefix.parse().unwrap(),
            path: vec![Sequence(path.to_vec())],
            time,
        }
    }

    const PEER_A: (u32, &str) = (65540, "192.0.2.1");
    const PEER_B: (u32, &str) = (65541, "2001:db8::b");

    fn only(aggregate: &Aggregate) -> &Adjacency {
        assert_eq!(aggregate.adjacencies.len(), 1, "{aggregate:#?}");
        &aggregate.adjacencies[0]
    }

    #[test]
    fn a_pair_seen_by_two_peers_counts_both_and_one_seen_by_one_counts_one() {
        let mut agg = aggregator();
        agg.add(&announce(
            PEER_A,
            "203.0.113.0/24",
            &[PEER_A.0, FOREIGN, 64496],
            10,
        ));
        agg.add(&announce(
            PEER_B,
            "203.0.113.0/24",
            &[PEER_B.0, FOREIGN, 64496],
            11,
        ));
        agg.add(&announce(
            PEER_A,
            "198.51.100.0/24",
            &[PEER_A.0, FOREIGN_2, 64497],
            12,
        ));
        agg.add(&announce(
            PEER_A,
            "198.51.100.0/24",
            &[PEER_A.0, FOREIGN_2, 64497],
            13,
        ));
        let aggregate = agg.finish();
        let [first, second] = aggregate.adjacencies.as_slice() else {
            panic!("{aggregate:#?}");
        };
        assert_eq!((first.domestic, first.foreign), (64496, FOREIGN));
        assert_eq!(first.peer_asns, [PEER_A.0, PEER_B.0]);
        let ips: Vec<IpAddr> = vec![PEER_A.1.parse().unwrap(), PEER_B.1.parse().unwrap()];
        assert_eq!(first.peer_ips, ips);
        assert_eq!((second.domestic, second.foreign), (64497, FOREIGN_2));
        assert_eq!(second.peer_asns, [PEER_A.0]);
        assert_eq!(second.peer_ips.len(), 1);
        assert_eq!((second.announcements, second.prefixes), (2, 1));
    }

    #[test]
    fn one_peer_seen_from_two_addresses_is_one_peer_as_but_two_peer_addresses() {
        let mut agg = aggregator();
        agg.add(&announce(PEER_A, "203.0.113.0/24", &[FOREIGN, 64496], 1));
        agg.add(&announce(
            (PEER_A.0, "192.0.2.2"),
            "203.0.113.0/24",
            &[FOREIGN, 64496],
            1,
        ));
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!(
            (adjacency.peer_asns.len(), adjacency.peer_ips.len()),
            (1, 2)
        );
    }

    #[test]
    fn pairs_with_both_sides_domestic_or_both_foreign_are_not_kept() {
        let mut agg = aggregator();
        agg.add(&announce(
            PEER_A,
            "203.0.113.0/24",
            &[FOREIGN, FOREIGN_2, 64496, 64497],
            1,
        ));
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!((adjacency.domestic, adjacency.foreign), (64496, FOREIGN_2));
        assert_eq!(aggregate.counts.international, 1);

        let mut agg = aggregator();
        agg.add(&announce(
            PEER_A,
            "203.0.113.0/24",
            &[FOREIGN, FOREIGN_2],
            1,
        ));
        agg.add(&announce(PEER_A, "198.51.100.0/24", &[64496, 64497], 1));
        let aggregate = agg.finish();
        assert!(aggregate.adjacencies.is_empty());
        assert_eq!(aggregate.counts.used, 2);
        assert_eq!(aggregate.counts.international, 0);
    }

    #[test]
    fn default_routes_are_skipped_and_counted() {
        let mut agg = aggregator();
        agg.add(&announce(PEER_A, "0.0.0.0/0", &[FOREIGN, 64496], 1));
        agg.add(&announce(PEER_B, "::/0", &[FOREIGN, 64496], 1));
        let aggregate = agg.finish();
        assert!(aggregate.adjacencies.is_empty());
        assert_eq!(aggregate.counts.skipped[&SkipReason::DefaultRoute], 2);
        assert_eq!(aggregate.counts.used, 0);
    }

    #[test]
    fn dropped_paths_are_counted_by_reason_and_every_announcement_is_accounted_for() {
        let mut agg = aggregator();
        let prefix = "203.0.113.0/24";
        agg.add(&announce(PEER_A, prefix, &[FOREIGN, 64496, FOREIGN], 1));
        agg.add(&announce(PEER_A, prefix, &[FOREIGN, 64512, 64496], 1));
        agg.add(&announce(PEER_A, prefix, &[FOREIGN, 23456, 64496], 1));
        agg.add(&announce(PEER_A, prefix, &[FOREIGN, 64509, 64496], 1));
        agg.add(&announce(PEER_A, prefix, &[ROUTE_SERVER], 1));
        agg.add(&announce(PEER_A, prefix, &[FOREIGN, 64496], 1));
        let counts = agg.finish().counts;
        let expected = BTreeMap::from([
            (SkipReason::EmptyPath, 1),
            (SkipReason::Loop, 1),
            (SkipReason::Unusable(UnusableAsn::AsTrans), 1),
            (SkipReason::Unusable(UnusableAsn::PrivateUse), 1),
            (SkipReason::Unallocated, 1),
        ]);
        assert_eq!(counts.skipped, expected);
        assert_eq!((counts.read, counts.used, counts.international), (6, 1, 1));
        assert_eq!(counts.read, counts.used + counts.skipped_total());
    }

    #[test]
    fn a_path_is_cleaned_before_its_pairs_are_taken() {
        let mut agg = aggregator();
        let path = Announcement {
            path: vec![
                Sequence(vec![FOREIGN, FOREIGN, ROUTE_SERVER, 64496, 64496]),
                Set(vec![FOREIGN_2, 64497]),
            ],
            ..announce(PEER_A, "203.0.113.0/24", &[], 1)
        };
        agg.add(&path);
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!((adjacency.domestic, adjacency.foreign), (64496, FOREIGN));
        assert_eq!(adjacency.example_path, path.path);
        assert_eq!(adjacency.domestic_space.ipv4_addresses, 256);
    }

    #[test]
    fn the_nearer_side_is_counted_per_path() {
        let mut agg = aggregator();
        agg.add(&announce(PEER_A, "203.0.113.0/24", &[FOREIGN, 64496], 1));
        agg.add(&announce(PEER_A, "198.51.100.0/24", &[64496, FOREIGN], 1));
        agg.add(&announce(PEER_B, "198.51.100.0/24", &[64496, FOREIGN], 1));
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!(
            (adjacency.domestic_nearer, adjacency.foreign_nearer),
            (2, 1)
        );
    }

    /// A full table through one pair, as a RIB dump holds it (each prefix's routes
    /// together): past the exact set the count goes on by runs and stays exact, and the
    /// domestic space, merged as it grows, stays exact too.
    #[test]
    fn a_full_table_over_one_pair_is_counted_exactly_in_bounded_memory() {
        let mut agg = aggregator();
        let total = EXACT_PREFIXES as u32 * 3;
        for i in 0..total {
            let prefix = format!("{}/24", std::net::Ipv4Addr::from(0x0a00_0000 | (i << 8)));
            for peer in [PEER_A, PEER_B] {
                agg.add(&announce(peer, &prefix, &[FOREIGN, 64496], 1));
            }
        }
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!(adjacency.prefixes, u64::from(total));
        assert_eq!(adjacency.announcements, 2 * u64::from(total));
        assert_eq!(
            adjacency.domestic_space.ipv4_addresses,
            256 * u64::from(total)
        );
    }

    #[test]
    fn past_the_exact_set_a_prefix_is_counted_once_per_run() {
        let mut prefixes = DistinctPrefixes::new();
        for i in 0..=EXACT_PREFIXES as u32 {
            prefixes.insert(IpNet::V4(
                Ipv4Net::new(std::net::Ipv4Addr::from(i << 8), 24).unwrap(),
            ));
        }
        assert!(prefixes.exact.is_none(), "the set is dropped past the cap");
        let again: IpNet = "203.0.113.0/24".parse().unwrap();
        prefixes.insert(again);
        prefixes.insert(again);
        assert_eq!(prefixes.count, EXACT_PREFIXES as u64 + 2);
    }

    #[test]
    fn domestic_space_counts_distinct_domestically_originated_prefixes_once() {
        let mut agg = aggregator();
        agg.add(&announce(PEER_A, "203.0.113.0/24", &[FOREIGN, 64496], 1));
        agg.add(&announce(PEER_B, "203.0.113.0/24", &[FOREIGN, 64496], 1));
        agg.add(&announce(PEER_A, "203.0.113.128/25", &[FOREIGN, 64496], 1));
        agg.add(&announce(PEER_A, "192.0.2.7/25", &[FOREIGN, 64496], 1));
        agg.add(&announce(PEER_B, "192.0.2.0/25", &[FOREIGN, 64496], 1));
        agg.add(&announce(PEER_A, "198.51.100.0/24", &[64496, FOREIGN], 1));
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!(adjacency.prefixes, 4, "192.0.2.7/25 is 192.0.2.0/25");
        assert_eq!(adjacency.announcements, 6);
        assert_eq!(adjacency.domestic_space.ipv4_addresses, 256 + 128);
        assert_eq!(adjacency.domestic_space.ipv6_48s, 0);
    }

    #[test]
    fn ipv6_space_is_counted_in_48s_with_longer_prefixes_counting_as_their_48() {
        let mut agg = aggregator();
        agg.add(&announce(PEER_B, "2001:db8::/32", &[FOREIGN, 64496], 1));
        agg.add(&announce(PEER_B, "2001:db8:1::/48", &[FOREIGN, 64496], 1));
        let aggregate = agg.finish();
        assert_eq!(only(&aggregate).domestic_space.ipv6_48s, 65536);

        let mut agg = aggregator();
        agg.add(&announce(
            PEER_B,
            "2001:db8:5:100::/56",
            &[FOREIGN, 64496],
            1,
        ));
        agg.add(&announce(
            PEER_B,
            "2001:db8:5:200::/56",
            &[FOREIGN, 64496],
            1,
        ));
        agg.add(&announce(PEER_B, "2001:db8:6::/64", &[FOREIGN, 64496], 1));
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!(adjacency.domestic_space.ipv6_48s, 2);
        assert_eq!(adjacency.prefixes, 3);
        assert_eq!(adjacency.domestic_space.ipv4_addresses, 0);
    }

    #[test]
    fn first_and_last_time_are_the_earliest_and_latest_whatever_the_order() {
        let mut agg = aggregator();
        agg.add(&announce(PEER_A, "203.0.113.0/24", &[FOREIGN, 64496], 500));
        agg.add(&announce(
            PEER_A,
            "198.51.100.0/24",
            &[PEER_A.0, FOREIGN, 64496],
            100,
        ));
        agg.add(&announce(PEER_B, "192.0.2.0/24", &[FOREIGN, 64496], 900));
        agg.add(&announce(PEER_B, "192.0.2.0/25", &[FOREIGN, 64496], 100));
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!((adjacency.first_seen, adjacency.last_seen), (100, 900));
        assert_eq!(
            adjacency.example_path,
            [Sequence(vec![PEER_A.0, FOREIGN, 64496])]
        );
        assert_eq!(adjacency.example_prefix, "198.51.100.0/24".parse().unwrap());
    }

    #[test]
    fn the_example_is_the_first_announcement_when_nothing_is_earlier() {
        let mut agg = aggregator();
        agg.add(&announce(PEER_A, "203.0.113.0/24", &[FOREIGN, 64496], 7));
        agg.add(&announce(
            PEER_B,
            "198.51.100.0/24",
            &[PEER_B.0, FOREIGN, 64496],
            7,
        ));
        let aggregate = agg.finish();
        let adjacency = only(&aggregate);
        assert_eq!(adjacency.example_path, [Sequence(vec![FOREIGN, 64496])]);
        assert_eq!(adjacency.example_prefix, "203.0.113.0/24".parse().unwrap());
    }

    #[test]
    fn adjacencies_come_out_sorted_whatever_order_they_were_seen_in() {
        let mut agg = aggregator();
        for (foreign, domestic) in [(65537, 64497), (FOREIGN, 64497), (65538, 64496)] {
            agg.add(&announce(PEER_A, "203.0.113.0/24", &[foreign, domestic], 1));
        }
        let keys: Vec<(u32, u32)> = agg
            .finish()
            .adjacencies
            .iter()
            .map(|a| (a.domestic, a.foreign))
            .collect();
        assert_eq!(keys, [(64496, 65538), (64497, FOREIGN), (64497, 65537)]);
    }

    #[test]
    fn skip_reasons_read_as_words() {
        let reason = SkipReason::Unusable(UnusableAsn::Zero);
        assert_eq!(reason.to_string(), "path holds AS 0 (RFC 7607)");
        assert_eq!(SkipReason::DefaultRoute.to_string(), "default route");
    }
}
