use reqwest::StatusCode;

use interconnect_registry::domain::clock::Clock;

use crate::helpers::{PASSWORD, TestApp, location, second_step};

#[tokio::test]
async fn signing_in_opens_a_session_in_an_http_only_cookie_and_rotates_it() {
    let app = TestApp::spawn().await;
    let user = app.create_user("org_admin", None);

    let res = app.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/dashboard");
    let cookie = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("ir_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark cookies Secure: {cookie}"
    );
    let first = cookie.split(';').next().unwrap().to_string();

    let (status, html) = app.page("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Test org_admin"));

    // Signing in again (same browser) gives a new session id and ends the old one.
    let res = app.sign_in(&user.email, PASSWORD).await;
    let second = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("ir_session="))
        .unwrap();
    assert_ne!(first, second.split(';').next().unwrap());
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/dashboard"))
        .header(reqwest::header::COOKIE, &first)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        StatusCode::SEE_OTHER,
        "the old session must be gone"
    );
}

#[tokio::test]
async fn session_cookies_are_secure_under_an_https_base_url() {
    let app = TestApp::spawn_with(&[("BASE_URL", "https://registry.example.la/")]).await;
    let user = app.create_user("admin", None);
    let res = app.sign_in(&user.email, PASSWORD).await;
    let cookies: Vec<String> = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("ir_session=") && c.contains("Secure")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_message_and_keep_the_email() {
    let app = TestApp::spawn().await;
    let user = app.create_user("reviewer", None);
    let wrong = app.sign_in(&user.email, "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_html = wrong.text().await.unwrap();
    assert!(wrong_html.contains("The e-mail address or the password is wrong."));
    assert!(
        wrong_html.contains(&format!("value=\"{}\"", user.email)),
        "the e-mail is kept"
    );

    let unknown = app.sign_in("nobody@example.la", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("The e-mail address or the password is wrong.")
    );
}

#[tokio::test]
async fn repeated_sign_in_attempts_are_slowed_with_a_message_not_an_error() {
    let app = TestApp::spawn().await;
    let user = app.create_user("admin", None);
    for _ in 0..5 {
        let res = app.sign_in(&user.email, "wrong password, again").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key(reqwest::header::RETRY_AFTER));
    let html = res.text().await.unwrap();
    assert!(html.contains("Too many sign-in attempts"), "{html}");
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let user = app.create_user("auditor", None);
    let res = app.sign_in(&user.email, PASSWORD).await;
    let session = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("ir_session="))
        .unwrap();
    app.sign_out().await;
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::SEE_OTHER);

    // Even a copy of the old cookie is worthless now.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/dashboard"))
        .header(reqwest::header::COOKIE, session.split(';').next().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    assert!(location(&replay).starts_with("/sign-in"));
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_everywhere() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    let victim = app.create_user("reviewer", None);
    let victim_browser = app.another_browser();
    victim_browser.sign_in_as(&victim).await;
    assert_eq!(
        victim_browser.get("/dashboard").await.status(),
        StatusCode::OK
    );

    app.sign_in_as(&admin).await;
    let res = app
        .post(&format!("/admin/users/{}/deactivate", victim.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let res = victim_browser.get("/dashboard").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/sign-in"));
    let again = victim_browser.sign_in(&victim.email, PASSWORD).await;
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "a deactivated user cannot sign in"
    );
}

#[tokio::test]
async fn idle_and_absolute_session_limits_end_a_session() {
    let app = TestApp::spawn().await;
    let user = app.create_user("secretariat", None);
    app.sign_in_as(&user).await;
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);

    app.execute("UPDATE sessions SET last_seen_at = '2000-01-01 00:00:00'");
    let res = app.get("/dashboard").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "idle session must end");

    app.sign_in_as(&user).await;
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
    app.execute("UPDATE sessions SET created_at = '2000-01-01 00:00:00'");
    let res = app.get("/dashboard").await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "a session past its absolute limit must end"
    );
}

#[tokio::test]
async fn after_sign_in_the_user_returns_to_the_page_they_asked_for_but_never_off_site() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    let res = app.get("/admin/users").await;
    assert_eq!(location(&res), "/sign-in?next=%2Fadmin%2Fusers");
    let res = app
        .post(
            "/sign-in",
            &[
                ("email", &admin.email),
                ("password", crate::helpers::PASSWORD),
                ("next", "/admin/users"),
            ],
        )
        .await;
    assert_eq!(
        location(&res),
        "/sign-in/two-factor?next=%2Fadmin%2Fusers",
        "an administrator gives a second factor first"
    );
    let now = app.clock.now().and_utc().timestamp() as u64;
    let step_url = app.url(&location(&res));
    let res = second_step(
        &app.client,
        &step_url,
        &admin.email,
        &app.authenticator,
        now,
    )
    .await
    .expect("a code");
    assert_eq!(res.status(), StatusCode::OK, "the recovery codes are shown");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<a class=\"button\" href=\"/admin/users\">"),
        "then the page asked for: {html}"
    );

    app.sign_out().await;
    let res = app
        .post(
            "/sign-in",
            &[
                ("email", &admin.email),
                ("password", crate::helpers::PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/sign-in/two-factor?next=%2Fdashboard");
    let now = app.clock.now().and_utc().timestamp() as u64;
    let step_url = app.url(&location(&res));
    let res = second_step(
        &app.client,
        &step_url,
        &admin.email,
        &app.authenticator,
        now,
    )
    .await
    .expect("a code");
    assert_eq!(location(&res), "/dashboard");
}
