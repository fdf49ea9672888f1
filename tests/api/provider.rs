//! What a provider meets every day: the dashboard of what needs an answer, the way from an
//! approved application to its connection and back, renewals started from a connection,
//! a form that asks only what applies, and the account's sessions and recovery codes;
//! and the committee's counts of what waits on each member.

use chrono::TimeDelta;
use interconnect_registry::domain::clock::Clock;
use reqwest::StatusCode;

use crate::helpers::{TestApp, location, second_step, text_of, value_of};
use crate::workflow_helpers::{Cast, complete_fields, id_from, insert_connections};

/// The text of the element `css` selects, its runs of white space made one space.
fn words(html: &str, css: &str) -> String {
    text_of(html, css)
        .unwrap_or_else(|| panic!("no {css} in the page"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where `needle` is in `text`, which must hold it.
fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {text:?}"))
}

fn reference_of(app: &TestApp, id: &str) -> String {
    interconnect_registry::db::models::application::find(&mut app.conn(), id)
        .unwrap()
        .unwrap()
        .reference
        .unwrap()
}

fn content_of(
    app: &TestApp,
    id: &str,
) -> interconnect_registry::domain::application_form::ApplicationContent {
    let stored = interconnect_registry::db::models::application::find(&mut app.conn(), id)
        .unwrap()
        .unwrap();
    serde_json::from_str(&stored.content).unwrap()
}

#[tokio::test]
async fn sessions_name_the_browser_and_recovery_codes_download_as_a_file() {
    let app = TestApp::spawn().await;
    let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    let browser = app.another_browser_sending("user-agent", chrome);
    let user = app.create_user("secretariat", None);
    let res = browser.sign_in(&user.email, crate::helpers::PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let now = app.clock.now().and_utc().timestamp() as u64;
    let res = second_step(
        &browser.client,
        &browser.url(&location(&res)),
        &user.email,
        &browser.authenticator,
        now,
    )
    .await
    .expect("a code");
    assert_eq!(res.status(), StatusCode::OK, "the recovery codes are shown");
    let codes_page = res.text().await.unwrap();
    let codes = value_of(
        &codes_page,
        "form[action=\"/account/recovery-codes.txt\"] input[name=codes]",
    )
    .expect("a download form");
    let first = text_of(&codes_page, ".recovery-codes code").unwrap();
    assert!(codes.contains(&first));

    let res = browser
        .post("/account/recovery-codes.txt", &[("codes", &codes)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert!(header("content-disposition").starts_with("attachment"));
    assert!(header("content-disposition").contains("recovery-codes.txt"));
    assert!(header("cache-control").contains("no-store"));
    assert!(header("content-type").starts_with("text/plain"));
    let file = res.text().await.unwrap();
    for code in codes.split_whitespace() {
        assert!(file.contains(code), "{code}");
    }
    let res = browser
        .post(
            "/account/recovery-codes.txt",
            &[("codes", "<script>alert(1)</script> abcde-fghij")],
        )
        .await;
    let file = res.text().await.unwrap();
    assert!(!file.contains("<script>") && file.contains("abcde-fghij"));

    let (_, account) = browser.page("/account").await;
    assert_eq!(
        text_of(&account, "table.sessions tr.current td[title]").as_deref(),
        Some("Chrome on Windows")
    );
    assert!(account.contains(&format!("title=\"{chrome}\"")));
}
