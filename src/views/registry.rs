//! Registry pages: the public list, a connection's public record, statistics, and the
//! provider's and the committee's views of connections.

use askama::Template;
use askama_web::WebTemplate;
use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime};

use super::{PageCtx, Pager};
use crate::db::models::connection::{
    Connection, ConnectionEvent, ConnectionFile, PublicConnection, ShowCause,
};
use crate::domain::application_form::CONNECTION_TYPES;
use crate::domain::connection::ConnectionStatus;
use crate::domain::country::{COUNTRIES, Country};
use crate::domain::language::Lang;
use crate::i18n;

/// A connection as the public sees it, ready to render.
#[derive(Debug, Clone)]
pub struct PublicRow {
    pub approval_number: String,
    pub provider: String,
    pub connection_type: String,
    pub counterparty: String,
    pub country: String,
    pub status: &'static str,
    pub status_label: String,
    pub valid_from: String,
    pub valid_until: String,
    pub revoked: String,
}

/// A connection's status as shown. An active approval whose validity has not begun says
/// from when it is valid: it is approved and in the registry as `active` (its filters,
/// exports and API say so, and its certificate is good), so only the words differ.
pub fn status_words(
    ctx: &PageCtx,
    status: ConnectionStatus,
    valid_from: NaiveDate,
    today: NaiveDate,
) -> String {
    if status == ConnectionStatus::Active && valid_from > today {
        ctx.t1("conn-status-active-from", "date", &ctx.date(valid_from))
    } else {
        RegistryLabels::of(ctx.lang).status_label(status)
    }
}

impl PublicRow {
    pub fn new(ctx: &PageCtx, c: &PublicConnection, today: NaiveDate) -> Self {
        let labels = RegistryLabels::of(ctx.lang);
        let status = ConnectionStatus::parse(&c.status).unwrap_or(ConnectionStatus::Active);
        Self {
            approval_number: c.approval_number.clone(),
            provider: ctx.pick(&c.provider_lo, &c.provider_en).to_string(),
            connection_type: labels.type_label(&c.connection_type),
            counterparty: c.counterparty_name.clone(),
            country: labels.country_name(&c.counterparty_country),
            status: status.as_str(),
            status_label: status_words(ctx, status, c.valid_from, today),
            valid_from: ctx.date(c.valid_from),
            valid_until: ctx.date(c.valid_until),
            revoked: c.revoked_at.map(|t| ctx.local_date(&t)).unwrap_or_default(),
        }
    }
}

pub fn country_name(ctx: &PageCtx, code: &str) -> String {
    RegistryLabels::of(ctx.lang).country_name(code)
}

/// The registry's filter choices and the labels of its rows in one language. They never
/// change while the server runs, and the public list shows them all on every page, so
/// they are translated and sorted once per language instead of once per request.
#[derive(Debug)]
pub struct RegistryLabels {
    pub countries: Options,
    pub types: Options,
    pub statuses: Options,
    /// "Name (CODE)" of every country, Laos included, by code.
    country_names: HashMap<&'static str, String>,
}

static REGISTRY_LABELS: LazyLock<[RegistryLabels; 2]> = LazyLock::new(|| {
    [
        RegistryLabels::build(Lang::Lo),
        RegistryLabels::build(Lang::En),
    ]
});

impl RegistryLabels {
    pub fn of(lang: Lang) -> &'static RegistryLabels {
        match lang {
            Lang::Lo => &REGISTRY_LABELS[0],
            Lang::En => &REGISTRY_LABELS[1],
        }
    }

    fn build(lang: Lang) -> Self {
        let name = |c: &Country| match lang {
            Lang::Lo if !c.name_lo.is_empty() => c.name_lo,
            _ => c.name_en,
        };
        let mut countries: Options = COUNTRIES
            .iter()
            .filter(|c| c.code != "LA")
            .map(|c| (c.code.to_string(), name(c).to_string()))
            .collect();
        countries.sort_by(|a, b| a.1.cmp(&b.1));
        Self {
            countries,
            types: CONNECTION_TYPES
                .iter()
                .map(|t| (t.to_string(), i18n::t(lang, &format!("conn-type-{t}"))))
                .collect(),
            statuses: ConnectionStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), i18n::t(lang, s.label_key())))
                .collect(),
            country_names: COUNTRIES
                .iter()
                .map(|c| (c.code, format!("{} ({})", name(c), c.code)))
                .collect(),
        }
    }

    /// A country's name with its code; an unknown code is shown as it is.
    pub fn country_name(&self, code: &str) -> String {
        self.country_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// A connection type's label; an unknown type is shown as it is.
    pub fn type_label(&self, kind: &str) -> String {
        self.types
            .iter()
            .find(|(value, _)| value == kind)
            .map_or_else(|| kind.to_string(), |(_, label)| label.clone())
    }

    pub fn status_label(&self, status: ConnectionStatus) -> String {
        self.statuses
            .iter()
            .find(|(value, _)| value == status.as_str())
            .map(|(_, label)| label.clone())
            .unwrap_or_default()
    }
}

/// The filter form's current values.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RegistryQuery {
    pub country: String,
    #[serde(rename = "type")]
    pub connection_type: String,
    pub status: String,
    pub provider: String,
    pub q: String,
    pub sort: String,
    pub after: String,
    pub before: String,
}

impl RegistryQuery {
    /// The query string of these filters (without the cursor), for links and exports.
    pub fn filters(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("country", &self.country),
            ("type", &self.connection_type),
            ("status", &self.status),
            ("provider", &self.provider),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        out.finish()
    }
}

/// The choices of a select: (value, label).
pub type Options = Vec<(String, String)>;

#[derive(Template, WebTemplate)]
#[template(path = "registry/list.html")]
pub struct RegistryPage {
    pub ctx: PageCtx,
    pub rows: Vec<PublicRow>,
    pub query: RegistryQuery,
    pub pager: Pager,
    pub labels: &'static RegistryLabels,
}

/// A dated event in a connection's history.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub when: String,
    pub what: String,
    pub reason: String,
}

/// Events the public may see, and how they are named.
pub const PUBLIC_EVENTS: [&str; 8] = [
    "approved",
    "modified",
    "renewed",
    "suspended",
    "reinstated",
    "revoked",
    "expired",
    "disconnection_confirmed",
];

pub fn event_rows(ctx: &PageCtx, events: &[ConnectionEvent], public_only: bool) -> Vec<EventRow> {
    events
        .iter()
        .filter(|e| !public_only || PUBLIC_EVENTS.contains(&e.kind.as_str()))
        .map(|e| EventRow {
            when: ctx.local_time(&e.occurred_at),
            what: ctx.t(&format!("conn-event-{}", e.kind.replace('_', "-"))),
            reason: if public_only {
                String::new()
            } else {
                e.reason.clone()
            },
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/show.html")]
pub struct PublicConnectionPage {
    pub ctx: PageCtx,
    pub row: PublicRow,
    pub history: Vec<EventRow>,
    /// The committee's page of this connection, for a signed-in reader of case files.
    pub committee_url: Option<String>,
    /// A signed certificate exists to print (connections loaded in bulk may have none).
    pub has_certificate: bool,
}

/// Every connection for the committee: the registry's filters and pages, each row leading
/// to the connection's committee page.
#[derive(Template, WebTemplate)]
#[template(path = "connections/all.html")]
pub struct CommitteeRegistryPage {
    pub ctx: PageCtx,
    /// The connection's id (for its committee page) and its row.
    pub rows: Vec<(String, PublicRow)>,
    pub query: RegistryQuery,
    pub pager: Pager,
    pub labels: &'static RegistryLabels,
}

/// A bar of a chart: label, value, and its length in percent of the longest.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub percent: i64,
    pub y: i64,
}

/// A horizontal bar chart drawn as SVG by the template.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub bars: Vec<Bar>,
    pub height: i64,
}

impl Chart {
    pub fn new(title: String, mut values: Vec<(String, i64)>) -> Self {
        values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let bars: Vec<Bar> = values
            .into_iter()
            .enumerate()
            .map(|(i, (label, value))| Bar {
                label,
                value,
                percent: value * 100 / max,
                y: i as i64 * 28,
            })
            .collect();
        Self {
            title,
            height: bars.len() as i64 * 28 + 4,
            bars,
        }
    }
}

/// The round step of a count axis: 1, 2 or 5 times a power of ten, so that at most five
/// steps reach `max`.
fn axis_step(max: i64) -> i64 {
    let mut power = 1;
    loop {
        for multiple in [1, 2, 5] {
            if multiple * power * 5 >= max {
                return multiple * power;
            }
        }
        power *= 10;
    }
}

/// Where a count axis ends: `max` rounded up to a whole step, at least one step.
fn axis_top(max: i64) -> i64 {
    let step = axis_step(max);
    ((max + step - 1) / step).max(1) * step
}

/// A labelled value on a chart's count axis, at `percent` of the axis' length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisTick {
    pub value: i64,
    pub percent: i64,
}

/// The labelled values of an axis from 0 to the round end above `max`.
fn axis_ticks(max: i64) -> Vec<AxisTick> {
    let (step, top) = (axis_step(max), axis_top(max));
    (0..=top / step)
        .map(|i| AxisTick {
            value: i * step,
            percent: i * step * 100 / top,
        })
        .collect()
}

/// One month's counts of approvals, suspensions and revocations, with bar lengths (in
/// percent of the count axis) and the row's position in the chart.
#[derive(Debug, Clone)]
pub struct MonthRow {
    pub month: String,
    pub approved: i64,
    pub suspended: i64,
    pub revoked: i64,
    pub approved_percent: i64,
    pub suspended_percent: i64,
    pub revoked_percent: i64,
    pub y: i64,
}

impl MonthRow {
    /// Rows in calendar order, scaled against the count axis of the largest count.
    pub fn rows(counts: Vec<(String, i64, i64, i64)>) -> Vec<MonthRow> {
        let max = axis_top(
            counts
                .iter()
                .map(|(_, a, s, r)| *a.max(s).max(r))
                .max()
                .unwrap_or(0),
        );
        counts
            .into_iter()
            .enumerate()
            .map(|(i, (month, approved, suspended, revoked))| MonthRow {
                month,
                approved,
                suspended,
                revoked,
                approved_percent: approved * 100 / max,
                suspended_percent: suspended * 100 / max,
                revoked_percent: revoked * 100 / max,
                y: i as i64 * 30,
            })
            .collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "registry/statistics.html")]
pub struct StatisticsPage {
    pub ctx: PageCtx,
    pub charts: Vec<Chart>,
    pub months: Vec<MonthRow>,
    pub month_title: String,
    pub median_days: Option<i64>,
    pub decided: usize,
}

impl StatisticsPage {
    pub fn median_text(&self) -> String {
        match self.median_days {
            Some(days) => self.ctx.t2(
                "stats-median",
                ("days", &days.to_string()),
                ("count", &self.decided.to_string()),
            ),
            None => self.ctx.t("stats-median-none"),
        }
    }

    /// The monthly chart's count axis.
    pub fn month_ticks(&self) -> Vec<AxisTick> {
        axis_ticks(
            self.months
                .iter()
                .map(|m| m.approved.max(m.suspended).max(m.revoked))
                .max()
                .unwrap_or(0),
        )
    }
}

/// A connection as its provider or the committee sees it.
#[derive(Debug, Clone)]
pub struct ConnectionRow {
    pub id: String,
    /// The provider's name, in the committee's list (empty in the provider's own).
    pub provider: String,
    pub approval_number: String,
    pub connection_type: String,
    pub counterparty: String,
    pub status: &'static str,
    pub status_label: String,
    pub valid_until: String,
    pub expires_soon: bool,
    pub deadline: String,
}

impl ConnectionRow {
    pub fn new(
        ctx: &PageCtx,
        c: &Connection,
        open_case: Option<&ShowCause>,
        now: NaiveDateTime,
    ) -> Self {
        let status = ConnectionStatus::parse(&c.status).unwrap_or(ConnectionStatus::Active);
        let today = now.date();
        let deadline = open_case.map(|case| case.response_deadline).or(c
            .disconnection_deadline
            .filter(|_| c.disconnection_confirmed_at.is_none()));
        Self {
            id: c.id.clone(),
            provider: String::new(),
            approval_number: c.approval_number.clone(),
            connection_type: ctx.t(&format!("conn-type-{}", c.connection_type)),
            counterparty: format!(
                "{} — {}",
                c.counterparty_name,
                country_name(ctx, &c.counterparty_country)
            ),
            status: status.as_str(),
            status_label: status_words(
                ctx,
                status,
                c.valid_from,
                crate::domain::clock::date_in_vientiane(&now),
            ),
            valid_until: ctx.date(c.valid_until),
            expires_soon: status == ConnectionStatus::Active
                && (c.valid_until - today).num_days() <= 90,
            deadline: deadline.map(|d| ctx.local_time(&d)).unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "connections/list.html")]
pub struct ConnectionsPage {
    pub ctx: PageCtx,
    pub title: String,
    pub rows: Vec<ConnectionRow>,
    pub committee: bool,
    /// The committee's list is paged and filtered; the provider's own is neither.
    pub pager: Option<Pager>,
    pub needs: Vec<(&'static str, String)>,
    pub query: ToActOnQuery,
}

/// The filter of the committee's connections to act on, and its cursors.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ToActOnQuery {
    /// Empty (any reason), `deadline`, `suspended`, `expiring` or `unverified`.
    pub need: String,
    pub after: String,
    pub before: String,
}

impl ToActOnQuery {
    /// The query string of the filter (without the cursors), for the pages' links.
    pub fn filters(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if !self.need.is_empty() {
            out.append_pair("need", &self.need);
        }
        out.finish()
    }
}

/// The reasons a connection is to act on, as (value, label), for the filter.
pub fn to_act_on_needs(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    [
        ("", "registry-any"),
        ("deadline", "to-act-on-deadline"),
        ("suspended", "conn-status-suspended"),
        ("expiring", "connection-expires-soon"),
        ("unverified", "to-act-on-unverified"),
    ]
    .into_iter()
    .map(|(value, key)| (value, ctx.t(key)))
    .collect()
}

/// A show-cause case for display.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub notice: String,
    pub opened: String,
    pub deadline: String,
    pub answer: Option<String>,
    pub outcome: String,
    /// Open, unanswered and past its deadline: no answer is taken any more.
    pub answers_closed: Option<String>,
}

impl CaseView {
    pub fn new(ctx: &PageCtx, c: &ShowCause, now: NaiveDateTime) -> Self {
        let deadline = ctx.local_time(&c.response_deadline);
        Self {
            answers_closed: (c.outcome.is_none()
                && c.answered_at.is_none()
                && now > c.response_deadline)
                .then(|| ctx.t1("error-show-cause-late", "deadline", &deadline)),
            notice: c.notice.clone(),
            opened: ctx.local_time(&c.opened_at),
            deadline,
            answer: c.answer.clone(),
            outcome: c
                .outcome
                .as_deref()
                .map(|o| ctx.t(&format!("case-result-{o}")))
                .unwrap_or_default(),
        }
    }
}

/// A file of a connection's proceedings, for display.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub url: String,
    pub purpose: String,
    pub file_name: String,
    pub sha256: String,
    pub uploaded: String,
}

impl FileRow {
    pub fn new(ctx: &PageCtx, f: &ConnectionFile) -> Self {
        Self {
            url: format!("/connections/{}/files/{}", f.connection_id, f.id),
            purpose: ctx.t(&format!("file-purpose-{}", f.purpose.replace('_', "-"))),
            file_name: f.file_name.clone(),
            sha256: f.sha256.clone(),
            uploaded: ctx.local_time(&f.uploaded_at),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "connections/show.html")]
pub struct ConnectionPage {
    pub ctx: PageCtx,
    pub row: ConnectionRow,
    /// The provider's legal name, in the page's language.
    pub provider: String,
    pub conditions: String,
    pub valid_from: String,
    pub capacity: i64,
    pub history: Vec<EventRow>,
    pub cases: Vec<CaseView>,
    pub files: Vec<FileRow>,
    pub can_upload_answer: bool,
    pub can_upload_evidence: bool,
    pub disconnection_deadline: String,
    pub disconnection_confirmed: bool,
    /// What the provider wrote when confirming the disconnection.
    pub disconnection_evidence: String,
    pub disconnection_verified: bool,
    /// A signed certificate exists to print.
    pub has_certificate: bool,
    /// The reader's page of the application whose approval set the current terms.
    pub application_url: String,
    /// The provider may apply to renew or modify it.
    pub can_apply: bool,
    /// Which forms to show: the provider's or the committee's, by role and state.
    pub committee: bool,
    pub can_answer: bool,
    pub can_confirm: bool,
    pub can_suspend: bool,
    pub can_reinstate: bool,
    pub can_show_cause: bool,
    pub can_decide_case: bool,
    /// Why the chair cannot revoke yet (the provider may still answer); closing the case
    /// stays possible.
    pub revoke_waits: Option<String>,
    pub can_verify: bool,
    /// Why an action sent from this page was refused, with what was typed.
    pub refusal: Option<super::Refusal>,
    pub errors: crate::domain::validation::FieldErrors,
    pub form: std::collections::BTreeMap<String, String>,
}

impl ConnectionPage {
    /// The action forms this user may use now: (path segment, title key).
    pub fn forms(&self) -> Vec<(&'static str, &'static str)> {
        [
            ("answer", "action-answer-case", self.can_answer),
            (
                "disconnected",
                "action-confirm-disconnection",
                self.can_confirm,
            ),
            ("suspend", "action-suspend", self.can_suspend),
            ("reinstate", "action-reinstate", self.can_reinstate),
            ("show-cause", "action-show-cause", self.can_show_cause),
            ("decide", "action-decide-case", self.can_decide_case),
            ("verify", "action-verify-disconnection", self.can_verify),
        ]
        .into_iter()
        .filter(|(_, _, shown)| *shown)
        .map(|(form, key, _)| (form, key))
        .collect()
    }

    pub fn value(&self, field: &str) -> String {
        self.form.get(field).cloned().unwrap_or_default()
    }

    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(|k| self.ctx.t(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(max: i64) -> Vec<i64> {
        axis_ticks(max).into_iter().map(|t| t.value).collect()
    }

    #[test]
    fn a_count_axis_has_a_few_round_values_reaching_the_largest_count() {
        assert_eq!(values(0), [0, 1]);
        assert_eq!(values(3), [0, 1, 2, 3]);
        assert_eq!(values(5), [0, 1, 2, 3, 4, 5]);
        assert_eq!(values(7), [0, 2, 4, 6, 8]);
        assert_eq!(values(12), [0, 5, 10, 15]);
        assert_eq!(values(100), [0, 20, 40, 60, 80, 100]);
        assert_eq!(values(101), [0, 50, 100, 150]);
        let ticks = axis_ticks(7);
        assert_eq!(ticks.first().map(|t| t.percent), Some(0));
        assert_eq!(ticks.last().map(|t| t.percent), Some(100));
    }

    #[test]
    fn monthly_bars_are_measured_against_the_axis() {
        let rows = MonthRow::rows(vec![
            ("2026-11".into(), 7, 2, 0),
            ("2026-12".into(), 4, 0, 1),
        ]);
        // The axis ends at 8, so 7 approvals fill 87 % of it and 4 fill half.
        assert_eq!(rows[0].approved_percent, 87);
        assert_eq!(rows[1].approved_percent, 50);
        assert_eq!(rows[1].y, 30);
    }
}
