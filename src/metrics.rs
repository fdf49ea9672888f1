//! Operational figures in the Prometheus text format (version 0.0.4), served at `/metrics`:
//! requests and their latencies by route pattern, runs of the scheduled jobs and mail
//! deliveries, counted in this process. `prometheus-client` keeps the counters and
//! histograms and writes the exposition; this module chooses the names and labels. The
//! figures read from the database at scrape time (the outbox's depth, overdue
//! applications) are handed in by the handler; this module knows no table and no route.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use prometheus_client::encoding::prometheus_text::encode;
use prometheus_client::encoding::{EncodeMetric, MetricEncoder};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// The media type of the text exposition format.
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The route label of a request that no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Put on a request by the default service: no route matched it, so its label is known
/// without matching the path against every route again.
#[derive(Debug, Clone, Copy)]
pub struct Unmatched;

/// The method label: the common methods by name, any other as `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HttpMethod {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Other,
}

impl HttpMethod {
    pub fn of(method: &Method) -> Self {
        [
            (Method::GET, Self::Get),
            (Method::HEAD, Self::Head),
            (Method::POST, Self::Post),
            (Method::PUT, Self::Put),
            (Method::PATCH, Self::Patch),
            (Method::DELETE, Self::Delete),
            (Method::OPTIONS, Self::Options),
        ]
        .into_iter()
        .find_map(|(known, label)| (known == method).then_some(label))
        .unwrap_or(Self::Other)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Other => "other",
        }
    }
}

const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How one run of the scheduled jobs ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulerOutcome {
    /// This process held the lease and ran the jobs.
    Ran,
    /// Another server held the lease.
    Skipped,
    Failed,
}

impl SchedulerOutcome {
    const ALL: [SchedulerOutcome; 3] = [Self::Ran, Self::Skipped, Self::Failed];

    fn as_str(self) -> &'static str {
        match self {
            Self::Ran => "ran",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
        }
    }
}

const MAIL_OUTCOMES: [&str; 3] = ["sent", "retried", "failed"];

/// A family's label set of one label.
type OneLabel<V> = [(&'static str, V); 1];

/// The figures read from the database for one scrape.
#[derive(Debug, Clone, Default)]
pub struct DatabaseFigures {
    /// Outbox messages per status.
    pub outbox: Vec<(String, i64)>,
    pub overdue_applications: i64,
}

/// Everything counted in this process. One per server, shared by its workers, its
/// scheduler and its mail worker.
pub struct Metrics {
    registry: Registry,
    requests: Arc<Requests>,
    scheduler_runs: Family<OneLabel<&'static str>, Counter>,
    scheduler_last_ran: Gauge,
    mail: Family<OneLabel<&'static str>, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let requests = Arc::new(Requests::default());
        // Every outcome is shown from the first scrape on, at 0 until it happens.
        let scheduler_runs = Family::default();
        for outcome in SchedulerOutcome::ALL {
            drop(scheduler_runs.get_or_create(&[("outcome", outcome.as_str())]));
        }
        let scheduler_last_ran = Gauge::default();
        let mail = Family::default();
        for outcome in MAIL_OUTCOMES {
            drop(mail.get_or_create(&[("outcome", outcome)]));
        }
        let started_at = Gauge::<f64, AtomicU64>::default();
        started_at.set(unix_now());

        let mut registry = Registry::default();
        registry.register(
            "interconnect_http_requests",
            "HTTP requests answered, by method, route pattern and status class",
            RequestCounts(requests.clone()),
        );
        registry.register(
            "interconnect_http_request_duration_seconds",
            "Time to answer a request (until the response head), by method and route pattern",
            RequestDurations(requests.clone()),
        );
        registry.register(
            "interconnect_scheduler_runs",
            "Runs of the scheduled jobs by this process: ran, skipped (another server held the lease) or failed",
            scheduler_runs.clone(),
        );
        registry.register(
            "interconnect_scheduler_last_run_timestamp_seconds",
            "When this process last ran the scheduled jobs, in Unix time (0: not yet)",
            scheduler_last_ran.clone(),
        );
        registry.register(
            "interconnect_mail_deliveries",
            "Delivery attempts by this process's mail worker: sent, retried (to be tried again) or failed (given up)",
            mail.clone(),
        );
        registry.register(
            "process_start_time_seconds",
            "Start time of the process since the Unix epoch in seconds",
            started_at,
        );
        registry.register(
            "interconnect_build",
            "The running version, as a label",
            Info::new([("version", env!("CARGO_PKG_VERSION"))]),
        );
        Self {
            registry,
            requests,
            scheduler_runs,
            scheduler_last_ran,
            mail,
        }
    }

    /// Counts one answered request under its route pattern (or [`UNMATCHED`]).
    pub fn record_request(
        &self,
        method: HttpMethod,
        route: impl Into<Cow<'static, str>>,
        status: u16,
        took: Duration,
    ) {
        self.requests.record(
            RouteKey {
                method,
                route: route.into(),
            },
            status,
            took,
        );
    }

    /// Counts one run of the scheduled jobs.
    pub fn record_scheduler_run(&self, outcome: SchedulerOutcome) {
        self.scheduler_runs
            .get_or_create(&[("outcome", outcome.as_str())])
            .inc();
        if outcome == SchedulerOutcome::Ran {
            self.scheduler_last_ran.set(unix_now() as i64);
        }
    }

    /// Counts the outcomes of one pass of the mail worker.
    pub fn record_mail(&self, sent: usize, retried: usize, failed: usize) {
        for (outcome, n) in MAIL_OUTCOMES.into_iter().zip([sent, retried, failed]) {
            self.mail
                .get_or_create(&[("outcome", outcome)])
                .inc_by(n as u64);
        }
    }

    /// The whole exposition; `database` is `None` when the database did not answer.
    pub fn render(&self, database: Option<&DatabaseFigures>) -> Result<String, fmt::Error> {
        let mut scrape = Registry::default();
        let up = Gauge::<i64>::default();
        up.set(i64::from(database.is_some()));
        scrape.register(
            "interconnect_database_up",
            "Whether the database answered this scrape's queries (the outbox and overdue figures)",
            up,
        );
        if let Some(figures) = database {
            let outbox = Family::<OneLabel<String>, Gauge>::default();
            for (status, count) in &figures.outbox {
                outbox
                    .get_or_create(&[("status", status.clone())])
                    .set(*count);
            }
            scrape.register(
                "interconnect_outbox_messages",
                "Messages in the outbox, by status",
                outbox,
            );
            let overdue = Gauge::<i64>::default();
            overdue.set(figures.overdue_applications);
            scrape.register(
                "interconnect_applications_overdue",
                "Applications past their decision date while the committee's clock runs",
                overdue,
            );
        }
        let mut out = String::with_capacity(4096 + self.requests.len() * 1800);
        encode(&mut out, &self.registry)?;
        encode(&mut out, &scrape)?;
        Ok(out)
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
    let method = HttpMethod::of(req.method());
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
                let route = pattern.map_or(Cow::Borrowed(UNMATCHED), Cow::Owned);
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

/// A (method, route pattern) pair: the labels of one series of requests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RouteKey {
    method: HttpMethod,
    route: Cow<'static, str>,
}

impl RouteKey {
    fn labels(&self) -> [(&'static str, &str); 2] {
        [("method", self.method.as_str()), ("route", &self.route)]
    }
}

/// The requests of one (method, route pattern) pair.
#[derive(Debug)]
struct Series {
    statuses: [Counter; 5],
    duration: Histogram,
}

/// Every series of requests seen so far. Route patterns and methods are few, so the map
/// stays small; after its first request a pair only takes the read lock.
#[derive(Debug, Default)]
struct Requests {
    series: RwLock<HashMap<RouteKey, Series>>,
}

impl Requests {
    fn record(&self, key: RouteKey, status: u16, took: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        let seconds = took.as_secs_f64();
        if let Some(series) = self.read().get(&key) {
            series.statuses[class].inc();
            series.duration.observe(seconds);
            return;
        }
        // A panic while the lock was held cannot leave the map half-written (every change
        // is one insert), so a poisoned lock is still sound to use.
        let mut all = self.series.write().unwrap_or_else(PoisonError::into_inner);
        let series = all.entry(key).or_insert_with(|| Series {
            statuses: Default::default(),
            duration: Histogram::new(BUCKETS),
        });
        series.statuses[class].inc();
        series.duration.observe(seconds);
    }

    fn read(&self) -> RwLockReadGuard<'_, HashMap<RouteKey, Series>> {
        self.series.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn len(&self) -> usize {
        self.read().len()
    }

    /// Every series, by route pattern and then method, so that a scrape reads in order.
    fn sorted(all: &HashMap<RouteKey, Series>) -> Vec<(&RouteKey, &Series)> {
        let mut series: Vec<_> = all.iter().collect();
        series.sort_by(|(a, _), (b, _)| (&a.route, a.method).cmp(&(&b.route, b.method)));
        series
    }
}

/// The request counters, by method, route pattern and status class; a class with no
/// request yet is left out.
#[derive(Debug)]
struct RequestCounts(Arc<Requests>);

impl EncodeMetric for RequestCounts {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), fmt::Error> {
        let all = self.0.read();
        for (key, series) in Requests::sorted(&all) {
            let [method, route] = key.labels();
            for (class, counter) in STATUS_CLASSES.into_iter().zip(&series.statuses) {
                if counter.get() > 0 {
                    counter.encode(encoder.encode_family(&[
                        method,
                        route,
                        ("status", class),
                    ])?)?;
                }
            }
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Counter
    }
}

/// The latency histograms, by method and route pattern.
#[derive(Debug)]
struct RequestDurations(Arc<Requests>);

impl EncodeMetric for RequestDurations {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), fmt::Error> {
        let all = self.0.read();
        for (key, series) in Requests::sorted(&all) {
            series
                .duration
                .encode(encoder.encode_family(&key.labels())?)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
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
        let (get, post) = (HttpMethod::of(&Method::GET), HttpMethod::of(&Method::POST));
        let brew = HttpMethod::of(&Method::from_bytes(b"BREW").unwrap());
        m.record_request(get, "/applications/{id}", 200, ms(3));
        m.record_request(get, "/applications/{id}", 404, ms(1));
        m.record_request(get, "/applications/{id}", 204, ms(20));
        m.record_request(post, "/applications/{id}", 303, ms(12_000));
        m.record_request(brew, UNMATCHED, 404, ms(0));
        let text = m.render(None).unwrap();
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
            m.record_request(
                HttpMethod::Get,
                "/livez",
                200,
                Duration::from_millis(millis),
            );
        }
        let text = m.render(None).unwrap();
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
        m.record_request(HttpMethod::Get, "/", 200, Duration::from_millis(2));
        m.record_scheduler_run(SchedulerOutcome::Skipped);
        m.record_mail(2, 1, 0);
        let figures = DatabaseFigures {
            outbox: vec![("queued".into(), 4), ("failed".into(), 1)],
            overdue_applications: 2,
        };
        let text = m.render(Some(&figures)).unwrap();
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
        let text = Metrics::new().render(None).unwrap();
        assert!(text.contains("\ninterconnect_database_up 0\n"));
        assert!(!text.contains("interconnect_outbox_messages"));
        assert!(!text.contains("interconnect_applications_overdue"));
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::new();
        m.record_request(HttpMethod::Get, "x\\y\"z\nw", 200, Duration::ZERO);
        let text = m.render(None).unwrap();
        assert!(text.contains("{method=\"GET\",route=\"x\\\\y\\\"z\\nw\",status=\"2xx\"} 1\n"));
    }
}
