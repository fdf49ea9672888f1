//! Only possible actions are offered: a form the state does not allow is absent or shown
//! disabled with the reason; a refused action shows its page again with what was typed;
//! steps that cannot be undone are confirmed on a page of their own; a reviewer forms their
//! view before reading the others'; files say when and with which step they came.

use chrono::TimeDelta;
use interconnect_registry::db::models::attachment as attachment_db;
use interconnect_registry::domain::clock::in_vientiane;
use reqwest::StatusCode;

use crate::helpers::{TestApp, text_of, value_of};
use crate::workflow_helpers::{Cast, PDF};

/// The page's HTML after a POST that is not a redirect.
async fn body(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    (status, res.text().await.expect("a body"))
}

#[tokio::test]
async fn the_vote_is_offered_disabled_until_every_review_is_recorded() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    let (_, page) = cast.secretariat.browser.page(&case).await;
    assert!(
        page.contains("once at least one reviewer has recorded a recommendation"),
        "no reviewer yet"
    );
    for (reviewer, domain) in [(&cast.technical, "technical"), (&cast.security, "security")] {
        cast.secretariat
            .act(
                &format!("{case}/assign"),
                &[("reviewer_id", &reviewer.user.id), ("domain", domain)],
            )
            .await;
    }
    let (_, page) = cast.secretariat.browser.page(&case).await;
    assert!(page.contains("once all 2 reviews are recorded (0 of 2 so far)"));
    assert!(page.contains("<button type=\"submit\" disabled aria-describedby=\"vote-waits\">"));
    assert!(
        page.find("id=\"actions\"") > page.find("<h2>Attachments</h2>"),
        "the actions come after the application they act on"
    );

    let (status, page) = body(
        cast.secretariat
            .post(&format!("{case}/open-vote"), &[])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "the workflow refuses it too");
    assert!(
        page.contains("class=\"flash flash-error refusal\""),
        "{page}"
    );
    assert!(page.contains("Every assigned review must be recorded"));
    assert!(
        page.contains(&format!("action=\"{case}/open-vote\"")),
        "the case page again"
    );
    assert_eq!(cast.status_of(&id), "in_review");

    for (n, reviewer) in [&cast.technical, &cast.security].into_iter().enumerate() {
        let assignment = cast.assignment_of(&id, &reviewer.user.id);
        reviewer
            .act(
                &format!("{case}/review"),
                &[
                    ("assignment_id", &assignment),
                    ("recommendation", "approve"),
                    ("comments", "fine"),
                ],
            )
            .await;
        let (_, page) = cast.secretariat.browser.page(&case).await;
        if n == 0 {
            assert!(page.contains("(1 of 2 so far)"));
        } else {
            assert!(!page.contains("vote-waits"), "the vote may open now");
        }
    }
    cast.secretariat
        .act(&format!("{case}/open-vote"), &[])
        .await;
    assert_eq!(cast.status_of(&id), "voting");
}

#[tokio::test]
async fn a_refused_request_shows_the_case_again_with_the_questions_typed() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    // Another tab marks it complete while the questions are being typed.
    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    let questions = "Please send annex B of the signed contract.";
    let (status, page) = body(
        cast.secretariat
            .post(
                &format!("{case}/request-info"),
                &[("questions", questions), ("days", "10")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("class=\"flash flash-error refusal\""));
    assert!(page.contains(questions), "the questions are kept");
    assert!(
        page.contains(&format!("action=\"{case}/assign\"")),
        "the case page again"
    );
    assert_eq!(cast.status_of(&id), "in_review");
}

#[tokio::test]
async fn revocation_waits_for_the_answer_or_its_deadline_and_keeps_the_reasons() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let committee = format!("/committee/connections/{}", connection.id);
    cast.secretariat
        .act(
            &format!("{committee}/show-cause"),
            &[("notice", "Resale of capacity"), ("days", "10")],
        )
        .await;
    let (_, page) = cast.chair.browser.page(&committee).await;
    assert!(page.contains(
        "<input type=\"radio\" name=\"outcome\" value=\"revoke\" disabled aria-describedby=\"revoke-waits\">"
    ));
    assert!(page.contains("once the provider answers or the answer period ends"));
    assert!(
        page.contains("<input type=\"radio\" name=\"outcome\" value=\"dismiss\">"),
        "closing the case stays possible"
    );

    let reasons = "Resale to an unlicensed reseller, confirmed by the traffic records.";
    let (status, page) = body(
        cast.chair
            .post(
                &format!("{committee}/decide"),
                &[
                    ("outcome", "revoke"),
                    ("reason", reasons),
                    ("disconnection_days", "15"),
                    ("confirm", "yes"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "the workflow refuses it too");
    assert!(page.contains("The provider may still answer"));
    assert!(page.contains(reasons), "the reasons typed are kept");
    assert!(page.contains(&format!("action=\"{committee}/decide\"")));

    app.clock.advance(TimeDelta::days(11));
    let (_, page) = cast.chair.browser.page(&committee).await;
    assert!(page.contains("<input type=\"radio\" name=\"outcome\" value=\"revoke\">"));
    assert!(!page.contains("revoke-waits"));
}

#[tokio::test]
async fn withdrawal_is_confirmed_on_a_page_of_its_own() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let path = format!("/applications/{id}");
    let (_, page) = cast.provider.browser.page(&path).await;
    let withdraw = format!("action=\"{path}/withdraw\"");
    assert!(
        page.find(&withdraw) > page.find("<h2>Attachments</h2>"),
        "withdrawal is not the first thing on the page"
    );

    let (status, page) = body(cast.provider.post(&format!("{path}/withdraw"), &[]).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(
            "This takes effect at once and stays on the record; it cannot be taken back."
        )
    );
    assert!(page.contains(&withdraw));
    assert!(page.contains("<input type=\"hidden\" name=\"confirm\" value=\"yes\">"));
    assert!(page.contains(&format!("href=\"{path}\"")), "a way back");
    assert_eq!(cast.status_of(&id), "submitted", "nothing happened yet");

    cast.provider
        .act(&format!("{path}/withdraw"), &[("confirm", "yes")])
        .await;
    assert_eq!(cast.status_of(&id), "withdrawn");
    let (_, page) = cast.provider.browser.page(&path).await;
    assert!(!page.contains(&withdraw), "nothing left to withdraw");
    let (status, page) = body(cast.provider.post(&format!("{path}/withdraw"), &[]).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("class=\"flash flash-error refusal\""),
        "the page again, not a dead end"
    );
}

#[tokio::test]
async fn suspension_and_revocation_are_confirmed_with_what_was_typed() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let committee = format!("/committee/connections/{}", connection.id);
    let status_now = || {
        interconnect_registry::db::models::connection::find(&mut app.conn(), &connection.id)
            .unwrap()
            .unwrap()
            .status
            .as_str()
    };
    let reason = "Traffic to a <scam> call centre";
    let (status, page) = body(
        cast.chair
            .post(&format!("{committee}/suspend"), &[("reason", reason)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("Suspend {} at once?", connection.approval_number)));
    assert!(
        page.contains(
            "This takes effect at once and stays on the record; it cannot be taken back."
        )
    );
    assert_eq!(
        value_of(&page, "form input[name=reason]").as_deref(),
        Some(reason),
        "the reason rides along"
    );
    assert!(!page.contains("<scam>"), "escaped");
    assert_eq!(status_now(), "active", "nothing happened yet");
    cast.chair
        .act(
            &format!("{committee}/suspend"),
            &[("reason", reason), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status_now(), "suspended");

    cast.secretariat
        .act(
            &format!("{committee}/show-cause"),
            &[("notice", "Resale of capacity"), ("days", "10")],
        )
        .await;
    cast.provider
        .act(
            &format!("/connections/{}/answer", connection.id),
            &[("answer", "It is not resale.")],
        )
        .await;
    let decision = [
        ("outcome", "revoke"),
        ("reason", "Resale confirmed"),
        ("disconnection_days", "20"),
    ];
    let (status, page) = body(
        cast.chair
            .post(&format!("{committee}/decide"), &decision)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("must disconnect within 20 days"));
    assert!(page.contains("Resale confirmed"));
    assert!(page.contains("<input type=\"hidden\" name=\"outcome\" value=\"revoke\">"));
    assert_eq!(status_now(), "suspended", "nothing happened yet");
    let mut confirmed = decision.to_vec();
    confirmed.push(("confirm", "yes"));
    cast.chair
        .act(&format!("{committee}/decide"), &confirmed)
        .await;
    assert_eq!(status_now(), "revoked");
}

#[tokio::test]
async fn a_reviewer_reads_the_other_reviews_after_recording_their_own() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    for (reviewer, domain) in [(&cast.technical, "technical"), (&cast.security, "security")] {
        cast.secretariat
            .act(
                &format!("{case}/assign"),
                &[("reviewer_id", &reviewer.user.id), ("domain", domain)],
            )
            .await;
    }
    let review = |assignment: String, comments: &'static str| {
        vec![
            ("assignment_id", assignment),
            ("recommendation", "approve_with_conditions".to_string()),
            ("comments", comments.to_string()),
            ("conditions", format!("CONDITION {comments}")),
        ]
    };
    let first = review(
        cast.assignment_of(&id, &cast.technical.user.id),
        "TECH-VIEW",
    );
    let first: Vec<(&str, &str)> = first.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cast.technical.act(&format!("{case}/review"), &first).await;

    let (_, page) = cast.security.browser.page(&case).await;
    assert!(
        !page.contains("TECH-VIEW"),
        "hidden until their own is recorded"
    );
    assert!(page.contains("recorded; shown once you record your own review"));
    for staff in [&cast.chair, &cast.secretariat] {
        let (_, page) = staff.browser.page(&case).await;
        assert!(
            page.contains("TECH-VIEW"),
            "the chair and secretariat see it"
        );
    }
    let second = review(cast.assignment_of(&id, &cast.security.user.id), "SEC-VIEW");
    let second: Vec<(&str, &str)> = second.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cast.security.act(&format!("{case}/review"), &second).await;
    let (_, page) = cast.security.browser.page(&case).await;
    assert!(
        page.contains("TECH-VIEW"),
        "shown once their own is recorded"
    );

    cast.secretariat
        .act(&format!("{case}/open-vote"), &[])
        .await;
    for voter in cast.voters() {
        voter.vote(&id, "approve", "ok").await;
    }
    let (_, page) = cast.chair.browser.page(&case).await;
    let conditions = text_of(&page, "#f-decide-approve-conditions").expect("the conditions");
    let mut proposed: Vec<&str> = conditions.split("\n\n").collect();
    proposed.sort_unstable();
    assert_eq!(
        proposed,
        ["CONDITION SEC-VIEW", "CONDITION TECH-VIEW"],
        "the reviewers' conditions are the starting text"
    );
    assert!(
        !page.contains("name=\"reasons\""),
        "an approval asks no reasons"
    );
    assert!(!page.contains("name=\"casting_vote\""));
}

#[tokio::test]
async fn a_tied_vote_offers_the_chair_an_approval_and_a_rejection_each_with_its_fields() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    for (voter, choice) in cast
        .voters()
        .into_iter()
        .zip(["approve", "approve", "reject", "reject"])
    {
        voter.vote(&id, choice, "as I see it").await;
    }
    let (_, page) = cast.chair.browser.page(&case).await;
    assert!(page.contains("<input type=\"hidden\" name=\"casting_vote\" value=\"approve\">"));
    assert!(page.contains("<input type=\"hidden\" name=\"casting_vote\" value=\"reject\">"));
    assert!(page.contains("id=\"f-decide-approve-conditions\""));
    assert!(!page.contains("id=\"f-decide-approve-reasons\""));
    assert!(page.contains("id=\"f-decide-reject-reasons\""));
    assert!(!page.contains("id=\"f-decide-reject-conditions\""));

    let (status, page) = body(
        cast.chair
            .post(
                &format!("{case}/decide"),
                &[
                    ("casting_vote", "reject"),
                    ("legal_basis", "Notice No. 258"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"e-reject-reasons\""),
        "the problem is named in the rejection form"
    );
    assert_eq!(
        text_of(&page, "#f-decide-reject-legal_basis").as_deref(),
        Some("Notice No. 258")
    );
}

#[tokio::test]
async fn files_say_when_and_with_which_step_they_came_and_submitted_ones_stay() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[("questions", "The annex, please."), ("days", "10")],
        )
        .await;
    app.clock.advance(TimeDelta::hours(2));
    let res = cast.provider.upload(&id, "other", "annex.pdf", PDF).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let files = attachment_db::list_for_application(&mut app.conn(), &id).unwrap();
    let original = files.iter().find(|f| f.file_name != "annex.pdf").unwrap();
    let annex = files.iter().find(|f| f.file_name == "annex.pdf").unwrap();

    let (_, form) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}/edit"))
        .await;
    assert!(
        !form.contains(&format!("name=\"remove\" value=\"{}\"", original.id)),
        "no Remove for a file of the submitted version"
    );
    assert!(form.contains(&format!("name=\"remove\" value=\"{}\"", annex.id)));
    assert!(form.contains("on record"));
    let delete = format!("/applications/{id}/attachments/{}/delete", original.id);
    let (status, page) = body(cast.provider.post(&delete, &[("confirm", "yes")]).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "the server refuses it too");
    assert!(page.contains("stays on record"));
    assert_eq!(
        attachment_db::list_for_application(&mut app.conn(), &id)
            .unwrap()
            .len(),
        files.len()
    );

    cast.provider
        .act(
            &format!("/applications/{id}/answer"),
            &[("answer", "The annex is attached.")],
        )
        .await;
    let (_, page) = cast.secretariat.browser.page(&case).await;
    assert!(page.contains(&in_vientiane(&annex.uploaded_at, "%Y-%m-%d %H:%M")));
    assert!(page.contains(&in_vientiane(&original.uploaded_at, "%Y-%m-%d %H:%M")));
    assert!(page.contains("the answer to information request 1"));
    assert!(page.contains("the submission"));
    let versions = text_of(&page, "section.revisions").expect("the versions");
    assert!(versions.contains("annex.pdf"), "{versions}");
    assert!(versions.contains(&original.file_name), "{versions}");
}

#[tokio::test]
async fn a_recusal_is_confirmed_before_it_is_recorded() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    let (status, _) = body(
        cast.legal
            .post(&format!("{case}/recuse"), &[("reason", "")])
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a recusal needs its reason first"
    );
    let reason = "Former employee of the counterparty";
    let (status, page) = body(
        cast.legal
            .post(&format!("{case}/recuse"), &[("reason", reason)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(
            "This takes effect at once and stays on the record; it cannot be taken back."
        )
    );
    assert_eq!(
        value_of(&page, "form input[name=reason]").as_deref(),
        Some(reason)
    );
    let recusals = || {
        interconnect_registry::db::models::committee::list_recusals(&mut app.conn(), &id)
            .unwrap()
            .len()
    };
    assert_eq!(recusals(), 0, "nothing recorded yet");
    cast.legal
        .act(
            &format!("{case}/recuse"),
            &[("reason", reason), ("confirm", "yes")],
        )
        .await;
    assert_eq!(recusals(), 1);
}

#[tokio::test]
async fn an_answer_sent_after_the_request_lapsed_is_kept_on_the_page() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[("questions", "The annex, please."), ("days", "1")],
        )
        .await;
    app.clock.advance(TimeDelta::days(2));
    app.run_scheduler();
    assert_eq!(cast.status_of(&id), "dismissed");
    let answer = "Annex B is the second page of the contract.";
    let (status, page) = body(
        cast.provider
            .post(&format!("/applications/{id}/answer"), &[("answer", answer)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("class=\"flash flash-error refusal\""));
    assert!(page.contains(answer), "the answer typed is kept");
    assert!(
        page.contains("The annex, please."),
        "the application's page again"
    );
}
