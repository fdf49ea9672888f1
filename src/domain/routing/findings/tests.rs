use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};

use super::*;
use crate::domain::connection::ConnectionStatus as S;

// Domestic, registered: 64496 and 64497 (organisation o1), 64498 (o2).
// Domestic by the RIR only: 64499. Neither: 64510.
// Foreign: 64500 (TH), its sibling 64501 (SG), 64502 (VN), 64503 (o1's group abroad),
// 64504 (no country known), 65536–65551 (TH, one per connection in the table).

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn seen(domestic_asn: u32, foreign_asn: u32, last: &str) -> Sighting {
    Sighting {
        domestic_asn,
        foreign_asn,
        peers: 2,
        collectors: 1,
        first_seen: at(last),
        last_seen: at(last),
        days_seen: 1,
        imports_seen: 1,
        address_share_permille: 0,
        relationship: None,
    }
}

fn related(mut sighting: Sighting, relationship: ObservedRelationship) -> Sighting {
    sighting.relationship = Some(relationship);
    sighting
}

struct Spec<'a> {
    id: &'a str,
    org: &'a str,
    asn: Option<u32>,
    country: &'a str,
    kind: &'a str,
    from: &'a str,
    until: &'a str,
    history: &'a [(&'a str, S)],
    deadline: Option<&'a str>,
}

fn connection(spec: Spec<'_>) -> Connection {
    Connection {
        id: spec.id.to_string(),
        approval_number: format!("IC-{}", spec.id),
        organisation_id: spec.org.to_string(),
        counterparty_asn: spec.asn,
        counterparty_country: spec.country.to_string(),
        connection_type: spec.kind.to_string(),
        routing_visible: [IP_TRANSIT, FOREIGN_IXP_PEERING, CDN_CLOUD_ONRAMP].contains(&spec.kind),
        valid_from: day(spec.from),
        valid_until: day(spec.until),
        history: spec
            .history
            .iter()
            .map(|(when, status)| StatusChange {
                at: at(when),
                status: *status,
            })
            .collect(),
        disconnection_deadline: spec.deadline.map(at),
    }
}

const ACTIVE: &[(&str, S)] = &[("2025-12-01 00:00:00", S::Active)];

fn simple(id: &str, asn: u32, from: &str, until: &str, history: &[(&str, S)]) -> Connection {
    connection(Spec {
        id,
        org: "o1",
        asn: Some(asn),
        country: "TH",
        kind: IP_TRANSIT,
        from,
        until,
        history,
        deadline: None,
    })
}

fn organisations() -> Vec<Organisation> {
    vec![
        Organisation {
            id: "o1".to_string(),
            slug: "first".to_string(),
            asns: vec![64497, 64496],
        },
        Organisation {
            id: "o2".to_string(),
            slug: "second".to_string(),
            asns: vec![64498],
        },
    ]
}

fn table_registry() -> Registry {
    let revoked = |id: &str, asn: u32, until: &str, revoked_at: &str, deadline: Option<&str>| {
        connection(Spec {
            id,
            org: "o1",
            asn: Some(asn),
            country: "VN",
            kind: IP_TRANSIT,
            from: "2026-01-01",
            until,
            history: &[("2025-12-01 00:00:00", S::Active), (revoked_at, S::Revoked)],
            deadline,
        })
    };
    Registry {
        organisations: organisations(),
        connections: vec![
            simple("c-active", 64500, "2026-01-01", "2026-03-31", ACTIVE),
            simple(
                "c-susp",
                65536,
                "2026-01-01",
                "2026-12-31",
                &[
                    ("2026-03-01 00:00:00", S::Active),
                    ("2026-02-01 10:00:00", S::Suspended),
                    ("2025-12-01 00:00:00", S::Active),
                ],
            ),
            revoked(
                "c-rev",
                65537,
                "2026-12-31",
                "2026-04-01 00:00:00",
                Some("2026-05-01 00:00:00"),
            ),
            revoked(
                "c-rev-now",
                65538,
                "2026-12-31",
                "2026-04-01 00:00:00",
                None,
            ),
            simple(
                "c-expired",
                65539,
                "2026-01-01",
                "2026-12-31",
                &[
                    ("2025-12-01 00:00:00", S::Active),
                    ("2026-06-01 00:00:00", S::Expired),
                ],
            ),
            simple("c-future", 65540, "2026-06-01", "2026-12-31", ACTIVE),
            simple(
                "c-late-history",
                65541,
                "2026-01-01",
                "2026-12-31",
                &[("2026-02-01 00:00:00", S::Active)],
            ),
            simple(
                "c-susp-past",
                65542,
                "2026-01-01",
                "2026-03-31",
                &[
                    ("2025-12-01 00:00:00", S::Active),
                    ("2026-03-01 00:00:00", S::Suspended),
                ],
            ),
            revoked(
                "c-rev-past",
                65543,
                "2026-03-31",
                "2026-03-20 00:00:00",
                Some("2026-04-30 00:00:00"),
            ),
            simple(
                "c-old",
                65544,
                "2025-01-01",
                "2025-12-31",
                &[
                    ("2024-12-01 00:00:00", S::Active),
                    ("2026-01-01 00:00:00", S::Expired),
                ],
            ),
            simple("c-new", 65544, "2026-01-01", "2026-12-31", ACTIVE),
            simple(
                "c-a-expired",
                65545,
                "2024-01-01",
                "2024-12-31",
                &[
                    ("2023-12-01 00:00:00", S::Active),
                    ("2025-01-01 00:00:00", S::Expired),
                ],
            ),
            connection(Spec {
                id: "c-b-revoked",
                org: "o1",
                asn: Some(65545),
                country: "TH",
                kind: IP_TRANSIT,
                from: "2025-01-01",
                until: "2026-12-31",
                history: &[
                    ("2024-12-01 00:00:00", S::Active),
                    ("2026-01-10 00:00:00", S::Revoked),
                ],
                deadline: Some("2026-01-20 00:00:00"),
            }),
            simple("c-h-active", 65546, "2026-01-01", "2026-12-31", ACTIVE),
            connection(Spec {
                id: "c-g-grace",
                org: "o1",
                asn: Some(65546),
                country: "TH",
                kind: IP_TRANSIT,
                from: "2026-02-01",
                until: "2026-12-31",
                history: &[
                    ("2026-01-20 00:00:00", S::Active),
                    ("2026-02-10 00:00:00", S::Revoked),
                ],
                deadline: Some("2026-06-01 00:00:00"),
            }),
            connection(Spec {
                id: "c-no-asn",
                org: "o1",
                asn: None,
                country: "VN",
                kind: IP_TRANSIT,
                from: "2026-01-01",
                until: "2026-12-31",
                history: ACTIVE,
                deadline: None,
            }),
            connection(Spec {
                id: "c-other-org",
                org: "o2",
                asn: Some(64502),
                country: "VN",
                kind: IP_TRANSIT,
                from: "2026-01-01",
                until: "2026-12-31",
                history: ACTIVE,
                deadline: None,
            }),
            connection(Spec {
                id: "c-peering",
                org: "o1",
                asn: Some(65547),
                country: "th",
                kind: FOREIGN_IXP_PEERING,
                from: "2026-01-01",
                until: "2026-12-31",
                history: ACTIVE,
                deadline: None,
            }),
            connection(Spec {
                id: "c-fibre",
                org: "o1",
                asn: Some(65548),
                country: "TH",
                kind: "terrestrial_fibre",
                from: "2026-01-01",
                until: "2026-12-31",
                history: ACTIVE,
                deadline: None,
            }),
        ],
    }
}

fn table_reference() -> Reference {
    let mut foreign_country: HashMap<u32, String> =
        (65536..=65551).map(|asn| (asn, "TH".to_string())).collect();
    foreign_country.insert(64500, "TH".to_string());
    foreign_country.insert(64501, "SG".to_string());
    foreign_country.insert(64502, "VN".to_string());
    foreign_country.insert(64503, "TH".to_string());
    foreign_country.insert(65537, "vn".to_string());
    foreign_country.insert(65538, " ".to_string());
    Reference {
        rir_domestic: HashSet::from([64496, 64497, 64498, 64499]),
        foreign_country,
        sibling_groups: vec![vec![64500, 64501], vec![64496, 64503], vec![64501, 65549]],
        presences: Vec::new(),
        seen_domestic: HashSet::new(),
    }
}

/// The key texts `sightings` raise against the table's registry, sorted.
fn keys(sightings: &[Sighting], rules: &Rules) -> Vec<String> {
    let now = at("2026-12-31 00:00:00");
    let mut raised: Vec<String> =
        findings(sightings, &table_registry(), &table_reference(), rules, now)
            .iter()
            .map(|finding| finding.key.to_string())
            .collect();
    raised.sort();
    raised
}

#[test]
fn every_sighting_in_the_table_raises_exactly_the_expected_findings() {
    use ObservedRelationship::*;
    let cases: Vec<(&str, Sighting, &[&str])> = vec![
        // Validity dates are Vientiane dates: UTC+7.
        (
            "last Vientiane minute of validity",
            seen(64496, 64500, "2026-03-31 16:59:59"),
            &["approved/64496/64500/-/c-active"],
        ),
        (
            "first Vientiane minute after validity",
            seen(64496, 64500, "2026-03-31 17:00:00"),
            &["seen_after_expiry/64496/64500/-/c-active"],
        ),
        (
            "18:00 UTC is already the next day",
            seen(64496, 64500, "2026-03-31 18:00:00"),
            &["seen_after_expiry/64496/64500/-/c-active"],
        ),
        (
            "before the first Vientiane day",
            seen(64496, 64500, "2025-12-31 16:59:59"),
            &["unapproved/64496/64500/-/-"],
        ),
        (
            "on the first Vientiane day",
            seen(64496, 64500, "2025-12-31 17:00:00"),
            &["approved/64496/64500/-/c-active"],
        ),
        // Siblings of f and the organisation's other ASNs match.
        (
            "the organisation's other ASN",
            seen(64497, 64500, "2026-02-01 00:00:00"),
            &["approved/64497/64500/-/c-active"],
        ),
        (
            "a sibling of the counterparty, in another country",
            seen(64496, 64501, "2026-02-01 00:00:00"),
            &[
                "approved/64496/64501/-/c-active",
                "country_mismatch/64496/64501/-/c-active",
            ],
        ),
        (
            "siblings do not chain across groups",
            seen(64496, 65549, "2026-02-01 00:00:00"),
            &["unapproved/64496/65549/-/-"],
        ),
        // Status history, at the UTC moment.
        (
            "a second before suspension",
            seen(64496, 65536, "2026-02-01 09:59:59"),
            &["approved/64496/65536/-/c-susp"],
        ),
        (
            "the moment of suspension",
            seen(64496, 65536, "2026-02-01 10:00:00"),
            &["seen_while_suspended/64496/65536/-/c-susp"],
        ),
        (
            "the last second suspended",
            seen(64496, 65536, "2026-02-28 23:59:59"),
            &["seen_while_suspended/64496/65536/-/c-susp"],
        ),
        (
            "the moment of reinstatement",
            seen(64496, 65536, "2026-03-01 00:00:00"),
            &["approved/64496/65536/-/c-susp"],
        ),
        (
            "before revocation",
            seen(64496, 65537, "2026-03-31 23:59:59"),
            &["approved/64496/65537/-/c-rev"],
        ),
        (
            "revoked, within the deadline",
            seen(64496, 65537, "2026-04-15 00:00:00"),
            &["approved/64496/65537/-/c-rev"],
        ),
        (
            "revoked, at the deadline",
            seen(64496, 65537, "2026-05-01 00:00:00"),
            &["approved/64496/65537/-/c-rev"],
        ),
        (
            "revoked, past the deadline",
            seen(64496, 65537, "2026-05-01 00:00:01"),
            &["seen_after_disconnection/64496/65537/-/c-rev"],
        ),
        (
            "revoked without a deadline, before",
            seen(64496, 65538, "2026-03-31 23:59:59"),
            &["approved/64496/65538/-/c-rev-now"],
        ),
        (
            "revoked without a deadline",
            seen(64496, 65538, "2026-04-01 00:00:00"),
            &["seen_after_disconnection/64496/65538/-/c-rev-now"],
        ),
        (
            "expired by status within its dates",
            seen(64496, 65539, "2026-06-02 00:00:00"),
            &["seen_after_expiry/64496/65539/-/c-expired"],
        ),
        (
            "active but before valid_from",
            seen(64496, 65540, "2026-05-25 00:00:00"),
            &["unapproved/64496/65540/-/-"],
        ),
        (
            "valid but before the first status",
            seen(64496, 65541, "2026-01-15 00:00:00"),
            &["unapproved/64496/65541/-/-"],
        ),
        (
            "suspended within validity",
            seen(64496, 65542, "2026-03-15 00:00:00"),
            &["seen_while_suspended/64496/65542/-/c-susp-past"],
        ),
        (
            "suspended past validity",
            seen(64496, 65542, "2026-04-10 00:00:00"),
            &["seen_after_expiry/64496/65542/-/c-susp-past"],
        ),
        (
            "revoked within the deadline but past validity",
            seen(64496, 65543, "2026-04-10 00:00:00"),
            &["seen_after_expiry/64496/65543/-/c-rev-past"],
        ),
        // Several connections to one counterparty.
        (
            "a renewal covers what the old one no longer does",
            seen(64496, 65544, "2026-02-01 00:00:00"),
            &["approved/64496/65544/-/c-new"],
        ),
        (
            "the latest connection in force names the finding",
            seen(64496, 65545, "2026-02-01 00:00:00"),
            &["seen_after_disconnection/64496/65545/-/c-b-revoked"],
        ),
        (
            "an active connection beats one in its disconnection period",
            seen(64496, 65546, "2026-03-01 00:00:00"),
            &["approved/64496/65546/-/c-h-active"],
        ),
        // Nothing matches.
        (
            "a row without an ASN and another organisation's approval match nothing",
            seen(64496, 64502, "2026-02-01 00:00:00"),
            &["unapproved/64496/64502/-/-"],
        ),
        (
            "the other organisation's approval is its own",
            seen(64498, 64502, "2026-02-01 00:00:00"),
            &["approved/64498/64502/-/c-other-org"],
        ),
        (
            "the provider's own group abroad",
            seen(64496, 64503, "2026-02-01 00:00:00"),
            &["sibling/64496/64503/-/-"],
        ),
        (
            "the group of another ASN of the organisation",
            seen(64497, 64503, "2026-02-01 00:00:00"),
            &["sibling/64497/64503/-/-"],
        ),
        (
            "another organisation's group is not its own",
            seen(64498, 64503, "2026-02-01 00:00:00"),
            &["unapproved/64498/64503/-/-"],
        ),
        // Who is domestic.
        (
            "domestic by the RIR only",
            seen(64499, 64500, "2026-02-01 00:00:00"),
            &["unregistered_domestic_as/64499/-/-/-"],
        ),
        (
            "neither side domestic",
            seen(64510, 64500, "2026-02-01 00:00:00"),
            &[],
        ),
        (
            "both sides registered",
            seen(64496, 64498, "2026-02-01 00:00:00"),
            &[],
        ),
        (
            "the far side domestic by the RIR",
            seen(64496, 64499, "2026-02-01 00:00:00"),
            &[],
        ),
        // Country and relationship against an approval.
        (
            "transit bought, as approved",
            related(
                seen(64496, 64500, "2026-02-01 00:00:00"),
                DomesticIsCustomer,
            ),
            &["approved/64496/64500/-/c-active"],
        ),
        (
            "transit shown as peering",
            related(seen(64496, 64500, "2026-02-01 00:00:00"), Peers),
            &["approved/64496/64500/-/c-active"],
        ),
        (
            "transit sold instead of bought",
            related(
                seen(64496, 64500, "2026-02-01 00:00:00"),
                DomesticIsProvider,
            ),
            &[
                "approved/64496/64500/-/c-active",
                "country_mismatch/64496/64500/-/c-active",
            ],
        ),
        (
            "peering as approved, country in lower case",
            related(seen(64496, 65547, "2026-02-01 00:00:00"), Peers),
            &["approved/64496/65547/-/c-peering"],
        ),
        (
            "transit over a peering approval",
            related(
                seen(64496, 65547, "2026-02-01 00:00:00"),
                DomesticIsCustomer,
            ),
            &[
                "approved/64496/65547/-/c-peering",
                "country_mismatch/64496/65547/-/c-peering",
            ],
        ),
        (
            "a fibre approval allows any relationship",
            related(
                seen(64496, 65548, "2026-02-01 00:00:00"),
                DomesticIsProvider,
            ),
            &["approved/64496/65548/-/c-fibre"],
        ),
        (
            "the reference country in lower case",
            seen(64496, 65537, "2026-02-01 00:00:00"),
            &["approved/64496/65537/-/c-rev"],
        ),
        (
            "an unknown country is no mismatch",
            seen(64496, 65538, "2026-02-01 00:00:00"),
            &["approved/64496/65538/-/c-rev-now"],
        ),
        (
            "no mismatch beside a suspension",
            related(
                seen(64496, 65536, "2026-02-15 00:00:00"),
                DomesticIsProvider,
            ),
            &["seen_while_suspended/64496/65536/-/c-susp"],
        ),
    ];
    for (name, sighting, expected) in cases {
        assert_eq!(keys(&[sighting], &Rules::default()), expected, "{name}");
    }
}

#[test]
fn a_pair_counts_only_when_at_least_k_peers_saw_it() {
    let mut once = seen(64496, 64502, "2026-02-01 00:00:00");
    once.peers = 1;
    assert!(keys(&[once.clone()], &Rules::default()).is_empty());
    once.peers = 2;
    assert_eq!(
        keys(&[once.clone()], &Rules::default()),
        ["unapproved/64496/64502/-/-"]
    );
    let strict = Rules {
        min_peers: 3,
        ..Rules::default()
    };
    assert!(keys(&[once.clone()], &strict).is_empty());
    once.peers = 3;
    assert_eq!(keys(&[once], &strict), ["unapproved/64496/64502/-/-"]);
}

#[test]
fn an_unregistered_domestic_as_is_one_finding_listing_every_foreign_neighbour() {
    let mut strong = seen(64499, 64502, "2026-03-01 00:00:00");
    strong.peers = 7;
    strong.address_share_permille = 400;
    let mut long = seen(64499, 64500, "2026-02-01 00:00:00");
    long.days_seen = 9;
    let mut weak = seen(64499, 64504, "2026-04-01 00:00:00");
    weak.peers = 1;
    let raised = findings(
        &[strong, long, weak],
        &table_registry(),
        &table_reference(),
        &Rules::default(),
        at("2026-12-31 00:00:00"),
    );
    assert_eq!(raised.len(), 1);
    let finding = &raised[0];
    assert_eq!(
        finding.key.to_string(),
        "unregistered_domestic_as/64499/-/-/-"
    );
    assert_eq!(finding.organisation_id, None);
    assert_eq!(finding.seen_at, Some(at("2026-03-01 00:00:00")));
    assert_eq!(finding.detail, Detail::SeenWith(vec![64500, 64502]));
    assert_eq!(
        finding.rank.confidence,
        Confidence::Routing {
            peers: 28,
            persistence: 36,
            collectors: 5
        }
    );
    assert_eq!(finding.rank.impact, 46);
}

#[test]
fn a_finding_names_the_organisation_and_the_status_at_the_time_it_was_seen() {
    let raised = findings(
        &[seen(64496, 65537, "2026-04-15 00:00:00")],
        &table_registry(),
        &table_reference(),
        &Rules::default(),
        at("2026-12-31 00:00:00"),
    );
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].organisation_id.as_deref(), Some("o1"));
    assert_eq!(raised[0].connection_status, Some(S::Revoked));
    assert_eq!(raised[0].seen_at, Some(at("2026-04-15 00:00:00")));
    let unapproved = findings(
        &[seen(64498, 64500, "2026-04-15 00:00:00")],
        &table_registry(),
        &table_reference(),
        &Rules::default(),
        at("2026-12-31 00:00:00"),
    );
    assert_eq!(unapproved[0].organisation_id.as_deref(), Some("o2"));
    assert_eq!(unapproved[0].connection_status, None);
}

#[test]
fn a_country_mismatch_says_what_disagrees() {
    let sighting = related(
        seen(64496, 64501, "2026-02-01 00:00:00"),
        ObservedRelationship::DomesticIsProvider,
    );
    let raised = findings(
        &[sighting],
        &table_registry(),
        &table_reference(),
        &Rules::default(),
        at("2026-12-31 00:00:00"),
    );
    let mismatch = raised
        .iter()
        .find(|f| f.key.kind == FindingKind::CountryMismatch)
        .unwrap();
    assert_eq!(
        mismatch.detail,
        Detail::Mismatch {
            foreign_country: Some("SG".to_string()),
            approved_country: "TH".to_string(),
            relationship: Some(ObservedRelationship::DomesticIsProvider),
            connection_type: IP_TRANSIT.to_string(),
            country_differs: true,
            relationship_contradicts: true,
        }
    );
}

#[test]
fn relationships_contradict_exactly_the_documented_connection_types() {
    use ObservedRelationship::*;
    let table = [
        (IP_TRANSIT, DomesticIsCustomer, false),
        (IP_TRANSIT, Peers, false),
        (IP_TRANSIT, DomesticIsProvider, true),
        (FOREIGN_IXP_PEERING, DomesticIsCustomer, true),
        (FOREIGN_IXP_PEERING, Peers, false),
        (FOREIGN_IXP_PEERING, DomesticIsProvider, true),
        (CDN_CLOUD_ONRAMP, DomesticIsCustomer, true),
        (CDN_CLOUD_ONRAMP, Peers, false),
        (CDN_CLOUD_ONRAMP, DomesticIsProvider, true),
        ("submarine_capacity", DomesticIsCustomer, false),
        ("submarine_capacity", Peers, false),
        ("submarine_capacity", DomesticIsProvider, false),
    ];
    for (kind, relationship, contradicts) in table {
        assert_eq!(
            relationship_contradicts(kind, relationship),
            contradicts,
            "{kind} {relationship:?}"
        );
    }
}

#[test]
fn sightings_of_one_pair_are_merged_before_they_are_judged() {
    let mut first = seen(64496, 64502, "2026-02-01 00:00:00");
    first.peers = 1;
    first.relationship = Some(ObservedRelationship::Peers);
    let mut second = seen(64496, 64502, "2026-01-01 00:00:00");
    second.peers = 2;
    second.days_seen = 5;
    second.relationship = Some(ObservedRelationship::DomesticIsCustomer);
    let merged = merge(&[first, second]);
    assert_eq!(merged.len(), 1);
    let pair = &merged[&(64496, 64502)];
    assert_eq!(pair.peers, 2);
    assert_eq!(pair.days_seen, 5);
    assert_eq!(pair.first_seen, at("2026-01-01 00:00:00"));
    assert_eq!(pair.last_seen, at("2026-02-01 00:00:00"));
    assert_eq!(pair.relationship, Some(ObservedRelationship::Peers));
    assert_eq!(
        keys(&[pair.clone(), pair.clone()], &Rules::default()),
        ["unapproved/64496/64502/-/-"]
    );
}

#[test]
fn the_status_at_a_moment_is_the_latest_change_whatever_the_order_of_the_history() {
    let c = simple(
        "c",
        64500,
        "2026-01-01",
        "2026-12-31",
        &[
            ("2026-03-01 00:00:00", S::Active),
            ("2026-02-01 00:00:00", S::Suspended),
            ("2026-01-01 00:00:00", S::Active),
            ("2026-03-01 00:00:00", S::Revoked),
        ],
    );
    assert_eq!(c.status_at(at("2025-12-31 23:59:59")), None);
    assert_eq!(c.status_at(at("2026-01-01 00:00:00")), Some(S::Active));
    assert_eq!(c.status_at(at("2026-02-15 00:00:00")), Some(S::Suspended));
    assert_eq!(c.status_at(at("2026-03-01 00:00:00")), Some(S::Revoked));
}

// approved_not_observed: now is 2026-03-15 12:00 UTC, so a 14-day window starts at
// 2026-03-01 12:00 UTC, which is 2026-03-01 in Vientiane.

const NOW: &str = "2026-03-15 12:00:00";

fn watched(
    spec: Spec<'_>,
    seen_domestic: &[u32],
    sightings: &[Sighting],
    rules: &Rules,
) -> Vec<String> {
    let registry = Registry {
        organisations: organisations(),
        connections: vec![connection(spec)],
    };
    let reference = Reference {
        seen_domestic: seen_domestic.iter().copied().collect(),
        ..table_reference()
    };
    findings(sightings, &registry, &reference, rules, at(NOW))
        .iter()
        .filter(|f| f.key.kind == FindingKind::ApprovedNotObserved)
        .map(|f| f.key.to_string())
        .collect()
}

fn transit() -> Spec<'static> {
    Spec {
        id: "n1",
        org: "o1",
        asn: Some(64500),
        country: "TH",
        kind: IP_TRANSIT,
        from: "2026-01-01",
        until: "2026-12-31",
        history: ACTIVE,
        deadline: None,
    }
}

#[test]
fn an_active_approval_nobody_saw_while_the_provider_was_seen_is_not_observed() {
    let rules = Rules::default();
    let expected = ["approved_not_observed/64496/64500/-/n1"];
    assert_eq!(watched(transit(), &[64496], &[], &rules), expected);
    assert_eq!(watched(transit(), &[64497], &[], &rules), expected);
    assert!(watched(transit(), &[], &[], &rules).is_empty());
    assert!(watched(transit(), &[64498], &[], &rules).is_empty());
}

#[test]
fn a_sighting_in_the_window_of_the_pair_or_a_sibling_shows_the_approval() {
    let rules = Rules::default();
    let on_the_edge = seen(64497, 64501, "2026-03-01 12:00:00");
    assert!(watched(transit(), &[64496], &[on_the_edge], &rules).is_empty());
    let just_before = seen(64497, 64501, "2026-03-01 11:59:59");
    assert_eq!(
        watched(
            transit(),
            &[64496],
            std::slice::from_ref(&just_before),
            &rules
        ),
        ["approved_not_observed/64496/64500/-/n1"]
    );
    let longer = Rules {
        not_observed_days: 30,
        ..Rules::default()
    };
    assert!(watched(transit(), &[64496], &[just_before], &longer).is_empty());
    let mut one_peer = seen(64496, 64500, "2026-03-10 00:00:00");
    one_peer.peers = 1;
    assert_eq!(
        watched(transit(), &[64496], &[one_peer], &rules),
        ["approved_not_observed/64496/64500/-/n1"]
    );
    let other_counterparty = seen(64496, 64502, "2026-03-10 00:00:00");
    assert_eq!(
        watched(transit(), &[64496], &[other_counterparty], &rules),
        ["approved_not_observed/64496/64500/-/n1"]
    );
}

#[test]
fn only_active_routing_visible_approvals_in_force_for_the_whole_window_can_go_unobserved() {
    let rules = Rules::default();
    let check = |spec: Spec<'_>| watched(spec, &[64496], &[], &rules);
    let raised = |spec: Spec<'_>| check(spec).len();
    assert_eq!(raised(transit()), 1);
    assert_eq!(
        raised(Spec {
            kind: CDN_CLOUD_ONRAMP,
            ..transit()
        }),
        1
    );
    assert_eq!(
        raised(Spec {
            kind: FOREIGN_IXP_PEERING,
            ..transit()
        }),
        1
    );
    assert_eq!(
        raised(Spec {
            kind: "satellite_gateway",
            ..transit()
        }),
        0
    );
    assert_eq!(
        raised(Spec {
            asn: None,
            ..transit()
        }),
        0
    );
    assert_eq!(
        raised(Spec {
            from: "2026-03-01",
            ..transit()
        }),
        1
    );
    assert_eq!(
        raised(Spec {
            from: "2026-03-02",
            ..transit()
        }),
        0
    );
    assert_eq!(
        raised(Spec {
            until: "2026-03-15",
            ..transit()
        }),
        1
    );
    assert_eq!(
        raised(Spec {
            until: "2026-03-14",
            ..transit()
        }),
        0
    );
    assert_eq!(
        raised(Spec {
            org: "o-unknown",
            ..transit()
        }),
        0
    );
    let suspended = [
        ("2025-12-01 00:00:00", S::Active),
        ("2026-03-15 12:00:00", S::Suspended),
    ];
    assert_eq!(
        raised(Spec {
            history: &suspended,
            ..transit()
        }),
        0
    );
    let revoked = [
        ("2025-12-01 00:00:00", S::Active),
        ("2026-03-10 00:00:00", S::Revoked),
    ];
    assert_eq!(
        raised(Spec {
            history: &revoked,
            deadline: Some("2026-04-01 00:00:00"),
            ..transit()
        }),
        0
    );
}

// foreign_ixp_presence

fn presence(asn: u32, exchange_id: u32, country: &str) -> Presence {
    Presence {
        asn,
        exchange_id,
        exchange_name: format!("Exchange {exchange_id}"),
        exchange_country: country.to_string(),
    }
}

fn at_exchanges(connections: Vec<Connection>, presences: Vec<Presence>) -> Vec<Finding> {
    let registry = Registry {
        organisations: organisations(),
        connections,
    };
    let reference = Reference {
        presences,
        ..table_reference()
    };
    findings(&[], &registry, &reference, &Rules::default(), at(NOW))
}

fn peering_in(country: &str, history: &'static [(&'static str, S)]) -> Connection {
    connection(Spec {
        id: "p1",
        org: "o1",
        asn: None,
        country,
        kind: FOREIGN_IXP_PEERING,
        from: "2026-01-01",
        until: "2026-12-31",
        history,
        deadline: None,
    })
}

#[test]
fn a_presence_at_an_exchange_abroad_needs_a_peering_approval_in_that_country() {
    let bangkok = || vec![presence(64496, 7, "TH")];
    let raised = at_exchanges(Vec::new(), bangkok());
    assert_eq!(raised.len(), 1);
    assert_eq!(
        raised[0].key.to_string(),
        "foreign_ixp_presence/64496/-/7/-"
    );
    assert_eq!(raised[0].organisation_id.as_deref(), Some("o1"));
    assert_eq!(
        raised[0].detail,
        Detail::Exchange {
            name: "Exchange 7".to_string(),
            country: "TH".to_string()
        }
    );
    assert!(at_exchanges(vec![peering_in("th", ACTIVE)], bangkok()).is_empty());
    assert_eq!(
        at_exchanges(vec![peering_in("SG", ACTIVE)], bangkok()).len(),
        1
    );
    let suspended: &'static [(&'static str, S)] = &[
        ("2025-12-01 00:00:00", S::Active),
        ("2026-02-01 00:00:00", S::Suspended),
    ];
    assert_eq!(
        at_exchanges(vec![peering_in("TH", suspended)], bangkok()).len(),
        1
    );
    let transit = simple("t1", 64500, "2026-01-01", "2026-12-31", ACTIVE);
    assert_eq!(at_exchanges(vec![transit], bangkok()).len(), 1);
    let mut other_org = peering_in("TH", ACTIVE);
    other_org.organisation_id = "o2".to_string();
    assert_eq!(at_exchanges(vec![other_org], bangkok()).len(), 1);
}

#[test]
fn only_domestic_networks_at_exchanges_abroad_are_listed_once_each() {
    let raised = at_exchanges(
        Vec::new(),
        vec![
            presence(64496, 1, "LA"),
            presence(64496, 2, "la "),
            presence(64496, 3, ""),
            presence(64510, 4, "TH"),
            presence(64499, 5, "TH"),
            presence(64497, 6, "VN"),
            presence(64497, 6, "VN"),
            presence(64497, 8, "VN"),
        ],
    );
    let keys: Vec<String> = raised.iter().map(|f| f.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "foreign_ixp_presence/64497/-/6/-",
            "foreign_ixp_presence/64497/-/8/-",
            "foreign_ixp_presence/64499/-/5/-"
        ]
    );
    assert_eq!(raised[2].organisation_id, None);
}

// Keys

#[test]
fn every_key_reads_back_from_its_text() {
    for kind in FindingKind::ALL {
        assert_eq!(FindingKind::parse(kind.as_str()), Some(kind));
        let keys = [
            FindingKey {
                kind,
                domestic_asn: 64496,
                foreign_asn: None,
                connection_id: None,
                exchange_id: None,
            },
            FindingKey {
                kind,
                domestic_asn: 4_200_000_000,
                foreign_asn: Some(65551),
                connection_id: Some("a/b-c".to_string()),
                exchange_id: Some(12),
            },
        ];
        for key in keys {
            assert_eq!(FindingKey::parse(&key.to_string()), Ok(key));
        }
    }
}

#[test]
fn a_key_text_has_a_fixed_shape() {
    let key = FindingKey {
        kind: FindingKind::CountryMismatch,
        domestic_asn: 64496,
        foreign_asn: Some(64500),
        connection_id: Some("c-1".to_string()),
        exchange_id: None,
    };
    assert_eq!(key.to_string(), "country_mismatch/64496/64500/-/c-1");
}

#[test]
fn malformed_key_texts_are_refused() {
    for text in [
        "",
        "approved",
        "approved/64496/64500/-",
        "approval/64496/-/-/-",
        "approved/AS64496/-/-/-",
        "approved/64496/x/-/-",
        "approved/64496/-/-1/-",
        "approved/99999999999/-/-/-",
    ] {
        assert!(FindingKey::parse(text).is_err(), "{text}");
    }
}

// Rank

#[test]
fn confidence_parts_saturate_at_their_documented_caps() {
    assert_eq!(
        Confidence::from_routing(0, 0, 0),
        Confidence::Routing {
            peers: 0,
            persistence: 0,
            collectors: 0
        }
    );
    assert_eq!(
        Confidence::from_routing(3, 2, 1),
        Confidence::Routing {
            peers: 12,
            persistence: 8,
            collectors: 5
        }
    );
    let full = Confidence::from_routing(10, 10, 4);
    assert_eq!(full.points(), MAX_CONFIDENCE);
    assert_eq!(Confidence::from_routing(u32::MAX, u32::MAX, u32::MAX), full);
    assert_eq!(Confidence::SelfDeclared.points(), 60);
    assert_eq!(Confidence::Absence.points(), 30);
}

#[test]
fn impact_runs_from_ten_to_a_hundred_with_the_share() {
    assert_eq!(impact(None), 10);
    assert_eq!(impact(Some(0)), 10);
    assert_eq!(impact(Some(500)), 55);
    assert_eq!(impact(Some(1000)), 100);
    assert_eq!(impact(Some(u32::MAX)), 100);
}

#[test]
fn severities_follow_the_documented_order() {
    let order = [
        FindingKind::SeenAfterDisconnection,
        FindingKind::Unapproved,
        FindingKind::SeenWhileSuspended,
        FindingKind::SeenAfterExpiry,
        FindingKind::UnregisteredDomesticAs,
        FindingKind::Sibling,
        FindingKind::ForeignIxpPresence,
        FindingKind::CountryMismatch,
        FindingKind::ApprovedNotObserved,
        FindingKind::Approved,
    ];
    let severities: Vec<u32> = order.iter().map(|kind| kind.severity()).collect();
    assert_eq!(severities, [100, 90, 80, 70, 60, 50, 40, 30, 10, 0]);
}

#[test]
fn a_rank_carries_its_parts_and_their_product() {
    let mut sighting = seen(64496, 64502, "2026-02-01 00:00:00");
    sighting.peers = 3;
    sighting.days_seen = 2;
    sighting.collectors = 1;
    sighting.address_share_permille = 500;
    let raised = findings(
        &[sighting],
        &table_registry(),
        &table_reference(),
        &Rules::default(),
        at("2026-12-31 00:00:00"),
    );
    assert_eq!(
        raised[0].rank,
        Rank {
            severity: 90,
            confidence: Confidence::Routing {
                peers: 12,
                persistence: 8,
                collectors: 5
            },
            impact: 55,
            score: 90 * 25 * 55,
        }
    );
}

#[test]
fn findings_are_ordered_by_score_then_by_key() {
    let mut strong = seen(64497, 64504, "2026-02-01 00:00:00");
    strong.peers = 9;
    let sightings = [
        seen(64496, 64504, "2026-02-01 00:00:00"),
        strong,
        seen(64496, 64502, "2026-02-01 00:00:00"),
        seen(64496, 64500, "2026-02-01 00:00:00"),
        seen(64496, 65536, "2026-02-15 00:00:00"),
    ];
    let raised = findings(
        &sightings,
        &table_registry(),
        &table_reference(),
        &Rules::default(),
        at("2026-12-31 00:00:00"),
    );
    let order: Vec<String> = raised.iter().map(|f| f.key.to_string()).collect();
    assert_eq!(
        order,
        [
            "unapproved/64497/64504/-/-",
            "unapproved/64496/64502/-/-",
            "unapproved/64496/64504/-/-",
            "seen_while_suspended/64496/65536/-/c-susp",
            "approved/64496/64500/-/c-active",
        ]
    );
}

#[test]
fn equal_scores_are_ordered_by_key_whatever_order_the_pairs_came_in() {
    let mut unapproved = seen(64496, 64502, "2026-02-15 00:00:00");
    unapproved.days_seen = 8;
    unapproved.collectors = 0;
    let mut suspended = seen(64496, 65536, "2026-02-15 00:00:00");
    suspended.days_seen = 8;
    let raised = findings(
        &[unapproved, suspended],
        &table_registry(),
        &table_reference(),
        &Rules::default(),
        at("2026-12-31 00:00:00"),
    );
    let order: Vec<(String, u32)> = raised
        .iter()
        .map(|f| (f.key.to_string(), f.rank.score))
        .collect();
    assert_eq!(
        order,
        [
            (
                "seen_while_suspended/64496/65536/-/c-susp".to_string(),
                36_000
            ),
            ("unapproved/64496/64502/-/-".to_string(), 36_000),
        ]
    );
}

#[test]
fn of_connections_equally_recent_the_smallest_id_names_the_finding() {
    let history = &[
        ("2025-12-01 00:00:00", S::Active),
        ("2026-01-15 00:00:00", S::Suspended),
    ];
    let registry = Registry {
        organisations: organisations(),
        connections: vec![
            simple("c-2", 64500, "2026-01-01", "2026-12-31", history),
            simple("c-1", 64500, "2026-01-01", "2026-12-31", history),
            simple("c-3", 64500, "2026-01-01", "2026-12-31", history),
        ],
    };
    let raised = findings(
        &[seen(64496, 64500, "2026-02-01 00:00:00")],
        &registry,
        &table_reference(),
        &Rules::default(),
        at("2026-12-31 00:00:00"),
    );
    assert_eq!(
        raised[0].key.to_string(),
        "seen_while_suspended/64496/64500/-/c-1"
    );
}

#[test]
fn an_asn_on_two_organisations_matches_either_and_names_the_smaller_id() {
    let shared = |id: &str| Organisation {
        id: id.to_string(),
        slug: id.to_string(),
        asns: vec![64505],
    };
    let mut approval = simple("c-9", 64500, "2026-01-01", "2026-12-31", ACTIVE);
    approval.organisation_id = "o9".to_string();
    let registry = Registry {
        organisations: vec![shared("o9"), shared("o3")],
        connections: vec![approval],
    };
    let judge = |foreign: u32| {
        findings(
            &[seen(64505, foreign, "2026-02-01 00:00:00")],
            &registry,
            &table_reference(),
            &Rules::default(),
            at("2026-12-31 00:00:00"),
        )
    };
    let approved = judge(64500);
    assert_eq!(approved[0].key.to_string(), "approved/64505/64500/-/c-9");
    assert_eq!(approved[0].organisation_id.as_deref(), Some("o9"));
    let unapproved = judge(64502);
    assert_eq!(unapproved[0].key.to_string(), "unapproved/64505/64502/-/-");
    assert_eq!(unapproved[0].organisation_id.as_deref(), Some("o3"));
}

#[test]
fn fifty_thousand_connections_and_thousands_of_sightings_are_judged_in_one_pass() {
    let organisations: Vec<Organisation> = (0..1000u32)
        .map(|n| Organisation {
            id: format!("o{n}"),
            slug: format!("org-{n}"),
            asns: vec![100_000 + n],
        })
        .collect();
    let connections: Vec<Connection> = (0..50_000u32)
        .map(|n| {
            let mut c = simple(
                &format!("c{n}"),
                200_000 + n,
                "2026-01-01",
                "2026-12-31",
                ACTIVE,
            );
            c.organisation_id = format!("o{}", n % 1000);
            c
        })
        .collect();
    let sightings: Vec<Sighting> = (0..3000u32)
        .map(|n| seen(100_000 + n % 1000, 200_000 + n, "2026-02-01 00:00:00"))
        .collect();
    let registry = Registry {
        organisations,
        connections,
    };
    let raised = findings(
        &sightings,
        &registry,
        &Reference::default(),
        &Rules::default(),
        at("2026-03-01 00:00:00"),
    );
    assert_eq!(raised.len(), 3000);
    assert!(raised.iter().all(|f| f.key.kind == FindingKind::Approved));
}
