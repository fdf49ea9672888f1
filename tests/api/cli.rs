//! The binary's commands, run as an operator would run them.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{Authenticator, PASSWORD, TestApp, client, location, second_step, text_of};

const BIN: &str = env!("CARGO_BIN_EXE_interconnect-registry");

/// The binary with a clean environment: only `PATH`, the database, the test key and `warn` logs.
pub fn command(database_url: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("SECRET_KEY", crate::helpers::SECRET_KEY)
        .env("RUST_LOG", "warn");
    cmd
}

pub fn run(database_url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    run_command(command(database_url), args, stdin)
}

/// Runs `cmd` (the binary, its environment set) with `args`, giving it `stdin`; returns
/// whether it succeeded, and what it printed on standard output and standard error.
pub fn run_command(mut cmd: Command, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the child process when the test ends, pass or fail.
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start(database_url: &str, subcommand: &str) -> (Running, String) {
    let mut cmd = command(database_url);
    cmd.stderr(Stdio::null());
    start_command(cmd, subcommand).await
}

/// Starts `cmd` (the binary, its environment set) with `subcommand` on a free port and
/// waits until it answers; returns it with its base URL.
pub async fn start_command(mut cmd: Command, subcommand: &str) -> (Running, String) {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let child = cmd
        .args([subcommand, "--bind", &bind])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let running = Running(child);
    let base = format!("http://{bind}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/livez"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (running, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{subcommand} did not start");
}

/// The sign-in form of the server at `base`, filled in and sent by `browser`.
pub async fn password_step(
    browser: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let html = browser
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    browser
        .post(format!("{base}/sign-in"))
        .form(&[
            ("csrf", crate::helpers::csrf_in(&html).as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_command_explains_itself() {
    for sub in [
        "serve",
        "demo",
        "migrate",
        "create-org",
        "create-user",
        "seed-demo",
        "seed-scale",
        "verify-audit",
        "backup",
        "rotate-signing-key",
        "rotate-secret-key",
        "create-api-client",
        "revoke-api-client",
    ] {
        let (ok, out, _) = run("sqlite://unused.db", &[sub, "--help"], "");
        assert!(ok, "{sub} --help");
        assert!(out.contains("Usage:"), "{sub}: {out}");
    }
}

#[tokio::test]
async fn an_operator_creates_an_organisation_and_a_user_who_signs_in() {
    let app = TestApp::spawn().await;
    let (ok, out, err) = run(
        &app.database_url,
        &[
            "create-org",
            "--slug",
            "cli-org",
            "--name-en",
            "CLI Org",
            "--name-lo",
            "ອົງກອນ",
            "--json",
        ],
        "",
    );
    assert!(ok, "{err}");
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(created["slug"], "cli-org");

    let (ok, _, err) = run(
        &app.database_url,
        &[
            "create-user",
            "--email",
            "ops@example.la",
            "--name",
            "Ops",
            "--role",
            "org_admin",
            "--org",
            "cli-org",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    let res = app.sign_in("ops@example.la", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (ok, _, err) = run(
        &app.database_url,
        &[
            "create-user",
            "--email",
            "bad",
            "--name",
            "X",
            "--role",
            "emperor",
        ],
        "short\n",
    );
    assert!(!ok);
    assert!(
        err.contains("email") && err.contains("role") && err.contains("password"),
        "{err}"
    );
}

#[tokio::test]
async fn verify_audit_reports_the_first_broken_link() {
    let app = TestApp::spawn().await;
    app.create_user("admin", None);
    app.create_user("auditor", None);
    let (ok, out, _) = run(&app.database_url, &["verify-audit", "--json"], "");
    assert!(ok);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["events"],
        2
    );

    if app.is_postgres() {
        app.execute("DROP TRIGGER audit_events_no_change ON audit_events");
    } else {
        app.execute("DROP TRIGGER audit_events_no_update");
    }
    app.execute("UPDATE audit_events SET after_state = '{}' WHERE seq = 1");
    let (ok, out, _) = run(&app.database_url, &["verify-audit"], "");
    assert!(!ok, "a broken chain exits non-zero");
    assert!(out.contains("BROKEN at event 1"), "{out}");
}

#[tokio::test]
async fn a_bad_database_url_gets_a_clear_message() {
    let (ok, _, err) = run("mysql://root@localhost/x", &["migrate"], "");
    assert!(!ok);
    assert!(
        err.contains("DATABASE_URL") && err.contains("not understood"),
        "{err}"
    );
    let (ok, _, err) = run("postgres://app:s3cret@127.0.0.1:1/none", &["migrate"], "");
    assert!(!ok);
    assert!(err.contains("cannot reach PostgreSQL"), "{err}");
    assert!(
        !err.contains("s3cret"),
        "the password is not printed: {err}"
    );
}

#[tokio::test]
async fn seed_demo_seeds_once() {
    let app = TestApp::spawn().await;
    let (ok, out, _) = run(&app.database_url, &["seed-demo", "--json"], "");
    assert!(ok);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["seeded"],
        true
    );
    let (ok, out, _) = run(&app.database_url, &["seed-demo", "--json"], "");
    assert!(ok);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["seeded"],
        false
    );
}

#[tokio::test]
async fn serve_never_seeds_demo_data() {
    let app = TestApp::spawn().await;
    let (_server, _) = start(&app.database_url, "serve").await;
    let users = interconnect_registry::db::models::user::count(&mut app.conn()).unwrap();
    assert_eq!(users, 0);
}

/// The second step of a demo staff member's sign-in (their first: setting up the app), on
/// the server's own clock.
async fn demo_second_step(
    browser: &reqwest::Client,
    base: &str,
    signed_in: &reqwest::Response,
    email: &str,
    authenticator: &Authenticator,
) {
    let step_url = format!("{base}{}", location(signed_in));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let res = second_step(browser, &step_url, email, authenticator, now)
        .await
        .expect("an unused code");
    assert!(res.status().is_success() || res.status().is_redirection());
}

#[tokio::test]
async fn the_demo_command_opens_a_signed_in_admin_page_in_lao_and_english() {
    let app = TestApp::spawn().await;
    let (_server, base) = start(&app.database_url, "demo").await;
    let authenticator = Authenticator::default();
    for (language, heading, organisation) in [
        ("en", "Users", "Lao Skynet Broadband Co., Ltd."),
        ("lo", "ຜູ້ນຳໃຊ້", "ບໍລິສັດ ລາວສະກາຍເນັດ ບຣອດແບນ ຈຳກັດ"),
    ] {
        let browser = client(language);
        let res = password_step(
            &browser,
            &base,
            "admin@registry.demo.la",
            interconnect_registry::seed::demo::DEMO_PASSWORD,
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        demo_second_step(
            &browser,
            &base,
            &res,
            "admin@registry.demo.la",
            &authenticator,
        )
        .await;
        let res = browser
            .get(format!("{base}/admin/users"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{language}\">")));
        assert_eq!(text_of(&html, "h1").unwrap(), heading);
        assert!(
            html.contains("chair@registry.demo.la"),
            "the demo committee is listed"
        );
        assert!(
            html.contains(organisation),
            "organisation names in the page's language"
        );
    }
    let secretariat = client("en");
    let res = password_step(
        &secretariat,
        &base,
        "secretariat@registry.demo.la",
        interconnect_registry::seed::demo::DEMO_PASSWORD,
    )
    .await;
    demo_second_step(
        &secretariat,
        &base,
        &res,
        "secretariat@registry.demo.la",
        &authenticator,
    )
    .await;
    let inbox = secretariat
        .get(format!("{base}/committee"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        inbox.contains("Siam Backbone Co., Ltd. — Thailand (TH)"),
        "a demo application waits to be screened"
    );
}

#[tokio::test]
async fn seed_scale_fills_every_table_with_a_valid_audit_chain_and_pages_that_work() {
    let app = TestApp::spawn().await;
    let (ok, out, err) = run(
        &app.database_url,
        &[
            "seed-scale",
            "--organisations",
            "6",
            "--applications",
            "400",
            "--connections",
            "150",
            "--audit-events",
            "3000",
            "--outbox-messages",
            "300",
            "--json",
        ],
        "",
    );
    assert!(ok, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = &summary["rows"];
    assert_eq!(rows["applications"], 400);
    assert_eq!(rows["connections"], 150);
    assert_eq!(rows["audit_events"], 3000);
    assert_eq!(rows["outbox_messages"], 300);
    assert_eq!(rows["organisations"], 6);
    for table in [
        "review_assignments",
        "votes",
        "connection_events",
        "information_requests",
    ] {
        assert!(rows[table].as_u64().unwrap() > 0, "{table}");
    }
    let (ok, out, _) = run(&app.database_url, &["verify-audit", "--json"], "");
    assert!(ok, "{out}");
    assert!(out.contains("\"intact\":true"), "{out}");

    // The data is what the application reads: pages work, the numbering goes on.
    for path in [
        "/registry",
        "/registry?status=revoked",
        "/statistics",
        "/api/v1/registry",
    ] {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
    let secretariat = app.another_browser();
    let (ok, _, err) = run(
        &app.database_url,
        &["seed-scale", "--applications", "1"],
        "",
    );
    assert!(!ok && err.contains("already holds applications"), "{err}");
    let res = secretariat
        .sign_in(
            "scale-secretariat-0@scale.example.la",
            interconnect_registry::seed::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    secretariat
        .give_second_factor("scale-secretariat-0@scale.example.la")
        .await;
    assert_eq!(secretariat.get("/committee").await.status(), StatusCode::OK);
    // A committee of the test's own, so that the quorum is its four voters.
    app.execute("UPDATE users SET committee_member = FALSE WHERE id LIKE 'scale-%'");
    let cast = crate::workflow_helpers::Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let seeded_this_year: i64 = {
        use diesel::prelude::*;
        use interconnect_registry::db::schema::connections;
        connections::table
            .filter(connections::approval_number.like(format!("IC-{year}-%")))
            .filter(connections::id.ne(&connection.id))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(
        connection.approval_number,
        format!("IC-{year}-{:05}", seeded_this_year + 1),
        "a new approval continues the seeded numbering"
    );
}

/// Writes users (each with its audit event) on a connection of its own until told to
/// stop; answers how many it wrote, or the first failure.
fn keep_writing(
    database_url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Result<usize, String>> {
    use interconnect_registry::domain::account::UserInput;
    use interconnect_registry::workflows::{Actor, accounts};
    std::thread::spawn(move || {
        let mut conn =
            interconnect_registry::db::establish(&database_url).map_err(|e| e.to_string())?;
        let mut written = 0;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            accounts::create_user(
                &mut conn,
                &Actor::command_line(),
                &UserInput {
                    email: format!("during-backup-{written}@example.la"),
                    name: "Written during the backup".into(),
                    role: "auditor".into(),
                    organisation_id: String::new(),
                    language: String::new(),
                    committee_member: false,
                    review_domains: Vec::new(),
                },
                PASSWORD,
            )
            .map_err(|e| format!("{e:?}"))?;
            written += 1;
        }
        Ok(written)
    })
}

#[tokio::test]
async fn backup_copies_a_live_database_that_restores_and_verifies() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    if app.is_postgres() {
        let (ok, _, err) = run(&app.database_url, &["backup", "--to", "unused.db"], "");
        assert!(!ok);
        assert!(err.contains("pg_dump"), "{err}");
        return;
    }
    let live = app.database_url.trim_start_matches("sqlite://").to_string();
    let copy = format!("{live}.backup");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = keep_writing(app.database_url.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (ok, out, err) = run(&app.database_url, &["backup", "--to", &copy, "--json"], "");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer
        .join()
        .unwrap()
        .expect("writes go on during the backup");
    assert!(ok, "{out}{err}");
    assert!(written > 0);
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(summary["bytes"].as_u64().unwrap() > 0);
    let copied_events = summary["audit_events"].as_i64().unwrap();
    assert!(copied_events >= 1, "{summary}");

    // Restored: the server runs on the copy, whose audit chain is whole and which holds
    // what was written before the backup.
    let copy_url = format!("sqlite://{copy}");
    let (ok, out, _) = run(&copy_url, &["verify-audit", "--json"], "");
    assert!(ok, "{out}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["events"],
        copied_events
    );
    let mut restored = interconnect_registry::db::establish(&copy_url).unwrap();
    assert!(
        interconnect_registry::db::models::user::find(&mut restored, &admin.id)
            .unwrap()
            .is_some()
    );
    drop(restored);
    let (_server, base) = start(&copy_url, "serve").await;
    let res = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // A directory that does not exist is named, not a panic.
    let (ok, _, err) = run(
        &app.database_url,
        &["backup", "--to", &format!("{live}.missing/copy.db")],
        "",
    );
    assert!(!ok);
    assert!(err.contains("could not be written"), "{err}");

    // A backup never overwrites a file.
    let (ok, _, err) = run(&app.database_url, &["backup", "--to", &copy], "");
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");
    std::fs::remove_file(&copy).unwrap();
}
