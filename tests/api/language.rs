use reqwest::StatusCode;

use crate::helpers::{TestApp, location, text_of};

#[tokio::test]
async fn lao_is_the_default_and_the_browser_can_ask_for_english() {
    let app = TestApp::spawn().await;
    let plain = reqwest::Client::new();
    let html = plain
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"lo\">"));
    let lao_title = text_of(&html, "h1").unwrap();
    assert!(
        lao_title
            .chars()
            .any(|c| ('\u{0E80}'..='\u{0EFF}').contains(&c)),
        "Lao script: {lao_title}"
    );

    let (_, html) = app.page("/").await;
    assert!(html.contains("<html lang=\"en\">"));
    assert_eq!(
        text_of(&html, "h1").unwrap(),
        "International connections, approved and on record"
    );
}

#[tokio::test]
async fn the_switch_on_every_page_sets_a_cookie_that_beats_the_browser() {
    let app = TestApp::spawn().await;
    for path in ["/", "/sign-in", "/no-such-page"] {
        let (_, html) = app.page(path).await;
        assert!(
            html.contains("action=\"/language\""),
            "{path} has the language switch"
        );
    }
    let res = app
        .post("/language", &[("lang", "lo"), ("next", "/sign-in")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/sign-in");
    let (_, html) = app.page("/sign-in").await;
    assert!(
        html.contains("<html lang=\"lo\">"),
        "the cookie beats Accept-Language: en"
    );
}

#[tokio::test]
async fn a_signed_in_users_preference_beats_the_cookie_and_follows_them() {
    let app = TestApp::spawn().await;
    let user = app.create_user("secretariat", None);
    app.sign_in_as(&user).await;
    app.post("/language", &[("lang", "lo"), ("next", "/dashboard")])
        .await;

    // A different browser with an English cookie and header still gets Lao after sign-in.
    let other = app.another_browser();
    other
        .post("/language", &[("lang", "en"), ("next", "/")])
        .await;
    other.sign_in_as(&user).await;
    let (_, html) = other.page("/dashboard").await;
    assert!(html.contains("<html lang=\"lo\">"));
}

#[tokio::test]
async fn an_unknown_language_gets_a_clear_message() {
    let app = TestApp::spawn().await;
    let res = app
        .post("/language", &[("lang", "fr"), ("next", "/")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Choose Lao or English."));
}

#[tokio::test]
async fn dates_read_as_each_language_writes_them() {
    use interconnect_registry::domain::clock::{Clock, in_vientiane};
    let app = TestApp::spawn().await;
    let organisation = app.create_organisation("dated");
    let user = app.create_user("applicant", Some(&organisation));
    app.sign_in_as(&user).await;
    let now = app.clock.now();

    let (_, html) = app.page("/account").await;
    let iso = in_vientiane(&now, "%Y-%m-%d");
    assert!(html.contains(&format!("{iso} ")), "ISO in English");
    assert!(!html.contains("ວັນທີ"));

    app.post("/language", &[("lang", "lo"), ("next", "/account")])
        .await;
    let (_, html) = app.page("/account").await;
    assert!(html.contains("<html lang=\"lo\">"));
    let lao = format!("ວັນທີ {} ເວລາ ", in_vientiane(&now, "%d/%m/%Y"));
    assert!(html.contains(&lao), "Lao style: {lao}");
}
