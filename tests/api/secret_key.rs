//! The secret key that seals staff's two-factor secrets: kept across restarts, required
//! where servers share a database, and brought back after a change with
//! `rotate-secret-key`. Each test runs the real binary, restarted as an operator would.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::{Response, StatusCode};

use crate::cli::{Running, command, password_step, run_command, start_command};
use crate::helpers::{Authenticator, PASSWORD, TestApp, client, location, second_step, text_of};

const OLD_KEY: &str = "the-first-secret-key-of-this-registry-0123";
const NEW_KEY: &str = "the-second-secret-key-of-this-registry-4567";

/// The binary on `database_url` with `SECRET_KEY` as given (`None`: unset).
fn binary(database_url: &str, secret_key: Option<&str>) -> Command {
    let mut cmd = command(database_url);
    match secret_key {
        Some(key) => cmd.env("SECRET_KEY", key),
        None => cmd.env_remove("SECRET_KEY"),
    };
    cmd
}

async fn serve(database_url: &str, secret_key: Option<&str>) -> (Running, String) {
    let mut cmd = binary(database_url, secret_key);
    cmd.stderr(Stdio::null());
    start_command(cmd, "serve").await
}

/// Signs `email` in to the server at `base`: the password, then a code from the
/// authenticator on the real clock (the server's), setting the app up at the first
/// sign-in. Returns the browser and the answer to the second step.
async fn sign_in(
    base: &str,
    email: &str,
    authenticator: &Authenticator,
) -> (reqwest::Client, Response) {
    let browser = client("en");
    let res = password_step(&browser, base, email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "password of {email}");
    let step_url = format!("{base}{}", location(&res));
    assert!(step_url.contains("/sign-in/two-factor"), "{step_url}");
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        // Each code is given once: past three in one time step, wait for the next.
        match second_step(&browser, &step_url, email, authenticator, now).await {
            Some(res) => return (browser, res),
            None => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

async fn body_of(browser: &reqwest::Client, url: &str) -> String {
    browser.get(url).send().await.unwrap().text().await.unwrap()
}

async fn signed_in(base: &str, email: &str, authenticator: &Authenticator) -> reqwest::Client {
    let (browser, res) = sign_in(base, email, authenticator).await;
    assert!(
        res.status().is_success() || res.status() == StatusCode::SEE_OTHER,
        "second step of {email}: {}",
        res.status()
    );
    let dashboard = browser
        .get(format!("{base}/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK, "{email} is signed in");
    browser
}

#[tokio::test]
async fn a_restart_never_locks_staff_out() {
    let app = TestApp::spawn().await;
    let staff = app.create_user("secretariat", None);
    let authenticator = Authenticator::default();
    let key = if app.is_postgres() {
        // Servers sharing PostgreSQL must share the key: without one, none starts.
        let out = binary(&app.database_url, None)
            .arg("serve")
            .stdout(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("SECRET_KEY is required with PostgreSQL"),
            "{err}"
        );
        Some(OLD_KEY)
    } else {
        None
    };

    let mut first = binary(&app.database_url, key);
    first.env("RUST_LOG", "info").stderr(Stdio::piped());
    let (mut server, base) = start_command(first, "serve").await;
    signed_in(&base, &staff.email, &authenticator).await;
    server.0.kill().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(&mut server.0.stderr.take().unwrap(), &mut log).unwrap();

    if !app.is_postgres() {
        // SQLite: the key was made once, into a file beside the database that only its
        // owner reads, and the log says where.
        use std::os::unix::fs::PermissionsExt;
        let database = app.database_url.trim_start_matches("sqlite://");
        let key_file = format!("{database}.secret-key");
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{key_file}");
        assert!(log.contains(&key_file) && log.contains("made now"), "{log}");
    }

    // A restart, and the staff member signs in with the code their app shows now.
    let (_server, base) = serve(&app.database_url, key).await;
    signed_in(&base, &staff.email, &authenticator).await;
    if !app.is_postgres() {
        let database = app.database_url.trim_start_matches("sqlite://");
        std::fs::remove_file(format!("{database}.secret-key")).unwrap();
    }
}

#[tokio::test]
async fn a_changed_key_is_named_to_the_person_and_the_admin_and_rotate_secret_key_undoes_it() {
    let app = TestApp::spawn_with(&[("SECRET_KEY", OLD_KEY)]).await;
    let staff = app.create_user("reviewer", None);
    let admin = app.create_user("admin", None);
    let authenticator = Authenticator::default();

    // Set up under the first key; then the servers are restarted with another.
    {
        let (_server, base) = serve(&app.database_url, Some(OLD_KEY)).await;
        signed_in(&base, &staff.email, &authenticator).await;
    }
    let (server, base) = serve(&app.database_url, Some(NEW_KEY)).await;
    let (_, res) = sign_in(&base, &staff.email, &authenticator).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("but it is not wrong") && page.contains("recovery codes"),
        "{page}"
    );

    // The administrator (set up under the new key) sees who is affected.
    let browser = signed_in(&base, &admin.email, &authenticator).await;
    let users = body_of(&browser, &format!("{base}/admin/users")).await;
    let affected = text_of(&users, "#locked-out").expect("the affected are listed");
    assert!(affected.contains(&staff.email), "{affected}");
    assert!(!affected.contains(&admin.email), "{affected}");
    drop(server);

    // The server under the new key started a key of the audit chain of its own; the
    // events hashed under the old one cannot be checked under the new one.
    let verify = |key| run_command(binary(&app.database_url, Some(key)), &["verify-audit"], "");
    let (ok, out, _) = verify(NEW_KEY);
    assert!(!ok, "{out}");
    assert!(
        out.contains("does not open under this server's SECRET_KEY"),
        "{out}"
    );

    // Giving the key in use as the old one changes nothing and says why.
    let (ok, _, err) = run_command(
        binary(&app.database_url, Some(NEW_KEY)),
        &["rotate-secret-key"],
        &format!("{NEW_KEY}\n"),
    );
    assert!(!ok);
    assert!(err.contains("the key in use"), "{err}");

    // The operator gives the old key back; everything is sealed under the new one.
    let (ok, out, err) = run_command(
        binary(&app.database_url, Some(NEW_KEY)),
        &["rotate-secret-key", "--json"],
        &format!("{OLD_KEY}\n"),
    );
    assert!(ok, "{err}");
    let rotation: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    // The reviewer's secret moves; the administrator's was under the new key already.
    assert!(rotation["resealed"].as_i64() >= Some(1), "{rotation}");
    assert!(rotation["current"].as_i64() >= Some(1), "{rotation}");
    assert_eq!(rotation["unreadable"], serde_json::json!([]), "{rotation}");
    let (ok, out, err) = verify(NEW_KEY);
    assert!(ok && out.contains("intact"), "{out}{err}");

    let (_server, base) = serve(&app.database_url, Some(NEW_KEY)).await;
    signed_in(&base, &staff.email, &authenticator).await;
    let browser = signed_in(&base, &admin.email, &authenticator).await;
    let users = body_of(&browser, &format!("{base}/admin/users")).await;
    assert!(text_of(&users, "#locked-out").is_none());

    let events: i64 = {
        use diesel::prelude::*;
        use interconnect_registry::db::schema::audit_events;
        audit_events::table
            .filter(audit_events::action.eq("secret_key.rotate"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(events, 1);
}
