//! The public registry at scale: fills a database with 100,000 connections (SQLite by
//! default; PostgreSQL with `BENCH_DATABASE_URL=postgres://…/postgres`), starts the real
//! server, and times requests over loopback for the first page, a filtered page, a page
//! deep in the cursor, a connection's record, and the CSV export of everything.
//!
//! Then, with wrk (Debian's `wrk`) over loopback at 32 connections, it measures requests
//! per second for `/livez` (the baseline), the API token exchange, and API lookups of
//! random approvals.
//!
//! Run with `cargo bench --bench registry` (`BENCH_CONNECTIONS=N` changes the size,
//! `BENCH_SECONDS=N` the length of each throughput run).

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::BenchDatabase;
use diesel::connection::SimpleConnection;
use interconnect_registry::config::Settings;
use interconnect_registry::db::{DbConn, connect_and_migrate};
use interconnect_registry::domain::account::{OrganisationInput, UserInput};
use interconnect_registry::startup::Application;
use interconnect_registry::web::state::Runtime;
use interconnect_registry::workflows::{Actor, accounts, api_clients, applications};

const COUNTRIES: [&str; 8] = ["TH", "VN", "CN", "SG", "HK", "MY", "JP", "US"];
const TYPES: [&str; 5] = [
    "ip_transit",
    "terrestrial_fibre",
    "microwave",
    "leased_circuit",
    "cdn_cloud_onramp",
];
const STATUSES: [&str; 4] = ["active", "active", "suspended", "revoked"];

/// Inserts `n` connections in batches of multi-row INSERTs (the values are generated here).
fn fill(conn: &mut DbConn, application: &str, organisation: &str, n: usize) {
    let base = chrono::Utc::now().naive_utc() - chrono::TimeDelta::days(3650);
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| {
                let at = base + chrono::TimeDelta::seconds(*i as i64 * 3000);
                let number = format!("IC-{}-{:05}", 2000 + i / 90_000, i % 90_000 + 1);
                let (country, kind, status) = (COUNTRIES[i % 8], TYPES[i % 5], STATUSES[i % 4]);
                format!(
                    "('c{i:07}', '{number}', '{application}', '{organisation}', '{status}', '{kind}', 'Carrier {i}', '{country}', 1000, 'VT', '{{}}', '', '{from}', '{until}', '{at}', '{at}', '', '{search}', '{at}', '{at}')",
                    from = at.date(),
                    until = at.date() + chrono::TimeDelta::days(1825),
                    at = at.format("%Y-%m-%d %H:%M:%S%.6f"),
                    search = format!("{number} carrier {i} {country}").to_lowercase(),
                )
            })
            .collect();
        conn.batch_execute(&format!(
            "INSERT INTO connections (id, approval_number, application_id, organisation_id, status, connection_type, \
             counterparty_name, counterparty_country, capacity_mbps, endpoint_province, terms, conditions, valid_from, \
             valid_until, approved_at, status_changed_at, disconnection_evidence, search_text, created_at, updated_at) VALUES {}",
            rows.join(",")
        ))
        .expect("insert connections");
    }
}

struct Timing {
    name: String,
    times: Vec<Duration>,
    bytes: usize,
}

impl Timing {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.times.clone();
        sorted.sort();
        sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
    }
}

async fn time(client: &reqwest::Client, name: &str, url: &str, runs: usize) -> Timing {
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let res = client.get(url).send().await.expect("request");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        bytes = res.bytes().await.expect("body").len();
        times.push(started.elapsed());
    }
    Timing {
        name: name.to_string(),
        times,
        bytes,
    }
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let database = BenchDatabase::new();
    let url = database.url.clone();
    let env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", url.clone()),
        ("BIND", "127.0.0.1:0".to_string()),
        (
            "SECRET_KEY",
            "bench-secret-key-bench-secret-key-0123".to_string(),
        ),
        // The throughput runs measure the server, not its rate limits.
        ("API_REQUESTS_PER_MINUTE", "1000000000".to_string()),
        ("API_TOKENS_PER_MINUTE", "1000000000".to_string()),
    ]);
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let pool = connect_and_migrate(&url, 8, &settings.secret_key).expect("database");
    let mut conn = pool.get().expect("connection");
    let org = accounts::create_organisation(
        &mut conn,
        &Actor::command_line(),
        &OrganisationInput {
            slug: "bench".into(),
            name_en: "Bench Co.".into(),
            name_lo: "ບໍລິສັດ".into(),
            ..OrganisationInput::default()
        },
    )
    .expect("organisation");
    let user = accounts::create_user(
        &mut conn,
        &Actor::command_line(),
        &UserInput {
            email: "bench@example.la".into(),
            name: "Bench".into(),
            role: "org_admin".into(),
            organisation_id: org.id.clone(),
            ..UserInput::default()
        },
        "bench password long enough",
    )
    .expect("user");
    let actor = Actor {
        id: Some(user.id.clone()),
        label: "bench".into(),
        ip: String::new(),
        role: interconnect_registry::domain::role::Role::parse("org_admin"),
        organisation_id: Some(org.id.clone()),
    };
    let app = applications::create_draft(
        &mut conn,
        &actor,
        "new",
        "Bench",
        "bench@example.la",
        chrono::Utc::now().naive_utc(),
    )
    .expect("application");
    let api_client = api_clients::create(
        &mut conn,
        &Actor::command_line(),
        &org.id,
        "bench",
        &user.id,
        chrono::Utc::now().naive_utc(),
    )
    .expect("API client");
    let started = Instant::now();
    fill(&mut conn, &app.id, &org.id, n);
    // A live database has planner statistics; a freshly filled one needs them gathered.
    conn.batch_execute("ANALYZE").expect("analyze");
    let fill_time = started.elapsed();
    drop(conn);

    let server = Application::build_with_pool(
        settings,
        pool.clone(),
        Runtime {
            workers: Some(2),
            run_scheduler: false,
            ..Runtime::default()
        },
    )
    .expect("server");
    let base = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    let client = reqwest::Client::new();
    // Warm up caches once.
    time(&client, "warm-up", &format!("{base}/registry"), 5).await;

    // The cursor of a page deep in the list: follow 20 pages of the default order.
    let mut deep = format!("{base}/registry");
    for _ in 0..20 {
        let html = client
            .get(&deep)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let start = html.find("after=").expect("a next page") + "after=".len();
        let token: String = html[start..].chars().take_while(|c| *c != '"').collect();
        deep = format!("{base}/registry?after={token}");
    }
    let probe = n / 2;
    let probe_number = format!("IC-{}-{:05}", 2000 + probe / 90_000, probe % 90_000 + 1);
    let runs = 200;
    let timings = vec![
        time(
            &client,
            "registry, first page (50 rows)",
            &format!("{base}/registry"),
            runs,
        )
        .await,
        time(&client, "registry, page 21 by cursor", &deep, runs).await,
        time(
            &client,
            "registry, country=TH & type=ip_transit",
            &format!("{base}/registry?country=TH&type=ip_transit"),
            runs,
        )
        .await,
        time(
            &client,
            "registry, sorted by expiry",
            &format!("{base}/registry?sort=expiry"),
            runs,
        )
        .await,
        time(
            &client,
            "registry, free text q=carrier 4242",
            &format!("{base}/registry?q=carrier+4242"),
            50,
        )
        .await,
        time(
            &client,
            "registry, one connection's record",
            &format!("{base}/registry/{probe_number}"),
            runs,
        )
        .await,
        time(
            &client,
            "export, CSV of every connection",
            &format!("{base}/registry.csv"),
            3,
        )
        .await,
    ];
    let backend = database.backend();
    println!(
        "\n{n} connections on {backend} (filled in {:.1} s); one client, sequential requests over loopback\n",
        fill_time.as_secs_f64()
    );
    println!(
        "{:<42} {:>6} {:>10} {:>10} {:>12}",
        "request", "runs", "p50 ms", "p99 ms", "bytes"
    );
    for t in &timings {
        println!(
            "{:<42} {:>6} {:>10.2} {:>10.2} {:>12}",
            t.name,
            t.times.len(),
            t.percentile(0.5).as_secs_f64() * 1000.0,
            t.percentile(0.99).as_secs_f64() * 1000.0,
            t.bytes
        );
    }
    throughput(&base, n, &api_client);
    drop(pool);
}

/// What wrk reports for one run.
struct WrkRun {
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: u64,
}

/// Milliseconds from a wrk latency such as `812.00us`, `1.20ms` or `1.02s`.
fn wrk_ms(raw: &str) -> Option<f64> {
    let split = raw.find(|c: char| c.is_ascii_alphabetic())?;
    let value: f64 = raw[..split].parse().ok()?;
    match &raw[split..] {
        "us" => Some(value / 1000.0),
        "ms" => Some(value),
        "s" => Some(value * 1000.0),
        "m" => Some(value * 60_000.0),
        _ => None,
    }
}

/// Drives `url` with wrk (2 threads, `connections` open, `seconds` long), with an optional
/// Lua script; `None` when wrk is not installed.
fn wrk(url: &str, script: Option<&str>, connections: u32, seconds: u32) -> Option<WrkRun> {
    let script_file = script.map(|body| {
        let path =
            std::env::temp_dir().join(format!("ir_bench_{}.lua", uuid::Uuid::new_v4().simple()));
        std::fs::write(&path, body).expect("write the wrk script");
        path
    });
    let mut command = std::process::Command::new("wrk");
    command.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(path) = &script_file {
        command.arg("-s").arg(path);
    }
    let output = command.arg(url).output().ok()?;
    if let Some(path) = script_file {
        let _ = std::fs::remove_file(path);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
    };
    Some(WrkRun {
        requests_per_second: field("Requests/sec:")?.parse().ok()?,
        p50_ms: wrk_ms(&field("50%")?)?,
        p99_ms: wrk_ms(&field("99%")?)?,
        failed: field("Non-2xx or 3xx responses:")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    })
}

/// Requests per second under load, with wrk over loopback: the process-only baseline,
/// the token exchange, and lookups of random approvals through the API.
fn throughput(base: &str, n: usize, client: &api_clients::Issued) {
    let seconds: u32 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let connections = 32;
    let token_script = format!(
        "wrk.method = \"POST\"\n\
         wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n\
         wrk.body = \"grant_type=client_credentials&client_id={}&client_secret={}\"\n",
        client.client.id, client.secret
    );
    let lookup_script = format!(
        "math.randomseed(42)\n\
         request = function()\n\
           local i = math.random(0, {last})\n\
           local path = string.format(\"/api/v1/registry/IC-%d-%05d\", 2000 + math.floor(i / 90000), i % 90000 + 1)\n\
           return wrk.format(\"GET\", path)\n\
         end\n",
        last = n - 1
    );
    let runs = [
        ("GET /livez (baseline)", format!("{base}/livez"), None),
        (
            "POST /api/v1/token",
            format!("{base}/api/v1/token"),
            Some(token_script),
        ),
        (
            "GET /api/v1/registry/{number}, random",
            base.to_string(),
            Some(lookup_script),
        ),
    ];
    println!(
        "\nthroughput with wrk: 2 threads, {connections} connections, {seconds} s each, over loopback\n"
    );
    println!(
        "{:<42} {:>10} {:>10} {:>10} {:>8}",
        "request", "req/s", "p50 ms", "p99 ms", "failed"
    );
    for (name, url, script) in runs {
        match wrk(&url, script.as_deref(), connections, seconds) {
            Some(run) => println!(
                "{:<42} {:>10.0} {:>10.2} {:>10.2} {:>8}",
                name, run.requests_per_second, run.p50_ms, run.p99_ms, run.failed
            ),
            None => {
                println!("wrk is not installed (apt-get install wrk): no throughput figures");
                return;
            }
        }
    }
}
