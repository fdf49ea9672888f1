//! Operational figures in the Prometheus text format (version 0.0.4), served at `/metrics`:
//! requests and their latencies by route pattern, runs of the scheduled jobs and mail
//! deliveries, all counted in this process with atomics. The figures read from the
//! database at scrape time (the outbox's depth, overdue applications) are handed in by the
//! handler; this module knows no table and no route.

use std::fmt::Write;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

/// The media type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route label of a request that no route matched.
pub const UNMATCHED: &str = "unmatched";

/// The route label of requests recorded after the table of routes filled up.
const OVERFLOW: &str = "other";

/// Put on a request by the default service: no route matched it, so its label is known
/// without matching the path against every route again.
#[derive(Debug, Clone, Copy)]
pub struct Unmatched;

/// Methods with a label of their own; any other method is counted as `other`.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
];

const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Upper bounds of the latency buckets: in microseconds, and as the `le` label writes them.
const BUCKETS: [(u64, &str); 13] = [
    (1_000, "0.001"),
    (2_500, "0.0025"),
    (5_000, "0.005"),
    (10_000, "0.01"),
    (25_000, "0.025"),
    (50_000, "0.05"),
    (100_000, "0.1"),
    (250_000, "0.25"),
    (500_000, "0.5"),
    (1_000_000, "1"),
    (2_500_000, "2.5"),
    (5_000_000, "5"),
    (10_000_000, "10"),
];

/// Room for every (method, route pattern) pair the application can answer, several times
/// over (a route answers one or two methods; unmatched requests take one slot per method).
const ROUTE_SLOTS: usize = 512;

/// Everything counted in this process. One per server, shared by its workers, its
/// scheduler and its mail worker.
pub struct Metrics {
    started_at: f64,
    http: RouteTable,
    scheduler_runs: [AtomicU64; 3],
    scheduler_last_ran: AtomicI64,
    mail: [AtomicU64; 3],
}

/// How one run of the scheduled jobs ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulerOutcome {
    /// This process held the lease and ran the jobs.
    Ran,
    /// Another server held the lease.
    Skipped,
    Failed,
}

const SCHEDULER_OUTCOMES: [&str; 3] = ["ran", "skipped", "failed"];
const MAIL_OUTCOMES: [&str; 3] = ["sent", "retried", "failed"];

/// The figures read from the database for one scrape.
#[derive(Debug, Clone, Default)]
pub struct DatabaseFigures {
    /// Outbox messages per status.
    pub outbox: Vec<(String, i64)>,
    pub overdue_applications: i64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self {
            started_at: unix_now(),
            http: RouteTable::with_slots(ROUTE_SLOTS),
            scheduler_runs: Default::default(),
            scheduler_last_ran: AtomicI64::new(0),
            mail: Default::default(),
        }
    }

    /// Counts one answered request, its method given by [`method_index`], under its route
    /// pattern (or [`UNMATCHED`]).
    fn record_request(&self, method: u8, route: &str, status: u16, took: Duration) {
        self.http.series(method, route).record(status, took);
    }

    /// Counts one run of the scheduled jobs.
    pub fn record_scheduler_run(&self, outcome: SchedulerOutcome) {
        self.scheduler_runs[outcome as usize].fetch_add(1, Relaxed);
        if outcome == SchedulerOutcome::Ran {
            self.scheduler_last_ran.store(unix_now() as i64, Relaxed);
        }
    }

    /// Counts the outcomes of one pass of the mail worker.
    pub fn record_mail(&self, sent: usize, retried: usize, failed: usize) {
        for (counter, n) in self.mail.iter().zip([sent, retried, failed]) {
            counter.fetch_add(n as u64, Relaxed);
        }
    }

    /// The whole exposition; `database` is `None` when the database did not answer.
    pub fn render(&self, database: Option<&DatabaseFigures>) -> String {
        let mut series = self.http.all();
        series.sort_by(|a, b| (&a.route, a.method).cmp(&(&b.route, b.method)));
        let mut out = String::with_capacity(4096 + series.len() * 1800);
        header(
            &mut out,
            "interconnect_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route pattern and status class.",
        );
        for s in &series {
            for (class, count) in STATUS_CLASSES.iter().zip(&s.statuses) {
                match count.load(Relaxed) {
                    0 => {}
                    n => sample(
                        &mut out,
                        "interconnect_http_requests_total",
                        &[
                            ("method", s.method()),
                            ("route", &s.route),
                            ("status", class),
                        ],
                        n,
                    ),
                }
            }
        }
        header(
            &mut out,
            "interconnect_http_request_duration_seconds",
            "histogram",
            "Time to answer a request (until the response head), by method and route pattern.",
        );
        for s in &series {
            s.render_histogram(&mut out);
        }
        header(
            &mut out,
            "interconnect_scheduler_runs_total",
            "counter",
            "Runs of the scheduled jobs by this process: ran, skipped (another server held the lease) or failed.",
        );
        for (outcome, count) in SCHEDULER_OUTCOMES.iter().zip(&self.scheduler_runs) {
            sample(
                &mut out,
                "interconnect_scheduler_runs_total",
                &[("outcome", outcome)],
                count.load(Relaxed),
            );
        }
        header(
            &mut out,
            "interconnect_scheduler_last_run_timestamp_seconds",
            "gauge",
            "When this process last ran the scheduled jobs, in Unix time (0: not yet).",
        );
        sample(
            &mut out,
            "interconnect_scheduler_last_run_timestamp_seconds",
            &[],
            self.scheduler_last_ran.load(Relaxed),
        );
        header(
            &mut out,
            "interconnect_mail_deliveries_total",
            "counter",
            "Delivery attempts by this process's mail worker: sent, retried (to be tried again) or failed (given up).",
        );
        for (outcome, count) in MAIL_OUTCOMES.iter().zip(&self.mail) {
            sample(
                &mut out,
                "interconnect_mail_deliveries_total",
                &[("outcome", outcome)],
                count.load(Relaxed),
            );
        }
        header(
            &mut out,
            "interconnect_database_up",
            "gauge",
            "Whether the database answered this scrape's queries (the outbox and overdue figures).",
        );
        sample(
            &mut out,
            "interconnect_database_up",
            &[],
            u8::from(database.is_some()),
        );
        if let Some(figures) = database {
            header(
                &mut out,
                "interconnect_outbox_messages",
                "gauge",
                "Messages in the outbox, by status.",
            );
            for (status, count) in &figures.outbox {
                sample(
                    &mut out,
                    "interconnect_outbox_messages",
                    &[("status", status)],
                    count,
                );
            }
            header(
                &mut out,
                "interconnect_applications_overdue",
                "gauge",
                "Applications past their decision date while the committee's clock runs.",
            );
            sample(
                &mut out,
                "interconnect_applications_overdue",
                &[],
                figures.overdue_applications,
            );
        }
        header(
            &mut out,
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since the Unix epoch in seconds.",
        );
        sample(&mut out, "process_start_time_seconds", &[], self.started_at);
        header(
            &mut out,
            "interconnect_build_info",
            "gauge",
            "The running version, as a label.",
        );
        sample(
            &mut out,
            "interconnect_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1,
        );
        out
    }
}

/// The middleware that times every request and counts it under its route pattern. It is
/// the outermost layer, so the time includes the session lookup and error pages.
pub async fn record_requests<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = method_index(req.method());
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        let took = started.elapsed();
        match &result {
            Ok(res) => {
                let request = res.request();
                // After routing, the pattern comes from the matched resource's index.
                let pattern = if request.extensions().contains::<Unmatched>() {
                    None
                } else {
                    request.match_pattern()
                };
                let route = pattern.as_deref().unwrap_or(UNMATCHED);
                metrics.record_request(method, route, res.status().as_u16(), took);
            }
            // A middleware failed: the request, and with it the route, is gone.
            Err(e) => {
                let status = e.as_response_error().status_code().as_u16();
                metrics.record_request(method, UNMATCHED, status, took);
            }
        }
    }
    result
}

/// The requests of one (method, route pattern) pair.
struct Series {
    method: u8,
    route: Box<str>,
    statuses: [AtomicU64; 5],
    /// Requests per latency bucket, not cumulative; the last is above every bound.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    micros: AtomicU64,
}

impl Series {
    fn new(method: u8, route: &str) -> Self {
        Self {
            method,
            route: route.into(),
            statuses: Default::default(),
            buckets: Default::default(),
            micros: AtomicU64::new(0),
        }
    }

    fn method(&self) -> &'static str {
        METHODS[usize::from(self.method)]
    }

    fn record(&self, status: u16, took: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.statuses[class].fetch_add(1, Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let bucket = BUCKETS
            .iter()
            .position(|(bound, _)| micros <= *bound)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Relaxed);
        self.micros.fetch_add(micros, Relaxed);
    }

    fn render_histogram(&self, out: &mut String) {
        const BUCKET: &str = "interconnect_http_request_duration_seconds_bucket";
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Relaxed)).collect();
        let mut cumulative = 0;
        for ((_, le), count) in BUCKETS.iter().zip(&counts) {
            cumulative += count;
            sample(
                out,
                BUCKET,
                &[
                    ("method", self.method()),
                    ("route", &self.route),
                    ("le", le),
                ],
                cumulative,
            );
        }
        cumulative += counts[BUCKETS.len()];
        let labels = [("method", self.method()), ("route", &*self.route)];
        sample(
            out,
            BUCKET,
            &[labels[0], labels[1], ("le", "+Inf")],
            cumulative,
        );
        let seconds = self.micros.load(Relaxed) as f64 / 1e6;
        sample(
            out,
            "interconnect_http_request_duration_seconds_sum",
            &labels,
            seconds,
        );
        sample(
            out,
            "interconnect_http_request_duration_seconds_count",
            &labels,
            cumulative,
        );
    }
}

/// A fixed table of series found by hashing (method, route), with linear probing. A slot,
/// once filled, never changes, so a lookup is a few atomic loads and takes no lock; only
/// the first request of a pair fills a slot.
struct RouteTable {
    slots: Box<[OnceLock<Series>]>,
    /// Where requests go once every slot is taken.
    overflow: Series,
}

impl RouteTable {
    /// `slots` must be a power of two.
    fn with_slots(slots: usize) -> Self {
        Self {
            slots: (0..slots).map(|_| OnceLock::new()).collect(),
            overflow: Series::new(METHODS.len() as u8 - 1, OVERFLOW),
        }
    }

    fn series(&self, method: u8, route: &str) -> &Series {
        let mut hasher = DefaultHasher::new();
        (method, route).hash(&mut hasher);
        let mask = self.slots.len() - 1;
        let start = hasher.finish() as usize & mask;
        for i in 0..self.slots.len() {
            let series = self.slots[(start + i) & mask].get_or_init(|| Series::new(method, route));
            if series.method == method && &*series.route == route {
                return series;
            }
        }
        &self.overflow
    }

    /// Every series with at least one request.
    fn all(&self) -> Vec<&Series> {
        let overflowed = self.overflow.buckets.iter().any(|b| b.load(Relaxed) > 0);
        self.slots
            .iter()
            .filter_map(OnceLock::get)
            .chain(overflowed.then_some(&self.overflow))
            .collect()
    }
}

/// The position of `method`'s label in [`METHODS`].
fn method_index(method: &Method) -> u8 {
    let known = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    known
        .iter()
        .position(|m| m == method)
        .unwrap_or(known.len()) as u8
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// One sample line: `name{label="value",…} value`.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (label, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(label);
            out.push_str("=\"");
            escape_label_value(out, value);
            out.push('"');
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the format requires: backslash, double quote and line feed escaped.
fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
        text.lines().filter(|l| l.starts_with(prefix)).collect()
    }

    #[test]
    fn requests_are_counted_by_method_route_and_status_class() {
        let m = Metrics::new();
        let ms = Duration::from_millis;
        let (get, post) = (method_index(&Method::GET), method_index(&Method::POST));
        let brew = method_index(&Method::from_bytes(b"BREW").unwrap());
        m.record_request(get, "/applications/{id}", 200, ms(3));
        m.record_request(get, "/applications/{id}", 404, ms(1));
        m.record_request(get, "/applications/{id}", 204, ms(20));
        m.record_request(post, "/applications/{id}", 303, ms(12_000));
        m.record_request(brew, UNMATCHED, 404, ms(0));
        let text = m.render(None);
        let requests = lines_of(&text, "interconnect_http_requests_total{");
        assert_eq!(
            requests,
            [
                r#"interconnect_http_requests_total{method="GET",route="/applications/{id}",status="2xx"} 2"#,
                r#"interconnect_http_requests_total{method="GET",route="/applications/{id}",status="4xx"} 1"#,
                r#"interconnect_http_requests_total{method="POST",route="/applications/{id}",status="3xx"} 1"#,
                r#"interconnect_http_requests_total{method="other",route="unmatched",status="4xx"} 1"#,
            ]
        );
    }

    #[test]
    fn a_histogram_has_cumulative_buckets_a_sum_and_a_count() {
        let m = Metrics::new();
        for millis in [1, 3, 3, 20, 12_000] {
            m.record_request(0, "/livez", 200, Duration::from_millis(millis));
        }
        let text = m.render(None);
        let prefix =
            r#"interconnect_http_request_duration_seconds_bucket{method="GET",route="/livez",le="#;
        let buckets: Vec<(&str, u64)> = lines_of(&text, prefix)
            .iter()
            .map(|l| {
                let (le, count) = l[prefix.len()..].split_once("} ").unwrap();
                (le.trim_matches('"'), count.parse().unwrap())
            })
            .collect();
        assert_eq!(buckets.len(), BUCKETS.len() + 1);
        assert_eq!(buckets[0], ("0.001", 1), "1 ms is within the first bound");
        assert_eq!(buckets[2], ("0.005", 3));
        assert_eq!(buckets[4], ("0.025", 4));
        assert_eq!(buckets[12], ("10", 4));
        assert_eq!(buckets[13], ("+Inf", 5), "12 s is above every bound");
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1));
        assert!(text.contains(
            "interconnect_http_request_duration_seconds_sum{method=\"GET\",route=\"/livez\"} 12.027\n"
        ));
        assert!(text.contains(
            "interconnect_http_request_duration_seconds_count{method=\"GET\",route=\"/livez\"} 5\n"
        ));
    }

    #[test]
    fn every_metric_is_declared_once_before_its_samples() {
        let m = Metrics::new();
        m.record_request(0, "/", 200, Duration::from_millis(2));
        m.record_scheduler_run(SchedulerOutcome::Skipped);
        m.record_mail(2, 1, 0);
        let figures = DatabaseFigures {
            outbox: vec![("queued".into(), 4), ("failed".into(), 1)],
            overdue_applications: 2,
        };
        let text = m.render(Some(&figures));
        assert!(text.ends_with('\n'));
        let mut declared: Vec<&str> = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let name = rest.split(' ').next().unwrap();
                assert!(!declared.contains(&name), "{name} declared twice");
                declared.push(name);
            } else if !line.starts_with("# HELP ") {
                let name = line.split(['{', ' ']).next().unwrap();
                let family = declared.last().unwrap();
                assert!(name.starts_with(family), "{line} follows {family}");
                let value = line.rsplit(' ').next().unwrap();
                assert!(value.parse::<f64>().is_ok(), "{line}");
            }
        }
        for expected in [
            "interconnect_scheduler_runs_total{outcome=\"skipped\"} 1",
            "interconnect_scheduler_runs_total{outcome=\"ran\"} 0",
            "interconnect_scheduler_last_run_timestamp_seconds 0",
            "interconnect_mail_deliveries_total{outcome=\"sent\"} 2",
            "interconnect_mail_deliveries_total{outcome=\"retried\"} 1",
            "interconnect_database_up 1",
            "interconnect_outbox_messages{status=\"queued\"} 4",
            "interconnect_outbox_messages{status=\"failed\"} 1",
            "interconnect_applications_overdue 2",
            "interconnect_build_info{version=\"0.1.0\"} 1",
        ] {
            assert!(text.lines().any(|l| l == expected), "{expected} in\n{text}");
        }
    }

    #[test]
    fn without_the_database_its_figures_are_left_out() {
        let text = Metrics::new().render(None);
        assert!(text.contains("\ninterconnect_database_up 0\n"));
        assert!(!text.contains("interconnect_outbox_messages"));
        assert!(!text.contains("interconnect_applications_overdue"));
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = String::new();
        sample(&mut out, "m", &[("a", "x\\y\"z\nw"), ("b", "ok")], 1);
        assert_eq!(out, "m{a=\"x\\\\y\\\"z\\nw\",b=\"ok\"} 1\n");
    }

    #[test]
    fn a_full_table_counts_further_pairs_under_one_label() {
        let table = RouteTable::with_slots(4);
        for route in ["/a", "/b", "/c", "/d", "/e", "/f"] {
            table.series(0, route).record(200, Duration::ZERO);
        }
        table.series(0, "/a").record(200, Duration::ZERO);
        let series = table.all();
        assert_eq!(series.len(), 5, "four slots and the overflow");
        let count = |route: &str| {
            series
                .iter()
                .find(|s| &*s.route == route)
                .map(|s| s.statuses[1].load(Relaxed))
        };
        assert_eq!(count("/a"), Some(2), "a pair keeps its slot");
        assert_eq!(count(OVERFLOW), Some(2));
        assert_eq!(count("/e"), None);
    }
}
