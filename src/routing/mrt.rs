//! Reading MRT files (RFC 6396), the format route collectors publish: RIB dumps
//! (TABLE_DUMP_V2: the peer index table, then one record per prefix with an entry per peer)
//! and update files (BGP4MP MESSAGE and MESSAGE_AS4). Every announced route becomes one
//! [`Announcement`] handed to a callback, so a file of tens of millions of routes streams
//! through without being held in memory. Withdrawals are counted, not announced.
//!
//! The parsing is `bgpkit-parser`'s route iterator, its fast path: it reads only the
//! prefix, the peer and the AS path (with AS4_PATH merged into AS_PATH per RFC 6793), and
//! its fallible form surfaces every error instead of logging and skipping. A truncated or
//! malformed record stops the read with the byte offset where that record starts in the
//! decompressed data. This module neither decompresses (see
//! [`crate::routing::compression`]) nor judges the paths (see [`crate::domain::routing`]).

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::{self, Read};
use std::rc::Rc;

use bgpkit_parser::models::{AsPath, AsPathSegment, ElemType};
use bgpkit_parser::{BgpkitParser, ParserError, ParserErrorWithBytes};

use crate::domain::routing::{Announcement, Segment};

/// The length of an MRT common header: timestamp, type, subtype and length.
const HEADER_LEN: usize = 12;

/// What a successful read saw, for the import's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MrtSummary {
    /// MRT records read, of every type (the peer index table included).
    pub records: u64,
    /// Announced routes handed to the callback: one per prefix and peer.
    pub announcements: u64,
    /// Withdrawn routes, counted but not handed on.
    pub withdrawals: u64,
    /// Distinct collector peers (by AS and address) that announced or withdrew a route.
    pub peers: usize,
    /// The earliest record time, in seconds since 1970 (UTC); `None` for an empty file.
    pub first_time: Option<i64>,
    /// The latest record time, in seconds since 1970 (UTC); `None` for an empty file.
    pub last_time: Option<i64>,
}

/// Why a file could not be read. Nothing read before the error should be kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("MRT data unreadable at byte {offset} (after decompression): {message}")]
pub struct MrtError {
    /// Where the failing record starts, counted in decompressed bytes from the start.
    pub offset: u64,
    /// What was wrong, in words.
    pub message: String,
}

/// Reads an MRT stream (already decompressed) to its end, calling `on_route` once for
/// every announced route.
///
/// In a RIB dump each entry (one prefix as one peer saw it) is one announcement; in an
/// update file each prefix an UPDATE announces is one. An announcement's time is the time
/// of the MRT record that carried it: for a RIB dump, when the table was dumped (when the
/// route was observed), not when the peer first announced it. Records of other kinds
/// (state changes, keepalives, opens) are counted and otherwise passed over.
///
/// Fails at the first record that is truncated, runs past the end of the data, is of an
/// unknown or unsupported kind, or announces a route without an AS path.
pub fn read(
    reader: impl Read,
    mut on_route: impl FnMut(&Announcement),
) -> Result<MrtSummary, MrtError> {
    let framing = Rc::new(RefCell::new(Framing::default()));
    let tracked = TrackedReader {
        inner: reader,
        framing: Rc::clone(&framing),
    };
    let mut peers = HashSet::new();
    let mut last_peer = None;
    let mut summary = MrtSummary::default();
    for route in BgpkitParser::from_reader(tracked).into_fallible_route_iter() {
        let route = route.map_err(|error| framing.borrow().error(&error))?;
        let peer = (route.peer_asn.to_u32(), route.peer_ip);
        // Routes come in long runs from one peer (update files) or cycle through a few
        // dozen peers (RIB dumps); skipping the set for a repeat keeps hashing cheap.
        if last_peer != Some(peer) {
            peers.insert(peer);
            last_peer = Some(peer);
        }
        match route.elem_type {
            ElemType::WITHDRAW => summary.withdrawals += 1,
            ElemType::ANNOUNCE => {
                let framing = framing.borrow();
                let Some(as_path) = route.as_path.as_deref() else {
                    return Err(framing.error_message(format!(
                        "the route for {} from AS{} ({}) has no AS_PATH attribute, or one that \
                         could not be decoded",
                        route.prefix.prefix, peer.0, peer.1
                    )));
                };
                on_route(&Announcement {
                    peer_asn: peer.0,
                    peer_ip: peer.1,
                    prefix: route.prefix.prefix,
                    path: segments(as_path),
                    time: framing.record_time,
                });
                summary.announcements += 1;
            }
        }
    }
    let framing = framing.borrow();
    summary.records = framing.records;
    summary.peers = peers.len();
    summary.first_time = framing.first_time;
    summary.last_time = framing.last_time;
    Ok(summary)
}

/// Converts the crate's AS path into the domain's segments. Confederation segments become
/// sets: they are the inside of one network, and no adjacency may be taken across them.
fn segments(path: &AsPath) -> Vec<Segment> {
    path.segments
        .iter()
        .map(|segment| match segment {
            AsPathSegment::AsSequence(asns) => {
                Segment::Sequence(asns.iter().map(|asn| asn.to_u32()).collect())
            }
            AsPathSegment::AsSet(asns)
            | AsPathSegment::ConfedSequence(asns)
            | AsPathSegment::ConfedSet(asns) => {
                Segment::Set(asns.iter().map(|asn| asn.to_u32()).collect())
            }
        })
        .collect()
}

/// Follows the MRT framing of the bytes the parser reads, without parsing anything but
/// the common headers: where each record starts, its time, and how many there were.
///
/// The parser reads exactly one record at a time (a header, then the body length the
/// header declares) and never reads ahead, so when it reports a route or an error, the
/// record it is working on is the last one whose header passed through here.
#[derive(Debug, Default)]
struct Framing {
    /// Bytes that have passed through so far.
    consumed: u64,
    /// Where the latest record (complete or not) starts.
    record_start: u64,
    /// Where the next header starts.
    next_header: u64,
    /// The header being assembled, and how many of its bytes have arrived.
    header: [u8; HEADER_LEN],
    header_filled: usize,
    /// Records whose header has been read.
    records: u64,
    /// The latest complete header's time.
    record_time: i64,
    first_time: Option<i64>,
    last_time: Option<i64>,
}

impl Framing {
    /// Takes note of bytes on their way to the parser.
    fn observe(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.consumed < self.next_header {
                let body_left = self.next_header - self.consumed;
                let skipped = bytes
                    .len()
                    .min(usize::try_from(body_left).unwrap_or(usize::MAX));
                self.consumed += skipped as u64;
                bytes = &bytes[skipped..];
                continue;
            }
            if self.header_filled == 0 {
                self.record_start = self.consumed;
            }
            let taken = bytes.len().min(HEADER_LEN - self.header_filled);
            self.header[self.header_filled..self.header_filled + taken]
                .copy_from_slice(&bytes[..taken]);
            self.header_filled += taken;
            self.consumed += taken as u64;
            bytes = &bytes[taken..];
            if self.header_filled == HEADER_LEN {
                self.header_complete();
            }
        }
    }

    /// A whole header has arrived: count the record and note its time and extent. The
    /// length covers everything after the 12 header bytes, the extended timestamp of
    /// BGP4MP_ET records included.
    fn header_complete(&mut self) {
        let [t0, t1, t2, t3, _, _, _, _, l0, l1, l2, l3] = self.header;
        let time = i64::from(u32::from_be_bytes([t0, t1, t2, t3]));
        let length = u64::from(u32::from_be_bytes([l0, l1, l2, l3]));
        self.header_filled = 0;
        self.next_header = self.record_start + HEADER_LEN as u64 + length;
        self.records += 1;
        self.record_time = time;
        self.first_time = Some(self.first_time.map_or(time, |first| first.min(time)));
        self.last_time = Some(self.last_time.map_or(time, |last| last.max(time)));
    }

    /// The error for the record being read.
    fn error(&self, error: &ParserErrorWithBytes) -> MrtError {
        let message = match &error.error {
            ParserError::EofError(io) | ParserError::IoError(io)
                if io.kind() == io::ErrorKind::UnexpectedEof =>
            {
                format!("the data ends inside a record, which is cut short ({io})")
            }
            ParserError::EofError(io) | ParserError::IoError(io) => {
                format!("the data could not be read: {io}")
            }
            ParserError::OversizedRecord { length } => {
                format!("a record claims to be {length} bytes long, more than any MRT record")
            }
            other => format!("malformed record: {}", strip_error_prefix(other)),
        };
        self.error_message(message)
    }

    /// An error with a message of our own, at the record being read.
    fn error_message(&self, message: String) -> MrtError {
        MrtError {
            offset: self.record_start,
            message,
        }
    }
}

/// The crate writes every error as "Error: …"; the prefix says nothing here.
fn strip_error_prefix(error: &ParserError) -> String {
    let text = error.to_string();
    match text.strip_prefix("Error: ") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// A reader that shows every byte it passes on to a [`Framing`].
struct TrackedReader<R> {
    inner: R,
    framing: Rc<RefCell<Framing>>,
}

impl<R: Read> Read for TrackedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.framing.borrow_mut().observe(&buf[..read]);
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::net::IpAddr;

    use bgpkit_parser::BgpElem;
    use bgpkit_parser::encoder::MrtUpdatesEncoder;
    use bgpkit_parser::models::{Asn, NetworkPrefix};
    use ipnet::IpNet;

    use super::*;
    use crate::routing::compression::{Compression, Decompressed};
    use crate::routing::synth::{self, AS_TRANS, TwoByteUpdate, Withdrawal};

    const DUMP_TIME: i64 = 1_700_000_000;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    fn announcement(
        peer: (u32, &str),
        prefix: &str,
        path: Vec<Segment>,
        time: i64,
    ) -> Announcement {
        Announcement {
            peer_asn: peer.0,
            peer_ip: ip(peer.1),
            prefix: net(prefix),
            path,
            time,
        }
    }

    const PEER_A: (u32, &str) = (64496, "192.0.2.1");
    const PEER_B: (u32, &str) = (65536, "192.0.2.2");
    const PEER_C: (u32, &str) = (64510, "2001:db8::1");

    /// Prepending, an AS_SET tail, IPv6, and three peers (one over IPv6).
    fn table() -> Vec<Announcement> {
        vec![
            announcement(
                PEER_A,
                "192.0.2.0/24",
                vec![Segment::Sequence(vec![64496, 64497, 64497, 64497, 64498])],
                DUMP_TIME,
            ),
            announcement(
                PEER_B,
                "192.0.2.0/24",
                vec![Segment::Sequence(vec![65536, 64498])],
                DUMP_TIME,
            ),
            announcement(
                PEER_A,
                "198.51.100.0/24",
                vec![
                    Segment::Sequence(vec![64496, 64499]),
                    Segment::Set(vec![64500, 64501]),
                ],
                DUMP_TIME,
            ),
            announcement(
                PEER_C,
                "2001:db8:1::/48",
                vec![Segment::Sequence(vec![64510, 65537, 65538])],
                DUMP_TIME,
            ),
            announcement(
                PEER_B,
                "2001:db8:1::/48",
                vec![Segment::Sequence(vec![65536, 65536, 65538])],
                DUMP_TIME,
            ),
        ]
    }

    fn read_all(bytes: &[u8]) -> Result<(Vec<Announcement>, MrtSummary), MrtError> {
        let mut seen = Vec::new();
        let summary = read(Cursor::new(bytes), |route| seen.push(route.clone()))?;
        Ok((seen, summary))
    }

    fn read_compressed(bytes: Vec<u8>) -> Result<(Vec<Announcement>, MrtSummary), MrtError> {
        let mut seen = Vec::new();
        let stream = Decompressed::new(Cursor::new(bytes)).unwrap();
        let summary = read(stream, |route| seen.push(route.clone()))?;
        Ok((seen, summary))
    }

    fn sorted(mut routes: Vec<Announcement>) -> Vec<Announcement> {
        routes.sort_by_key(|route| (route.prefix, route.peer_asn, route.peer_ip, route.time));
        routes
    }

    /// Where each record of an uncompressed MRT stream starts, and where the data ends.
    fn record_starts(bytes: &[u8]) -> Vec<usize> {
        let mut starts = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            starts.push(at);
            let length = u32::from_be_bytes(bytes[at + 8..at + 12].try_into().unwrap());
            at += HEADER_LEN + length as usize;
        }
        starts
    }

    fn update_file() -> Vec<u8> {
        let announcements = vec![
            announcement(
                PEER_A,
                "203.0.113.0/24",
                vec![Segment::Sequence(vec![64496, 64496, 64502])],
                DUMP_TIME + 10,
            ),
            announcement(
                PEER_C,
                "2001:db8:2::/48",
                vec![Segment::Sequence(vec![64510, 65540])],
                DUMP_TIME + 20,
            ),
        ];
        let withdrawals = vec![
            Withdrawal {
                peer_asn: PEER_B.0,
                peer_ip: ip(PEER_B.1),
                prefix: net("198.51.100.0/24"),
                time: DUMP_TIME + 30,
            },
            Withdrawal {
                peer_asn: PEER_C.0,
                peer_ip: ip(PEER_C.1),
                prefix: net("2001:db8:3::/48"),
                time: DUMP_TIME + 40,
            },
        ];
        synth::updates(&announcements, &withdrawals).unwrap()
    }

    #[test]
    fn a_rib_dump_reads_back_every_route_raw_gzip_or_bzip2() {
        let bytes = synth::rib(&table()).unwrap();
        for compression in [Compression::Raw, Compression::Gzip, Compression::Bzip2] {
            let (seen, summary) = read_compressed(synth::compress(&bytes, compression)).unwrap();
            assert_eq!(sorted(seen), sorted(table()), "{compression:?}");
            assert_eq!(
                summary,
                MrtSummary {
                    // The peer index table and one record per prefix.
                    records: 4,
                    announcements: 5,
                    withdrawals: 0,
                    peers: 3,
                    first_time: Some(DUMP_TIME),
                    last_time: Some(DUMP_TIME),
                },
                "{compression:?}"
            );
        }
    }

    #[test]
    fn prepending_and_an_as_set_tail_come_out_as_announced() {
        let (seen, _) = read_all(&synth::rib(&table()).unwrap()).unwrap();
        let by_prefix = |prefix: &str, peer: u32| {
            seen.iter()
                .find(|route| route.prefix == net(prefix) && route.peer_asn == peer)
                .unwrap()
                .path
                .clone()
        };
        assert_eq!(
            by_prefix("192.0.2.0/24", 64496),
            vec![Segment::Sequence(vec![64496, 64497, 64497, 64497, 64498])]
        );
        assert_eq!(
            by_prefix("198.51.100.0/24", 64496),
            vec![
                Segment::Sequence(vec![64496, 64499]),
                Segment::Set(vec![64500, 64501])
            ]
        );
    }

    #[test]
    fn an_update_file_announces_each_prefix_and_counts_withdrawals() {
        let bytes = update_file();
        for compression in [Compression::Raw, Compression::Gzip, Compression::Bzip2] {
            let (seen, summary) = read_compressed(synth::compress(&bytes, compression)).unwrap();
            assert_eq!(
                seen,
                vec![
                    announcement(
                        PEER_A,
                        "203.0.113.0/24",
                        vec![Segment::Sequence(vec![64496, 64496, 64502])],
                        DUMP_TIME + 10,
                    ),
                    announcement(
                        PEER_C,
                        "2001:db8:2::/48",
                        vec![Segment::Sequence(vec![64510, 65540])],
                        DUMP_TIME + 20,
                    ),
                ],
                "{compression:?}"
            );
            assert_eq!(
                summary,
                MrtSummary {
                    records: 4,
                    announcements: 2,
                    withdrawals: 2,
                    peers: 3,
                    first_time: Some(DUMP_TIME + 10),
                    last_time: Some(DUMP_TIME + 40),
                }
            );
        }
    }

    fn two_byte(as_path: Vec<u16>, as4_path: Vec<u32>) -> Vec<Segment> {
        let bytes = synth::two_byte_update(&TwoByteUpdate {
            peer_asn: 64500,
            peer_ip: ip("192.0.2.9"),
            prefix: net("203.0.113.0/24"),
            as_path,
            as4_path,
            time: DUMP_TIME,
        })
        .unwrap();
        let compressed = synth::compress(&bytes, Compression::Bzip2);
        let (seen, summary) = read_compressed(compressed).unwrap();
        assert_eq!(summary.announcements, 1);
        assert_eq!(seen[0].peer_asn, 64500);
        seen[0].path.clone()
    }

    #[test]
    fn a_two_byte_session_yields_the_real_path_from_as4_path() {
        assert_eq!(
            two_byte(vec![AS_TRANS, 64497], vec![65536, 64497]),
            vec![Segment::Sequence(vec![65536, 64497])]
        );
    }

    #[test]
    fn asns_an_old_router_prepended_after_as4_path_are_kept_in_front() {
        // 64500 only speaks 2-byte AS numbers: it prepends itself to AS_PATH and passes
        // AS4_PATH on untouched, so AS_PATH is one longer (RFC 6793, section 4.2.3).
        assert_eq!(
            two_byte(vec![64500, AS_TRANS, 64497], vec![65536, 64497]),
            vec![Segment::Sequence(vec![64500, 65536, 64497])]
        );
    }

    #[test]
    fn an_as4_path_longer_than_as_path_is_ignored() {
        assert_eq!(
            two_byte(vec![64500, 64497], vec![65536, 65537, 64497]),
            vec![Segment::Sequence(vec![64500, 64497])]
        );
    }

    #[test]
    fn confederation_segments_become_sets() {
        let path = AsPath::from_segments(vec![
            AsPathSegment::ConfedSequence([64501, 64502].map(Asn::new_32bit).into_iter().collect()),
            AsPathSegment::ConfedSet([64503].map(Asn::new_32bit).into_iter().collect()),
            AsPathSegment::sequence([64504]),
        ]);
        assert_eq!(
            segments(&path),
            vec![
                Segment::Set(vec![64501, 64502]),
                Segment::Set(vec![64503]),
                Segment::Sequence(vec![64504]),
            ]
        );
    }

    #[test]
    fn a_file_cut_anywhere_fails_at_the_start_of_the_cut_record() {
        let bytes = update_file();
        let starts = record_starts(&bytes);
        let cuts = [
            5,               // inside the first header
            HEADER_LEN + 3,  // inside the first record's body
            starts[1] + 1,   // inside the second header
            starts[2] + 20,  // inside the third record's body
            bytes.len() - 1, // one byte short of the end
        ];
        for cut in cuts {
            let start = *starts.iter().rev().find(|&&start| start < cut).unwrap();
            let error = read_all(&bytes[..cut]).unwrap_err();
            assert_eq!(error.offset, start as u64, "cut at {cut}");
            assert!(error.message.contains("cut short"), "cut at {cut}: {error}");
            let compressed = synth::compress(&bytes[..cut], Compression::Bzip2);
            assert_eq!(
                read_compressed(compressed).unwrap_err(),
                error,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_cut_rib_dump_fails_too() {
        let bytes = synth::rib(&table()).unwrap();
        let starts = record_starts(&bytes);
        let error = read_all(&bytes[..starts[2] + 15]).unwrap_err();
        assert_eq!(error.offset, starts[2] as u64);
    }

    #[test]
    fn a_record_longer_than_the_rest_of_the_file_fails() {
        let mut bytes = update_file();
        let last = *record_starts(&bytes).last().unwrap();
        let length = u32::from_be_bytes(bytes[last + 8..last + 12].try_into().unwrap());
        bytes[last + 8..last + 12].copy_from_slice(&(length + 100).to_be_bytes());
        let error = read_all(&bytes).unwrap_err();
        assert_eq!(error.offset, last as u64);
        assert!(error.message.contains("cut short"), "{error}");
    }

    #[test]
    fn a_record_claiming_an_absurd_length_fails() {
        let mut bytes = update_file();
        bytes[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        let error = read_all(&bytes).unwrap_err();
        assert_eq!(error.offset, 0);
    }

    #[test]
    fn garbage_fails() {
        let text = b"this is not an MRT file, only some text that was misnamed\n".repeat(20);
        assert!(read_all(&text).is_err());
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(read_all(&noise).is_err());
        let mut after_good = update_file();
        let good_end = after_good.len() as u64;
        after_good.extend_from_slice(&text);
        assert_eq!(read_all(&after_good).unwrap_err().offset, good_end);
    }

    #[test]
    fn damaged_compression_fails_the_read() {
        let mut compressed = synth::compress(&synth::rib(&table()).unwrap(), Compression::Bzip2);
        // Inside the first block, past its header (stream header 4 bytes, block magic 6,
        // block CRC 4): the block's own check catches it. Damage near the end could hit
        // the end-of-stream marker instead, which reads as trailing bytes after a stream.
        for byte in &mut compressed[20..36] {
            *byte ^= 0xa5;
        }
        assert!(read_compressed(compressed).is_err());
    }

    #[test]
    fn an_announcement_without_an_as_path_fails() {
        let mut encoder = MrtUpdatesEncoder::new();
        encoder.process_elem(&BgpElem {
            timestamp: DUMP_TIME as f64,
            peer_ip: ip(PEER_A.1),
            peer_asn: Asn::new_32bit(PEER_A.0),
            prefix: NetworkPrefix::new(net("192.0.2.0/24"), None),
            next_hop: Some(ip(PEER_A.1)),
            as_path: None,
            ..BgpElem::default()
        });
        let error = read_all(&encoder.export_bytes().unwrap()).unwrap_err();
        assert!(error.message.contains("AS_PATH"), "{error}");
    }

    #[test]
    fn an_empty_file_reads_as_nothing() {
        let (seen, summary) = read_all(&[]).unwrap();
        assert!(seen.is_empty());
        assert_eq!(summary, MrtSummary::default());
    }
}
