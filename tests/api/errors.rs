use reqwest::StatusCode;

use crate::helpers::{TestApp, client, text_of};

#[tokio::test]
async fn an_unknown_page_is_a_404_page_in_the_readers_language_with_a_request_id() {
    let app = TestApp::spawn().await;
    let (status, html) = app.page("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(text_of(&html, "h1").unwrap(), "Page not found");
    let request_id = text_of(&html, ".error-page code").unwrap();
    assert_eq!(
        request_id.len(),
        36,
        "a request id is shown: {request_id:?}"
    );

    let lao = client("lo");
    let res = lao.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"lo\">"));
    assert_ne!(text_of(&html, "h1").unwrap(), "Page not found");
}

#[tokio::test]
async fn api_errors_are_problem_json() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/nothing-here").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "Page not found");
    assert!(body["request_id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = TestApp::spawn().await;
    let res = app.get("/").await;
    let headers = res.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<script"), "pages work without JavaScript");
    assert!(!html.contains("style="), "no inline styles");
}

#[tokio::test]
async fn health_probes_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/livez").await.status(), StatusCode::OK);
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn a_non_utf8_form_is_refused_with_a_message_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    let token = app.csrf().await;
    let body = format!("csrf={token}&slug=abc&name_en=%FF%FE&name_lo=x");
    let res = app
        .client
        .post(app.url("/admin/organisations"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("not valid text (UTF-8)"));
    let count = interconnect_registry::db::models::organisation::count(&mut app.conn()).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_cleanly() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    let token = app.csrf().await;
    let huge = "x".repeat(400 * 1024);
    let res = app
        .client
        .post(app.url("/admin/organisations"))
        .form(&[
            ("csrf", token.as_str()),
            ("slug", "big"),
            ("address", &huge),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("larger than this server accepts")
    );
}

#[tokio::test]
async fn a_malformed_query_parameter_is_a_400_page_not_a_crash() {
    let app = TestApp::spawn().await;
    let auditor = app.create_user("auditor", None);
    app.sign_in_as(&auditor).await;
    let (status, html) = app.page("/admin/audit?before=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("parameter that could not be read"));
}

#[tokio::test]
async fn an_unexpected_failure_shows_a_generic_page_with_a_request_id_and_no_internals() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    app.execute("ALTER TABLE organisations RENAME TO organisations_gone");
    for (language, title) in [("en", "Something went wrong"), ("lo", "")] {
        let res = app
            .client
            .get(app.url("/admin/organisations"))
            .header("accept-language", language)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{language}\">")));
        if !title.is_empty() {
            assert_eq!(text_of(&html, "h1").unwrap(), title);
        }
        assert_eq!(text_of(&html, ".error-page code").unwrap().len(), 36);
        for internal in [
            "no such table",
            "does not exist",
            "relation",
            "SELECT",
            "diesel",
        ] {
            assert!(!html.contains(internal), "{internal:?} leaked: {html}");
        }
    }
}

#[tokio::test]
async fn a_value_the_code_does_not_know_in_a_row_is_a_500_page_not_a_default() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    let other = app.create_user("auditor", None);
    app.execute(&format!(
        "UPDATE users SET role = 'overseer' WHERE id = '{}'",
        other.id
    ));
    let (status, html) = app.page("/admin/users").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(text_of(&html, ".error-page code").unwrap().len(), 36);
    assert!(
        !html.contains("overseer"),
        "the stored value is logged, not shown"
    );
}
