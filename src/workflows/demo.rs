//! Demo data for a first look: two provider organisations and a full committee. Only the
//! `demo` and `seed-demo` commands call this; `serve` never does.

use crate::db::DbConn;
use crate::db::models::user as user_db;
use crate::domain::account::{OrganisationInput, UserInput};
use crate::workflows::{Actor, WorkflowError, accounts};

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
    Ok(true)
}
