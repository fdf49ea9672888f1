//! Cleaning an AS path as a collector recorded it into a plain run of distinct, usable
//! AS numbers, and taking the adjacent pairs from it.
//!
//! Raw paths carry noise that would create adjacencies nobody has: prepending (an AS
//! repeated to make a route look longer), IXP route servers (which pass routes on but
//! carry no traffic), AS_SETs (an unordered aggregate: its members are not next to
//! anything in particular), loops and poisoned paths, and numbers no real network can
//! hold. The rules run in a fixed order, described on [`clean`]. Nothing here knows
//! which networks are domestic; that is the aggregator's business.

use crate::domain::routing::Segment;
use crate::domain::routing::asn::{AsnPolicy, UnusableAsn};

/// Up to this many ASNs a loop is looked for by comparing each ASN with those before
/// it; longer paths, which only a broken or hostile speaker sends, are sorted instead
/// so the check stays fast.
const LINEAR_LOOP_CHECK_LIMIT: usize = 32;

/// Why a path was dropped instead of yielding adjacencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Dropped {
    /// Nothing was left: the path was empty, started with an AS_SET, or held only
    /// route servers.
    #[error("the path is empty once AS_SETs and route servers are removed")]
    Empty,
    /// This ASN appears twice once prepending is collapsed: a loop, or a path
    /// deliberately poisoned to steer routing.
    #[error("AS{0} appears twice in the path (a loop or path poisoning)")]
    Loop(u32),
    /// The path holds a number no real network can hold.
    #[error("AS{asn} is {reason}")]
    Unusable {
        /// The offending number, the first one in the path.
        asn: u32,
        /// Which range it falls in.
        reason: UnusableAsn,
    },
    /// The path holds a number the RIR files do not show as allocated.
    #[error("AS{0} is not allocated according to the RIR files")]
    Unallocated(u32),
}

/// What path cleaning needs to know besides the path itself, built once per import.
///
/// `A` answers "is this ASN allocated?" from the RIR files the caller loaded, typically
/// a closure over a sorted table of allocated ranges; it is called once per ASN of
/// every path, so it should be a lookup, not a scan.
pub struct PathRules<A> {
    policy: AsnPolicy,
    /// Sorted and without repeats, so a lookup is a binary search.
    route_servers: Vec<u32>,
    allocated: A,
}

impl<A: Fn(u32) -> bool> PathRules<A> {
    /// Rules refusing what `policy` refuses, removing the IXP route-server ASNs in
    /// `route_servers` (from PeeringDB), and refusing ASNs for which `allocated`
    /// returns false.
    pub fn new(
        policy: AsnPolicy,
        route_servers: impl IntoIterator<Item = u32>,
        allocated: A,
    ) -> Self {
        let mut route_servers: Vec<u32> = route_servers.into_iter().collect();
        route_servers.sort_unstable();
        route_servers.dedup();
        Self {
            policy,
            route_servers,
            allocated,
        }
    }

    fn is_route_server(&self, asn: u32) -> bool {
        self.route_servers.binary_search(&asn).is_ok()
    }

    /// [`clean`], writing into `out` (cleared first) so a caller cleaning millions
    /// of paths reuses one buffer instead of allocating per path. On an error `out`
    /// holds no meaningful path.
    pub(crate) fn clean_into(&self, path: &[Segment], out: &mut Vec<u32>) -> Result<(), Dropped> {
        out.clear();
        for segment in path {
            let Segment::Sequence(asns) = segment else {
                break;
            };
            for &asn in asns {
                if self.is_route_server(asn) || out.last() == Some(&asn) {
                    continue;
                }
                out.push(asn);
            }
        }
        if out.is_empty() {
            return Err(Dropped::Empty);
        }
        if let Some(asn) = repeated(out) {
            return Err(Dropped::Loop(asn));
        }
        for &asn in out.iter() {
            if let Some(reason) = self.policy.unusable(asn) {
                return Err(Dropped::Unusable { asn, reason });
            }
            if !(self.allocated)(asn) {
                return Err(Dropped::Unallocated(asn));
            }
        }
        Ok(())
    }
}

/// Cleans a path, nearest the collector first, into the ASNs adjacencies are taken from.
///
/// The rules apply in this order:
/// 1. keep only what lies left of the first AS_SET, so no pair is taken across a set
///    (the origin is then the AS that aggregated the set);
/// 2. remove IXP route-server ASNs;
/// 3. collapse prepending (an ASN repeated next to itself counts once); this comes
///    after 2 so `A RS A` is one `A`;
/// 4. drop the path if an ASN still appears twice;
/// 5. drop it if an ASN is unusable under the policy or not allocated (checked ASN by
///    ASN from the collector's side; the first offending one is named);
/// 6. drop it if nothing is left.
pub fn clean<A: Fn(u32) -> bool>(
    path: &[Segment],
    rules: &PathRules<A>,
) -> Result<Vec<u32>, Dropped> {
    let mut out = Vec::new();
    rules.clean_into(path, &mut out)?;
    Ok(out)
}

/// Each pair of neighbours in a cleaned path, the one nearer the collector first.
pub fn pairs(clean: &[u32]) -> impl Iterator<Item = (u32, u32)> + '_ {
    clean.iter().copied().zip(clean.iter().copied().skip(1))
}

/// An ASN that appears more than once in `path`, if any. For short paths it is the
/// first one (from the collector's side) that repeats an earlier one. `path` is
/// restored before returning; it is only used as room to sort a copy in.
fn repeated(path: &mut Vec<u32>) -> Option<u32> {
    let len = path.len();
    if len <= LINEAR_LOOP_CHECK_LIMIT {
        return path
            .iter()
            .enumerate()
            .find(|&(i, asn)| path[..i].contains(asn))
            .map(|(_, &asn)| asn);
    }
    path.extend_from_within(..);
    let copy = &mut path[len..];
    copy.sort_unstable();
    let found = copy
        .iter()
        .zip(copy.iter().skip(1))
        .find(|(a, b)| a == b)
        .map(|(&asn, _)| asn);
    path.truncate(len);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::routing::Segment::{Sequence, Set};

    const TESTS: AsnPolicy = AsnPolicy {
        allow_documentation: true,
    };

    fn everything_allocated(_: u32) -> bool {
        true
    }

    fn rules() -> PathRules<fn(u32) -> bool> {
        PathRules::new(TESTS, [], everything_allocated)
    }

    fn seq(asns: &[u32]) -> Segment {
        Sequence(asns.to_vec())
    }

    #[test]
    fn prepending_is_collapsed_before_pairs_are_taken() {
        let path = [seq(&[64496, 64496, 64496, 64497, 64498, 64498])];
        assert_eq!(clean(&path, &rules()), Ok(vec![64496, 64497, 64498]));
    }

    #[test]
    fn prepending_across_segment_boundaries_is_collapsed_too() {
        let path = [seq(&[64496, 64497]), seq(&[64497, 64498])];
        assert_eq!(clean(&path, &rules()), Ok(vec![64496, 64497, 64498]));
    }

    #[test]
    fn a_path_with_a_loop_is_dropped_naming_the_repeated_asn() {
        let path = [seq(&[64496, 64497, 64498, 64497, 64499])];
        assert_eq!(clean(&path, &rules()), Err(Dropped::Loop(64497)));
    }

    #[test]
    fn a_loop_in_a_long_path_is_found_and_the_path_is_not_altered_by_the_search() {
        let mut long: Vec<u32> = (131_072..131_072 + 100).collect();
        long.push(131_100);
        assert_eq!(clean(&[seq(&long)], &rules()), Err(Dropped::Loop(131_100)));
        long.pop();
        assert_eq!(clean(&[seq(&long)], &rules()), Ok(long.clone()));
    }

    #[test]
    fn only_what_lies_left_of_an_as_set_is_kept() {
        let path = [seq(&[64496, 64497]), Set(vec![64498, 64499]), seq(&[64500])];
        assert_eq!(clean(&path, &rules()), Ok(vec![64496, 64497]));
    }

    #[test]
    fn asns_right_of_an_as_set_are_never_checked() {
        let path = [seq(&[64496]), Set(vec![64512]), seq(&[0, 64496])];
        assert_eq!(clean(&path, &rules()), Ok(vec![64496]));
    }

    #[test]
    fn a_path_starting_with_an_as_set_is_dropped_as_empty() {
        let path = [Set(vec![64496, 64497]), seq(&[64498])];
        assert_eq!(clean(&path, &rules()), Err(Dropped::Empty));
        assert_eq!(clean(&[], &rules()), Err(Dropped::Empty));
        assert_eq!(clean(&[seq(&[])], &rules()), Err(Dropped::Empty));
    }

    #[test]
    fn a_private_asn_drops_the_path() {
        let path = [seq(&[64496, 64512, 64497])];
        let reason = UnusableAsn::PrivateUse;
        let dropped = Dropped::Unusable { asn: 64512, reason };
        assert_eq!(clean(&path, &rules()), Err(dropped));
        let path = [seq(&[64496, 4_200_000_000])];
        let dropped = Dropped::Unusable {
            asn: 4_200_000_000,
            reason,
        };
        assert_eq!(clean(&path, &rules()), Err(dropped));
    }

    #[test]
    fn as_trans_drops_the_path() {
        let path = [seq(&[64496, 23456])];
        let dropped = Dropped::Unusable {
            asn: 23456,
            reason: UnusableAsn::AsTrans,
        };
        assert_eq!(clean(&path, &rules()), Err(dropped));
    }

    #[test]
    fn as_zero_drops_the_path() {
        let path = [seq(&[0, 64496])];
        let dropped = Dropped::Unusable {
            asn: 0,
            reason: UnusableAsn::Zero,
        };
        assert_eq!(clean(&path, &rules()), Err(dropped));
    }

    #[test]
    fn reserved_asns_drop_the_path() {
        for asn in [65535, 65552, 131_071, u32::MAX] {
            let dropped = Dropped::Unusable {
                asn,
                reason: UnusableAsn::Reserved,
            };
            assert_eq!(clean(&[seq(&[64496, asn])], &rules()), Err(dropped));
        }
    }

    #[test]
    fn documentation_asns_are_refused_unless_the_policy_allows_them() {
        let path = [seq(&[64496, 65551])];
        let production = PathRules::new(AsnPolicy::PRODUCTION, [], everything_allocated);
        let dropped = Dropped::Unusable {
            asn: 64496,
            reason: UnusableAsn::Documentation,
        };
        assert_eq!(clean(&path, &production), Err(dropped));
        assert_eq!(clean(&path, &rules()), Ok(vec![64496, 65551]));
    }

    #[test]
    fn route_server_asns_are_removed_and_their_neighbours_become_adjacent() {
        let rules = PathRules::new(TESTS, [64511, 64510], everything_allocated);
        let path = [seq(&[64496, 64511, 64497, 64510])];
        assert_eq!(clean(&path, &rules), Ok(vec![64496, 64497]));
    }

    #[test]
    fn route_servers_are_removed_before_prepending_is_collapsed() {
        let rules = PathRules::new(TESTS, [64511], everything_allocated);
        let path = [seq(&[64496, 64511, 64496, 64497])];
        assert_eq!(clean(&path, &rules), Ok(vec![64496, 64497]));
        assert_eq!(clean(&[seq(&[64511])], &rules), Err(Dropped::Empty));
    }

    #[test]
    fn an_unallocated_asn_drops_the_path() {
        let rules = PathRules::new(TESTS, [], |asn| asn != 64498);
        let path = [seq(&[64496, 64497, 64498])];
        assert_eq!(clean(&path, &rules), Err(Dropped::Unallocated(64498)));
    }

    #[test]
    fn a_loop_is_reported_before_an_unusable_asn() {
        let path = [seq(&[64512, 64496, 64512])];
        assert_eq!(clean(&path, &rules()), Err(Dropped::Loop(64512)));
    }

    #[test]
    fn pairs_run_from_the_collector_outwards() {
        let pairs: Vec<_> = pairs(&[64496, 64497, 64498]).collect();
        assert_eq!(pairs, [(64496, 64497), (64497, 64498)]);
        assert_eq!(super::pairs(&[64496]).count(), 0);
        assert_eq!(super::pairs(&[]).count(), 0);
    }

    /// A tiny deterministic generator (xorshift64), enough to vary paths reproducibly.
    struct Generator(u64);

    impl Generator {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        /// Mostly ordinary documentation numbers (so repeats are common), sometimes a
        /// number on or next to a range boundary.
        fn asn(&mut self) -> u32 {
            const AWKWARD: [u32; 14] = [
                0,
                1,
                23456,
                64495,
                64512,
                65534,
                65535,
                65552,
                131_071,
                131_072,
                4_199_999_999,
                4_200_000_000,
                4_294_967_294,
                u32::MAX,
            ];
            if self.below(8) == 0 {
                AWKWARD[self.below(AWKWARD.len() as u64) as usize]
            } else {
                64496 + self.below(12) as u32
            }
        }

        fn path(&mut self) -> Vec<Segment> {
            (0..self.below(4))
                .map(|_| {
                    // Now and then a segment long enough for the sorted loop check.
                    let len = if self.below(50) == 0 { 40 } else { 8 };
                    let asns = (0..self.below(len)).map(|_| self.asn()).collect();
                    if self.below(5) == 0 {
                        Set(asns)
                    } else {
                        Sequence(asns)
                    }
                })
                .collect()
        }
    }

    #[test]
    fn generated_paths_never_clean_to_repeats_bogons_or_set_members_and_drops_are_true() {
        let route_servers = [64506, 64507];
        let allocated = |asn: u32| asn != 64505;
        let rules = PathRules::new(TESTS, route_servers, allocated);
        let mut generator = Generator(0x5eed_1234_abcd_0001);
        let mut kept = 0;
        for _ in 0..50_000 {
            let path = generator.path();
            // What lies left of the first AS_SET, route servers removed: what cleaning keeps,
            // before prepending is collapsed.
            let left_of_set: Vec<u32> = path
                .iter()
                .map_while(|s| match s {
                    Sequence(asns) => Some(asns),
                    Set(_) => None,
                })
                .flatten()
                .copied()
                .filter(|asn| !route_servers.contains(asn))
                .collect();
            let mut collapsed = left_of_set.clone();
            collapsed.dedup();
            let cleaned = match clean(&path, &rules) {
                Ok(cleaned) => cleaned,
                Err(Dropped::Empty) => {
                    assert!(collapsed.is_empty());
                    continue;
                }
                Err(Dropped::Loop(asn)) => {
                    let places = collapsed.iter().filter(|&&b| b == asn).count();
                    assert!(places >= 2, "AS{asn} is no loop in {path:?}");
                    continue;
                }
                Err(Dropped::Unusable { asn, reason }) => {
                    assert!(left_of_set.contains(&asn));
                    assert_eq!(TESTS.unusable(asn), Some(reason));
                    continue;
                }
                Err(Dropped::Unallocated(asn)) => {
                    assert!(left_of_set.contains(&asn) && !allocated(asn));
                    continue;
                }
            };
            kept += 1;
            assert_eq!(cleaned, collapsed, "{path:?}");
            assert!(!cleaned.is_empty());
            for (i, &asn) in cleaned.iter().enumerate() {
                assert!(!cleaned[..i].contains(&asn), "repeat in {cleaned:?}");
                assert_eq!(TESTS.unusable(asn), None, "bogon in {cleaned:?}");
                assert!(allocated(asn) && !route_servers.contains(&asn));
            }
            assert_eq!(pairs(&cleaned).count(), cleaned.len() - 1);
            assert!(pairs(&cleaned).all(|(a, b)| a != b));
        }
        assert!(
            kept > 1_000,
            "the generator should produce usable paths too"
        );
    }
}
