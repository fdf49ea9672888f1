use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

/// Every state-changing route: a POST without a valid token is refused before anything
/// else happens, for anonymous visitors and signed-in users alike.
const POST_ROUTES: &[&str] = &[
    "/sign-in",
    "/sign-in/two-factor",
    "/sign-out",
    "/language",
    "/organisation/edit",
    "/admin/users",
    "/admin/users/x",
    "/admin/users/x/deactivate",
    "/admin/users/x/reactivate",
    "/admin/users/x/two-factor/reset",
    "/admin/organisations",
    "/admin/organisations/x/edit",
    "/admin/outbox/x/retry",
    "/account/notifications",
    "/account/two-factor",
    "/account/password",
    "/account/sessions/end",
    "/password/forgot",
    "/password/reset/x.00",
    "/invitation/x.00",
    "/organisation/invite",
    "/organisation/api-clients",
    "/organisation/api-clients/x/rotate",
    "/organisation/api-clients/x/revoke",
];

#[tokio::test]
async fn a_post_without_a_valid_token_is_refused_with_a_clear_page() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    let victim = app.create_user("reviewer", None);

    // Signing in itself needs the token (login CSRF).
    let res = app
        .post_raw(
            "/sign-in",
            &[("email", &admin.email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("security token is missing or out of date")
    );

    app.sign_in_as(&admin).await;
    let res = app
        .post_raw(
            &format!("/admin/users/{}/deactivate", victim.id),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let still_active = interconnect_registry::db::models::user::find(&mut app.conn(), &victim.id)
        .unwrap()
        .unwrap()
        .active;
    assert!(still_active, "a refused POST must change nothing");

    for path in POST_ROUTES {
        let res = app.post_raw(path, &[("lang", "en")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn a_token_from_another_browser_or_from_before_sign_in_does_not_work() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("admin", None);
    let victim = app.create_user("reviewer", None);
    let anonymous_token = app.csrf().await;
    app.sign_in_as(&admin).await;

    let attacker = app.another_browser();
    let attacker_token = attacker.csrf().await;
    for token in [anonymous_token, attacker_token] {
        let res = app
            .post_raw(
                &format!("/admin/users/{}/deactivate", victim.id),
                &[("csrf", &token)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
}
