//! The notices of the steps someone must act on after another's act: a show-cause answer
//! and a confirmed disconnection, each review, the vote reaching its quorum, a withdrawal
//! and a dismissal. Each goes to exactly the people who must act (never to someone
//! recused or deactivated, nor to the one who acted), in each one's language, with a link
//! to the page where they act.

use chrono::TimeDelta;
use interconnect_registry::domain::clock::Clock;

use crate::helpers::{TestApp, TestUser};
use crate::mail::{
    SECRETARIAT, app_with_mail, colleague_of, deliver, is_lao, link_to, message_to, opens,
    recipients, set, set_language,
};
use crate::smtp_sink::{Received, SmtpSink};
use crate::workflow_helpers::{Cast, Member};

/// An app that mails every active secretariat user (no shared secretariat address).
async fn app_mailing_each_secretary(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(&[("SMTP_URL", url.as_str())]).await
}

fn deactivate(app: &TestApp, user: &TestUser) {
    app.execute(&format!(
        "UPDATE users SET active = {} WHERE id = '{}'",
        if app.is_postgres() { "FALSE" } else { "0" },
        user.id
    ));
}

/// A new user with `role`, signed in.
async fn signed_in(app: &TestApp, role: &str, domains: &[&str]) -> Member {
    let browser = app.another_browser();
    let user = app.create_member(role, domains);
    browser.sign_in_as(&user).await;
    Member { user, browser }
}

/// A second secretary, who reads Lao, signed in.
async fn lao_secretary(app: &TestApp) -> Member {
    let secretary = signed_in(app, "secretariat", &[]).await;
    set_language(app, &secretary.user, "lo");
    secretary
}

fn reference_of(app: &TestApp, id: &str) -> String {
    interconnect_registry::db::models::application::find(&mut app.conn(), id)
        .unwrap()
        .unwrap()
        .reference
        .unwrap()
}

/// The message is in Lao, subject and both parts, and says so.
fn in_lao(message: &Received) -> bool {
    is_lao(&message.subject())
        && is_lao(&message.text())
        && is_lao(&message.html())
        && message.header("Content-Language").as_deref() == Some("lo")
}

fn in_english(message: &Received) -> bool {
    !is_lao(&message.subject())
        && !is_lao(&message.text())
        && message.header("Content-Language").as_deref() == Some("en")
}

#[tokio::test]
async fn a_show_cause_answer_and_a_confirmed_disconnection_reach_who_must_decide_and_verify() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_each_secretary(&sink).await;
    let cast = Cast::assemble(&app).await;
    set_language(&app, &cast.secretariat.user, "en");
    set_language(&app, &cast.chair.user, "lo");
    let connection = cast.approved_connection().await;
    let second = lao_secretary(&app).await;
    let gone = app.create_member("secretariat", &[]);
    deactivate(&app, &gone);
    let retired_chair = app.create_member("chair", &["legal"]);
    deactivate(&app, &retired_chair);
    let committee = format!("/committee/connections/{}", connection.id);
    let provider_page = format!("/connections/{}", connection.id);
    let number = connection.approval_number.clone();
    let secretary = cast.secretariat.user.email.as_str();
    cast.secretariat
        .act(
            &format!("{committee}/show-cause"),
            &[("notice", "Unlicensed resale of capacity."), ("days", "20")],
        )
        .await;
    deliver(&app, &sink).await;

    cast.provider
        .act(
            &format!("{provider_page}/answer"),
            &[("answer", "It is <b>not</b> resale.")],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[&cast.chair.user.email, secretary, &second.user.email]),
        "the chair, who decides, and the active secretariat"
    );
    let to_secretary = message_to(&sent, secretary);
    assert_eq!(
        to_secretary.subject(),
        format!("Show-cause notice answered: connection {number}")
    );
    assert!(in_english(to_secretary));
    assert!(to_secretary.text().contains("It is <b>not</b> resale."));
    assert!(
        !to_secretary.html().contains("<b>not</b>"),
        "the provider's words are escaped"
    );
    let to_chair = message_to(&sent, &cast.chair.user.email);
    assert!(in_lao(to_chair), "{}", to_chair.subject());
    assert!(to_chair.subject().contains(&number));
    assert!(opens(&cast.chair, &link_to(&app, to_chair, &committee)).await);
    assert!(in_lao(message_to(&sent, &second.user.email)));

    cast.chair
        .act(
            &format!("{committee}/decide"),
            &[
                ("outcome", "revoke"),
                ("reason", "Resale confirmed"),
                ("disconnection_days", "15"),
                ("confirm", "yes"),
            ],
        )
        .await;
    deliver(&app, &sink).await;
    cast.provider
        .act(
            &format!("{provider_page}/disconnected"),
            &[("evidence", "Cross-connect removed at the border POP.")],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[secretary, &second.user.email]),
        "the secretariat, who verifies"
    );
    let to_secretary = message_to(&sent, secretary);
    assert_eq!(
        to_secretary.subject(),
        format!("Disconnection confirmed: connection {number}")
    );
    assert!(in_english(to_secretary));
    assert!(
        to_secretary
            .text()
            .contains("Cross-connect removed at the border POP.")
    );
    assert!(opens(&cast.secretariat, &link_to(&app, to_secretary, &committee)).await);
    let to_second = message_to(&sent, &second.user.email);
    assert!(in_lao(to_second));
    assert!(opens(&second, &link_to(&app, to_second, &committee)).await);
}

#[tokio::test]
async fn each_review_tells_the_secretariat_how_many_are_in_and_the_quorum_tells_the_chair_once() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_each_secretary(&sink).await;
    let cast = Cast::assemble(&app).await;
    set_language(&app, &cast.secretariat.user, "en");
    set_language(&app, &cast.chair.user, "lo");
    let fifth = signed_in(&app, "reviewer", &["technical"]).await;
    let second = lao_secretary(&app).await;
    let secretaries = [
        cast.secretariat.user.email.as_str(),
        second.user.email.as_str(),
    ];
    let id = cast.provider.submit_complete_application().await;
    let reference = reference_of(&app, &id);
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    let reviewers = [
        (&cast.technical, "technical"),
        (&cast.security, "security"),
        (&cast.legal, "legal"),
    ];
    for (reviewer, domain) in reviewers {
        cast.secretariat
            .act(
                &format!("{case}/assign"),
                &[("reviewer_id", &reviewer.user.id), ("domain", domain)],
            )
            .await;
    }
    deliver(&app, &sink).await;

    let expected = [
        format!("Review recorded: application {reference} (1 of 3)"),
        format!("Review recorded: application {reference} (2 of 3)"),
        format!("All reviews in: application {reference}"),
    ];
    let mut last = String::new();
    for ((reviewer, _), subject) in reviewers.into_iter().zip(expected) {
        let assignment = cast.assignment_of(&id, &reviewer.user.id);
        reviewer
            .act(
                &format!("{case}/review"),
                &[
                    ("assignment_id", &assignment),
                    ("recommendation", "approve"),
                    ("comments", "Fine"),
                ],
            )
            .await;
        let sent = deliver(&app, &sink).await;
        assert_eq!(recipients(&sent), set(&secretaries), "{subject}");
        let to_secretary = message_to(&sent, secretaries[0]);
        assert_eq!(to_secretary.subject(), subject);
        assert!(in_english(to_secretary));
        assert!(opens(&cast.secretariat, &link_to(&app, to_secretary, &case)).await);
        let to_second = message_to(&sent, secretaries[1]);
        assert!(in_lao(to_second), "{}", to_second.subject());
        assert!(to_second.subject().contains(&reference));
        last = to_secretary.text();
    }
    assert!(
        last.contains("are in (3). The committee's vote can now be opened."),
        "{last}"
    );

    cast.secretariat
        .act(&format!("{case}/open-vote"), &[])
        .await;
    deliver(&app, &sink).await;
    cast.technical.vote(&id, "approve", "ok").await;
    cast.security.vote(&id, "reject", "no").await;
    assert!(
        deliver(&app, &sink).await.is_empty(),
        "two of five votes: no quorum yet"
    );
    cast.legal.vote(&id, "approve", "ok").await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&[&cast.chair.user.email]));
    let to_chair = &sent[0];
    assert!(in_lao(to_chair), "{}", to_chair.subject());
    assert!(to_chair.subject().contains(&reference));
    assert!(opens(&cast.chair, &link_to(&app, to_chair, &case)).await);
    for voter in [&fifth, &cast.chair] {
        voter.vote(&id, "approve", "ok").await;
        assert!(
            deliver(&app, &sink).await.is_empty(),
            "one notice when the decision becomes possible, none per vote after it"
        );
    }

    let voted_last = cast.application_in_vote().await;
    deliver(&app, &sink).await;
    for voter in [&cast.technical, &cast.security] {
        voter.vote(&voted_last, "approve", "ok").await;
    }
    cast.chair.vote(&voted_last, "approve", "ok").await;
    assert!(
        deliver(&app, &sink).await.is_empty(),
        "the chair whose vote brings the quorum is not told of it"
    );

    let recused = cast.application_in_vote().await;
    deliver(&app, &sink).await;
    cast.technical.vote(&recused, "approve", "ok").await;
    cast.chair
        .act(
            &format!("/committee/applications/{recused}/recuse"),
            &[
                ("reason", "My brother runs the provider."),
                ("confirm", "yes"),
            ],
        )
        .await;
    cast.security.vote(&recused, "approve", "ok").await;
    cast.legal.vote(&recused, "approve", "ok").await;
    assert!(
        deliver(&app, &sink).await.is_empty(),
        "a recused chair is not told, though the vote reached its quorum"
    );
}

#[tokio::test]
async fn a_withdrawal_tells_the_secretariat_and_those_who_had_the_application_in_hand() {
    let sink = SmtpSink::start().await;
    let app = app_mailing_each_secretary(&sink).await;
    let cast = Cast::assemble(&app).await;
    set_language(&app, &cast.secretariat.user, "en");
    set_language(&app, &cast.technical.user, "en");
    set_language(&app, &cast.chair.user, "lo");
    let second = lao_secretary(&app).await;
    let secretary = cast.secretariat.user.email.as_str();

    let draft = cast.provider.start_application("new").await;
    cast.provider
        .act(
            &format!("/applications/{draft}/withdraw"),
            &[("confirm", "yes")],
        )
        .await;
    assert!(
        deliver(&app, &sink).await.is_empty(),
        "a draft nobody saw tells no one"
    );

    let in_review = cast.provider.submit_complete_application().await;
    let case = format!("/committee/applications/{in_review}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    for (reviewer, domain) in [(&cast.technical, "technical"), (&cast.legal, "legal")] {
        cast.secretariat
            .act(
                &format!("{case}/assign"),
                &[("reviewer_id", &reviewer.user.id), ("domain", domain)],
            )
            .await;
    }
    cast.legal
        .act(
            &format!("{case}/recuse"),
            &[
                ("reason", "I advised the counterparty."),
                ("confirm", "yes"),
            ],
        )
        .await;
    deliver(&app, &sink).await;
    cast.provider
        .act(
            &format!("/applications/{in_review}/withdraw"),
            &[("confirm", "yes")],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[secretary, &second.user.email, &cast.technical.user.email]),
        "the secretariat and the assigned reviewer; not the recused one, not the committee"
    );
    let reference = reference_of(&app, &in_review);
    let to_reviewer = message_to(&sent, &cast.technical.user.email);
    assert_eq!(
        to_reviewer.subject(),
        format!("Application {reference} withdrawn")
    );
    assert!(in_english(to_reviewer));
    assert!(opens(&cast.technical, &link_to(&app, to_reviewer, &case)).await);
    assert!(in_lao(message_to(&sent, &second.user.email)));

    let in_vote = cast.application_in_vote().await;
    let case = format!("/committee/applications/{in_vote}");
    cast.security
        .act(
            &format!("{case}/recuse"),
            &[
                ("reason", "I hold shares in the provider."),
                ("confirm", "yes"),
            ],
        )
        .await;
    cast.technical.vote(&in_vote, "approve", "ok").await;
    deactivate(&app, &cast.legal.user);
    deliver(&app, &sink).await;
    cast.provider
        .act(
            &format!("/applications/{in_vote}/withdraw"),
            &[("confirm", "yes")],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[
            secretary,
            &second.user.email,
            &cast.technical.user.email,
            &cast.chair.user.email,
        ]),
        "the secretariat and the voting committee; not the recused, not the deactivated"
    );
    let to_chair = message_to(&sent, &cast.chair.user.email);
    assert!(in_lao(to_chair), "{}", to_chair.subject());
    assert!(opens(&cast.chair, &link_to(&app, to_chair, &case)).await);
    let to_secretary = message_to(&sent, secretary);
    assert!(in_english(to_secretary));
    assert!(opens(&cast.secretariat, &link_to(&app, to_secretary, &case)).await);
}

#[tokio::test]
async fn a_dismissal_for_a_lapsed_request_tells_the_provider_and_the_secretariat() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[]).await;
    let cast = Cast::assemble(&app).await;
    let colleague = colleague_of(&app, &cast.provider.user);
    set_language(&app, &cast.provider.user, "en");
    let provider = cast.provider.user.email.as_str();
    let named_contact = "noy@skynet.example.la";
    let id = cast.provider.submit_complete_application().await;
    let reference = reference_of(&app, &id);
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[("questions", "Send the route map."), ("days", "10")],
        )
        .await;
    deliver(&app, &sink).await;
    let deadline = interconnect_registry::domain::clock::in_vientiane(
        &(app.clock.now() + TimeDelta::days(10)),
        "%Y-%m-%d %H:%M",
    );

    app.clock
        .advance(TimeDelta::days(10) + TimeDelta::minutes(1));
    assert_eq!(app.run_scheduler().dismissed, 1);
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[provider, &colleague.email, named_contact, SECRETARIAT]),
        "the provider's people and the secretariat"
    );
    let to_provider = message_to(&sent, provider);
    assert_eq!(
        to_provider.subject(),
        format!("Application {reference} dismissed")
    );
    assert!(in_english(to_provider));
    assert!(
        to_provider.text().contains(&deadline),
        "{}",
        to_provider.text()
    );
    let page = format!("/applications/{id}");
    assert!(opens(&cast.provider, &link_to(&app, to_provider, &page)).await);
    let to_colleague = message_to(&sent, &colleague.email);
    assert!(in_lao(to_colleague), "{}", to_colleague.subject());
    assert!(to_colleague.subject().contains(&reference));
    let to_secretariat = message_to(&sent, SECRETARIAT);
    assert!(in_english(to_secretariat));
    assert!(opens(&cast.secretariat, &link_to(&app, to_secretariat, &case)).await);
}
