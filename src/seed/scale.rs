//! Fills an empty database with years of generated, realistic data, for benchmarks and
//! for trying the application at national scale: providers and the committee,
//! applications in every state with their reviews, votes and information requests,
//! connections in every status and country with their histories, outbox messages, and
//! a valid audit hash chain. Rows are written with multi-row INSERTs of generated
//! literals (no user input reaches this SQL), a table at a time in one transaction each.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use diesel::QueryResult;
use diesel::connection::SimpleConnection;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::db::{DbConn, write_tx};
use crate::domain::application::Status;
use crate::domain::application_form::{CONNECTION_TYPES, Kind};
use crate::domain::audit::{AuditAction, AuditContent};
use crate::domain::committee::{Choice, Recommendation};
use crate::domain::connection::ConnectionStatus;
use crate::domain::notification::MessageKind;

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub organisations: usize,
    pub applications: usize,
    /// Approved applications, each with its connection (at most `applications`).
    pub connections: usize,
    pub audit_events: usize,
    pub outbox_messages: usize,
    /// Findings of the routing monitoring, in every kind and state.
    pub findings: usize,
}

impl Default for Scale {
    fn default() -> Self {
        Self {
            organisations: 200,
            applications: 100_000,
            connections: 50_000,
            audit_events: 1_000_000,
            outbox_messages: 100_000,
            findings: 100_000,
        }
    }
}

/// Rows written per table, and how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub rows: BTreeMap<&'static str, u64>,
    pub seconds: f64,
}

/// Why the database cannot be filled.
#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    #[error("the database already holds applications; seed-scale fills an empty database")]
    NotEmpty,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// Rows at a time in one INSERT.
const BATCH: usize = 500;
const COUNTRIES: [&str; 16] = [
    "TH", "VN", "CN", "KH", "MM", "SG", "MY", "HK", "JP", "KR", "US", "FR", "DE", "IN", "AU", "TW",
];
const PROVINCES: [&str; 6] = ["VT", "LP", "CH", "SV", "XI", "BK"];
const CARRIERS: [&str; 12] = [
    "Transit", "Telecom", "Networks", "Cable", "Fibre", "Gateway", "Carrier", "Connect",
    "Backbone", "Exchange", "Link", "Data",
];
const DOMAINS: [&str; 3] = ["technical", "security", "legal"];
/// Applications that did not end in approval, by state, in tenths of a percent.
const OTHER_STATES: [(Status, u32); 4] = [
    (Status::Draft, 150),
    (Status::Rejected, 250),
    (Status::Withdrawn, 350),
    (Status::Dismissed, 250),
];
/// States open for the committee: only recent applications are left in them.
const RECENT_STATES: [Status; 5] = [
    Status::Submitted,
    Status::Screening,
    Status::InfoRequested,
    Status::InReview,
    Status::Voting,
];

/// The country and connection type of an application, from its connection's number if
/// it has one (so that the connections go through every country and every type).
fn country_and_type(app: &App, i: usize) -> (&'static str, &'static str) {
    let n = app.connection.unwrap_or(i);
    (
        COUNTRIES[n % COUNTRIES.len()],
        CONNECTION_TYPES[n % CONNECTION_TYPES.len()],
    )
}

/// An SQL string literal.
fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn ts(at: NaiveDateTime) -> String {
    format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f"))
}

fn opt_ts(at: Option<NaiveDateTime>) -> String {
    at.map(ts).unwrap_or_else(|| "NULL".to_string())
}

fn date(day: NaiveDate) -> String {
    format!("'{day}'")
}

/// Collects rows for one table and writes them `BATCH` at a time.
struct Bulk<'a> {
    conn: &'a mut DbConn,
    head: String,
    rows: Vec<String>,
    written: u64,
    progress: &'a ProgressBar,
}

impl<'a> Bulk<'a> {
    fn new(conn: &'a mut DbConn, progress: &'a ProgressBar, table: &str, columns: &str) -> Self {
        Self {
            conn,
            head: format!("INSERT INTO {table} ({columns}) VALUES "),
            rows: Vec::with_capacity(BATCH),
            written: 0,
            progress,
        }
    }

    fn row(&mut self, values: &[String]) -> QueryResult<()> {
        self.rows.push(format!("({})", values.join(",")));
        if self.rows.len() == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> QueryResult<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sql = format!("{}{}", self.head, self.rows.join(","));
        self.conn.batch_execute(&sql)?;
        self.written += self.rows.len() as u64;
        self.progress.inc(self.rows.len() as u64);
        self.rows.clear();
        Ok(())
    }

    fn finish(mut self) -> QueryResult<u64> {
        self.flush()?;
        Ok(self.written)
    }
}

/// One generated application and what became of it.
struct App {
    id: String,
    org: usize,
    status: Status,
    created_at: NaiveDateTime,
    submitted_at: Option<NaiveDateTime>,
    decided_at: Option<NaiveDateTime>,
    connection: Option<usize>,
}

/// The people: per organisation an admin and an applicant; the committee.
struct People {
    org_ids: Vec<String>,
    /// (org admin, applicant) of each organisation.
    providers: Vec<(String, String)>,
    secretariat: Vec<String>,
    /// Two reviewers per area, in the order of `DOMAINS`.
    reviewers: Vec<String>,
    chair: String,
}

/// Fills the database. `now` is the end of the generated history, which spans ten years.
pub fn fill(
    conn: &mut DbConn,
    scale: Scale,
    now: NaiveDateTime,
    password_hash: &str,
    progress: &ProgressBar,
) -> Result<Summary, ScaleError> {
    let started = Instant::now();
    let existing: i64 = {
        use crate::db::schema::applications;
        use diesel::prelude::*;
        applications::table.count().get_result(conn)?
    };
    if existing > 0 {
        return Err(ScaleError::NotEmpty);
    }
    let scale = Scale {
        connections: scale.connections.min(scale.applications),
        organisations: scale.organisations.max(1),
        ..scale
    };
    let people = 2 * scale.organisations + 11;
    progress.set_length(
        (scale.organisations
            + people
            + scale.applications * 5
            + scale.connections * 2
            + scale.audit_events
            + scale.outbox_messages
            + scale.findings) as u64,
    );
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg:<24} [{bar:40}] {pos}/{len} rows ({eta})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let mut rng = StdRng::seed_from_u64(2026);
    let mut rows = BTreeMap::new();
    let start = now - TimeDelta::days(3650);

    progress.set_message("people");
    let people = write_tx(conn, |conn| {
        insert_people(conn, progress, scale, start, password_hash, &mut rows)
    })?;

    let apps = plan_applications(&mut rng, scale, start, now);
    progress.set_message("applications");
    let counters = write_tx(conn, |conn| {
        insert_applications(conn, progress, &people, &apps, &mut rng, now, &mut rows)
    })?;
    progress.set_message("reviews and votes");
    write_tx(conn, |conn| {
        insert_reviews(conn, progress, &people, &apps, &mut rows)
    })?;
    progress.set_message("connections");
    let numbers = write_tx(conn, |conn| {
        insert_connections(conn, progress, &people, &apps, &mut rng, now, &mut rows)
    })?;
    progress.set_message("outbox");
    write_tx(conn, |conn| {
        insert_outbox(conn, progress, scale, &people, start, now, &mut rows)
    })?;
    progress.set_message("findings");
    write_tx(conn, |conn| {
        insert_findings(conn, progress, scale, &people, now, &mut rows)
    })?;
    progress.set_message("audit chain");
    write_tx(conn, |conn| {
        insert_audit(conn, progress, scale, &people, &apps, start, now, &mut rows)
    })?;
    write_tx(conn, |conn| {
        for (name, by_year) in [("APP", &counters), ("IC", &numbers)] {
            for (year, last) in by_year {
                conn.batch_execute(&format!(
                    "INSERT INTO sequence_counters (name, year, last_number) VALUES ('{name}', {year}, {last}) \
                     ON CONFLICT (name, year) DO UPDATE SET last_number = excluded.last_number"
                ))?;
            }
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    progress.set_message("planner statistics");
    // On PostgreSQL a vacuum too, as a database in service has had: otherwise autovacuum
    // starts on the freshly loaded tables in the first minutes and is measured with them.
    conn.batch_execute(match conn {
        DbConn::Sqlite(_) => "ANALYZE",
        DbConn::Pg(_) => "VACUUM (ANALYZE)",
    })?;
    progress.finish_with_message("done");
    Ok(Summary {
        rows,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn insert_people(
    conn: &mut DbConn,
    progress: &ProgressBar,
    scale: Scale,
    at: NaiveDateTime,
    password_hash: &str,
    rows: &mut BTreeMap<&'static str, u64>,
) -> QueryResult<People> {
    let mut orgs = Bulk::new(
        conn,
        progress,
        "organisations",
        "id, slug, name_en, name_lo, registration_number, licence_number, address, asns, created_at, updated_at",
    );
    let mut org_ids = Vec::new();
    for i in 0..scale.organisations {
        let id = format!("scale-org-{i:05}");
        orgs.row(&[
            text(&id),
            text(&format!("scale-{i:05}")),
            text(&format!("{} {} Co., Ltd.", CARRIERS[i % 12], i)),
            text(&format!("ບໍລິສັດ {} {i}", CARRIERS[i % 12])),
            text(&format!("01-{i:07}")),
            text(&format!("ISP-{i:05}")),
            text("Vientiane"),
            text(&format!("AS{}", 150_000 + i)),
            ts(at),
            ts(at),
        ])?;
        org_ids.push(id);
    }
    rows.insert("organisations", orgs.finish()?);

    let mut users = Bulk::new(
        conn,
        progress,
        "users",
        "id, email, name, role, organisation_id, password_hash, language, active, committee_member, review_domains, created_at, updated_at, committee_digest",
    );
    let mut person = |id: &str, role: &str, org: Option<&str>, domains: &str| {
        users.row(&[
            text(id),
            text(&format!("{id}@scale.example.la")),
            text(&format!("Scale {role} {id}")),
            text(role),
            org.map(text).unwrap_or_else(|| "NULL".into()),
            text(password_hash),
            text(if id.len().is_multiple_of(2) {
                "lo"
            } else {
                "en"
            }),
            "TRUE".into(),
            if matches!(role, "reviewer" | "chair") {
                "TRUE"
            } else {
                "FALSE"
            }
            .into(),
            text(domains),
            ts(at),
            ts(at),
            "FALSE".into(),
        ])
    };
    let mut providers = Vec::new();
    for (i, org) in org_ids.iter().enumerate() {
        let (admin, applicant) = (
            format!("scale-admin-{i:05}"),
            format!("scale-applicant-{i:05}"),
        );
        person(&admin, "org_admin", Some(org), "")?;
        person(&applicant, "applicant", Some(org), "")?;
        providers.push((admin, applicant));
    }
    let secretariat: Vec<String> = (0..2).map(|i| format!("scale-secretariat-{i}")).collect();
    for id in &secretariat {
        person(id, "secretariat", None, "")?;
    }
    let mut reviewers = Vec::new();
    for domain in DOMAINS {
        for i in 0..2 {
            let id = format!("scale-reviewer-{domain}-{i}");
            person(&id, "reviewer", None, domain)?;
            reviewers.push(id);
        }
    }
    let chair = "scale-chair".to_string();
    person(&chair, "chair", None, "legal")?;
    person("scale-auditor", "auditor", None, "")?;
    person("scale-administrator", "admin", None, "")?;
    rows.insert("users", users.finish()?);
    Ok(People {
        org_ids,
        providers,
        secretariat,
        reviewers,
        chair,
    })
}

/// Decides each application's fate: approvals spread evenly over the ten years, open
/// states only in the last two months, the rest closed or left as drafts.
fn plan_applications(
    rng: &mut StdRng,
    scale: Scale,
    start: NaiveDateTime,
    now: NaiveDateTime,
) -> Vec<App> {
    let span = (now - start).num_seconds() - 86_400 * 30;
    let recent = now - TimeDelta::days(60);
    let mut approved = 0;
    (0..scale.applications)
        .map(|i| {
            let created_at =
                start + TimeDelta::seconds(span * i as i64 / scale.applications as i64);
            let approve = (i + 1) * scale.connections / scale.applications > approved;
            let status = if approve {
                Status::Approved
            } else if created_at > recent {
                RECENT_STATES[rng.random_range(0..RECENT_STATES.len())]
            } else {
                let mut pick = rng.random_range(0..1000);
                OTHER_STATES
                    .iter()
                    .find(|(_, share)| {
                        let found = pick < *share;
                        pick = pick.saturating_sub(*share);
                        found
                    })
                    .map_or(Status::Withdrawn, |(s, _)| *s)
            };
            let connection = approve.then(|| {
                approved += 1;
                approved - 1
            });
            let submitted_at = (status != Status::Draft).then(|| created_at + TimeDelta::days(2));
            let decided_at = matches!(status, Status::Approved | Status::Rejected)
                .then(|| created_at + TimeDelta::days(25));
            App {
                id: format!("scale-app-{i:07}"),
                org: rng.random_range(0..scale.organisations),
                status,
                created_at,
                submitted_at,
                decided_at,
                connection,
            }
        })
        .collect()
}

/// The content of an application, as a provider would have typed it.
fn content(rng: &mut StdRng, app: &App, i: usize) -> String {
    let (country, kind) = country_and_type(app, i);
    let values = serde_json::json!({
        "values": {
            "contact_name": format!("Contact {i}"),
            "contact_email": format!("contact{i}@provider.example.la"),
            "connection_type": kind,
            "counterparty_name": format!("{} {} {}", country, CARRIERS[i % 12], i % 997),
            "counterparty_country": country,
            "counterparty_asn": format!("AS{}", 10_000 + i % 50_000),
            "endpoint_facility": format!("Data centre {}", i % 40),
            "endpoint_province": PROVINCES[i % PROVINCES.len()],
            "capacity_mbps": (100 * (1 + rng.random_range(0..400))).to_string(),
            "services_carried": "Internet transit",
            "security_measures": "RPKI origin validation, abuse desk",
            "term_months": "60",
        },
        "declaration_accepted": true,
    });
    values.to_string()
}

fn insert_applications(
    conn: &mut DbConn,
    progress: &ProgressBar,
    people: &People,
    apps: &[App],
    rng: &mut StdRng,
    now: NaiveDateTime,
    rows: &mut BTreeMap<&'static str, u64>,
) -> QueryResult<BTreeMap<i32, u64>> {
    let mut counters: BTreeMap<i32, u64> = BTreeMap::new();
    let mut bulk = Bulk::new(
        conn,
        progress,
        "applications",
        "id, reference, organisation_id, created_by, kind, status, content, revision, submitted_at, \
         clock_paused_seconds, decision_due_at, completed_at, vote_opened_at, decided_at, decided_by, \
         decision_conditions, decision_validity_months, decision_legal_basis, decision_reasons, closed_at, \
         created_at, updated_at",
    );
    let mut requests = Vec::new();
    for (i, app) in apps.iter().enumerate() {
        let reference = app.submitted_at.map(|at| {
            let number = counters.entry(at.year()).or_default();
            *number += 1;
            format!("APP-{}-{:05}", at.year(), number)
        });
        let closed = matches!(
            app.status,
            Status::Approved | Status::Rejected | Status::Withdrawn | Status::Dismissed
        );
        let closed_at = closed.then(|| {
            app.decided_at
                .unwrap_or(app.created_at + TimeDelta::days(20))
        });
        let past_screening = matches!(
            app.status,
            Status::InReview | Status::Voting | Status::Approved | Status::Rejected
        );
        if app.status == Status::InfoRequested || (past_screening && i.is_multiple_of(10)) {
            requests.push(i);
        }
        let kind = if i.is_multiple_of(9) {
            Kind::Renewal
        } else {
            Kind::New
        };
        bulk.row(&[
            text(&app.id),
            reference
                .as_deref()
                .map(text)
                .unwrap_or_else(|| "NULL".into()),
            text(&people.org_ids[app.org]),
            text(&people.providers[app.org].1),
            text(kind.as_str()),
            text(app.status.as_str()),
            text(&content(rng, app, i)),
            if app.submitted_at.is_some() { "1" } else { "0" }.into(),
            opt_ts(app.submitted_at),
            "0".into(),
            opt_ts(app.submitted_at.map(|at| at + TimeDelta::days(30))),
            opt_ts(past_screening.then(|| app.created_at + TimeDelta::days(6))),
            opt_ts(
                matches!(
                    app.status,
                    Status::Voting | Status::Approved | Status::Rejected
                )
                .then(|| app.created_at + TimeDelta::days(15)),
            ),
            opt_ts(app.decided_at),
            app.decided_at
                .map(|_| text(&people.chair))
                .unwrap_or_else(|| "NULL".into()),
            text(if app.status == Status::Approved {
                "Keep records of lawful interception requests"
            } else {
                ""
            }),
            if app.status == Status::Approved {
                "36".into()
            } else {
                "NULL".into()
            },
            text(if app.decided_at.is_some() {
                "Notice No. 258/MTC"
            } else {
                ""
            }),
            text(if app.status == Status::Rejected {
                "The counterparty is not licensed in its country"
            } else {
                ""
            }),
            opt_ts(closed_at),
            ts(app.created_at),
            ts(closed_at
                .or(app.submitted_at)
                .unwrap_or(app.created_at)
                .min(now)),
        ])?;
    }
    rows.insert("applications", bulk.finish()?);

    let mut bulk = Bulk::new(
        conn,
        progress,
        "information_requests",
        "id, application_id, questions, deadline_at, requested_by, requested_at, answer, answered_by, answered_at, lapsed_at",
    );
    for i in requests {
        let app = &apps[i];
        let asked = app.created_at + TimeDelta::days(4);
        let open = app.status == Status::InfoRequested;
        let asked = if open {
            now - TimeDelta::days(3)
        } else {
            asked
        };
        bulk.row(&[
            text(&format!("scale-rfi-{i:07}")),
            text(&app.id),
            text("Which landing station does the link use, and who operates it?"),
            ts(asked + TimeDelta::days(15)),
            text(&people.secretariat[i % 2]),
            ts(asked),
            if open {
                "NULL".into()
            } else {
                text("Nong Khai, operated by the counterparty")
            },
            if open {
                "NULL".into()
            } else {
                text(&people.providers[app.org].1)
            },
            opt_ts((!open).then(|| asked + TimeDelta::days(3))),
            "NULL".into(),
        ])?;
    }
    rows.insert("information_requests", bulk.finish()?);
    Ok(counters)
}

fn insert_reviews(
    conn: &mut DbConn,
    progress: &ProgressBar,
    people: &People,
    apps: &[App],
    rows: &mut BTreeMap<&'static str, u64>,
) -> QueryResult<()> {
    let mut bulk = Bulk::new(
        conn,
        progress,
        "review_assignments",
        "id, application_id, reviewer_id, domain, assigned_by, assigned_at, recommendation, comments, conditions, completed_at",
    );
    for (i, app) in apps.iter().enumerate() {
        if !matches!(
            app.status,
            Status::InReview | Status::Voting | Status::Approved | Status::Rejected
        ) {
            continue;
        }
        let done = app.status != Status::InReview;
        for (d, domain) in DOMAINS.iter().enumerate() {
            let assigned = app.created_at + TimeDelta::days(7);
            bulk.row(&[
                text(&format!("scale-review-{i:07}-{d}")),
                text(&app.id),
                text(&people.reviewers[d * 2 + i % 2]),
                text(domain),
                text(&people.secretariat[i % 2]),
                ts(assigned),
                if done {
                    text(
                        if app.status == Status::Rejected {
                            Recommendation::Reject
                        } else {
                            Recommendation::Approve
                        }
                        .as_str(),
                    )
                } else {
                    "NULL".into()
                },
                text(if done {
                    "Checked against the licence and the contract"
                } else {
                    ""
                }),
                text(""),
                opt_ts(done.then(|| assigned + TimeDelta::days(5))),
            ])?;
        }
    }
    rows.insert("review_assignments", bulk.finish()?);

    let mut bulk = Bulk::new(
        conn,
        progress,
        "votes",
        "application_id, voter_id, choice, reason, cast_at",
    );
    for (i, app) in apps.iter().enumerate() {
        let voters = match app.status {
            Status::Voting => 2,
            Status::Approved | Status::Rejected => 4,
            _ => continue,
        };
        let choice = if app.status == Status::Rejected {
            Choice::Reject
        } else {
            Choice::Approve
        };
        let mut cast = |voter: &str, n: i64| {
            bulk.row(&[
                text(&app.id),
                text(voter),
                text(choice.as_str()),
                text("As the reviews recommend"),
                ts(app.created_at + TimeDelta::days(16) + TimeDelta::hours(n)),
            ])
        };
        for d in 0..voters.min(3) {
            cast(&people.reviewers[d * 2 + i % 2], d as i64)?;
        }
        if voters == 4 {
            cast(&people.chair, 4)?;
        }
    }
    rows.insert("votes", bulk.finish()?);
    Ok(())
}

fn insert_connections(
    conn: &mut DbConn,
    progress: &ProgressBar,
    people: &People,
    apps: &[App],
    rng: &mut StdRng,
    now: NaiveDateTime,
    rows: &mut BTreeMap<&'static str, u64>,
) -> QueryResult<BTreeMap<i32, u64>> {
    let mut numbers: BTreeMap<i32, u64> = BTreeMap::new();
    let mut events = Vec::new();
    let mut bulk = Bulk::new(
        conn,
        progress,
        "connections",
        "id, approval_number, application_id, organisation_id, status, connection_type, counterparty_name, \
         counterparty_country, capacity_mbps, endpoint_province, terms, conditions, valid_from, valid_until, \
         approved_at, status_changed_at, revoked_at, disconnection_deadline, disconnection_confirmed_at, \
         disconnection_evidence, disconnection_verified_at, search_text, created_at, updated_at",
    );
    let today = now.date();
    for (i, app) in apps.iter().enumerate() {
        let (Some(c), Some(approved_at)) = (app.connection, app.decided_at) else {
            continue;
        };
        let year = approved_at.year();
        let number = numbers.entry(year).or_default();
        *number += 1;
        let approval_number = format!("IC-{year}-{number:05}");
        let valid_from = approved_at.date();
        let valid_until = valid_from + TimeDelta::days(365 * (1 + (c % 5) as i64));
        let status = if valid_until < today {
            ConnectionStatus::Expired
        } else {
            match rng.random_range(0..100) {
                0..5 => ConnectionStatus::Suspended,
                5..15 => ConnectionStatus::Revoked,
                _ => ConnectionStatus::Active,
            }
        };
        let changed = match status {
            ConnectionStatus::Active => approved_at,
            ConnectionStatus::Expired => valid_until.and_hms_opt(0, 0, 0).expect("midnight"),
            _ => (approved_at + TimeDelta::days(200)).min(now - TimeDelta::days(1)),
        };
        let revoked = status == ConnectionStatus::Revoked;
        let (country, kind) = country_and_type(app, i);
        let counterparty = format!("{} {} {}", country, CARRIERS[i % 12], i % 997);
        let id = format!("scale-conn-{c:07}");
        bulk.row(&[
            text(&id),
            text(&approval_number),
            text(&app.id),
            text(&people.org_ids[app.org]),
            text(status.as_str()),
            text(kind),
            text(&counterparty),
            text(country),
            (100 * (1 + (i % 400))).to_string(),
            text(PROVINCES[i % PROVINCES.len()]),
            text("{}"),
            text("Keep records of lawful interception requests"),
            date(valid_from),
            date(valid_until),
            ts(approved_at),
            ts(changed),
            opt_ts(revoked.then_some(changed)),
            opt_ts(revoked.then(|| changed + TimeDelta::days(30))),
            opt_ts(revoked.then(|| changed + TimeDelta::days(20))),
            text(if revoked {
                "Cross-connect removed; photo of the empty port"
            } else {
                ""
            }),
            opt_ts(revoked.then(|| changed + TimeDelta::days(25))),
            text(
                &format!(
                    "{approval_number} {} {counterparty} {country}",
                    people.org_ids[app.org]
                )
                .to_lowercase(),
            ),
            ts(approved_at),
            ts(changed),
        ])?;
        events.push((id.clone(), "approved", approved_at));
        if status != ConnectionStatus::Active {
            events.push((id, status.as_str(), changed));
        }
    }
    rows.insert("connections", bulk.finish()?);

    let mut bulk = Bulk::new(
        conn,
        progress,
        "connection_events",
        "id, connection_id, kind, occurred_at, actor_id, reason, details",
    );
    for (n, (connection, kind, at)) in events.iter().enumerate() {
        bulk.row(&[
            text(&format!("scale-event-{n:08}")),
            text(connection),
            text(kind),
            ts(*at),
            if *kind == ConnectionStatus::Expired.as_str() {
                "NULL".into()
            } else {
                text(&people.chair)
            },
            text(if *kind == ConnectionStatus::Revoked.as_str() {
                "Conditions of the approval were breached"
            } else {
                ""
            }),
            text("{}"),
        ])?;
    }
    rows.insert("connection_events", bulk.finish()?);
    Ok(numbers)
}

fn insert_outbox(
    conn: &mut DbConn,
    progress: &ProgressBar,
    scale: Scale,
    people: &People,
    start: NaiveDateTime,
    now: NaiveDateTime,
    rows: &mut BTreeMap<&'static str, u64>,
) -> QueryResult<()> {
    const KINDS: [MessageKind; 6] = [
        MessageKind::SubmissionReceipt,
        MessageKind::NewApplication,
        MessageKind::ReviewAssigned,
        MessageKind::VoteOpened,
        MessageKind::DecisionApproved,
        MessageKind::ExpiryReminder,
    ];
    let span = (now - start).num_seconds();
    let mut bulk = Bulk::new(
        conn,
        progress,
        "outbox_messages",
        "id, message, recipient_email, recipient_name, recipient_user_id, language, params, status, attempts, \
         next_attempt_at, claimed_by, claimed_until, last_error, created_at, sent_at, digest_id",
    );
    for i in 0..scale.outbox_messages {
        let created =
            start + TimeDelta::seconds(span * i as i64 / scale.outbox_messages.max(1) as i64);
        let (status, attempts, error) = match i % 100 {
            0 => ("failed", 10, "550 5.1.1 mailbox unavailable"),
            1 | 2 if created > now - TimeDelta::days(1) => ("queued", 0, ""),
            _ => ("sent", 1, ""),
        };
        let user = &people.providers[i % people.providers.len()].1;
        bulk.row(&[
            text(&format!("scale-mail-{i:08}")),
            text(KINDS[i % KINDS.len()].as_str()),
            text(&format!("{user}@scale.example.la")),
            text(&format!("Scale applicant {user}")),
            text(user),
            text(if i.is_multiple_of(2) { "lo" } else { "en" }),
            text(&format!(
                r#"{{"reference":"APP-{}-{:05}"}}"#,
                created.year(),
                i % 99_999 + 1
            )),
            text(status),
            attempts.to_string(),
            ts(created),
            "NULL".into(),
            "NULL".into(),
            text(error),
            ts(created),
            opt_ts((status == "sent").then(|| created + TimeDelta::seconds(3))),
            "NULL".into(),
        ])?;
    }
    rows.insert("outbox_messages", bulk.finish()?);
    Ok(())
}

/// Findings as years of imports leave them: each organisation's networks (AS 151000 and
/// up, one per organisation) next to foreign ones, in every kind and state, most of them
/// resolved or explained, with scores spread over their range.
fn insert_findings(
    conn: &mut DbConn,
    progress: &ProgressBar,
    scale: Scale,
    people: &People,
    now: NaiveDateTime,
    rows: &mut BTreeMap<&'static str, u64>,
) -> QueryResult<()> {
    use crate::domain::routing::case::FindingState;
    use crate::domain::routing::findings::FindingKind;
    const STATES: [(FindingState, usize); 5] = [
        (FindingState::Resolved, 60),
        (FindingState::Explained, 20),
        (FindingState::Open, 10),
        (FindingState::ExplanationRequested, 7),
        (FindingState::Escalated, 3),
    ];
    let mut bulk = Bulk::new(
        conn,
        progress,
        "findings",
        "id, kind, state, domestic_asn, foreign_asn, organisation_id, connection_id, exchange_id, \
         connection_status, detail, peers, severity, confidence, impact, score, rank_parts, \
         first_seen, last_seen, still_seen, created_at, updated_at, foreign_country, foreign_name, \
         explanation_due, explanation_reason, explanation_expires, closed_at, \
         linked_connection_id, evidence",
    );
    for i in 0..scale.findings {
        let kind = FindingKind::ALL[i % FindingKind::ALL.len()];
        let org = (i / FindingKind::ALL.len()) % people.org_ids.len();
        let domestic = 151_000 + org as i64;
        let foreign = 1_000 + (i / (FindingKind::ALL.len() * people.org_ids.len())) as i64;
        let mut slot = i * 37 % 100;
        let state = STATES
            .iter()
            .find(|(_, share)| {
                let here = slot < *share;
                slot = slot.saturating_sub(*share);
                here
            })
            .map_or(FindingState::Open, |(state, _)| *state);
        let seen = now - TimeDelta::days((i % 700) as i64);
        let (severity, confidence, impact) = (1 + i % 5, 1 + i % 7, 1 + i % 4);
        bulk.row(&[
            text(&format!("{}/{domestic}/{foreign}/-/-", kind.as_str())),
            text(kind.as_str()),
            text(state.as_str()),
            domestic.to_string(),
            foreign.to_string(),
            text(&people.org_ids[org]),
            "NULL".into(),
            "NULL".into(),
            "NULL".into(),
            text("{}"),
            (2 + i % 20).to_string(),
            severity.to_string(),
            confidence.to_string(),
            impact.to_string(),
            (severity * confidence * impact).to_string(),
            text("{}"),
            ts(seen - TimeDelta::days(30)),
            ts(seen),
            (i % 3 != 0).to_string(),
            ts(seen - TimeDelta::days(30)),
            ts(seen),
            text(COUNTRIES[i % COUNTRIES.len()]),
            text(&format!(
                "{} {}",
                COUNTRIES[i % COUNTRIES.len()],
                CARRIERS[i % CARRIERS.len()]
            )),
            opt_ts(
                (state == FindingState::ExplanationRequested).then(|| now + TimeDelta::days(10)),
            ),
            if state == FindingState::Explained {
                text("backup_link")
            } else {
                "NULL".into()
            },
            "NULL".into(),
            opt_ts(
                matches!(state, FindingState::Explained | FindingState::Resolved).then_some(seen),
            ),
            "NULL".into(),
            "NULL".into(),
        ])?;
    }
    rows.insert("findings", bulk.finish()?);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_audit(
    conn: &mut DbConn,
    progress: &ProgressBar,
    scale: Scale,
    people: &People,
    apps: &[App],
    start: NaiveDateTime,
    now: NaiveDateTime,
    rows: &mut BTreeMap<&'static str, u64>,
) -> QueryResult<()> {
    const ACTIONS: [AuditAction; 8] = [
        AuditAction::ApplicationCreate,
        AuditAction::ApplicationSave,
        AuditAction::ApplicationAttach,
        AuditAction::ApplicationSubmit,
        AuditAction::ApplicationScreen,
        AuditAction::ReviewRecord,
        AuditAction::VoteCast,
        AuditAction::ApplicationDecide,
    ];
    let (mut seq, mut prev): (i64, String) = {
        use crate::db::schema::audit_head;
        use diesel::prelude::*;
        audit_head::table
            .find(1)
            .select((audit_head::last_seq, audit_head::last_hash))
            .first(conn)?
    };
    let keys = crate::db::audit::keys_for_next(conn)?;
    let span = (now - start).num_seconds();
    let mut bulk = Bulk::new(
        conn,
        progress,
        "audit_events",
        "seq, occurred_at, actor_id, actor_label, action, subject_type, subject_id, before_state, after_state, ip, prev_hash, hash",
    );
    for i in 0..scale.audit_events {
        seq += 1;
        // Whole microseconds, as both databases keep them: the hash covers the time.
        let occurred_at = start
            + TimeDelta::microseconds(
                span * 1_000_000 / scale.audit_events.max(1) as i64 * i as i64,
            );
        let app = &apps[i % apps.len().max(1)];
        let action = ACTIONS[i % ACTIONS.len()];
        let actor = match action {
            AuditAction::ReviewRecord | AuditAction::VoteCast => {
                &people.reviewers[i % people.reviewers.len()]
            }
            AuditAction::ApplicationScreen => &people.secretariat[i % 2],
            AuditAction::ApplicationDecide => &people.chair,
            _ => &people.providers[app.org].1,
        };
        let label = format!("{actor}@scale.example.la");
        let after = format!(r#"{{"step":{}}}"#, i % 7);
        let content = AuditContent {
            seq,
            occurred_at,
            actor_id: Some(actor),
            actor_label: &label,
            action: action.code(),
            subject_type: "application",
            subject_id: &app.id,
            before_state: None,
            after_state: Some(&after),
            ip: "10.0.0.1",
        };
        let hash = keys
            .hash(&content, &prev)
            .map_err(|b| diesel::result::Error::QueryBuilderError(Box::new(b)))?;
        bulk.row(&[
            seq.to_string(),
            ts(occurred_at),
            text(actor),
            text(&label),
            text(action.code()),
            text("application"),
            text(&app.id),
            "NULL".into(),
            text(&after),
            text("10.0.0.1"),
            text(&prev),
            text(&hash),
        ])?;
        prev = hash;
    }
    rows.insert("audit_events", bulk.finish()?);
    conn.batch_execute(&format!(
        "UPDATE audit_head SET last_seq = {seq}, last_hash = {} WHERE id = 1",
        text(&prev)
    ))?;
    Ok(())
}
