//! The application workflow over HTTP: draft to decision, information requests, lapse,
//! withdrawal, rejection, ties, recusals, races, and who may do what.

use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{TestApp, text_of};
use crate::workflow_helpers::{Cast, PDF, complete_fields};

#[tokio::test]
async fn an_application_goes_from_draft_to_approval() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    for voter in cast.voters() {
        voter.vote(&id, "approve", "Meets the rules").await;
    }
    cast.chair
        .act(
            &format!("{case}/decide"),
            &[
                ("conditions", "Keep lawful-interception records in Laos"),
                ("validity_months", "60"),
                ("legal_basis", "Notice No. 258, article 5"),
            ],
        )
        .await;
    assert_eq!(cast.status_of(&id), "approved");

    let (status, html) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Keep lawful-interception records in Laos"));
    assert!(html.contains("Notice No. 258, article 5"));
    let reference = text_of(&html, "h1").unwrap();
    assert!(reference.starts_with("APP-"), "{reference}");
    assert!(
        !html.contains("INTERNAL-NOTE"),
        "internal review comments never reach the provider"
    );
    assert!(
        !html.contains("Meets the rules"),
        "votes are the committee's"
    );

    let (_, committee_html) = cast.secretariat.browser.page(&case).await;
    assert!(committee_html.contains("INTERNAL-NOTE"));
    assert!(committee_html.contains("4 of 4 eligible members have voted."));
}

#[tokio::test]
async fn a_bad_submission_names_each_problem_and_keeps_every_value() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.start_application("new").await;
    let mut fields = complete_fields();
    for (field, bad) in [
        ("counterparty_asn", "AS64512"),
        ("counterparty_country", "LA"),
        ("capacity_mbps", "0"),
        ("term_months", "999"),
    ] {
        fields.iter_mut().find(|(k, _)| *k == field).unwrap().1 = bad.to_string();
    }
    fields.retain(|(k, _)| *k != "declaration_accepted");
    let res = cast.provider.save(&id, &fields, "submit").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for (field, message) in [
        (
            "counterparty_asn",
            "private and reserved numbers are not accepted",
        ),
        ("counterparty_country", "must be outside Laos"),
        ("capacity_mbps", "above 0"),
        ("term_months", "from 1 to 180"),
        ("declaration_accepted", "must be accepted"),
    ] {
        let shown = text_of(&html, &format!("#e-{field}")).unwrap_or_default();
        assert!(shown.contains(message), "{field}: {shown:?}");
    }
    assert!(html.contains("This attachment is required before submitting."));
    assert!(html.contains("value=\"AS64512\""), "bad values are kept");
    assert!(
        html.contains("Two diverse paths via Nong Khai"),
        "good values are kept"
    );
    assert_eq!(cast.status_of(&id), "draft");
    // The draft kept what was typed even though submission failed.
    let (_, form) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}/edit"))
        .await;
    assert!(form.contains("value=\"AS64512\""));
}

#[tokio::test]
async fn an_information_request_is_answered_and_the_committee_sees_what_changed() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[
                ("questions", "Please confirm the capacity."),
                ("days", "10"),
            ],
        )
        .await;
    assert_eq!(cast.status_of(&id), "info_requested");
    let before = interconnect_registry::db::models::application::find(&mut app.conn(), &id)
        .unwrap()
        .unwrap();

    app.clock.advance(TimeDelta::days(4));
    let (_, html) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}"))
        .await;
    assert!(html.contains("Please confirm the capacity."));
    let mut fields = complete_fields();
    fields
        .iter_mut()
        .find(|(k, _)| *k == "capacity_mbps")
        .unwrap()
        .1 = "20000".into();
    let res = cast.provider.save(&id, &fields, "save").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = cast
        .provider
        .post(&format!("/applications/{id}/answer"), &[("answer", "")])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty answer is refused"
    );
    cast.provider
        .act(
            &format!("/applications/{id}/answer"),
            &[("answer", "Capacity doubled to 20 Gbit/s.")],
        )
        .await;
    assert_eq!(cast.status_of(&id), "screening");

    let after = interconnect_registry::db::models::application::find(&mut app.conn(), &id)
        .unwrap()
        .unwrap();
    assert_eq!(after.revision, 2);
    let paused = after.decision_due_at.unwrap() - before.decision_due_at.unwrap();
    assert_eq!(
        paused.num_days(),
        4,
        "the clock stopped while the request was open"
    );

    let (_, html) = cast.secretariat.browser.page(&case).await;
    assert!(html.contains("Capacity doubled to 20 Gbit/s."));
    let changes = text_of(&html, "table.changes").unwrap();
    assert!(
        changes.contains("Capacity (Mbit/s)")
            && changes.contains("10000")
            && changes.contains("20000"),
        "{changes}"
    );
}

#[tokio::test]
async fn an_unanswered_request_dismisses_the_application_once() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[("questions", "Send the contract.")],
        )
        .await;

    app.clock.advance(TimeDelta::days(14));
    assert_eq!(app.run_scheduler().dismissed, 0);
    assert_eq!(cast.status_of(&id), "info_requested");

    app.clock.advance(TimeDelta::days(2));
    assert_eq!(app.run_scheduler().dismissed, 1);
    assert_eq!(app.run_scheduler().dismissed, 0);
    assert_eq!(cast.status_of(&id), "dismissed");
    let res = cast
        .provider
        .post(
            &format!("/applications/{id}/answer"),
            &[("answer", "Too late")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let (_, html) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}"))
        .await;
    assert!(html.contains("Dismissed"));
}

#[tokio::test]
async fn a_provider_withdraws_before_the_decision_but_not_after() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    cast.provider
        .act(
            &format!("/applications/{id}/withdraw"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(cast.status_of(&id), "withdrawn");
    let res = cast
        .chair
        .post(
            &format!("/committee/applications/{id}/decide"),
            &[("legal_basis", "x"), ("validity_months", "12")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = cast
        .provider
        .post(
            &format!("/applications/{id}/withdraw"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "withdrawing twice is a clean conflict"
    );
}

#[tokio::test]
async fn the_committee_rejects_with_reasons() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    for voter in cast.voters() {
        voter
            .act(
                &format!("{case}/vote"),
                &[
                    ("choice", "reject"),
                    ("reason", "Counterparty linked to fraud"),
                ],
            )
            .await;
    }
    let res = cast
        .chair
        .post(
            &format!("{case}/decide"),
            &[("legal_basis", "Notice No. 258")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a rejection needs reasons"
    );
    assert!(text_of(&res.text().await.unwrap(), "#e-reject-reasons").is_some());
    cast.chair
        .act(
            &format!("{case}/decide"),
            &[("legal_basis", "Notice No. 258"), ("reasons", "Fraud risk")],
        )
        .await;
    assert_eq!(cast.status_of(&id), "rejected");
    let (_, html) = cast
        .provider
        .browser
        .page(&format!("/applications/{id}"))
        .await;
    assert!(html.contains("Fraud risk"));
}

#[tokio::test]
async fn a_tie_is_broken_by_the_chairs_casting_vote() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    cast.technical.vote(&id, "approve", "ok").await;
    cast.security.vote(&id, "approve", "ok").await;
    cast.legal.vote(&id, "reject", "no").await;
    cast.chair.vote(&id, "reject", "no").await;
    let (_, html) = cast.chair.browser.page(&case).await;
    assert!(html.contains("The vote is tied: the chair decides."));
    let res = cast
        .chair
        .post(
            &format!("{case}/decide"),
            &[("legal_basis", "Notice No. 258"), ("validity_months", "24")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for outcome in ["approve", "reject"] {
        let error = format!("#e-{outcome}-casting_vote");
        assert!(text_of(&html, &error).is_some(), "{error}");
    }
    cast.chair
        .act(
            &format!("{case}/decide"),
            &[
                ("casting_vote", "approve"),
                ("legal_basis", "Notice No. 258"),
                ("validity_months", "24"),
            ],
        )
        .await;
    assert_eq!(cast.status_of(&id), "approved");
}

#[tokio::test]
async fn a_recusal_changes_the_quorum() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    // Four members: two votes are not a quorum (three are needed).
    cast.technical.vote(&id, "approve", "ok").await;
    cast.security.vote(&id, "approve", "ok").await;
    let res = cast
        .chair
        .post(
            &format!("{case}/decide"),
            &[("legal_basis", "x"), ("validity_months", "12")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("no quorum"));
    // One member recuses: two of three is a quorum.
    cast.legal
        .act(
            &format!("{case}/recuse"),
            &[
                ("reason", "Former employee of the counterparty"),
                ("confirm", "yes"),
            ],
        )
        .await;
    let res = cast
        .legal
        .post(
            &format!("{case}/vote"),
            &[("choice", "reject"), ("reason", "x")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "a recused member cannot vote"
    );
    let (_, html) = cast.chair.browser.page(&case).await;
    assert!(
        html.contains("2 of 3 eligible members have voted."),
        "{}",
        text_of(&html, ".votes").unwrap_or_default()
    );
    cast.chair
        .act(
            &format!("{case}/decide"),
            &[("legal_basis", "Notice No. 258"), ("validity_months", "12")],
        )
        .await;
    assert_eq!(cast.status_of(&id), "approved");
}

#[tokio::test]
async fn racing_signatures_produce_exactly_one_decision() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    for voter in cast.voters() {
        voter.vote(&id, "approve", "ok").await;
    }
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let browser = cast.chair.browser.another_tab();
        let path = format!("{case}/decide");
        tasks.push(tokio::spawn(async move {
            browser
                .post(
                    &path,
                    &[("legal_basis", "Notice No. 258"), ("validity_months", "12")],
                )
                .await
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let won = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((won, refused), (1, 11), "{statuses:?}");
    let decisions =
        interconnect_registry::db::audit::list_for_subject(&mut app.conn(), "application", &id)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "application.approve")
            .count();
    assert_eq!(decisions, 1);
}

#[tokio::test]
async fn concurrent_submissions_get_distinct_reference_numbers() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        let id = cast.provider.start_application("new").await;
        for kind in ["network_diagram", "counterparty_contract"] {
            cast.provider.upload(&id, kind, "d.pdf", PDF).await;
        }
        cast.provider.save(&id, &complete_fields(), "save").await;
        ids.push(id);
    }
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let browser = cast.provider.browser.another_tab();
        tasks.push(tokio::spawn(async move {
            let mut form: Vec<(&str, String)> = complete_fields();
            form.push(("intent", "submit".into()));
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser
                .post(&format!("/applications/{id}/edit"), &pairs)
                .await
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let mut references: Vec<String> = ids
        .iter()
        .map(|id| {
            interconnect_registry::db::models::application::find(&mut app.conn(), id)
                .unwrap()
                .unwrap()
                .reference
                .unwrap()
        })
        .collect();
    references.sort();
    let year = chrono::Utc::now().format("%Y").to_string();
    let expected: Vec<String> = (1..=6).map(|n| format!("APP-{year}-{n:05}")).collect();
    assert_eq!(references, expected, "gap-free and unique");
}

#[tokio::test]
async fn another_organisation_can_neither_read_nor_act() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let attachment =
        interconnect_registry::db::models::attachment::list_for_application(&mut app.conn(), &id)
            .unwrap()
            .remove(0)
            .id;
    let outsider = app.another_browser();
    outsider
        .sign_in_as(&app.create_user("org_admin", None))
        .await;
    for path in [
        format!("/applications/{id}"),
        format!("/applications/{id}/edit"),
        format!("/applications/{id}/attachments/{attachment}"),
    ] {
        assert_eq!(
            outsider.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        format!("/applications/{id}/withdraw"),
        format!("/applications/{id}/answer"),
    ] {
        assert_eq!(
            outsider.post(&path, &[("answer", "x")]).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (_, list) = outsider.page("/applications").await;
    assert!(!list.contains(&id));
    assert_eq!(cast.status_of(&id), "submitted");
}

#[tokio::test]
async fn attachments_are_checked_by_content_limited_in_size_and_served_as_downloads() {
    let app = TestApp::spawn_with(&[("ATTACHMENT_MAX_MB", "1")]).await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.start_application("new").await;

    let res = cast
        .provider
        .upload(
            &id,
            "network_diagram",
            "diagram.pdf",
            b"MZ\x90\x00 not a pdf",
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Only PDF, PNG and JPEG files are accepted")
    );

    let big = [PDF, &vec![b'x'; 1024 * 1024 + 1]].concat();
    let res = cast
        .provider
        .upload(&id, "network_diagram", "big.pdf", &big)
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let res = cast
        .provider
        .upload(&id, "network_diagram", "../../etc/\"evil\".PDF", PDF)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let stored =
        interconnect_registry::db::models::attachment::list_for_application(&mut app.conn(), &id)
            .unwrap()
            .remove(0);
    assert_eq!(stored.file_name, "evil.pdf");
    use sha2::Digest;
    assert_eq!(stored.sha256, hex::encode(sha2::Sha256::digest(PDF)));

    let res = cast
        .provider
        .browser
        .get(&format!("/applications/{id}/attachments/{}", stored.id))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("evil.pdf"),
        "{disposition}"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // A draft's file is the provider's alone: the committee reads it once the application
    // is submitted (authorization::a_draft_is_its_providers_alone_until_it_is_submitted);
    // an administrator never does.
    let url = format!("/applications/{id}/attachments/{}", stored.id);
    assert_eq!(
        cast.technical.browser.get(&url).await.status(),
        StatusCode::NOT_FOUND
    );
    let admin = app.another_browser();
    admin.sign_in_as(&app.create_user("admin", None)).await;
    assert_eq!(admin.get(&url).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn overdue_applications_are_marked_in_the_queues() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let (_, inbox) = cast.secretariat.browser.page("/committee").await;
    assert!(inbox.contains(&id) && !inbox.contains("class=\"overdue\""));
    app.clock.advance(TimeDelta::days(31));
    let (_, inbox) = cast.secretariat.browser.page("/committee").await;
    assert!(inbox.contains("class=\"overdue\""));
    assert!(inbox.contains("1 application is past its decision date."));
    assert!(
        inbox.contains("href=\"/committee?status=overdue\""),
        "the count leads to the overdue applications"
    );
    let (_, overdue) = cast
        .secretariat
        .browser
        .page("/committee?status=overdue")
        .await;
    assert!(overdue.contains(&id) && overdue.contains("class=\"overdue\""));
    assert_eq!(text_of(&overdue, "nav.pager p").unwrap(), "1–1 of 1");
    let (_, mine) = cast.provider.browser.page("/applications").await;
    assert!(mine.contains("class=\"overdue\""));
}

#[tokio::test]
async fn each_role_may_take_only_its_own_steps() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    // Reviewers, the chair and providers cannot screen; the secretariat cannot vote or sign.
    for member in [&cast.technical, &cast.chair, &cast.provider] {
        assert_eq!(
            member.post(&format!("{case}/screen"), &[]).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/assign"),
            &[
                ("reviewer_id", &cast.technical.user.id),
                ("domain", "technical"),
            ],
        )
        .await;
    let res = cast
        .secretariat
        .post(
            &format!("{case}/assign"),
            &[("reviewer_id", &cast.security.user.id), ("domain", "legal")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reviewer only reviews in their own areas"
    );
    let assignment = cast.assignment_of(&id, &cast.technical.user.id);
    let res = cast
        .security
        .post(
            &format!("{case}/review"),
            &[
                ("assignment_id", &assignment),
                ("recommendation", "approve"),
                ("comments", "x"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "nobody records another reviewer's review"
    );
    let res = cast
        .secretariat
        .post(&format!("{case}/open-vote"), &[])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "the vote waits for the reviews"
    );
    cast.technical
        .act(
            &format!("{case}/review"),
            &[
                ("assignment_id", &assignment),
                ("recommendation", "approve"),
                ("comments", "x"),
            ],
        )
        .await;
    cast.secretariat
        .act(&format!("{case}/open-vote"), &[])
        .await;
    assert_eq!(
        cast.secretariat
            .post(
                &format!("{case}/vote"),
                &[("choice", "approve"), ("reason", "x")]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    for member in [&cast.secretariat, &cast.technical] {
        let res = member
            .post(
                &format!("{case}/decide"),
                &[("legal_basis", "x"), ("validity_months", "1")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    // An auditor reads the case but changes nothing.
    let auditor = app.another_browser();
    auditor.sign_in_as(&app.create_user("auditor", None)).await;
    assert_eq!(auditor.get(&case).await.status(), StatusCode::OK);
    assert_eq!(
        auditor
            .post(
                &format!("{case}/vote"),
                &[("choice", "approve"), ("reason", "x")]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Providers never see the committee's case file.
    assert_eq!(
        cast.provider.browser.get(&case).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_draft_loses_an_attachment_but_a_submitted_application_keeps_it() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.start_application("new").await;
    cast.provider.upload(&id, "other", "spare.pdf", PDF).await;
    let files = |app: &TestApp| {
        interconnect_registry::db::models::attachment::list_for_application(&mut app.conn(), &id)
            .unwrap()
    };
    let spare = files(&app).remove(0).id;
    cast.provider
        .act(
            &format!("/applications/{id}/attachments/{spare}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert!(files(&app).is_empty());
    let res = cast
        .provider
        .post(
            &format!("/applications/{id}/attachments/{spare}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "removing twice finds nothing"
    );

    let submitted = cast.provider.submit_complete_application().await;
    let file = interconnect_registry::db::models::attachment::list_for_application(
        &mut app.conn(),
        &submitted,
    )
    .unwrap()
    .remove(0)
    .id;
    let res = cast
        .provider
        .post(
            &format!("/applications/{submitted}/attachments/{file}/delete"),
            &[],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "a submitted application's files stay"
    );
    let res = cast
        .provider
        .upload(&submitted, "other", "late.pdf", PDF)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_information_request_needs_questions_and_a_sensible_deadline() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    let res = cast
        .secretariat
        .post(
            &format!("{case}/request-info"),
            &[("questions", ""), ("days", "91")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert_eq!(
        text_of(&html, "#e-questions").unwrap(),
        "This field is required."
    );
    assert_eq!(
        text_of(&html, "#e-days").unwrap(),
        "Give a number of days from 1 to 90."
    );
    assert_eq!(cast.status_of(&id), "screening");
}
