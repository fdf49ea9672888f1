//! The committee's record cannot be bent by account changes: a cast vote keeps counting
//! when its voter leaves the committee or is deactivated, a member who left records no
//! review, the open review of someone who left can be withdrawn so the vote can open, the
//! case page shows every change of membership during the case, and a show-cause answer
//! after its deadline is refused.

use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{TestApp, text_of};
use crate::workflow_helpers::{Cast, Member, PDF};
use interconnect_registry::db::models::connection as connection_db;

/// The system administrator, signed in.
async fn admin(app: &TestApp) -> TestApp {
    let browser = app.another_browser();
    browser.sign_in_as(&app.create_user("admin", None)).await;
    browser
}

/// The admin saves `member`'s account as in the finding: same role, *committee member*
/// unticked, and renamed to `name` so the case page can be read for it.
async fn take_off_committee(admin: &TestApp, member: &Member, name: &str) {
    let res = admin
        .post(
            &format!("/admin/users/{}", member.user.id),
            &[
                ("email", &member.user.email),
                ("name", name),
                ("role", "reviewer"),
            ],
        )
        .await;
    let status = res.status();
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
}

async fn deactivate(admin: &TestApp, member: &Member) {
    let res = admin
        .post(&format!("/admin/users/{}/deactivate", member.user.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// The finding's vote: technical and security approve, legal rejects (3 of 4 members).
async fn three_votes(cast: &Cast, id: &str) {
    cast.technical.vote(id, "approve", "Sound design").await;
    cast.security.vote(id, "approve", "Controls in place").await;
    cast.legal.vote(id, "reject", "Contract unclear").await;
}

/// The chair signs as in the finding: a casting vote `reject`, no validity. Against an
/// approving majority this is refused (no validity given), and nothing is decided.
async fn chair_signs_as_in_the_finding(cast: &Cast, id: &str) {
    let res = cast
        .chair
        .post(
            &format!("/committee/applications/{id}/decide"),
            &[
                ("casting_vote", "reject"),
                ("legal_basis", "L"),
                ("reasons", "Tie broken by the chair"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(cast.status_of(id), "voting", "the outcome did not flip");
}

async fn approved_after_all(cast: &Cast, id: &str) {
    cast.chair
        .act(
            &format!("/committee/applications/{id}/decide"),
            &[("legal_basis", "Notice No. 258"), ("validity_months", "12")],
        )
        .await;
    assert_eq!(cast.status_of(id), "approved");
}

#[tokio::test]
async fn a_vote_keeps_counting_after_the_admin_takes_its_voter_off_the_committee() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let admin = admin(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    three_votes(&cast, &id).await;

    let (_, form) = admin
        .page(&format!("/admin/users/{}", cast.security.user.id))
        .await;
    assert!(
        form.contains("never undoes a vote they have cast"),
        "the admin's form says what the change does"
    );
    take_off_committee(&admin, &cast.security, "Khamla Security").await;

    let (_, html) = cast.chair.browser.page(&case).await;
    let tally = text_of(&html, ".votes p").unwrap();
    assert_eq!(
        tally,
        "3 of 4 eligible members have voted. The majority approves."
    );
    assert!(!html.contains("not counted"), "{html}");
    chair_signs_as_in_the_finding(&cast, &id).await;

    let (_, html) = cast.secretariat.browser.page(&case).await;
    let change = text_of(&html, ".membership li").unwrap();
    assert!(
        change.contains("Khamla Security: taken off the committee"),
        "{change}"
    );
    assert!(
        text_of(&html, ".membership li time").is_some_and(|t| t.len() == 16),
        "the change is dated"
    );
    approved_after_all(&cast, &id).await;
    let (_, html) = cast.secretariat.browser.page(&case).await;
    assert!(
        text_of(&html, ".membership li")
            .unwrap()
            .contains("Khamla Security: taken off the committee"),
        "the decided case still shows the change"
    );

    cast.secretariat
        .post("/language", &[("lang", "lo"), ("next", "/")])
        .await;
    let (_, html) = cast.secretariat.browser.page(&case).await;
    assert!(
        text_of(&html, ".membership li")
            .unwrap()
            .contains("Khamla Security: ຖືກຍ້າຍອອກຈາກຄະນະກຳມະການ"),
        "and in Lao"
    );
}

#[tokio::test]
async fn a_vote_keeps_counting_after_the_admin_deactivates_its_voter() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let admin = admin(&app).await;
    let id = cast.application_in_vote().await;
    let case = format!("/committee/applications/{id}");
    three_votes(&cast, &id).await;

    deactivate(&admin, &cast.security).await;

    let (_, html) = cast.chair.browser.page(&case).await;
    assert_eq!(
        text_of(&html, ".votes p").unwrap(),
        "3 of 4 eligible members have voted. The majority approves."
    );
    chair_signs_as_in_the_finding(&cast, &id).await;
    let (_, html) = cast.secretariat.browser.page(&case).await;
    assert!(
        text_of(&html, ".membership li")
            .unwrap()
            .contains("Test reviewer: account deactivated")
    );
    approved_after_all(&cast, &id).await;
}

#[tokio::test]
async fn a_member_who_left_before_voting_is_no_longer_counted_among_the_eligible() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let admin = admin(&app).await;
    let id = cast.application_in_vote().await;
    cast.technical.vote(&id, "approve", "Sound design").await;
    cast.security
        .vote(&id, "approve", "Controls in place")
        .await;

    take_off_committee(&admin, &cast.legal, "Vanh Legal").await;

    let res = cast
        .legal
        .post(
            &format!("/committee/applications/{id}/vote"),
            &[("choice", "reject"), ("reason", "Late")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let (_, html) = cast
        .chair
        .browser
        .page(&format!("/committee/applications/{id}"))
        .await;
    assert_eq!(
        text_of(&html, ".votes p").unwrap(),
        "2 of 3 eligible members have voted. The majority approves."
    );
}

#[tokio::test]
async fn a_reviewer_taken_off_the_committee_can_no_longer_record_the_review() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let admin = admin(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/assign"),
            &[("reviewer_id", &cast.legal.user.id), ("domain", "legal")],
        )
        .await;
    let assignment = cast.assignment_of(&id, &cast.legal.user.id);

    take_off_committee(&admin, &cast.legal, "Vanh Legal").await;

    let res = cast
        .legal
        .post(
            &format!("{case}/review"),
            &[
                ("assignment_id", &assignment),
                ("recommendation", "reject"),
                ("comments", "Recorded after leaving"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("You are no longer a member of the oversight committee")
    );
    let assignments =
        interconnect_registry::db::models::committee::list_assignments(&mut app.conn(), &id)
            .unwrap();
    assert_eq!(assignments[0].0.recommendation, None, "nothing was stored");
    let (_, inbox) = cast.legal.browser.page("/committee").await;
    let mine = text_of(&inbox, "section.mine").unwrap();
    assert!(
        !mine.contains("APP-"),
        "the review is no longer among the reviews of someone who left: {mine}"
    );
    let (_, html) = cast.legal.browser.page(&case).await;
    assert!(
        !html.contains("name=\"recommendation\""),
        "no review form for someone who left"
    );
}

#[tokio::test]
async fn the_open_review_of_a_reviewer_who_left_is_withdrawn_and_the_vote_opens() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let admin = admin(&app).await;
    let id = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    for (member, domain) in [(&cast.technical, "technical"), (&cast.legal, "legal")] {
        cast.secretariat
            .act(
                &format!("{case}/assign"),
                &[("reviewer_id", &member.user.id), ("domain", domain)],
            )
            .await;
    }
    let technical = cast.assignment_of(&id, &cast.technical.user.id);
    let legal = cast.assignment_of(&id, &cast.legal.user.id);
    cast.technical
        .act(
            &format!("{case}/review"),
            &[
                ("assignment_id", &technical),
                ("recommendation", "approve"),
                ("comments", "Fine"),
            ],
        )
        .await;

    let res = cast
        .secretariat
        .post(
            &format!("{case}/withdraw-review"),
            &[("assignment_id", &legal)],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "a member still on the committee keeps their review"
    );
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This reviewer is still on the committee")
    );

    deactivate(&admin, &cast.legal).await;
    let res = cast
        .secretariat
        .post(&format!("{case}/open-vote"), &[])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "the departed reviewer's open review holds up the vote"
    );
    let (_, html) = cast.secretariat.browser.page(&case).await;
    assert!(html.contains("no longer on the committee"));
    assert!(html.contains("/withdraw-review"));

    let res = cast
        .secretariat
        .browser
        .post_raw(
            &format!("{case}/withdraw-review"),
            &[("assignment_id", &legal)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "CSRF is required");
    cast.secretariat
        .act(
            &format!("{case}/withdraw-review"),
            &[("assignment_id", &legal)],
        )
        .await;
    let res = cast
        .secretariat
        .post(
            &format!("{case}/withdraw-review"),
            &[("assignment_id", &legal)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "withdrawn once");

    let pending = interconnect_registry::db::models::committee::list_pending_application_ids(
        &mut app.conn(),
        &cast.legal.user.id,
    )
    .unwrap();
    assert!(pending.is_empty(), "no longer a pending review");
    let (_, html) = cast.secretariat.browser.page(&case).await;
    assert!(html.contains("withdrawn by the secretariat: the reviewer left the committee"));
    assert!(html.contains("Review withdrawn: the reviewer left the committee"));
    assert!(
        text_of(&html, ".membership li")
            .unwrap()
            .contains("Test reviewer: account deactivated")
    );

    cast.secretariat
        .act(&format!("{case}/open-vote"), &[])
        .await;
    assert_eq!(cast.status_of(&id), "voting");
}

#[tokio::test]
async fn a_show_cause_answer_after_its_deadline_is_refused_naming_the_deadline() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let provider = format!("/connections/{}", connection.id);
    cast.secretariat
        .act(
            &format!("/committee/connections/{}/show-cause", connection.id),
            &[("notice", "Resale of capacity"), ("days", "10")],
        )
        .await;
    let case = connection_db::list_show_causes(&mut app.conn(), &connection.id)
        .unwrap()
        .pop()
        .unwrap();
    let deadline = interconnect_registry::domain::clock::in_vientiane(
        &case.response_deadline,
        "%Y-%m-%d %H:%M",
    );
    let refusal = format!(
        "The deadline to answer this notice was {deadline} (Vientiane time): an answer after the deadline is not accepted."
    );

    app.clock.advance(TimeDelta::days(11));

    let res = cast
        .provider
        .post(
            &format!("{provider}/answer"),
            &[("answer", "We were on holiday.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains(&refusal));
    let res = cast
        .provider
        .upload_to(
            &format!("{provider}/files"),
            "show_cause_answer",
            "late.pdf",
            PDF,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains(&refusal));

    let case = connection_db::list_show_causes(&mut app.conn(), &connection.id)
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!((case.answer, case.answered_at), (None, None));
    assert!(
        connection_db::list_files(&mut app.conn(), &connection.id)
            .unwrap()
            .is_empty()
    );
    let (_, html) = cast.provider.browser.page(&provider).await;
    assert!(
        html.contains(&refusal),
        "the page says why no form is offered"
    );
    assert!(!html.contains("name=\"answer\""));
    let (_, html) = cast
        .chair
        .browser
        .page(&format!("/committee/connections/{}", connection.id))
        .await;
    assert!(
        html.contains(&refusal),
        "the committee sees the period ended"
    );
}
