//! What a provider meets every day: the dashboard of what needs an answer, the way from an
//! approved application to its connection and back, renewals started from a connection,
//! a form that asks only what applies, and the account's sessions and recovery codes;
//! and the committee's counts of what waits on each member.

use chrono::TimeDelta;
use interconnect_registry::domain::clock::Clock;
use reqwest::StatusCode;

use crate::helpers::{TestApp, location, second_step, text_of, value_of};
use crate::workflow_helpers::{Cast, complete_fields, id_from, insert_connections};

/// The text of the element `css` selects, its runs of white space made one space.
fn words(html: &str, css: &str) -> String {
    text_of(html, css)
        .unwrap_or_else(|| panic!("no {css} in the page"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where `needle` is in `text`, which must hold it.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {text:?}"))
}

fn reference_of(app: &TestApp, id: &str) -> String {
    interconnect_registry::db::models::application::find(&mut app.conn(), id)
        .unwrap()
        .unwrap()
        .reference
        .unwrap()
}

fn content_of(
    app: &TestApp,
    id: &str,
) -> interconnect_registry::domain::application_form::ApplicationContent {
    let stored = interconnect_registry::db::models::application::find(&mut app.conn(), id)
        .unwrap()
        .unwrap();
    stored.content
}

#[tokio::test]
async fn the_provider_dashboard_lists_what_needs_an_answer_with_the_days_left() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let today = app.clock.today_in_vientiane();
    app.execute(&format!(
        "UPDATE connections SET valid_from = '{}', valid_until = '{}' WHERE id = '{}'",
        today - TimeDelta::days(325),
        today + TimeDelta::days(40),
        connection.id
    ));
    cast.secretariat
        .act(
            &format!("/committee/connections/{}/show-cause", connection.id),
            &[("notice", "Resale of capacity"), ("days", "10")],
        )
        .await;
    let asked = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{asked}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[("questions", "Send the signed contract."), ("days", "15")],
        )
        .await;
    let draft = cast.provider.start_application("new").await;
    let (reference, number) = (reference_of(&app, &asked), connection.approval_number);

    let (status, html) = cast.provider.browser.page("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    let todo = words(&html, ".dashboard-todo");
    let show_cause = at(&todo, &format!("Answer the show-cause notice on {number}"));
    let request = at(
        &todo,
        &format!("Answer the information request on {reference}"),
    );
    assert!(
        show_cause < at(&todo, "10 days left")
            && at(&todo, "10 days left") < request
            && request < at(&todo, "15 days left"),
        "soonest first, each with its days left: {todo}"
    );
    let expiring = words(&html, ".dashboard-expiring");
    at(
        &expiring,
        &format!("{number}: apply to renew before it expires"),
    );
    at(&expiring, "40 days left");
    assert!(html.contains(&format!("href=\"/applications/{draft}/edit\"")));
    let states = words(&html, ".dashboard-states");
    for state in ["Draft", "Information requested", "Approved"] {
        at(&states, &format!("1 {state}"));
    }

    app.clock.advance(TimeDelta::days(8));
    let (_, html) = cast.provider.browser.page("/dashboard").await;
    let todo = words(&html, ".dashboard-todo");
    at(&todo, "2 days left");
    at(&todo, "7 days left");
    assert!(
        html.contains("class=\"due-soon\""),
        "a close deadline is marked"
    );

    cast.provider
        .act(
            &format!("/connections/{}/answer", connection.id),
            &[("answer", "It is not resale.")],
        )
        .await;
    app.clock.advance(TimeDelta::days(9));
    let (_, html) = cast.provider.browser.page("/dashboard").await;
    let todo = words(&html, ".dashboard-todo");
    at(
        &todo,
        &format!("Your answer to the show-cause notice on {number} is with the committee"),
    );
    at(&todo, "2 days late");
    assert!(
        html.contains("class=\"late\""),
        "a missed deadline is marked"
    );
}

#[tokio::test]
async fn committee_dashboards_count_what_waits_on_each_member_and_the_auditor_only_reads() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let _in_vote = cast.application_in_vote().await;
    let _to_screen = cast.provider.submit_complete_application().await;

    let (_, html) = cast.chair.browser.page("/dashboard").await;
    let counts = words(&html, ".dashboard-staff");
    at(&counts, "What needs you");
    at(&counts, "1 Waiting for my vote");
    at(&counts, "1 Votes to sign");
    at(&counts, "0 My reviews");
    let (_, html) = cast.secretariat.browser.page("/dashboard").await;
    let counts = words(&html, ".dashboard-staff");
    at(&counts, "1 To screen");
    at(&counts, "1 Votes open");

    let auditor = app.another_browser();
    auditor.sign_in_as(&app.create_user("auditor", None)).await;
    let (status, html) = auditor.page("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("waiting for you"),
        "an auditor is not asked to act"
    );
    let counts = words(&html, ".dashboard-staff");
    at(&counts, "Before the committee now");
    at(&counts, "1 To screen");
}

#[tokio::test]
async fn an_approved_application_leads_to_its_connection_which_offers_a_prefilled_renewal() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    cast.approve(&id, "12").await;
    let connection = cast.connection_of(&id);
    let number = connection.approval_number.clone();

    let (_, html) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}"))
        .await;
    assert_eq!(
        text_of(&html, "a.approval-number").as_deref(),
        Some(number.as_str())
    );
    assert!(html.contains(&format!("href=\"/connections/{}\"", connection.id)));
    assert!(html.contains(&format!("href=\"/registry/{number}\"")));
    let (_, html) = cast
        .secretariat
        .browser
        .page(&format!("/committee/applications/{id}"))
        .await;
    assert!(html.contains(&format!(
        "href=\"/committee/connections/{}\"",
        connection.id
    )));

    let (_, html) = cast
        .provider
        .browser
        .page(&format!("/connections/{}", connection.id))
        .await;
    for link in [
        format!("/registry/{number}/certificate"),
        format!("/registry/{number}"),
        format!("/applications/{id}"),
    ] {
        assert!(html.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(html.contains("Apply to renew") && html.contains("Apply to modify"));

    let res = cast
        .provider
        .post(
            "/applications",
            &[("kind", "renewal"), ("connection", &connection.id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let renewal = id_from(&location(&res));
    let (_, form) = cast
        .provider
        .browser
        .page(&format!("/applications/{renewal}/edit"))
        .await;
    let field = |name: &str| value_of(&form, &format!("input[name={name}]"));
    assert_eq!(field("related_approval_number"), Some(number.clone()));
    assert_eq!(
        field("counterparty_name").as_deref(),
        Some("Thai Transit Co., Ltd.")
    );
    assert_eq!(field("capacity_mbps").as_deref(), Some("10000"));
    assert_eq!(field("requested_start_date").as_deref(), Some(""));
    assert!(form.contains("Renewal of an approval"));

    let stranger = app.another_browser();
    stranger
        .sign_in_as(&app.create_user("org_admin", None))
        .await;
    let res = stranger
        .post(
            "/applications",
            &[("kind", "renewal"), ("connection", &connection.id)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "another organisation's connection is not there to renew"
    );
    let res = cast
        .provider
        .post(
            "/applications",
            &[("kind", "new"), ("connection", &connection.id)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "only renewals and modifications"
    );
}

#[tokio::test]
async fn while_an_information_request_is_open_the_page_says_the_clock_stands_still() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    let due = interconnect_registry::db::models::application::find(&mut app.conn(), &id)
        .unwrap()
        .unwrap()
        .decision_due_at
        .unwrap();
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[("questions", "Send the signed contract."), ("days", "15")],
        )
        .await;
    app.clock.advance(TimeDelta::days(5));
    let local = |at: chrono::NaiveDateTime| {
        interconnect_registry::domain::clock::in_vientiane(&at, "%Y-%m-%d")
    };
    let (_, html) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}"))
        .await;
    assert!(!html.contains(&format!("Decision due {}", local(due))));
    let note = words(&html, "h1 + p");
    at(&note, "Decision clock stopped");
    at(
        &note,
        &format!("decision would be due {}", local(due + TimeDelta::days(5))),
    );
    let (_, list) = cast.provider.browser.page("/applications").await;
    assert!(
        list.contains("Decision clock stopped"),
        "the list says so too"
    );

    let res = cast.provider.save(&id, &complete_fields(), "save").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/applications/{id}"));
    let (_, html) = cast.provider.browser.page(&location(&res)).await;
    assert!(
        html.contains("Your changes were saved") && !html.contains("The draft was saved"),
        "a submitted application is no draft"
    );
}

#[tokio::test]
async fn outcomes_and_approvals_not_yet_in_force_are_named_as_what_they_are() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = connection.approval_number.clone();
    assert!(connection.valid_from > app.clock.today_in_vientiane());
    let approved_from = format!("Approved, valid from {}", connection.valid_from);
    let (_, record) = app.page(&format!("/registry/{number}")).await;
    assert!(record.contains(&approved_from), "the public record");
    let (_, list) = app.page("/registry").await;
    assert!(list.contains(&approved_from), "the registry");
    let (_, mine) = cast.provider.browser.page("/connections").await;
    assert!(mine.contains(&approved_from), "the provider's list");

    cast.revoke(&connection.id).await;
    let (_, html) = cast
        .provider
        .browser
        .page(&format!("/connections/{}", connection.id))
        .await;
    let case = words(&html, "article.rfi");
    at(&case, "Approval revoked");
    assert!(!case.contains("Revoke the approval"));
}

#[tokio::test]
async fn the_form_asks_only_what_applies_and_a_submission_keeps_only_that() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let new = cast.provider.start_application("new").await;
    let (_, form) = cast
        .provider
        .browser
        .page(&format!("/applications/{new}/edit"))
        .await;
    assert!(!form.contains("name=\"related_approval_number\""));
    for voice in ["caller_id_integrity", "simbox_detection"] {
        assert!(
            text_of(&form, &format!("div.only-voice label[for=f-{voice}]")).is_some(),
            "{voice} is shown only for voice interconnects"
        );
    }
    let renewal = cast.provider.start_application("renewal").await;
    let (_, form) = cast
        .provider
        .browser
        .page(&format!("/applications/{renewal}/edit"))
        .await;
    assert!(form.contains("name=\"related_approval_number\""));

    let mut fields = complete_fields();
    fields.push(("related_approval_number", "IC-2025-00042".into()));
    fields.push(("caller_id_integrity", "STIR/SHAKEN".into()));
    let id = cast.provider.submit_application("new", &fields).await;
    let kept = content_of(&app, &id);
    assert_eq!(
        kept.get("related_approval_number"),
        "",
        "not asked of a new application"
    );
    assert_eq!(
        kept.get("caller_id_integrity"),
        "",
        "not asked of IP transit"
    );
    assert_eq!(kept.get("counterparty_name"), "Thai Transit Co., Ltd.");
    let (_, html) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}"))
        .await;
    assert!(!html.contains("Approval number of the existing connection"));
    assert!(!html.contains("Caller-ID integrity"));
}

#[tokio::test]
async fn sessions_name_the_browser_and_recovery_codes_download_as_a_file() {
    let app = TestApp::spawn().await;
    let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    let browser = app.another_browser_sending("user-agent", chrome);
    let user = app.create_user("secretariat", None);
    let res = browser.sign_in(&user.email, crate::helpers::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let now = app.clock.now().and_utc().timestamp() as u64;
    let res = second_step(
        &browser.client,
        &browser.url(&location(&res)),
        &user.email,
        &browser.authenticator,
        now,
    )
    .await
    .expect("a code");
    assert_eq!(res.status(), StatusCode::OK, "the recovery codes are shown");
    let codes_page = res.text().await.unwrap();
    let codes = value_of(
        &codes_page,
        "form[action=\"/account/recovery-codes.txt\"] input[name=codes]",
    )
    .expect("a download form");
    let first = text_of(&codes_page, ".recovery-codes code").unwrap();
    assert!(codes.contains(&first));

    let res = browser
        .post("/account/recovery-codes.txt", &[("codes", &codes)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert!(header("content-disposition").starts_with("attachment"));
    assert!(header("content-disposition").contains("recovery-codes.txt"));
    assert!(header("cache-control").contains("no-store"));
    assert!(header("content-type").starts_with("text/plain"));
    let file = res.text().await.unwrap();
    for code in codes.split_whitespace() {
        assert!(file.contains(code), "{code}");
    }
    let res = browser
        .post(
            "/account/recovery-codes.txt",
            &[("codes", "<script>alert(1)</script> abcde-fghij")],
        )
        .await;
    let file = res.text().await.unwrap();
    assert!(!file.contains("<script>") && file.contains("abcde-fghij"));

    let (_, account) = browser.page("/account").await;
    assert_eq!(
        text_of(&account, "table.sessions tr.current td[title]").as_deref(),
        Some("Chrome on Windows")
    );
    assert!(account.contains(&format!("title=\"{chrome}\"")));
}

#[tokio::test]
async fn a_record_links_its_certificate_only_when_one_was_issued() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = connection.approval_number;
    let (_, record) = app.page(&format!("/registry/{number}")).await;
    assert!(record.contains(&format!("href=\"/registry/{number}/certificate\"")));

    let organisation = app.create_organisation("bulk");
    insert_connections(&app, &connection.application_id, &organisation.id, 1, 1);
    let (status, record) = app.page("/registry/IC-2000-00001").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!record.contains("/registry/IC-2000-00001/certificate"));
    let (status, _) = app.page("/registry/IC-2000-00001/certificate").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
