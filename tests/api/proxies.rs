//! Behind a reverse proxy: `TRUSTED_PROXIES` decides whose `X-Forwarded-For` names the
//! client that the audit log records and the per-address sign-in limit counts.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

use interconnect_registry::db::audit::list_recent;

use crate::helpers::{PASSWORD, TestApp, csrf_in};

/// A browser whose every request carries `X-Forwarded-For: forwarded_for`, as a proxy in
/// front of the server would add it.
fn browser_behind_proxy(forwarded_for: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        HeaderValue::from_str(forwarded_for).unwrap(),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn sign_in(
    app: &TestApp,
    browser: &reqwest::Client,
    email: &str,
    password: &str,
) -> StatusCode {
    let html = browser
        .get(app.url("/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&html);
    browser
        .post(app.url("/sign-in"))
        .form(&[("email", email), ("password", password), ("csrf", &token)])
        .send()
        .await
        .unwrap()
        .status()
}

/// The addresses the audit log recorded for `action`, oldest first.
fn audited_addresses(app: &TestApp, action: &str) -> Vec<String> {
    let events = list_recent(&mut app.conn(), 200, None).unwrap();
    events
        .into_iter()
        .rev()
        .filter(|e| e.action == action)
        .map(|e| e.ip)
        .collect()
}

/// Wrong sign-ins, each on an account of its own so that only the address limit (thirty
/// a minute, one more every two seconds) can stop them, until one is refused; returns how
/// many were let through.
async fn failures_until_refused(app: &TestApp, forwarded_for: impl Fn(usize) -> String) -> usize {
    for i in 0..90 {
        let browser = browser_behind_proxy(&forwarded_for(i));
        match sign_in(app, &browser, &format!("nobody{i}@example.la"), "wrong").await {
            StatusCode::UNAUTHORIZED => continue,
            StatusCode::TOO_MANY_REQUESTS => return i,
            other => panic!("attempt {i}: {other}"),
        }
    }
    panic!("90 wrong sign-ins and no refusal");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_known_by_its_own_address() {
    let app = TestApp::spawn_with(&[("TRUSTED_PROXIES", "127.0.0.1, ::1")]).await;
    let user = app.create_user("org_admin", None);

    // Someone guessing from one address is stopped...
    let let_through = failures_until_refused(&app, |_| "198.51.100.66".into()).await;
    assert!(let_through >= 30, "{let_through}");
    // ...without stopping everyone else who comes through the same proxy; and writing a
    // header of one's own in front of the proxy's does not move a client to another address.
    let user_browser = browser_behind_proxy("198.51.100.66, 203.0.113.9");
    assert_eq!(
        sign_in(&app, &user_browser, &user.email, PASSWORD).await,
        StatusCode::SEE_OTHER
    );

    let failed = audited_addresses(&app, "session.sign_in_failed");
    assert_eq!(failed.len(), let_through);
    assert!(failed.iter().all(|ip| ip == "198.51.100.66"), "{failed:?}");
    assert_eq!(audited_addresses(&app, "session.sign_in"), ["203.0.113.9"]);

    let html = user_browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<td>203.0.113.9</td>"),
        "the session list shows the address"
    );
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_header_is_not_believed() {
    let app = TestApp::spawn().await;

    // A new made-up address on every attempt does not escape the address limit.
    let let_through = failures_until_refused(&app, |i| format!("192.0.2.{i}")).await;
    assert!(let_through >= 30, "{let_through}");
    let failed = audited_addresses(&app, "session.sign_in_failed");
    assert_eq!(failed.len(), let_through);
    assert!(failed.iter().all(|ip| ip == "127.0.0.1"), "{failed:?}");
}
