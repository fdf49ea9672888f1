use reqwest::StatusCode;

use interconnect_registry::db::audit::{ChainStatus, list_recent, verify_chain};
use interconnect_registry::domain::audit::ChainBreak;

use crate::helpers::{PASSWORD, TestApp, text_of};

fn drop_append_only_guard(app: &TestApp) {
    if app.is_postgres() {
        app.execute("DROP TRIGGER audit_events_no_change ON audit_events");
    } else {
        app.execute("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;");
    }
}

#[tokio::test]
async fn every_change_and_sign_in_is_recorded_with_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in(&admin.email, "wrong password here").await;
    app.sign_in_as(&admin).await;
    let res = app
        .post(
            "/admin/organisations",
            &[
                ("slug", "audited"),
                ("name_en", "Audited"),
                ("name_lo", "ກວດ"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.sign_out().await;

    let events = list_recent(&mut app.conn(), 50, None).unwrap();
    let actions: Vec<&str> = events.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "session.sign_in_failed",
            "session.password_accepted",
            "user.two_factor_enabled",
            "session.sign_in",
            "organisation.create",
            "session.sign_out"
        ]
    );
    let created = events
        .iter()
        .find(|e| e.action == "organisation.create")
        .unwrap();
    assert_eq!(created.actor_id.as_deref(), Some(admin.id.as_str()));
    assert!(
        created
            .after_state
            .as_deref()
            .unwrap()
            .contains("\"slug\":\"audited\"")
    );
    assert_eq!(created.ip, "127.0.0.1");
    let user_created = events.iter().find(|e| e.action == "user.create").unwrap();
    assert!(
        !user_created
            .after_state
            .as_deref()
            .unwrap()
            .contains("argon2"),
        "no password hash in the log"
    );
    assert_eq!(
        verify_chain(&mut app.conn()).unwrap(),
        ChainStatus::Intact { events: 7 }
    );
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_audit_events() {
    let app = TestApp::spawn().await;
    app.create_user("admin", None);
    let mut conn = app.conn();
    use diesel::connection::SimpleConnection;
    assert!(
        conn.batch_execute("UPDATE audit_events SET action = 'x'")
            .is_err()
    );
    assert!(conn.batch_execute("DELETE FROM audit_events").is_err());
}

#[tokio::test]
async fn editing_an_audit_event_is_caught_at_that_event() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.create_user("reviewer", None);
    }
    drop_append_only_guard(&app);
    app.execute("UPDATE audit_events SET actor_label = 'someone else' WHERE seq = 2");
    assert_eq!(
        verify_chain(&mut app.conn()).unwrap(),
        ChainStatus::Broken(ChainBreak::HashMismatch { seq: 2 })
    );

    let auditor = app.create_user("auditor", None);
    app.sign_in_as(&auditor).await;
    let (status, html) = app.page("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("The audit chain is broken at event 2"),
        "{html}"
    );
}

#[tokio::test]
async fn the_audit_page_walks_what_the_scheduled_check_has_not_and_a_daily_full_walk_finds_old_edits()
 {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.create_user("reviewer", None);
    }
    let auditor = app.create_user("auditor", None);
    app.sign_in_as(&auditor).await;
    // Before any scheduled check, the page walks the whole chain itself.
    let (_, html) = app.page("/admin/audit").await;
    assert!(html.contains("The audit chain is intact"), "{html}");
    assert!(!html.contains("The scheduled check last walked"));

    let report = app.run_scheduler();
    assert!(matches!(
        report.audit_chain,
        Some(ChainStatus::Intact { .. })
    ));
    let (_, html) = app.page("/admin/audit").await;
    assert!(html.contains("The audit chain is intact"), "{html}");
    assert!(
        html.contains("The scheduled check last walked the whole chain at"),
        "{html}"
    );

    // An event recorded after the check, then altered, is caught at the next view.
    app.create_user("reviewer", None);
    let newest = list_recent(&mut app.conn(), 1, None).unwrap()[0].seq;
    drop_append_only_guard(&app);
    app.execute(&format!(
        "UPDATE audit_events SET actor_label = 'someone else' WHERE seq = {newest}"
    ));
    let (_, html) = app.page("/admin/audit").await;
    assert!(
        html.contains(&format!("The audit chain is broken at event {newest}")),
        "{html}"
    );

    // An event the check had already walked, altered, is caught by the next full walk,
    // at most a day later (and by verify-audit at any time).
    app.execute("UPDATE audit_events SET actor_label = 'someone else' WHERE seq = 2");
    assert_eq!(
        verify_chain(&mut app.conn()).unwrap(),
        ChainStatus::Broken(ChainBreak::HashMismatch { seq: 2 })
    );
    app.clock.advance(chrono::TimeDelta::hours(25));
    let report = app.run_scheduler();
    assert_eq!(
        report.audit_chain,
        Some(ChainStatus::Broken(ChainBreak::HashMismatch { seq: 2 }))
    );
    let (_, html) = app.page("/admin/audit").await;
    assert!(
        html.contains("The audit chain is broken at event 2"),
        "{html}"
    );
}

#[tokio::test]
async fn deleting_an_audit_event_is_caught() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.create_user("reviewer", None);
    }
    drop_append_only_guard(&app);
    app.execute("DELETE FROM audit_events WHERE seq = 2");
    assert_eq!(
        verify_chain(&mut app.conn()).unwrap(),
        ChainStatus::Broken(ChainBreak::Gap {
            previous: 1,
            found: 3
        })
    );
    app.execute("DELETE FROM audit_events WHERE seq = 3");
    assert_eq!(
        verify_chain(&mut app.conn()).unwrap(),
        ChainStatus::Broken(ChainBreak::HeadMismatch {
            last_seen: 1,
            head_seq: 3
        })
    );
}

#[tokio::test]
async fn concurrent_changes_keep_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let users: Vec<_> = (0..6)
        .map(|_| app.create_user("secretariat", None))
        .collect();
    let mut tasks = Vec::new();
    for user in users {
        let browser = app.another_browser();
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                let res = browser.sign_in(&user.email, PASSWORD).await;
                assert_eq!(res.status(), StatusCode::SEE_OTHER);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        verify_chain(&mut app.conn()).unwrap(),
        ChainStatus::Intact { events: 6 + 18 }
    );
}

/// The events of `action`, oldest first.
fn events_of(app: &TestApp, action: &str) -> Vec<interconnect_registry::db::audit::AuditEvent> {
    let mut events = list_recent(&mut app.conn(), 1000, None).unwrap();
    events.retain(|e| e.action == action);
    events.reverse();
    events
}

#[tokio::test]
async fn a_typed_email_of_200_kilobytes_is_kept_cut_to_254_characters_with_the_cut_marked() {
    let app = TestApp::spawn().await;
    let typed = format!("{}@x.la", "a".repeat(200_000));
    let res = app.sign_in(&typed, "not the password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let failed = events_of(&app, "session.sign_in_failed");
    let label = &failed.first().expect("the failure is audited").actor_label;
    assert_eq!(label.chars().count(), 254, "{label}");
    assert_eq!(label, &format!("{}…[+199761]", "a".repeat(244)));
    assert_eq!(
        verify_chain(&mut app.conn()).unwrap(),
        ChainStatus::Intact { events: 1 }
    );
}

#[tokio::test]
async fn refused_sign_ins_and_token_requests_are_audited_once_per_account_and_address() {
    let app = TestApp::spawn_with(&[("API_TOKENS_PER_MINUTE", "3")]).await;
    let user = app.create_user("applicant", None);
    let mut refused = 0;
    for _ in 0..60 {
        let res = app.sign_in(&user.email, "not the password").await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert!(refused >= 50, "{refused} of 60 refused");
    let failed = events_of(&app, "session.sign_in_failed");
    assert!(failed.len() <= 6, "{} failures audited", failed.len());
    let limited = events_of(&app, "session.sign_in_rate_limited");
    let keys: Vec<(&str, &str, Option<&str>)> = limited
        .iter()
        .map(|e| {
            (
                e.subject_type.as_str(),
                e.subject_id.as_str(),
                e.after_state.as_deref(),
            )
        })
        .collect();
    let first = Some(r#"{"refused":1,"window_seconds":60}"#);
    assert_eq!(
        keys,
        [
            ("account", user.email.as_str(), first),
            ("address", "127.0.0.1", first)
        ]
    );
    assert!(limited.iter().all(|e| e.ip == "127.0.0.1"));
    assert_eq!(limited[0].actor_label, user.email);

    let http = reqwest::Client::new();
    for _ in 0..20 {
        let res = http
            .post(app.url("/api/v1/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "ic_nobody"),
                ("client_secret", "guess"),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            matches!(
                res.status(),
                StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
            ),
            "{}",
            res.status()
        );
    }
    let limited = events_of(&app, "api.token_rate_limited");
    assert_eq!(limited.len(), 1, "one event for 17 refusals");
    assert_eq!(limited[0].actor_label, "ic_nobody");
    assert!(matches!(
        verify_chain(&mut app.conn()).unwrap(),
        ChainStatus::Intact { .. }
    ));
}

#[tokio::test]
async fn the_audit_log_reads_in_the_readers_language_with_its_codes_and_dates_in_that_style() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    let now = interconnect_registry::domain::clock::Clock::now(app.clock.as_ref());
    let iso_day = interconnect_registry::domain::clock::in_vientiane(&now, "%Y-%m-%d");
    let lao_day = interconnect_registry::domain::clock::in_vientiane(&now, "%d/%m/%Y");

    let (status, html) = app.page("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    let english = text_of(&html, "table.audit").unwrap();
    assert!(english.contains("Signed in"), "{english}");
    assert!(
        html.contains("<code>session.sign_in</code>"),
        "the code stays"
    );
    assert!(
        english.contains(&format!("{iso_day} ")),
        "ISO date: {english}"
    );
    assert!(!english.contains("ວັນທີ"), "{english}");

    app.post("/language", &[("lang", "lo"), ("next", "/admin/audit")])
        .await;
    let (status, html) = app.page("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    let lao = text_of(&html, "table.audit").unwrap();
    assert!(lao.contains("ເຂົ້າສູ່ລະບົບ"), "action in Lao: {lao}");
    assert!(lao.contains("ຜູ້ນຳໃຊ້"), "subject type in Lao: {lao}");
    assert!(
        html.contains("<code>session.sign_in</code>"),
        "the code stays"
    );
    assert!(
        lao.contains(&format!("ວັນທີ {lao_day} ເວລາ ")),
        "Lao date: {lao}"
    );
}
