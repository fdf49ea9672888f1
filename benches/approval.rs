//! The chair's decision, the write behind the approval POST: on a database `seed-scale`
//! filled, every application waiting for its decision is decided in turn, one
//! transaction each, as the chair, and each decision is timed (the committee's missing
//! votes are cast first, untimed, so that every vote has its quorum). An approval creates the
//! connection, its event, its certificate and their audit events (and, since the
//! transparency log, the log's entries).
//!
//! It changes the database it is given, so give it a copy:
//! `BENCH_DATABASE_URL=sqlite:///tmp/copy.db cargo bench --bench approval` (or a
//! PostgreSQL URL, with `SECRET_KEY` as the server has it).

use std::time::Instant;

use diesel::prelude::*;
use interconnect_registry::config::Settings;
use interconnect_registry::db::connect_and_migrate;
use interconnect_registry::db::schema::{applications, users};
use interconnect_registry::domain::clock::SystemClock;
use interconnect_registry::domain::role::Role;
use interconnect_registry::workflows::Actor;
use interconnect_registry::workflows::certificates::CertificateAuthority;
use interconnect_registry::workflows::committee::{DecisionInput, cast_vote, decide};

fn main() {
    let url = std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL: a copy to change");
    let settings = Settings::from_lookup(|k| match k {
        "DATABASE_URL" => Some(url.clone()),
        _ => std::env::var(k).ok(),
    })
    .expect("settings");
    let pool = connect_and_migrate(&url, 2, &settings.secret_key).expect("database");
    let mut conn = pool.get().expect("connection");
    let chair: String = users::table
        .filter(users::role.eq("chair"))
        .select(users::id)
        .first(&mut conn)
        .expect("a chair");
    let waiting: Vec<String> = applications::table
        .filter(applications::status.eq("voting"))
        .order(applications::id.asc())
        .select(applications::id)
        .load(&mut conn)
        .expect("applications in the vote");
    let actor = Actor {
        id: Some(chair),
        label: "bench".into(),
        ip: "127.0.0.1".into(),
        role: Some(Role::Chair),
        organisation_id: None,
    };
    let input = DecisionInput {
        casting_vote: "approve".into(),
        conditions: "Annual traffic report.".into(),
        validity_months: "24".into(),
        legal_basis: "Telecommunications Law, Article 42".into(),
        reasons: "The committee's vote.".into(),
    };
    let authority = CertificateAuthority::from_settings(&settings);
    // Untimed: every committee member votes to approve where they have not voted yet, so
    // that each vote has its quorum.
    let members: Vec<(String, String)> = users::table
        .filter(users::committee_member.eq(true))
        .select((users::id, users::role))
        .load(&mut conn)
        .expect("committee members");
    for id in &waiting {
        for (member, role) in &members {
            let voter = Actor {
                id: Some(member.clone()),
                role: Role::parse(role),
                ..actor.clone()
            };
            let now = chrono::Utc::now().naive_utc();
            let _ = cast_vote(
                &mut conn,
                &voter,
                id,
                "approve",
                "Bench",
                now,
                &settings.rules,
            );
        }
    }
    let mut times = (Vec::new(), Vec::new());
    let mut refused = std::collections::BTreeMap::<String, usize>::new();
    for id in &waiting {
        let started = Instant::now();
        let decided = decide(
            &mut conn,
            &actor,
            id,
            &input,
            &SystemClock,
            (&settings.rules, &authority),
        );
        let micros = started.elapsed().as_micros() as f64;
        match decided.map(|app| app.status.as_str() == "approved") {
            Ok(true) => times.0.push(micros),
            Ok(false) => times.1.push(micros),
            Err(e) => *refused.entry(e.to_string()).or_default() += 1,
        }
    }
    for (why, count) in &refused {
        println!("refused: {count} ({why})");
    }
    for (what, mut list) in [("approved", times.0), ("rejected", times.1)] {
        list.sort_by(f64::total_cmp);
        if list.is_empty() {
            continue;
        }
        let mean = list.iter().sum::<f64>() / list.len() as f64;
        println!(
            "{what}: {} decisions, mean {mean:.0} µs, median {:.0} µs, slowest {:.0} µs",
            list.len(),
            list[list.len() / 2],
            list[list.len() - 1],
        );
    }
}
