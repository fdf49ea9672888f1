//! E-mail notifications over a real SMTP conversation with an in-process server on
//! loopback: who gets which message, in which language, with working links; and delivery
//! when the mail server is down, refuses, or the worker dies.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Timelike};
use interconnect_registry::db::models::outbox::OutboxMessage;
use interconnect_registry::db::models::user as user_db;
use interconnect_registry::domain::clock::Clock;
use reqwest::StatusCode;

use crate::helpers::{TestApp, TestUser};
use crate::smtp_sink::{Received, Reply, SmtpSink};
use crate::workflow_helpers::{Cast, Member};

pub(crate) const SECRETARIAT: &str = "secretariat@regulator.example.la";
const WAIT: Duration = Duration::from_secs(20);

/// An app that sends mail to `sink`, with the secretariat's shared address in English.
pub(crate) async fn app_with_mail(sink: &SmtpSink, extra: &[(&str, &str)]) -> TestApp {
    let url = sink.url();
    let mut settings = vec![
        ("SMTP_URL", url.as_str()),
        ("SECRETARIAT_EMAIL", SECRETARIAT),
        ("SECRETARIAT_LANGUAGE", "en"),
    ];
    settings.extend_from_slice(extra);
    TestApp::spawn_with(&settings).await
}

/// Delivers everything due and returns what the server accepted in this call.
pub(crate) async fn deliver(app: &TestApp, sink: &SmtpSink) -> Vec<Received> {
    let before = sink.received().len();
    while app.deliver_mail().await.claimed > 0 {}
    sink.received().split_off(before)
}

fn outbox(app: &TestApp) -> Vec<OutboxMessage> {
    use diesel::prelude::*;
    use interconnect_registry::db::schema::outbox_messages;
    let mut conn = app.conn();
    let conn: &mut interconnect_registry::db::DbConn = &mut conn;
    outbox_messages::table
        .order(outbox_messages::created_at.asc())
        .select(OutboxMessage::as_select())
        .load(conn)
        .expect("outbox")
}

/// Recipient address → subject of each message.
pub(crate) fn by_recipient(messages: &[Received]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for m in messages {
        for to in &m.to {
            let subject = m.subject();
            if let Some(first) = map.insert(to.clone(), subject.clone()) {
                panic!("{to} got two messages: {first:?} and {subject:?}");
            }
        }
    }
    map
}

pub(crate) fn recipients(messages: &[Received]) -> BTreeSet<String> {
    messages.iter().flat_map(|m| m.to.iter().cloned()).collect()
}

pub(crate) fn set(addresses: &[&str]) -> BTreeSet<String> {
    addresses.iter().map(|a| a.to_string()).collect()
}

pub(crate) fn message_to<'a>(messages: &'a [Received], address: &str) -> &'a Received {
    messages
        .iter()
        .find(|m| m.to.iter().any(|t| t == address))
        .unwrap_or_else(|| panic!("no message to {address}"))
}

pub(crate) fn is_lao(text: &str) -> bool {
    text.chars().any(|c| ('\u{0E80}'..='\u{0EFF}').contains(&c))
}

pub(crate) fn set_language(app: &TestApp, user: &TestUser, lang: &str) {
    app.execute(&format!(
        "UPDATE users SET language = '{lang}' WHERE id = '{}'",
        user.id
    ));
}

/// The link in a message that points into the application at `path_prefix`.
pub(crate) fn link_to(app: &TestApp, message: &Received, path_prefix: &str) -> String {
    let wanted = app.url(path_prefix);
    message
        .links()
        .into_iter()
        .find(|l| l.starts_with(&wanted))
        .unwrap_or_else(|| panic!("no link to {wanted} in {}", message.text()))
}

pub(crate) async fn opens(member: &Member, link: &str) -> bool {
    let path = link.trim_start_matches(&member.browser.address);
    member.browser.get(path).await.status() == StatusCode::OK
}

/// The organisation of a provider user, and a colleague there who reads Lao.
pub(crate) fn colleague_of(app: &TestApp, provider: &TestUser) -> TestUser {
    let org_id = user_db::find(&mut app.conn(), &provider.id)
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    let organisation =
        interconnect_registry::db::models::organisation::find(&mut app.conn(), &org_id)
            .unwrap()
            .unwrap();
    app.create_user("applicant", Some(&organisation))
}

#[tokio::test]
async fn application_events_reach_the_right_people_in_their_language() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[]).await;
    let cast = Cast::assemble(&app).await;
    let colleague = colleague_of(&app, &cast.provider.user);
    let stranger = app.create_user("org_admin", None);
    set_language(&app, &cast.provider.user, "en");
    set_language(&app, &cast.technical.user, "en");
    let provider = cast.provider.user.email.as_str();
    let named_contact = "noy@skynet.example.la";

    let id = cast.provider.submit_complete_application().await;
    let reference = interconnect_registry::db::models::application::find(&mut app.conn(), &id)
        .unwrap()
        .unwrap()
        .reference
        .unwrap();
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[provider, &colleague.email, named_contact, SECRETARIAT]),
        "the organisation's people, the named contact and the secretariat; nobody else"
    );
    let receipt = message_to(&sent, provider);
    assert_eq!(
        receipt.subject(),
        format!("Application {reference} received")
    );
    assert_eq!(receipt.header("Content-Language").as_deref(), Some("en"));
    assert!(receipt.html().contains(&reference));
    let body = receipt.text();
    assert!(
        body.contains("Co., Ltd. and will check") && !body.contains("Ltd.."),
        "a name ending with a full stop is written once, as registered: {body}"
    );
    let link = link_to(&app, receipt, &format!("/applications/{id}"));
    assert!(opens(&cast.provider, &link).await, "{link}");
    let lao = message_to(&sent, &colleague.email);
    assert!(is_lao(&lao.subject()) && lao.subject().contains(&reference));
    assert_eq!(lao.header("Content-Language").as_deref(), Some("lo"));
    assert!(!is_lao(&message_to(&sent, named_contact).subject()));
    let notice = message_to(&sent, SECRETARIAT);
    assert_eq!(notice.subject(), format!("New application {reference}"));
    let link = link_to(&app, notice, &format!("/committee/applications/{id}"));
    assert!(opens(&cast.secretariat, &link).await);
    assert!(
        sent.iter()
            .all(|m| m.header("Message-ID").is_some_and(|h| h.contains('@'))),
        "every message has a Message-ID"
    );

    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[
                ("questions", "Send the <b>route map</b> & the SLA."),
                ("days", "10"),
            ],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        by_recipient(&sent).into_keys().collect::<BTreeSet<_>>(),
        set(&[provider, &colleague.email, named_contact])
    );
    let request = message_to(&sent, provider);
    let html = request.html();
    let questions = &html[html.find("<h3>").unwrap_or(0)..];
    assert!(
        request
            .text()
            .contains("Send the <b>route map</b> & the SLA.")
    );
    assert!(
        questions.contains("Send the &#60;b&#62;route map&#60;/b&#62; &#38; the SLA.")
            && !questions.contains("<b>"),
        "text written by people is escaped in HTML: {questions}"
    );
    assert!(request.text().contains("(Vientiane time)"));

    cast.provider
        .act(
            &format!("/applications/{id}/answer"),
            &[("answer", "Route map attached.")],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&[SECRETARIAT]));

    cast.secretariat.act(&format!("{case}/complete"), &[]).await;
    assert!(
        deliver(&app, &sink).await.is_empty(),
        "screening tells no one"
    );
    cast.secretariat
        .act(
            &format!("{case}/assign"),
            &[
                ("reviewer_id", &cast.technical.user.id),
                ("domain", "technical"),
            ],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&[&cast.technical.user.email]));
    let assigned = &sent[0];
    assert_eq!(
        assigned.subject(),
        format!("Review assigned: application {reference}")
    );
    assert!(
        assigned.text().contains("Your area: Technical"),
        "{}",
        assigned.text()
    );
    let link = link_to(&app, assigned, &case);
    assert!(opens(&cast.technical, &link).await);
    let review = cast.assignment_of(&id, &cast.technical.user.id);
    cast.technical
        .act(
            &format!("{case}/review"),
            &[
                ("assignment_id", &review),
                ("recommendation", "approve"),
                ("comments", "Fine"),
            ],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&[SECRETARIAT]), "the reviews are in");
    cast.secretariat
        .act(&format!("{case}/open-vote"), &[])
        .await;
    let sent = deliver(&app, &sink).await;
    let voters: Vec<&str> = cast
        .voters()
        .iter()
        .map(|v| v.user.email.as_str())
        .collect();
    assert_eq!(recipients(&sent), set(&voters), "the voting committee");

    for voter in cast.voters() {
        voter.vote(&id, "approve", "ok").await;
    }
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[&cast.chair.user.email]),
        "the decision can be signed"
    );
    cast.chair
        .act(
            &format!("{case}/decide"),
            &[
                ("legal_basis", "Notice No. 258"),
                ("validity_months", "24"),
                ("conditions", "Keep traffic records for 2 years"),
            ],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[provider, &colleague.email, named_contact])
    );
    let number = cast.connection_of(&id).approval_number;
    let decision = message_to(&sent, provider);
    assert_eq!(
        decision.subject(),
        format!("Application {reference} approved: {number}")
    );
    assert!(decision.text().contains("Keep traffic records for 2 years"));

    let rejected = cast.application_in_vote().await;
    deliver(&app, &sink).await;
    for voter in cast.voters() {
        voter.vote(&rejected, "reject", "no").await;
    }
    cast.chair
        .act(
            &format!("/committee/applications/{rejected}/decide"),
            &[
                ("legal_basis", "Notice No. 258"),
                ("reasons", "The counterparty is under sanctions."),
            ],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    let decision = message_to(&sent, provider);
    assert!(decision.subject().starts_with("Decision on application"));
    assert!(
        decision
            .text()
            .contains("The counterparty is under sanctions.")
    );
    assert!(
        sink.received()
            .iter()
            .all(|m| !m.to.contains(&stranger.email)),
        "another organisation hears nothing"
    );
    assert!(
        sink.received()
            .iter()
            .all(|m| !m.text().contains("email-") && !m.subject().contains("email-")),
        "no untranslated key in any message"
    );
}

/// Moves the clock forward to the next 08:00 in Vientiane.
fn advance_to_morning(app: &TestApp) {
    let local = chrono_tz::Asia::Vientiane.from_utc_datetime(&app.clock.now());
    let hours = (24 + 8 - i64::from(local.hour())) % 24;
    app.clock
        .advance(TimeDelta::hours(hours) - TimeDelta::minutes(i64::from(local.minute())));
}

#[tokio::test]
async fn connection_events_reminders_and_digests() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[]).await;
    let cast = Cast::assemble(&app).await;
    let provider = cast.provider.user.email.clone();
    set_language(&app, &cast.provider.user, "en");
    app.execute(&format!(
        "UPDATE users SET committee_digest = {} WHERE id = '{}'",
        if app.is_postgres() { "TRUE" } else { "1" },
        cast.security.user.id
    ));
    let connection = cast.approved_connection().await;
    let sent = deliver(&app, &sink).await;
    assert!(
        !recipients(&sent).contains(&cast.security.user.email),
        "a member who takes the digest gets no single notices"
    );
    let held: Vec<_> = outbox(&app)
        .into_iter()
        .filter(|m| m.status == "held")
        .collect();
    assert_eq!(
        held.iter().map(|m| m.message.as_str()).collect::<Vec<_>>(),
        ["review_assigned", "vote_opened"]
    );
    let overdue = cast.provider.submit_complete_application().await;
    deliver(&app, &sink).await;

    let committee = format!("/committee/connections/{}", connection.id);
    let provider_page = format!("/connections/{}", connection.id);
    let number = connection.approval_number.clone();
    cast.chair
        .act(
            &format!("{committee}/suspend"),
            &[
                ("reason", "Interference with a neighbour's link"),
                ("confirm", "yes"),
            ],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&[&provider]));
    assert_eq!(sent[0].subject(), format!("Connection {number} suspended"));
    assert!(
        sent[0]
            .text()
            .contains("Interference with a neighbour's link")
    );
    assert!(opens(&cast.provider, &link_to(&app, &sent[0], &provider_page)).await);
    cast.chair
        .act(&format!("{committee}/reinstate"), &[("reason", "Fixed")])
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(sent[0].subject(), format!("Connection {number} reinstated"));
    assert!(sent[0].text().contains(&connection.valid_until.to_string()));

    advance_to_morning(&app);
    app.clock.advance(TimeDelta::days(
        (connection.valid_until - app.clock.today_in_vientiane()).num_days() - 90,
    ));
    let report = app.run_scheduler();
    assert_eq!(report.connections.reminders, 1);
    assert_eq!(report.digests, 1);
    assert!(report.overdue_reminder);
    let sent = deliver(&app, &sink).await;
    let subjects = by_recipient(&sent);
    assert_eq!(
        subjects.keys().cloned().collect::<BTreeSet<_>>(),
        set(&[&provider, &cast.security.user.email, SECRETARIAT])
    );
    assert_eq!(
        subjects[&provider],
        format!("Connection {number} expires in 90 days")
    );
    assert_eq!(
        subjects[SECRETARIAT],
        "Application past its decision date (1)"
    );
    let digest = message_to(&sent, &cast.security.user.email);
    assert!(is_lao(&digest.subject()), "{}", digest.subject());
    assert_eq!(
        digest
            .links()
            .iter()
            .filter(|l| l.contains("/committee/applications/"))
            .count(),
        2
    );
    let overdue_notice = message_to(&sent, SECRETARIAT);
    assert!(
        overdue_notice
            .links()
            .iter()
            .any(|l| l.ends_with(&format!("/committee/applications/{overdue}"))),
        "{}",
        overdue_notice.text()
    );
    assert!(
        outbox(&app).iter().all(|m| m.status != "held"),
        "held notices went into the digest"
    );
    let again = app.run_scheduler();
    assert_eq!(
        (
            again.digests,
            again.overdue_reminder,
            again.connections.reminders
        ),
        (0, false, 0)
    );

    cast.secretariat
        .act(
            &format!("{committee}/show-cause"),
            &[("notice", "Unlicensed resale of capacity."), ("days", "20")],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&[&provider]));
    assert_eq!(
        sent[0].subject(),
        format!("Show-cause notice on connection {number}")
    );
    assert!(sent[0].text().contains("Unlicensed resale of capacity."));
    cast.provider
        .act(
            &format!("{provider_page}/answer"),
            &[("answer", "It is not resale.")],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        recipients(&sent),
        set(&[&cast.chair.user.email, SECRETARIAT]),
        "the chair decides the answered case"
    );
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
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&[&provider]));
    assert_eq!(sent[0].subject(), format!("Connection {number} revoked"));
    let deadline = interconnect_registry::domain::clock::in_vientiane(
        &(app.clock.now() + TimeDelta::days(15)),
        "%Y-%m-%d %H:%M",
    );
    assert!(sent[0].text().contains(&deadline), "{}", sent[0].text());
}

/// Queues `n` messages to distinct addresses directly, as workflows do.
fn queue(app: &TestApp, n: usize) -> Vec<String> {
    use interconnect_registry::domain::notification::{MessageKind, Params};
    use interconnect_registry::workflows::notify::{Recipient, enqueue};
    let mut conn = app.conn();
    let recipients: Vec<Recipient> = (0..n)
        .map(|i| Recipient {
            email: format!("provider-{i}@example.la"),
            name: format!("Provider {i}"),
            user_id: None,
            lang: if i % 2 == 0 {
                interconnect_registry::domain::language::Lang::Lo
            } else {
                interconnect_registry::domain::language::Lang::En
            },
            digest: false,
        })
        .collect();
    let params = Params {
        reference: "IC-2026-00042".into(),
        path: "/connections/x".into(),
        text: "Maintenance".into(),
        ..Params::default()
    };
    enqueue(
        &mut conn,
        MessageKind::Suspension,
        &recipients,
        &params,
        app.clock.now(),
    )
    .unwrap()
}

fn statuses(app: &TestApp) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for m in outbox(app) {
        *counts.entry(m.status).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn mail_written_while_the_server_is_down_is_delivered_once_it_returns() {
    let sink = SmtpSink::start().await;
    let port = sink.port();
    let app = app_with_mail(&sink, &[]).await;
    sink.stop();
    let cast = Cast::assemble(&app).await;
    cast.provider.submit_complete_application().await;
    queue(&app, 5);
    let report = app.deliver_mail().await;
    assert_eq!((report.sent, report.retried, report.failed), (0, 8, 0));
    let waiting = outbox(&app);
    assert!(
        waiting
            .iter()
            .all(|m| m.status == "queued" && m.attempts == 1)
    );
    assert!(
        waiting
            .iter()
            .all(|m| m.last_error.starts_with("connection")),
        "{:?}",
        waiting[0].last_error
    );
    assert_eq!(app.deliver_mail().await.claimed, 0, "not due again yet");

    let sink = SmtpSink::start_on(port).await;
    app.clock.advance(TimeDelta::minutes(2));
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        sent.len(),
        8,
        "everything written while the server was down"
    );
    assert_eq!(statuses(&app), BTreeMap::from([("sent".to_string(), 8)]));
    app.clock.advance(TimeDelta::hours(12));
    assert!(
        deliver(&app, &sink).await.is_empty(),
        "nothing is sent twice"
    );
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_with_growing_waits() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[("MAIL_RETRY_SECONDS", "30")]).await;
    sink.script(vec![Reply::Temporary, Reply::Temporary]);
    let id = queue(&app, 1).remove(0);
    assert_eq!(app.deliver_mail().await.retried, 1);
    let first = outbox(&app).remove(0);
    assert_eq!(
        first.next_attempt_at - app.clock.now(),
        TimeDelta::seconds(30)
    );
    assert!(first.last_error.contains("451"), "{}", first.last_error);
    app.clock.advance(TimeDelta::seconds(30));
    assert_eq!(app.deliver_mail().await.retried, 1);
    let second = outbox(&app).remove(0);
    assert_eq!(
        second.next_attempt_at - app.clock.now(),
        TimeDelta::seconds(60)
    );
    app.clock.advance(TimeDelta::seconds(59));
    assert_eq!(app.deliver_mail().await.claimed, 0);
    app.clock.advance(TimeDelta::seconds(1));
    let sent = deliver(&app, &sink).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sink.refused(), 2);
    let done = outbox(&app).remove(0);
    assert_eq!(
        (done.id.as_str(), done.status.as_str(), done.attempts),
        (id.as_str(), "sent", 3)
    );
    assert!(sent[0].header("Message-ID").unwrap().contains(&done.id));
}

#[tokio::test]
async fn permanent_refusals_until_the_limit_mark_the_message_failed_for_an_admin_to_retry() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[("MAIL_MAX_ATTEMPTS", "3")]).await;
    sink.always(Reply::Permanent);
    let id = queue(&app, 1).remove(0);
    for _ in 0..3 {
        app.deliver_mail().await;
        app.clock.advance(TimeDelta::hours(6));
    }
    let failed = outbox(&app).remove(0);
    assert_eq!((failed.status.as_str(), failed.attempts), ("failed", 3));
    assert!(failed.last_error.starts_with("permanent") && failed.last_error.contains("550"));
    assert_eq!(
        app.deliver_mail().await.claimed,
        0,
        "a failed message waits"
    );

    let admin = app.another_browser();
    admin.sign_in_as(&app.create_user("admin", None)).await;
    let (status, page) = admin.page("/admin/outbox?status=failed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("message-{id}")));
    assert!(page.contains("550"), "the last error is shown");
    let count = scraper::Html::parse_document(&page)
        .select(&scraper::Selector::parse(".count-failed").unwrap())
        .next()
        .map(|e| e.text().collect::<String>());
    assert_eq!(count.as_deref(), Some("1"));

    sink.always(Reply::Accept);
    let res = admin.post(&format!("/admin/outbox/{id}/retry"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(deliver(&app, &sink).await.len(), 1);
    assert_eq!(outbox(&app).remove(0).status, "sent");
    let res = admin.post(&format!("/admin/outbox/{id}/retry"), &[]).await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "only a failed message is retried"
    );
}

#[tokio::test]
async fn the_background_worker_delivers_as_soon_as_mail_is_queued() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_full(&[("SMTP_URL", &url), ("MAIL_POLL_MS", "50")], true).await;
    queue(&app, 60);
    let sent = sink.wait_for(60, WAIT).await;
    let ids: BTreeSet<_> = sent
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(
        ids.len(),
        60,
        "sixty distinct messages, in more than one batch"
    );
}

#[tokio::test]
async fn without_a_mail_server_mail_stays_queued_and_admins_are_told() {
    let app = TestApp::spawn().await;
    queue(&app, 2);
    let admin = app.another_browser();
    admin.sign_in_as(&app.create_user("admin", None)).await;
    let (_, page) = admin.page("/admin/outbox").await;
    assert!(page.contains("No mail server is configured"));
    assert_eq!(statuses(&app), BTreeMap::from([("queued".to_string(), 2)]));
}

/// The path of the single link in `message` under `prefix`.
fn link_path(app: &TestApp, message: &Received, prefix: &str) -> String {
    link_to(app, message, prefix)
        .trim_start_matches(&app.address)
        .to_string()
}

#[tokio::test]
async fn an_invitation_link_sets_the_colleagues_password_once() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[]).await;
    let admin = app.another_browser();
    let org_admin = app.create_user("org_admin", None);
    admin.sign_in_as(&org_admin).await;
    assert_eq!(
        admin.get("/organisation/invite").await.status(),
        StatusCode::OK
    );

    let res = admin
        .post(
            "/organisation/invite",
            &[
                ("name", "Keo Phommachanh"),
                ("email", "not-an-address"),
                ("role", "applicant"),
                ("language", "lo"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Keo Phommachanh") && page.contains("not-an-address"),
        "fields kept"
    );
    let res = admin
        .post(
            "/organisation/invite",
            &[
                ("name", "Keo"),
                ("email", "keo@example.la"),
                ("role", "admin"),
                ("language", "lo"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "only provider roles"
    );
    admin
        .post(
            "/organisation/invite",
            &[
                ("name", "Keo Phommachanh"),
                ("email", "keo@example.la"),
                ("role", "applicant"),
                ("language", "lo"),
            ],
        )
        .await;
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&["keo@example.la"]));
    assert!(is_lao(&sent[0].subject()));
    assert!(
        sent[0].text().contains(&org_admin.email),
        "names who invited"
    );
    let link = link_path(&app, &sent[0], "/invitation/");
    let stored: Vec<_> = outbox(&app);
    assert!(
        !stored[0]
            .params
            .contains(link.trim_start_matches("/invitation/")),
        "the outbox never holds a usable link"
    );

    let invitee = TestUser {
        id: user_db::find_by_email(&mut app.conn(), "keo@example.la")
            .unwrap()
            .unwrap()
            .id,
        email: "keo@example.la".into(),
    };
    let browser = app.another_browser();
    assert_eq!(
        browser.sign_in(&invitee.email, "").await.status(),
        StatusCode::UNAUTHORIZED,
        "no password until the invitation is accepted"
    );
    let last = if link.ends_with('0') { "1" } else { "0" };
    let tampered = format!("{}{last}", &link[..link.len() - 1]);
    let res = browser.get(&tampered).await;
    assert_eq!(
        crate::helpers::location(&res),
        "/sign-in",
        "a changed link is refused"
    );
    let (status, page) = browser.page(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("keo@example.la"));
    let res = browser
        .post(
            &link,
            &[
                ("password", "a long enough secret"),
                ("password_confirmation", "another one entirely"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = browser
        .post(
            &link,
            &[
                ("password", "a long enough secret"),
                ("password_confirmation", "a long enough secret"),
            ],
        )
        .await;
    assert_eq!(crate::helpers::location(&res), "/sign-in");
    assert_eq!(
        browser
            .sign_in(&invitee.email, "a long enough secret")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let again = app.another_browser();
    let res = again.get(&link).await;
    assert_eq!(
        crate::helpers::location(&res),
        "/sign-in",
        "the link works once"
    );

    assert_eq!(
        browser.get("/organisation/invite").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_password_reset_link_works_once_for_an_hour_and_ends_every_session() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[]).await;
    let user = app.create_user("secretariat", None);
    set_language(&app, &user, "en");
    let (first, second) = (app.another_browser(), app.another_browser());
    first.sign_in_as(&user).await;
    second.sign_in_as(&user).await;

    let anonymous = app.another_browser();
    let unknown = anonymous
        .post("/password/forgot", &[("email", "nobody@example.la")])
        .await
        .text()
        .await
        .unwrap();
    let res = anonymous
        .post("/password/forgot", &[("email", &user.email)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let known = res.text().await.unwrap();
    assert!(known.contains("is on its way"));
    assert!(
        unknown.contains("is on its way"),
        "the same answer for an unknown address"
    );
    let sent = deliver(&app, &sink).await;
    assert_eq!(recipients(&sent), set(&[&user.email]));
    assert_eq!(
        sent[0].subject(),
        "Reset your Interconnect Registry password"
    );
    let link = link_path(&app, &sent[0], "/password/reset/");
    let invitation_path = link.replace("/password/reset/", "/invitation/");
    assert_eq!(
        crate::helpers::location(&anonymous.get(&invitation_path).await),
        "/sign-in",
        "a reset link is no invitation"
    );

    let res = anonymous
        .post(
            &link,
            &[("password", "short"), ("password_confirmation", "short")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = anonymous
        .post(
            &link,
            &[
                ("password", "brand new passphrase"),
                ("password_confirmation", "brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(crate::helpers::location(&res), "/sign-in");
    for browser in [&first, &second] {
        assert_eq!(
            browser.get("/dashboard").await.status(),
            StatusCode::SEE_OTHER,
            "every session of the account ended"
        );
    }
    assert_eq!(
        anonymous
            .sign_in(&user.email, crate::helpers::PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        anonymous
            .sign_in(&user.email, "brand new passphrase")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        crate::helpers::location(&app.another_browser().get(&link).await),
        "/password/forgot",
        "used once"
    );

    let later = app.another_browser();
    later
        .post("/password/forgot", &[("email", &user.email)])
        .await;
    let sent = deliver(&app, &sink).await;
    let link = link_path(&app, &sent[0], "/password/reset/");
    app.clock.advance(TimeDelta::minutes(61));
    assert_eq!(
        crate::helpers::location(&later.get(&link).await),
        "/password/forgot",
        "expired after an hour"
    );
}

#[tokio::test]
async fn two_workers_at_once_never_send_the_same_message() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[]).await;
    queue(&app, 80);
    let mut sent = 0;
    loop {
        let (a, b) = tokio::join!(app.deliver_mail(), app.deliver_mail());
        if a.claimed + b.claimed == 0 {
            break;
        }
        sent += a.sent + b.sent;
    }
    assert_eq!(sent, 80);
    let ids: BTreeSet<_> = sink
        .received()
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), 80);
    assert_eq!(sink.received().len(), 80);
}

#[tokio::test]
async fn a_server_killed_mid_batch_sends_nothing_twice_after_restart() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn().await;
    let ids = queue(&app, 30);
    let hold = sink.hold_at(12);
    let url = sink.url();
    let serve = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_interconnect-registry"))
            .arg("serve")
            .envs([
                ("DATABASE_URL", app.database_url.as_str()),
                ("SMTP_URL", url.as_str()),
                ("BIND", "127.0.0.1:0"),
                ("SECRET_KEY", crate::helpers::SECRET_KEY),
                ("MAIL_CLAIM_SECONDS", "2"),
                // One message in flight: the held one. With more, a message the server
                // acknowledged in the instant of the kill would rightly be sent again.
                ("MAIL_CONNECTIONS", "1"),
                ("MAIL_POLL_MS", "50"),
                ("RUST_LOG", "warn"),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the server")
    };
    let mut first = serve();
    hold.reached(WAIT).await;
    assert_eq!(sink.received().len(), 11);
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    hold.release();

    let mut second = serve();
    sink.wait_for(30, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    second.kill().expect("stop");
    second.wait().expect("reaped");

    let delivered: Vec<String> = sink
        .received()
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    let distinct: BTreeSet<_> = delivered.iter().collect();
    assert_eq!(
        (delivered.len(), distinct.len()),
        (30, 30),
        "each message delivered exactly once"
    );
    for id in &ids {
        assert!(
            delivered.iter().any(|d| d.contains(id.as_str())),
            "{id} delivered"
        );
    }
    assert_eq!(statuses(&app), BTreeMap::from([("sent".to_string(), 30)]));
}

#[tokio::test]
async fn credentials_in_the_smtp_url_are_used_and_mail_comes_from_mail_from() {
    let sink = SmtpSink::start().await;
    let url = format!(
        "smtp://registry%40regulator.la:s3cret%21@127.0.0.1:{}",
        sink.port()
    );
    let app = TestApp::spawn_with(&[
        ("SMTP_URL", &url),
        ("MAIL_FROM", "Registry <registry@regulator.example.la>"),
    ])
    .await;
    queue(&app, 1);
    let sent = deliver(&app, &sink).await;
    assert_eq!(
        sent[0].auth,
        Some(("registry@regulator.la".to_string(), "s3cret!".to_string()))
    );
    assert_eq!(sent[0].from, "registry@regulator.example.la");
}

/// A clock that moves on by `step` every time it is read: a slow worker, in effect.
struct SteppingClock {
    now: std::sync::Mutex<chrono::NaiveDateTime>,
    step: TimeDelta,
}

impl Clock for SteppingClock {
    fn now(&self) -> chrono::NaiveDateTime {
        let mut now = self.now.lock().unwrap();
        *now += self.step;
        *now
    }
}

#[tokio::test]
async fn a_worker_starts_no_send_its_claim_would_not_cover() {
    use interconnect_registry::mail::worker::{Mailer, deliver_due};
    let sink = SmtpSink::start().await;
    let app = app_with_mail(
        &sink,
        &[("MAIL_CONNECTIONS", "1"), ("MAIL_CLAIM_SECONDS", "120")],
    )
    .await;
    queue(&app, 5);
    let mailer = Mailer::from_settings(&app.settings).unwrap().unwrap();
    let slow = SteppingClock {
        now: std::sync::Mutex::new(app.clock.now()),
        step: TimeDelta::seconds(25),
    };
    let first = deliver_due(&app.pool, &mailer, &slow).await.unwrap();
    assert_eq!((first.claimed, first.sent, first.skipped), (5, 1, 4));
    let mut passes = 0;
    while outbox(&app).iter().any(|m| m.status != "sent") {
        deliver_due(&app.pool, &mailer, &slow).await.unwrap();
        passes += 1;
        assert!(passes < 50, "the rest is delivered once the claim lapses");
    }
    assert_eq!(sink.received().len(), 5, "and nothing twice");
}

#[tokio::test]
async fn a_committee_member_chooses_the_daily_digest_on_the_account_page() {
    let app = TestApp::spawn().await;
    let member = app.create_member("reviewer", &["technical"]);
    let browser = app.another_browser();
    browser.sign_in_as(&member).await;
    let (status, page) = browser.page("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"committee_digest\""));
    let res = browser
        .post("/account/notifications", &[("committee_digest", "true")])
        .await;
    assert_eq!(crate::helpers::location(&res), "/account");
    let digest = |app: &TestApp| {
        user_db::find(&mut app.conn(), &member.id)
            .unwrap()
            .unwrap()
            .committee_digest
    };
    assert!(digest(&app));
    let res = browser
        .post("/account/notifications", &[("committee_digest", "weekly")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(digest(&app), "a bad value changes nothing");

    let provider = app.another_browser();
    provider
        .sign_in_as(&app.create_user("applicant", None))
        .await;
    let (_, page) = provider.page("/account").await;
    assert!(
        !page.contains("name=\"committee_digest\""),
        "no choice for non-members"
    );
}

#[tokio::test]
async fn refused_invitations_and_reset_requests_name_the_problem_and_keep_the_input() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink, &[]).await;
    let admin = app.another_browser();
    let org_admin = app.create_user("org_admin", None);
    admin.sign_in_as(&org_admin).await;
    let res = admin
        .post(
            "/organisation/invite",
            &[
                ("name", "Someone Else"),
                ("email", "someone.else@"),
                ("role", "applicant"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Someone Else") && page.contains("Enter an e-mail address"),
        "{page}"
    );

    let anonymous = app.another_browser();
    let res = anonymous
        .post("/password/forgot", &[("email", "not an address")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("not an address"));
    assert!(deliver(&app, &sink).await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn the_outbox_page_pages_through_older_messages() {
    let app = TestApp::spawn().await;
    queue(&app, 60);
    let admin = app.another_browser();
    admin.sign_in_as(&app.create_user("admin", None)).await;
    let rows = |html: &str| {
        scraper::Html::parse_document(html)
            .select(&scraper::Selector::parse("tr[id^=message-]").unwrap())
            .count()
    };
    let (_, first) = admin.page("/admin/outbox?status=queued").await;
    assert_eq!(rows(&first), 50);
    let older = scraper::Html::parse_document(&first)
        .select(&scraper::Selector::parse("a[href*=before]").unwrap())
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("a link to older messages");
    let (status, second) = admin.page(&older).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&second), 10);
}
