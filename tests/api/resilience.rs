//! Crash safety and several servers, against the real binary. Providers and the committee
//! drive applications to approval (and some connections on to suspension or revocation)
//! over HTTP, many at once, while the server is killed with SIGKILL and started again on
//! the same database; or while two servers share one PostgreSQL database, each request
//! going to the next server as behind a load balancer. Afterwards the database, the
//! audit chain (`verify-audit`) and what an SMTP server received are checked against each
//! other and against what the clients were told.
//!
//! `RESILIENCE_APPLICATIONS` (default 24) and `RESILIENCE_KILLS` (default 3) size the
//! crash test, for a longer soak.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::future::join_all;
use interconnect_registry::db::DbConn;
use interconnect_registry::db::models::{
    application as app_db, attachment as attachment_db, committee as committee_db,
    connection as connection_db,
};
use interconnect_registry::db::schema::{
    applications, audit_events, connection_events, connections, outbox_messages, scheduler_leases,
};
use interconnect_registry::domain::clock::{Clock, ManualClock, SystemClock};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::cli::{command, free_port, run};
use crate::helpers::{TestApp, csrf_in, location};
use crate::smtp_sink::SmtpSink;
use crate::workflow_helpers::{Cast, Member, PDF, complete_fields};

/// SMTP connections each server sends over at once: at most this many messages are in
/// flight when a server is killed.
const MAIL_CONNECTIONS: usize = 4;
/// How long a claim on outbox messages lasts: what a restarted server waits for the
/// messages its killed predecessor had claimed.
const MAIL_CLAIM_SECONDS: u64 = 5;
/// The pause before a request that got no answer is sent again.
const RETRY: Duration = Duration::from_millis(100);
/// The longest wait for the outbox to empty or for scheduled work to be done.
const PATIENCE: Duration = Duration::from_secs(60);

fn size(variable: &str, default: usize) -> usize {
    std::env::var(variable)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Settings that make the background work prompt: the scheduler every second, the mail
/// worker looking every 50 ms.
fn prompt_settings(smtp_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SMTP_URL", smtp_url.to_string()),
        ("SCHEDULER_SECONDS", "1".into()),
        ("MAIL_POLL_MS", "50".into()),
        ("MAIL_CONNECTIONS", MAIL_CONNECTIONS.to_string()),
        ("MAIL_CLAIM_SECONDS", MAIL_CLAIM_SECONDS.to_string()),
        ("DATABASE_POOL_SIZE", "6".into()),
    ]
}

/// A `serve` process on a port of its own, which the test kills and starts again there.
/// Its log (warnings and errors) is kept in a file, left in place if the test fails.
struct Server {
    database_url: String,
    settings: Vec<(&'static str, String)>,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl Server {
    async fn start(database_url: &str, settings: Vec<(&'static str, String)>) -> Server {
        let mut server = Server {
            database_url: database_url.to_string(),
            settings,
            port: free_port(),
            log: std::env::temp_dir().join(format!("ir_serve_{}.log", uuid::Uuid::new_v4())),
            child: None,
        };
        server.boot().await;
        server
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server runs").id()
    }

    /// Starts the process and waits until it answers.
    async fn boot(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the server's log file");
        let child = command(&self.database_url)
            .args(["serve", "--bind", &format!("127.0.0.1:{}", self.port)])
            .envs(self.settings.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the server");
        let child = self.child.insert(child);
        let livez = format!("http://127.0.0.1:{}/livez", self.port);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if reqwest::get(&livez)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            if let Some(status) = child.try_wait().expect("the server's status") {
                panic!(
                    "the server exited ({status}); log at {}",
                    self.log.display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the server did not start; log at {}",
                self.log.display()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush, no last word.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaped");
        }
    }

    /// Everything the server logged.
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("server log kept at {}", self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// A browser of `app`'s database that talks to the server at `base`: the one place where
/// signing in to a spawned server differs from signing in to `app`. That server reads the
/// system clock, while the helpers' authenticator reads the browser's and gives the code
/// of the step before it (the earliest `app` accepts); a browser clock one step ahead of
/// the real time gives the current step's code, which the server accepts a step either way.
fn browser_at(app: &TestApp, base: &str) -> TestApp {
    let mut browser = app.another_browser();
    browser.address = base.to_string();
    let ahead = chrono::Utc::now().naive_utc() + chrono::TimeDelta::seconds(30);
    browser.clock = Arc::new(ManualClock::starting_at(ahead));
    browser
}

/// What the clients did and were told.
#[derive(Default)]
struct Tally {
    /// State changes answered with success.
    told: AtomicUsize,
    /// State changes made whose answer was lost (the server died before answering).
    kept_unanswered: AtomicUsize,
    /// Requests that got no answer.
    unanswered: AtomicUsize,
    /// Drafts asked for without an answer: each may exist without its provider knowing.
    unanswered_starts: AtomicUsize,
    /// Requests on their way.
    in_flight: AtomicUsize,
}

impl Tally {
    fn count(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::SeqCst)
    }

    /// State changes made so far, answered or not.
    fn changes(&self) -> usize {
        Self::count(&self.told) + Self::count(&self.kept_unanswered)
    }
}

/// What a request sends.
enum Body {
    Form(Vec<(String, String)>),
    /// A PDF upload of the given kind.
    File(&'static str),
}

impl Body {
    fn form(fields: &[(&str, &str)]) -> Body {
        Body::Form(
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

/// A server's answer.
struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

/// Clients of one or more servers, as behind a load balancer: each request goes to the
/// next server in turn. A request that gets no answer (its server was killed, or is not
/// back yet) is sent again, unless the database shows that it took effect.
struct Clients<'a> {
    app: &'a TestApp,
    bases: Vec<String>,
    next: AtomicUsize,
    tally: Tally,
}

impl<'a> Clients<'a> {
    fn new(app: &'a TestApp, bases: Vec<String>) -> Self {
        Clients {
            app,
            bases,
            next: AtomicUsize::new(0),
            tally: Tally::default(),
        }
    }

    fn base(&self) -> &str {
        &self.bases[self.next.fetch_add(1, Ordering::Relaxed) % self.bases.len()]
    }

    /// One request as `who`, with a CSRF token from a page fetched just before (perhaps
    /// from another server); `None` when no answer came.
    async fn send(&self, who: &Member, path: &str, body: &Body) -> Option<Answer> {
        self.tally.in_flight.fetch_add(1, Ordering::SeqCst);
        let answer = self.send_once(who, path, body).await;
        self.tally.in_flight.fetch_sub(1, Ordering::SeqCst);
        answer
    }

    async fn send_once(&self, who: &Member, path: &str, body: &Body) -> Option<Answer> {
        let client = &who.browser.client;
        let page = client.get(format!("{}/", self.base())).send().await.ok()?;
        assert_eq!(page.status(), StatusCode::OK, "the home page");
        let token = csrf_in(&page.text().await.ok()?);
        let url = format!("{}{path}", self.base());
        let request = match body {
            Body::Form(fields) => {
                let mut form = fields.clone();
                form.push(("csrf".into(), token));
                client.post(url).form(&form)
            }
            Body::File(kind) => client.post(url).multipart(
                Form::new()
                    .text("csrf", token)
                    .text("kind", *kind)
                    .part("file", Part::bytes(PDF).file_name("diagram.pdf")),
            ),
        };
        let res = request.send().await.ok()?;
        let (status, location) = (res.status(), location(&res));
        let body = res.text().await.ok()?;
        Some(Answer {
            status,
            location,
            body,
        })
    }

    /// Whether `done` holds in the database now.
    fn holds(&self, done: &impl Fn(&mut DbConn) -> bool) -> bool {
        let mut conn = self.app.conn();
        done(&mut conn)
    }

    /// Makes one state change as `who`: sends it until a server answers, and accepts a
    /// refusal only if the database shows that an unanswered attempt made the change.
    async fn change(
        &self,
        who: &Member,
        path: String,
        body: Body,
        done: impl Fn(&mut DbConn) -> bool,
    ) {
        loop {
            match self.send(who, &path, &body).await {
                Some(answer) if answer.status == StatusCode::SEE_OTHER => {
                    self.tally.told.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                Some(answer) => {
                    assert!(
                        !answer.status.is_server_error() && self.holds(&done),
                        "{path}: {} {}",
                        answer.status,
                        answer.body
                    );
                    self.tally.kept_unanswered.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                None => {
                    self.tally.unanswered.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(RETRY).await;
                    if self.holds(&done) {
                        self.tally.kept_unanswered.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                }
            }
        }
    }

    /// Starts a draft and returns its id. Nothing tells a lost answer's draft from none,
    /// so the provider asks again: such drafts are counted, and must stay drafts.
    async fn start_draft(&self, provider: &Member) -> String {
        loop {
            match self
                .send(provider, "/applications", &Body::form(&[("kind", "new")]))
                .await
            {
                Some(answer) => {
                    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
                    self.tally.told.fetch_add(1, Ordering::SeqCst);
                    return answer
                        .location
                        .trim_start_matches("/applications/")
                        .trim_end_matches("/edit")
                        .to_string();
                }
                None => {
                    self.tally.unanswered.fetch_add(1, Ordering::SeqCst);
                    self.tally.unanswered_starts.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    }
}

fn status_of(conn: &mut DbConn, id: &str) -> String {
    app_db::find(conn, id)
        .unwrap()
        .expect("the application")
        .status
        .into()
}

fn connection_events_of(conn: &mut DbConn, id: &str) -> Vec<String> {
    connection_db::list_events(conn, id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

/// What happens to a connection after its approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Afterwards {
    Nothing,
    Suspended,
    SuspendedAndReinstated,
    Revoked,
}

impl Afterwards {
    fn for_application(n: usize) -> Self {
        [
            Self::Nothing,
            Self::SuspendedAndReinstated,
            Self::Revoked,
            Self::Suspended,
        ][n % 4]
    }

    /// State changes from a draft's start to this end.
    fn changes(self) -> usize {
        // Start, two files, submit, screen, complete, three assignments and reviews,
        // open the vote, four votes, decide.
        let to_approval = 18;
        to_approval
            + match self {
                Self::Nothing => 0,
                Self::Suspended => 1,
                Self::SuspendedAndReinstated => 2,
                Self::Revoked => 3,
            }
    }

    fn status(self) -> &'static str {
        match self {
            Self::Nothing | Self::SuspendedAndReinstated => "active",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }
}

/// One application by `provider`, from draft to approval and on to `afterwards`.
/// Reviews and votes are made at once. Returns the application's id.
async fn see_through(
    clients: &Clients<'_>,
    cast: &Cast,
    provider: &Member,
    afterwards: Afterwards,
) -> String {
    let id = clients.start_draft(provider).await;
    for kind in ["network_diagram", "counterparty_contract"] {
        clients
            .change(
                provider,
                format!("/applications/{id}/attachments"),
                Body::File(kind),
                |conn| {
                    attachment_db::list_for_application(conn, &id)
                        .unwrap()
                        .iter()
                        .any(|a| a.kind == kind)
                },
            )
            .await;
    }
    let mut fields: Vec<(String, String)> = complete_fields()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    fields.push(("intent".into(), "submit".into()));
    clients
        .change(
            provider,
            format!("/applications/{id}/edit"),
            Body::Form(fields),
            |conn| status_of(conn, &id) != "draft",
        )
        .await;
    let case = format!("/committee/applications/{id}");
    let past = |states: &'static [&'static str]| {
        let id = id.clone();
        move |conn: &mut DbConn| !states.contains(&status_of(conn, &id).as_str())
    };
    let secretariat = &cast.secretariat;
    clients
        .change(
            secretariat,
            format!("{case}/screen"),
            Body::form(&[]),
            past(&["submitted"]),
        )
        .await;
    clients
        .change(
            secretariat,
            format!("{case}/complete"),
            Body::form(&[]),
            past(&["submitted", "screening"]),
        )
        .await;
    let reviewers = [
        (&cast.technical, "technical"),
        (&cast.security, "security"),
        (&cast.legal, "legal"),
    ];
    let assignment = |conn: &mut DbConn, reviewer: &str| {
        committee_db::list_assignments(conn, &id)
            .unwrap()
            .into_iter()
            .map(|(a, _)| a)
            .find(|a| a.reviewer_id == reviewer)
    };
    for (reviewer, domain) in reviewers {
        clients
            .change(
                secretariat,
                format!("{case}/assign"),
                Body::form(&[
                    ("reviewer_id", reviewer.user.id.as_str()),
                    ("domain", domain),
                ]),
                |conn| assignment(conn, &reviewer.user.id).is_some(),
            )
            .await;
    }
    join_all(reviewers.map(|(reviewer, _)| {
        let assigned = assignment(&mut clients.app.conn(), &reviewer.user.id)
            .expect("assigned")
            .id;
        let body = Body::form(&[
            ("assignment_id", assigned.as_str()),
            ("recommendation", "approve"),
            ("comments", "Checked"),
        ]);
        let done = move |conn: &mut DbConn| {
            assignment(conn, &reviewer.user.id).is_some_and(|a| a.completed_at.is_some())
        };
        clients.change(reviewer, format!("{case}/review"), body, done)
    }))
    .await;
    clients
        .change(
            secretariat,
            format!("{case}/open-vote"),
            Body::form(&[]),
            past(&["submitted", "screening", "in_review"]),
        )
        .await;
    let id_ref = &id;
    join_all(cast.voters().map(|voter| {
        let body = Body::form(&[("choice", "approve"), ("reason", "In order")]);
        let done = move |conn: &mut DbConn| {
            committee_db::list_votes(conn, id_ref)
                .unwrap()
                .iter()
                .any(|(v, _, _)| v.voter_id == voter.user.id)
        };
        clients.change(voter, format!("{case}/vote"), body, done)
    }))
    .await;
    clients
        .change(
            &cast.chair,
            format!("{case}/decide"),
            Body::form(&[
                ("legal_basis", "Notice No. 258"),
                ("validity_months", "12"),
                ("conditions", "Keep records"),
            ]),
            past(&["submitted", "screening", "in_review", "voting"]),
        )
        .await;
    let connection = cast.connection_of(&id).id;
    let committee = format!("/committee/connections/{connection}");
    let happened = |kind: &'static str| {
        let connection = connection.clone();
        move |conn: &mut DbConn| {
            connection_events_of(conn, &connection)
                .iter()
                .any(|k| k == kind)
        }
    };
    if matches!(
        afterwards,
        Afterwards::Suspended | Afterwards::SuspendedAndReinstated
    ) {
        clients
            .change(
                &cast.chair,
                format!("{committee}/suspend"),
                Body::form(&[
                    ("reason", "Traffic to a scam call centre"),
                    ("confirm", "yes"),
                ]),
                happened("suspended"),
            )
            .await;
    }
    if afterwards == Afterwards::SuspendedAndReinstated {
        clients
            .change(
                &cast.chair,
                format!("{committee}/reinstate"),
                Body::form(&[("reason", "The customer was cut off")]),
                happened("reinstated"),
            )
            .await;
    }
    if afterwards == Afterwards::Revoked {
        clients
            .change(
                secretariat,
                format!("{committee}/show-cause"),
                Body::form(&[("notice", "Resale of capacity"), ("days", "10")]),
                happened("show_cause"),
            )
            .await;
        clients
            .change(
                provider,
                format!("/connections/{connection}/answer"),
                Body::form(&[("answer", "It is not resale.")]),
                happened("show_cause_answered"),
            )
            .await;
        clients
            .change(
                &cast.chair,
                format!("{committee}/decide"),
                Body::form(&[
                    ("outcome", "revoke"),
                    ("reason", "Resale confirmed"),
                    ("disconnection_days", "15"),
                    ("confirm", "yes"),
                ]),
                happened("revoked"),
            )
            .await;
    }
    id
}

/// The cast, signed in through `front`, and `providers` providers in all (the cast's own
/// the first), each of an organisation of their own.
async fn cast_and_providers(
    app: &TestApp,
    front: &TestApp,
    providers: usize,
) -> (Cast, Vec<Member>) {
    let cast = Cast::assemble(front).await;
    let mut others = Vec::new();
    for _ in 1..providers {
        let browser = front.another_browser();
        let user = app.create_user("org_admin", None);
        browser.sign_in_as(&user).await;
        others.push(Member { user, browser });
    }
    (cast, others)
}

/// `applications` applications seen through at once, spread over the providers; returns
/// each application's id with what was done to its connection.
async fn drive(
    clients: &Clients<'_>,
    cast: &Cast,
    others: &[Member],
    applications: usize,
) -> Vec<(String, Afterwards)> {
    let providers: Vec<&Member> = std::iter::once(&cast.provider).chain(others).collect();
    join_all((0..applications).map(|n| {
        let afterwards = Afterwards::for_application(n);
        let provider = providers[n % providers.len()];
        async move {
            let id = see_through(clients, cast, provider, afterwards).await;
            (id, afterwards)
        }
    }))
    .await
}

/// Waits until no message is waiting in the outbox.
async fn outbox_emptied(app: &TestApp) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let waiting: i64 = outbox_messages::table
            .filter(outbox_messages::status.eq("queued"))
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        if waiting == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{waiting} message(s) still queued"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where each outbox message's copies are in what the SMTP server received, by outbox id
/// (from the `Message-ID`, `<outbox id@host>`).
fn copies(sink: &SmtpSink) -> BTreeMap<String, Vec<usize>> {
    let mut copies: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (at, message) in sink.received().iter().enumerate() {
        let id = message.header("Message-ID").expect("a Message-ID");
        let id = id
            .trim_start_matches('<')
            .split('@')
            .next()
            .unwrap()
            .to_string();
        copies.entry(id).or_default().push(at);
    }
    copies
}

/// Every outbox message is sent and reached the SMTP server; returns the copies received.
fn every_message_delivered(app: &TestApp, sink: &SmtpSink) -> BTreeMap<String, Vec<usize>> {
    let outbox: Vec<(String, String)> = outbox_messages::table
        .select((outbox_messages::id, outbox_messages::status))
        .load(&mut app.conn())
        .unwrap();
    assert!(!outbox.is_empty());
    let unsent: Vec<_> = outbox.iter().filter(|(_, s)| s != "sent").collect();
    assert!(unsent.is_empty(), "not sent: {unsent:?}");
    let copies = copies(sink);
    let ids: BTreeSet<&String> = outbox.iter().map(|(id, _)| id).collect();
    let received: BTreeSet<&String> = copies.keys().collect();
    assert_eq!(
        ids, received,
        "the SMTP server received the outbox, nothing else"
    );
    copies
}

/// `verify-audit`, run as an operator would, finds the chain intact.
fn audit_chain_intact(app: &TestApp) -> u64 {
    let (ok, out, err) = run(&app.database_url, &["verify-audit", "--json"], "");
    assert!(ok, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["intact"], true, "{out}");
    report["events"].as_u64().unwrap()
}

/// Every approved application has exactly one connection, with its one approval in the
/// audit log; approval numbers have no duplicates and no gaps. Returns the connections'
/// ids by application.
fn one_connection_per_approval(app: &TestApp) -> BTreeMap<String, String> {
    let mut conn = app.conn();
    let approved: BTreeSet<String> = applications::table
        .filter(applications::status.eq("approved"))
        .select(applications::id)
        .load(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let rows: Vec<(String, String, String)> = connections::table
        .select((
            connections::application_id,
            connections::id,
            connections::approval_number,
        ))
        .load(&mut conn)
        .unwrap();
    let by_application: BTreeMap<String, String> = rows
        .iter()
        .map(|(application, id, _)| (application.clone(), id.clone()))
        .collect();
    assert_eq!(
        rows.len(),
        by_application.len(),
        "one connection per application"
    );
    assert_eq!(
        by_application.keys().cloned().collect::<BTreeSet<_>>(),
        approved,
        "a connection for every approved application, and only for those"
    );
    let mut numbers: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (_, _, number) in &rows {
        let (year, n) = number.rsplit_once('-').expect("IC-YYYY-NNNNN");
        numbers
            .entry(year.to_string())
            .or_default()
            .push(n.parse().unwrap());
    }
    for (year, mut ns) in numbers {
        ns.sort_unstable();
        let expected: Vec<u32> = (1..=ns.len() as u32).collect();
        assert_eq!(ns, expected, "{year}: numbers without duplicates or gaps");
    }
    for action in ["application.approve", "connection.approve"] {
        let subjects: Vec<String> = audit_events::table
            .filter(audit_events::action.eq(action))
            .select(audit_events::subject_id)
            .load(&mut conn)
            .unwrap();
        let distinct: BTreeSet<&String> = subjects.iter().collect();
        assert_eq!(
            (subjects.len(), distinct.len()),
            (rows.len(), rows.len()),
            "{action} recorded once per approval"
        );
    }
    by_application
}

/// Everything the clients were told happened is there: every application they saw
/// through is approved and its connection in the status they left it; the only other
/// applications are drafts whose start got no answer.
fn nothing_lost(app: &TestApp, clients: &Clients<'_>, driven: &[(String, Afterwards)]) {
    let by_application = one_connection_per_approval(app);
    let mut conn = app.conn();
    for (id, afterwards) in driven {
        assert_eq!(status_of(&mut conn, id), "approved");
        let made = (
            attachment_db::list_for_application(&mut conn, id)
                .unwrap()
                .len(),
            committee_db::list_assignments(&mut conn, id).unwrap().len(),
            committee_db::list_votes(&mut conn, id).unwrap().len(),
        );
        assert_eq!(made, (2, 3, 4), "files, reviews and votes, each made once");
        let connection = connection_db::find(&mut conn, &by_application[id])
            .unwrap()
            .unwrap();
        assert_eq!(
            connection.status.as_str(),
            afterwards.status(),
            "{afterwards:?}"
        );
    }
    let all: Vec<(String, String)> = applications::table
        .select((applications::id, applications::status))
        .load(&mut conn)
        .unwrap();
    let driven_ids: BTreeSet<&String> = driven.iter().map(|(id, _)| id).collect();
    let unknown: Vec<&(String, String)> = all
        .iter()
        .filter(|(id, _)| !driven_ids.contains(id))
        .collect();
    assert!(
        unknown.iter().all(|(_, status)| status == "draft"),
        "{unknown:?}"
    );
    assert!(unknown.len() <= Tally::count(&clients.tally.unanswered_starts));
}

#[tokio::test]
async fn a_server_killed_mid_traffic_restarts_and_keeps_every_invariant() {
    let applications = size("RESILIENCE_APPLICATIONS", 24);
    let kills = size("RESILIENCE_KILLS", 3);
    let began = Instant::now();
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn().await;
    let mut server = Server::start(&app.database_url, prompt_settings(&sink.url())).await;
    let front = browser_at(&app, &server.base());
    let (cast, others) = cast_and_providers(&app, &front, 4).await;
    let clients = Clients::new(&app, vec![server.base()]);
    let expected: usize = (0..applications)
        .map(|n| Afterwards::for_application(n).changes())
        .sum();

    // The killer: at a random point within each stretch of the traffic, SIGKILL, a
    // moment down, and the server again on the same port and database.
    let mut received_at_kill = Vec::new();
    let mut in_flight_at_kill = Vec::new();
    let killer = async {
        for k in 0..kills {
            let at = (k as f64 + rand::random::<f64>()) / kills as f64 * expected as f64;
            while clients.tally.changes() < at as usize * 9 / 10 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            in_flight_at_kill.push(Tally::count(&clients.tally.in_flight));
            server.kill();
            // Whatever the dead server had written to the SMTP server is read by now.
            tokio::time::sleep(Duration::from_millis(200 + rand::random_range(0..300))).await;
            received_at_kill.push(sink.received().len());
            server.boot().await;
        }
    };
    let (driven, ()) = tokio::join!(drive(&clients, &cast, &others, applications), killer);
    let traffic_done = began.elapsed();
    outbox_emptied(&app).await;
    server.kill();

    let events = audit_chain_intact(&app);
    nothing_lost(&app, &clients, &driven);
    let copies = every_message_delivered(&app, &sink);
    // A message is sent again only if its server was killed after the SMTP server
    // accepted it and before it was recorded as sent: between any two of its copies lies
    // a kill (one message may meet two), and a kill catches at most one message per SMTP
    // connection. Every copy carries the same Message-ID.
    for (id, at) in &copies {
        for pair in at.windows(2) {
            assert!(
                received_at_kill
                    .iter()
                    .any(|&kill| pair[0] < kill && kill <= pair[1]),
                "{id} sent again with no kill between ({at:?}; kills at {received_at_kill:?})"
            );
        }
    }
    let repeated = copies.values().filter(|at| at.len() > 1).count();
    let again: usize = copies.values().map(|at| at.len() - 1).sum();
    assert!(again <= kills * MAIL_CONNECTIONS);
    let tally = &clients.tally;
    assert_eq!(tally.changes(), expected, "every state change made once");
    println!(
        "backend {}: {kills} kills survived across {} state changes ({} answered, {} \
         made but unanswered, {} requests unanswered, requests in flight at each kill \
         {in_flight_at_kill:?}); {} messages delivered, {repeated} of them again \
         ({again} copies); {events} audit events intact; traffic {:.1} s, whole test \
         {:.1} s",
        if app.is_postgres() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        tally.changes(),
        Tally::count(&tally.told),
        Tally::count(&tally.kept_unanswered),
        Tally::count(&tally.unanswered),
        copies.len(),
        traffic_done.as_secs_f64(),
        began.elapsed().as_secs_f64(),
    );
}

/// The process id in a scheduler lease holder's name (`pid-uuid`).
fn lease_holder_pid(app: &TestApp) -> u32 {
    let holder: String = scheduler_leases::table
        .filter(scheduler_leases::name.eq("scheduler"))
        .select(scheduler_leases::holder)
        .first(&mut app.conn())
        .unwrap();
    holder.split('-').next().unwrap().parse().unwrap_or(0)
}

/// How many connection events of `kind` each connection has.
fn events_per_connection(app: &TestApp, kind: &str) -> BTreeMap<String, usize> {
    let rows: Vec<String> = connection_events::table
        .filter(connection_events::kind.eq(kind))
        .select(connection_events::connection_id)
        .load(&mut app.conn())
        .unwrap();
    let mut counts = BTreeMap::new();
    for id in rows {
        *counts.entry(id).or_default() += 1;
    }
    counts
}

/// Waits until each of `connections` has an event of `kind`, lets both schedulers run
/// a few more times, and checks that each has exactly one.
async fn done_once_each(app: &TestApp, connections: &BTreeSet<String>, kind: &str) {
    let deadline = Instant::now() + PATIENCE;
    while events_per_connection(app, kind).len() < connections.len() {
        assert!(
            Instant::now() < deadline,
            "{kind} not done for every connection"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let counts = events_per_connection(app, kind);
    assert_eq!(
        counts.keys().cloned().collect::<BTreeSet<_>>(),
        *connections
    );
    assert!(counts.values().all(|&n| n == 1), "{kind}: {counts:?}");
}

#[tokio::test]
async fn two_servers_on_one_database_share_sessions_numbers_jobs_and_mail() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        eprintln!(
            "skipped: several servers need PostgreSQL; set TEST_DATABASE_URL to run this test"
        );
        return;
    }
    let began = Instant::now();
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn().await;
    let mut servers = [
        Server::start(&app.database_url, prompt_settings(&sink.url())).await,
        Server::start(&app.database_url, prompt_settings(&sink.url())).await,
    ];
    let bases: Vec<String> = servers.iter().map(Server::base).collect();

    // A session begun on one server is valid on the other, and ends on both when its
    // user signs out on either.
    let provider = app.create_user("org_admin", None);
    let on_a = browser_at(&app, &bases[0]);
    on_a.sign_in_as(&provider).await;
    let on_b = {
        let mut tab = on_a.another_tab();
        tab.address = bases[1].clone();
        tab
    };
    assert_eq!(on_b.get("/applications").await.status(), StatusCode::OK);
    on_b.sign_out().await;
    let res = on_a.get("/applications").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/sign-in"));

    // Applications seen through by clients spread over both servers, request by request.
    let front = browser_at(&app, &bases[0]);
    let (cast, others) = cast_and_providers(&app, &front, 4).await;
    let clients = Clients::new(&app, bases.clone());
    let applications = 16;
    let expected: usize = (0..applications)
        .map(|n| Afterwards::for_application(n).changes())
        .sum();
    let driven = drive(&clients, &cast, &others, applications).await;
    nothing_lost(&app, &clients, &driven);
    assert_eq!(Tally::count(&clients.tally.unanswered), 0);

    // Scheduled jobs, with both servers' schedulers running every second: each
    // connection gets its 7-day expiry reminder once.
    assert_eq!(clients.tally.changes(), expected);
    let active: Vec<String> = connections::table
        .filter(connections::status.eq("active"))
        .select(connections::id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(active.len(), applications / 2);
    let connections: BTreeSet<String> = active.iter().cloned().collect();
    let today = SystemClock.today_in_vientiane();
    diesel::update(connections::table.filter(connections::id.eq_any(&active)))
        .set(connections::valid_until.eq(today + chrono::TimeDelta::days(7)))
        .execute(&mut app.conn())
        .unwrap();
    done_once_each(&app, &connections, "expiry_reminder").await;
    outbox_emptied(&app).await;

    // The server holding the scheduler's lease dies; the other takes the jobs over, and
    // each connection past its end expires once, also after the first is back.
    let holder = lease_holder_pid(&app);
    let dead = servers
        .iter()
        .position(|s| s.pid() == holder)
        .expect("a server holds the lease");
    servers[dead].kill();
    diesel::update(connections::table.filter(connections::id.eq_any(&active)))
        .set(connections::valid_until.eq(today - chrono::TimeDelta::days(1)))
        .execute(&mut app.conn())
        .unwrap();
    let deadline = Instant::now() + PATIENCE;
    while events_per_connection(&app, "expired").len() < connections.len() {
        assert!(Instant::now() < deadline, "the jobs were not taken over");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(lease_holder_pid(&app), servers[1 - dead].pid());
    servers[dead].boot().await;
    done_once_each(&app, &connections, "expired").await;
    outbox_emptied(&app).await;
    for server in &mut servers {
        server.kill();
    }

    let events = audit_chain_intact(&app);
    let copies = every_message_delivered(&app, &sink);
    let twice: Vec<_> = copies.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    for server in &servers {
        let log = server.log_text();
        assert!(!log.contains("ERROR"), "{log}");
    }
    println!(
        "two servers: {} state changes over both, {} messages each delivered once, \
         {events} audit events intact; {:.1} s",
        clients.tally.changes(),
        copies.len(),
        began.elapsed().as_secs_f64(),
    );
}

#[tokio::test]
async fn a_renewal_decided_while_its_connection_is_suspended_fails_neither() {
    let app = TestApp::spawn().await;
    let cast = Cast::assemble(&app).await;
    let connection = cast.approved_connection().await;
    let renewal = cast.renewal_in_vote(&connection.approval_number).await;
    for voter in cast.voters() {
        voter.vote(&renewal, "approve", "ok").await;
    }
    // Another writer holds the database while the decision and then the suspension
    // arrive, so that both wait at once: the decision first, the suspension behind it.
    let mut writer = app.conn();
    writer
        .batch_execute(if app.is_postgres() {
            "BEGIN; UPDATE audit_head SET last_seq = last_seq WHERE id = 1"
        } else {
            "BEGIN IMMEDIATE"
        })
        .unwrap();
    let decide = format!("/committee/applications/{renewal}/decide");
    let decision = cast.chair.post(
        &decide,
        &[
            ("legal_basis", "Notice No. 258"),
            ("validity_months", "12"),
            ("conditions", ""),
        ],
    );
    let suspension = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        cast.chair
            .post(
                &format!("/committee/connections/{}/suspend", connection.id),
                &[
                    ("reason", "Traffic to a scam call centre"),
                    ("confirm", "yes"),
                ],
            )
            .await
    };
    let release = async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        writer.batch_execute("ROLLBACK").unwrap();
    };
    let (decision, suspension, ()) = tokio::join!(decision, suspension, release);
    assert_eq!(decision.status(), StatusCode::SEE_OTHER);
    assert_eq!(suspension.status(), StatusCode::SEE_OTHER);
    let events = connection_events_of(&mut app.conn(), &connection.id);
    assert_eq!(events, ["approved", "renewed", "suspended"]);
    audit_chain_intact(&app);
}
