//! `/metrics`: off without a token and only for its bearer with one; request counters that
//! move with real requests, labelled by route pattern; gauges that follow the database;
//! scheduler runs and mail deliveries counted as the background tasks do them.

use std::time::Duration;

use chrono::TimeDelta;
use interconnect_registry::startup::Application;
use interconnect_registry::web::state::Runtime;
use interconnect_registry::workflows::scheduler;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::smtp_sink::{Reply, SmtpSink};
use crate::workflow_helpers::Member;

const TOKEN: &str = "metrics-token-0123456789-metrics-token";

async fn app_with_metrics() -> TestApp {
    TestApp::spawn_with(&[("METRICS_TOKEN", TOKEN)]).await
}

/// The exposition at `base`, as the operator's Prometheus fetches it.
async fn scrape_at(base: &str) -> String {
    let res = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    res.text().await.unwrap()
}

async fn scrape(app: &TestApp) -> String {
    scrape_at(&app.address).await
}

/// The value of one sample, named with its labels as written (`name{a="x",b="y"}`).
fn value(text: &str, sample: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(sample)?.strip_prefix(' ')?.parse().ok())
}

/// Scrapes `base` until `sample` has the value `expected`; panics with the last scrape after
/// ten seconds.
async fn wait_for(base: &str, sample: &str, expected: f64) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        text = scrape_at(base).await;
        if value(&text, sample) == Some(expected) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{sample} never reached {expected}:\n{text}");
}

#[tokio::test]
async fn metrics_are_off_without_a_token_and_need_the_token_when_set() {
    let off = TestApp::spawn().await;
    assert_eq!(off.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let res = off
        .client
        .get(off.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let app = app_with_metrics().await;
    let client = reqwest::Client::new();
    let url = app.url("/metrics");
    let almost = &TOKEN[..TOKEN.len() - 1];
    for request in [
        client.get(&url),
        client
            .get(&url)
            .bearer_auth("wrong-token-wrong-token-wrong-token-00"),
        client.get(&url).bearer_auth(almost),
        client.get(&url).bearer_auth(format!("{TOKEN}x")),
        client.get(&url).basic_auth(TOKEN, Some(TOKEN)),
        client.get(&url).header("Authorization", TOKEN),
    ] {
        let res = request.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert!(
            res.text().await.unwrap().is_empty(),
            "a 401 says nothing more"
        );
    }
    // A signed-in session is no substitute for the token.
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::UNAUTHORIZED);

    let res = client
        .get(&url)
        .header("Authorization", format!("bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers().get("set-cookie").is_none(),
        "no session, no CSRF seed"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn requests_are_counted_under_their_route_pattern() {
    let app = app_with_metrics().await;
    let before = scrape(&app).await;
    let livez = r#"interconnect_http_requests_total{method="GET",route="/livez",status="2xx"}"#;
    assert_eq!(value(&before, livez), None, "no request yet");

    for _ in 0..3 {
        assert_eq!(app.get("/livez").await.status(), StatusCode::OK);
    }
    let record = app.get("/registry/IC-1999-00001").await.status();
    assert_eq!(record, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/no/such/page/48213").await.status(),
        StatusCode::NOT_FOUND
    );
    let wrong_method = app.post_raw("/livez", &[]).await.status();
    assert_eq!(wrong_method, StatusCode::NOT_FOUND);

    let text = scrape(&app).await;
    assert_eq!(value(&text, livez), Some(3.0));
    assert_eq!(
        value(
            &text,
            r#"interconnect_http_requests_total{method="GET",route="/registry/{number}",status="4xx"}"#
        ),
        Some(1.0),
        "labelled by the pattern, not the path"
    );
    assert_eq!(
        value(
            &text,
            r#"interconnect_http_requests_total{method="GET",route="unmatched",status="4xx"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            r#"interconnect_http_requests_total{method="POST",route="unmatched",status="4xx"}"#
        ),
        Some(1.0),
        "a path with no route for its method is unmatched too"
    );
    assert_eq!(
        value(
            &text,
            r#"interconnect_http_requests_total{method="GET",route="/metrics",status="2xx"}"#
        ),
        Some(1.0),
        "the first scrape, counted once answered"
    );
    assert!(!text.contains("IC-1999-00001") && !text.contains("48213"));

    let histogram = r#"{method="GET",route="/livez""#;
    assert_eq!(
        value(
            &text,
            &format!("interconnect_http_request_duration_seconds_count{histogram}}}")
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &text,
            &format!("interconnect_http_request_duration_seconds_bucket{histogram},le=\"+Inf\"}}")
        ),
        Some(3.0)
    );
    let sum = value(
        &text,
        &format!("interconnect_http_request_duration_seconds_sum{histogram}}}"),
    )
    .unwrap();
    assert!(sum > 0.0 && sum < 3.0, "{sum}");

    app.get("/livez").await;
    assert_eq!(value(&scrape(&app).await, livez), Some(4.0));
}

/// Asks for a password reset for each of `n` new users: one message each in the outbox.
async fn queue_resets(app: &TestApp, n: usize) {
    for _ in 0..n {
        let user = app.create_user("applicant", None);
        let res = app
            .another_browser()
            .post("/password/forgot", &[("email", &user.email)])
            .await;
        assert!(res.status().is_success(), "{}", res.status());
    }
}

#[tokio::test]
async fn the_outbox_depth_is_read_from_the_database() {
    let app = app_with_metrics().await;
    let text = scrape(&app).await;
    assert_eq!(value(&text, "interconnect_database_up"), Some(1.0));
    for status in ["queued", "held", "failed", "sent", "digested"] {
        let sample = format!("interconnect_outbox_messages{{status=\"{status}\"}}");
        assert_eq!(value(&text, &sample), Some(0.0), "{status}");
    }
    queue_resets(&app, 2).await;
    let text = scrape(&app).await;
    assert_eq!(
        value(&text, r#"interconnect_outbox_messages{status="queued"}"#),
        Some(2.0),
        "no mail server: both stay queued"
    );

    // When the database cannot answer, the scrape still shows what the process counted.
    app.execute("DROP TABLE outbox_messages");
    let text = scrape(&app).await;
    assert_eq!(value(&text, "interconnect_database_up"), Some(0.0));
    assert!(!text.contains("interconnect_outbox_messages"));
    assert!(text.contains("interconnect_http_requests_total{"));
}

#[tokio::test]
async fn mail_deliveries_are_counted_and_the_outbox_follows() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    sink.script(vec![Reply::Permanent]);
    let app = TestApp::spawn_full(
        &[
            ("METRICS_TOKEN", TOKEN),
            ("SMTP_URL", &url),
            ("MAIL_POLL_MS", "50"),
            ("MAIL_MAX_ATTEMPTS", "1"),
        ],
        true,
    )
    .await;
    queue_resets(&app, 3).await;
    let text = wait_for(
        &app.address,
        r#"interconnect_mail_deliveries_total{outcome="sent"}"#,
        2.0,
    )
    .await;
    assert_eq!(sink.received().len(), 2);
    assert_eq!(
        value(
            &text,
            r#"interconnect_mail_deliveries_total{outcome="failed"}"#
        ),
        Some(1.0),
        "the refused message, with no attempt left"
    );
    assert_eq!(
        value(
            &text,
            r#"interconnect_mail_deliveries_total{outcome="retried"}"#
        ),
        Some(0.0)
    );
    assert_eq!(
        value(&text, r#"interconnect_outbox_messages{status="sent"}"#),
        Some(2.0)
    );
    assert_eq!(
        value(&text, r#"interconnect_outbox_messages{status="failed"}"#),
        Some(1.0)
    );
    assert_eq!(
        value(&text, r#"interconnect_outbox_messages{status="queued"}"#),
        Some(0.0)
    );
}

async fn signed_in(app: &TestApp, role: &str) -> Member {
    let member = Member {
        user: app.create_user(role, None),
        browser: app.another_browser(),
    };
    member.browser.sign_in_as(&member.user).await;
    member
}

#[tokio::test]
async fn overdue_applications_are_counted_as_the_committee_inbox_counts_them() {
    const OVERDUE: &str = "interconnect_applications_overdue";
    let app = app_with_metrics().await;
    let provider = signed_in(&app, "org_admin").await;
    let secretariat = signed_in(&app, "secretariat").await;
    let late = provider.submit_complete_application().await;
    let withdrawn = provider.submit_complete_application().await;
    provider
        .act(
            &format!("/applications/{withdrawn}/withdraw"),
            &[("confirm", "yes")],
        )
        .await;
    provider.start_application("new").await;
    assert_eq!(value(&scrape(&app).await, OVERDUE), Some(0.0));

    app.clock.advance(TimeDelta::days(31));
    assert_eq!(value(&scrape(&app).await, OVERDUE), Some(1.0));
    let (_, inbox) = secretariat.browser.page("/committee").await;
    assert!(inbox.contains("1 application is past its decision date."));

    // An information request stops the committee's clock: no longer overdue, on either count.
    let case = format!("/committee/applications/{late}");
    secretariat.act(&format!("{case}/screen"), &[]).await;
    secretariat
        .act(
            &format!("{case}/request-info"),
            &[
                ("questions", "Please confirm the capacity."),
                ("days", "10"),
            ],
        )
        .await;
    assert_eq!(value(&scrape(&app).await, OVERDUE), Some(0.0));
    let (_, inbox) = secretariat.browser.page("/committee").await;
    assert!(!inbox.contains("class=\"overdue\""));
}

/// Another server on the application's database, running the scheduled jobs; its address.
async fn server_with_scheduler(app: &TestApp) -> String {
    let server = Application::build_with_pool(
        app.settings.clone().with_bind("127.0.0.1:0".into()),
        app.pool.clone(),
        Runtime {
            workers: Some(1),
            clock: app.clock.clone(),
            run_scheduler: true,
            run_mail_worker: false,
        },
    )
    .expect("build a second server");
    let address = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    address
}

#[tokio::test]
async fn scheduler_runs_are_counted_with_their_outcome() {
    const RAN: &str = r#"interconnect_scheduler_runs_total{outcome="ran"}"#;
    const SKIPPED: &str = r#"interconnect_scheduler_runs_total{outcome="skipped"}"#;
    const LAST: &str = "interconnect_scheduler_last_run_timestamp_seconds";
    let app = app_with_metrics().await;
    let text = scrape(&app).await;
    assert_eq!(value(&text, RAN), Some(0.0), "this server runs no jobs");

    // Another server holds the lease: the jobs are skipped here.
    let report = scheduler::run_as(
        &app.pool,
        app.clock.as_ref(),
        &app.settings.rules,
        "another-server",
    )
    .unwrap();
    assert!(report.ran);
    let skipping = server_with_scheduler(&app).await;
    let text = wait_for(&skipping, SKIPPED, 1.0).await;
    assert_eq!(value(&text, RAN), Some(0.0));
    assert_eq!(value(&text, LAST), Some(0.0));

    // Once that lease lapses, a server takes it and runs the jobs.
    app.clock.advance(TimeDelta::minutes(3));
    let running = server_with_scheduler(&app).await;
    let text = wait_for(&running, RAN, 1.0).await;
    assert_eq!(value(&text, SKIPPED), Some(0.0));
    assert!(value(&text, LAST).unwrap() > 1.7e9);
}
