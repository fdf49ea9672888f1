//! Enforcement monitoring through the real commands: RIR, CAIDA, PeeringDB and MRT files
//! written here at run time (documentation-range numbers only, MRT through the crate's
//! encoders, compressed), imported with `import-routing`, and the findings read back with
//! `findings --json` — every kind of finding from one registry.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::{NaiveDateTime, TimeDelta, Utc};
use interconnect_registry::db::models::application::{self, NewApplication};
use interconnect_registry::db::models::connection::{self, ConnectionEvent, NewConnection};
use interconnect_registry::db::models::organisation::{self, NewOrganisation};
use interconnect_registry::domain::routing::{Announcement, Segment};
use interconnect_registry::routing::compression::Compression;
use interconnect_registry::routing::synth;
use serde_json::Value;

use crate::cli::{command, run_command};
use crate::helpers::TestApp;

/// The provider: one organisation with one network, AS64500.
const ALPHA: u32 = 64500;
/// A network the RIR registers to Laos that no organisation holds.
const UNREGISTERED: u32 = 64505;
/// The application every connection of the test names.
const APPLICATION: &str = "application-of-alpha";
/// The collectors' peers.
const PEERS: [(u32, &str); 2] = [(65550, "192.0.2.1"), (65551, "192.0.2.2")];

/// Runs the binary with the monitoring's test policy (documentation ASNs allowed).
fn run(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let mut cmd = command(&app.database_url);
    cmd.env("MONITORING_ALLOW_DOCUMENTATION_ASNS", "true");
    run_command(cmd, args, "")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn rir_file() -> String {
    let rows = [
        ("LA", ALPHA, "allocated", "A-ALPHA"),
        ("LA", UNREGISTERED, "assigned", "A-OTHER"),
        ("SG", 64510, "allocated", "F-1"),
        ("TH", 64511, "allocated", "F-2"),
        ("JP", 65540, "allocated", "F-3"),
        ("SG", 65541, "allocated", "A-ALPHA"),
        ("VN", 65542, "allocated", "F-5"),
        ("SG", 64497, "allocated", "F-6"),
        ("HK", 64498, "allocated", "F-7"),
        ("MY", 64499, "allocated", "F-8"),
        ("US", 65550, "allocated", "F-9"),
        ("US", 65551, "allocated", "F-10"),
        ("US", 64496, "allocated", "F-11"),
        ("US", 64501, "allocated", "F-12"),
    ];
    let mut text = format!(
        "2.3|apnic|20261201|{n}|19830613|20261201|+1000\napnic|*|asn|*|{n}|summary\n",
        n = rows.len()
    );
    for (cc, asn, status, opaque) in rows {
        text.push_str(&format!(
            "apnic|{cc}|asn|{asn}|1|20200101|{status}|{opaque}|e-stats\n"
        ));
    }
    text
}

fn peeringdb_file() -> &'static str {
    r#"{"net":{"data":[{"id":1,"asn":64500,"name":"Alpha","info_type":"NSP"}]},
        "ix":{"data":[{"id":7,"name":"SG Exchange","country":"SG"}]},
        "ixlan":{"data":[{"id":70,"ix_id":7,"rs_asn":null}]},
        "netixlan":{"data":[{"net_id":1,"ix_id":7,"ixlan_id":70,"asn":64500}]},
        "fac":{"data":[]},"netfac":{"data":[]}}"#
}

/// Each path is seen by both peers unless `one_peer`; the peer's AS starts the path.
fn announcements(time: i64) -> Vec<Announcement> {
    let paths: [(&[u32], &str, bool); 9] = [
        (&[64510, ALPHA], "203.0.113.0/24", false),
        (&[64511, ALPHA], "203.0.113.0/25", false),
        (&[65540, ALPHA, ALPHA, ALPHA], "198.51.100.0/24", false),
        (&[65542, ALPHA], "198.51.100.0/25", false),
        (&[64497, ALPHA], "198.51.100.128/25", false),
        (&[65541, ALPHA], "203.0.113.128/25", false),
        (&[64499, ALPHA], "192.0.2.0/25", false),
        (&[64510, UNREGISTERED], "192.0.2.128/25", false),
        (&[64498, ALPHA], "2001:db8::/32", true),
    ];
    let mut out = Vec::new();
    for (path, prefix, one_peer) in paths {
        for (peer_asn, peer_ip) in PEERS.iter().take(if one_peer { 1 } else { 2 }) {
            let mut asns = vec![*peer_asn];
            asns.extend_from_slice(path);
            out.push(Announcement {
                peer_asn: *peer_asn,
                peer_ip: peer_ip.parse::<IpAddr>().unwrap(),
                prefix: prefix.parse().unwrap(),
                path: vec![Segment::Sequence(asns)],
                time,
            });
        }
    }
    out
}

/// A connection of `org` to `asn`, with its status history as events.
fn connection(
    app: &TestApp,
    org: &str,
    (number, asn, country, kind): (&str, u32, &str, &str),
    status: &str,
    valid: (NaiveDateTime, NaiveDateTime),
    events: &[(&str, NaiveDateTime)],
    deadline: Option<NaiveDateTime>,
) {
    let mut conn = app.conn();
    let id = format!("conn-{number}");
    connection::insert(
        &mut conn,
        &NewConnection {
            id: &id,
            approval_number: number,
            application_id: APPLICATION,
            organisation_id: org,
            status,
            connection_type: kind,
            counterparty_name: "Counterparty",
            counterparty_country: country,
            capacity_mbps: 100,
            endpoint_province: "VT",
            terms: "{}",
            conditions: "",
            valid_from: valid.0.date(),
            valid_until: valid.1.date(),
            approved_at: valid.0,
            status_changed_at: valid.0,
            search_text: number,
            created_at: valid.0,
            updated_at: valid.0,
            counterparty_asn: Some(i64::from(asn)),
        },
    )
    .unwrap();
    for (k, (kind, at)) in events.iter().enumerate() {
        connection::insert_event(
            &mut conn,
            &ConnectionEvent {
                id: format!("{id}-event-{k}"),
                connection_id: id.clone(),
                kind: kind.to_string(),
                occurred_at: *at,
                actor_id: None,
                reason: String::new(),
                details: "{}".into(),
            },
        )
        .unwrap();
    }
    if let Some(deadline) = deadline {
        app.execute(&format!(
            "UPDATE connections SET disconnection_deadline = '{}' WHERE id = '{id}'",
            deadline.format("%Y-%m-%d %H:%M:%S")
        ));
    }
}

fn findings(app: &TestApp) -> Vec<Value> {
    let (ok, out, err) = run(app, &["findings", "--json"]);
    assert!(ok, "{err}");
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn kinds_of(findings: &[Value]) -> BTreeSet<(String, i64, Option<i64>)> {
    findings
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["domestic_asn"].as_i64().unwrap(),
                f["foreign_asn"].as_i64(),
            )
        })
        .collect()
}

#[tokio::test]
async fn imported_routing_raises_every_kind_of_finding_against_the_registry() {
    let app = TestApp::spawn().await;
    let now = Utc::now().naive_utc();
    let days = |n: i64| now - TimeDelta::days(n);
    let org_id = "org-alpha";
    organisation::insert(
        &mut app.conn(),
        &NewOrganisation {
            id: org_id,
            slug: "alpha-net",
            name_en: "Alpha Net",
            name_lo: "ອານຟາເນັດ",
            registration_number: "01-0000009",
            licence_number: "ISP-2026-009",
            address: "Vientiane",
            asns: "AS64500",
            created_at: days(400),
            updated_at: days(400),
        },
    )
    .unwrap();
    let alpha = organisation::find(&mut app.conn(), org_id)
        .unwrap()
        .unwrap();
    let provider = app.create_user("applicant", Some(&alpha));
    application::insert(
        &mut app.conn(),
        &NewApplication {
            id: APPLICATION,
            organisation_id: org_id,
            created_by: &provider.id,
            kind: "new",
            status: "approved",
            content: "{}",
            created_at: days(400),
            updated_at: days(400),
        },
    )
    .unwrap();
    let year = (days(400), now + TimeDelta::days(365));
    connection(
        &app,
        org_id,
        ("IC-2026-00001", 64510, "SG", "ip_transit"),
        "active",
        year,
        &[("approved", days(100))],
        None,
    );
    connection(
        &app,
        org_id,
        ("IC-2026-00002", 64511, "TH", "ip_transit"),
        "suspended",
        year,
        &[("approved", days(100)), ("suspended", days(10))],
        None,
    );
    connection(
        &app,
        org_id,
        ("IC-2026-00003", 65540, "JP", "ip_transit"),
        "revoked",
        year,
        &[("approved", days(100)), ("revoked", days(20))],
        Some(days(5)),
    );
    connection(
        &app,
        org_id,
        ("IC-2026-00004", 65542, "TH", "ip_transit"),
        "active",
        year,
        &[("approved", days(100))],
        None,
    );
    connection(
        &app,
        org_id,
        ("IC-2026-00005", 64498, "HK", "cdn_cloud_onramp"),
        "active",
        year,
        &[("approved", days(100))],
        None,
    );
    connection(
        &app,
        org_id,
        ("IC-2025-00006", 64499, "MY", "ip_transit"),
        "expired",
        (days(400), days(20)),
        &[("approved", days(400)), ("expired", days(19))],
        None,
    );

    let dir = std::env::temp_dir().join(format!("routing-{}", interconnect_registry::db::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rir = write(&dir, "delegated-apnic-extended", rir_file().as_bytes());
    let pdb = write(
        &dir,
        "peeringdb.json",
        synth::compress(peeringdb_file().as_bytes(), Compression::Gzip).as_slice(),
    );
    let rib = synth::rib(&announcements(days(1).and_utc().timestamp())).unwrap();
    let mrt = write(
        &dir,
        "rib.20261205.0000.bz2",
        &synth::compress(&rib, Compression::Bzip2),
    );

    for (kind, file) in [("rir", &rir), ("peeringdb", &pdb)] {
        let (ok, out, err) = run(
            &app,
            &[
                "import-routing",
                "--kind",
                kind,
                "--json",
                file.to_str().unwrap(),
            ],
        );
        assert!(ok, "{kind}: {out}{err}");
        assert_eq!(
            serde_json::from_str::<Value>(&out).unwrap()["outcome"],
            "imported",
            "{out}"
        );
    }
    let (ok, out, err) = run(
        &app,
        &[
            "import-routing",
            "--kind",
            "mrt",
            "--collector",
            "route-views2",
            "--json",
            mrt.to_str().unwrap(),
        ],
    );
    assert!(ok, "{out}{err}");
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["import"]["adjacencies"], 9, "{summary}");
    assert_eq!(summary["import"]["collector"], "route-views2");

    let listed = findings(&app);
    let got = kinds_of(&listed);
    let alpha = i64::from(ALPHA);
    let expected: BTreeSet<(String, i64, Option<i64>)> = [
        ("approved", alpha, Some(64510)),
        ("seen_while_suspended", alpha, Some(64511)),
        ("seen_after_disconnection", alpha, Some(65540)),
        ("approved", alpha, Some(65542)),
        ("country_mismatch", alpha, Some(65542)),
        ("unapproved", alpha, Some(64497)),
        ("sibling", alpha, Some(65541)),
        ("seen_after_expiry", alpha, Some(64499)),
        ("unregistered_domestic_as", i64::from(UNREGISTERED), None),
        ("approved_not_observed", alpha, Some(64498)),
        ("foreign_ixp_presence", alpha, None),
    ]
    .into_iter()
    .map(|(k, d, f)| (k.to_string(), d, f))
    .collect();
    assert_eq!(got, expected, "{listed:#?}");
    for f in &listed {
        assert_eq!(f["state"], "open");
        assert!(f["score"].as_i64().is_some(), "{f}");
        if f["kind"] == "approved" && f["foreign_asn"] == 64510 {
            assert_eq!(f["organisation"], "alpha-net");
            assert_eq!(f["approval_number"], "IC-2026-00001");
            assert_eq!(f["peers"], 2);
            assert!(f["last_seen"].as_str().unwrap().ends_with("+00:00"), "{f}");
        }
    }

    // The same file again is reported and skipped; a damaged file fails by name and
    // leaves nothing; a later dump updates the findings rather than adding to them.
    let (ok, out, _) = run(
        &app,
        &[
            "import-routing",
            "--kind",
            "mrt",
            "--json",
            mrt.to_str().unwrap(),
        ],
    );
    assert!(ok);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["outcome"],
        "already_imported"
    );
    let cut = write(&dir, "rib.cut", &rib[..rib.len() - 7]);
    let (ok, _, err) = run(
        &app,
        &["import-routing", "--kind", "mrt", cut.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(err.contains("rib.cut") && err.contains("byte"), "{err}");
    let later = synth::rib(&announcements(now.and_utc().timestamp())).unwrap();
    let later = write(
        &dir,
        "rib.later",
        &synth::compress(&later, Compression::Gzip),
    );
    let (ok, out, err) = run(
        &app,
        &["import-routing", "--kind", "mrt", later.to_str().unwrap()],
    );
    assert!(ok, "{out}{err}");
    assert_eq!(kinds_of(&findings(&app)), expected);
    let (ok, out, _) = run(&app, &["routing-imports", "--json"]);
    assert!(ok);
    let imports: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(imports.len(), 4, "{out}");
    let (ok, out, _) = run(&app, &["findings", "--kind", "unapproved", "--json"]);
    assert!(ok);
    assert_eq!(serde_json::from_str::<Vec<Value>>(&out).unwrap().len(), 1);
    let (ok, _, err) = run(
        &app,
        &["import-routing", "--kind", "rir", cut.to_str().unwrap()],
    );
    assert!(!ok && err.contains("rib.cut"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Paths that must raise nothing, and two that must, fed through the command in one
/// gzip-compressed update file: a loop, an AS_SET tail, a private ASN, withdrawals and a
/// pair seen by one peer only against an IPv6 route and a 2-byte session whose AS4_PATH
/// names the real (4-byte) neighbour.
#[tokio::test]
async fn only_clean_paths_seen_by_enough_peers_become_findings() {
    let app = TestApp::spawn().await;
    let now = Utc::now().naive_utc();
    organisation::insert(
        &mut app.conn(),
        &NewOrganisation {
            id: "org-alpha",
            slug: "alpha-net",
            name_en: "Alpha Net",
            name_lo: "ອານຟາເນັດ",
            registration_number: "01-0000009",
            licence_number: "ISP-2026-009",
            address: "Vientiane",
            asns: "AS64500",
            created_at: now,
            updated_at: now,
        },
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("routing-{}", interconnect_registry::db::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rir = write(&dir, "delegated-apnic-extended", rir_file().as_bytes());
    let (ok, _, err) = run(
        &app,
        &["import-routing", "--kind", "rir", rir.to_str().unwrap()],
    );
    assert!(ok, "{err}");

    let time = (now - TimeDelta::days(1)).and_utc().timestamp();
    let route = |peer: (u32, &str), path: Vec<Segment>, prefix: &str| Announcement {
        peer_asn: peer.0,
        peer_ip: peer.1.parse::<IpAddr>().unwrap(),
        prefix: prefix.parse().unwrap(),
        path,
        time,
    };
    let seq = |asns: &[u32]| Segment::Sequence(asns.to_vec());
    let mut announced = Vec::new();
    let mut withdrawn = Vec::new();
    for peer in PEERS {
        // A loop through 64497, an AS_SET after 65540, a private ASN before Alpha.
        announced.push(route(
            peer,
            vec![seq(&[peer.0, 64497, ALPHA, 64497])],
            "203.0.113.0/24",
        ));
        announced.push(route(
            peer,
            vec![seq(&[peer.0, 65540]), Segment::Set(vec![ALPHA, 64511])],
            "198.51.100.0/24",
        ));
        announced.push(route(
            peer,
            vec![seq(&[peer.0, 64512, ALPHA])],
            "192.0.2.0/25",
        ));
        // IPv6, seen by both peers: a real pair.
        announced.push(route(
            peer,
            vec![seq(&[peer.0, 64498, ALPHA])],
            "2001:db8::/32",
        ));
        withdrawn.push(synth::Withdrawal {
            peer_asn: peer.0,
            peer_ip: peer.1.parse().unwrap(),
            prefix: "203.0.113.128/25".parse().unwrap(),
            time,
        });
    }
    // Seen by one peer only: not counted.
    announced.push(route(
        PEERS[0],
        vec![seq(&[PEERS[0].0, 64510, ALPHA])],
        "192.0.2.128/25",
    ));
    let mut bytes = synth::updates(&announced, &withdrawn).unwrap();
    for (peer, ip) in [(64496u16, "192.0.2.10"), (64501, "192.0.2.11")] {
        bytes.extend(
            synth::two_byte_update(&synth::TwoByteUpdate {
                peer_asn: peer,
                peer_ip: ip.parse().unwrap(),
                prefix: "198.51.100.128/25".parse().unwrap(),
                as_path: vec![peer, synth::AS_TRANS, 64500],
                as4_path: vec![65542, ALPHA],
                time,
            })
            .unwrap(),
        );
    }
    let file = write(
        &dir,
        "updates.gz",
        &synth::compress(&bytes, Compression::Gzip),
    );
    let (ok, out, err) = run(
        &app,
        &[
            "import-routing",
            "--kind",
            "mrt",
            "--json",
            file.to_str().unwrap(),
        ],
    );
    assert!(ok, "{out}{err}");
    let got = kinds_of(&findings(&app));
    let alpha = i64::from(ALPHA);
    let expected: BTreeSet<(String, i64, Option<i64>)> = [
        ("unapproved".to_string(), alpha, Some(64498)),
        ("unapproved".to_string(), alpha, Some(65542)),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, expected);
    std::fs::remove_dir_all(&dir).unwrap();
}
