//! The demo's routing data: an RIR delegation file, a CAIDA AS-to-organisation file and an
//! MRT RIB dump, written here from made-up routes and imported through the same workflow
//! as an operator's files, so a first look at the monitoring meets real findings.
//!
//! What the collectors "saw" a day ago, as two peers reported it:
//! - Lao Skynet (AS151234) with Thai Transit (AS38040), which its IP transit approval
//!   covers: *approved*;
//! - Lao Skynet with Pacific Transit (AS4637), for which nobody applied: *unapproved*;
//! - Lao Skynet with Bangkok Voice Exchange (AS4651), whose approval was revoked and whose
//!   disconnection deadline has passed: *seen after disconnection*;
//! - Mekong Fibre (AS152345) with Viettel Global (AS7552) while that approval is
//!   suspended: *seen while suspended*.
//!
//! Lao Skynet's approved cloud on-ramp (AS13335) and Singapore exchange (AS55518) are
//! missing from the dump, so they come out as *approved, not observed*.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::{NaiveDateTime, TimeDelta};

use crate::db::DbConn;
use crate::domain::audit::DEMO_SEED;
use crate::domain::routing::{Announcement, MonitoringSettings, Segment};
use crate::routing::compression::Compression;
use crate::routing::synth;
use crate::workflows::Actor;
use crate::workflows::monitoring::{self, ImportError, ImportKind};

/// The collector the demo's dump comes from.
pub const DEMO_COLLECTOR: &str = "demo-collector";

/// The collector's two peers: AS and address.
const PEERS: [(u32, &str); 2] = [(3356, "4.68.4.1"), (174, "38.0.0.1")];

/// (country, AS, holder's opaque id) of every AS in the demo's files.
const REGISTRATIONS: [(&str, u32, &str); 10] = [
    ("LA", 151234, "A-SKYNET"),
    ("LA", 152345, "A-MEKONG"),
    ("LA", 152346, "A-MEKONG"),
    ("TH", 38040, "A-THAITRANSIT"),
    ("TH", 4651, "A-BKKVOICE"),
    ("HK", 4637, "A-PACIFIC"),
    ("VN", 7552, "A-VIETTEL"),
    ("SG", 13335, "A-CLOUDEDGE"),
    ("US", 3356, "A-PEER1"),
    ("US", 174, "A-PEER2"),
];

/// (AS, name, organisation, organisation's name, country) for the AS-to-organisation file.
const NAMES: [(u32, &str, &str, &str, &str); 6] = [
    (
        151234,
        "SKYNET-LA",
        "SKYNET-ORG",
        "Lao Skynet Broadband",
        "LA",
    ),
    (
        152345,
        "MEKONGFIBRE-LA",
        "MEKONG-ORG",
        "Mekong Fibre Network",
        "LA",
    ),
    (
        38040,
        "THAITRANSIT",
        "THAITRANSIT-ORG",
        "Thai Transit Co., Ltd.",
        "TH",
    ),
    (
        4651,
        "BKKVOICE",
        "BKKVOICE-ORG",
        "Bangkok Voice Exchange",
        "TH",
    ),
    (
        4637,
        "PACIFICTRANSIT",
        "PACIFIC-ORG",
        "Pacific Transit Ltd.",
        "HK",
    ),
    (
        7552,
        "VIETTEL-GLOBAL",
        "VIETTEL-ORG",
        "Viettel Global",
        "VN",
    ),
];

/// (path after the peer, prefix) of every route in the dump; each is seen by both peers.
const ROUTES: [(&[u32], &str); 5] = [
    (&[38040, 151234], "115.84.64.0/20"),
    (&[38040, 151234, 151234], "115.84.80.0/20"),
    (&[4637, 151234], "115.84.96.0/20"),
    (&[4651, 151234], "115.84.112.0/20"),
    (&[7552, 152345], "202.137.128.0/19"),
];

/// (first address, addresses) of the IPv4 space the RIR file delegates to Laos.
const LAO_SPACE: [(&str, u32); 2] = [("115.84.64.0", 65536), ("202.137.128.0", 8192)];

/// The RIR delegation file, dated `today`.
fn rir_file(now: NaiveDateTime) -> String {
    let date = now.format("%Y%m%d");
    let rows = REGISTRATIONS.len() + LAO_SPACE.len();
    let mut text = format!(
        "2.3|apnic|{date}|{rows}|19830613|{date}|+1000\n\
         apnic|*|asn|*|{asns}|summary\n\
         apnic|*|ipv4|*|{v4}|summary\n",
        asns = REGISTRATIONS.len(),
        v4 = LAO_SPACE.len(),
    );
    for (cc, asn, holder) in REGISTRATIONS {
        text.push_str(&format!(
            "apnic|{cc}|asn|{asn}|1|20100101|allocated|{holder}|e-stats\n"
        ));
    }
    for (start, count) in LAO_SPACE {
        text.push_str(&format!(
            "apnic|LA|ipv4|{start}|{count}|20100101|allocated|A-SKYNET|e-stats\n"
        ));
    }
    text
}

/// The CAIDA AS-to-organisation file.
fn as2org_file(now: NaiveDateTime) -> String {
    let date = now.format("%Y%m%d");
    let mut text = String::from("# format:org_id|changed|org_name|country|source\n");
    for (_, _, org, org_name, cc) in NAMES {
        text.push_str(&format!("{org}|{date}|{org_name}|{cc}|APNIC\n"));
    }
    text.push_str("# format:aut|changed|aut_name|org_id|opaque_id|source\n");
    for (asn, name, org, _, _) in NAMES {
        text.push_str(&format!("{asn}|{date}|{name}|{org}||APNIC\n"));
    }
    text
}

/// The routes of the dump, as both peers saw them at `time` (seconds since 1970).
fn announcements(time: i64) -> Vec<Announcement> {
    let mut out = Vec::new();
    for (path, prefix) in ROUTES {
        for (peer_asn, peer_ip) in PEERS {
            let mut asns = vec![peer_asn];
            asns.extend_from_slice(path);
            out.push(Announcement {
                peer_asn,
                peer_ip: peer_ip
                    .parse::<IpAddr>()
                    .unwrap_or(IpAddr::from([0, 0, 0, 0])),
                prefix: prefix.parse().unwrap_or_default(),
                path: vec![Segment::Sequence(asns)],
                time,
            });
        }
    }
    out
}

/// The demo's files, written into `dir`: (kind, path) in the order they are imported.
fn write_files(dir: &Path, now: NaiveDateTime) -> Result<Vec<(ImportKind, PathBuf)>, ImportError> {
    let seen_at = (now - TimeDelta::days(1)).and_utc().timestamp();
    let rib = synth::rib(&announcements(seen_at)).map_err(|e| ImportError::File {
        file: "rib.demo.bz2".into(),
        message: e.to_string(),
    })?;
    let files = [
        (
            ImportKind::Rir,
            "delegated-apnic-extended-demo",
            rir_file(now).into_bytes(),
        ),
        (
            ImportKind::As2org,
            "demo.as-org2info.txt",
            as2org_file(now).into_bytes(),
        ),
        (
            ImportKind::Mrt,
            "rib.demo.bz2",
            synth::compress(&rib, Compression::Bzip2),
        ),
    ];
    let mut written = Vec::new();
    for (kind, name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| file_error(&path, &e))?;
        written.push((kind, path));
    }
    Ok(written)
}

fn file_error(path: &Path, error: &std::io::Error) -> ImportError {
    ImportError::File {
        file: path.display().to_string(),
        message: error.to_string(),
    }
}

/// Writes the demo's routing files into a directory of their own under the system's
/// temporary directory, imports them as the demo seed, and removes them.
pub fn import_demo_routing(
    conn: &mut DbConn,
    settings: &MonitoringSettings,
    now: NaiveDateTime,
) -> Result<(), ImportError> {
    let dir = std::env::temp_dir().join(format!("interconnect-demo-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).map_err(|e| file_error(&dir, &e))?;
    let imported = write_files(&dir, now).and_then(|files| {
        let actor = Actor::system(DEMO_SEED);
        for (kind, path) in files {
            monitoring::import_file(
                conn,
                &actor,
                (kind, &path, DEMO_COLLECTOR),
                settings,
                now,
                &|_| {},
            )?;
        }
        Ok(())
    });
    // The files were only a way into the import: nothing refers to them afterwards.
    let _ = std::fs::remove_dir_all(&dir);
    imported
}
