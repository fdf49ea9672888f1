//! Over-long and non-UTF-8 input: megabyte bodies to every form and JSON route, fields
//! past their length, very long query strings and headers, bytes that are not UTF-8 in
//! form bodies, query strings, paths, JSON, headers and cookies, and JSON nested past
//! reason. Each is refused with a 4xx that names the problem (in English and Lao on a
//! page), and none gives a 5xx.

use interconnect_registry::domain::language::Lang;
use reqwest::StatusCode;

use super::inspect::{Expect, Inspector, says};
use super::{Person, Reply, api_draft, raw_request};
use crate::helpers::{TestApp, text_of};

/// Every route that takes a form, as its handler is reached (ids that need not exist).
const FORM_ROUTES: &[(&str, &str)] = &[
    ("/sign-in", "public"),
    ("/sign-in/two-factor", "public"),
    ("/language", "public"),
    ("/password/forgot", "public"),
    ("/password/reset/x", "public"),
    ("/invitation/x", "public"),
    ("/sign-out", "admin"),
    ("/account/notifications", "admin"),
    ("/account/two-factor", "admin"),
    ("/account/sessions/end", "admin"),
    ("/admin/users", "admin"),
    ("/admin/users/x", "admin"),
    ("/admin/users/x/deactivate", "admin"),
    ("/admin/users/x/reactivate", "admin"),
    ("/admin/users/x/two-factor/reset", "admin"),
    ("/admin/organisations", "admin"),
    ("/admin/organisations/x/edit", "admin"),
    ("/admin/outbox/x/retry", "admin"),
    ("/organisation/edit", "provider"),
    ("/organisation/invite", "provider"),
    ("/organisation/api-clients", "provider"),
    ("/organisation/api-clients/x/rotate", "provider"),
    ("/organisation/api-clients/x/revoke", "provider"),
    ("/applications", "provider"),
    ("/applications/{draft}/edit", "provider"),
    ("/applications/{draft}/attachments/x/delete", "provider"),
    ("/applications/{draft}/answer", "provider"),
    ("/applications/{draft}/withdraw", "provider"),
    ("/connections/x/answer", "provider"),
    ("/connections/x/disconnected", "provider"),
    ("/committee/applications/x/screen", "secretariat"),
    ("/committee/applications/x/request-info", "secretariat"),
    ("/committee/applications/x/complete", "secretariat"),
    ("/committee/applications/x/assign", "secretariat"),
    ("/committee/applications/x/review", "chair"),
    ("/committee/applications/x/recuse", "chair"),
    ("/committee/applications/x/open-vote", "secretariat"),
    ("/committee/applications/x/vote", "chair"),
    ("/committee/applications/x/decide", "chair"),
    ("/committee/connections/x/suspend", "chair"),
    ("/committee/connections/x/reinstate", "chair"),
    ("/committee/connections/x/show-cause", "secretariat"),
    ("/committee/connections/x/decide", "chair"),
    ("/committee/connections/x/verify", "secretariat"),
];

/// Every API route that takes a JSON body.
const JSON_ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/applications"),
    ("PATCH", "/api/v1/applications/{api}"),
    ("POST", "/api/v1/applications/{api}/answers"),
];

const MEGABYTE: usize = 1024 * 1024;

/// A form given a field past its length: who sends it, where, its other fields, and the
/// long one.
/// Who sends which form, its other fields, the long field and that field's limit.
type LongForm<'a> = (
    &'a Person,
    &'a str,
    &'a [(&'a str, &'a str)],
    &'static str,
    usize,
);

struct World {
    app: TestApp,
    inspector: Inspector,
    public: Person,
    public_lo: Person,
    admin: Person,
    provider: Person,
    chair: Person,
    secretariat: Person,
    token: String,
    draft: String,
    api_draft: String,
}

impl World {
    async fn new(app: TestApp) -> World {
        let provider = app.create_user("org_admin", None);
        let provider = Person::signed_in(&app, &provider, Lang::En).await;
        let draft = provider.start_draft().await;
        let token = provider.api_client_token("malformed").await;
        let api_draft = api_draft(&app, &token).await;
        let (admin, chair, secretariat) = (
            app.create_user("admin", None),
            app.create_member("chair", &["legal"]),
            app.create_user("secretariat", None),
        );
        World {
            public: Person::anonymous(&app, Lang::En).await,
            public_lo: Person::anonymous(&app, Lang::Lo).await,
            admin: Person::signed_in(&app, &admin, Lang::En).await,
            chair: Person::signed_in(&app, &chair, Lang::En).await,
            secretariat: Person::signed_in(&app, &secretariat, Lang::En).await,
            provider,
            token,
            draft,
            api_draft,
            inspector: Inspector::default(),
            app,
        }
    }

    fn person(&self, who: &str) -> &Person {
        match who {
            "public" => &self.public,
            "admin" => &self.admin,
            "provider" => &self.provider,
            "chair" => &self.chair,
            "secretariat" => &self.secretariat,
            other => panic!("no person for {other}"),
        }
    }

    fn form_path(&self, pattern: &str) -> String {
        pattern.replace("{draft}", &self.draft)
    }

    /// A raw form body, with this person's CSRF token first, to a form route.
    async fn form_bytes(&self, person: &Person, path: &str, body: Vec<u8>) -> Reply {
        let mut full = format!("csrf={}&", person.csrf()).into_bytes();
        full.extend(body);
        let res = person
            .browser
            .client
            .post(self.app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(full)
            .send()
            .await
            .expect("POST");
        Reply::read(res, &format!("POST {path}")).await
    }

    /// A JSON body to an API route.
    async fn json_bytes(&self, method: &str, path: &str, body: Vec<u8>) -> Reply {
        let path = path.replace("{api}", &self.api_draft);
        let res = reqwest::Client::new()
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                self.app.url(&path),
            )
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("API request");
        Reply::read(res, &format!("{method} {path}")).await
    }

    /// A page refusal: `status`, and the message of `key` in the person's language.
    fn page_refused(
        &self,
        reply: &Reply,
        status: StatusCode,
        key: &str,
        person: &Person,
        what: &str,
    ) {
        assert_eq!(reply.status, status, "{what}: {}", reply.body);
        let message = person.says(key);
        assert!(
            says(&reply.body, &message),
            "{what}: {message:?} is not said"
        );
        self.inspector.inert(what, &reply.body);
    }

    /// An API refusal: `status`, as a problem document with the code of `key`.
    fn problem(&self, reply: &Reply, status: StatusCode, key: &str, what: &str) {
        assert_eq!(reply.status, status, "{what}: {}", reply.body);
        assert_eq!(reply.content_type, "application/problem+json", "{what}");
        let problem = self.inspector.json("API: problem", &reply.body, &[]);
        assert_eq!(
            problem["code"],
            key.trim_start_matches("error-"),
            "{what}: {}",
            reply.body
        );
    }

    /// A megabyte to every form and every JSON route, and to the token endpoint.
    async fn megabytes(&self) {
        let big = format!("address={}", "x".repeat(MEGABYTE)).into_bytes();
        for (pattern, who) in FORM_ROUTES {
            let person = self.person(who);
            let reply = self
                .form_bytes(person, &self.form_path(pattern), big.clone())
                .await;
            self.page_refused(
                &reply,
                StatusCode::PAYLOAD_TOO_LARGE,
                "error-payload-too-large",
                person,
                &format!("a megabyte to {pattern}"),
            );
        }
        let reply = self
            .form_bytes(&self.public_lo, "/password/forgot", big.clone())
            .await;
        self.page_refused(
            &reply,
            StatusCode::PAYLOAD_TOO_LARGE,
            "error-payload-too-large",
            &self.public_lo,
            "a megabyte, in Lao",
        );
        let json = format!(
            "{{\"kind\":\"new\",\"fields\":{{\"redundancy\":\"{}\"}}}}",
            "x".repeat(MEGABYTE)
        );
        for (method, path) in JSON_ROUTES {
            let reply = self
                .json_bytes(method, path, json.clone().into_bytes())
                .await;
            self.problem(
                &reply,
                StatusCode::PAYLOAD_TOO_LARGE,
                "error-payload-too-large",
                &format!("a megabyte of JSON to {path}"),
            );
        }
        let res = reqwest::Client::new()
            .post(self.app.url("/api/v1/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big)
            .send()
            .await
            .expect("token");
        let reply = Reply::read(res, "token").await;
        self.problem(
            &reply,
            StatusCode::PAYLOAD_TOO_LARGE,
            "error-payload-too-large",
            "a megabyte to the token endpoint",
        );
    }

    /// Fields past their length, inside the body limit: the form comes back with what
    /// was typed and the problem beside the field; the API names the field.
    async fn long_fields(&self) {
        let long = "ລ".repeat(20_000);
        let forms: [LongForm; 4] = [
            (
                &self.admin,
                "/admin/organisations",
                &[("slug", "long-one"), ("name_lo", "ຍາວ"), ("asns", "")],
                "name_en",
                200,
            ),
            (
                &self.provider,
                "/organisation/invite",
                &[
                    ("email", "long@example.la"),
                    ("role", "applicant"),
                    ("language", "lo"),
                ],
                "name",
                200,
            ),
            (
                &self.provider,
                "/organisation/api-clients",
                &[("user_id", self.provider.user_id())],
                "name",
                100,
            ),
            (
                &self.provider,
                &format!("/applications/{}/edit", self.draft),
                &[("intent", "save")],
                "counterparty_name",
                200,
            ),
        ];
        for (person, path, fixed, field, max) in forms {
            let mut fields = fixed.to_vec();
            fields.push((field, &long));
            let reply = person
                .post(path, &fields)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY, path);
            self.inspector.page(
                &format!("{path} refused"),
                &reply.body,
                &[Expect::new(0, "long field", long.clone())],
            );
            let problem = text_of(&reply.body, &format!("#e-{field}"))
                .or_else(|| text_of(&reply.body, ".field-error"))
                .unwrap_or_default();
            let limit = max.to_string();
            let named = interconnect_registry::i18n::t_args(
                person.lang,
                "error-too-long-max",
                &[("max", &limit)],
            );
            assert_eq!(problem, named, "{path}");
        }
        let body = serde_json::json!({ "fields": { "counterparty_name": long } });
        let reply = self
            .json_bytes(
                "PATCH",
                "/api/v1/applications/{api}",
                body.to_string().into_bytes(),
            )
            .await
            .expect(
                StatusCode::UNPROCESSABLE_ENTITY,
                "a long field over the API",
            );
        let problem = self.inspector.json("API: problem", &reply.body, &[]);
        assert_eq!(problem["errors"][0]["field"], "counterparty_name");
        assert_eq!(problem["errors"][0]["code"], "too-long");
        let detail = problem["errors"][0]["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("200"), "the API names the limit: {detail}");
    }

    /// Very long query strings, paths and headers.
    async fn long_requests(&self) {
        let q = "q".repeat(8 * 1024);
        let reply = self
            .public
            .get(&format!("/registry?q={q}"))
            .await
            .expect(StatusCode::OK, "an 8 KB search");
        self.inspector.inert("public: long search", &reply.body);
        let reply = self
            .public
            .get(&format!("/api/v1/registry?q={q}"))
            .await
            .expect(StatusCode::OK, "an 8 KB search over the API");
        self.inspector.json("API: registry", &reply.body, &[]);
        for (what, request) in [
            (
                "a 100 KB query string",
                format!(
                    "GET /registry?q={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    "q".repeat(100 * 1024)
                ),
            ),
            (
                "a 100 KB path",
                format!(
                    "GET /registry/{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    "n".repeat(100 * 1024)
                ),
            ),
            (
                "a 64 KB cookie",
                format!(
                    "GET /dashboard HTTP/1.1\r\nHost: x\r\nCookie: ir_session={}\r\nConnection: close\r\n\r\n",
                    "c".repeat(64 * 1024)
                ),
            ),
            (
                "a 20 KB language header",
                format!(
                    "GET / HTTP/1.1\r\nHost: x\r\nAccept-Language: {}\r\nConnection: close\r\n\r\n",
                    "lo;q=0.5, ".repeat(2000)
                ),
            ),
            (
                "a 20 KB bearer token",
                format!(
                    "GET /api/v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
                    "t".repeat(20 * 1024)
                ),
            ),
            (
                "a thousand headers",
                format!(
                    "GET / HTTP/1.1\r\nHost: x\r\n{}Connection: close\r\n\r\n",
                    (0..1000)
                        .map(|i| format!("X-H{i}: v\r\n"))
                        .collect::<String>()
                ),
            ),
        ] {
            let (status, _) = raw_request(&self.app, request.as_bytes()).await;
            assert!((200..500).contains(&status), "{what}: {status}");
            self.inspector.response("raw response", what);
        }
        let res = reqwest::Client::new()
            .get(self.app.url("/api/v1/applications"))
            .bearer_auth("t".repeat(8 * 1024))
            .send()
            .await
            .expect("long token");
        let reply = Reply::read(res, "a long bearer token").await;
        self.problem(
            &reply,
            StatusCode::UNAUTHORIZED,
            "error-bearer-required",
            "a long bearer token",
        );
    }

    /// Bytes that are not UTF-8, wherever text comes in.
    async fn not_utf8(&self) {
        for body in [
            b"name_en=\xff\xfe".to_vec(),
            b"name_en=%FF%FE".to_vec(),
            b"%C0%AF=x".to_vec(),
        ] {
            let reply = self
                .form_bytes(&self.admin, "/admin/organisations", body)
                .await;
            self.page_refused(
                &reply,
                StatusCode::BAD_REQUEST,
                "error-not-utf8",
                &self.admin,
                "a form that is not UTF-8",
            );
        }
        let reply = self
            .form_bytes(&self.public_lo, "/password/forgot", b"email=%FF".to_vec())
            .await;
        self.page_refused(
            &reply,
            StatusCode::BAD_REQUEST,
            "error-not-utf8",
            &self.public_lo,
            "a form that is not UTF-8, in Lao",
        );
        for (pattern, who) in FORM_ROUTES {
            let person = self.person(who);
            let reply = self
                .form_bytes(
                    person,
                    &self.form_path(pattern),
                    b"reason=%ED%A0%80&answer=\xc3".to_vec(),
                )
                .await;
            self.page_refused(
                &reply,
                StatusCode::BAD_REQUEST,
                "error-not-utf8",
                person,
                &format!("not UTF-8 to {pattern}"),
            );
        }
        let res = reqwest::Client::new()
            .post(self.app.url("/api/v1/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"grant_type=client_credentials&client_id=%FF&client_secret=\xfe".to_vec())
            .send()
            .await
            .expect("token");
        let reply = Reply::read(res, "token").await;
        assert!(
            reply.status.is_client_error(),
            "token not UTF-8: {}",
            reply.status
        );
        self.inspector.json("API: token refused", &reply.body, &[]);

        for (public, path) in [
            (&self.public, "/registry?q=%FF%FE"),
            (&self.public_lo, "/registry?q=%FF%FE"),
            (&self.public, "/verify?token=%C3%28"),
            (&self.public, "/sign-in?next=%FF"),
            (&self.public, "/registry.csv?provider=%80"),
        ] {
            let reply = public.get(path).await;
            self.page_refused(
                &reply,
                StatusCode::BAD_REQUEST,
                "error-malformed-query",
                public,
                path,
            );
        }
        let reply = self.public.get("/api/v1/registry?q=%FF").await;
        self.problem(
            &reply,
            StatusCode::BAD_REQUEST,
            "error-malformed-query",
            "API query",
        );
        for path in ["/registry/%FF%FE", "/verify/%C3%28", "/api/v1/registry/%FF"] {
            let reply = self.public.get(path).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        }
        for path in [
            "/applications/%FF".to_string(),
            format!("/applications/{}/%FF", self.draft),
        ] {
            let reply = self.provider.get(&path).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        }

        for (what, body) in [
            (
                "JSON that is not UTF-8",
                b"{\"kind\":\"\xff\xfe\"}".to_vec(),
            ),
            (
                "JSON with a lone surrogate",
                br#"{"kind":"\ud800"}"#.to_vec(),
            ),
            ("JSON cut short", br#"{"kind":"new","fields":{"#.to_vec()),
            (
                "JSON of the wrong shape",
                br#"{"kind":["new"],"declaration_accepted":"yes"}"#.to_vec(),
            ),
            (
                "JSON with an unknown field",
                br#"{"kind":"new","admin":true}"#.to_vec(),
            ),
            (
                "JSON nested a hundred thousand deep",
                "[".repeat(100_000).into_bytes(),
            ),
            (
                "JSON with a huge number",
                format!(
                    "{{\"kind\":\"new\",\"declaration_accepted\":1{}}}",
                    "0".repeat(5000)
                )
                .into_bytes(),
            ),
            ("an empty body", Vec::new()),
        ] {
            for (method, path) in JSON_ROUTES {
                let reply = self.json_bytes(method, path, body.clone()).await;
                self.problem(
                    &reply,
                    StatusCode::BAD_REQUEST,
                    "error-malformed-json",
                    &format!("{what} to {path}"),
                );
            }
        }

        let raw: [(&str, &[u8]); 6] = [
            ("a query that is not UTF-8", b"GET /registry?q=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            ("a path that is not UTF-8", b"GET /registry/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            ("a cookie that is not UTF-8", b"GET /dashboard HTTP/1.1\r\nHost: x\r\nCookie: ir_session=\xff\xfe; ir_lang=\xc3\x28; ir_flash=\xff\r\nConnection: close\r\n\r\n"),
            ("a language that is not UTF-8", b"GET / HTTP/1.1\r\nHost: x\r\nAccept-Language: \xff\xfe\r\nConnection: close\r\n\r\n"),
            ("a bearer token that is not UTF-8", b"GET /api/v1/applications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\nConnection: close\r\n\r\n"),
            ("basic credentials that are not UTF-8", b"POST /api/v1/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic /+7/\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\nConnection: close\r\n\r\ngrant_type=client_credentials"),
        ];
        for (what, request) in raw {
            let (status, response) = raw_request(&self.app, request).await;
            assert!((200..500).contains(&status), "{what}: {status}\n{response}");
            self.inspector.response("raw response", what);
        }
    }
}

#[tokio::test]
async fn over_long_and_non_utf8_input_is_refused_by_name_and_never_fails() {
    let app = TestApp::spawn_with(&[("API_TOKENS_PER_MINUTE", "1000")]).await;
    let world = World::new(app).await;
    world.megabytes().await;
    world.long_fields().await;
    world.long_requests().await;
    world.not_utf8().await;
    println!(
        "{}",
        world.inspector.report("Over-long and non-UTF-8 input")
    );
}

/// Sends headers announcing `Content-Length: 100000` and the start of a body, then nothing;
/// returns the status the server answered (0 for none) and how long until it closed the
/// connection, or `None` if it was still open after `patience`.
async fn stalled_body(
    app: &TestApp,
    method_and_path: &str,
    headers: &str,
    start: &str,
    patience: std::time::Duration,
) -> (u16, Option<std::time::Duration>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let request = format!(
        "{method_and_path} HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: 100000\r\n\r\n{start}"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let started = std::time::Instant::now();
    let mut response = Vec::new();
    let closed = tokio::time::timeout(patience, stream.read_to_end(&mut response))
        .await
        .is_ok();
    let status = String::from_utf8_lossy(&response)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, closed.then(|| started.elapsed()))
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_answered_408_and_its_connection_closed() {
    let app = TestApp::spawn_with(&[("BODY_TIMEOUT_SECONDS", "2")]).await;
    let organisation = app.create_organisation("slow-provider");
    let provider = app.create_user("org_admin", Some(&organisation));
    let provider = Person::signed_in(&app, &provider, Lang::En).await;
    let token = provider.api_client_token("slow body").await;
    let draft = api_draft(&app, &token).await;
    let form = "Content-Type: application/x-www-form-urlencoded\r\n".to_string();
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let json = format!("{bearer}Content-Type: application/json\r\n");
    let multipart = format!(
        "{bearer}Content-Type: multipart/form-data; boundary=slow-body-boundary-0123456789\r\n"
    );
    // A form, raw bytes, JSON and an upload, each read by its own extractor; then two
    // requests whose body is never read (refused before it, or no such page), which the
    // server closes at once.
    let attachments = format!("POST /api/v1/applications/{draft}/attachments");
    let (field, part) = (
        "email=a%40b",
        "--slow-body-boundary-0123456789\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.pdf\"\r\n\r\n%PDF",
    );
    let stalls = [
        ("POST /sign-in", &form, field, 408),
        ("POST /api/v1/token", &form, field, 408),
        ("POST /api/v1/applications", &json, "{\"kind\":", 408),
        (attachments.as_str(), &multipart, part, 408),
        ("POST /api/v1/applications/x/attachments", &form, field, 401),
        ("POST /nowhere", &form, field, 404),
    ];
    let patience = std::time::Duration::from_secs(10);
    let answers =
        futures_util::future::join_all(stalls.iter().map(|(request, headers, start, _)| {
            stalled_body(&app, request, headers, start, patience)
        }))
        .await;
    for ((request, _, _, expected), (status, closed)) in stalls.iter().zip(answers) {
        let closed = closed.unwrap_or_else(|| panic!("{request}: still open after {patience:?}"));
        assert_eq!(status, *expected, "{request}");
        if status == 408 {
            assert!(
                closed >= std::time::Duration::from_millis(1900),
                "{request}: cut off after {closed:?}, before the timeout"
            );
        }
        assert!(
            closed < std::time::Duration::from_secs(6),
            "{request}: open for {closed:?}"
        );
    }
}
