//! SQL metacharacters (quotes, comment and statement separators, `LIKE` wildcards,
//! backslashes, typographic quotes, NUL and other control characters) in every filter and
//! search parameter, every record id in a path, every id a form names and the key id of a
//! pasted certificate. A search matches them literally; a
//! filter that takes only known values refuses them by name; nothing gives a 5xx, and
//! the database is intact afterwards.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use interconnect_registry::db::models::connection::{self as connection_db, NewConnection};
use interconnect_registry::domain::language::Lang;
use reqwest::StatusCode;
use serde_json::json;

use super::corpus::SQL_METACHARACTERS;
use super::inspect::{Inspector, says};
use super::{Person, Reply};
use crate::helpers::TestApp;
use crate::workflow_helpers::{PDF, complete_fields};

/// Every route with a record id or token in its path, with the form it posts (if any)
/// and who may reach its handler. `{id}` and `{sub}` are replaced by the attack.
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/registry/{id}", "public"),
    ("GET", "/registry/{id}/certificate", "public"),
    ("GET", "/verify/{id}", "public"),
    ("GET", "/api/v1/registry/{id}", "public"),
    ("GET", "/password/reset/{id}", "public"),
    ("POST", "/password/reset/{id}", "public"),
    ("GET", "/invitation/{id}", "public"),
    ("POST", "/invitation/{id}", "public"),
    ("GET", "/admin/users/{id}", "admin"),
    ("POST", "/admin/users/{id}", "admin"),
    ("POST", "/admin/users/{id}/deactivate", "admin"),
    ("POST", "/admin/users/{id}/reactivate", "admin"),
    ("POST", "/admin/users/{id}/two-factor/reset", "admin"),
    ("GET", "/admin/organisations/{id}", "admin"),
    ("GET", "/admin/organisations/{id}/edit", "admin"),
    ("POST", "/admin/organisations/{id}/edit", "admin"),
    ("POST", "/admin/outbox/{id}/retry", "admin"),
    ("POST", "/organisation/api-clients/{id}/rotate", "provider"),
    ("POST", "/organisation/api-clients/{id}/revoke", "provider"),
    ("GET", "/applications/{id}", "provider"),
    ("GET", "/applications/{id}/edit", "provider"),
    ("POST", "/applications/{id}/edit", "provider"),
    ("GET", "/applications/{id}/attachments/{sub}", "provider"),
    (
        "POST",
        "/applications/{id}/attachments/{sub}/delete",
        "provider",
    ),
    ("POST", "/applications/{id}/answer", "provider"),
    ("POST", "/applications/{id}/withdraw", "provider"),
    ("GET", "/connections/{id}", "provider"),
    ("POST", "/connections/{id}/answer", "provider"),
    ("POST", "/connections/{id}/disconnected", "provider"),
    ("GET", "/connections/{id}/files/{sub}", "provider"),
    ("GET", "/committee/applications/{id}", "secretariat"),
    ("POST", "/committee/applications/{id}/screen", "secretariat"),
    (
        "POST",
        "/committee/applications/{id}/request-info",
        "secretariat",
    ),
    (
        "POST",
        "/committee/applications/{id}/complete",
        "secretariat",
    ),
    ("POST", "/committee/applications/{id}/assign", "secretariat"),
    (
        "POST",
        "/committee/applications/{id}/open-vote",
        "secretariat",
    ),
    ("POST", "/committee/applications/{id}/review", "chair"),
    ("POST", "/committee/applications/{id}/recuse", "chair"),
    ("POST", "/committee/applications/{id}/vote", "chair"),
    ("POST", "/committee/applications/{id}/decide", "chair"),
    ("GET", "/committee/connections/{id}", "secretariat"),
    ("POST", "/committee/connections/{id}/suspend", "chair"),
    ("POST", "/committee/connections/{id}/reinstate", "chair"),
    (
        "POST",
        "/committee/connections/{id}/show-cause",
        "secretariat",
    ),
    ("POST", "/committee/connections/{id}/decide", "chair"),
    ("POST", "/committee/connections/{id}/verify", "secretariat"),
    ("GET", "/api/v1/applications/{id}", "bearer"),
    ("PATCH", "/api/v1/applications/{id}", "bearer"),
    ("POST", "/api/v1/applications/{id}/submit", "bearer"),
    ("POST", "/api/v1/applications/{id}/withdraw", "bearer"),
    ("POST", "/api/v1/applications/{id}/answers", "bearer"),
];

/// A form that reaches each handler's workflow: every field any action reads, each
/// holding the attack.
const FORM_FIELDS: &[&str] = &[
    "reason",
    "answer",
    "evidence",
    "notice",
    "days",
    "outcome",
    "disconnection_days",
    "questions",
    "reviewer_id",
    "domain",
    "assignment_id",
    "recommendation",
    "comments",
    "choice",
    "legal_basis",
    "validity_months",
    "name",
    "email",
    "role",
    "organisation_id",
    "password",
    "password_confirmation",
    "session",
    "code",
    "next",
];

fn percent(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

struct World {
    app: TestApp,
    inspector: Inspector,
    public: Person,
    public_lo: Person,
    admin: Person,
    provider: Person,
    secretariat: Person,
    chair: Person,
    reviewer: Person,
    /// An application in review, with the reviewer assigned.
    in_review: String,
    token: String,
    /// Every seeded connection's approval number and search text.
    rows: Vec<(String, String)>,
}

impl World {
    async fn new(app: TestApp) -> World {
        let organisation = app.create_organisation("meta-provider");
        let provider_user = app.create_user("org_admin", Some(&organisation));
        let provider = Person::signed_in(&app, &provider_user, Lang::En).await;
        let application = provider.start_draft().await;
        let token = provider.api_client_token("filters").await;
        let rows = seed(&app, &application, &organisation.id);
        let chair = app.create_member("chair", &["legal"]);
        let reviewer = app.create_member("reviewer", &["technical"]);
        let (admin, secretariat) = (
            app.create_user("admin", None),
            app.create_user("secretariat", None),
        );
        let secretariat = Person::signed_in(&app, &secretariat, Lang::En).await;
        let in_review = in_review(&provider, &secretariat, &reviewer.id).await;
        World {
            reviewer: Person::signed_in(&app, &reviewer, Lang::En).await,
            in_review,
            public: Person::anonymous(&app, Lang::En).await,
            public_lo: Person::anonymous(&app, Lang::Lo).await,
            admin: Person::signed_in(&app, &admin, Lang::En).await,
            secretariat,
            chair: Person::signed_in(&app, &chair, Lang::En).await,
            provider,
            token,
            rows,
            inspector: Inspector::default(),
            app,
        }
    }

    /// The approval numbers a search for `q` should find: every row whose text holds it,
    /// literally.
    fn expected(&self, q: &str) -> BTreeSet<String> {
        let q = q.trim().to_lowercase();
        self.rows
            .iter()
            .filter(|(_, text)| text.contains(&q))
            .map(|(number, _)| number.clone())
            .collect()
    }

    /// The free-text search on the page, over the API and in both exports.
    async fn search(&self, attack: &str) {
        let q = percent(attack);
        let refused = attack.contains('\0');
        let reply = self.public.get(&format!("/registry?q={q}")).await;
        if refused {
            self.refused(&reply, "registry search", &self.public);
            return;
        }
        let reply = reply.expect(StatusCode::OK, "registry search");
        self.inspector.inert("public: registry search", &reply.body);
        let api = self
            .public
            .get(&format!("/api/v1/registry?limit=200&q={q}"))
            .await
            .expect(StatusCode::OK, "API registry search");
        let page = self.inspector.json("API: registry search", &api.body, &[]);
        let found: BTreeSet<String> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["approval_number"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(found, self.expected(attack), "a search for {attack:?}");
        for path in ["/registry.csv", "/api/v1/registry.csv"] {
            let reply = self
                .public
                .get(&format!("{path}?q={q}"))
                .await
                .expect(StatusCode::OK, path);
            let rows = self.inspector.csv(path, &reply.body, &[]);
            assert_eq!(rows.len() - 1, found.len(), "{path} for {attack:?}");
        }
        let reply = self
            .public
            .get(&format!("/registry.json?q={q}"))
            .await
            .expect(StatusCode::OK, "JSON export");
        let export = self.inspector.json("export: JSON", &reply.body, &[]);
        assert_eq!(export.as_array().map(Vec::len), Some(found.len()));
        let reply = self
            .public
            .get(&format!("/registry?provider={q}"))
            .await
            .expect(StatusCode::OK, "provider filter");
        self.inspector
            .inert("public: registry by provider", &reply.body);
    }

    /// A refusal a person reads: a 400 page naming the problem in their language.
    fn refused(&self, reply: &Reply, what: &str, person: &Person) {
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            reply.body
        );
        let problem = person.says("error-malformed-query");
        assert!(
            says(&reply.body, &problem),
            "{what}: the refusal does not say {problem:?}"
        );
        self.inspector.inert(what, &reply.body);
    }

    /// Filters that take only known values refuse anything else by name, on the page,
    /// in both languages, and over the API as a problem document.
    async fn known_values(&self, attack: &str) {
        let value = percent(attack);
        for parameter in ["country", "type", "status", "sort", "after"] {
            for public in [&self.public, &self.public_lo] {
                let reply = public.get(&format!("/registry?{parameter}={value}")).await;
                self.refused(&reply, &format!("registry {parameter}"), public);
            }
            for path in ["/api/v1/registry", "/api/v1/registry.csv", "/registry.csv"] {
                if parameter == "after" && path.ends_with(".csv") {
                    // An export is the whole filtered set; it takes no cursor.
                    continue;
                }
                let reply = self
                    .public
                    .get(&format!("{path}?{parameter}={value}"))
                    .await;
                assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} {parameter}");
                if path.starts_with("/api/") {
                    assert_eq!(reply.content_type, "application/problem+json");
                    let problem = self.inspector.json("API: problem", &reply.body, &[]);
                    assert_eq!(problem["code"], "malformed-query", "{}", reply.body);
                }
            }
        }
        let reply = self
            .public
            .get(&format!("/api/v1/registry?limit={value}"))
            .await
            .expect(StatusCode::BAD_REQUEST, "API limit");
        assert_eq!(reply.content_type, "application/problem+json");
        // A cursor that decodes, holding the attack where the record id goes.
        for cursor in [
            format!("n|1700000000000000|{attack}"),
            format!("e|2030-01-01|{attack}"),
        ] {
            let sort = if cursor.starts_with('e') {
                "expiry"
            } else {
                "newest"
            };
            let token = URL_SAFE_NO_PAD.encode(cursor);
            let reply = self
                .public
                .get(&format!("/api/v1/registry?sort={sort}&after={token}"))
                .await;
            assert!(
                reply.status == StatusCode::OK || reply.status == StatusCode::BAD_REQUEST,
                "a cursor holding {attack:?}: {}",
                reply.status
            );
            self.inspector.json("API: registry page", &reply.body, &[]);
        }
    }

    /// The staff's filters: the audit log's page, the outbox's status and page, the
    /// committee's lists' searches, and query parameters the provider's lists do not take.
    async fn staff_filters(&self, attack: &str) {
        let value = percent(attack);
        // Values the lists only take from a fixed set, and cursors they made themselves.
        for (person, path) in [
            (&self.admin, format!("/admin/audit?before={value}")),
            (&self.admin, format!("/admin/audit?from={value}")),
            (&self.admin, format!("/admin/users?role={value}")),
            (&self.secretariat, format!("/committee?status={value}")),
            (&self.secretariat, format!("/committee?after={value}")),
            (
                &self.secretariat,
                format!("/committee/connections?need={value}"),
            ),
        ] {
            let reply = person.get(&path).await;
            self.refused(&reply, &path, person);
        }
        let nul = attack.contains('\0');
        let outbox = [
            format!("status={value}"),
            format!("before={value}"),
            format!("status={value}&before={value}"),
        ];
        let pages = outbox
            .iter()
            .map(|query| (&self.admin, format!("/admin/outbox?{query}")))
            .chain(["/applications", "/connections"].iter().map(|path| {
                (
                    &self.provider,
                    format!("{path}?status={value}&q={value}&before={value}"),
                )
            }))
            .chain([
                (&self.secretariat, format!("/committee?q={value}")),
                (&self.admin, format!("/admin/users?q={value}")),
                (
                    &self.admin,
                    format!("/admin/audit?actor={value}&action={value}&subject={value}"),
                ),
            ]);
        for (person, path) in pages {
            let reply = person.get(&path).await;
            if nul {
                self.refused(&reply, &path, person);
            } else {
                let reply = reply.expect(StatusCode::OK, &path);
                self.inspector.inert(&path, &reply.body);
            }
        }
    }

    /// The attack as every record id in a path, and in every form field of the action.
    async fn paths(&self, attack: &str) {
        let segment: String =
            percent_encoding::utf8_percent_encode(attack, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let form: Vec<(&str, &str)> = FORM_FIELDS.iter().map(|f| (*f, attack)).collect();
        let api = reqwest::Client::new();
        for (method, pattern, who) in ROUTES {
            let path = pattern.replace("{id}", &segment).replace("{sub}", &segment);
            let what = format!("{method} {pattern} with {attack:?}");
            let reply = match (*method, *who) {
                (_, "bearer") => {
                    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                    let body = if method == reqwest::Method::PATCH {
                        json!({ "fields": { "contact_name": attack } })
                    } else {
                        json!({ "answer": attack })
                    };
                    let mut request = api
                        .request(method.clone(), self.app.url(&path))
                        .bearer_auth(&self.token);
                    if method != reqwest::Method::GET {
                        request = request.json(&body);
                    }
                    let res = request.send().await.expect("API request");
                    let reply = Reply::read(res, &what).await;
                    self.inspector.json("API: problem", &reply.body, &[]);
                    reply
                }
                ("GET", who) => self.person(who).get(&path).await,
                (_, who) => self.person(who).post(&path, &form).await,
            };
            assert!(
                reply.status.is_client_error() || reply.status == StatusCode::SEE_OTHER,
                "{what}: {}",
                reply.status
            );
            if reply.content_type.starts_with("text/html") {
                self.inspector
                    .inert(&format!("{method} {pattern}"), &reply.body);
            }
        }
    }

    /// A pasted certificate whose header names the attack as its key id, and the attack
    /// pasted as it is: a verdict or a refusal by name, never a failed lookup.
    async fn certificates(&self, attack: &str) {
        let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "EdDSA", "kid": attack }).to_string());
        for token in [format!("{header}.e30.AA"), attack.to_string()] {
            let reply = self
                .public
                .get(&format!("/verify?token={}", percent(&token)))
                .await;
            if token.contains('\0') {
                self.refused(&reply, "a pasted certificate", &self.public);
                continue;
            }
            // Text that is no certificate is refused; a certificate gets a verdict.
            let malformed = reply.status == StatusCode::UNPROCESSABLE_ENTITY;
            let (status, key) = if malformed {
                (StatusCode::UNPROCESSABLE_ENTITY, "verify-malformed")
            } else {
                (StatusCode::OK, "verify-not-genuine")
            };
            let reply = reply.expect(status, &format!("verifying {token:?}"));
            assert!(
                says(&reply.body, &self.public.says(key)),
                "verifying {token:?} gives no verdict"
            );
            self.inspector
                .inert("public: certificate verdict", &reply.body);
        }
    }

    fn person(&self, who: &str) -> &Person {
        match who {
            "public" => &self.public,
            "admin" => &self.admin,
            "provider" => &self.provider,
            "secretariat" => &self.secretariat,
            "chair" => &self.chair,
            other => panic!("no person for {other}"),
        }
    }

    /// Ids named in the forms of real records (a reviewer, an assignment, the person an
    /// API client acts for, a user's organisation), and sign-in and token credentials.
    async fn named_ids(&self, attack: &str) {
        let reply = self
            .public
            .post("/sign-in", &[("email", attack), ("password", attack)])
            .await;
        assert!(
            matches!(
                reply.status,
                StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
            ),
            "sign-in as {attack:?}: {}",
            reply.status
        );
        let res = reqwest::Client::new()
            .post(self.app.url("/api/v1/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", attack),
                ("client_secret", attack),
            ])
            .send()
            .await
            .expect("token request");
        let reply = Reply::read(res, "token").await;
        assert!(reply.status.is_client_error(), "token for {attack:?}");
        self.inspector.json("API: token refused", &reply.body, &[]);
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{attack}:{attack}"));
        let res = reqwest::Client::new()
            .post(self.app.url("/api/v1/token"))
            .header("authorization", format!("Basic {basic}"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token request");
        let reply = Reply::read(res, "token with basic credentials").await;
        assert!(reply.status.is_client_error(), "basic token for {attack:?}");

        let reply = self
            .public
            .post("/password/forgot", &[("email", attack)])
            .await;
        assert!(
            reply.status.is_client_error() || reply.status == StatusCode::OK,
            "a reset for {attack:?}: {}",
            reply.status
        );
        self.certificates(attack).await;
        // Cookies are percent-decoded, so each may hold the attack as it is; the page
        // (the sign-in page, followed to) must not fail.
        let cookie = percent(attack);
        let res = reqwest::Client::new()
            .get(self.app.url("/dashboard"))
            .header(
                "cookie",
                format!(
                    "ir_session={cookie}; ir_csrf={cookie}; ir_lang={cookie}; ir_flash={cookie}"
                ),
            )
            .send()
            .await
            .expect("cookies");
        Reply::read(res, "cookies holding the attack").await;

        let case = format!("/committee/applications/{}", self.in_review);
        let reply = self
            .secretariat
            .post(
                &format!("{case}/assign"),
                &[("reviewer_id", attack), ("domain", "technical")],
            )
            .await;
        assert!(
            reply.status.is_client_error(),
            "assigning {attack:?}: {}",
            reply.status
        );
        let reply = self
            .reviewer
            .post(
                &format!("{case}/review"),
                &[
                    ("assignment_id", attack),
                    ("recommendation", "approve"),
                    ("comments", "fine"),
                ],
            )
            .await;
        assert!(
            reply.status.is_client_error(),
            "reviewing {attack:?}: {}",
            reply.status
        );
        for (person, path) in [
            (&self.provider, "/account/sessions/end"),
            (&self.public, "/sign-in/two-factor"),
        ] {
            let reply = person
                .post(
                    path,
                    &[("session", attack), ("code", attack), ("next", attack)],
                )
                .await;
            assert!(
                reply.status.is_client_error() || reply.status == StatusCode::SEE_OTHER,
                "{path} with {attack:?}: {}",
                reply.status
            );
        }
        let reply = self
            .provider
            .post(
                "/organisation/api-clients",
                &[("name", "metacharacters"), ("user_id", attack)],
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY, "API client for nobody");
        self.inspector
            .inert("provider: API client refused", &reply.body);
        let reply = self
            .admin
            .post(
                "/admin/users",
                &[
                    ("email", "meta@example.la"),
                    ("name", "Meta"),
                    ("role", "applicant"),
                    ("organisation_id", attack),
                    ("password", "correct horse battery staple"),
                ],
            )
            .await
            .expect(
                StatusCode::UNPROCESSABLE_ENTITY,
                "a user in no organisation",
            );
        self.inspector.inert("admin: user refused", &reply.body);
    }
}

/// A complete application, submitted, screened, found complete and assigned to
/// `reviewer_id`; returns its id.
async fn in_review(provider: &Person, secretariat: &Person, reviewer_id: &str) -> String {
    let id = provider.start_draft().await;
    for kind in ["network_diagram", "counterparty_contract"] {
        provider
            .upload(
                &format!("/applications/{id}/attachments"),
                kind,
                "d.pdf",
                PDF,
            )
            .await
            .expect(StatusCode::SEE_OTHER, "attachment");
    }
    let fields: Vec<(&str, String)> = complete_fields()
        .into_iter()
        .chain([("intent", "submit".to_string())])
        .collect();
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    provider
        .act(&format!("/applications/{id}/edit"), &form)
        .await;
    let case = format!("/committee/applications/{id}");
    secretariat.act(&format!("{case}/screen"), &[]).await;
    secretariat.act(&format!("{case}/complete"), &[]).await;
    secretariat
        .act(
            &format!("{case}/assign"),
            &[("reviewer_id", reviewer_id), ("domain", "technical")],
        )
        .await;
    id
}

/// Connections whose counterparty holds each metacharacter, and a few plain ones.
fn seed(app: &TestApp, application_id: &str, organisation_id: &str) -> Vec<(String, String)> {
    let mut conn = app.conn();
    let at = chrono::Utc::now().naive_utc() - chrono::TimeDelta::days(30);
    let plain = [
        "Plain Transit",
        "Another Carrier",
        "100% Fibre_Co \\ O'Brien",
    ];
    let names: Vec<String> = SQL_METACHARACTERS
        .iter()
        .filter(|m| !m.contains('\0'))
        .map(|m| format!("Counterparty {m} end"))
        .chain(plain.iter().map(|p| p.to_string()))
        .collect();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let number = format!("IC-2001-{i:05}");
            let text = format!("{number} meta-provider {name} sg").to_lowercase();
            let when = at + chrono::TimeDelta::seconds(i as i64);
            connection_db::insert(
                &mut conn,
                &NewConnection {
                    id: &format!("meta-{i:05}"),
                    approval_number: &number,
                    application_id,
                    organisation_id,
                    status: "active",
                    connection_type: "ip_transit",
                    counterparty_name: name,
                    counterparty_country: "SG",
                    capacity_mbps: 100,
                    endpoint_province: "VT",
                    terms: "{}",
                    conditions: "",
                    valid_from: when.date(),
                    valid_until: when.date() + chrono::TimeDelta::days(365),
                    approved_at: when,
                    status_changed_at: when,
                    search_text: &text,
                    created_at: when,
                    updated_at: when,
                    counterparty_asn: None,
                },
            )
            .unwrap();
            (number, text)
        })
        .collect()
}

/// Rows in the tables an injection would aim at.
fn census(app: &TestApp) -> Vec<i64> {
    use diesel::{QueryDsl, RunQueryDsl};
    use interconnect_registry::db::schema::{connections, organisations, users};
    let mut conn = app.conn();
    let conn: &mut interconnect_registry::db::DbConn = &mut conn;
    vec![
        users::table.count().get_result(conn).expect("users"),
        organisations::table
            .count()
            .get_result(conn)
            .expect("organisations"),
        connections::table
            .count()
            .get_result(conn)
            .expect("connections"),
    ]
}

#[tokio::test]
async fn sql_metacharacters_in_filters_searches_and_ids_are_literal_or_refused_by_name() {
    let app = TestApp::spawn_with(&[("API_TOKENS_PER_MINUTE", "1000")]).await;
    let world = World::new(app).await;
    let before = census(&world.app);
    for attack in SQL_METACHARACTERS {
        world.search(attack).await;
        world.known_values(attack).await;
        world.staff_filters(attack).await;
        world.paths(attack).await;
        world.named_ids(attack).await;
    }
    // The pasted certificate that once gave a 500 on PostgreSQL (its key id is `a`, NUL,
    // `b`), as the tester sent it; the corpus sent the same above.
    let reply = world
        .public
        .get("/verify?token=eyJhbGciOiJFZERTQSIsImtpZCI6ImFcdTAwMDBiIn0.e30.AA")
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY, "a key id holding NUL");
    assert!(says(&reply.body, &world.public.says("verify-malformed")));
    assert_eq!(census(&world.app), before, "nothing was added or removed");
    // The search found what it should, so a wildcard never matched everything.
    assert!(world.expected("%").len() < world.rows.len());
    println!(
        "{}",
        world
            .inspector
            .report("SQL metacharacters in filters and ids")
    );
}
