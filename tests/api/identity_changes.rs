//! An organisation's legal identity changes only by review: the provider's proposal waits
//! for the secretariat, the registry (pages, CSV, JSON, search) and the certificate show
//! the approved identity until then, and every step is audited and announced by mail in
//! each recipient's language.

use interconnect_registry::db::audit;
use interconnect_registry::db::models::organisation::{self as org_db, Organisation};
use interconnect_registry::db::models::organisation_change as change_db;
use interconnect_registry::db::models::user as user_db;
use reqwest::StatusCode;

use crate::helpers::{TestApp, TestUser, location, text_of};
use crate::smtp_sink::{Received, SmtpSink};
use crate::workflow_helpers::{Cast, Member};

const NEW_NAME: &str = "Totally Different Telecom Ltd.";
const NEW_LICENCE: &str = "ISP-9999-999";

/// An app that sends mail to `sink`, to each secretariat user in their own language.
async fn app_with_mail(sink: &SmtpSink) -> TestApp {
    TestApp::spawn_with(&[("SMTP_URL", sink.url().as_str())]).await
}

/// Delivers everything due and returns what the server accepted in this call.
async fn deliver(app: &TestApp, sink: &SmtpSink) -> Vec<Received> {
    let before = sink.received().len();
    while app.deliver_mail().await.claimed > 0 {}
    sink.received().split_off(before)
}

fn set_language(app: &TestApp, user: &TestUser, lang: &str) {
    app.execute(&format!(
        "UPDATE users SET language = '{lang}' WHERE id = '{}'",
        user.id
    ));
}

fn organisation_of(app: &TestApp, user: &TestUser) -> Organisation {
    let org_id = user_db::find(&mut app.conn(), &user.id)
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    org_db::find(&mut app.conn(), &org_id).unwrap().unwrap()
}

fn message_to<'a>(messages: &'a [Received], address: &str) -> &'a Received {
    messages
        .iter()
        .find(|m| m.to.iter().any(|t| t == address))
        .unwrap_or_else(|| panic!("no message to {address}"))
}

/// The audit actions recorded on one change request, oldest first.
fn audited(app: &TestApp, change_id: &str) -> Vec<String> {
    audit::list_for_subject(&mut app.conn(), "organisation_change", change_id)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// The provider's edit of its profile with a new English name, a new licence number and a
/// new address.
async fn propose_rename(provider: &Member, current: &Organisation) {
    provider
        .act(
            "/organisation/edit",
            &[
                ("name_en", NEW_NAME),
                ("name_lo", &current.name_lo),
                ("registration_number", &current.registration_number),
                ("licence_number", NEW_LICENCE),
                ("address", "Lane 12, Sisattanak, Vientiane"),
                ("asns", &current.asns),
            ],
        )
        .await;
}

/// Whether the public registry (page, search, CSV, both JSON exports, the record) and the
/// printed certificate state the new identity.
async fn registry_shows_new_identity(app: &TestApp, slug: &str, number: &str) -> [bool; 8] {
    let (_, list) = app.page(&format!("/registry?provider={slug}")).await;
    let (_, search) = app.page("/registry?q=totally+different").await;
    let (_, csv) = app.page("/registry.csv").await;
    let (_, json) = app.page("/registry.json").await;
    let (_, api) = app.page(&format!("/api/v1/registry?provider={slug}")).await;
    let (_, record) = app.page(&format!("/registry/{number}")).await;
    let (_, api_record) = app.page(&format!("/api/v1/registry/{number}")).await;
    let (status, certificate) = app.page(&format!("/registry/{number}/certificate")).await;
    assert_eq!(status, StatusCode::OK);
    [
        list.contains(NEW_NAME),
        search.contains(number),
        csv.contains(NEW_NAME),
        json.contains(NEW_NAME),
        api.contains(NEW_NAME),
        record.contains(NEW_NAME),
        api_record.contains(NEW_NAME),
        certificate.contains(NEW_NAME),
    ]
}

#[tokio::test]
async fn a_providers_new_legal_name_and_licence_wait_for_the_secretariats_approval() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let number = connection.approval_number.clone();
    set_language(&app, &cast.provider.user, "en");
    set_language(&app, &cast.secretariat.user, "lo");
    let before = organisation_of(&app, &cast.provider.user);
    deliver(&app, &sink).await;
    // The rename comes a day after the approval, so the new certificate is the newest.
    app.clock.advance(chrono::TimeDelta::days(1));

    // The walk's reproduction: the registry and the certificate keep the approved identity.
    propose_rename(&cast.provider, &before).await;
    let now = organisation_of(&app, &cast.provider.user);
    assert_eq!(now.name_en, before.name_en);
    assert_eq!(now.licence_number, before.licence_number);
    assert_eq!(
        now.address, "Lane 12, Sisattanak, Vientiane",
        "the address is not identity"
    );
    assert_eq!(
        registry_shows_new_identity(&app, &before.slug, &number).await,
        [false; 8]
    );
    assert!(app.page("/registry").await.1.contains(&before.name_en));

    // The provider sees its pending request; the secretariat is told, in Lao.
    let change = change_db::find_pending_for(&mut app.conn(), &before.id)
        .unwrap()
        .expect("a pending change");
    let (_, page) = cast.provider.browser.page("/organisation").await;
    let pending = text_of(&page, "#identity-pending").expect("pending section");
    assert!(pending.contains(NEW_NAME) && pending.contains(NEW_LICENCE));
    assert!(page.contains(&format!("/organisation/changes/{}/withdraw", change.id)));
    let (_, form) = cast.provider.browser.page("/organisation/edit").await;
    assert!(form.contains(NEW_NAME), "the form shows what was proposed");
    let mail = deliver(&app, &sink).await;
    let notice = message_to(&mail, &cast.secretariat.user.email);
    assert!(notice.subject().contains("ມີການສະເໜີປ່ຽນແປງຂໍ້ມູນນິຕິບຸກຄົນ"));
    assert!(
        notice
            .text()
            .contains(&format!("/committee/organisation-changes/{}", change.id))
    );
    assert!(notice.html().contains("ການປ່ຽນແປງຈະມີຜົນກໍຕໍ່ເມື່ອທ່ານອະນຸມັດເທົ່ານັ້ນ"));
    assert!(
        notice
            .html()
            .contains(&format!("/committee/organisation-changes/{}", change.id))
    );

    // The secretariat compares side by side, reached from its navigation.
    let (_, list) = cast
        .secretariat
        .browser
        .page("/committee/organisation-changes")
        .await;
    assert!(list.contains(&format!("/committee/organisation-changes/{}", change.id)));
    let (_, inbox) = cast.secretariat.browser.page("/committee").await;
    assert!(inbox.contains("href=\"/committee/organisation-changes\""));
    let case = format!("/committee/organisation-changes/{}", change.id);
    let (status, compare) = cast.secretariat.browser.page(&case).await;
    assert_eq!(status, StatusCode::OK);
    let table = text_of(&compare, "#identity-compare").unwrap();
    for text in [
        &before.name_en,
        NEW_NAME,
        &before.licence_number,
        NEW_LICENCE,
    ] {
        assert!(table.contains(text), "{text} in the comparison");
    }

    cast.secretariat.act(&format!("{case}/approve"), &[]).await;
    let after = organisation_of(&app, &cast.provider.user);
    assert_eq!(after.name_en, NEW_NAME);
    assert_eq!(after.licence_number, NEW_LICENCE);
    assert_eq!(
        registry_shows_new_identity(&app, &before.slug, &number).await,
        [true; 8]
    );
    let mail = deliver(&app, &sink).await;
    let outcome = message_to(&mail, &cast.provider.user.email);
    assert_eq!(outcome.subject(), "Change of legal identity approved");
    assert!(outcome.text().contains(NEW_NAME) && outcome.html().contains(NEW_NAME));

    // A decided request is not decided twice, and the history keeps it.
    let res = cast.secretariat.post(&format!("{case}/approve"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let (_, page) = cast.provider.browser.page("/organisation").await;
    assert!(text_of(&page, "#identity-pending").is_none());
    let history = text_of(&page, "#identity-history").unwrap();
    assert!(history.contains(NEW_LICENCE) && history.contains("Approved"));
    assert_eq!(
        audited(&app, &change.id),
        ["organisation_change.propose", "organisation_change.approve"]
    );
    let address_change = audit::list_for_subject(&mut app.conn(), "organisation", &before.id)
        .unwrap()
        .into_iter()
        .any(|e| e.action == "organisation.update");
    assert!(address_change, "the address change is audited");
}

#[tokio::test]
async fn a_refused_change_leaves_everything_and_the_provider_is_told_why() {
    let sink = SmtpSink::start().await;
    let app = app_with_mail(&sink).await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    set_language(&app, &cast.provider.user, "lo");
    let before = organisation_of(&app, &cast.provider.user);
    propose_rename(&cast.provider, &before).await;
    let change = change_db::find_pending_for(&mut app.conn(), &before.id)
        .unwrap()
        .unwrap();
    deliver(&app, &sink).await;

    let case = format!("/committee/organisation-changes/{}", change.id);
    let res = cast
        .secretariat
        .post(&format!("{case}/refuse"), &[("reason", "  ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&res.text().await.unwrap(), "#e-reason").is_some());
    cast.secretariat
        .act(
            &format!("{case}/refuse"),
            &[(
                "reason",
                "No licence ISP-9999-999 was issued by the ministry.",
            )],
        )
        .await;

    let after = organisation_of(&app, &cast.provider.user);
    assert_eq!(
        (after.name_en.as_str(), after.licence_number.as_str()),
        (before.name_en.as_str(), before.licence_number.as_str())
    );
    assert_eq!(
        registry_shows_new_identity(&app, &before.slug, &connection.approval_number).await,
        [false; 8]
    );
    let mail = deliver(&app, &sink).await;
    let outcome = message_to(&mail, &cast.provider.user.email);
    assert!(outcome.subject().contains("ຖືກປະຕິເສດ"));
    assert!(
        outcome
            .text()
            .contains("No licence ISP-9999-999 was issued")
    );
    assert!(
        outcome
            .html()
            .contains("No licence ISP-9999-999 was issued")
    );
    let (_, page) = cast.provider.browser.page("/organisation").await;
    let history = text_of(&page, "#identity-history").unwrap();
    assert!(history.contains("ປະຕິເສດ") && history.contains("No licence ISP-9999-999"));
    assert_eq!(
        audited(&app, &change.id),
        ["organisation_change.propose", "organisation_change.refuse"]
    );
}

#[tokio::test]
async fn a_new_proposal_replaces_the_pending_one_and_only_its_organisations_admin_withdraws_it() {
    let app = TestApp::spawn().await;
    let mine = app.create_organisation("mine");
    let theirs = app.create_organisation("theirs");
    let admin = Member {
        user: app.create_user("org_admin", Some(&mine)),
        browser: app.another_browser(),
    };
    admin.browser.sign_in_as(&admin.user).await;
    let colleague = app.another_browser();
    colleague
        .sign_in_as(&app.create_user("applicant", Some(&mine)))
        .await;
    let stranger = app.another_browser();
    stranger
        .sign_in_as(&app.create_user("org_admin", Some(&theirs)))
        .await;
    let reviewer = app.another_browser();
    reviewer
        .sign_in_as(&app.create_member("reviewer", &["legal"]))
        .await;

    propose_rename(&admin, &mine).await;
    let first = change_db::find_pending_for(&mut app.conn(), &mine.id)
        .unwrap()
        .unwrap();
    // Saving the same proposal again changes nothing; a different one replaces it.
    propose_rename(&admin, &mine).await;
    assert_eq!(
        change_db::list_for_organisation(&mut app.conn(), &mine.id)
            .unwrap()
            .len(),
        1
    );
    admin
        .act(
            "/organisation/edit",
            &[
                ("name_en", NEW_NAME),
                ("name_lo", "ບໍລິສັດ ໂທລະຄົມ ໃໝ່"),
                ("address", "Vientiane"),
                ("asns", "AS151234, AS151235"),
            ],
        )
        .await;
    let second = change_db::find_pending_for(&mut app.conn(), &mine.id)
        .unwrap()
        .unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(second.asns, "AS151234, AS151235");
    assert_eq!(
        change_db::find(&mut app.conn(), &first.id)
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "withdrawn"
    );
    assert_eq!(
        audited(&app, &first.id),
        [
            "organisation_change.propose",
            "organisation_change.withdraw"
        ]
    );

    let withdraw = format!("/organisation/changes/{}/withdraw", second.id);
    assert_eq!(
        stranger.post(&withdraw, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, theirs_page) = stranger.page("/organisation").await;
    assert!(
        !theirs_page.contains(NEW_NAME),
        "nobody else sees the request"
    );
    assert_eq!(
        colleague.post(&withdraw, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    let (_, colleague_page) = colleague.page("/organisation").await;
    assert!(
        colleague_page.contains(NEW_NAME),
        "the provider's staff see it"
    );
    assert!(!colleague_page.contains(&withdraw));
    let case = format!("/committee/organisation-changes/{}", second.id);
    assert_eq!(reviewer.get(&case).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        admin.post(&format!("{case}/approve"), &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    let res = admin.post(&withdraw, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/organisation");
    assert_eq!(
        audited(&app, &second.id),
        [
            "organisation_change.propose",
            "organisation_change.withdraw"
        ]
    );
    assert_eq!(
        admin.post(&withdraw, &[]).await.status(),
        StatusCode::CONFLICT
    );
    assert!(
        change_db::find_pending_for(&mut app.conn(), &mine.id)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        org_db::find(&mut app.conn(), &mine.id)
            .unwrap()
            .unwrap()
            .name_en,
        mine.name_en
    );

    // Saving the approved identity again takes a new proposal back.
    propose_rename(&admin, &mine).await;
    let third = change_db::find_pending_for(&mut app.conn(), &mine.id)
        .unwrap()
        .unwrap();
    admin
        .act(
            "/organisation/edit",
            &[
                ("name_en", &mine.name_en),
                ("name_lo", &mine.name_lo),
                ("registration_number", &mine.registration_number),
                ("licence_number", &mine.licence_number),
                ("address", &mine.address),
                ("asns", &mine.asns),
            ],
        )
        .await;
    assert_eq!(
        change_db::find(&mut app.conn(), &third.id)
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "withdrawn"
    );
}

#[tokio::test]
async fn an_administrators_correction_applies_at_once_and_the_registry_search_follows() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let before = organisation_of(&app, &cast.provider.user);
    let admin = app.another_browser();
    admin.sign_in_as(&app.create_user("admin", None)).await;
    let res = admin
        .post(
            &format!("/admin/organisations/{}/edit", before.id),
            &[
                ("name_en", NEW_NAME),
                ("name_lo", &before.name_lo),
                ("registration_number", &before.registration_number),
                ("licence_number", &before.licence_number),
                ("address", &before.address),
                ("asns", &before.asns),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(organisation_of(&app, &cast.provider.user).name_en, NEW_NAME);
    let (_, search) = app.page("/registry?q=totally+different").await;
    assert!(search.contains(&connection.approval_number));
    let (_, admin_page) = admin
        .page(&format!("/admin/organisations/{}", before.id))
        .await;
    assert!(text_of(&admin_page, "#identity-history").is_some());
}
