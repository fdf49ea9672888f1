//! Demo data for a first look: two provider organisations, a full committee, an
//! application waiting for the secretariat (with a draft beside it), and connections in
//! every status with their histories. Only the
//! `demo` and `seed-demo` commands call this; `serve` never does.

use crate::db::DbConn;
use crate::db::models::user as user_db;
use crate::domain::account::{OrganisationInput, UserInput};
use crate::domain::application_form::{ApplicationContent, REQUIRED_ATTACHMENTS};
use crate::domain::audit::DEMO_SEED;
use chrono::TimeDelta;

use crate::domain::clock::{Clock, ManualClock, SystemClock};
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::{Actor, WorkflowError, accounts, applications, committee, connections};

/// The password of every demo account (printed by the `demo` command).
pub const DEMO_PASSWORD: &str = "mekong-lantern-harvest";

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
pub fn seed_if_empty(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
) -> Result<bool, WorkflowError> {
    if user_db::count(conn)? > 0 {
        return Ok(false);
    }
    let actor = Actor::system(DEMO_SEED);
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
    seed_connections(conn, authority)?;
    Ok(true)
}

/// A tiny valid PDF, standing in for the demo's network diagram and contract.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// A demo user acting as themselves.
fn actor_for(conn: &mut DbConn, email: &str) -> Result<Actor, WorkflowError> {
    let user = user_db::find_by_email(conn, email)?.ok_or(WorkflowError::NotFound)?;
    Ok(Actor {
        id: Some(user.id.clone()),
        label: format!("{} (demo seed)", user.email),
        ip: String::new(),
        role: Some(user.role),
        organisation_id: user.organisation_id.clone(),
    })
}

/// The demo's complete application, with the start date and counterparty given.
fn demo_fields(start: &str, counterparty: (&str, &str, &str, &str)) -> ApplicationContent {
    let (connection_type, name, country, asn) = counterparty;
    let mut fields: Vec<(&str, &str)> = vec![
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
        ("requested_start_date", start),
        ("term_months", "60"),
        ("declared_by_name", "Anousone Luangrath"),
    ];
    for (field, value) in [
        ("connection_type", connection_type),
        ("counterparty_name", name),
        ("counterparty_country", country),
        ("counterparty_asn", asn),
    ] {
        if let Some(slot) = fields.iter_mut().find(|(k, _)| *k == field) {
            slot.1 = value;
        }
    }
    ApplicationContent::from_pairs(fields.iter().copied(), true)
}

const DEMO_RULES: crate::domain::rules::WorkflowRules = crate::domain::rules::WorkflowRules {
    decision_days: 30,
    rfi_days: 15,
    attachment_max_bytes: 1024,
    quorum_percent: 50,
    secretariat_email: None,
    secretariat_language: crate::domain::language::Lang::Lo,
};

/// One application waiting for the secretariat and one draft, from Lao Skynet.
fn seed_applications(conn: &mut DbConn) -> Result<(), WorkflowError> {
    let clock = SystemClock;
    let actor = actor_for(conn, "admin@lao-skynet.demo.la")?;
    let start = (clock.today_in_vientiane() + chrono::TimeDelta::days(45)).to_string();
    let content = demo_fields(
        &start,
        (
            "terrestrial_fibre",
            "Siam Backbone Co., Ltd.",
            "TH",
            "AS38040",
        ),
    );
    let submitted = applications::create_draft(
        conn,
        &actor,
        "new",
        "Anousone Luangrath",
        "admin@lao-skynet.demo.la",
        clock.now(),
    )?;
    applications::save(conn, &actor, &submitted.id, &content, clock.now())?;
    for kind in REQUIRED_ATTACHMENTS {
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
    applications::submit(conn, &actor, &submitted.id, &clock, &DEMO_RULES)?;

    let draft = applications::create_draft(
        conn,
        &actor,
        "declaration",
        "Anousone Luangrath",
        "admin@lao-skynet.demo.la",
        clock.now(),
    )?;
    let partial = ApplicationContent::from_pairs(
        content
            .values
            .iter()
            .take(8)
            .map(|(k, v)| (k.as_str(), v.as_str())),
        false,
    );
    applications::save(conn, &actor, &draft.id, &partial, clock.now())?;
    Ok(())
}

/// Connections in every status with their histories: approved over the past year through
/// the real workflow (on a clock that starts 400 days ago), then suspended, reinstated,
/// revoked after show-cause proceedings, or left to expire.
fn seed_connections(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
) -> Result<(), WorkflowError> {
    let clock = ManualClock::starting_at(SystemClock.now() - TimeDelta::days(400));
    let secretariat = actor_for(conn, "secretariat@registry.demo.la")?;
    let chair = actor_for(conn, "chair@registry.demo.la")?;
    let reviewer = actor_for(conn, "reviewer.technical@registry.demo.la")?;
    let voters = [
        chair.clone(),
        reviewer.clone(),
        actor_for(conn, "reviewer.security@registry.demo.la")?,
        actor_for(conn, "reviewer.legal@registry.demo.la")?,
    ];
    let links = [
        (
            "admin@lao-skynet.demo.la",
            ("ip_transit", "Thai Transit Co., Ltd.", "TH", "AS38040"),
            60,
        ),
        (
            "admin@mekong-fibre.demo.la",
            ("terrestrial_fibre", "Viettel Global", "VN", "AS7552"),
            60,
        ),
        (
            "admin@lao-skynet.demo.la",
            (
                "satellite_gateway",
                "Asia Satellite Telecommunications",
                "HK",
                "",
            ),
            36,
        ),
        (
            "admin@lao-skynet.demo.la",
            (
                "voice_interconnect",
                "Bangkok Voice Exchange",
                "TH",
                "AS4651",
            ),
            24,
        ),
        (
            "admin@lao-skynet.demo.la",
            (
                "foreign_ixp_peering",
                "Singapore Internet Exchange",
                "SG",
                "AS55518",
            ),
            24,
        ),
        (
            "admin@mekong-fibre.demo.la",
            ("leased_circuit", "China Unicom Global", "CN", ""),
            3,
        ),
        (
            "admin@lao-skynet.demo.la",
            ("cdn_cloud_onramp", "Cloud Edge Pte. Ltd.", "SG", "AS13335"),
            12,
        ),
    ];
    let mut ids = Vec::new();
    for (provider_email, counterparty, months) in links {
        clock.advance(TimeDelta::days(40));
        let provider = actor_for(conn, provider_email)?;
        let start = (clock.today_in_vientiane() + TimeDelta::days(1)).to_string();
        let mut content = demo_fields(&start, counterparty);
        if counterparty.0 == "voice_interconnect" {
            content.values.insert(
                "caller_id_integrity".into(),
                "STIR/SHAKEN-style attestation on every call".into(),
            );
            content.values.insert(
                "simbox_detection".into(),
                "Test-call generation and CDR analysis daily".into(),
            );
        }
        let app = applications::create_draft(
            conn,
            &provider,
            "new",
            "Demo contact",
            provider_email,
            clock.now(),
        )?;
        applications::save(conn, &provider, &app.id, &content, clock.now())?;
        for kind in REQUIRED_ATTACHMENTS {
            applications::add_attachment(
                conn,
                &provider,
                &app.id,
                kind,
                "diagram.pdf",
                DEMO_PDF,
                clock.now(),
            )?;
        }
        applications::submit(conn, &provider, &app.id, &clock, &DEMO_RULES)?;
        clock.advance(TimeDelta::days(2));
        applications::start_screening(conn, &secretariat, &app.id, clock.now())?;
        applications::mark_complete(conn, &secretariat, &app.id, clock.now())?;
        let reviewer_id = reviewer.id.clone().unwrap_or_default();
        committee::assign_reviewer(
            conn,
            &secretariat,
            &app.id,
            &reviewer_id,
            "technical",
            clock.now(),
        )?;
        clock.advance(TimeDelta::days(5));
        let assignment = crate::db::models::committee::list_assignments(conn, &app.id)?
            .into_iter()
            .map(|(a, _)| a.id)
            .next()
            .unwrap_or_default();
        let review = committee::ReviewInput {
            assignment_id: assignment,
            recommendation: "approve".into(),
            comments: "Technically sound; routing and records as described.".into(),
            conditions: String::new(),
        };
        committee::record_review(conn, &reviewer, &app.id, &review, clock.now(), &DEMO_RULES)?;
        committee::open_vote(conn, &secretariat, &app.id, clock.now())?;
        for voter in &voters {
            committee::cast_vote(
                conn,
                voter,
                &app.id,
                "approve",
                "Meets Notice No. 258",
                clock.now(),
                &DEMO_RULES,
            )?;
        }
        clock.advance(TimeDelta::days(3));
        let decision = committee::DecisionInput {
            casting_vote: String::new(),
            conditions: "Keep lawful-interception capability and call records in Laos.".into(),
            validity_months: months.to_string(),
            legal_basis: "Notice No. 258 of the Ministry of Technology and Communications".into(),
            reasons: String::new(),
        };
        committee::decide(
            conn,
            &chair,
            &app.id,
            &decision,
            &clock,
            (&DEMO_RULES, authority),
        )?;
        let connection = crate::db::models::connection::list_by_organisation(
            conn,
            app.organisation_id.as_str(),
        )?
        .into_iter()
        .find(|c| c.application_id == app.id)
        .ok_or(WorkflowError::NotFound)?;
        ids.push((connection.id, provider));
    }
    let now = SystemClock.now();
    // Suspended in an emergency, and still suspended.
    connections::suspend(
        conn,
        &chair,
        &ids[1].0,
        "Traffic from a reported scam call centre",
        now - TimeDelta::days(20),
    )?;
    // Suspended, then reinstated.
    connections::suspend(
        conn,
        &chair,
        &ids[4].0,
        "Route leak affecting national traffic",
        now - TimeDelta::days(60),
    )?;
    connections::reinstate(
        conn,
        &chair,
        &ids[4].0,
        "Filters corrected and verified",
        now - TimeDelta::days(55),
    )?;
    // Revoked after show-cause proceedings, disconnection confirmed and verified.
    let (revoked, revoked_provider) = &ids[3];
    connections::open_show_cause(
        conn,
        &secretariat,
        revoked,
        "SIM-box traffic traced to this interconnect.",
        "30",
        now - TimeDelta::days(50),
    )?;
    connections::answer_show_cause(
        conn,
        revoked_provider,
        revoked,
        "The customer was disconnected; we dispute the volumes.",
        now - TimeDelta::days(40),
        &DEMO_RULES,
    )?;
    connections::decide_show_cause(
        conn,
        &chair,
        revoked,
        "revoke",
        "Repeated SIM-box fraud",
        "15",
        now - TimeDelta::days(30),
    )?;
    connections::confirm_disconnection(
        conn,
        revoked_provider,
        revoked,
        "Cross-connect removed at the border POP.",
        now - TimeDelta::days(20),
        &DEMO_RULES,
    )?;
    connections::verify_disconnection(conn, &secretariat, revoked, "", now - TimeDelta::days(18))?;
    // The three-month approval has run out: the scheduler expires it (and sends reminders).
    connections::run_scheduled(conn, now, SystemClock.today_in_vientiane())?;
    Ok(())
}
