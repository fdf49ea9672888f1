//! The registry of connections: approval numbers, the lifecycle with due process, the
//! scheduler, and the public registry with its exports.

use chrono::TimeDelta;
use reqwest::StatusCode;

use interconnect_registry::db::models::connection::{self as connection_db, Connection};
use interconnect_registry::domain::clock::Clock;
use interconnect_registry::workflows::scheduler;

use crate::helpers::{TestApp, text_of};
use crate::workflow_helpers::{Cast, complete_fields, insert_connections};

fn events(app: &TestApp, connection: &Connection) -> Vec<String> {
    connection_db::list_events(&mut app.conn(), &connection.id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

fn reload(app: &TestApp, connection: &Connection) -> Connection {
    connection_db::find(&mut app.conn(), &connection.id)
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn approvals_become_connections_with_gap_free_numbers() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let first = cast.approved_connection().await;
    let second = cast.approved_connection().await;
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(first.approval_number, format!("IC-{year}-00001"));
    assert_eq!(second.approval_number, format!("IC-{year}-00002"));
    assert_eq!(first.status.as_str(), "active");
    assert_eq!(first.counterparty_country, "TH");
    assert_eq!(first.capacity_mbps, 10000);
    assert_eq!(first.conditions, "Keep records");
    assert_eq!((first.valid_until - first.valid_from).num_days(), 364);
    assert_eq!(events(&app, &first), ["approved"]);

    let (_, mine) = cast.provider.browser.page("/connections").await;
    assert!(mine.contains(&first.approval_number) && mine.contains(&second.approval_number));
    let outsider = app.another_browser();
    outsider
        .sign_in_as(&app.create_user("org_admin", None))
        .await;
    assert_eq!(
        outsider
            .get(&format!("/connections/{}", first.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_chair_suspends_in_an_emergency_and_reinstates() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let path = format!("/committee/connections/{}", connection.id);
    let res = cast
        .technical
        .post(&format!("{path}/suspend"), &[("reason", "x")])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "only the chair suspends"
    );
    let res = cast
        .chair
        .post(&format!("{path}/suspend"), &[("reason", "")])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a suspension needs a reason"
    );
    cast.chair
        .act(
            &format!("{path}/suspend"),
            &[
                ("reason", "Traffic to a scam call centre"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(reload(&app, &connection).status.as_str(), "suspended");
    let res = cast
        .chair
        .post(
            &format!("{path}/suspend"),
            &[("reason", "again"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let (_, public) = app
        .page(&format!("/registry/{}", connection.approval_number))
        .await;
    assert!(public.contains("Suspended"));
    assert!(
        !public.contains("scam call centre"),
        "the reason is not public"
    );

    cast.chair
        .act(
            &format!("{path}/reinstate"),
            &[("reason", "Provider cut the customer off")],
        )
        .await;
    assert_eq!(reload(&app, &connection).status.as_str(), "active");
    assert_eq!(
        events(&app, &connection),
        ["approved", "suspended", "reinstated"]
    );
}

#[tokio::test]
async fn revocation_follows_due_process_to_a_verified_disconnection() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let committee = format!("/committee/connections/{}", connection.id);
    let provider = format!("/connections/{}", connection.id);

    cast.secretariat
        .act(
            &format!("{committee}/show-cause"),
            &[("notice", "Evidence of SIM-box fraud over this link.")],
        )
        .await;
    let res = cast
        .chair
        .post(
            &format!("{committee}/decide"),
            &[
                ("outcome", "revoke"),
                ("reason", "Fraud"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "no revocation before the answer or the deadline"
    );

    let (_, page) = cast.provider.browser.page(&provider).await;
    assert!(page.contains("Evidence of SIM-box fraud over this link."));
    let res = cast
        .provider
        .upload_to(
            &format!("{provider}/files"),
            "show_cause_answer",
            "blocked.exe",
            b"MZ\x90 not a pdf",
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "files are checked by content"
    );
    let res = cast
        .provider
        .upload_to(
            &format!("{provider}/files"),
            "show_cause_answer",
            "block-log.pdf",
            crate::workflow_helpers::PDF,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    cast.provider
        .act(
            &format!("{provider}/answer"),
            &[("answer", "We blocked the customer.")],
        )
        .await;
    let files = connection_db::list_files(&mut app.conn(), &connection.id).unwrap();
    assert_eq!(
        (
            files.len(),
            files[0].file_name.as_str(),
            files[0].purpose.as_str()
        ),
        (1, "block-log.pdf", "show_cause_answer")
    );
    let file_url = format!("/connections/{}/files/{}", connection.id, files[0].id);
    assert_eq!(
        cast.chair.browser.get(&file_url).await.status(),
        StatusCode::OK,
        "the committee reads the answer's files"
    );
    let outsider = app.another_browser();
    outsider
        .sign_in_as(&app.create_user("org_admin", None))
        .await;
    assert_eq!(
        outsider.get(&file_url).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = outsider
        .post(&format!("{provider}/answer"), &[("answer", "not mine")])
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    cast.chair
        .act(
            &format!("{committee}/decide"),
            &[
                ("outcome", "revoke"),
                ("reason", "Repeated fraud"),
                ("disconnection_days", "15"),
                ("confirm", "yes"),
            ],
        )
        .await;
    let revoked = reload(&app, &connection);
    assert_eq!(revoked.status.as_str(), "revoked");
    assert_eq!(
        (revoked.disconnection_deadline.unwrap() - revoked.revoked_at.unwrap()).num_days(),
        15
    );

    let res = cast
        .secretariat
        .post(&format!("{committee}/verify"), &[])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "nothing to verify before the provider confirms"
    );
    let res = cast
        .provider
        .upload_to(
            &format!("{provider}/files"),
            "disconnection_evidence",
            "patch.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\0IEND\xaeB`\x82",
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    cast.provider
        .act(
            &format!("{provider}/disconnected"),
            &[("evidence", "Port xe-0/0/1 shut; photo of removed patch.")],
        )
        .await;
    // The secretariat, who verifies, and the provider read what was written.
    for (browser, page) in [
        (&cast.secretariat.browser, &committee),
        (&cast.provider.browser, &provider),
    ] {
        let (_, html) = browser.page(page).await;
        assert_eq!(
            text_of(&html, ".disconnection-evidence").as_deref(),
            Some("Port xe-0/0/1 shut; photo of removed patch."),
            "{page}"
        );
    }
    cast.secretariat
        .act(&format!("{committee}/verify"), &[])
        .await;
    assert_eq!(
        events(&app, &connection),
        [
            "approved",
            "show_cause",
            "show_cause_answered",
            "revoked",
            "disconnection_confirmed",
            "disconnection_verified"
        ]
    );
    let (_, public) = app
        .page(&format!("/registry/{}", connection.approval_number))
        .await;
    assert!(public.contains("Revoked on"));
    assert!(!public.contains("SIM-box"), "proceedings stay internal");
}

#[tokio::test]
async fn missed_deadlines_are_flagged_once() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let committee = format!("/committee/connections/{}", connection.id);
    cast.secretariat
        .act(
            &format!("{committee}/show-cause"),
            &[("notice", "Explain."), ("days", "10")],
        )
        .await;
    app.clock.advance(TimeDelta::days(11));
    app.run_scheduler();
    app.run_scheduler();
    cast.chair
        .act(
            &format!("{committee}/decide"),
            &[
                ("outcome", "revoke"),
                ("reason", "No answer"),
                ("disconnection_days", "5"),
                ("confirm", "yes"),
            ],
        )
        .await;
    app.clock.advance(TimeDelta::days(6));
    let report = app.run_scheduler();
    assert_eq!(report.connections.missed_deadlines, 1);
    assert_eq!(app.run_scheduler().connections.missed_deadlines, 0);
    let kinds = events(&app, &connection);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "show_cause_deadline_missed")
            .count(),
        1
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "disconnection_deadline_missed")
            .count(),
        1
    );
    let (_, list) = cast
        .secretariat
        .browser
        .page("/committee/connections")
        .await;
    assert!(
        list.contains(&connection.approval_number),
        "a revoked, unverified connection needs action"
    );
}

#[tokio::test]
async fn reminders_come_at_90_30_and_7_days_then_the_connection_expires() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let today = app.clock.today_in_vientiane();
    let until = connection.valid_until;
    let mut sent = Vec::new();
    for days_before in [120, 90, 89, 30, 29, 7, 1] {
        let target = until - TimeDelta::days(days_before);
        app.clock
            .advance(target - app.clock.today_in_vientiane().max(today));
        let report = app.run_scheduler();
        sent.push((days_before, report.connections.reminders));
    }
    assert_eq!(
        sent,
        [(120, 0), (90, 1), (89, 0), (30, 1), (29, 0), (7, 1), (1, 0)]
    );
    app.clock.advance(TimeDelta::days(2));
    assert_eq!(app.run_scheduler().connections.expired, 1);
    assert_eq!(reload(&app, &connection).status.as_str(), "expired");
    assert_eq!(app.run_scheduler().connections.expired, 0);
}

#[tokio::test]
async fn two_schedulers_at_once_do_each_job_once() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    app.clock
        .advance(connection.valid_until - app.clock.today_in_vientiane() + TimeDelta::days(1));
    let (pool_a, pool_b) = (app.pool.clone(), app.pool.clone());
    let (clock_a, clock_b) = (app.clock.clone(), app.clock.clone());
    let (rules_a, rules_b) = (app.settings.rules.clone(), app.settings.rules.clone());
    let a = std::thread::spawn(move || {
        scheduler::run_as(&pool_a, clock_a.as_ref(), &rules_a, "server-a").unwrap()
    });
    let b = std::thread::spawn(move || {
        scheduler::run_as(&pool_b, clock_b.as_ref(), &rules_b, "server-b").unwrap()
    });
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!(
        u8::from(a.ran) + u8::from(b.ran),
        1,
        "one server holds the lease"
    );
    assert_eq!(a.connections.expired + b.connections.expired, 1);
    // Even without the lease (its holder gone), the work is not done twice.
    app.clock.advance(TimeDelta::minutes(5));
    let again = scheduler::run_as(
        &app.pool,
        app.clock.as_ref(),
        &app.settings.rules,
        "server-c",
    )
    .unwrap();
    assert!(again.ran);
    assert_eq!(again.connections.expired, 0);
    assert_eq!(
        events(&app, &connection)
            .iter()
            .filter(|k| *k == "expired")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_renewal_extends_the_same_connection_and_a_modification_keeps_the_old_terms() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;

    let mut fields = complete_fields();
    fields.push((
        "related_approval_number",
        connection.approval_number.clone(),
    ));
    let renewal = cast.provider.submit_application("renewal", &fields).await;
    cast.review_and_open_vote(&renewal, &[(&cast.technical, "technical")])
        .await;
    cast.approve(&renewal, "24").await;
    let renewed = reload(&app, &connection);
    assert_eq!(
        renewed.approval_number, connection.approval_number,
        "the same connection"
    );
    let expected = interconnect_registry::domain::connection::valid_until(
        connection.valid_until.succ_opt().unwrap(),
        24,
    );
    assert_eq!(
        renewed.valid_until, expected,
        "extended by the new term from the old end"
    );
    assert!(events(&app, &connection).contains(&"renewed".to_string()));

    fields
        .iter_mut()
        .find(|(k, _)| *k == "capacity_mbps")
        .unwrap()
        .1 = "40000".into();
    let modification = cast
        .provider
        .submit_application("modification", &fields)
        .await;
    cast.review_and_open_vote(&modification, &[(&cast.technical, "technical")])
        .await;
    cast.approve(&modification, "12").await;
    let modified = reload(&app, &connection);
    assert_eq!(modified.capacity_mbps, 40000);
    assert_eq!(
        modified.valid_until, renewed.valid_until,
        "a modification keeps the validity"
    );
    let history = connection_db::list_events(&mut app.conn(), &connection.id).unwrap();
    let change = history.iter().find(|e| e.kind == "modified").unwrap();
    assert!(
        change.details.contains("\"capacity_mbps\":\"10000\""),
        "the old terms are kept: {}",
        change.details
    );
}

#[tokio::test]
async fn a_renewal_must_name_one_of_the_providers_own_live_connections() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.start_application("renewal").await;
    let mut fields = complete_fields();
    fields.push(("related_approval_number", "IC-2020-00999".into()));
    let res = cast.provider.save(&id, &fields, "submit").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        text_of(&html, "#e-related_approval_number")
            .unwrap()
            .contains("No active or suspended connection")
    );
}

const CONFIDENTIAL: [&str; 8] = [
    "noy@skynet.example.la",
    "lawful@skynet.example.la",
    "abuse@skynet.example.la",
    "+856 21 123 456",
    "Khamla",
    "INTERNAL-NOTE",
    "diagram.pdf",
    "Skynet Vientiane DC1",
];

#[tokio::test]
async fn public_pages_and_exports_show_no_confidential_field() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let anonymous = crate::helpers::client("en");
    for path in [
        "/registry".to_string(),
        format!("/registry/{}", connection.approval_number),
        "/registry.csv".to_string(),
        "/registry.json".to_string(),
        "/statistics".to_string(),
    ] {
        let res = anonymous.get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path} is public");
        let body = res.text().await.unwrap();
        assert!(
            body.contains(&connection.approval_number) || path == "/statistics",
            "{path} lists the connection"
        );
        for secret in CONFIDENTIAL {
            assert!(!body.contains(secret), "{path} leaks {secret:?}");
        }
    }
    let json: serde_json::Value = anonymous
        .get(app.url("/registry.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = &json.as_array().unwrap()[0];
    let keys: Vec<&str> = row
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "approval_number",
            "connection_type",
            "counterparty_country",
            "counterparty_name",
            "provider_en",
            "provider_lo",
            "provider_slug",
            "revoked_at",
            "status",
            "valid_from",
            "valid_until"
        ]
    );
    let csv = anonymous
        .get(app.url("/registry.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}approval_number,provider_en,provider_lo,connection_type,"));
    assert_eq!(csv.lines().count(), 2);
}

#[tokio::test]
async fn filters_find_the_right_connections_and_bad_filters_are_refused() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    for (query, found) in [
        ("country=TH", true),
        ("country=vn", false),
        ("type=ip_transit", true),
        ("type=microwave", false),
        ("status=active", true),
        ("status=revoked", false),
        ("q=thai+transit", true),
        ("q=%25%27%3B+DROP+TABLE+connections%3B--", false),
        ("sort=expiry", true),
    ] {
        let (status, html) = app.page(&format!("/registry?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(html.contains(&connection.approval_number), found, "{query}");
    }
    for bad in [
        "country=XX",
        "type=carrier-pigeon",
        "status=lost",
        "sort=random",
        "after=%%%",
    ] {
        assert_eq!(
            app.get(&format!("/registry?{bad}")).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let (status, _) = app.page("/registry/IC-1999-00000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pagination_neither_repeats_nor_skips_while_new_connections_arrive() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let application = cast.provider.start_application("new").await;
    let org = cast.provider.user.id.clone();
    let org = interconnect_registry::db::models::user::find(&mut app.conn(), &org)
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    insert_connections(&app, &application, &org, 0, 120);
    let mut seen = Vec::new();
    let mut next = "/registry?country=SG".to_string();
    let mut pages = 0;
    loop {
        let (status, html) = app.page(&next).await;
        assert_eq!(status, StatusCode::OK);
        let doc = scraper::Html::parse_document(&html);
        let cells = scraper::Selector::parse("table.registry tbody tr td:first-child a").unwrap();
        seen.extend(doc.select(&cells).map(|a| a.text().collect::<String>()));
        pages += 1;
        if pages == 1 {
            // New approvals arrive after the first page was read: they are newer, so they
            // belong before it and must not shift the pages that follow.
            insert_connections(&app, &application, &org, 500, 10);
        }
        let link = scraper::Selector::parse("nav.pager a[rel=\"next\"]").unwrap();
        match doc.select(&link).next() {
            Some(a) => next = a.value().attr("href").unwrap().replace("&amp;", "&"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..120).rev().map(|i| format!("IC-2000-{i:05}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn the_statistics_page_draws_charts_and_gives_the_numbers() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    cast.approved_connection().await;
    let (status, html) = app.page("/statistics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(html.contains("Thailand (TH)"));
    assert!(
        html.contains(
            "Median time from a complete application to the decision: 0 days (1 decision)."
        )
    );
    let lao = crate::helpers::client("lo");
    let html = lao
        .get(app.url("/statistics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("ໄທ (TH)"), "labels in Lao");
}

#[tokio::test]
async fn racing_approvals_get_distinct_gap_free_numbers() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let id = cast.application_in_vote().await;
        for voter in cast.voters() {
            voter.vote(&id, "approve", "ok").await;
        }
        ids.push(id);
    }
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let chair = cast.chair.browser.another_tab();
        tasks.push(tokio::spawn(async move {
            chair
                .post(
                    &format!("/committee/applications/{id}/decide"),
                    &[("legal_basis", "Notice No. 258"), ("validity_months", "12")],
                )
                .await
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let mut numbers: Vec<String> = ids
        .iter()
        .map(|id| cast.connection_of(id).approval_number)
        .collect();
    numbers.sort();
    let year = chrono::Utc::now().format("%Y").to_string();
    let expected: Vec<String> = (1..=4).map(|n| format!("IC-{year}-{n:05}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn show_cause_proceedings_can_close_without_revocation() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let committee = format!("/committee/connections/{}", connection.id);
    let res = cast
        .secretariat
        .post(
            &format!("{committee}/show-cause"),
            &[("notice", "Unusual call volumes."), ("days", "0")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the answer period is 1 to 180 days"
    );
    assert!(text_of(&res.text().await.unwrap(), "#e-days").is_some());
    cast.secretariat
        .act(
            &format!("{committee}/show-cause"),
            &[("notice", "Unusual call volumes.")],
        )
        .await;
    let res = cast
        .secretariat
        .post(&format!("{committee}/show-cause"), &[("notice", "Again.")])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "one open proceeding at a time"
    );
    cast.chair
        .act(
            &format!("{committee}/decide"),
            &[
                ("outcome", "dismiss"),
                ("reason", "Volumes explained by a new customer"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(reload(&app, &connection).status.as_str(), "active");
    assert_eq!(
        events(&app, &connection),
        ["approved", "show_cause", "show_cause_dismissed"]
    );
    let res = cast
        .chair
        .post(
            &format!("{committee}/decide"),
            &[("outcome", "revoke"), ("reason", "x"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "a closed case cannot be decided again"
    );
}

#[tokio::test]
async fn the_committee_reaches_any_connection_from_its_list_of_all_and_from_the_registry() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = connection.approval_number.as_str();
    let committee = format!("/committee/connections/{}", connection.id);
    let provider = interconnect_registry::db::models::organisation::find(
        &mut app.conn(),
        &connection.organisation_id,
    )
    .unwrap()
    .unwrap();

    // Active with nothing open, it is not among the cases to act on, which lead on to
    // the list of every connection.
    let (_, to_act_on) = cast.chair.browser.page("/committee/connections").await;
    assert!(!to_act_on.contains(number));
    assert!(to_act_on.contains("href=\"/committee/registry\""));

    // The list of every connection finds it by number or provider, and leads to its
    // committee page.
    for filter in [format!("q={number}"), format!("provider={}", provider.slug)] {
        let (status, all) = cast
            .chair
            .browser
            .page(&format!("/committee/registry?{filter}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        assert!(all.contains(&format!("href=\"{committee}\"")), "{filter}");
        assert!(all.contains(&provider.name_en), "{filter}: the provider");
    }
    let (status, _) = cast
        .chair
        .browser
        .page("/committee/registry?country=not-a-country")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The public record leads staff (and only staff) to the committee page.
    let record = format!("/registry/{number}");
    let (_, page) = cast.secretariat.browser.page(&record).await;
    assert!(page.contains(&format!("href=\"{committee}\"")));
    for browser in [&cast.provider.browser, &app.another_browser()] {
        let (_, page) = browser.page(&record).await;
        assert!(!page.contains(&committee));
    }

    // The committee page names the provider, and the chair suspends from it.
    let (_, page) = cast.chair.browser.page(&committee).await;
    assert!(
        text_of(&page, "dl.details")
            .unwrap()
            .contains(&provider.name_en),
        "the provider is named"
    );
    cast.chair
        .act(
            &format!("{committee}/suspend"),
            &[("reason", "Interference"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(
        connection_db::find(&mut app.conn(), &connection.id)
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "suspended"
    );
}

#[tokio::test]
async fn csv_exports_start_with_a_byte_order_mark_and_no_separator_starts_a_formula() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let mut fields = complete_fields();
    fields.retain(|(name, _)| *name != "counterparty_name");
    fields.push(("counterparty_name", "x;=1+1".to_string()));
    let id = cast.provider.submit_application("new", &fields).await;
    let reviewers = [
        (&cast.technical, "technical"),
        (&cast.security, "security"),
        (&cast.legal, "legal"),
    ];
    cast.review_and_open_vote(&id, &reviewers).await;
    cast.approve(&id, "12").await;
    for path in ["/registry.csv", "/api/v1/registry.csv"] {
        let bytes = reqwest::get(app.url(path))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(
            bytes.starts_with(b"\xef\xbb\xbfapproval_number,provider_en,"),
            "{path} starts with a UTF-8 byte-order mark"
        );
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.contains(",x;'=1+1,TH,"), "{path}: {text}");
        for line in text.lines() {
            for piece in line.split([',', ';', '\t', '|']) {
                assert!(
                    !piece
                        .trim_start_matches([' ', '"'])
                        .starts_with(['=', '+', '-', '@']),
                    "{path}: {piece:?} in {line:?}"
                );
            }
        }
    }
}
