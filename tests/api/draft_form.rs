//! The application form as its page sends it: one multipart form whose buttons save what
//! was typed before they attach a file, remove one or submit, so that nothing typed is
//! lost; every field's problem named at once; a file over the limit named by its limit.

use interconnect_registry::db::models::application as app_db;
use interconnect_registry::db::models::attachment::{self as attachment_db, AttachmentInfo};
use interconnect_registry::domain::application_form::ApplicationContent;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{TestApp, location, text_of, value_of};
use crate::workflow_helpers::{Cast, Member, PDF};

/// The form as a browser sends it: the CSRF token, the fields, the attachment's kind and
/// file part (empty when no file was chosen), then the button pressed.
async fn send(
    member: &Member,
    id: &str,
    fields: &[(&str, &str)],
    file: (&str, &[u8]),
    button: (&str, &str),
) -> reqwest::Response {
    let mut form = Form::new().text("csrf", member.browser.csrf().await);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let (file_name, bytes) = file;
    form = form
        .text("kind", "network_diagram")
        .part(
            "file",
            Part::bytes(bytes.to_vec()).file_name(file_name.to_string()),
        )
        .text(button.0.to_string(), button.1.to_string());
    member
        .browser
        .client
        .post(member.browser.url(&format!("/applications/{id}/edit")))
        .multipart(form)
        .send()
        .await
        .expect("the form is sent")
}

/// The draft as stored.
fn stored(app: &TestApp, id: &str) -> ApplicationContent {
    let draft = app_db::find(&mut app.conn(), id)
        .expect("read the draft")
        .expect("the draft exists");
    draft.content
}

fn files(app: &TestApp, id: &str) -> Vec<AttachmentInfo> {
    attachment_db::list_for_application(&mut app.conn(), id).expect("read the files")
}

#[tokio::test]
async fn uploading_or_removing_a_file_saves_what_was_typed_first() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let provider = &cast.provider;
    let id = provider.start_application("new").await;
    let contact = "ທ່ານ ສົມພອນ, NOC\nnoc@transit.example.th";
    let typed = [
        ("counterparty_contact", contact),
        ("endpoint_facility", "Skynet Vientiane DC1"),
        ("declaration_accepted", "on"),
    ];
    let res = send(
        provider,
        &id,
        &typed,
        ("diagram.pdf", PDF),
        ("intent", "upload"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        format!("/applications/{id}/edit#attachments")
    );
    let draft = stored(&app, &id);
    assert_eq!(draft.get("counterparty_contact"), contact);
    assert_eq!(draft.get("endpoint_facility"), "Skynet Vientiane DC1");
    assert!(draft.declaration_accepted);
    let attached = files(&app, &id);
    assert_eq!(attached.len(), 1);
    assert_eq!(attached[0].kind, "network_diagram");
    let (_, page) = provider
        .browser
        .page(&format!("/applications/{id}/edit"))
        .await;
    assert_eq!(
        text_of(&page, "#f-counterparty_contact").as_deref(),
        Some(contact)
    );
    assert_eq!(
        value_of(&page, "#f-endpoint_facility").as_deref(),
        Some("Skynet Vientiane DC1")
    );
    assert!(page.contains("diagram.pdf"), "the file is listed");

    let retyped = [
        ("counterparty_contact", "noc@other.example.th"),
        ("endpoint_facility", "Skynet Vientiane DC2"),
    ];
    let res = send(
        provider,
        &id,
        &retyped,
        ("", b""),
        ("remove", &attached[0].id),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "Remove asks to confirm first");
    let confirmation = res.text().await.expect("the confirmation page");
    let delete = format!("/applications/{id}/attachments/{}/delete", attached[0].id);
    assert!(confirmation.contains(&format!("action=\"{delete}\"")));
    let draft = stored(&app, &id);
    assert_eq!(draft.get("counterparty_contact"), "noc@other.example.th");
    assert_eq!(draft.get("endpoint_facility"), "Skynet Vientiane DC2");
    assert_eq!(
        files(&app, &id).len(),
        1,
        "nothing removed before confirming"
    );
    let res = provider.post(&delete, &[("confirm", "yes")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&res),
        format!("/applications/{id}/edit#attachments")
    );
    assert!(files(&app, &id).is_empty());

    // A file chosen and left there when Save is pressed is attached too.
    let res = send(
        provider,
        &id,
        &typed,
        ("contract.pdf", PDF),
        ("intent", "save"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/applications/{id}/edit"));
    assert_eq!(files(&app, &id).len(), 1);
    assert_eq!(stored(&app, &id).get("counterparty_contact"), contact);

    // Upload without a file: asked to choose one, with what was typed saved.
    let res = send(provider, &id, &retyped, ("", b""), ("intent", "upload")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.expect("the form");
    assert!(page.contains("Choose a file to upload."), "{page}");
    assert_eq!(
        value_of(&page, "#f-endpoint_facility").as_deref(),
        Some("Skynet Vientiane DC2")
    );
    assert_eq!(
        stored(&app, &id).get("endpoint_facility"),
        "Skynet Vientiane DC2"
    );
}

/// Eight bad fields and one far too long: a 200,000-character "Security measures".
fn bad_fields(long: &str) -> Vec<(&'static str, String)> {
    [
        ("contact_email", "nope"),
        ("contact_phone", "call me"),
        ("counterparty_country", "XX"),
        ("endpoint_province", "ZZ"),
        ("endpoint_coordinates", "north"),
        ("capacity_mbps", "fast"),
        ("requested_start_date", "31/12/2027"),
        ("term_months", "0"),
        ("security_measures", long),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

#[tokio::test]
async fn a_submission_names_every_problem_at_once_and_the_limit_of_a_long_field() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let provider = &cast.provider;
    let id = provider.start_application("new").await;
    let long = "x".repeat(200_000);
    let fields = bad_fields(&long);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let multipart = send(provider, &id, &pairs, ("", b""), ("intent", "submit")).await;
    let plain = provider.save(&id, &fields, "submit").await;
    for res in [multipart, plain] {
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = res.text().await.expect("the form");
        assert_eq!(
            text_of(&page, "#e-security_measures").as_deref(),
            Some("This is too long: at most 4000 characters.")
        );
        for (field, message) in [
            (
                "contact_email",
                "Enter an e-mail address such as name@example.la.",
            ),
            ("contact_phone", ""),
            ("counterparty_country", ""),
            ("endpoint_province", ""),
            ("endpoint_coordinates", ""),
            ("capacity_mbps", ""),
            ("requested_start_date", ""),
            ("term_months", ""),
            ("counterparty_name", "This field is required."),
            ("declaration_accepted", ""),
        ] {
            let shown = text_of(&page, &format!("#e-{field}"))
                .unwrap_or_else(|| panic!("{field} has its problem shown"));
            assert!(shown.contains(message), "{field}: {shown}");
        }
        let files = text_of(&page, ".attachments .field-error").unwrap_or_default();
        assert!(files.contains("required before submitting"), "{files}");
        assert_eq!(
            text_of(&page, "#f-security_measures").map(|v| v.len()),
            Some(200_000),
            "the long text is kept"
        );
        assert_eq!(value_of(&page, "#f-contact_email").as_deref(), Some("nope"));
    }
    assert_eq!(stored(&app, &id).get("contact_email"), provider.user.email);
    assert_eq!(
        app_db::find(&mut app.conn(), &id)
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "draft"
    );

    provider.act("/language", &[("lang", "lo")]).await;
    let res = send(provider, &id, &pairs, ("", b""), ("intent", "submit")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.expect("the form");
    assert_eq!(
        text_of(&page, "#e-security_measures").as_deref(),
        Some("ຂໍ້ມູນນີ້ຍາວເກີນໄປ: ບໍ່ໃຫ້ເກີນ 4000 ຕົວອັກສອນ.")
    );
}

#[tokio::test]
async fn a_file_over_the_limit_returns_the_draft_with_what_was_typed_and_the_limit() {
    let app = TestApp::spawn_with(&[("ATTACHMENT_MAX_MB", "1")]).await;
    let cast = Cast::assemble(&app).await;
    let provider = &cast.provider;
    let id = provider.start_application("new").await;
    let contact = "ທ່ານ ສົມພອນ, noc@transit.example.th";
    let typed = [
        ("counterparty_contact", contact),
        ("endpoint_facility", "Skynet Vientiane DC1"),
        ("declaration_accepted", "on"),
    ];
    let big = [PDF, &vec![b'x'; 4 * 1024 * 1024]].concat();
    for (lang, says) in [
        ("en", "This file is larger than 1 MB"),
        ("lo", "ໄຟລ໌ນີ້ມີຂະໜາດໃຫຍ່ກວ່າ 1 MB"),
    ] {
        provider.act("/language", &[("lang", lang)]).await;
        let res = send(
            provider,
            &id,
            &typed,
            ("big.pdf", &big),
            ("intent", "upload"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{lang}");
        let page = res.text().await.expect("the form");
        let problem = text_of(&page, ".attachments .field-error").unwrap_or_default();
        assert!(problem.contains(says), "{lang}: {problem}");
        assert_eq!(
            text_of(&page, "#f-counterparty_contact").as_deref(),
            Some(contact),
            "{lang}"
        );
        assert_eq!(
            value_of(&page, "#f-endpoint_facility").as_deref(),
            Some("Skynet Vientiane DC1")
        );
        assert!(page.contains("name=\"declaration_accepted\" value=\"on\" checked"));
    }
    // The request was not read whole, so it changed nothing.
    assert_eq!(stored(&app, &id).get("counterparty_contact"), "");
    assert!(files(&app, &id).is_empty());
}

#[tokio::test]
async fn the_form_with_a_file_needs_its_token_and_its_own_organisation() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let id = cast.provider.start_application("new").await;
    let typed = [("endpoint_facility", "Skynet Vientiane DC1")];
    let forged = Form::new()
        .text("csrf", "forged")
        .text("endpoint_facility", "forged")
        .text("kind", "network_diagram")
        .part("file", Part::bytes(PDF.to_vec()).file_name("a.pdf"))
        .text("intent", "upload");
    let res = cast
        .provider
        .browser
        .client
        .post(app.url(&format!("/applications/{id}/edit")))
        .multipart(forged)
        .send()
        .await
        .expect("the forged form is sent");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let outsider = Member {
        user: app.create_user("org_admin", None),
        browser: app.another_browser(),
    };
    outsider.browser.sign_in_as(&outsider.user).await;
    let res = send(&outsider, &id, &typed, ("a.pdf", PDF), ("intent", "upload")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = send(
        &cast.secretariat,
        &id,
        &typed,
        ("a.pdf", PDF),
        ("intent", "upload"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&app, &id).get("endpoint_facility"), "");
    assert!(files(&app, &id).is_empty());
}
