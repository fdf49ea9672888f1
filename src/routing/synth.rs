//! Writing MRT files from made-up routes, for tests, the demonstration data and the
//! benchmark, so that no excerpt of a real collector's file is ever needed. The bytes come
//! from `bgpkit-parser`'s own encoders: `MrtRibEncoder` for RIB dumps, `MrtUpdatesEncoder`
//! for update files, and its record encoder for the one case those two cannot express
//! (an update from an old, 2-byte-AS session carrying AS4_PATH). Nothing here is used to
//! read data.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bgpkit_parser::BgpElem;
use bgpkit_parser::encoder::{MrtRibEncoder, MrtUpdatesEncoder};
use bgpkit_parser::error::EncodingError;
use bgpkit_parser::models::{
    AsPath, AsPathSegment, Asn, AttributeValue, Bgp4MpEnum, Bgp4MpMessage, Bgp4MpType, BgpMessage,
    BgpUpdateMessage, CommonHeader, ElemType, EntryType, MrtMessage, MrtRecord, NetworkPrefix,
    Origin,
};
use ipnet::IpNet;

use crate::domain::routing::{Announcement, Segment};
use crate::routing::compression::Compression;

/// The AS number a 4-byte AS stands under on a session that only knows 2-byte ones
/// (RFC 6793).
pub const AS_TRANS: u16 = 23456;

/// A made-up route could not be written as MRT (a segment of more than 255 ASNs, say).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the synthetic MRT data could not be encoded: {0}")]
pub struct SynthError(String);

impl From<EncodingError> for SynthError {
    fn from(error: EncodingError) -> Self {
        SynthError(error.to_string())
    }
}

/// A route a peer takes back, for an update file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    /// The collector's peer that withdrew the route: its AS and address.
    pub peer_asn: u32,
    /// The peer's address.
    pub peer_ip: IpAddr,
    /// The prefix withdrawn.
    pub prefix: IpNet,
    /// When, in seconds since 1970 (UTC).
    pub time: i64,
}

/// An update from a peer whose session with the collector uses 2-byte AS numbers
/// (BGP4MP MESSAGE, not MESSAGE_AS4), as an old router sends it: the AS_PATH in 2-byte
/// numbers, with AS_TRANS standing for each 4-byte AS, and the real path in AS4_PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoByteUpdate {
    /// The peer's AS (2-byte, as the session allows).
    pub peer_asn: u16,
    /// The peer's address.
    pub peer_ip: IpAddr,
    /// The prefix announced.
    pub prefix: IpNet,
    /// The AS_PATH attribute, one sequence, nearest the collector first.
    pub as_path: Vec<u16>,
    /// The AS4_PATH attribute, one sequence: the 4-byte path from where the route last
    /// passed a 4-byte-capable router.
    pub as4_path: Vec<u32>,
    /// When, in seconds since 1970 (UTC).
    pub time: i64,
}

/// A RIB dump (TABLE_DUMP_V2): a peer index table listing every peer, then one record per
/// prefix with one entry per peer that announced it. The dump's time is the first
/// announcement's time. A peer that announces the same prefix twice keeps the later route.
pub fn rib(announcements: &[Announcement]) -> Result<Vec<u8>, SynthError> {
    let mut encoder = MrtRibEncoder::new();
    for announcement in announcements {
        encoder.process_elem(&elem(announcement))?;
    }
    Ok(encoder.export_bytes()?.to_vec())
}

/// An update file: one BGP4MP_ET MESSAGE_AS4 record per announcement and per withdrawal,
/// the announcements first, each group in the order given.
pub fn updates(
    announcements: &[Announcement],
    withdrawals: &[Withdrawal],
) -> Result<Vec<u8>, SynthError> {
    let mut encoder = MrtUpdatesEncoder::new();
    for announcement in announcements {
        encoder.process_elem(&elem(announcement));
    }
    for withdrawal in withdrawals {
        encoder.process_elem(&BgpElem {
            timestamp: withdrawal.time as f64,
            elem_type: ElemType::WITHDRAW,
            peer_ip: withdrawal.peer_ip,
            peer_asn: Asn::new_32bit(withdrawal.peer_asn),
            prefix: NetworkPrefix::new(withdrawal.prefix, None),
            next_hop: None,
            ..BgpElem::default()
        });
    }
    Ok(encoder.export_bytes()?.to_vec())
}

/// One BGP4MP MESSAGE record (2-byte AS numbers) carrying `update`.
pub fn two_byte_update(update: &TwoByteUpdate) -> Result<Vec<u8>, SynthError> {
    let peer_asn = Asn::new_16bit(update.peer_asn);
    let as_path: Vec<u32> = update.as_path.iter().map(|&asn| u32::from(asn)).collect();
    let mut message = BgpUpdateMessage::from(&BgpElem {
        timestamp: update.time as f64,
        peer_ip: update.peer_ip,
        peer_asn,
        prefix: NetworkPrefix::new(update.prefix, None),
        // The peer's own address, as on a collector's multihop session.
        next_hop: Some(update.peer_ip),
        as_path: Some(AsPath::from_sequence(as_path)),
        origin: Some(Origin::IGP),
        ..BgpElem::default()
    });
    message
        .attributes
        .add_attr(AttributeValue::As4Path(AsPath::from_sequence(&update.as4_path)).into());
    let record = MrtRecord {
        common_header: CommonHeader {
            timestamp: record_time(update.time),
            microsecond_timestamp: None,
            entry_type: EntryType::BGP4MP,
            entry_subtype: Bgp4MpType::Message as u16,
            length: 0,
        },
        message: MrtMessage::Bgp4Mp(Bgp4MpEnum::Message(Bgp4MpMessage {
            msg_type: Bgp4MpType::Message,
            peer_asn,
            local_asn: Asn::new_16bit(0),
            interface_index: 0,
            peer_ip: update.peer_ip,
            local_ip: unspecified_like(update.peer_ip),
            bgp_message: BgpMessage::Update(message),
        })),
    };
    Ok(record.encode()?.to_vec())
}

/// Compresses `bytes` as a collector would publish them.
///
/// # Panics
/// Never in practice: the only output is memory, and writing to memory does not fail.
pub fn compress(bytes: &[u8], compression: Compression) -> Vec<u8> {
    let written = match compression {
        Compression::Raw => Ok(bytes.to_vec()),
        Compression::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(bytes).and_then(|()| encoder.finish())
        }
        Compression::Bzip2 => {
            let mut encoder =
                bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            encoder.write_all(bytes).and_then(|()| encoder.finish())
        }
    };
    written.expect("compressing into memory cannot fail")
}

/// The crate's element for an announcement: the path as given, origin IGP, and the peer's
/// own address as the next hop (as on a collector's multihop session).
fn elem(announcement: &Announcement) -> BgpElem {
    BgpElem {
        timestamp: announcement.time as f64,
        elem_type: ElemType::ANNOUNCE,
        peer_ip: announcement.peer_ip,
        peer_asn: Asn::new_32bit(announcement.peer_asn),
        prefix: NetworkPrefix::new(announcement.prefix, None),
        next_hop: Some(announcement.peer_ip),
        as_path: Some(as_path(&announcement.path)),
        origin: Some(Origin::IGP),
        ..BgpElem::default()
    }
}

/// The domain's segments as the crate's AS path.
fn as_path(path: &[Segment]) -> AsPath {
    let segments: Vec<AsPathSegment> = path
        .iter()
        .map(|segment| match segment {
            Segment::Sequence(asns) => AsPathSegment::sequence(asns),
            Segment::Set(asns) => AsPathSegment::set(asns),
        })
        .collect();
    AsPath::from_segments(segments)
}

/// The all-zero address of the peer's family, for the collector's own side.
fn unspecified_like(peer_ip: IpAddr) -> IpAddr {
    match peer_ip {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// MRT stores seconds as 32 bits; times outside that range are clamped to its ends.
fn record_time(time: i64) -> u32 {
    u32::try_from(time.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_is_recognisable_by_its_own_detection() {
        let bytes = b"MRT bytes".to_vec();
        assert_eq!(compress(&bytes, Compression::Raw), bytes);
        for compression in [Compression::Gzip, Compression::Bzip2] {
            assert_eq!(
                Compression::detect(&compress(&bytes, compression)),
                compression
            );
        }
    }

    #[test]
    fn times_outside_what_mrt_can_hold_are_clamped() {
        assert_eq!(record_time(-5), 0);
        assert_eq!(record_time(1 << 40), u32::MAX);
        assert_eq!(record_time(1_700_000_000), 1_700_000_000);
    }
}
