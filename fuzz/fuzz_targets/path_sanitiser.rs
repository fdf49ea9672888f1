//! AS path cleaning on arbitrary paths: besides "no panic", a cleaned path is what lies
//! left of the first AS_SET without route servers and prepending, non-empty, with no
//! repeat and no unusable or unallocated ASN, and its pairs are its neighbours; a dropped
//! path names a cause it really has.
//!
//! Input layout: one flag byte (bit 0: allow documentation ASNs; the rest picks which
//! ASNs count as unallocated), a route-server count (0–3) and that many ASNs, then
//! segments, each a header byte (bit 7: AS_SET, bits 0–6: ASN count) and its ASNs. An
//! ASN is one byte from a small pool (so repeats, prepending and range boundaries come
//! up often), or a marker byte and four bytes big-endian.

#![no_main]

use interconnect_registry::domain::routing::Segment;
use interconnect_registry::domain::routing::asn::AsnPolicy;
use interconnect_registry::domain::routing::path::{Dropped, PathRules, clean, pairs};
use libfuzzer_sys::fuzz_target;

/// Reads bytes off the front of the input; `None` once it runs out.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn asn(&mut self) -> Option<u32> {
        let selector = self.byte()?;
        Some(match selector {
            0x00..=0x3f => 131_072 + u32::from(selector),
            0x40..=0x5f => 64_496 + u32::from(selector - 0x40),
            0x60..=0x7f => 65_520 + u32::from(selector - 0x60),
            _ => {
                let bytes = [self.byte()?, self.byte()?, self.byte()?, self.byte()?];
                u32::from_be_bytes(bytes)
            }
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Reader(data);
    let Some(flags) = input.byte() else {
        return;
    };
    let policy = AsnPolicy {
        allow_documentation: flags & 1 == 1,
    };
    let unallocated_every = u32::from(flags >> 1);
    let allocated = |asn: u32| unallocated_every < 2 || !asn.is_multiple_of(unallocated_every);
    let mut route_servers = Vec::new();
    for _ in 0..input.byte().unwrap_or(0) % 4 {
        route_servers.extend(input.asn());
    }
    let mut path = Vec::new();
    while let Some(header) = input.byte() {
        let mut asns = Vec::new();
        for _ in 0..header & 0x7f {
            asns.extend(input.asn());
        }
        path.push(if header & 0x80 == 0 {
            Segment::Sequence(asns)
        } else {
            Segment::Set(asns)
        });
    }
    let rules = PathRules::new(policy, route_servers.iter().copied(), allocated);

    // What lies left of the first AS_SET, route servers removed: what cleaning keeps,
    // before prepending is collapsed.
    let left_of_set: Vec<u32> = path
        .iter()
        .map_while(|segment| match segment {
            Segment::Sequence(asns) => Some(asns),
            Segment::Set(_) => None,
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
            return;
        }
        Err(Dropped::Loop(asn)) => {
            assert!(collapsed.iter().filter(|&&b| b == asn).count() >= 2);
            return;
        }
        Err(Dropped::Unusable { asn, reason }) => {
            assert!(left_of_set.contains(&asn));
            assert_eq!(policy.unusable(asn), Some(reason));
            return;
        }
        Err(Dropped::Unallocated(asn)) => {
            assert!(left_of_set.contains(&asn) && !allocated(asn));
            return;
        }
    };

    assert!(!cleaned.is_empty());
    assert_eq!(cleaned, collapsed);
    let mut sorted = cleaned.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), cleaned.len(), "a repeat in {cleaned:?}");
    for &asn in &cleaned {
        assert_eq!(policy.unusable(asn), None);
        assert!(allocated(asn));
        assert!(!route_servers.contains(&asn));
    }
    let neighbours: Vec<(u32, u32)> = cleaned.windows(2).map(|w| (w[0], w[1])).collect();
    assert_eq!(pairs(&cleaned).collect::<Vec<_>>(), neighbours);
});
