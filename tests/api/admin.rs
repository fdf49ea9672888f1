use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, location, text_of, value_of};

#[tokio::test]
async fn a_bad_user_form_comes_back_with_every_value_kept_and_each_problem_named() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    let long_name = "ນ".repeat(250);
    let res = app
        .post(
            "/admin/users",
            &[
                ("email", "not-an-email"),
                ("name", &long_name),
                ("role", "applicant"),
                ("language", "lo"),
                ("committee_member", "on"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert_eq!(value_of(&html, "#f-email").unwrap(), "not-an-email");
    assert_eq!(value_of(&html, "#f-name").unwrap(), long_name);
    assert!(html.contains("<option value=\"applicant\" selected>"));
    assert!(html.contains("<option value=\"lo\" selected>"));
    assert!(html.contains("name=\"committee_member\" value=\"on\" checked"));
    assert_eq!(
        text_of(&html, "#e-email").unwrap(),
        "Enter an e-mail address such as name@example.la."
    );
    assert_eq!(
        text_of(&html, "#e-name").unwrap(),
        "This is too long: at most 200 characters."
    );
    assert_eq!(
        text_of(&html, "#e-organisation_id").unwrap(),
        "Applicants and organisation administrators must belong to an organisation."
    );
    assert_eq!(
        text_of(&html, "#e-committee_member").unwrap(),
        "Only reviewers and the chair can sit on the committee."
    );
    assert_eq!(
        text_of(&html, "#e-password").unwrap(),
        "The password must have at least 12 characters."
    );
    assert_eq!(
        value_of(&html, "#f-password").unwrap(),
        "",
        "a password is never echoed back"
    );
}

#[tokio::test]
async fn an_admin_creates_a_committee_member_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    let res = app
        .post(
            "/admin/users",
            &[
                ("email", "Somchai@Example.LA"),
                ("name", "ສົມໃຈ ແກ້ວມະນີ"),
                ("role", "reviewer"),
                ("committee_member", "on"),
                ("domain_technical", "on"),
                ("domain_security", "on"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/admin/users");
    let (_, html) = app.page("/admin/users").await;
    assert!(
        html.contains("The user was created."),
        "flash message shown"
    );
    assert!(html.contains("somchai@example.la"));
    assert!(html.contains("ສົມໃຈ ແກ້ວມະນີ"));
    let (_, again) = app.page("/admin/users").await;
    assert!(
        !again.contains("The user was created."),
        "a flash message shows once"
    );

    let created = interconnect_registry::db::models::user::find_by_email(
        &mut app.conn(),
        "somchai@example.la",
    )
    .unwrap()
    .unwrap();
    assert!(created.committee_member);
    assert_eq!(created.review_domains, "technical,security");

    let other = app.another_browser();
    let res = other.sign_in("somchai@example.la", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_admin_edits_membership_and_a_duplicate_email_is_named() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    let reviewer = app.create_user("reviewer", None);
    let other = app.create_user("auditor", None);
    app.sign_in_as(&admin).await;

    let (status, html) = app.page(&format!("/admin/users/{}", reviewer.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value_of(&html, "#f-email").unwrap(), reviewer.email);

    let res = app
        .post(
            &format!("/admin/users/{}", reviewer.id),
            &[("email", &other.email), ("name", "X"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert_eq!(
        text_of(&html, "#e-email").unwrap(),
        "Another account already uses this e-mail address."
    );

    let res = app
        .post(
            &format!("/admin/users/{}", reviewer.id),
            &[
                ("email", &reviewer.email),
                ("name", "Renamed"),
                ("role", "chair"),
                ("committee_member", "on"),
                ("domain_legal", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let saved = interconnect_registry::db::models::user::find(&mut app.conn(), &reviewer.id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            saved.role.as_str(),
            saved.name.as_str(),
            saved.review_domains.as_str()
        ),
        ("chair", "Renamed", "legal")
    );
}

#[tokio::test]
async fn an_admin_cannot_deactivate_their_own_account() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    let res = app
        .post(&format!("/admin/users/{}/deactivate", admin.id), &[])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("You cannot deactivate your own account.")
    );
    assert_eq!(app.get("/dashboard").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_user_id_is_a_404() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    assert_eq!(
        app.get("/admin/users/no-such-id").await.status(),
        StatusCode::NOT_FOUND
    );
    let res = app.post("/admin/users/no-such-id/deactivate", &[]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_registers_an_organisation_and_a_taken_slug_is_named() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    app.sign_in_as(&admin).await;
    let fields = [
        ("slug", "lao-telecom-x"),
        ("name_en", "Lao Telecom X"),
        ("name_lo", "ລາວໂທລະຄົມ X"),
        ("asns", "AS151999, 152000"),
    ];
    let res = app.post("/admin/organisations", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page(&location(&res)).await;
    assert!(html.contains("ລາວໂທລະຄົມ X"));
    assert!(html.contains("AS151999, AS152000"));

    let res = app.post("/admin/organisations", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert_eq!(
        text_of(&html, "#e-slug").unwrap(),
        "Another organisation already uses this short name."
    );
    assert_eq!(value_of(&html, "#f-name_lo").unwrap(), "ລາວໂທລະຄົມ X");
}
