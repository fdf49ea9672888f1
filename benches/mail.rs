//! Delivery rate of the outbox: queues messages as the workflows do (half in Lao, half in
//! English), then lets the delivery worker send them over a real SMTP conversation on
//! loopback to the in-process server the black-box tests use, and reports messages per
//! second. SQLite by default; PostgreSQL with `BENCH_DATABASE_URL=postgres://…/postgres`.
//!
//! Run with `cargo bench --bench mail` (`BENCH_MESSAGES=N` changes the count,
//! `MAIL_CONNECTIONS=N` the connections used at once).

mod common;
// Shared with the black-box tests, which use all of it; the benchmark needs only part.
#[allow(dead_code)]
#[path = "../tests/api/smtp_sink.rs"]
mod smtp_sink;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::BenchDatabase;
use interconnect_registry::config::Settings;
use interconnect_registry::db::connect_and_migrate;
use interconnect_registry::domain::clock::{Clock, SystemClock};
use interconnect_registry::domain::language::Lang;
use interconnect_registry::domain::notification::{MessageKind, Params};
use interconnect_registry::mail::worker::{self, Mailer};
use interconnect_registry::workflows::notify::{Recipient, enqueue};
use smtp_sink::SmtpSink;

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let database = BenchDatabase::new();
    let sink = SmtpSink::start().await;
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database.url.clone()),
        ("SMTP_URL", sink.url()),
        (
            "SECRET_KEY",
            "bench-secret-key-bench-secret-key-0123".into(),
        ),
        ("BASE_URL", "https://registry.example.la/".into()),
    ]);
    if let Ok(connections) = std::env::var("MAIL_CONNECTIONS") {
        env.insert("MAIL_CONNECTIONS", connections);
    }
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let pool = connect_and_migrate(&database.url, 8, &settings.secret_key).expect("database");
    let clock = SystemClock;
    let mut conn = pool.get().expect("connection");
    let recipients: Vec<Recipient> = (0..n)
        .map(|i| Recipient {
            email: format!("provider-{i}@example.la"),
            name: format!("Provider {i}"),
            user_id: None,
            lang: if i % 2 == 0 { Lang::Lo } else { Lang::En },
            digest: false,
        })
        .collect();
    let params = Params {
        path: "/connections/c1".into(),
        reference: "IC-2026-00042".into(),
        text: "Interference with a neighbouring link; traffic must stop at once.".into(),
        ..Params::default()
    };
    let started = Instant::now();
    for chunk in recipients.chunks(500) {
        enqueue(
            &mut conn,
            MessageKind::Suspension,
            chunk,
            &params,
            clock.now(),
        )
        .expect("queue");
    }
    let queue_time = started.elapsed();
    drop(conn);

    let mailer = Mailer::from_settings(&settings)
        .expect("mail settings")
        .expect("SMTP_URL");
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let report = worker::deliver_due(&pool, &mailer, &clock)
            .await
            .expect("delivery");
        if report.claimed == 0 {
            break;
        }
        sent += report.sent;
    }
    let elapsed = started.elapsed();
    let received = sink.wait_for(n, Duration::from_secs(10)).await.len();
    assert_eq!((sent, received), (n, n), "every message delivered once");
    println!(
        "\n{n} messages on {}: queued in {:.2} s; delivered in {:.2} s = {:.0} messages/s \
         (one worker, {} SMTP connections over loopback)\n",
        database.backend(),
        queue_time.as_secs_f64(),
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        settings.mail.connections
    );
    drop(pool);
}
