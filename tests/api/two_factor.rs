//! Two-factor sign-in: staff set up a TOTP app at their first sign-in and give a code at
//! every one after; recovery codes work once; an administrator resets a lost factor; users
//! see and end their own sessions.

use interconnect_registry::db::audit::list_recent;
use interconnect_registry::domain::clock::Clock;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, TestUser, location, text_of, value_of};

/// Signs in with the password only and returns where the browser was sent.
async fn password_step(browser: &TestApp, user: &TestUser) -> String {
    let res = browser.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res)
}

async fn post_code(browser: &TestApp, code: &str) -> reqwest::Response {
    browser.post("/sign-in/two-factor", &[("code", code)]).await
}

fn unix_now(app: &TestApp) -> u64 {
    app.clock.now().and_utc().timestamp() as u64
}

/// A six-digit code the server rejects: none of the three it would accept now.
fn wrong_code(app: &TestApp, secret_shown: &str) -> String {
    let key: String = secret_shown.split_whitespace().collect();
    let secret = totp_rs::Secret::try_from_base32(&key)
        .unwrap()
        .as_bytes()
        .to_vec();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    let now = unix_now(app);
    let right: Vec<String> = [now - 30, now, now + 30]
        .iter()
        .map(|t| totp.generate(*t).to_string())
        .collect();
    (0..)
        .map(|n| format!("{:06}", 123_456 + n))
        .find(|c| !right.contains(c))
        .unwrap()
}

fn actions(app: &TestApp) -> Vec<String> {
    list_recent(&mut app.conn(), 100, None)
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn staff_set_up_a_second_factor_at_first_sign_in_and_give_a_code_every_time_after() {
    let app = TestApp::spawn().await;
    let secretariat = app.create_user("secretariat", None);

    assert_eq!(
        password_step(&app, &secretariat).await,
        "/sign-in/two-factor?next=%2Fdashboard"
    );
    // Halfway signed in is not signed in.
    for path in ["/dashboard", "/committee", "/account"] {
        let res = app.get(path).await;
        assert!(
            location(&res).starts_with("/sign-in"),
            "{path} before the second factor: {}",
            res.status()
        );
    }
    assert_eq!(
        location(&app.get("/sign-in").await),
        "/sign-in/two-factor?next=%2Fdashboard",
        "the sign-in page sends a half-finished sign-in on to its second step"
    );

    let (status, html) = app.page("/sign-in/two-factor").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<svg"), "a QR code to scan");
    let shown = text_of(&html, ".totp-secret").expect("the key to type");
    let wrong = wrong_code(&app, &shown);
    let res = post_code(&app, &wrong).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("That code is wrong"), "{html}");
    assert_eq!(
        text_of(&html, ".totp-secret").as_deref(),
        Some(shown.as_str()),
        "the key stays the same until it is confirmed"
    );
    assert!(app.get("/dashboard").await.status().is_redirection());

    app.authenticator.add(&secretariat.email, &shown);
    let code = app
        .authenticator
        .code(&secretariat.email, unix_now(&app))
        .unwrap();
    let res = post_code(&app, &code).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get(reqwest::header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let html = res.text().await.unwrap();
    let codes: Vec<String> = scraper::Html::parse_document(&html)
        .select(&scraper::Selector::parse(".recovery-codes code").unwrap())
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(codes.len(), 10, "{html}");
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);

    // The next sign-in asks for a code; the one used to set up does not work twice.
    let phone = app.another_browser();
    assert_eq!(
        password_step(&phone, &secretariat).await,
        "/sign-in/two-factor?next=%2Fdashboard"
    );
    let (_, html) = phone.page("/sign-in/two-factor").await;
    assert!(
        text_of(&html, ".totp-secret").is_none(),
        "no key shown again"
    );
    assert!(!html.contains("<svg"));
    let res = post_code(&phone, &code).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a replay");
    let fresh = app
        .authenticator
        .code(&secretariat.email, unix_now(&app))
        .unwrap();
    let res = post_code(&phone, &fresh).await;
    assert_eq!(location(&res), "/dashboard");
    assert_eq!(phone.get("/dashboard").await.status(), StatusCode::OK);

    // A recovery code works once.
    let lost_phone = app.another_browser();
    password_step(&lost_phone, &secretariat).await;
    let res = post_code(&lost_phone, &codes[3].to_uppercase()).await;
    assert_eq!(location(&res), "/dashboard");
    let (_, account) = lost_phone.page("/account").await;
    assert!(account.contains("Recovery codes left: 9."), "{account}");
    let again = app.another_browser();
    password_step(&again, &secretariat).await;
    let res = post_code(&again, &codes[3]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let actions = actions(&app);
    for expected in [
        "session.password_accepted",
        "session.second_factor_failed",
        "user.two_factor_enabled",
        "session.sign_in",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected}: {actions:?}"
        );
    }
}

#[tokio::test]
async fn providers_sign_in_with_a_password_and_may_add_a_second_factor() {
    let app = TestApp::spawn().await;
    let provider = app.create_user("org_admin", None);
    assert_eq!(password_step(&app, &provider).await, "/dashboard");

    let (status, html) = app.page("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Two-factor sign-in is off."));
    let (status, html) = app.page("/account/two-factor").await;
    assert_eq!(status, StatusCode::OK);
    let shown = text_of(&html, ".totp-secret").unwrap();
    app.authenticator.add(&provider.email, &shown);
    let res = app
        .post(
            "/account/two-factor",
            &[("code", &wrong_code(&app, &shown))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = app
        .authenticator
        .code(&provider.email, unix_now(&app))
        .unwrap();
    let res = app.post("/account/two-factor", &[("code", &code)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("recovery-codes"));
    let (_, html) = app.page("/account").await;
    assert!(html.contains("Two-factor sign-in is on."));
    assert_eq!(
        location(&app.get("/account/two-factor").await),
        "/account",
        "set up once"
    );

    let other = app.another_browser();
    assert_eq!(
        password_step(&other, &provider).await,
        "/sign-in/two-factor?next=%2Fdashboard",
        "once set up, it is asked for"
    );
}

#[tokio::test]
async fn the_auditor_who_reads_every_case_file_and_the_audit_log_gives_a_second_factor() {
    let app = TestApp::spawn().await;
    let auditor = app.create_user("auditor", None);
    assert_eq!(
        password_step(&app, &auditor).await,
        "/sign-in/two-factor?next=%2Fdashboard"
    );
    for path in ["/admin/audit", "/committee", "/committee/connections"] {
        let res = app.get(path).await;
        assert!(
            location(&res).starts_with("/sign-in"),
            "{path} with the password alone: {}",
            res.status()
        );
    }
    app.give_second_factor(&auditor.email).await;
    for path in ["/admin/audit", "/committee"] {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn a_half_finished_sign_in_expires_after_ten_minutes() {
    let app = TestApp::spawn().await;
    let chair = app.create_user("chair", None);
    app.sign_in_as(&chair).await;
    app.sign_out().await;
    password_step(&app, &chair).await;
    let eleven_minutes_ago = (chrono::Utc::now() - chrono::TimeDelta::minutes(11))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S");
    app.execute(&format!(
        "UPDATE sessions SET created_at = '{eleven_minutes_ago}'"
    ));
    let res = app.get("/sign-in/two-factor").await;
    assert_eq!(location(&res), "/sign-in", "start again");
}

#[tokio::test]
async fn an_administrator_resets_a_lost_second_factor_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    let reviewer = app.create_user("reviewer", None);
    let reviewer_browser = app.another_browser();
    reviewer_browser.sign_in_as(&reviewer).await;
    assert_eq!(
        reviewer_browser.get("/dashboard").await.status(),
        StatusCode::OK
    );

    app.sign_in_as(&admin).await;
    let (_, form) = app.page(&format!("/admin/users/{}", reviewer.id)).await;
    assert!(form.contains("Reset two-factor sign-in"));
    let res = app
        .post(
            &format!("/admin/users/{}/two-factor/reset", reviewer.id),
            &[],
        )
        .await;
    assert_eq!(location(&res), format!("/admin/users/{}", reviewer.id));
    let (_, form) = app.page(&format!("/admin/users/{}", reviewer.id)).await;
    assert!(
        !form.contains("Reset two-factor sign-in"),
        "nothing left to reset"
    );

    assert!(
        reviewer_browser
            .get("/dashboard")
            .await
            .status()
            .is_redirection(),
        "the reviewer's sessions ended"
    );
    let fresh = app.another_browser();
    password_step(&fresh, &reviewer).await;
    let (_, html) = fresh.page("/sign-in/two-factor").await;
    assert!(
        text_of(&html, ".totp-secret").is_some(),
        "a new factor is set up at the next sign-in"
    );

    let event = list_recent(&mut app.conn(), 100, None)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "user.two_factor_reset")
        .expect("the reset is audited");
    assert_eq!(event.subject_id, reviewer.id);
    assert_eq!(event.actor_id.as_deref(), Some(admin.id.as_str()));
    assert!(
        event
            .after_state
            .as_deref()
            .unwrap()
            .contains("\"sessions_ended\":1")
    );
}

#[tokio::test]
async fn users_see_where_they_are_signed_in_and_end_those_sessions() {
    let app = TestApp::spawn().await;
    let provider = app.create_user("applicant", None);
    let laptop = app.another_browser();
    let phone = app.another_browser();
    laptop.sign_in_as(&provider).await;
    phone.sign_in_as(&provider).await;
    let stranger = app.create_user("applicant", None);
    let strangers_browser = app.another_browser();
    strangers_browser.sign_in_as(&stranger).await;

    let (_, html) = laptop.page("/account").await;
    assert_eq!(
        text_of(&html, "title").as_deref(),
        Some("Your account · Interconnect Registry")
    );
    let rows = scraper::Html::parse_document(&html)
        .select(&scraper::Selector::parse("main table.sessions tbody tr").unwrap())
        .count();
    assert_eq!(rows, 2, "{html}");
    assert_eq!(
        text_of(&html, "main tr.current td:last-child").as_deref(),
        Some("This browser")
    );
    let phone_session = value_of(&html, "input[name=session]:not([value=others])")
        .expect("the other session can be ended");

    // Another user's session id is not found, and that session goes on.
    let (_, strangers_page) = strangers_browser.page("/account").await;
    let strangers_session: String = {
        use diesel::prelude::*;
        use interconnect_registry::db::schema::sessions;
        sessions::table
            .filter(sessions::user_id.eq(&stranger.id))
            .select(sessions::id)
            .first(&mut app.conn())
            .unwrap()
    };
    assert!(!strangers_page.contains(&phone_session));
    let res = laptop
        .post("/account/sessions/end", &[("session", &strangers_session)])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        strangers_browser.get("/dashboard").await.status(),
        StatusCode::OK
    );

    let res = laptop
        .post("/account/sessions/end", &[("session", &phone_session)])
        .await;
    assert_eq!(location(&res), "/account");
    assert!(phone.get("/dashboard").await.status().is_redirection());
    assert_eq!(laptop.get("/dashboard").await.status(), StatusCode::OK);

    phone.sign_in_as(&provider).await;
    let res = laptop
        .post("/account/sessions/end", &[("session", "others")])
        .await;
    assert_eq!(location(&res), "/account");
    assert!(phone.get("/dashboard").await.status().is_redirection());
    assert_eq!(laptop.get("/dashboard").await.status(), StatusCode::OK);
    assert!(
        actions(&app)
            .iter()
            .filter(|a| *a == "session.end_own")
            .count()
            == 2,
        "both are audited"
    );
}
