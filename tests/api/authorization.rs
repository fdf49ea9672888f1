//! Walks every route with every role (and anonymously): allowed roles get through, the rest
//! get 403, and anonymous visitors to protected routes are sent to sign in.

use reqwest::StatusCode;

use crate::helpers::{TestApp, TestUser, location};

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

struct Route {
    method: &'static str,
    /// `{user}` and `{org}` are replaced by a target user's and organisation's ids.
    path: &'static str,
    form: &'static [(&'static str, &'static str)],
    allowed: &'static [&'static str],
}

const fn get(path: &'static str, allowed: &'static [&'static str]) -> Route {
    Route {
        method: "GET",
        path,
        form: &[],
        allowed,
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
    }
}

/// Every route the application serves. Sign-out comes last: it ends the session.
const ROUTES: &[Route] = &[
    get("/livez", EVERYONE),
    get("/healthz", EVERYONE),
    get("/static/app.css", EVERYONE),
    get("/", EVERYONE),
    get("/sign-in", EVERYONE),
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
    get("/admin/organisations", ADMIN),
    get("/admin/organisations/new", ADMIN),
    post("/admin/organisations", &[("slug", "")], ADMIN),
    get("/admin/organisations/{org}", ADMIN),
    get("/admin/organisations/{org}/edit", ADMIN),
    post("/admin/organisations/{org}/edit", &[("name_en", "")], ADMIN),
    get("/admin/audit", AUDIT_READERS),
    post("/sign-out", &[], SIGNED_IN),
];

async fn check(
    app: &TestApp,
    role: &str,
    route: &Route,
    target: &TestUser,
    org_id: &str,
) -> Option<String> {
    let path = route
        .path
        .replace("{user}", &target.id)
        .replace("{org}", org_id);
    let res = match route.method {
        "GET" => app.get(&path).await,
        _ => app.post(&path, route.form).await,
    };
    let status = res.status();
    let to_sign_in = status == StatusCode::SEE_OTHER && location(&res).starts_with("/sign-in");
    let allowed = route.allowed.contains(&role);
    let ok = if allowed {
        !status.is_server_error()
            && status != StatusCode::FORBIDDEN
            && status != StatusCode::UNAUTHORIZED
            && !to_sign_in
            || (route.path == "/sign-in" && status.is_success())
    } else if role == "anonymous" {
        to_sign_in
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

#[tokio::test]
async fn every_route_admits_exactly_the_roles_it_serves() {
    let app = TestApp::spawn().await;
    let target = app.create_user("reviewer", None);
    let org = app.create_organisation("target-org");
    let mut failures = Vec::new();

    for role in std::iter::once("anonymous").chain(ROLES) {
        let browser = app.another_browser();
        if role != "anonymous" {
            let user = browser.create_user(role, None);
            browser.sign_in_as(&user).await;
        }
        for route in ROUTES {
            if let Some(failure) = check(&browser, role, route, &target, &org.id).await {
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
