//! The public registry's pages: the list, a connection's public record, statistics, and
//! the CSV and JSON exports; and the public wording of a connection (its row, status,
//! country and history) that the connection and certificate pages share.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use futures_util::{Stream, StreamExt};

use super::{PageCtx, Pager};
use crate::db::models::connection::{ConnectionEvent, PublicConnection};
use crate::domain::application_form::CONNECTION_TYPES;
use crate::domain::connection::{ConnectionStatus, PUBLIC_EVENTS};
use crate::domain::country::{COUNTRIES, Country};
use crate::domain::language::Lang;
use crate::i18n;
use crate::workflows::WorkflowError;
use crate::workflows::registry::{EXPORT_BATCH, RegistryQuery, Statistics};

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
        let status = c.status;
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
    /// The choices of the country filter among `codes`, and `chosen` (a country a link
    /// asks for, even where nothing reaches it), in the order of their names.
    pub fn countries_among(
        &'static self,
        codes: &[String],
        chosen: &str,
    ) -> Vec<&'static (String, String)> {
        self.countries
            .iter()
            .filter(|(code, _)| code == chosen || codes.iter().any(|c| c == code))
            .collect()
    }

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

/// The choices of a select: (value, label).
pub type Options = Vec<(String, String)>;

/// The public registry's list without the page around it. What it shows depends only on
/// the data, the language, the day and the query (never on who reads it), so it is
/// rendered once per registry version and kept.
#[derive(Template)]
#[template(path = "registry/list_content.html")]
pub struct RegistryContent<'a> {
    pub ctx: &'a PageCtx,
    /// The countries the filter offers: those the registry's connections reach.
    pub countries: Vec<&'static (String, String)>,
    pub rows: Vec<PublicRow>,
    pub query: RegistryQuery,
    pub pager: Pager,
    pub labels: &'static RegistryLabels,
}

/// A public page whose content was rendered once for the registry version it shows and
/// kept, in the page of its reader (the header, the language switch).
#[derive(Template, WebTemplate)]
#[template(path = "kept_page.html")]
pub struct KeptPage {
    pub ctx: PageCtx,
    pub title: String,
    pub content: std::sync::Arc<str>,
}

/// A dated event in a connection's history.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub when: String,
    pub what: String,
    pub reason: String,
}

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

/// `/statistics` without the page around it: the same for every reader of a language on
/// a day, so rendered once per registry version and kept.
#[derive(Template)]
#[template(path = "registry/statistics_content.html")]
pub struct StatisticsContent<'a> {
    pub ctx: &'a PageCtx,
    pub charts: Vec<Chart>,
    pub months: Vec<MonthRow>,
    pub month_title: String,
    pub median_days: Option<i64>,
    pub decided: usize,
}

impl<'a> StatisticsContent<'a> {
    /// The registry's figures in the reader's language.
    pub fn new(ctx: &'a PageCtx, stats: Statistics) -> Self {
        let label_status = |s: &str| {
            ConnectionStatus::parse(s)
                .map(|s| ctx.t(s.label_key()))
                .unwrap_or_else(|| s.to_string())
        };
        let charts = vec![
            Chart::new(
                ctx.t("stats-by-status"),
                stats
                    .by_status
                    .iter()
                    .map(|(s, n)| (label_status(s), *n))
                    .collect(),
            ),
            Chart::new(
                ctx.t("stats-by-country"),
                stats
                    .by_country
                    .iter()
                    .map(|(c, n)| (country_name(ctx, c), *n))
                    .collect(),
            ),
            Chart::new(
                ctx.t("stats-by-type"),
                stats
                    .by_type
                    .iter()
                    .map(|(t, n)| (ctx.t(&format!("conn-type-{t}")), *n))
                    .collect(),
            ),
        ];
        StatisticsContent {
            charts,
            month_title: ctx.t("stats-approvals-per-month"),
            months: MonthRow::rows(stats.months),
            median_days: stats.median_days,
            decided: stats.decided,
            ctx,
        }
    }

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

/// Characters a spreadsheet may split a line on: the comma, and the semicolon, tab and
/// bar some use as their list separator (and line ends, for one that ignores quotes).
const CSV_SEPARATORS: [char; 6] = [',', ';', '\t', '|', '\n', '\r'];

/// Characters that make a spreadsheet read the rest of a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell no spreadsheet runs as a formula, whatever separator it splits on: wherever
/// a formula character begins the cell or follows a separator (spaces between them
/// aside), a `'` is put in front of it, which spreadsheets take as "this is text". The
/// cell is then quoted when it holds a comma, quote or line end.
pub fn csv_cell(value: &str) -> String {
    let mut cell = String::with_capacity(value.len() + 2);
    let mut rest = value;
    loop {
        if rest.trim_start_matches(' ').starts_with(FORMULA_STARTS) {
            cell.push('\'');
        }
        match rest.find(CSV_SEPARATORS) {
            Some(at) => {
                let separator = rest[at..].chars().next().expect("a separator was found");
                let end = at + separator.len_utf8();
                cell.push_str(&rest[..end]);
                rest = &rest[end..];
            }
            None => {
                cell.push_str(rest);
                break;
            }
        }
    }
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// The first line of a CSV export, after a UTF-8 byte-order mark so that spreadsheets
/// read the Lao names as UTF-8.
const CSV_HEADER: &str = "\u{feff}approval_number,provider_en,provider_lo,connection_type,counterparty_name,counterparty_country,status,valid_from,valid_until,revoked_at\n";

fn csv_line(row: &PublicConnection) -> String {
    let revoked = row
        .revoked_at
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    let cells = [
        row.approval_number.as_str(),
        &row.provider_en,
        &row.provider_lo,
        &row.connection_type,
        &row.counterparty_name,
        &row.counterparty_country,
        row.status.as_str(),
        &row.valid_from.to_string(),
        &row.valid_until.to_string(),
        &revoked,
    ];
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// A batch of an export as CSV lines, after the header line in the first.
fn csv_chunk(rows: &[PublicConnection], first: bool) -> String {
    let mut out = if first {
        CSV_HEADER.to_string()
    } else {
        String::new()
    };
    for row in rows {
        out.push_str(&csv_line(row));
    }
    out
}

/// A batch of an export as a piece of one JSON array: opened by the first batch, closed by
/// the last (the one that is not full).
fn json_chunk(rows: &[PublicConnection], first: bool) -> String {
    let body = rows
        .iter()
        .map(|r| serde_json::to_string(r).expect("public rows serialise"))
        .collect::<Vec<_>>()
        .join(",\n");
    let lead = if first {
        "[\n"
    } else if body.is_empty() {
        ""
    } else {
        ",\n"
    };
    let tail = if rows.len() as i64 == EXPORT_BATCH {
        ""
    } else {
        "\n]\n"
    };
    format!("{lead}{body}{tail}")
}

/// The batches of an export rendered by `render` as they arrive. The status line has gone
/// out before a batch fails; all that can be done then is to end the body early and log
/// why.
fn export_body(
    batches: impl Stream<Item = Result<Vec<PublicConnection>, WorkflowError>>,
    render: fn(&[PublicConnection], bool) -> String,
) -> impl Stream<Item = Result<web::Bytes, actix_web::Error>> {
    batches.enumerate().map(move |(i, batch)| match batch {
        Ok(rows) => Ok(web::Bytes::from(render(&rows, i == 0))),
        Err(e) => {
            tracing::error!(error = %e, "export stopped");
            Err(actix_web::error::ErrorInternalServerError("export failed"))
        }
    })
}

/// The whole filtered registry as CSV, streamed a batch at a time; wherever a cell could
/// start a formula, a `'` is put in front of it (see [`csv_cell`]).
pub fn csv_response(
    batches: impl Stream<Item = Result<Vec<PublicConnection>, WorkflowError>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"registry.csv\"",
        ))
        .streaming(export_body(batches, csv_chunk))
}

/// The whole filtered registry as one JSON array, streamed a batch at a time.
pub fn json_response(
    batches: impl Stream<Item = Result<Vec<PublicConnection>, WorkflowError>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .streaming(export_body(batches, json_chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM"), "'@SUM");
        assert_eq!(csv_cell("Lao-Thai Link 2"), "Lao-Thai Link 2");
        assert_eq!(csv_cell("x;=1+1"), "x;'=1+1");
        assert_eq!(csv_cell("a | +b;  @c"), "a |' +b;'  @c");
        assert_eq!(csv_cell("x,=1"), "\"x,'=1\"");
        assert_eq!(csv_cell("x\t-1"), "x\t'-1");
        assert_eq!(csv_cell("\t=1"), "'\t'=1");
        assert_eq!(csv_cell("a\n=cmd"), "\"a\n'=cmd\"");
        assert_eq!(csv_cell("ລາວ;ໄທ"), "ລາວ;ໄທ");
        assert_eq!(csv_cell(""), "");
    }

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
