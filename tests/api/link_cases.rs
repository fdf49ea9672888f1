//! Due process against an organisation about a link routing shows, through the real
//! server on the demo's data: a show-cause case opened from an escalated finding goes
//! through the notice, the answer, the order to disconnect, the provider's evidence and a
//! verification the latest routing data holds up until a reason is given; the chair opens
//! one straight from a link seen after its disconnection and closes it; the scheduler
//! flags a notice left unanswered; nobody else reads any of it.

use reqwest::StatusCode;
use serde_json::Value;

use crate::cli::run;
use crate::findings::{demo_browser, find, outbox, seed_demo, step, verified_claims};
use crate::helpers::{TestApp, location};
use crate::workflow_helpers::PDF;
use interconnect_registry::workflows::findings::url_id;

fn finding_id(findings: &[Value], kind: &str, domestic: i64, foreign: i64) -> String {
    find(findings, kind, domestic, foreign)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The steps of a finding's history, oldest first.
fn history(app: &TestApp, id: &str) -> Vec<String> {
    interconnect_registry::db::models::routing::list_finding_events(&mut app.conn(), id)
        .unwrap()
        .into_iter()
        .map(|e| e.step)
        .collect()
}

/// The case the redirect after opening one leads to: the finding's page lists it.
async fn opened_case(browser: &TestApp, finding_page: &str) -> String {
    let page = browser.page(finding_page).await.1;
    let start = page
        .find("href=\"/committee/cases/")
        .expect("the finding lists its case")
        + "href=\"/committee/cases/".len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_case_against_an_organisation_goes_from_notice_to_a_verified_disconnection() {
    let app = TestApp::spawn().await;
    let findings = seed_demo(&app);
    let id = finding_id(&findings, "unapproved", 151234, 4637);
    let finding_page = format!("/committee/findings/{}", url_id(&id));
    let secretariat = demo_browser(&app, "secretariat@registry.demo.la").await;
    let chair = demo_browser(&app, "chair@registry.demo.la").await;
    let provider = demo_browser(&app, "admin@lao-skynet.demo.la").await;
    let other = demo_browser(&app, "admin@mekong-fibre.demo.la").await;

    // Only an escalated finding is taken to a case.
    let res = step(
        &secretariat,
        &format!("{finding_page}/open-case"),
        &[("case_notice", "Unapproved link to AS4637.")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Unapproved link to AS4637.")
    );
    let res = step(
        &secretariat,
        &format!("{finding_page}/escalate"),
        &[("escalate_text", "No approval sought."), ("confirm", "yes")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // A bad number of days comes back with the notice kept.
    let res = step(
        &secretariat,
        &format!("{finding_page}/open-case"),
        &[
            ("case_notice", "Unapproved link to AS4637."),
            ("case_days", "0"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Unapproved link to AS4637."));
    assert!(html.contains("id=\"e-case_days\""), "the days are named");
    let res = step(
        &secretariat,
        &format!("{finding_page}/open-case"),
        &[
            (
                "case_notice",
                "Routing shows a link to AS4637 that no approval covers.",
            ),
            ("case_days", "20"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let case = opened_case(&secretariat, &finding_page).await;
    let (staff_page, provider_page) =
        (format!("/committee/cases/{case}"), format!("/cases/{case}"));
    let served = outbox(&app, "link_case_opened");
    assert!(
        served
            .iter()
            .any(|(to, _)| to == "admin@lao-skynet.demo.la"),
        "{served:?}"
    );
    assert!(!served.iter().any(|(to, _)| to.contains("mekong-fibre")));
    // A second case waits for the first to end.
    let res = step(
        &chair,
        &format!("{finding_page}/open-case"),
        &[("case_notice", "Again")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("still under way"));

    // The committee's list, the provider's page and list, the evidence; not for others.
    let list = secretariat.page("/committee/cases").await.1;
    assert!(list.contains(&staff_page), "{list}");
    assert!(list.contains("AS151234 – AS4637"));
    let (status, page) = provider.page(&provider_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Routing shows a link to AS4637 that no approval covers."));
    assert!(provider.page("/findings").await.1.contains(&provider_page));
    assert_eq!(other.page(&provider_page).await.0, StatusCode::NOT_FOUND);
    assert!(!other.page("/findings").await.1.contains(&provider_page));
    assert_eq!(
        other
            .get(&format!("{provider_page}/evidence"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = provider.get(&format!("{provider_page}/evidence")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let claims = verified_claims(&provider, &res.text().await.unwrap()).await;
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["foreign_asn"], 4637);

    // An order to disconnect waits for the answer; a reviewer decides nothing.
    let decide = format!("{staff_page}/decide");
    let order = [
        ("outcome", "disconnect"),
        ("decision_text", "No approval covers the link."),
        ("days", "10"),
    ];
    let res = step(&chair, &decide, &order, None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("may still answer"));
    let reviewer = demo_browser(&app, "reviewer.legal@registry.demo.la").await;
    assert_eq!(
        step(&reviewer, &decide, &order, None).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        step(
            &other,
            &format!("{provider_page}/answer"),
            &[("answer_text", "Not ours")],
            None
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );

    // The provider answers with a file; the chair and the secretariat are told.
    let res = step(
        &provider,
        &format!("{provider_page}/answer"),
        &[("answer_text", "")],
        Some(PDF),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = step(
        &provider,
        &format!("{provider_page}/answer"),
        &[("answer_text", "A trial link; we will remove it.")],
        Some(PDF),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let answered = outbox(&app, "link_case_answered");
    assert!(
        answered
            .iter()
            .any(|(to, _)| to == "chair@registry.demo.la")
    );
    assert!(
        answered
            .iter()
            .any(|(to, _)| to == "secretariat@registry.demo.la")
    );
    // A second answer (a double submit) is refused, what was typed restated.
    let res = step(
        &provider,
        &format!("{provider_page}/answer"),
        &[("answer_text", "Once more")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("Once more"));
    let page = chair.page(&staff_page).await.1;
    assert!(page.contains("A trial link; we will remove it."));
    assert!(page.contains("contract.pdf"));
    // The file is served to the committee, and to nobody of another organisation.
    let start = page
        .find(&format!("{staff_page}/files/"))
        .expect("the file is linked");
    let file = &page[start..start + page[start..].find('"').unwrap()];
    let res = chair.get(file).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let theirs = file.trim_start_matches("/committee");
    assert_eq!(other.get(theirs).await.status(), StatusCode::NOT_FOUND);

    // A decision without an outcome comes back with the reasons kept.
    let res = step(
        &chair,
        &decide,
        &[("decision_text", "No approval covers the link.")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("No approval covers the link.")
    );
    assert_eq!(
        step(&chair, &decide, &order, None).await.status(),
        StatusCode::SEE_OTHER
    );
    let ordered = outbox(&app, "link_disconnection_ordered");
    assert!(
        ordered
            .iter()
            .any(|(to, _)| to == "admin@lao-skynet.demo.la")
    );
    assert!(
        provider
            .page(&provider_page)
            .await
            .1
            .contains("Confirm the disconnection")
    );

    // The secretariat cannot verify before the provider confirms.
    let verify = format!("{staff_page}/verify");
    let res = step(&secretariat, &verify, &[("still_seen_reason", "")], None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = step(
        &provider,
        &format!("{provider_page}/confirm"),
        &[(
            "confirmation_text",
            "The cross-connect in Hong Kong was removed on 1 December.",
        )],
        Some(PDF),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        outbox(&app, "link_disconnection_confirmed")
            .iter()
            .any(|(to, _)| to == "secretariat@registry.demo.la")
    );

    // The demo's latest import still shows the link: a reason is needed to verify.
    let res = step(&secretariat, &verify, &[("still_seen_reason", "")], None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The latest routing data still shows this link")
    );
    assert_eq!(
        step(&chair, &verify, &[("still_seen_reason", "x")], None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = step(
        &secretariat,
        &verify,
        &[(
            "still_seen_reason",
            "The import predates the removal; the foreign party's letter confirms it.",
        )],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        outbox(&app, "link_case_closed")
            .iter()
            .any(|(to, _)| to == "admin@lao-skynet.demo.la")
    );
    let page = secretariat.page(&staff_page).await.1;
    assert!(page.contains("verified while routing still showed the link"));
    assert!(page.contains("letter confirms it"));

    // The finding is resolved, its history holds every step, the audit every action.
    let (_, out, _) = run(
        &app.database_url,
        &["findings", "--state", "resolved", "--json"],
        "",
    );
    assert!(out.contains(&id), "{out}");
    assert_eq!(
        history(&app, &id),
        [
            "escalate",
            "open_case",
            "case_answer",
            "case_order",
            "case_confirm",
            "case_verify"
        ]
    );
    let actions =
        interconnect_registry::db::audit::list_for_subject(&mut app.conn(), "link_case", &case)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect::<Vec<_>>();
    assert_eq!(
        actions,
        [
            "link_case.answer",
            "link_case.order_disconnection",
            "link_case.confirm",
            "link_case.verify"
        ]
    );
    let mut purposes: Vec<String> =
        interconnect_registry::db::models::link_case::list_files(&mut app.conn(), &case)
            .unwrap()
            .into_iter()
            .map(|f| f.purpose)
            .collect();
    purposes.sort();
    assert_eq!(purposes, ["answer", "disconnection_evidence"]);
}

#[tokio::test]
async fn the_chair_opens_a_case_on_a_link_seen_after_disconnection_and_the_scheduler_flags_it() {
    let app = TestApp::spawn().await;
    let findings = seed_demo(&app);
    let id = finding_id(&findings, "seen_after_disconnection", 151234, 4651);
    let finding_page = format!("/committee/findings/{}", url_id(&id));
    let secretariat = demo_browser(&app, "secretariat@registry.demo.la").await;
    let chair = demo_browser(&app, "chair@registry.demo.la").await;
    let notice = [(
        "case_notice",
        "The revoked voice interconnect is still announced.",
    )];

    // Not escalated: the chair alone may take it to a case.
    let res = step(
        &secretariat,
        &format!("{finding_page}/open-case"),
        &notice,
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        chair
            .page(&finding_page)
            .await
            .1
            .contains("Open a show-cause case")
    );
    let res = step(&chair, &format!("{finding_page}/open-case"), &notice, None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), finding_page);
    let case = opened_case(&chair, &finding_page).await;
    let staff_page = format!("/committee/cases/{case}");

    // Opening signed the evidence and names the revoked connection.
    let res = chair.get(&format!("{staff_page}/evidence")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let claims = verified_claims(&chair, &res.text().await.unwrap()).await;
    assert_eq!(claims["kind"], "seen_after_disconnection");
    let page = chair.page(&staff_page).await.1;
    assert!(page.contains("IC-"), "the revoked approval is linked");
    assert!(page.contains("still shows the link"));

    // The answer period ends unanswered: flagged once.
    app.execute(&format!(
        "UPDATE link_cases SET response_deadline = '2020-01-01 00:00:00' WHERE id = '{case}'"
    ));
    let first = app.run_scheduler();
    assert!(first.link_cases >= 1, "{first:?}");
    app.run_scheduler();
    let missed = history(&app, &id)
        .into_iter()
        .filter(|s| s == "case_answer_missed")
        .count();
    assert_eq!(missed, 1);
    let provider = demo_browser(&app, "admin@lao-skynet.demo.la").await;
    let res = step(
        &provider,
        &format!("/cases/{case}/answer"),
        &[("answer_text", "Late answer")],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Late answer"), "what was typed is restated");
    assert!(html.contains("The deadline to answer this notice has passed"));

    // The chair closes it: the finding is resolved and the provider told.
    let res = step(
        &chair,
        &format!("{staff_page}/decide"),
        &[
            ("outcome", "dismiss"),
            (
                "decision_text",
                "The announcement was a stale route; closed.",
            ),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        outbox(&app, "link_case_closed")
            .iter()
            .any(|(to, _)| to == "admin@lao-skynet.demo.la")
    );
    assert!(
        !chair.page("/committee/cases").await.1.contains(&staff_page),
        "a closed case leaves the list of cases under way"
    );
    let steps = history(&app, &id);
    assert_eq!(steps.first().map(String::as_str), Some("open_case"));
    assert_eq!(steps.last().map(String::as_str), Some("case_dismiss"));
    let (_, out, _) = run(
        &app.database_url,
        &["findings", "--state", "resolved", "--json"],
        "",
    );
    assert!(out.contains(&id));
}
