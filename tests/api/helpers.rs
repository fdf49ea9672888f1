//! `TestApp`: the spawned application, its database, and an HTTP client that keeps cookies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::SubsecRound;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use interconnect_registry::config::Settings;
use interconnect_registry::db::models::organisation::Organisation;
use interconnect_registry::db::models::user::User;
use interconnect_registry::db::{DbConn, DbPool, connect_and_migrate};
use interconnect_registry::domain::account::{OrganisationInput, UserInput};
use interconnect_registry::domain::clock::{Clock, ManualClock};
use interconnect_registry::mail::worker::{self, DeliveryReport, Mailer};
use interconnect_registry::startup::Application;
use interconnect_registry::web::state::Runtime;
use interconnect_registry::workflows::scheduler;
use interconnect_registry::workflows::{Actor, accounts};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};

pub const PASSWORD: &str = "correct horse battery staple";
pub const SECRET_KEY: &str = "test-secret-key-test-secret-key-0123456789";

/// Where a test's database lives; removed when the last handle goes.
enum TestDatabase {
    SqliteFile(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub pool: DbPool,
    /// A client that keeps cookies, follows no redirects and asks for English.
    pub client: reqwest::Client,
    database: Arc<TestDatabase>,
    /// The application's clock: tests move time forward instead of sleeping.
    pub clock: Arc<ManualClock>,
    /// The settings the application runs with.
    pub settings: Settings,
    /// The staff's authenticator app: their TOTP secrets, read off the enrolment page.
    pub authenticator: Authenticator,
}

/// A user created for a test (the password is always `PASSWORD`).
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
}

/// Makes a new empty database and returns its URL.
fn new_database() -> (String, TestDatabase) {
    let name = format!("ir_test_{}", uuid::Uuid::new_v4().simple());
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(admin_url) => {
            let mut admin = diesel::pg::PgConnection::establish(&admin_url)
                .expect("TEST_DATABASE_URL must name a reachable PostgreSQL server");
            admin
                .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create the test database");
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            // A local test server needs no TLS, and without it no OpenSSL state is torn
            // down at exit under connections that server threads still hold.
            if !url.query_pairs().any(|(k, _)| k == "sslmode") {
                url.query_pairs_mut().append_pair("sslmode", "disable");
            }
            (url.to_string(), TestDatabase::Postgres { admin_url, name })
        }
        None => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            (
                format!("sqlite://{}", path.display()),
                TestDatabase::SqliteFile(path),
            )
        }
    }
}

pub fn client(language: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT_LANGUAGE,
        HeaderValue::from_str(language).expect("language header"),
    );
    client_sending(headers)
}

/// A client that keeps cookies, follows no redirects and sends `headers` with every request.
fn client_sending(headers: HeaderMap) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("HTTP client")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Spawns the app with extra settings (e.g. `BASE_URL`).
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        Self::spawn_full(extra, false).await
    }

    /// Spawns the app with extra settings, and with its own background mail worker when
    /// `mail_worker` (otherwise tests deliver the outbox with `deliver_mail`).
    pub async fn spawn_full(extra: &[(&str, &str)], mail_worker: bool) -> TestApp {
        let (database_url, database) = new_database();
        let mut env: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), database_url.clone()),
            ("BIND".into(), "127.0.0.1:0".into()),
            ("SECRET_KEY".into(), SECRET_KEY.into()),
            ("DATABASE_POOL_SIZE".into(), "4".into()),
        ]);
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings");
        let pool =
            connect_and_migrate(&database_url, 4, &settings.secret_key).expect("test database");
        // Whole seconds: what the clock says survives a round trip through either database.
        let start = chrono::Utc::now().naive_utc().trunc_subsecs(0);
        let clock = Arc::new(ManualClock::starting_at(start));
        let runtime = Runtime {
            workers: Some(1),
            clock: clock.clone(),
            run_scheduler: false,
            run_mail_worker: mail_worker,
        };
        let app = Application::build_with_pool(settings, pool.clone(), runtime).expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let settings = app.settings().clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            database_url,
            pool,
            client: client("en"),
            database: Arc::new(database),
            clock,
            settings,
            authenticator: Authenticator::default(),
        }
    }

    /// Runs the scheduled jobs once, as the server's scheduler would.
    pub fn run_scheduler(&self) -> scheduler::RunReport {
        scheduler::run_once(&self.pool, self.clock.as_ref(), &self.settings.rules)
            .expect("scheduled jobs")
    }

    /// Delivers the outbox once (one batch), as the server's mail worker would.
    pub async fn deliver_mail(&self) -> DeliveryReport {
        let mailer = Mailer::from_settings(&self.settings)
            .expect("mail settings")
            .expect("SMTP_URL is set for this test");
        worker::deliver_due(&self.pool, &mailer, self.clock.as_ref())
            .await
            .expect("delivery pass")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn conn(&self) -> interconnect_registry::db::PooledConn {
        self.pool.get().expect("database connection")
    }

    pub fn is_postgres(&self) -> bool {
        matches!(*self.database, TestDatabase::Postgres { .. })
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET a page and return its status and body.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let res = self.get(path).await;
        let status = res.status();
        (status, res.text().await.expect("body"))
    }

    /// The CSRF token this client's next form must carry (read from a page's form).
    pub async fn csrf(&self) -> String {
        let (_, html) = self.page("/").await;
        csrf_in(&html)
    }

    /// POST a form with a valid CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &token));
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post("/sign-in", &[("email", email), ("password", password)])
            .await
    }

    /// Signs in and checks it worked: with the password, then for staff the second factor
    /// (setting it up at the first sign-in, as the enrolment page asks).
    pub async fn sign_in_as(&self, user: &TestUser) {
        let res = self.sign_in(&user.email, PASSWORD).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {} failed",
            user.email
        );
        if location(&res).starts_with("/sign-in/two-factor") {
            self.give_second_factor(&user.email).await;
        }
    }

    /// Gives the second step of a sign-in a code from the authenticator. Several sign-ins
    /// of one user within a time step move the application's clock on to the next step,
    /// since a code is accepted once.
    pub async fn give_second_factor(&self, email: &str) {
        loop {
            let now = self.clock.now().and_utc().timestamp() as u64;
            let step_url = self.url("/sign-in/two-factor");
            if let Some(res) =
                second_step(&self.client, &step_url, email, &self.authenticator, now).await
            {
                assert!(
                    matches!(res.status(), StatusCode::SEE_OTHER | StatusCode::OK),
                    "second factor of {email}: {}",
                    res.status()
                );
                return;
            }
            self.clock.advance(chrono::TimeDelta::seconds(30));
        }
    }

    pub async fn sign_out(&self) {
        let res = self.post("/sign-out", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }

    pub fn create_organisation(&self, slug: &str) -> Organisation {
        accounts::create_organisation(
            &mut self.conn(),
            &Actor::command_line(),
            &OrganisationInput {
                slug: slug.into(),
                name_en: format!("{slug} Co., Ltd."),
                name_lo: format!("ບໍລິສັດ {slug}"),
                registration_number: "01-0000001".into(),
                licence_number: "ISP-2026-001".into(),
                address: "Vientiane".into(),
                asns: "AS151234".into(),
            },
        )
        .expect("create organisation")
    }

    /// Creates a user with `role`; provider roles get `organisation` (made if `None`).
    pub fn create_user(&self, role: &str, organisation: Option<&Organisation>) -> TestUser {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let email = format!("{role}-{}@example.la", &id[..8]);
        let organisation_id = match organisation {
            Some(o) => o.id.clone(),
            None if matches!(role, "applicant" | "org_admin") => {
                self.create_organisation(&format!("org-{}", &id[..8])).id
            }
            None => String::new(),
        };
        let user: User = accounts::create_user(
            &mut self.conn(),
            &Actor::command_line(),
            &UserInput {
                email: email.clone(),
                name: format!("Test {role}"),
                role: role.into(),
                organisation_id,
                language: String::new(),
                committee_member: matches!(role, "reviewer" | "chair"),
                review_domains: Vec::new(),
            },
            PASSWORD,
        )
        .expect("create user");
        TestUser { id: user.id, email }
    }

    /// Creates a committee member (reviewer or chair) who reviews in `domains`.
    pub fn create_member(&self, role: &str, domains: &[&str]) -> TestUser {
        let user = self.create_user(role, None);
        let mut conn = self.conn();
        let conn: &mut DbConn = &mut conn;
        let existing = interconnect_registry::db::models::user::find(conn, &user.id)
            .unwrap()
            .unwrap();
        accounts::update_user(
            conn,
            &Actor::command_line(),
            &user.id,
            &UserInput {
                email: existing.email,
                name: existing.name,
                role: existing.role.into(),
                organisation_id: String::new(),
                language: String::new(),
                committee_member: matches!(role, "reviewer" | "chair"),
                review_domains: domains.iter().map(|d| d.to_string()).collect(),
            },
        )
        .expect("make committee member");
        user
    }

    /// Runs SQL directly on the test database (to simulate tampering or the passing of time).
    pub fn execute(&self, sql: &str) {
        let mut conn = self.conn();
        let conn: &mut DbConn = &mut conn;
        conn.batch_execute(sql).expect("SQL");
    }

    /// Another tab of this browser: same cookies, same session.
    pub fn another_tab(&self) -> TestApp {
        TestApp {
            client: self.client.clone(),
            ..self.another_browser()
        }
    }

    /// A second, independent browser whose every request also carries `name: value`.
    pub fn another_browser_sending(&self, name: &'static str, value: &str) -> TestApp {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en"),
        );
        headers.insert(name, HeaderValue::from_str(value).expect("header value"));
        TestApp {
            client: client_sending(headers),
            ..self.another_browser()
        }
    }

    /// A second, independent browser on the same app.
    pub fn another_browser(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            database_url: self.database_url.clone(),
            pool: self.pool.clone(),
            client: client("en"),
            database: self.database.clone(),
            clock: self.clock.clone(),
            settings: self.settings.clone(),
            authenticator: self.authenticator.clone(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDatabase::Postgres { admin_url, name } => {
                // Dropped with FORCE: the server's pool may still hold connections.
                if let Ok(mut admin) = diesel::pg::PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
                }
            }
        }
    }
}

/// The value of the first `csrf` hidden field in a page.
pub fn csrf_in(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("input[name=csrf]").expect("selector");
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("page has a CSRF field")
        .to_string()
}

/// The text of the element that `css` selects, if any.
pub fn text_of(html: &str, css: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(css).expect("selector");
    doc.select(&selector)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_string())
}

/// The `value` attribute of the input that `css` selects.
pub fn value_of(html: &str, css: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(css).expect("selector");
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_string)
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// An authenticator app as tests hold it: each account's TOTP secret and the last time
/// step it gave a code for.
#[derive(Debug, Default, Clone)]
pub struct Authenticator(Arc<Mutex<HashMap<String, Account>>>);

/// One account in the authenticator: its secret, and the last time step it gave a code for.
type Account = (Vec<u8>, u64);

impl Authenticator {
    /// Adds an account from the key shown on the enrolment page (base32 in groups).
    pub fn add(&self, email: &str, shown_key: &str) {
        let key: String = shown_key.split_whitespace().collect();
        let secret = totp_rs::Secret::try_from_base32(&key)
            .expect("the page shows a base32 key")
            .as_bytes()
            .to_vec();
        self.0
            .lock()
            .unwrap()
            .insert(email.to_string(), (secret, 0));
    }

    /// A code not given before for `email` that the server accepts at `unix_seconds` (it
    /// takes one 30-second step of drift either way), or `None` if all three were given.
    pub fn code(&self, email: &str, unix_seconds: u64) -> Option<String> {
        let mut accounts = self.0.lock().unwrap();
        let (secret, last_step) = accounts.get_mut(email).expect("an enrolled account");
        let now = unix_seconds / 30;
        let step = (now - 1).max(*last_step + 1);
        if step > now + 1 {
            return None;
        }
        *last_step = step;
        let totp = totp_rs::Builder::new()
            .with_algorithm(totp_rs::Algorithm::SHA1)
            .with_digits(6)
            .with_step_duration(30)
            .with_secret(secret.clone())
            .build()
            .expect("a valid secret");
        Some(totp.generate(step * 30).to_string())
    }
}

/// The second step of a sign-in at `step_url` (where the password step sent the browser,
/// with its `next`), in the browser `client` whose password step has just passed: sets up the second factor first when the page asks, then
/// posts a code, with the page's `next`. `None` when the authenticator has no unused code at `unix_seconds`.
pub async fn second_step(
    client: &reqwest::Client,
    step_url: &str,
    email: &str,
    authenticator: &Authenticator,
    unix_seconds: u64,
) -> Option<Response> {
    let html = client
        .get(step_url)
        .send()
        .await
        .expect("GET the second step")
        .text()
        .await
        .expect("body");
    if let Some(key) = text_of(&html, ".totp-secret") {
        authenticator.add(email, &key);
    }
    let code = authenticator.code(email, unix_seconds)?;
    let csrf = csrf_in(&html);
    let next = value_of(
        &html,
        "form[action=\"/sign-in/two-factor\"] input[name=next]",
    )
    .unwrap_or_default();
    Some(
        client
            .post(step_url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("code", code.as_str()),
                ("next", next.as_str()),
            ])
            .send()
            .await
            .expect("POST the second step"),
    )
}
