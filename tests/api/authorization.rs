//! Walks every route with every role (and anonymously): allowed roles get through, the rest
//! get 403, and anonymous visitors to protected routes are sent to sign in.

use reqwest::StatusCode;

use crate::helpers::{TestApp, location};
use crate::workflow_helpers::{Member, PDF, complete_fields, insert_connections};

const ROLES: [&str; 7] = [
    "applicant",
    "org_admin",
    "secretariat",
    "reviewer",
    "chair",
    "auditor",
    "admin",
];
const EVERYONE: &[&str] = &[
    "anonymous",
    "applicant",
    "org_admin",
    "secretariat",
    "reviewer",
    "chair",
    "auditor",
    "admin",
];
const SIGNED_IN: &[&str] = &[
    "applicant",
    "org_admin",
    "secretariat",
    "reviewer",
    "chair",
    "auditor",
    "admin",
];
const PROVIDERS: &[&str] = &["applicant", "org_admin"];
const ORG_ADMIN: &[&str] = &["org_admin"];
const ADMIN: &[&str] = &["admin"];
const AUDIT_READERS: &[&str] = &["auditor", "admin"];
const CASE_READERS: &[&str] = &["secretariat", "reviewer", "chair", "auditor"];
const SECRETARIAT: &[&str] = &["secretariat"];
const MEMBERS: &[&str] = &["reviewer", "chair"];
const CHAIR: &[&str] = &["chair"];
/// Roles that reach an organisation-scoped route but, not being of the owning
/// organisation, must be told "not found" rather than "forbidden".
const OTHER_PROVIDERS: &[&str] = &["applicant", "org_admin"];
const NOBODY: &[&str] = &[];

struct Route {
    /// `GET`, `POST`, or `UPLOAD` (a multipart POST with a file).
    method: &'static str,
    /// `{user}`, `{org}`, `{app}`, `{file}` and `{conn}` are replaced by the ids of a target
    /// user, organisation, application (of another organisation), its attachment and a
    /// connection of that organisation.
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    allowed: &'static [&'static str],
    /// Roles that must get 404 (the record exists but is not theirs to know of).
    not_found: &'static [&'static str],
    /// A JSON API route that takes only a bearer token (or client credentials): a browser
    /// session, whatever its role, gets 401.
    bearer: bool,
}

const fn get(path: &'static str, allowed: &'static [&'static str]) -> Route {
    Route {
        method: "GET",
        path,
        form: &[],
        allowed,
        not_found: &[],
        bearer: false,
    }
}

const fn post(
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    allowed: &'static [&'static str],
) -> Route {
    Route {
        method: "POST",
        path,
        form,
        allowed,
        not_found: &[],
        bearer: false,
    }
}

/// A route of one organisation's own: other providers get 404, everyone else 403.
const fn scoped(
    method: &'static str,
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    not_found: &'static [&'static str],
) -> Route {
    Route {
        method,
        path,
        form,
        allowed: NOBODY,
        not_found,
        bearer: false,
    }
}

/// A JSON API route behind a bearer token.
const fn bearer(method: &'static str, path: &'static str) -> Route {
    Route {
        method,
        path,
        form: &[],
        allowed: NOBODY,
        not_found: &[],
        bearer: true,
    }
}

/// Every route the application serves. Sign-out comes last: it ends the session.
const ROUTES: &[Route] = &[
    get("/livez", EVERYONE),
    get("/healthz", EVERYONE),
    // The operator's token, set for this test, is the only key: no session opens it.
    bearer("GET", "/metrics"),
    get("/.well-known/jwks.json", EVERYONE),
    get("/transparency/checkpoint", EVERYONE),
    get("/transparency/keys", EVERYONE),
    get("/api/v1/openapi.json", EVERYONE),
    get("/api/v1/registry", EVERYONE),
    get("/api/v1/registry.csv", EVERYONE),
    get("/api/v1/registry/IC-1999-00001", EVERYONE),
    Route {
        method: "POST",
        path: "/api/v1/token",
        form: &[("grant_type", "client_credentials")],
        allowed: NOBODY,
        not_found: &[],
        bearer: true,
    },
    bearer("GET", "/api/v1/applications"),
    bearer("POST", "/api/v1/applications"),
    bearer("GET", "/api/v1/applications/{app}"),
    bearer("PATCH", "/api/v1/applications/{app}"),
    bearer("POST", "/api/v1/applications/{app}/submit"),
    bearer("POST", "/api/v1/applications/{app}/withdraw"),
    bearer("UPLOAD", "/api/v1/applications/{app}/attachments"),
    bearer("POST", "/api/v1/applications/{app}/answers"),
    bearer("GET", "/api/v1/connections"),
    get("/verify", EVERYONE),
    get("/registry/revocations.jwt", EVERYONE),
    get("/verify/IC-1999-00001", EVERYONE),
    get("/registry/IC-1999-00001/certificate", EVERYONE),
    get("/static/app.css", EVERYONE),
    get("/", EVERYONE),
    get("/sign-in", EVERYONE),
    post(
        "/sign-in",
        &[
            ("email", "nobody@example.la"),
            ("password", "not the password"),
        ],
        EVERYONE,
    ),
    // The second step of a sign-in: without a password step just passed, it sends anyone
    // to sign in.
    get("/sign-in/two-factor", EVERYONE),
    post("/sign-in/two-factor", &[("code", "000000")], EVERYONE),
    post("/language", &[("lang", "en"), ("next", "/")], EVERYONE),
    get("/dashboard", SIGNED_IN),
    get("/organisation", PROVIDERS),
    get("/organisation/edit", ORG_ADMIN),
    post(
        "/organisation/edit",
        &[
            ("name_en", "Renamed Co."),
            ("name_lo", "ບໍລິສັດ"),
            ("asns", "AS151234"),
        ],
        ORG_ADMIN,
    ),
    get("/admin/users", ADMIN),
    get("/admin/users/new", ADMIN),
    post("/admin/users", &[("email", "not-an-email")], ADMIN),
    get("/admin/users/{user}", ADMIN),
    post("/admin/users/{user}", &[("email", "bad")], ADMIN),
    post("/admin/users/{user}/deactivate", &[], ADMIN),
    post("/admin/users/{user}/reactivate", &[], ADMIN),
    post("/admin/users/{user}/two-factor/reset", &[], ADMIN),
    get("/admin/organisations", ADMIN),
    get("/admin/organisations/new", ADMIN),
    post("/admin/organisations", &[("slug", "")], ADMIN),
    get("/admin/organisations/{org}", ADMIN),
    get("/admin/organisations/{org}/edit", ADMIN),
    post("/admin/organisations/{org}/edit", &[("name_en", "")], ADMIN),
    get("/admin/audit", AUDIT_READERS),
    get("/admin/audit/checkpoint", AUDIT_READERS),
    get("/admin/outbox", ADMIN),
    post("/admin/outbox/none/retry", &[], ADMIN),
    get("/account", SIGNED_IN),
    get("/account/two-factor", SIGNED_IN),
    post("/account/two-factor", &[("code", "000000")], SIGNED_IN),
    post(
        "/account/recovery-codes.txt",
        &[("codes", "abcde-fghij")],
        SIGNED_IN,
    ),
    post(
        "/account/password",
        &[("current_password", "not the password")],
        SIGNED_IN,
    ),
    post("/account/sessions/end", &[("session", "none")], SIGNED_IN),
    post(
        "/account/notifications",
        &[("committee_digest", "false")],
        SIGNED_IN,
    ),
    get("/password/forgot", EVERYONE),
    post(
        "/password/forgot",
        &[("email", "nobody@example.la")],
        EVERYONE,
    ),
    get("/password/reset/none.00", EVERYONE),
    post(
        "/password/reset/none.00",
        &[("password", "x"), ("password_confirmation", "x")],
        EVERYONE,
    ),
    get("/invitation/none.00", EVERYONE),
    post(
        "/invitation/none.00",
        &[("password", "x"), ("password_confirmation", "x")],
        EVERYONE,
    ),
    get("/organisation/invite", ORG_ADMIN),
    post("/organisation/invite", &[("email", "bad")], ORG_ADMIN),
    get("/organisation/api-clients", ORG_ADMIN),
    post("/organisation/api-clients", &[("name", "x")], ORG_ADMIN),
    post("/organisation/api-clients/ic_0/rotate", &[], ORG_ADMIN),
    post("/organisation/api-clients/ic_0/revoke", &[], ORG_ADMIN),
    // Another organisation's change of legal identity: its own administrator alone
    // withdraws it, so any other organisation's administrator is told "not found".
    scoped(
        "POST",
        "/organisation/changes/{change}/withdraw",
        &[],
        ORG_ADMIN,
    ),
    get("/committee/organisation-changes", SECRETARIAT),
    get("/committee/organisation-changes/{change}", SECRETARIAT),
    post(
        "/committee/organisation-changes/{change}/refuse",
        &[("reason", "")],
        SECRETARIAT,
    ),
    post(
        "/committee/organisation-changes/{change}/approve",
        &[],
        SECRETARIAT,
    ),
    get("/applications", PROVIDERS),
    post("/applications", &[("kind", "new")], PROVIDERS),
    scoped("GET", "/applications/{app}", &[], OTHER_PROVIDERS),
    scoped("GET", "/applications/{app}/edit", &[], OTHER_PROVIDERS),
    scoped(
        "POST",
        "/applications/{app}/edit",
        &[("contact_name", "x")],
        OTHER_PROVIDERS,
    ),
    scoped(
        "UPLOAD",
        "/applications/{app}/attachments",
        &[],
        OTHER_PROVIDERS,
    ),
    Route {
        method: "GET",
        path: "/applications/{app}/attachments/{file}",
        form: &[],
        allowed: CASE_READERS,
        not_found: &["applicant", "org_admin", "admin"],
        bearer: false,
    },
    scoped(
        "POST",
        "/applications/{app}/attachments/{file}/delete",
        &[],
        OTHER_PROVIDERS,
    ),
    scoped(
        "POST",
        "/applications/{app}/answer",
        &[("answer", "x")],
        OTHER_PROVIDERS,
    ),
    scoped("POST", "/applications/{app}/withdraw", &[], OTHER_PROVIDERS),
    get("/committee", CASE_READERS),
    get("/committee/applications/{app}", CASE_READERS),
    post("/committee/applications/{app}/screen", &[], SECRETARIAT),
    post(
        "/committee/applications/{app}/request-info",
        &[("questions", "")],
        SECRETARIAT,
    ),
    post("/committee/applications/{app}/complete", &[], SECRETARIAT),
    post(
        "/committee/applications/{app}/assign",
        &[("reviewer_id", "nobody"), ("domain", "legal")],
        SECRETARIAT,
    ),
    post(
        "/committee/applications/{app}/review",
        &[("assignment_id", "none")],
        MEMBERS,
    ),
    post(
        "/committee/applications/{app}/recuse",
        &[("reason", "")],
        MEMBERS,
    ),
    post("/committee/applications/{app}/open-vote", &[], SECRETARIAT),
    post(
        "/committee/applications/{app}/withdraw-review",
        &[("assignment_id", "none")],
        SECRETARIAT,
    ),
    post(
        "/committee/applications/{app}/vote",
        &[("choice", "")],
        MEMBERS,
    ),
    post("/committee/applications/{app}/decide", &[], CHAIR),
    get("/registry", EVERYONE),
    get("/registry.csv", EVERYONE),
    get("/registry.json", EVERYONE),
    get("/registry/IC-2000-00007", EVERYONE),
    get("/statistics", EVERYONE),
    get("/connections", PROVIDERS),
    scoped("GET", "/connections/{conn}", &[], OTHER_PROVIDERS),
    scoped(
        "POST",
        "/connections/{conn}/answer",
        &[("answer", "x")],
        OTHER_PROVIDERS,
    ),
    scoped(
        "POST",
        "/connections/{conn}/disconnected",
        &[("evidence", "x")],
        OTHER_PROVIDERS,
    ),
    scoped("UPLOAD", "/connections/{conn}/files", &[], OTHER_PROVIDERS),
    Route {
        method: "GET",
        path: "/connections/{conn}/files/none",
        form: &[],
        allowed: CASE_READERS,
        not_found: &["applicant", "org_admin", "admin"],
        bearer: false,
    },
    get("/committee/connections", CASE_READERS),
    get("/committee/registry", CASE_READERS),
    get("/committee/connections/{conn}", CASE_READERS),
    post(
        "/committee/connections/{conn}/suspend",
        &[("reason", "")],
        CHAIR,
    ),
    post(
        "/committee/connections/{conn}/reinstate",
        &[("reason", "")],
        CHAIR,
    ),
    post(
        "/committee/connections/{conn}/show-cause",
        &[("notice", "")],
        SECRETARIAT,
    ),
    post(
        "/committee/connections/{conn}/decide",
        &[("outcome", "")],
        CHAIR,
    ),
    post("/committee/connections/{conn}/verify", &[], SECRETARIAT),
    bearer("GET", "/api/v1/findings"),
    get("/committee/monitoring", CASE_READERS),
    get("/committee/monitoring/providers/target-org", CASE_READERS),
    get("/committee/findings", CASE_READERS),
    get("/committee/findings/{finding}", CASE_READERS),
    get("/committee/findings/{finding}/evidence", CASE_READERS),
    Route {
        method: "GET",
        path: "/committee/findings/{finding}/files/none",
        form: &[],
        allowed: CASE_READERS,
        not_found: &["applicant", "org_admin", "admin"],
        bearer: false,
    },
    Route {
        method: "UPLOAD",
        path: "/committee/findings/{finding}/request-explanation",
        form: &[],
        allowed: SECRETARIAT,
        not_found: &[],
        bearer: false,
    },
    Route {
        method: "UPLOAD",
        path: "/committee/findings/{finding}/escalate",
        form: &[],
        allowed: &["secretariat", "chair"],
        not_found: &[],
        bearer: false,
    },
    get("/findings", PROVIDERS),
    scoped("GET", "/findings/{finding}", &[], OTHER_PROVIDERS),
    scoped("UPLOAD", "/findings/{finding}/answer", &[], OTHER_PROVIDERS),
    scoped("POST", "/findings/{finding}/declare", &[], OTHER_PROVIDERS),
    Route {
        method: "GET",
        path: "/findings/{finding}/files/none",
        form: &[],
        allowed: CASE_READERS,
        not_found: &["applicant", "org_admin", "admin"],
        bearer: false,
    },
    get("/committee/cases", CASE_READERS),
    get("/committee/cases/{case}", CASE_READERS),
    Route {
        method: "GET",
        path: "/committee/cases/{case}/evidence",
        form: &[],
        allowed: CASE_READERS,
        not_found: &["applicant", "org_admin", "admin"],
        bearer: false,
    },
    Route {
        method: "GET",
        path: "/committee/cases/{case}/files/none",
        form: &[],
        allowed: CASE_READERS,
        not_found: &["applicant", "org_admin", "admin"],
        bearer: false,
    },
    Route {
        method: "UPLOAD",
        path: "/committee/cases/{case}/decide",
        form: &[],
        allowed: CHAIR,
        not_found: &[],
        bearer: false,
    },
    Route {
        method: "UPLOAD",
        path: "/committee/cases/{case}/verify",
        form: &[],
        allowed: SECRETARIAT,
        not_found: &[],
        bearer: false,
    },
    Route {
        method: "UPLOAD",
        path: "/committee/findings/{finding}/open-case",
        form: &[],
        allowed: &["secretariat", "chair"],
        not_found: &[],
        bearer: false,
    },
    scoped("GET", "/cases/{case}", &[], OTHER_PROVIDERS),
    scoped("UPLOAD", "/cases/{case}/answer", &[], OTHER_PROVIDERS),
    scoped("UPLOAD", "/cases/{case}/confirm", &[], OTHER_PROVIDERS),
    Route {
        method: "GET",
        path: "/cases/{case}/evidence",
        form: &[],
        allowed: CASE_READERS,
        not_found: &["applicant", "org_admin", "admin"],
        bearer: false,
    },
    Route {
        method: "GET",
        path: "/cases/{case}/files/none",
        form: &[],
        allowed: CASE_READERS,
        not_found: &["applicant", "org_admin", "admin"],
        bearer: false,
    },
    post("/sign-out", &[], SIGNED_IN),
];

/// The ids a route's path may name.
struct Targets {
    user: String,
    org: String,
    app: String,
    file: String,
    conn: String,
    change: String,
    finding: String,
    case: String,
}

async fn check(app: &TestApp, role: &str, route: &Route, targets: &Targets) -> Option<String> {
    let path = route
        .path
        .replace("{user}", &targets.user)
        .replace("{org}", &targets.org)
        .replace("{app}", &targets.app)
        .replace("{file}", &targets.file)
        .replace("{conn}", &targets.conn)
        .replace("{change}", &targets.change)
        .replace("{finding}", &targets.finding)
        .replace("{case}", &targets.case);
    let res = match route.method {
        "GET" => app.get(&path).await,
        "PATCH" => app
            .client
            .patch(app.url(&path))
            .json(&serde_json::json!({ "fields": {} }))
            .send()
            .await
            .expect("patch"),
        "UPLOAD" => {
            let form = reqwest::multipart::Form::new()
                .text("csrf", app.csrf().await)
                .text("kind", "other")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("x.pdf"),
                );
            app.client
                .post(app.url(&path))
                .multipart(form)
                .send()
                .await
                .expect("upload")
        }
        _ => app.post(&path, route.form).await,
    };
    let status = res.status();
    let to_sign_in = status == StatusCode::SEE_OTHER && location(&res).starts_with("/sign-in");
    let ok = if route.bearer {
        status == StatusCode::UNAUTHORIZED
    } else if route.allowed.contains(&role) {
        !status.is_server_error()
            && status != StatusCode::FORBIDDEN
            && status != StatusCode::UNAUTHORIZED
            && !to_sign_in
            // The sign-in page itself: a wrong password is answered with the form
            // again (401), which is the page working, not the route refusing.
            || (route.path == "/sign-in"
                && (status.is_success() || status == StatusCode::UNAUTHORIZED))
            // A dead invitation link sends its holder to the sign-in page, as anyone.
            || (route.path.starts_with("/invitation/") && location(&res) == "/sign-in")
            || (route.path == "/sign-in/two-factor" && location(&res) == "/sign-in")
    } else if role == "anonymous" {
        to_sign_in
    } else if route.not_found.contains(&role) {
        status == StatusCode::NOT_FOUND
    } else {
        status == StatusCode::FORBIDDEN
    };
    (!ok).then(|| {
        format!(
            "{role:>12} {} {path}: got {status} {}",
            route.method,
            location(&res)
        )
    })
}

/// A pending change of `org`'s legal identity, proposed in `by`'s name; returns its id.
fn pending_change(app: &TestApp, org: &str, by: &str) -> String {
    use interconnect_registry::db::models::organisation_change::{self, NewOrganisationChange};
    let id = uuid::Uuid::new_v4().to_string();
    organisation_change::insert(
        &mut app.conn(),
        &NewOrganisationChange {
            id: &id,
            organisation_id: org,
            status: "pending",
            name_en: "Renamed Co., Ltd.",
            name_lo: "ບໍລິສັດ ປ່ຽນຊື່",
            registration_number: "01-0000001",
            licence_number: "ISP-2026-001",
            asns: "AS151234",
            previous_name_en: "target-org Co., Ltd.",
            previous_name_lo: "ບໍລິສັດ target-org",
            previous_registration_number: "01-0000001",
            previous_licence_number: "ISP-2026-001",
            previous_asns: "AS151234",
            proposed_by: by,
            proposed_at: chrono::Utc::now().naive_utc(),
        },
    )
    .expect("insert change");
    id
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_it_serves() {
    let app =
        TestApp::spawn_with(&[("METRICS_TOKEN", "metrics-token-0123456789-metrics-token")]).await;
    let owner = Member {
        user: app.create_user("org_admin", None),
        browser: app.another_browser(),
    };
    owner.browser.sign_in_as(&owner.user).await;
    let application = owner.submit_complete_application().await;
    let file = interconnect_registry::db::models::attachment::list_for_application(
        &mut app.conn(),
        &application,
    )
    .unwrap()
    .remove(0)
    .id;
    let owner_org = interconnect_registry::db::models::user::find(&mut app.conn(), &owner.user.id)
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap();
    insert_connections(&app, &application, &owner_org, 7, 1);
    let user = app.create_user("reviewer", None).id;
    let org = app.create_organisation("target-org").id;
    let finding = crate::workflow_helpers::insert_finding(&app, &owner_org);
    let targets = Targets {
        case: crate::workflow_helpers::insert_link_case(&app, &finding, &owner_org, &user),
        finding: interconnect_registry::workflows::findings::url_id(&finding),
        conn: "conn-00007".to_string(),
        change: pending_change(&app, &org, &user),
        user,
        org,
        app: application,
        file,
    };
    let mut failures = Vec::new();

    for role in std::iter::once("anonymous").chain(ROLES) {
        let browser = app.another_browser();
        if role != "anonymous" {
            let user = browser.create_user(role, None);
            browser.sign_in_as(&user).await;
        }
        for route in ROUTES {
            if let Some(failure) = check(&browser, role, route, &targets).await {
                failures.push(failure);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization mismatches:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_provider_sees_only_its_own_organisation() {
    let app = TestApp::spawn().await;
    let mine = app.create_organisation("mine");
    let theirs = app.create_organisation("theirs");
    let me = app.create_user("org_admin", Some(&mine));
    let _them = app.create_user("org_admin", Some(&theirs));
    app.sign_in_as(&me).await;

    let (status, html) = app.page("/organisation").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("mine Co., Ltd."));
    assert!(!html.contains("theirs Co., Ltd."));

    for path in [
        format!("/admin/organisations/{}", theirs.id),
        format!("/admin/organisations/{}/edit", theirs.id),
    ] {
        let (status, html) = app.page(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!html.contains("theirs Co., Ltd."));
    }
    // An edit of "my organisation" can only ever touch mine.
    let res = app
        .post(
            "/organisation/edit",
            &[
                ("name_en", "Mine Renamed"),
                ("name_lo", "ຂອງຂ້ອຍ"),
                ("asns", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let theirs_now =
        interconnect_registry::db::models::organisation::find(&mut app.conn(), &theirs.id)
            .unwrap()
            .unwrap();
    assert_eq!(theirs_now.name_en, "theirs Co., Ltd.");
}

#[tokio::test]
async fn a_draft_is_its_providers_alone_until_it_is_submitted() {
    let app = TestApp::spawn().await;
    let owner = Member {
        user: app.create_user("org_admin", None),
        browser: app.another_browser(),
    };
    owner.browser.sign_in_as(&owner.user).await;
    let draft = owner.start_application("new").await;
    for kind in ["network_diagram", "counterparty_contract"] {
        let res = owner.upload(&draft, kind, "diagram.pdf", PDF).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let mut fields = complete_fields();
    fields.retain(|(name, _)| *name != "counterparty_name");
    fields.push(("counterparty_name", "Mekong Secret Transit".into()));
    let res = owner.save(&draft, &fields, "save").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let file = interconnect_registry::db::models::attachment::list_for_application(
        &mut app.conn(),
        &draft,
    )
    .unwrap()
    .remove(0)
    .id;
    let case = format!("/committee/applications/{draft}");
    let download = format!("/applications/{draft}/attachments/{file}");

    // The provider works on its draft and reads its files.
    assert_eq!(
        owner
            .browser
            .get(&format!("/applications/{draft}"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(owner.browser.get(&download).await.status(), StatusCode::OK);

    // The regulator's staff, who read submitted case files, find nothing yet.
    let mut staff = Vec::new();
    for role in ["secretariat", "reviewer", "chair", "auditor", "admin"] {
        let browser = app.another_browser();
        browser.sign_in_as(&browser.create_user(role, None)).await;
        let (status, html) = browser.page(&case).await;
        let expected = if role == "admin" {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected, "{role} opening the draft");
        assert!(!html.contains("Mekong Secret Transit"), "{role}");
        let res = browser.get(&download).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{role} downloading");
        assert!(!res.bytes().await.unwrap().starts_with(b"%PDF"), "{role}");
        staff.push((role, browser));
    }

    // Submitted, it is before the regulator.
    let res = owner.save(&draft, &fields, "submit").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for (role, browser) in staff.iter().filter(|(role, _)| *role != "admin") {
        let (status, html) = browser.page(&case).await;
        assert_eq!(status, StatusCode::OK, "{role} opening the submitted case");
        assert!(html.contains("Mekong Secret Transit"), "{role}");
        assert_eq!(
            browser.get(&download).await.status(),
            StatusCode::OK,
            "{role}"
        );
    }
}
