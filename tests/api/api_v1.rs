//! The JSON API as a provider's own system uses it: credentials made on the web page or
//! the command line, tokens, the whole path of an application, and every way a request
//! can be refused (problem documents, 401, 404, 429).

use chrono::TimeDelta;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, TestUser, text_of};
use crate::workflow_helpers::{Cast, Member, PDF, complete_fields};

/// An API client's credentials and a plain HTTP client with no cookies.
struct ApiClient {
    id: String,
    secret: String,
    http: reqwest::Client,
    base: String,
}

impl ApiClient {
    fn new(app: &TestApp, id: String, secret: String) -> Self {
        Self {
            id,
            secret,
            http: reqwest::Client::new(),
            base: app.address.clone(),
        }
    }

    async fn token_response(&self, secret: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/token", self.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &self.id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .unwrap()
    }

    async fn token(&self) -> String {
        let res = self.token_response(&self.secret).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        body["access_token"].as_str().unwrap().to_string()
    }

    fn request(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        json_of(
            self.request(reqwest::Method::GET, path, token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(method, path, token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        json_of(req.send().await.unwrap()).await
    }

    async fn upload(
        &self,
        id: &str,
        token: &str,
        kind: &str,
        bytes: &'static [u8],
    ) -> (StatusCode, Value) {
        let form = Form::new()
            .text("kind", kind.to_string())
            .part("file", Part::bytes(bytes).file_name("diagram.pdf"));
        json_of(
            self.request(
                reqwest::Method::POST,
                &format!("/api/v1/applications/{id}/attachments"),
                token,
            )
            .multipart(form)
            .send()
            .await
            .unwrap(),
        )
        .await
    }
}

/// The status and JSON body; problem documents must say so in their content type.
async fn json_of(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    if status.is_client_error() || status.is_server_error() {
        assert_eq!(content_type, "application/problem+json", "{status}");
    } else {
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
    }
    (status, res.json().await.unwrap())
}

/// Creates a client on the organisation page as its admin; the secret is read off the
/// page that shows it once.
async fn client_from_web_page(app: &TestApp, admin: &Member, name: &str) -> ApiClient {
    let res = admin
        .post(
            "/organisation/api-clients",
            &[("name", name), ("user_id", &admin.user.id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    let id = text_of(&page, ".client-id").expect("the client id is shown");
    let secret = text_of(&page, ".client-secret").expect("the secret is shown");
    let (_, again) = admin.browser.page("/organisation/api-clients").await;
    assert!(
        again.contains(&id) && !again.contains(&secret),
        "shown once"
    );
    ApiClient::new(app, id, secret)
}

pub(crate) fn fields_json() -> Value {
    let mut fields = serde_json::Map::new();
    for (name, value) in complete_fields() {
        if name != "declaration_accepted" {
            fields.insert(name.to_string(), Value::String(value));
        }
    }
    Value::Object(fields)
}

fn problem_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .expect("a list of field problems")
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_api_client_takes_an_application_from_draft_to_approval() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let client = client_from_web_page(&app, &cast.provider, "ERP system").await;
    let token = client.token().await;
    use reqwest::Method as M;

    // A draft with most fields; the contact defaults to the person the client acts for.
    let mut fields = fields_json();
    let capacity = fields
        .as_object_mut()
        .unwrap()
        .remove("capacity_mbps")
        .unwrap();
    let (status, draft) = client
        .send(
            M::POST,
            "/api/v1/applications",
            &token,
            Some(json!({ "kind": "new", "fields": fields })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["status"], "draft");
    let id = draft["id"].as_str().unwrap().to_string();

    // Submitting too early names every missing piece.
    let (status, problem) = client
        .send(
            M::POST,
            &format!("/api/v1/applications/{id}/submit"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = problem_fields(&problem);
    for field in [
        "capacity_mbps",
        "declaration_accepted",
        "attachment_network_diagram",
        "attachment_counterparty_contract",
    ] {
        assert!(
            missing.contains(&field.to_string()),
            "{field} in {missing:?}"
        );
    }
    let capacity_problem = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "capacity_mbps")
        .unwrap();
    assert_eq!(capacity_problem["code"], "required");

    // Files, the missing field and the declaration.
    for kind in ["network_diagram", "counterparty_contract"] {
        let (status, attachment) = client.upload(&id, &token, kind, PDF).await;
        assert_eq!(status, StatusCode::CREATED, "{attachment}");
        assert_eq!(attachment["content_type"], "application/pdf");
        assert_eq!(attachment["sha256"], hex::encode(Sha256::digest(PDF)));
    }
    let (status, saved) = client
        .send(
            M::PATCH,
            &format!("/api/v1/applications/{id}"),
            &token,
            Some(json!({ "fields": { "capacity_mbps": capacity }, "declaration_accepted": true })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        saved["fields"]["counterparty_name"], "Thai Transit Co., Ltd.",
        "kept"
    );
    assert_eq!(saved["attachments"].as_array().unwrap().len(), 2);
    let (status, submitted) = client
        .send(
            M::POST,
            &format!("/api/v1/applications/{id}/submit"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["reference"].as_str().unwrap().starts_with("APP-"));
    // Sent twice (a retry after a lost answer): the second is a conflict, nothing changes.
    let (status, again) = client
        .send(
            M::POST,
            &format!("/api/v1/applications/{id}/submit"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["code"], "wrong-state");
    let (_, unchanged) = client
        .get(&format!("/api/v1/applications/{id}"), &token)
        .await;
    assert_eq!(unchanged["reference"], submitted["reference"]);
    assert_eq!(unchanged["revision"], 1);

    // The secretariat asks a question on the web; the client reads and answers it.
    let case = format!("/committee/applications/{id}");
    cast.secretariat.act(&format!("{case}/screen"), &[]).await;
    cast.secretariat
        .act(
            &format!("{case}/request-info"),
            &[("questions", "Which landing station?"), ("days", "10")],
        )
        .await;
    let (_, asked) = client
        .get(&format!("/api/v1/applications/{id}"), &token)
        .await;
    assert_eq!(asked["status"], "info_requested");
    assert_eq!(
        asked["information_requests"][0]["questions"],
        "Which landing station?"
    );
    let (status, empty) = client
        .send(
            M::POST,
            &format!("/api/v1/applications/{id}/answers"),
            &token,
            Some(json!({ "answer": "  " })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&empty), vec!["answer"]);
    let (status, answered) = client
        .send(
            M::POST,
            &format!("/api/v1/applications/{id}/answers"),
            &token,
            Some(json!({ "answer": "Nong Khai, station 2" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["status"], "screening");
    assert_eq!(
        answered["information_requests"][0]["answer"],
        "Nong Khai, station 2"
    );

    // The committee reviews and approves; the client reads the decision.
    let reviewers = [
        (&cast.technical, "technical"),
        (&cast.security, "security"),
        (&cast.legal, "legal"),
    ];
    cast.review_and_open_vote(&id, &reviewers).await;
    cast.approve(&id, "24").await;
    let (_, decided) = client
        .get(&format!("/api/v1/applications/{id}"), &token)
        .await;
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["decision"]["approved"], true);
    assert_eq!(decided["decision"]["validity_months"], 24);
    assert_eq!(decided["decision"]["conditions"], "Keep records");
    let number = decided["decision"]["approval_number"]
        .as_str()
        .unwrap()
        .to_string();

    let (_, connections) = client.get("/api/v1/connections", &token).await;
    assert_eq!(connections["items"][0]["approval_number"], number.as_str());
    assert_eq!(connections["items"][0]["status"], "active");
    let (status, record) = client.get(&format!("/api/v1/registry/{number}"), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(record["status"], "active");
    assert!(record["certificate"].as_str().unwrap().split('.').count() == 3);
    assert!(
        record["verify_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/verify/{number}"))
    );

    // Everything the client did is in the audit log under its person, through the client.
    let events =
        interconnect_registry::db::audit::list_for_subject(&mut app.conn(), "application", &id)
            .unwrap();
    let submit = events
        .iter()
        .find(|e| e.action == "application.submit")
        .unwrap();
    assert_eq!(
        submit.actor_id.as_deref(),
        Some(cast.provider.user.id.as_str())
    );
    assert!(
        submit
            .actor_label
            .ends_with(&format!("via API client {}", client.id)),
        "{}",
        submit.actor_label
    );
}

#[tokio::test]
async fn refused_requests_are_problem_documents_that_name_each_field() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let client = client_from_web_page(&app, &cast.provider, "ERP").await;
    let token = client.token().await;
    use reqwest::Method as M;

    let (status, problem) = client
        .send(
            M::POST,
            "/api/v1/applications",
            &token,
            Some(json!({ "kind": "bogus", "fields": { "counterparty_name": "x".repeat(300), "capacity_mbps": "a\u{7}b" } })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["status"], 422);
    assert_eq!(problem["instance"], "/api/v1/applications");
    assert_eq!(
        problem_fields(&problem),
        vec!["capacity_mbps", "counterparty_name", "kind"]
    );
    assert_eq!(problem["errors"][1]["code"], "too-long");
    let (_, list) = client.get("/api/v1/applications", &token).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing was created"
    );

    // In Lao when asked.
    let res = client
        .request(M::POST, "/api/v1/applications", &token)
        .header("accept-language", "lo")
        .json(&json!({ "kind": "bogus" }))
        .send()
        .await
        .unwrap();
    let (_, lao) = json_of(res).await;
    assert_eq!(lao["errors"][0]["code"], "kind");
    assert!(
        lao["title"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| ('\u{0E80}'..='\u{0EFF}').contains(&c))
    );

    // Malformed JSON, an unknown field, a wrong type: 400, and nothing is lost.
    for body in [
        r#"{"kind": "new""#,
        r#"{"kind":"new","colour":"red"}"#,
        r#"{"kind": 5}"#,
    ] {
        let res = client
            .request(M::POST, "/api/v1/applications", &token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, problem) = json_of(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(problem["code"], "malformed-json");
    }

    // A file that is not what it says; a submitted application cannot change.
    let (_, draft) = client
        .send(
            M::POST,
            "/api/v1/applications",
            &token,
            Some(json!({ "kind": "new" })),
        )
        .await;
    let id = draft["id"].as_str().unwrap();
    let (status, problem) = client
        .upload(id, &token, "network_diagram", b"<script>x</script>")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&problem), vec!["file"]);
    let (status, problem) = client
        .send(
            M::POST,
            &format!("/api/v1/applications/{id}/answers"),
            &token,
            Some(json!({ "answer": "x" })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["code"], "wrong-state");
    let (status, _) = client
        .send(
            M::POST,
            &format!("/api/v1/applications/{id}/withdraw"),
            &token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, problem) = client
        .send(
            M::PATCH,
            &format!("/api/v1/applications/{id}"),
            &token,
            Some(json!({ "fields": { "contact_phone": "1" } })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(problem["code"], "not-editable");

    // The token endpoint speaks OAuth 2.0 inside its problem documents.
    let res = client
        .http
        .post(app.url("/api/v1/token"))
        .form(&[("grant_type", "password"), ("client_id", &client.id)])
        .send()
        .await
        .unwrap();
    let (status, problem) = json_of(res).await;
    assert_eq!(
        (status, problem["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let res = client.token_response("ics_wrong").await;
    let (status, problem) = json_of(res).await;
    assert_eq!(
        (status, problem["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let basic = client
        .http
        .post(app.url("/api/v1/token"))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        basic.status(),
        StatusCode::OK,
        "HTTP Basic credentials work too"
    );
}

/// A token with one character of its signature changed.
fn forged(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() - 5;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn expired_forged_rotated_and_revoked_credentials_get_401() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let client = client_from_web_page(&app, &cast.provider, "ERP").await;
    let token = client.token().await;
    let (status, _) = client.get("/api/v1/applications", &token).await;
    assert_eq!(status, StatusCode::OK);

    for bad in [String::new(), forged(&token), "not-a-jwt".to_string()] {
        let res = client
            .request(reqwest::Method::GET, "/api/v1/applications", &bad)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer realm=\"interconnect-registry\""
        );
        let (status, problem) = json_of(res).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(problem["code"], "bearer-required");
    }
    // The web session of the organisation's admin does not open the API.
    let res = cast.provider.browser.get("/api/v1/applications").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    app.clock.advance(TimeDelta::seconds(899));
    assert_eq!(
        client.get("/api/v1/applications", &token).await.0,
        StatusCode::OK
    );
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(
        client.get("/api/v1/applications", &token).await.0,
        StatusCode::UNAUTHORIZED,
        "expired"
    );

    // Rotation: the old secret and its tokens stop working; the new one works.
    let token = client.token().await;
    let res = cast
        .provider
        .post(
            &format!("/organisation/api-clients/{}/rotate", client.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let new_secret = text_of(&res.text().await.unwrap(), ".client-secret").unwrap();
    assert_eq!(
        client.get("/api/v1/applications", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        client.token_response(&client.secret).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let rotated = ApiClient::new(&app, client.id.clone(), new_secret);
    let token = rotated.token().await;
    assert_eq!(
        rotated.get("/api/v1/applications", &token).await.0,
        StatusCode::OK
    );

    // Deactivating the person the client acts for stops it too.
    let admin = app.create_user("admin", None);
    let admin_browser = app.another_browser();
    admin_browser.sign_in_as(&admin).await;
    let res = admin_browser
        .post(
            &format!("/admin/users/{}/deactivate", cast.provider.user.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        rotated.get("/api/v1/applications", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let res = admin_browser
        .post(
            &format!("/admin/users/{}/reactivate", cast.provider.user.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        rotated.get("/api/v1/applications", &token).await.0,
        StatusCode::OK
    );

    // Revocation, by the organisation's admin.
    cast.provider.browser.sign_in_as(&cast.provider.user).await;
    cast.provider
        .act(
            &format!("/organisation/api-clients/{}/revoke", client.id),
            &[],
        )
        .await;
    assert_eq!(
        rotated.get("/api/v1/applications", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        rotated.token_response(&rotated.secret).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, page) = cast
        .provider
        .browser
        .page("/organisation/api-clients")
        .await;
    assert!(page.contains("Revoked"));
    let res = cast
        .provider
        .post(
            &format!("/organisation/api-clients/{}/rotate", client.id),
            &[],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "a revoked client stays revoked"
    );
}

#[tokio::test]
async fn another_organisations_application_is_not_found_through_the_api() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let theirs = cast.provider.submit_complete_application().await;
    let rival_admin = app.create_user("org_admin", None);
    let rival = Member {
        browser: app.another_browser(),
        user: rival_admin,
    };
    rival.browser.sign_in_as(&rival.user).await;
    let client = client_from_web_page(&app, &rival, "rival").await;
    let token = client.token().await;
    use reqwest::Method as M;

    let (_, list) = client.get("/api/v1/applications", &token).await;
    assert_eq!(list["items"], json!([]));
    let (_, connections) = client.get("/api/v1/connections", &token).await;
    assert_eq!(connections["items"], json!([]));
    let attempts = [
        (M::GET, format!("/api/v1/applications/{theirs}"), None),
        (
            M::PATCH,
            format!("/api/v1/applications/{theirs}"),
            Some(json!({ "fields": {} })),
        ),
        (
            M::POST,
            format!("/api/v1/applications/{theirs}/submit"),
            None,
        ),
        (
            M::POST,
            format!("/api/v1/applications/{theirs}/withdraw"),
            None,
        ),
        (
            M::POST,
            format!("/api/v1/applications/{theirs}/answers"),
            Some(json!({ "answer": "x" })),
        ),
        (M::GET, "/api/v1/applications/no-such-id".to_string(), None),
    ];
    for (method, path, body) in attempts {
        let (status, problem) = client.send(method.clone(), &path, &token, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(problem["code"], "not-found");
    }
    let (status, _) = client.upload(&theirs, &token, "other", PDF).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(cast.status_of(&theirs), "submitted", "untouched");

    // Nor can the rival's admin manage the other organisation's clients.
    let mine = client_from_web_page(&app, &cast.provider, "mine").await;
    for action in ["rotate", "revoke"] {
        let res = rival
            .post(
                &format!("/organisation/api-clients/{}/{action}", mine.id),
                &[],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(
        mine.get("/api/v1/applications", &mine.token().await)
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_client_over_its_request_limit_gets_429_with_retry_after() {
    let app = TestApp::spawn_with(&[
        ("API_REQUESTS_PER_MINUTE", "3"),
        ("API_TOKENS_PER_MINUTE", "3"),
    ])
    .await;
    let admin = app.create_user("org_admin", None);
    let member = Member {
        browser: app.another_browser(),
        user: admin,
    };
    member.browser.sign_in_as(&member.user).await;
    let client = client_from_web_page(&app, &member, "busy").await;
    let other = client_from_web_page(&app, &member, "quiet").await;
    let token = client.token().await;
    for _ in 0..3 {
        assert_eq!(
            client.get("/api/v1/applications", &token).await.0,
            StatusCode::OK
        );
    }
    let res = client
        .request(reqwest::Method::GET, "/api/v1/applications", &token)
        .send()
        .await
        .unwrap();
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    let (status, problem) = json_of(res).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["code"], "too-many-requests");
    let other_token = other.token().await;
    assert_eq!(
        other.get("/api/v1/applications", &other_token).await.0,
        StatusCode::OK,
        "per client"
    );

    // Guessing secrets is limited too (three token requests a minute from one address).
    assert_eq!(
        client.token_response("ics_guess").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = client.token_response(&client.secret).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn create_api_client_prints_the_secret_once_and_keeps_only_its_hash() {
    let app = TestApp::spawn().await;
    let org = app.create_organisation("api-cli");
    let TestUser { email, .. } = app.create_user("applicant", Some(&org));
    let (ok, _, err) = crate::cli::run(
        &app.database_url,
        &["create-api-client", "--org", "api-cli"],
        "",
    );
    assert!(!ok, "no organisation admin to act for");
    assert!(err.contains("user"), "{err}");
    let (ok, out, err) = crate::cli::run(
        &app.database_url,
        &[
            "create-api-client",
            "--org",
            "api-cli",
            "--user",
            &email,
            "--name",
            "Billing",
            "--json",
        ],
        "",
    );
    assert!(ok, "{err}");
    let printed: Value = serde_json::from_str(&out).unwrap();
    let (id, secret) = (
        printed["client_id"].as_str().unwrap().to_string(),
        printed["client_secret"].as_str().unwrap().to_string(),
    );
    assert!(id.starts_with("ic_") && secret.starts_with("ics_") && secret.len() > 40);
    let stored = interconnect_registry::db::models::api_client::find(&mut app.conn(), &id)
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.secret_hash,
        hex::encode(Sha256::digest(secret.as_bytes()))
    );
    assert_eq!(stored.name, "Billing");

    let client = ApiClient::new(&app, id.clone(), secret);
    let token = client.token().await;
    let (status, draft) = client
        .send(
            reqwest::Method::POST,
            "/api/v1/applications",
            &token,
            Some(json!({ "kind": "new" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(draft["fields"]["contact_email"], email.as_str());

    let (ok, _, err) = crate::cli::run(
        &app.database_url,
        &["revoke-api-client", "--org", "api-cli", "--client", &id],
        "",
    );
    assert!(ok, "{err}");
    assert_eq!(
        client.get("/api/v1/applications", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_public_registry_api_pages_with_a_cursor_and_filters() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let application = cast.provider.start_application("new").await;
    let org = interconnect_registry::db::models::application::find(&mut app.conn(), &application)
        .unwrap()
        .unwrap()
        .organisation_id;
    crate::workflow_helpers::insert_connections(&app, &application, &org, 0, 7);
    let http = ApiClient::new(&app, String::new(), String::new());
    let mut seen = Vec::new();
    let mut path = "/api/v1/registry?limit=3".to_string();
    loop {
        let (status, page) = http.get(&path, "").await;
        assert_eq!(status, StatusCode::OK);
        for item in page["items"].as_array().unwrap() {
            seen.push(item["approval_number"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/registry?limit=3&after={cursor}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (7, 7));

    for bad in [
        "limit=0",
        "limit=201",
        "country=XX1",
        "type=teleport",
        "after=%%%",
        "limit=abc",
    ] {
        let (status, problem) = http.get(&format!("/api/v1/registry?{bad}"), "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(problem["code"], "malformed-query", "{bad}");
    }
    let (status, _) = http.get("/api/v1/registry/IC-1999-99999", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let csv = reqwest::get(app.url("/api/v1/registry.csv")).await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.text().await.unwrap().lines().count(), 8);
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route_and_its_security() {
    let app = TestApp::spawn().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let routes = [
        ("post", "/api/v1/token", false),
        ("get", "/api/v1/applications", true),
        ("post", "/api/v1/applications", true),
        ("get", "/api/v1/applications/{id}", true),
        ("patch", "/api/v1/applications/{id}", true),
        ("post", "/api/v1/applications/{id}/submit", true),
        ("post", "/api/v1/applications/{id}/withdraw", true),
        ("post", "/api/v1/applications/{id}/attachments", true),
        ("post", "/api/v1/applications/{id}/answers", true),
        ("get", "/api/v1/connections", true),
        ("get", "/api/v1/findings", true),
        ("get", "/api/v1/registry", false),
        ("get", "/api/v1/registry/{approval_number}", false),
        ("get", "/api/v1/registry.csv", false),
        ("get", "/api/v1/openapi.json", false),
    ];
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len(), "no route missing, none extra");
    for (method, path, secured) in routes {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.contains_key("400"), "{method} {path}");
        if secured {
            assert!(
                responses.contains_key("401") && responses.contains_key("429"),
                "{method} {path}"
            );
        } else if path != "/api/v1/token" {
            assert!(!responses.contains_key("401"), "{method} {path}");
        }
        assert_eq!(
            responses.contains_key("404"),
            path.contains('{'),
            "{method} {path}"
        );
        let security = &operation["security"];
        assert_eq!(
            security[0].get("bearer").is_some(),
            secured,
            "{method} {path}: {security}"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["client_credentials"]["flows"]["clientCredentials"]["tokenUrl"],
        "/api/v1/token"
    );
    let fields = doc["components"]["schemas"]["ApplicationFields"]["properties"]
        .as_object()
        .unwrap();
    assert_eq!(
        fields.len(),
        interconnect_registry::domain::application_form::FIELDS.len()
    );
    for field in interconnect_registry::domain::application_form::FIELDS {
        assert!(fields.contains_key(field), "{field}");
    }
}

#[tokio::test]
async fn a_refused_client_form_names_each_problem_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let outsider = app.create_user("applicant", None);
    let long_name = "ລະບົບ ".repeat(30);
    let res = cast
        .provider
        .post(
            "/organisation/api-clients",
            &[("name", &long_name), ("user_id", &outsider.id)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains(long_name.trim()), "the name is kept");
    assert!(page.contains("Choose an active member of this organisation"));
    assert!(page.contains("too long"), "{page}");
    assert!(!page.contains("client-secret"));
    let clients = interconnect_registry::db::models::api_client::list_by_organisation(
        &mut app.conn(),
        &interconnect_registry::db::models::user::find(&mut app.conn(), &cast.provider.user.id)
            .unwrap()
            .unwrap()
            .organisation_id
            .unwrap(),
    )
    .unwrap();
    assert!(clients.is_empty(), "nothing was created");
}

#[tokio::test]
async fn no_cache_keeps_a_signed_in_answer_or_a_token_link_and_public_answers_set_no_cookie() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let id = connection.application_id.clone();
    let number = connection.approval_number.clone();
    let client = client_from_web_page(&app, &cast.provider, "cache probe").await;
    let token = client.token().await;
    let admin = app.another_browser();
    admin.sign_in_as(&app.create_user("admin", None)).await;

    let signed_in = [
        (&cast.provider.browser, "/dashboard".to_string()),
        (&cast.provider.browser, "/account".to_string()),
        (&cast.provider.browser, format!("/applications/{id}")),
        (
            &cast.provider.browser,
            "/organisation/api-clients".to_string(),
        ),
        (&cast.provider.browser, "/registry".to_string()),
        (&cast.provider.browser, format!("/registry/{number}")),
        (
            &cast.secretariat.browser,
            format!("/committee/applications/{id}"),
        ),
        (&admin, "/admin/users".to_string()),
        (&admin, "/admin/audit".to_string()),
    ];
    for (browser, path) in signed_in {
        let res = browser.get(&path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    for path in [
        format!("/api/v1/applications/{id}"),
        "/api/v1/applications".to_string(),
        "/api/v1/registry".to_string(),
    ] {
        let res = client
            .request(reqwest::Method::GET, &path, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(
            res.headers()["cache-control"],
            "no-store",
            "{path} with a bearer token"
        );
    }

    // A browser with no cookie at all, as a shared cache's first visitor.
    let anonymous = || crate::helpers::client("en");
    for path in ["/password/reset/x.00", "/invitation/x.00"] {
        let res = anonymous().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    for (path, cached) in [
        ("/.well-known/jwks.json", Some("public, max-age=300")),
        ("/registry/revocations.jwt", Some("public, max-age=60")),
        ("/registry.csv", None),
        ("/registry.json", None),
        ("/api/v1/registry", None),
        ("/api/v1/registry.csv", None),
        (&format!("/api/v1/registry/{number}"), None),
    ] {
        let res = anonymous().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(
            !res.headers().contains_key("set-cookie"),
            "{path} sets a cookie"
        );
        assert_eq!(
            res.headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            cached,
            "{path}"
        );
    }
    // Pages with a form carry the browser's first CSRF seed: never kept by a cache.
    for path in [
        "/registry".to_string(),
        format!("/registry/{number}"),
        format!("/registry/{number}/certificate"),
        format!("/verify/{number}"),
        "/statistics".to_string(),
    ] {
        let res = anonymous().get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers().contains_key("set-cookie"), "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    let stylesheet = cast.provider.browser.get("/static/app.css").await;
    assert_eq!(
        stylesheet.headers()["cache-control"],
        "public, max-age=3600"
    );
}
