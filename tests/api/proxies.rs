//! Behind a reverse proxy: `TRUSTED_PROXIES` decides whose `X-Forwarded-For` names the
//! client that the audit log records and the per-address sign-in limit counts.

use reqwest::StatusCode;

use interconnect_registry::db::audit::list_recent;

use crate::helpers::{PASSWORD, TestApp};

/// A browser behind a proxy that names it in `X-Forwarded-For: forwarded_for`.
fn behind_proxy(app: &TestApp, forwarded_for: &str) -> TestApp {
    app.another_browser_sending("x-forwarded-for", forwarded_for)
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
        let browser = behind_proxy(app, &forwarded_for(i));
        let email = format!("nobody{i}@example.la");
        match browser.sign_in(&email, "wrong").await.status() {
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
    let user_browser = behind_proxy(&app, "198.51.100.66, 203.0.113.9");
    let res = user_browser.sign_in(&user.email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let failed = audited_addresses(&app, "session.sign_in_failed");
    assert_eq!(failed.len(), let_through);
    assert!(failed.iter().all(|ip| ip == "198.51.100.66"), "{failed:?}");
    assert_eq!(audited_addresses(&app, "session.sign_in"), ["203.0.113.9"]);

    let (_, html) = user_browser.page("/account").await;
    assert!(
        html.contains(">203.0.113.9</td>"),
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
