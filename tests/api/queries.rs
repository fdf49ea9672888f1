//! Query discipline: every list page runs the same number of SQL statements whether it
//! shows a few rows or many (no query per row), and the registry's page sizes make only a
//! few distinct statements. Statements are counted with diesel's instrumentation, per
//! test database, so tests running beside these do not count.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

use chrono::TimeDelta;
use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
use interconnect_registry::domain::application_form::ApplicationContent;
use interconnect_registry::domain::clock::Clock;
use interconnect_registry::domain::language::Lang;
use interconnect_registry::domain::notification::{MessageKind, Params};
use interconnect_registry::workflows::notify::{Recipient, enqueue};
use interconnect_registry::workflows::{Actor, api_clients, applications};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::workflow_helpers::{Member, insert_connections};

/// What the connections of one database have run.
#[derive(Default)]
struct Recorded {
    statements: usize,
    /// The distinct SQL texts, without their bound values.
    texts: HashSet<String>,
}

/// What has been run so far, by the database each connection was opened on.
static RECORDED: LazyLock<Mutex<HashMap<String, Recorded>>> = LazyLock::new(Default::default);

/// Counts each statement of one connection under the database it opened.
#[derive(Default)]
struct StatementCounter {
    database: Option<String>,
}

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartEstablishConnection { url, .. } => {
                self.database = Some(url.to_string());
            }
            InstrumentationEvent::StartQuery { query, .. } => {
                if let Some(database) = &self.database {
                    let text = query.to_string();
                    let sql = text.split(" -- binds:").next().unwrap_or(&text);
                    let mut recorded = RECORDED.lock().unwrap();
                    let recorded = recorded.entry(database.clone()).or_default();
                    recorded.statements += 1;
                    recorded.texts.insert(sql.to_string());
                }
            }
            _ => {}
        }
    }
}

/// Applies `read` to what each connection to the test database of `app` has recorded.
fn on_database<T>(app: &TestApp, read: impl Fn(&Recorded) -> T) -> Vec<T> {
    let name = app
        .database_url
        .rsplit(['/', '?'])
        .find(|part| part.starts_with("ir_test_"))
        .expect("the test database's name")
        .trim_end_matches(".db")
        .to_string();
    RECORDED
        .lock()
        .unwrap()
        .iter()
        .filter(|(url, _)| url.contains(&name))
        .map(|(_, recorded)| read(recorded))
        .collect()
}

/// Statements run so far on the test database of `app`.
fn statements(app: &TestApp) -> usize {
    on_database(app, |r| r.statements).into_iter().sum()
}

/// The distinct SQL texts run so far on the test database of `app` that contain `part`.
fn sql_texts(app: &TestApp, part: &str) -> HashSet<String> {
    on_database(app, |r| {
        r.texts
            .iter()
            .filter(|t| t.contains(part))
            .cloned()
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// The organisation of a provider user.
fn organisation_of(app: &TestApp, user_id: &str) -> String {
    interconnect_registry::db::models::user::find(&mut app.conn(), user_id)
        .unwrap()
        .unwrap()
        .organisation_id
        .unwrap()
}

/// An organisation admin acting in their organisation.
fn org_admin(user_id: &str, organisation_id: &str) -> Actor {
    Actor {
        id: Some(user_id.to_string()),
        label: "test".into(),
        ip: String::new(),
        role: interconnect_registry::domain::role::Role::parse("org_admin"),
        organisation_id: Some(organisation_id.to_string()),
    }
}

/// The statements one GET of `path` runs (after a first GET, so that nothing is counted
/// that happens only once).
async fn cost(browser: &TestApp, counted: &TestApp, path: &str, bearer: Option<&str>) -> usize {
    let get = || async {
        let mut req = browser.client.get(browser.url(path));
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.bytes().await.unwrap();
    };
    get().await;
    let before = statements(counted);
    get().await;
    statements(counted) - before
}

/// Adds `n` more of every kind of row the list pages show.
fn grow(app: &TestApp, member: &Member, organisation_id: &str, start: i64, n: i64) {
    let mut conn = app.conn();
    let actor = org_admin(&member.user.id, organisation_id);
    let now = app.clock.now();
    let mut application = String::new();
    for _ in 0..n {
        application = applications::create_draft_with_content(
            &mut conn,
            &actor,
            "new",
            &ApplicationContent::default(),
            now,
        )
        .unwrap()
        .id;
        let recipients = [Recipient {
            email: "someone@example.la".into(),
            name: "Someone".into(),
            user_id: None,
            lang: Lang::Lo,
            digest: false,
        }];
        enqueue(
            &mut conn,
            MessageKind::NewApplication,
            &recipients,
            &Params::default(),
            now,
        )
        .unwrap();
        app.create_user("reviewer", None);
    }
    // Submitted and overdue, so they show in every committee queue.
    app.execute(&format!(
        "UPDATE applications SET status = 'submitted', reference = 'APP-2026-' || id, \
         submitted_at = created_at, decision_due_at = '{}' WHERE status = 'draft' AND id <> '{application}'",
        (now - TimeDelta::days(1)).format("%Y-%m-%d %H:%M:%S")
    ));
    insert_connections(app, &application, organisation_id, start, n);
    app.execute(&format!(
        "UPDATE connections SET status = 'suspended' WHERE approval_number >= 'IC-2000-{start:05}'"
    ));
}

#[tokio::test]
async fn list_pages_run_as_many_statements_for_many_rows_as_for_few() {
    set_default_instrumentation(|| Some(Box::new(StatementCounter::default())))
        .expect("instrumentation");
    let app = TestApp::spawn().await;
    let provider = Member {
        user: app.create_user("org_admin", None),
        browser: app.another_browser(),
    };
    provider.browser.sign_in_as(&provider.user).await;
    let organisation_id = organisation_of(&app, &provider.user.id);
    let issued = api_clients::create(
        &mut app.conn(),
        &Actor::command_line(),
        &organisation_id,
        "counter",
        &provider.user.id,
        app.clock.now(),
    )
    .unwrap();
    let token: serde_json::Value = reqwest::Client::new()
        .post(app.url("/api/v1/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &issued.client.id),
            ("client_secret", &issued.secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let viewers: HashMap<&str, TestApp> = ["secretariat", "admin"]
        .into_iter()
        .map(|role| {
            let browser = app.another_browser();
            (role, browser)
        })
        .collect();
    for (role, browser) in &viewers {
        let user = app.create_user(role, None);
        browser.sign_in_as(&user).await;
    }
    let anonymous = app.another_browser();
    let pages: [(&TestApp, &str, Option<&str>); 13] = [
        (&anonymous, "/registry", None),
        (&anonymous, "/registry?status=suspended", None),
        (&anonymous, "/api/v1/registry", None),
        (&provider.browser, "/applications", None),
        (&provider.browser, "/connections", None),
        (&anonymous, "/api/v1/applications", Some(&token)),
        (&anonymous, "/api/v1/connections", Some(&token)),
        (&viewers["secretariat"], "/committee", None),
        (&viewers["secretariat"], "/committee/connections", None),
        (&viewers["admin"], "/admin/users", None),
        (&viewers["admin"], "/admin/organisations", None),
        (&viewers["admin"], "/admin/audit", None),
        (&viewers["admin"], "/admin/outbox", None),
    ];

    grow(&app, &provider, &organisation_id, 0, 2);
    let mut few = Vec::new();
    for (browser, path, bearer) in pages {
        few.push(cost(browser, &app, path, bearer).await);
    }
    grow(&app, &provider, &organisation_id, 100, 30);
    let mut growth = Vec::new();
    for ((browser, path, bearer), before) in pages.into_iter().zip(few) {
        let after = cost(browser, &app, path, bearer).await;
        assert!(before > 0, "{path}: no statement counted");
        if after != before {
            growth.push(format!(
                "{path}: {before} statements for 2 rows, {after} for 32"
            ));
        }
    }
    assert!(
        growth.is_empty(),
        "pages whose statements grow with their rows:\n{}",
        growth.join("\n")
    );
}

/// The registry writes its page size into the SQL (so PostgreSQL keeps the page's plan);
/// every size a client may ask for must still come down to a few statements, or a client
/// could fill each connection's statement cache with one per size.
#[tokio::test]
async fn registry_page_sizes_come_down_to_a_few_statements() {
    set_default_instrumentation(|| Some(Box::new(StatementCounter::default())))
        .expect("instrumentation");
    let app = TestApp::spawn().await;
    let provider = app.create_user("org_admin", None);
    let organisation_id = organisation_of(&app, &provider.id);
    let actor = org_admin(&provider.id, &organisation_id);
    let application = applications::create_draft_with_content(
        &mut app.conn(),
        &actor,
        "new",
        &ApplicationContent::default(),
        app.clock.now(),
    )
    .unwrap()
    .id;
    insert_connections(&app, &application, &organisation_id, 0, 30);
    let client = reqwest::Client::new();
    for limit in 1..=200 {
        let page: serde_json::Value = client
            .get(app.url(&format!("/api/v1/registry?limit={limit}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            page["items"].as_array().unwrap().len(),
            limit.min(30),
            "limit={limit}"
        );
        assert_eq!(page["next_cursor"].is_null(), limit >= 30, "limit={limit}");
    }
    // The registry's list reads each row's counterparty country and its provider's Lao name.
    let pages = sql_texts(&app, "counterparty_country");
    let listing: Vec<_> = pages
        .iter()
        .filter(|sql| sql.contains("name_lo") && sql.contains(" LIMIT "))
        .collect();
    assert!(
        !listing.is_empty() && listing.len() <= 5,
        "{} statements for 200 page sizes:\n{listing:#?}",
        listing.len()
    );
}
