//! Load: many clients at once, mixed as the registry's users come, against the real
//! server binary on a fresh database — the public reading the registry (pages with
//! filters, cursor pages, the JSON API, CSV exports, records, verification), providers on
//! the web (drafts, files, saves, submissions, answers to questions) and through the API
//! (bearer tokens, drafts, partial updates, submissions, answers), the secretariat
//! screening and asking questions, and auditors reading the case files.
//!
//! Every client keeps what the server confirmed. Afterwards the database is counted: each
//! confirmed write is there exactly once, nothing is there that was not confirmed, two
//! clients' updates of one draft both survive, and `verify-audit` finds the chain whole.
//! No answer may be a 5xx and no request may go unanswered. A write lands without its
//! confirmation only when its answer is lost (a timeout or a dropped connection); those
//! are counted as connection errors, and the test requires none, so the counts must match
//! exactly. A `429` is a refusal like any other: nothing is written, and it is tallied.
//!
//! `LOAD_SECONDS` (default 10) and `LOAD_CLIENTS` (default 200) size the run; the figures
//! (throughput, latency percentiles, status codes) are printed at the end
//! (`cargo test --test api load -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use interconnect_registry::db::DbConn;
use interconnect_registry::db::models::organisation::Organisation;
use interconnect_registry::db::schema::{applications, audit_events, connections, organisations};
use interconnect_registry::domain::application_form::ApplicationContent;
use interconnect_registry::domain::clock::ManualClock;
use interconnect_registry::workflows::{Actor, api_clients};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::api_v1::fields_json;
use crate::cli::{command, free_port};
use crate::helpers::{TestApp, TestUser, csrf_in, location};
use crate::smtp_sink::SmtpSink;
use crate::workflow_helpers::{PDF, complete_fields};

const CREATE: &str = "application.create";
const SAVE: &str = "application.save";
const ATTACH: &str = "application.attach";
const SUBMIT: &str = "application.submit";
const WITHDRAW: &str = "application.withdraw";
const SCREEN: &str = "application.start_screening";
const REQUEST_INFO: &str = "application.request_info";
const RESUBMIT: &str = "application.resubmit";

/// Organisations made for the run have slugs with this prefix; the secretariat works on
/// their applications, and they are what is counted afterwards.
const SLUG_PREFIX: &str = "load-";

/// The clients arrive over this time at the start of the run.
const RAMP_UP: Duration = Duration::from_secs(2);

/// Connection statuses a registry reader filters by.
const STATUSES: [&str; 4] = ["active", "suspended", "revoked", "expired"];

fn setting(variable: &str, default: u64) -> u64 {
    match std::env::var(variable) {
        Ok(raw) if !raw.trim().is_empty() => raw
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{variable} must be a whole number, got {raw:?}")),
        _ => default,
    }
}

/// How many clients of each kind: mostly the public, then providers on the web and
/// through the API (in pairs per organisation), two of the secretariat and a few auditors.
#[derive(Debug, Clone, Copy)]
struct Mix {
    readers: usize,
    web: usize,
    api: usize,
    secretariat: usize,
    auditors: usize,
}

impl Mix {
    fn of(clients: usize) -> Mix {
        assert!(
            clients >= 8,
            "LOAD_CLIENTS must be at least 8, got {clients}"
        );
        let secretariat = 2;
        let auditors = (clients * 3 / 200).max(1);
        let api = (clients * 15 / 100 / 2 * 2).max(2);
        let web = (clients * 45 / 200).max(2);
        Mix {
            readers: clients - secretariat - auditors - api - web,
            web,
            api,
            secretariat,
            auditors,
        }
    }
}

/// What one kind of request got: its statuses and how long each took.
#[derive(Default)]
struct Kind {
    statuses: BTreeMap<u16, u64>,
    micros: Vec<u64>,
}

/// What the clients saw and what the server confirmed to them.
#[derive(Default)]
struct Tally {
    kinds: BTreeMap<&'static str, Kind>,
    /// Requests that got no answer: a timeout, a refused or dropped connection.
    connection_errors: Vec<String>,
    /// Answers no client of this kind should get (each 5xx among them).
    unexpected: Vec<String>,
    /// (application id, audit action) for every write the server confirmed.
    writes: Vec<(String, &'static str)>,
    /// The value each API client last saw saved in its field of its organisation's
    /// shared draft.
    shared_fields: BTreeMap<(String, &'static str), String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (name, kind) in other.kinds {
            let mine = self.kinds.entry(name).or_default();
            for (status, n) in kind.statuses {
                *mine.statuses.entry(status).or_default() += n;
            }
            mine.micros.extend(kind.micros);
        }
        self.connection_errors.extend(other.connection_errors);
        self.unexpected.extend(other.unexpected);
        self.writes.extend(other.writes);
        self.shared_fields.extend(other.shared_fields);
    }

    fn statuses(&self) -> BTreeMap<u16, u64> {
        let mut all = BTreeMap::new();
        for kind in self.kinds.values() {
            for (status, n) in &kind.statuses {
                *all.entry(*status).or_default() += n;
            }
        }
        all
    }
}

/// A server's answer, read to its end.
struct Answer {
    status: u16,
    location: String,
    retry_after: Option<u64>,
    body: String,
}

/// Sends a request and reads the whole answer, timing both.
async fn exchange(request: RequestBuilder) -> (Result<Answer, String>, Duration) {
    let started = Instant::now();
    let answer = async {
        let res = request.send().await.map_err(|e| format!("{e:?}"))?;
        let status = res.status().as_u16();
        let location = location(&res);
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let body = res.text().await.map_err(|e| format!("{e:?}"))?;
        Ok(Answer {
            status,
            location,
            retry_after,
            body,
        })
    }
    .await;
    (answer, started.elapsed())
}

/// When the run starts and ends.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

impl Window {
    fn from_now(length: Duration) -> Window {
        let start = Instant::now();
        Window {
            start,
            end: start + length,
        }
    }
}

/// One client: its own HTTP connection and cookies, from an address of its own, as each
/// person comes from their own.
struct Client {
    http: reqwest::Client,
    base: String,
    csrf: String,
    bearer: String,
    window: Window,
    rng: StdRng,
    tally: Tally,
}

/// The loopback address client `n` sends from (all of 127.0.0.0/8 is loopback).
fn address_of(n: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 77, (n / 250) as u8, (n % 250 + 1) as u8))
}

/// A browser (cookies kept, redirects not followed, English) sending from `source`.
/// The server closes a connection left idle for 5 seconds (and answers 408 on one opened
/// but unused as long), so the browser drops its idle connections sooner: otherwise a
/// request sent just as the server closes one gets no answer, or that 408. (Browsers
/// send such a request again; these clients avoid the race instead.)
fn browser_from(source: IpAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(source)
        .pool_idle_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(60))
        .default_headers(reqwest::header::HeaderMap::from_iter([(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_static("en"),
        )]))
        .build()
        .expect("HTTP client")
}

impl Client {
    fn new(http: reqwest::Client, base: &str, window: Window, seed: usize) -> Client {
        Client {
            http,
            base: base.to_string(),
            csrf: String::new(),
            bearer: String::new(),
            window,
            rng: StdRng::seed_from_u64(seed as u64),
            tally: Tally::default(),
        }
    }

    fn running(&self) -> bool {
        Instant::now() < self.window.end
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(format!("{}{path}", self.base))
    }

    /// A form POST carrying this browser's CSRF token.
    fn form(&self, path: &str, fields: &[(&str, &str)]) -> RequestBuilder {
        let mut form = fields.to_vec();
        form.push(("csrf", &self.csrf));
        self.http.post(format!("{}{path}", self.base)).form(&form)
    }

    /// A PDF of `kind` uploaded with the CSRF token (web) or the bearer token (API).
    fn upload(&self, path: &str, kind: &str) -> RequestBuilder {
        let form = Form::new()
            .text("csrf", self.csrf.clone())
            .text("kind", kind.to_string())
            .part("file", Part::bytes(PDF).file_name("diagram.pdf"));
        let request = self.http.post(format!("{}{path}", self.base));
        let request = if self.bearer.is_empty() {
            request
        } else {
            request.bearer_auth(&self.bearer)
        };
        request.multipart(form)
    }

    /// An API request with the bearer token.
    fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.bearer)
    }

    /// Exchanges an API client's credentials for the bearer token; whether it got one.
    async fn take_token(&mut self, (id, secret): &(String, String)) -> bool {
        let request = self
            .http
            .post(format!("{}/api/v1/token", self.base))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ]);
        if let Some(res) = self.call("POST /api/v1/token", request, &[200]).await
            && res.status == 200
        {
            let token: Value = serde_json::from_str(&res.body).unwrap_or_default();
            self.bearer = token["access_token"].as_str().unwrap_or("").to_string();
        }
        !self.bearer.is_empty()
    }

    /// Starts a draft through the API; its id once the server confirms it.
    async fn api_draft(&mut self, fields: serde_json::Map<String, Value>) -> Option<String> {
        let request = self
            .api(Method::POST, "/api/v1/applications")
            .json(&json!({ "kind": "new", "fields": fields }));
        let res = self
            .call("POST /api/v1/applications", request, &[201])
            .await?;
        let created: Value = serde_json::from_str(&res.body)
            .ok()
            .filter(|_| res.status == 201)?;
        let id = created["id"].as_str()?.to_string();
        self.confirmed(&id, CREATE);
        Some(id)
    }

    /// Sends `request` and records its answer under `kind`; any status outside `expected`
    /// (429 aside, a refusal every client must expect) is a problem. After a 429 the
    /// client waits as `Retry-After` asks. `None` when no answer came, or when the run is
    /// over (then nothing is sent).
    async fn call(
        &mut self,
        kind: &'static str,
        request: RequestBuilder,
        expected: &[u16],
    ) -> Option<Answer> {
        if !self.running() {
            return None;
        }
        let outcome = exchange(request).await;
        let answer = self.note(kind, outcome, expected)?;
        if answer.status == 429 {
            let wait = Duration::from_secs(answer.retry_after.unwrap_or(1));
            let left = self.window.end.saturating_duration_since(Instant::now());
            tokio::time::sleep(wait.min(left)).await;
        }
        Some(answer)
    }

    fn note(
        &mut self,
        kind: &'static str,
        (answer, took): (Result<Answer, String>, Duration),
        expected: &[u16],
    ) -> Option<Answer> {
        let at = self.window.start.elapsed().as_secs_f64();
        match answer {
            Ok(answer) => {
                let stats = self.tally.kinds.entry(kind).or_default();
                stats.micros.push(took.as_micros() as u64);
                *stats.statuses.entry(answer.status).or_default() += 1;
                if answer.status != 429 && !expected.contains(&answer.status) {
                    let start: String = answer.body.chars().take(300).collect();
                    self.tally
                        .unexpected
                        .push(format!("{kind} at {at:.1} s: {} {start}", answer.status));
                }
                Some(answer)
            }
            Err(e) => {
                self.tally
                    .connection_errors
                    .push(format!("{kind} at {at:.1} s: {e}"));
                None
            }
        }
    }

    fn confirmed(&mut self, id: &str, action: &'static str) {
        self.tally.writes.push((id.to_string(), action));
    }

    /// The same request twice at once, as a double click sends it; exactly one of the
    /// two may succeed (`ok`), the other must be refused as a conflict (409). Answers
    /// whether one succeeded.
    async fn double(
        &mut self,
        kind: &'static str,
        make: impl Fn(&Client) -> RequestBuilder,
        ok: u16,
    ) -> bool {
        if !self.running() {
            return false;
        }
        let (first, second) = tokio::join!(exchange(make(self)), exchange(make(self)));
        let mut statuses = Vec::new();
        for outcome in [first, second] {
            if let Some(answer) = self.note(kind, outcome, &[ok, 409, 429]) {
                statuses.push(answer.status);
            }
        }
        let succeeded = statuses.iter().filter(|s| **s == ok).count();
        if succeeded > 1 || (statuses.len() == 2 && !statuses.contains(&429) && succeeded == 0) {
            self.tally
                .unexpected
                .push(format!("{kind} sent twice at once: {statuses:?}"));
        }
        succeeded == 1
    }
}

/// A row of an application table: the id in its link and the status in its badge.
struct Row<'a> {
    id: &'a str,
    status: &'a str,
    html: &'a str,
}

/// The rows of the application tables in a page whose links start with `link`.
fn rows<'a>(html: &'a str, link: &str) -> Vec<Row<'a>> {
    let href = format!("href=\"{link}");
    html.split("<tr")
        .filter_map(|row| {
            let id = row.split(&href).nth(1)?.split('"').next()?;
            let status = row.split("badge-status badge-").nth(1)?.split('"').next()?;
            Some(Row {
                id,
                status,
                html: row,
            })
        })
        .collect()
}

/// What the public registry holds, for readers to look up and filter by.
struct Registry {
    numbers: Vec<String>,
    countries: Vec<String>,
    types: Vec<String>,
}

impl Registry {
    fn read(conn: &mut DbConn) -> Registry {
        let rows: Vec<(String, String, String)> = connections::table
            .select((
                connections::approval_number,
                connections::counterparty_country,
                connections::connection_type,
            ))
            .load(conn)
            .expect("the seeded connections");
        assert!(!rows.is_empty(), "seed-scale made connections");
        let distinct = |pick: fn(&(String, String, String)) -> &String| {
            rows.iter()
                .map(pick)
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        Registry {
            countries: distinct(|r| &r.1),
            types: distinct(|r| &r.2),
            numbers: rows.into_iter().map(|r| r.0).collect(),
        }
    }

    fn pick<'a>(rng: &mut StdRng, from: &'a [String]) -> &'a str {
        &from[rng.random_range(0..from.len())]
    }
}

/// The public: the registry page with filters and its next pages, the JSON API with its
/// cursor, CSV exports, records, verification and statistics.
async fn public_reader(c: &mut Client, registry: &Registry) {
    while c.running() {
        let number = Registry::pick(&mut c.rng, &registry.numbers).to_string();
        let country = Registry::pick(&mut c.rng, &registry.countries).to_string();
        let kind = Registry::pick(&mut c.rng, &registry.types).to_string();
        let status = STATUSES[c.rng.random_range(0..STATUSES.len())];
        match c.rng.random_range(0..20) {
            0..=5 => {
                let filters = match c.rng.random_range(0..3) {
                    0 => format!("country={country}"),
                    1 => format!("status={status}&type={kind}"),
                    _ => String::new(),
                };
                let mut path = format!("/registry?{filters}");
                for page in 0..3 {
                    let label = if page == 0 {
                        "GET /registry?filters"
                    } else {
                        "GET /registry?after (next page)"
                    };
                    let Some(answer) = c.call(label, c.get(&path), &[200]).await else {
                        break;
                    };
                    let next = answer
                        .body
                        .split("after=")
                        .nth(1)
                        .and_then(|rest| rest.split('"').next());
                    match next {
                        Some(after) => path = format!("/registry?{filters}&after={after}"),
                        None => break,
                    }
                }
            }
            6..=9 => {
                let mut query = vec![("limit", "20".to_string())];
                match c.rng.random_range(0..3) {
                    0 => query.push(("country", country)),
                    1 => query.push(("status", status.to_string())),
                    _ => {}
                }
                for page in 0..3 {
                    let label = if page == 0 {
                        "GET /api/v1/registry?filters"
                    } else {
                        "GET /api/v1/registry?after (next page)"
                    };
                    let request = c.get("/api/v1/registry").query(&query);
                    let Some(answer) = c.call(label, request, &[200]).await else {
                        break;
                    };
                    let page: Value = serde_json::from_str(&answer.body).unwrap_or_default();
                    match page["next_cursor"].as_str() {
                        Some(after) => {
                            query.retain(|(k, _)| *k != "after");
                            query.push(("after", after.to_string()));
                        }
                        None => break,
                    }
                }
            }
            10 => {
                c.call(
                    "GET /registry.csv?country",
                    c.get(&format!("/registry.csv?country={country}")),
                    &[200],
                )
                .await;
            }
            11 => {
                c.call(
                    "GET /api/v1/registry.csv?status",
                    c.get(&format!("/api/v1/registry.csv?status={status}")),
                    &[200],
                )
                .await;
            }
            12..=13 => {
                c.call(
                    "GET /registry/{number}",
                    c.get(&format!("/registry/{number}")),
                    &[200],
                )
                .await;
            }
            14..=16 => {
                c.call(
                    "GET /api/v1/registry/{number}",
                    c.get(&format!("/api/v1/registry/{number}")),
                    &[200],
                )
                .await;
            }
            17..=18 => {
                c.call(
                    "GET /verify/{number}",
                    c.get(&format!("/verify/{number}")),
                    &[200],
                )
                .await;
            }
            _ => {
                c.call("GET /statistics", c.get("/statistics"), &[200])
                    .await;
            }
        }
    }
}

/// The fields a provider fills in first, with `note` making each save a change.
fn first_fields(note: &str) -> Vec<(&'static str, String)> {
    vec![
        ("connection_type", "ip_transit".into()),
        ("counterparty_name", "Thai Transit Co., Ltd.".into()),
        ("counterparty_country", "TH".into()),
        ("redundancy", note.to_string()),
    ]
}

/// A provider on the web: answers the organisation's open questions, starts a draft,
/// adds its two files, saves it, then submits it with a double click (or, one time in
/// four, withdraws the draft instead).
async fn web_provider(c: &mut Client, who: usize) {
    let mut round = 0;
    while c.running() {
        round += 1;
        let Some(list) = c
            .call("GET /applications", c.get("/applications"), &[200])
            .await
        else {
            continue;
        };
        if c.csrf.is_empty() {
            c.csrf = csrf_in(&list.body);
        }
        let open = rows(&list.body, "/applications/")
            .into_iter()
            .find(|r| r.status == "info_requested")
            .map(|r| r.id.to_string());
        if let Some(id) = open {
            let answer = format!("Answered on the web by provider {who}, round {round}.");
            let request = c.form(
                &format!("/applications/{id}/answer"),
                &[("answer", &answer)],
            );
            // A colleague may have answered it a moment before.
            let res = c
                .call("POST /applications/{id}/answer", request, &[303, 409])
                .await;
            if res.is_some_and(|r| r.status == 303) {
                c.confirmed(&id, RESUBMIT);
            }
        }

        let request = c.form("/applications", &[("kind", "new")]);
        let Some(res) = c.call("POST /applications", request, &[303]).await else {
            continue;
        };
        if res.status != 303 {
            continue;
        }
        let id = res
            .location
            .trim_start_matches("/applications/")
            .trim_end_matches("/edit")
            .to_string();
        c.confirmed(&id, CREATE);
        c.call(
            "GET /applications/{id}/edit",
            c.get(&format!("/applications/{id}/edit")),
            &[200],
        )
        .await;
        let mut files = 0;
        for kind in ["network_diagram", "counterparty_contract"] {
            let request = c.upload(&format!("/applications/{id}/attachments"), kind);
            let res = c
                .call("POST /applications/{id}/attachments", request, &[303])
                .await;
            if res.is_some_and(|r| r.status == 303) {
                c.confirmed(&id, ATTACH);
                files += 1;
            }
        }
        let note = format!("Two paths, draft of provider {who}, round {round}");
        let mut fields: Vec<(&str, String)> = first_fields(&note);
        fields.push(("intent", "save".into()));
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let request = c.form(&format!("/applications/{id}/edit"), &form);
        let res = c
            .call("POST /applications/{id}/edit (save)", request, &[303])
            .await;
        if res.is_some_and(|r| r.status == 303) {
            c.confirmed(&id, SAVE);
        }
        if round % 4 == 0 {
            let request = c.form(
                &format!("/applications/{id}/withdraw"),
                &[("confirm", "yes")],
            );
            let res = c
                .call("POST /applications/{id}/withdraw", request, &[303])
                .await;
            if res.is_some_and(|r| r.status == 303) {
                c.confirmed(&id, WITHDRAW);
            }
            continue;
        }
        if files < 2 {
            continue;
        }
        // The whole form with "submit", clicked twice: the first saves (a change) and
        // submits; the second finds it submitted and is refused.
        let mut complete = complete_fields();
        complete.push(("intent", "submit".into()));
        let path = format!("/applications/{id}/edit");
        let form: Vec<(&str, &str)> = complete.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if c.double(
            "POST /applications/{id}/edit (submit, double click)",
            |c| c.form(&path, &form),
            303,
        )
        .await
        {
            c.confirmed(&id, SAVE);
            c.confirmed(&id, SUBMIT);
        }
        c.call(
            "GET /applications/{id}",
            c.get(&format!("/applications/{id}")),
            &[200],
        )
        .await;
    }
}

/// An organisation's system on the API, with credentials of its own: a token, then drafts
/// taken through partial updates, files and a double-sent submission (one in five
/// withdrawn instead), answers to open questions, and a field of its own in the draft it
/// shares with the organisation's other client, updated every round.
async fn api_client(
    c: &mut Client,
    credentials: &(String, String),
    shared: &str,
    field: &'static str,
) {
    let id = &credentials.0;
    let mut round = 0;
    while c.running() {
        round += 1;
        if c.bearer.is_empty() && !c.take_token(credentials).await {
            continue;
        }

        let request = c.api(Method::GET, "/api/v1/applications");
        let Some(list) = c.call("GET /api/v1/applications", request, &[200]).await else {
            continue;
        };
        let list: Value = serde_json::from_str(&list.body).unwrap_or_default();
        let open = list["items"].as_array().and_then(|items| {
            items
                .iter()
                .find(|a| a["status"] == "info_requested")
                .and_then(|a| a["id"].as_str())
                .map(str::to_string)
        });
        if let Some(open) = open {
            let request = c
                .api(
                    Method::POST,
                    &format!("/api/v1/applications/{open}/answers"),
                )
                .json(&json!({ "answer": format!("Answered by API client {id}, round {round}.") }));
            let res = c
                .call(
                    "POST /api/v1/applications/{id}/answers",
                    request,
                    &[200, 409],
                )
                .await;
            if res.is_some_and(|r| r.status == 200) {
                c.confirmed(&open, RESUBMIT);
            }
        }

        let fields: serde_json::Map<String, Value> =
            first_fields(&format!("Two paths, API draft of {id}, round {round}"))
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::String(v)))
                .collect();
        let Some(app) = c.api_draft(fields).await else {
            continue;
        };

        let value = format!("Updated by API client {id}, round {round}");
        let request = c
            .api(Method::PATCH, &format!("/api/v1/applications/{shared}"))
            .json(&json!({ "fields": { field: value } }));
        let res = c
            .call(
                "PATCH /api/v1/applications/{id} (shared draft)",
                request,
                &[200],
            )
            .await;
        if res.is_some_and(|r| r.status == 200) {
            c.confirmed(shared, SAVE);
            c.tally
                .shared_fields
                .insert((shared.to_string(), field), value);
        }

        let mut files = 0;
        for kind in ["network_diagram", "counterparty_contract"] {
            let request = c.upload(&format!("/api/v1/applications/{app}/attachments"), kind);
            let res = c
                .call(
                    "POST /api/v1/applications/{id}/attachments",
                    request,
                    &[201],
                )
                .await;
            if res.is_some_and(|r| r.status == 201) {
                c.confirmed(&app, ATTACH);
                files += 1;
            }
        }
        let request = c
            .api(Method::PATCH, &format!("/api/v1/applications/{app}"))
            .json(&json!({ "fields": fields_json(), "declaration_accepted": true }));
        let res = c
            .call("PATCH /api/v1/applications/{id}", request, &[200])
            .await;
        if res.is_some_and(|r| r.status == 200) {
            c.confirmed(&app, SAVE);
        }
        if round % 5 == 0 {
            let request = c.api(
                Method::POST,
                &format!("/api/v1/applications/{app}/withdraw"),
            );
            let res = c
                .call("POST /api/v1/applications/{id}/withdraw", request, &[200])
                .await;
            if res.is_some_and(|r| r.status == 200) {
                c.confirmed(&app, WITHDRAW);
            }
            continue;
        }
        if files < 2 {
            continue;
        }
        let path = format!("/api/v1/applications/{app}/submit");
        if c.double(
            "POST /api/v1/applications/{id}/submit (sent twice)",
            |c| c.api(Method::POST, &path),
            200,
        )
        .await
        {
            c.confirmed(&app, SUBMIT);
        }
        c.call(
            "GET /api/v1/applications/{id}",
            c.api(Method::GET, &format!("/api/v1/applications/{app}")),
            &[200],
        )
        .await;
    }
}

/// The secretariat: from the inbox, takes a submitted application of the run's
/// providers for screening and sends questions back (or asks again about one in
/// screening). Two of them work the same inbox, so they sometimes collide.
async fn secretariat(c: &mut Client) {
    while c.running() {
        let Some(inbox) = c.call("GET /committee", c.get("/committee"), &[200]).await else {
            continue;
        };
        let candidates: Vec<(String, String)> = rows(&inbox.body, "/committee/applications/")
            .into_iter()
            .filter(|r| matches!(r.status, "submitted" | "screening"))
            .filter(|r| r.html.contains(&format!(">{SLUG_PREFIX}")))
            .map(|r| (r.id.to_string(), r.status.to_string()))
            .collect();
        if candidates.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let (id, status) = candidates[c.rng.random_range(0..candidates.len())].clone();
        let page = c
            .call(
                "GET /committee/applications/{id}",
                c.get(&format!("/committee/applications/{id}")),
                &[200],
            )
            .await;
        if let Some(page) = page.filter(|_| c.csrf.is_empty()) {
            c.csrf = csrf_in(&page.body);
        }
        if status == "submitted" {
            let request = c.form(&format!("/committee/applications/{id}/screen"), &[]);
            let res = c
                .call(
                    "POST /committee/applications/{id}/screen",
                    request,
                    &[303, 409],
                )
                .await;
            match res {
                Some(r) if r.status == 303 => c.confirmed(&id, SCREEN),
                _ => continue,
            }
        }
        let request = c.form(
            &format!("/committee/applications/{id}/request-info"),
            &[
                (
                    "questions",
                    "Please send the counterparty's signed contract.",
                ),
                ("days", "10"),
            ],
        );
        let res = c
            .call(
                "POST /committee/applications/{id}/request-info",
                request,
                &[303, 409],
            )
            .await;
        if res.is_some_and(|r| r.status == 303) {
            c.confirmed(&id, REQUEST_INFO);
        }
    }
}

/// An auditor reading the case files: the inbox, an application, the connections and,
/// now and then, the audit log (whose page checks the whole chain).
async fn auditor(c: &mut Client) {
    let mut seen: Vec<String> = Vec::new();
    while c.running() {
        match c.rng.random_range(0..10) {
            0..=2 => {
                if let Some(inbox) = c.call("GET /committee", c.get("/committee"), &[200]).await {
                    seen = rows(&inbox.body, "/committee/applications/")
                        .into_iter()
                        .map(|r| r.id.to_string())
                        .collect();
                }
            }
            3..=6 if !seen.is_empty() => {
                let id = seen[c.rng.random_range(0..seen.len())].clone();
                c.call(
                    "GET /committee/applications/{id}",
                    c.get(&format!("/committee/applications/{id}")),
                    &[200],
                )
                .await;
            }
            7..=8 => {
                c.call(
                    "GET /committee/connections",
                    c.get("/committee/connections"),
                    &[200],
                )
                .await;
            }
            _ => {
                c.call("GET /admin/audit", c.get("/admin/audit"), &[200])
                    .await;
            }
        }
    }
}

/// What a client does during the run.
enum Persona {
    Public(Arc<Registry>),
    WebProvider(usize),
    ApiClient {
        credentials: (String, String),
        shared: String,
        field: &'static str,
    },
    Secretariat,
    Auditor,
}

impl Persona {
    async fn run(self, c: &mut Client) {
        match self {
            Persona::Public(registry) => public_reader(c, &registry).await,
            Persona::WebProvider(who) => web_provider(c, who).await,
            Persona::ApiClient {
                credentials,
                shared,
                field,
            } => api_client(c, &credentials, &shared, field).await,
            Persona::Secretariat => secretariat(c).await,
            Persona::Auditor => auditor(c).await,
        }
    }
}

/// A `serve` process as an operator runs it, killed when dropped; its log is kept in a
/// file, to be shown if the run fails.
struct Server {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Server {
    async fn start(database_url: &str, settings: &[(&str, String)]) -> Server {
        let log = std::env::temp_dir().join(format!("ir_load_{}.log", uuid::Uuid::new_v4()));
        let bind = format!("127.0.0.1:{}", free_port());
        let child = command(database_url)
            .args(["serve", "--bind", &bind])
            .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("the server's log file"))
            .spawn()
            .expect("start the server");
        let server = Server {
            child,
            base: format!("http://{bind}"),
            log,
        };
        for _ in 0..300 {
            if reqwest::get(format!("{}/livez", server.base))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("serve did not start: {}", server.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Signs `user` in to the server at `base` in a browser sending from `source`, through
/// the suite's own sign-in (which knows every step staff need). That server keeps the
/// system's time, so the browser's authenticator does too.
async fn signed_in(app: &TestApp, base: &str, user: &TestUser, source: IpAddr) -> reqwest::Client {
    let mut browser = app.another_browser();
    browser.address = base.to_string();
    browser.client = browser_from(source);
    browser.clock = Arc::new(ManualClock::starting_at(chrono::Utc::now().naive_utc()));
    browser.sign_in_as(user).await;
    browser.client
}

/// An organisation of the run, with `members` provider users (its admin first).
fn organisation(app: &TestApp, slug: &str, members: usize) -> (Organisation, Vec<TestUser>) {
    let organisation = app.create_organisation(slug);
    let users = (0..members)
        .map(|i| {
            let role = if i == 0 { "org_admin" } else { "applicant" };
            app.create_user(role, Some(&organisation))
        })
        .collect();
    (organisation, users)
}

/// New API credentials of `organisation`, acting for `user`: (client id, secret).
fn credentials(app: &TestApp, organisation: &Organisation, user: &TestUser) -> (String, String) {
    let issued = api_clients::create(
        &mut app.conn(),
        &Actor::command_line(),
        &organisation.id,
        "Billing system",
        &user.id,
        interconnect_registry::db::now(),
    )
    .map_err(|e| format!("{e:?}"))
    .expect("an API client");
    (issued.client.id, issued.secret)
}

/// What the database holds for the run's organisations.
struct Counted {
    /// Application id → (status, content).
    applications: BTreeMap<String, (String, String)>,
    /// (application id, action) → how many audit events.
    events: BTreeMap<(String, String), usize>,
    /// Reference numbers given to more than one application.
    duplicate_references: Vec<String>,
}

fn count(conn: &mut DbConn) -> Counted {
    let ours = organisations::table
        .filter(organisations::slug.like(format!("{SLUG_PREFIX}%")))
        .select(organisations::id);
    let apps: Vec<(String, String, String)> = applications::table
        .filter(applications::organisation_id.eq_any(ours))
        .select((
            applications::id,
            applications::status,
            applications::content,
        ))
        .load(conn)
        .expect("applications");
    let ours = organisations::table
        .filter(organisations::slug.like(format!("{SLUG_PREFIX}%")))
        .select(organisations::id);
    let their_ids = applications::table
        .filter(applications::organisation_id.eq_any(ours))
        .select(applications::id);
    let events: Vec<(String, String)> = audit_events::table
        .filter(audit_events::subject_type.eq("application"))
        .filter(audit_events::subject_id.eq_any(their_ids))
        .select((audit_events::subject_id, audit_events::action))
        .load(conn)
        .expect("audit events");
    let references: Vec<String> = applications::table
        .filter(applications::reference.is_not_null())
        .select(applications::reference.assume_not_null())
        .load(conn)
        .expect("references");
    let mut seen = BTreeSet::new();
    let duplicate_references = references
        .into_iter()
        .filter(|r| !seen.insert(r.clone()))
        .collect();
    let mut counted = BTreeMap::new();
    for (id, action) in events {
        *counted.entry((id, action)).or_default() += 1;
    }
    Counted {
        applications: apps
            .into_iter()
            .map(|(id, status, content)| (id, (status, content)))
            .collect(),
        events: counted,
        duplicate_references,
    }
}

/// The status an application must have after the writes confirmed on it.
fn status_after(writes: &BTreeMap<&'static str, usize>) -> &'static str {
    let n = |action| writes.get(action).copied().unwrap_or(0);
    if n(WITHDRAW) > 0 {
        "withdrawn"
    } else if n(REQUEST_INFO) > n(RESUBMIT) {
        "info_requested"
    } else if n(SCREEN) > 0 || n(RESUBMIT) > 0 {
        "screening"
    } else if n(SUBMIT) > 0 {
        "submitted"
    } else {
        "draft"
    }
}

/// Compares what the clients were told with what the database holds; each difference
/// is a problem.
fn reconcile(tally: &Tally, counted: &Counted) -> Vec<String> {
    let mut problems = Vec::new();
    let mut told: BTreeMap<&str, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for (id, action) in &tally.writes {
        *told.entry(id).or_default().entry(action).or_default() += 1;
    }
    for (id, writes) in &told {
        if writes.get(CREATE) != Some(&1) {
            problems.push(format!(
                "{id}: confirmed created {:?} times",
                writes.get(CREATE)
            ));
        }
        match counted.applications.get(*id) {
            None => problems.push(format!("{id}: confirmed but not in the database")),
            Some((status, _)) if status != status_after(writes) => problems.push(format!(
                "{id}: status {status}, but the writes confirmed ({writes:?}) make it {}",
                status_after(writes)
            )),
            Some(_) => {}
        }
        for (action, n) in writes {
            let stored = counted
                .events
                .get(&(id.to_string(), action.to_string()))
                .copied()
                .unwrap_or(0);
            if stored != *n {
                problems.push(format!(
                    "{id}: {action} confirmed {n} times, recorded {stored} times"
                ));
            }
        }
    }
    for id in counted.applications.keys() {
        if !told.contains_key(id.as_str()) {
            problems.push(format!("{id}: in the database, never confirmed"));
        }
    }
    for (id, action) in counted.events.keys() {
        let confirmed = told
            .get(id.as_str())
            .is_some_and(|w| w.contains_key(action.as_str()));
        if !confirmed {
            problems.push(format!("{id}: {action} recorded, never confirmed"));
        }
    }
    for ((id, field), value) in &tally.shared_fields {
        let stored: ApplicationContent = counted
            .applications
            .get(id)
            .and_then(|(_, content)| serde_json::from_str(content).ok())
            .unwrap_or_default();
        if stored.get(field) != value {
            problems.push(format!(
                "{id}: {field} holds {:?}, the last update confirmed set {value:?}",
                stored.get(field)
            ));
        }
    }
    for reference in &counted.duplicate_references {
        problems.push(format!("reference {reference} given twice"));
    }
    problems
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

/// The figures of the run: throughput, latency percentiles and status codes, per kind of
/// request and in all.
fn report(backend: &str, mix: Mix, seconds: f64, tally: &Tally) -> String {
    let mut out = String::new();
    let mut all: Vec<u64> = tally
        .kinds
        .values()
        .flat_map(|k| k.micros.iter().copied())
        .collect();
    all.sort_unstable();
    let writes = tally.writes.len();
    out.push_str(&format!(
        "\nload on {backend}: {} clients ({} public, {} web providers, {} API clients, {} secretariat, {} auditors) for {seconds:.1} s\n",
        mix.readers + mix.web + mix.api + mix.secretariat + mix.auditors,
        mix.readers,
        mix.web,
        mix.api,
        mix.secretariat,
        mix.auditors
    ));
    out.push_str(&format!(
        "{} requests, {:.0} req/s; {writes} writes confirmed, {:.0}/s; latency ms p50 {:.1} p95 {:.1} p99 {:.1} max {:.1}\n",
        all.len(),
        all.len() as f64 / seconds,
        writes as f64 / seconds,
        percentile(&all, 50.0),
        percentile(&all, 95.0),
        percentile(&all, 99.0),
        percentile(&all, 100.0),
    ));
    let statuses: Vec<String> = tally
        .statuses()
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    out.push_str(&format!(
        "status codes: {}; connection errors: {}\n",
        statuses.join(", "),
        tally.connection_errors.len()
    ));
    let mut by_action: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, action) in &tally.writes {
        *by_action.entry(action).or_default() += 1;
    }
    out.push_str(&format!("writes confirmed: {by_action:?}\n"));
    out.push_str(&format!(
        "{:<58} {:>7} {:>8} {:>8} {:>8} {:>8}  statuses\n",
        "request", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
    ));
    for (name, kind) in &tally.kinds {
        let mut micros = kind.micros.clone();
        micros.sort_unstable();
        let statuses: Vec<String> = kind
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect();
        out.push_str(&format!(
            "{name:<58} {:>7} {:>8.1} {:>8.1} {:>8.1} {:>8.1}  {}\n",
            micros.len(),
            percentile(&micros, 50.0),
            percentile(&micros, 95.0),
            percentile(&micros, 99.0),
            percentile(&micros, 100.0),
            statuses.join(" ")
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_reading_and_writing_at_once_get_no_5xx_and_lose_or_double_no_write() {
    let seconds = setting("LOAD_SECONDS", 10);
    let clients = setting("LOAD_CLIENTS", 200) as usize;
    let mix = Mix::of(clients);
    let app = TestApp::spawn().await;
    let backend = if app.is_postgres() {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    // A registry with history to read, then the run's providers, staff and API clients.
    let (ok, _, err) = crate::cli::run(
        &app.database_url,
        &[
            "seed-scale",
            "--organisations",
            "12",
            "--applications",
            "700",
            "--connections",
            "500",
            "--audit-events",
            "5000",
            "--outbox-messages",
            "100",
        ],
        "",
    );
    assert!(ok, "{err}");
    let registry = Registry::read(&mut app.conn());
    let web_users: Vec<TestUser> = (0..mix.web.div_ceil(2))
        .flat_map(|k| organisation(&app, &format!("{SLUG_PREFIX}web-{k}"), 2).1)
        .take(mix.web)
        .collect();
    let mut api_pairs = Vec::new();
    for k in 0..mix.api / 2 {
        let slug = format!("{SLUG_PREFIX}api-{k}");
        let (organisation, admin) = organisation(&app, &slug, 1);
        api_pairs.push([0, 1].map(|_| credentials(&app, &organisation, &admin[0])));
    }
    let staff: Vec<(TestUser, bool)> = (0..mix.secretariat)
        .map(|_| (app.create_user("secretariat", None), true))
        .chain((0..mix.auditors).map(|_| (app.create_user("auditor", None), false)))
        .collect();

    // The server as an operator runs it: one worker per core, a pool sized for the
    // load, mail delivered to an SMTP server, the scheduler on.
    let sink = SmtpSink::start().await;
    let server = Server::start(
        &app.database_url,
        &[
            ("DATABASE_POOL_SIZE", "16".into()),
            ("SMTP_URL", sink.url()),
        ],
    )
    .await;
    let base = server.base.clone();

    // Everyone signs in (each from an address of their own): the staff one by one, as
    // their second factor is read off a clock, then the providers all at once. Each pair
    // of API clients gets the draft it shares. Then the clock starts.
    let setup_window = Window::from_now(Duration::from_secs(3600));
    let mut staff_browsers = Vec::new();
    for (n, (user, _)) in staff.iter().enumerate() {
        staff_browsers.push(signed_in(&app, &base, user, address_of(1000 + n)).await);
    }
    let mut setup = tokio::task::JoinSet::new();
    for (n, user) in web_users.iter().enumerate() {
        let (app, base, user) = (app.another_browser(), base.clone(), user.clone());
        setup.spawn(async move { (n, signed_in(&app, &base, &user, address_of(n)).await) });
    }
    let mut web_browsers: BTreeMap<usize, reqwest::Client> = BTreeMap::new();
    while let Some(joined) = setup.join_next().await {
        let (n, client) = joined.expect("sign-in");
        web_browsers.insert(n, client);
    }
    let mut shared_drafts = Vec::new();
    let mut setup_tally = Tally::default();
    for (k, pair) in api_pairs.iter().enumerate() {
        let mut c = Client::new(browser_from(address_of(10_000 + k)), &base, setup_window, k);
        assert!(c.take_token(&pair[0]).await, "a token");
        let id = c.api_draft(Default::default()).await;
        shared_drafts.push(id.expect("the shared draft"));
        setup_tally.merge(c.tally);
    }

    // The run: the clients arrive in a random order over its first seconds, as people do,
    // and all keep going until its end.
    let window = Window::from_now(Duration::from_secs(seconds));
    let start = window.start;
    let mut arrivals: Vec<usize> = (0..clients).collect();
    arrivals.shuffle(&mut StdRng::seed_from_u64(0));
    let mut arrivals = arrivals
        .into_iter()
        .map(|k| start + RAMP_UP.min(window.end - start) * k as u32 / clients as u32);
    let mut running = tokio::task::JoinSet::new();
    let mut spawn = |mut c: Client, persona: Persona| {
        let arrival = arrivals.next().expect("one arrival per client");
        running.spawn(async move {
            tokio::time::sleep_until(arrival.into()).await;
            persona.run(&mut c).await;
            c.tally
        });
    };
    let registry = Arc::new(registry);
    for (n, http) in web_browsers {
        spawn(Client::new(http, &base, window, n), Persona::WebProvider(n));
    }
    for ((http, (_, is_secretariat)), n) in staff_browsers.iter().zip(&staff).zip(1000..) {
        let persona = if *is_secretariat {
            Persona::Secretariat
        } else {
            Persona::Auditor
        };
        spawn(Client::new(http.clone(), &base, window, n), persona);
    }
    for (k, pair) in api_pairs.iter().enumerate() {
        for (i, credentials) in pair.iter().enumerate() {
            let n = 2000 + 2 * k + i;
            let persona = Persona::ApiClient {
                credentials: credentials.clone(),
                shared: shared_drafts[k].clone(),
                field: if i == 0 {
                    "services_carried"
                } else {
                    "equipment_vendors"
                },
            };
            spawn(
                Client::new(browser_from(address_of(n)), &base, window, n),
                persona,
            );
        }
    }
    for r in 0..mix.readers {
        let n = 5000 + r;
        spawn(
            Client::new(browser_from(address_of(n)), &base, window, n),
            Persona::Public(registry.clone()),
        );
    }
    let mut tally = setup_tally;
    while let Some(joined) = running.join_next().await {
        tally.merge(joined.expect("a client"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!("{}", report(backend, mix, elapsed, &tally));

    // Counted afterwards.
    let counted = count(&mut app.conn());
    let mut problems = reconcile(&tally, &counted);
    let (ok, out, err) = crate::cli::run(&app.database_url, &["verify-audit", "--json"], "");
    let verdict: Value = serde_json::from_str(&out).unwrap_or_default();
    if !ok || verdict["intact"] != true {
        problems.push(format!("verify-audit: {out}{err}"));
    }
    println!(
        "counted: {} applications of the run, audit chain of {} events {}",
        counted.applications.len(),
        verdict["events"],
        if verdict["intact"] == true {
            "intact"
        } else {
            "BROKEN"
        }
    );
    problems.extend(tally.unexpected.iter().cloned());
    problems.extend(
        tally
            .connection_errors
            .iter()
            .map(|e| format!("no answer: {e}")),
    );
    let statuses = tally.statuses();
    if statuses.keys().any(|s| *s >= 500) {
        problems.push(format!("server errors among {statuses:?}"));
    }
    let confirmed = |action| tally.writes.iter().filter(|(_, a)| *a == action).count();
    for action in [CREATE, SAVE, ATTACH, SUBMIT] {
        if confirmed(action) == 0 {
            problems.push(format!("no {action} was confirmed: the run did nothing"));
        }
    }
    if !problems.is_empty() {
        let log = server.log_text();
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("ERROR"))
            .take(20)
            .collect();
        let shown: Vec<&String> = problems.iter().take(40).collect();
        panic!(
            "{} problems, the first: {shown:#?}\nserver errors logged: {errors:#?}",
            problems.len()
        );
    }
    drop(server);
    sink.stop();
}

/// Several partial updates of one draft at once, each to a field of its own, all survive;
/// each is recorded once. (On PostgreSQL they overwrote one another while each read the
/// draft without locking it.)
#[tokio::test]
async fn partial_updates_of_one_draft_sent_at_once_all_survive() {
    const FIELDS: [&str; 4] = [
        "services_carried",
        "equipment_vendors",
        "records_location",
        "customer_categories",
    ];
    const ROUNDS: usize = 15;
    let app = TestApp::spawn().await;
    let (organisation, admin) = organisation(&app, &format!("{SLUG_PREFIX}api-0"), 1);
    let mut c = Client::new(
        reqwest::Client::new(),
        &app.address,
        Window::from_now(Duration::from_secs(600)),
        0,
    );
    assert!(
        c.take_token(&credentials(&app, &organisation, &admin[0]))
            .await
    );
    let id = c.api_draft(Default::default()).await.expect("a draft");

    for round in 0..ROUNDS {
        let patches = FIELDS.map(|field| {
            c.api(Method::PATCH, &format!("/api/v1/applications/{id}"))
                .json(&json!({ "fields": { field: format!("round {round}") } }))
        });
        let [a, b, d, e] = patches.map(exchange);
        let (a, b, d, e) = tokio::join!(a, b, d, e);
        for (field, outcome) in FIELDS.into_iter().zip([a, b, d, e]) {
            let answer = c.note("PATCH /api/v1/applications/{id}", outcome, &[200]);
            assert!(answer.is_some_and(|a| a.status == 200));
            c.confirmed(&id, SAVE);
            c.tally
                .shared_fields
                .insert((id.clone(), field), format!("round {round}"));
        }
        let problems = reconcile(&c.tally, &count(&mut app.conn()));
        assert!(problems.is_empty(), "round {round}: {problems:#?}");
    }
    assert!(c.tally.unexpected.is_empty(), "{:?}", c.tally.unexpected);
}
