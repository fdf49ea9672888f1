use reqwest::StatusCode;

use crate::helpers::{TestApp, text_of, value_of};

#[tokio::test]
async fn an_organisation_admin_edits_the_profile_and_bad_asns_are_named() {
    let app = TestApp::spawn().await;
    let org = app.create_organisation("skynet");
    let org_admin = app.create_user("org_admin", Some(&org));
    let staff = app.create_user("applicant", Some(&org));
    app.sign_in_as(&org_admin).await;

    let res = app
        .post(
            "/organisation/edit",
            &[
                ("name_en", "Skynet Broadband"),
                ("name_lo", "ສະກາຍເນັດ"),
                ("address", "Vientiane"),
                ("asns", "AS151234, AS64512"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        text_of(&html, "#e-asns")
            .unwrap()
            .contains("private and reserved numbers are not accepted")
    );
    assert_eq!(value_of(&html, "#f-name_en").unwrap(), "Skynet Broadband");
    assert_eq!(value_of(&html, "#f-asns").unwrap(), "AS151234, AS64512");

    let res = app
        .post(
            "/organisation/edit",
            &[
                ("name_en", "Skynet Broadband"),
                ("name_lo", "ສະກາຍເນັດ"),
                ("asns", "151234"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.page("/organisation").await;
    let pending = text_of(&html, "#identity-pending").expect("the new identity awaits review");
    assert!(pending.contains("Skynet Broadband"));
    assert!(html.contains("AS151234"));
    assert!(html.contains(&staff.email), "staff are listed");

    let colleague = app.another_browser();
    colleague.sign_in_as(&staff).await;
    let (status, html) = colleague.page("/organisation").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("/organisation/edit"),
        "an applicant sees no edit button"
    );
    assert_eq!(
        colleague.get("/organisation/edit").await.status(),
        StatusCode::FORBIDDEN
    );
}
