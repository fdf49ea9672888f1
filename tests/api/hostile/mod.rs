//! Hostile input: attacks sent through every input the application takes (forms, JSON
//! bodies, uploads, query strings, headers, cookies), and every output that shows them
//! (pages, e-mail, JSON, CSV, certificates) checked. No attack may give a 5xx; each
//! refusal names its problem. Each test shares one application and one cast of users
//! across its payloads; the XSS tests print their tally (`-- --nocapture`).

mod corpus;
mod filters;
mod inspect;
mod malformed;
mod uploads;
mod xss_accounts;
mod xss_workflow;

use interconnect_registry::domain::language::Lang;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, TestUser, location, text_of};
use crate::workflow_helpers::id_from;

/// A browser of one user (or of nobody), with the CSRF token its forms carry.
pub struct Person {
    pub browser: TestApp,
    pub user: Option<TestUser>,
    /// The language its pages come in.
    pub lang: Lang,
    csrf: String,
}

/// A response read whole.
pub struct Reply {
    pub status: StatusCode,
    pub location: String,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    async fn read(res: reqwest::Response, what: &str) -> Reply {
        let status = res.status();
        let location = location(&res);
        let content_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = res.text().await.unwrap_or_default();
        assert!(
            !status.is_server_error(),
            "{what}: {status} for hostile input\n{body}"
        );
        Reply {
            status,
            location,
            content_type,
            body,
        }
    }

    /// Asserts the status, showing the body when it differs.
    pub fn expect(self, status: StatusCode, what: &str) -> Reply {
        assert_eq!(self.status, status, "{what}: {}", self.body);
        self
    }
}

impl Person {
    /// A browser signed in as `user` (through `TestApp::sign_in_as`, as every test signs
    /// in), whose pages come in `lang` (the user's preference, or the browser's when there is
    /// none).
    pub async fn signed_in(app: &TestApp, user: &TestUser, lang: Lang) -> Person {
        Self::signed_in_with(app, user, lang, "interconnect-registry tests").await
    }

    /// A browser signed in as `user` that names itself `user_agent`.
    pub async fn signed_in_with(
        app: &TestApp,
        user: &TestUser,
        lang: Lang,
        user_agent: &str,
    ) -> Person {
        let mut browser = app.another_browser();
        browser.client = client(lang, user_agent);
        browser.sign_in_as(user).await;
        let csrf = browser.csrf().await;
        Person {
            browser,
            user: Some(user.clone()),
            lang,
            csrf,
        }
    }

    /// A browser of nobody, asking for pages in `lang`.
    pub async fn anonymous(app: &TestApp, lang: Lang) -> Person {
        let mut browser = app.another_browser();
        browser.client = client(lang, "interconnect-registry tests");
        let csrf = browser.csrf().await;
        Person {
            browser,
            user: None,
            lang,
            csrf,
        }
    }

    /// The text of translation `key` in this browser's language.
    pub fn says(&self, key: &str) -> String {
        interconnect_registry::i18n::t(self.lang, key)
    }

    pub fn user_id(&self) -> &str {
        &self.user.as_ref().expect("a signed-in person").id
    }

    pub async fn get(&self, path: &str) -> Reply {
        let res = self
            .browser
            .client
            .get(self.browser.url(path))
            .send()
            .await
            .expect("GET");
        Reply::read(res, &format!("GET {path}")).await
    }

    /// A page that must be there.
    pub async fn page(&self, path: &str) -> String {
        let reply = self.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.body);
        reply.body
    }

    /// POSTs a form with this browser's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut form = fields.to_vec();
        form.push(("csrf", &self.csrf));
        let res = self
            .browser
            .client
            .post(self.browser.url(path))
            .form(&form)
            .send()
            .await
            .expect("POST");
        Reply::read(res, &format!("POST {path}")).await
    }

    /// POSTs a form and expects the redirect that follows success.
    pub async fn act(&self, path: &str, fields: &[(&str, &str)]) -> String {
        self.post(path, fields)
            .await
            .expect(StatusCode::SEE_OTHER, path)
            .location
    }

    /// A multipart upload of one file, with this browser's CSRF token.
    pub async fn upload(&self, path: &str, kind: &str, file_name: &str, bytes: &[u8]) -> Reply {
        let form = Form::new()
            .text("csrf", self.csrf.clone())
            .text("kind", kind.to_string())
            .part(
                "file",
                Part::bytes(bytes.to_vec()).file_name(file_name.to_string()),
            );
        let res = self
            .browser
            .client
            .post(self.browser.url(path))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        Reply::read(res, &format!("upload to {path}")).await
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// A new draft application of this provider's, by the web form; returns its id.
    pub async fn start_draft(&self) -> String {
        id_from(&self.act("/applications", &[("kind", "new")]).await)
    }

    /// A bearer token of a new API client of this provider's organisation, made on the
    /// organisation's page under `name`.
    pub async fn api_client_token(&self, name: &str) -> String {
        let reply = self
            .post(
                "/organisation/api-clients",
                &[("name", name), ("user_id", self.user_id())],
            )
            .await
            .expect(StatusCode::OK, "API client");
        let client_id = text_of(&reply.body, ".client-id").expect("client id");
        let secret = text_of(&reply.body, ".client-secret").expect("secret");
        api_token(&self.browser, &client_id, &secret).await
    }
}

/// A new draft application made over the API with `token`; returns its id.
pub async fn api_draft(app: &TestApp, token: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/applications"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "kind": "new" }))
        .send()
        .await
        .expect("API draft");
    let reply = Reply::read(res, "API draft")
        .await
        .expect(StatusCode::CREATED, "API draft");
    let created: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
    created["id"].as_str().expect("id").to_string()
}

/// A browser's HTTP client named `user_agent`: it keeps cookies, follows no redirect,
/// asks for `lang`, and
/// lets an idle connection go after two seconds, before the server's five (a test that
/// reads a long page for a while would otherwise send its next request on a connection
/// the server is closing). Each browser connects from an address of its own on the
/// loopback network, as people do from their own machines, so that the limits on
/// sign-in attempts per address apply to each alone.
fn client(lang: Lang, user_agent: &str) -> reqwest::Client {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let [_, _, high, low] = n.to_be_bytes();
    let source = std::net::Ipv4Addr::new(127, 1, high, low);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        reqwest::header::HeaderValue::from_static(lang.code()),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .user_agent(user_agent)
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .local_address(std::net::IpAddr::V4(source))
        .build()
        .expect("HTTP client")
}

/// An API client's bearer token, read from the token endpoint.
pub async fn api_token(app: &TestApp, client_id: &str, secret: &str) -> String {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("token request");
    let reply = Reply::read(res, "token")
        .await
        .expect(StatusCode::OK, "token");
    let body: serde_json::Value = serde_json::from_str(&reply.body).expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_string()
}

/// Sends `request` as raw bytes (anything, valid HTTP or not) and returns the status and
/// the rest of the response. The request should say `Connection: close`.
pub async fn raw_request(app: &TestApp, request: &[u8]) -> (u16, String) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream.write_all(request).await.expect("send");
    let mut response = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await;
    let response = String::from_utf8_lossy(&response).to_string();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    assert!(status < 500, "{status} for a raw request\n{response}");
    (status, response)
}
