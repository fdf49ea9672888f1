//! Demo data for a first look: two provider organisations, a full committee, and an
//! application waiting for the secretariat (with a draft beside it). Only the
//! `demo` and `seed-demo` commands call this; `serve` never does.

use crate::db::DbConn;
use crate::db::models::user as user_db;
use crate::domain::account::{OrganisationInput, UserInput};
use crate::domain::application_form::ApplicationContent;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::role::Role;
use crate::workflows::{Actor, WorkflowError, accounts, applications};

/// The password of every demo account (printed by the `demo` command).
pub const DEMO_PASSWORD: &str = "interconnect-demo";

/// A demo account: e-mail and role.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoAccount {
    pub email: &'static str,
    pub role: &'static str,
}

pub struct DemoOrganisation {
    slug: &'static str,
    name_en: &'static str,
    name_lo: &'static str,
    registration_number: &'static str,
    licence_number: &'static str,
    address: &'static str,
    asns: &'static str,
}

const ORGANISATIONS: [DemoOrganisation; 2] = [
    DemoOrganisation {
        slug: "lao-skynet",
        name_en: "Lao Skynet Broadband Co., Ltd.",
        name_lo: "ບໍລິສັດ ລາວສະກາຍເນັດ ບຣອດແບນ ຈຳກັດ",
        registration_number: "01-0012345",
        licence_number: "ISP-2024-017",
        address: "Nongbone Road, Saysettha District, Vientiane Capital",
        asns: "AS151234",
    },
    DemoOrganisation {
        slug: "mekong-fibre",
        name_en: "Mekong Fibre Network Co., Ltd.",
        name_lo: "ບໍລິສັດ ແມ່ຂອງໄຟເບີ ເນັດເວີກ ຈຳກັດ",
        registration_number: "03-0045678",
        licence_number: "ISP-2023-004",
        address: "Road 13 South, Kaysone Phomvihane, Savannakhet",
        asns: "AS152345, AS152346",
    },
];

/// A demo user: e-mail, name, role, organisation slug, committee review domains.
type DemoUser = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

const USERS: [DemoUser; 10] = [
    (
        "admin@registry.demo.la",
        "Khamla Phommachanh",
        "admin",
        None,
        &[],
    ),
    (
        "secretariat@registry.demo.la",
        "Noy Sisavath",
        "secretariat",
        None,
        &[],
    ),
    (
        "chair@registry.demo.la",
        "Bounmy Vongsa",
        "chair",
        None,
        &["legal"],
    ),
    (
        "reviewer.technical@registry.demo.la",
        "Somchai Keomany",
        "reviewer",
        None,
        &["technical"],
    ),
    (
        "reviewer.security@registry.demo.la",
        "Vilayvanh Inthavong",
        "reviewer",
        None,
        &["security"],
    ),
    (
        "reviewer.legal@registry.demo.la",
        "Phonesavanh Chanthala",
        "reviewer",
        None,
        &["legal"],
    ),
    (
        "auditor@registry.demo.la",
        "Daovone Sengdara",
        "auditor",
        None,
        &[],
    ),
    (
        "admin@lao-skynet.demo.la",
        "Anousone Luangrath",
        "org_admin",
        Some("lao-skynet"),
        &[],
    ),
    (
        "staff@lao-skynet.demo.la",
        "Malaythong Xaysana",
        "applicant",
        Some("lao-skynet"),
        &[],
    ),
    (
        "admin@mekong-fibre.demo.la",
        "Sengphet Douangdy",
        "org_admin",
        Some("mekong-fibre"),
        &[],
    ),
];

/// The demo accounts, in the order they are created.
pub fn accounts() -> Vec<DemoAccount> {
    USERS
        .iter()
        .map(|(email, _, role, _, _)| DemoAccount { email, role })
        .collect()
}

/// Seeds the demo data if the database has no users yet. Returns whether it seeded.
pub fn seed_if_empty(conn: &mut DbConn) -> Result<bool, WorkflowError> {
    if user_db::count(conn)? > 0 {
        return Ok(false);
    }
    let actor = Actor::system("demo seed");
    let mut org_ids = Vec::new();
    for o in &ORGANISATIONS {
        let created = accounts::create_organisation(
            conn,
            &actor,
            &OrganisationInput {
                slug: o.slug.into(),
                name_en: o.name_en.into(),
                name_lo: o.name_lo.into(),
                registration_number: o.registration_number.into(),
                licence_number: o.licence_number.into(),
                address: o.address.into(),
                asns: o.asns.into(),
            },
        )?;
        org_ids.push((o.slug, created.id));
    }
    for (email, name, role, org, domains) in USERS {
        let organisation_id = org
            .and_then(|slug| org_ids.iter().find(|(s, _)| *s == slug))
            .map(|(_, id)| id.clone())
            .unwrap_or_default();
        accounts::create_user(
            conn,
            &actor,
            &UserInput {
                email: email.into(),
                name: name.into(),
                role: role.into(),
                organisation_id,
                language: String::new(),
                committee_member: !domains.is_empty(),
                review_domains: domains.iter().map(|d| d.to_string()).collect(),
            },
            DEMO_PASSWORD,
        )?;
    }
    seed_applications(conn)?;
    Ok(true)
}

/// A tiny valid PDF, standing in for the demo's network diagram and contract.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// One application waiting for the secretariat and one draft, from Lao Skynet.
fn seed_applications(conn: &mut DbConn) -> Result<(), WorkflowError> {
    let clock = SystemClock;
    let provider =
        user_db::find_by_email(conn, "admin@lao-skynet.demo.la")?.ok_or(WorkflowError::NotFound)?;
    let actor = Actor {
        id: Some(provider.id.clone()),
        label: "demo seed".to_string(),
        ip: String::new(),
        role: Role::parse(&provider.role),
        organisation_id: provider.organisation_id.clone(),
    };
    let start = (clock.today_in_vientiane() + chrono::TimeDelta::days(45)).to_string();
    let fields: Vec<(&str, &str)> = vec![
        ("contact_name", "Anousone Luangrath"),
        ("contact_email", "admin@lao-skynet.demo.la"),
        ("contact_phone", "+856 21 412 000"),
        ("local_contact_name", "Malaythong Xaysana"),
        ("local_contact_email", "lawful@lao-skynet.demo.la"),
        ("local_contact_phone", "+856 20 5555 0101"),
        ("connection_type", "terrestrial_fibre"),
        ("counterparty_name", "Siam Backbone Co., Ltd."),
        ("counterparty_country", "TH"),
        ("counterparty_asn", "AS38040"),
        (
            "counterparty_contact",
            "noc@siam-backbone.example.th, +66 2 000 0000",
        ),
        ("endpoint_facility", "Lao Skynet Thanaleng POP"),
        ("endpoint_province", "VT"),
        ("endpoint_coordinates", "17.8812, 102.7165"),
        (
            "border_crossing",
            "First Thai-Lao Friendship Bridge (Nong Khai)",
        ),
        ("capacity_mbps", "100000"),
        ("redundancy", "Second path over the Mekong at Paksan"),
        (
            "services_carried",
            "Internet transit, enterprise leased lines",
        ),
        ("customer_categories", "Residential, business, government"),
        ("equipment_vendors", "Nokia, Juniper"),
        ("records_location", "Vientiane data centre"),
        (
            "security_measures",
            "RPKI origin validation, 24/7 abuse desk, lawful-interception gateway in Vientiane",
        ),
        ("abuse_contact", "abuse@lao-skynet.demo.la"),
        ("foreign_holders", "Mekong Holdings Pte. Ltd.; SG; 25%"),
        ("requested_start_date", &start),
        ("term_months", "60"),
        ("declared_by_name", "Anousone Luangrath"),
    ];
    let content = ApplicationContent::from_pairs(fields.iter().copied(), true);
    let rules = crate::config::WorkflowRules {
        decision_days: 30,
        rfi_days: 15,
        attachment_max_bytes: DEMO_PDF.len(),
        quorum_percent: 50,
    };
    let submitted = applications::create_draft(
        conn,
        &actor,
        "new",
        &provider.name,
        &provider.email,
        clock.now(),
    )?;
    applications::save(conn, &actor, &submitted.id, &content, clock.now())?;
    for kind in applications::REQUIRED_ATTACHMENTS {
        applications::add_attachment(
            conn,
            &actor,
            &submitted.id,
            kind,
            "diagram.pdf",
            DEMO_PDF,
            clock.now(),
        )?;
    }
    applications::submit(conn, &actor, &submitted.id, &clock, &rules)?;

    let draft = applications::create_draft(
        conn,
        &actor,
        "declaration",
        &provider.name,
        &provider.email,
        clock.now(),
    )?;
    let partial = ApplicationContent::from_pairs(fields.iter().copied().take(8), false);
    applications::save(conn, &actor, &draft.id, &partial, clock.now())?;
    Ok(())
}
