//! The public registry (no sign-in): the list with filters, sorting and cursor
//! pagination, a connection's public record, CSV and JSON exports streamed for the whole
//! filtered set, and statistics. Only public fields are ever read here.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use futures_util::stream;

use crate::db::Position;
use crate::db::models::connection::{
    self as connection_db, Cursor, PublicConnection, RegistryFilter, RegistrySort,
};
use crate::domain::application_form::CONNECTION_TYPES;
use crate::domain::connection::ConnectionStatus;
use crate::domain::country::CountryCode;
use crate::views::registry::{
    Chart, MonthRow, PublicConnectionPage, PublicRow, RegistryLabels, RegistryPage, RegistryQuery,
    StatisticsPage, event_rows,
};
use crate::views::{Pager, render_long};
use crate::workflows::paging::{self, Span};
use crate::web::blocking::read;
use crate::web::{AppError, AppState, PageCtx};
use crate::workflows::WorkflowError;

/// Rows on a page of the registry.
pub const PAGE_SIZE: i64 = 50;
/// Rows read at a time while streaming an export.
const EXPORT_BATCH: i64 = 1000;

/// Validates the filters; unknown values are refused with a 400, never passed to SQL.
pub fn filter_of(query: &RegistryQuery) -> Result<(RegistryFilter, RegistrySort), AppError> {
    let bad = || AppError::BadRequest("error-malformed-query");
    let country = match query.country.trim() {
        "" => None,
        raw => Some(
            CountryCode::parse(raw)
                .map_err(|_| bad())?
                .as_str()
                .to_string(),
        ),
    };
    let connection_type = match query.connection_type.trim() {
        "" => None,
        raw if CONNECTION_TYPES.contains(&raw) => Some(raw.to_string()),
        _ => return Err(bad()),
    };
    let status = match query.status.trim() {
        "" => None,
        raw => Some(
            ConnectionStatus::parse(raw)
                .ok_or_else(bad)?
                .as_str()
                .to_string(),
        ),
    };
    // PostgreSQL cannot compare a NUL, and no name holds one.
    if query.provider.contains('\0') || query.q.contains('\0') {
        return Err(bad());
    }
    let provider = Some(query.provider.trim())
        .filter(|p| !p.is_empty())
        .map(|p| p.chars().take(100).collect());
    let text = Some(query.q.trim().to_lowercase())
        .filter(|q| !q.is_empty())
        .map(|q| q.chars().take(100).collect());
    let sort = match query.sort.as_str() {
        "" | "newest" => RegistrySort::Newest,
        "expiry" => RegistrySort::Expiry,
        _ => return Err(bad()),
    };
    Ok((
        RegistryFilter {
            country,
            connection_type,
            status,
            provider,
            text,
        },
        sort,
    ))
}

/// A row's place in the order `sort`, as an opaque URL-safe token.
pub fn encode_cursor(cursor: &Cursor) -> String {
    match cursor {
        Cursor::Newest { approved_at, id } => {
            paging::encode(&["t", &paging::time_value(*approved_at), id])
        }
        Cursor::Expiry { valid_until, id } => paging::encode(&["e", &valid_until.to_string(), id]),
    }
}

/// The place a cursor token names (`None` for no token); anything that is not a token
/// made by [`encode_cursor`] for this sort is refused with a 400.
pub fn parse_cursor(sort: RegistrySort, token: &str) -> Result<Option<Cursor>, AppError> {
    let Some(values) = paging::decode(token, 3)? else {
        return Ok(None);
    };
    let bad = || AppError::BadRequest("error-malformed-query");
    let [kind, value, id] = <[String; 3]>::try_from(values).map_err(|_| bad())?;
    match (sort, kind.as_str()) {
        (RegistrySort::Newest, "t") => Ok(Some(Cursor::Newest {
            approved_at: paging::parse_time(&value)?,
            id,
        })),
        (RegistrySort::Expiry, "e") => {
            let valid_until = NaiveDate::parse_from_str(&value, "%Y-%m-%d").map_err(|_| bad())?;
            Ok(Some(Cursor::Expiry { valid_until, id }))
        }
        _ => Err(bad()),
    }
}

/// One page of `size` rows of the filtered registry, after or before the query's cursor,
/// with where it stands in the whole filtered list. The web pages and the API share it.
pub async fn page_of(
    state: &web::Data<AppState>,
    query: &RegistryQuery,
    size: i64,
) -> Result<(Vec<PublicConnection>, Span), AppError> {
    let (filter, sort) = filter_of(query)?;
    let position = paging::position(
        parse_cursor(sort, &query.after)?,
        parse_cursor(sort, &query.before)?,
    )?;
    let at = position.clone();
    let (mut rows, total, ahead) = read(state, move |conn| {
        let rows = connection_db::list_public(conn, &filter, sort, at.as_ref(), size + 1)?;
        let total = connection_db::count_public(conn, &filter, None)?;
        let ahead = match paging::first_row(&rows, &at, size) {
            Some(row) => connection_db::count_public(conn, &filter, Some(&Cursor::of(sort, row)))?,
            None => 0,
        };
        Ok((rows, total, ahead))
    })
    .await?;
    let span = paging::span(&mut rows, &position, size, total, ahead, |r| {
        encode_cursor(&Cursor::of(sort, r))
    });
    Ok((rows, span))
}

pub async fn list(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<RegistryQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (rows, span) = page_of(&state, &query, PAGE_SIZE).await?;
    let today = state.clock.today_in_vientiane();
    let page = RegistryPage {
        rows: rows
            .iter()
            .map(|r| PublicRow::new(&ctx, r, today))
            .collect(),
        pager: Pager::new(&ctx, "/registry", &query.filters(), &span),
        query,
        labels: RegistryLabels::of(ctx.lang),
        ctx,
    };
    // A full page of 50 rows with the filter form is about 42 KB.
    render_long(&page, 64 * 1024)
}

pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<PublicConnectionPage, AppError> {
    let number = path.into_inner();
    let (row, events, has_certificate) = read(&state, move |conn| {
        let row = connection_db::find_public(conn, &number)?.ok_or(WorkflowError::NotFound)?;
        let events = connection_db::list_events(conn, &row.id)?;
        let certified = crate::db::models::certificate::latest_for(conn, &row.id)?.is_some();
        Ok((row, events, certified))
    })
    .await?;
    Ok(PublicConnectionPage {
        row: PublicRow::new(&ctx, &row, state.clock.today_in_vientiane()),
        history: event_rows(&ctx, &events, true),
        committee_url: ctx
            .reads_cases()
            .then(|| format!("/committee/connections/{}", row.id)),
        has_certificate,
        ctx,
    })
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
        &row.status,
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

/// Streams every row of the filtered set, a batch at a time, through `render`.
fn export_stream(
    state: web::Data<AppState>,
    filter: RegistryFilter,
    render: fn(&[PublicConnection], bool) -> String,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    stream::unfold(Some((None::<Cursor>, true)), move |position| {
        let (state, filter) = (state.clone(), filter.clone());
        async move {
            let (cursor, first) = position?;
            let work_state = state.clone();
            let batch = web::block(move || {
                let mut conn = work_state.pool.get().map_err(|e| e.to_string())?;
                connection_db::list_public(
                    &mut conn,
                    &filter,
                    RegistrySort::Newest,
                    cursor.as_ref().map_or(Position::Start, Position::After),
                    EXPORT_BATCH,
                )
                .map_err(|e| e.to_string())
            })
            .await;
            match batch {
                Ok(Ok(rows)) => {
                    let next = (rows.len() as i64 == EXPORT_BATCH).then(|| {
                        let last = rows.last().expect("a full batch has a last row");
                        Cursor::of(RegistrySort::Newest, last)
                    });
                    let chunk = render(&rows, first);
                    Some((Ok(web::Bytes::from(chunk)), next.map(|c| (Some(c), false))))
                }
                failed => {
                    // The status line has gone out; all that can be done is to end the
                    // body early and log why.
                    tracing::error!(error = ?failed.err().map(|e| e.to_string()), "export stopped");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export failed")),
                        None,
                    ))
                }
            }
        }
    })
}

pub async fn csv(
    state: web::Data<AppState>,
    query: web::Query<RegistryQuery>,
) -> Result<HttpResponse, AppError> {
    csv_response(state, &query)
}

/// The whole filtered registry as CSV, streamed.
pub fn csv_response(
    state: web::Data<AppState>,
    query: &RegistryQuery,
) -> Result<HttpResponse, AppError> {
    let (filter, _) = filter_of(query)?;
    fn render(rows: &[PublicConnection], first: bool) -> String {
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
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"registry.csv\"",
        ))
        .streaming(export_stream(state, filter, render)))
}

pub async fn json(
    state: web::Data<AppState>,
    query: web::Query<RegistryQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, _) = filter_of(&query)?;
    fn render(rows: &[PublicConnection], first: bool) -> String {
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
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .streaming(export_stream(state, filter, render)))
}

/// Month keys `YYYY-MM` of the last twelve months, oldest first.
fn last_twelve_months(today: NaiveDate) -> Vec<String> {
    (0..12)
        .rev()
        .map(|back| {
            let total = today.year() * 12 + today.month0() as i32 - back;
            format!(
                "{:04}-{:02}",
                total.div_euclid(12),
                total.rem_euclid(12) + 1
            )
        })
        .collect()
}

pub async fn statistics(
    ctx: PageCtx,
    state: web::Data<AppState>,
) -> Result<StatisticsPage, AppError> {
    let today = state.clock.today_in_vientiane();
    let from: NaiveDateTime = (today - TimeDelta::days(400))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let (by_status, by_country, by_type, events, durations) = read(&state, move |conn| {
        Ok((
            connection_db::count_by_status(conn)?,
            connection_db::count_by_country(conn)?,
            connection_db::count_by_type(conn)?,
            connection_db::list_event_times(conn, &["approved", "suspended", "revoked"], from)?,
            crate::db::models::application::list_decision_durations(conn)?,
        ))
    })
    .await?;
    let months = MonthRow::rows(
        last_twelve_months(today)
            .into_iter()
            .map(|month| {
                let count = |kind: &str| {
                    events
                        .iter()
                        .filter(|(k, at)| k == kind && at.format("%Y-%m").to_string() == month)
                        .count() as i64
                };
                let (approved, suspended, revoked) =
                    (count("approved"), count("suspended"), count("revoked"));
                (month, approved, suspended, revoked)
            })
            .collect(),
    );
    let mut days: Vec<i64> = durations
        .iter()
        .map(|(done, decided)| (*decided - *done).num_days())
        .collect();
    days.sort_unstable();
    let median_days = (!days.is_empty()).then(|| days[days.len() / 2]);
    let label_status = |s: &str| {
        ConnectionStatus::parse(s)
            .map(|s| ctx.t(s.label_key()))
            .unwrap_or_else(|| s.to_string())
    };
    let charts = vec![
        Chart::new(
            ctx.t("stats-by-status"),
            by_status
                .iter()
                .map(|(s, n)| (label_status(s), *n))
                .collect(),
        ),
        Chart::new(
            ctx.t("stats-by-country"),
            by_country
                .iter()
                .map(|(c, n)| (crate::views::registry::country_name(&ctx, c), *n))
                .collect(),
        ),
        Chart::new(
            ctx.t("stats-by-type"),
            by_type
                .iter()
                .map(|(t, n)| (ctx.t(&format!("conn-type-{t}")), *n))
                .collect(),
        ),
    ];
    Ok(StatisticsPage {
        charts,
        month_title: ctx.t("stats-approvals-per-month"),
        months,
        median_days,
        decided: days.len(),
        ctx,
    })
}

/// Registers the public registry's list and its exports.
pub fn configure_lists(cfg: &mut web::ServiceConfig) {
    cfg.route("/registry", web::get().to(list))
        .route("/registry.csv", web::get().to(csv))
        .route("/registry.json", web::get().to(json));
}

/// Registers one public record.
pub fn configure_record(cfg: &mut web::ServiceConfig) {
    cfg.route("/registry/{number}", web::get().to(show));
}

/// Registers the public statistics.
pub fn configure_statistics(cfg: &mut web::ServiceConfig) {
    cfg.route("/statistics", web::get().to(statistics));
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

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let row = PublicConnection {
            approval_number: "IC-2026-00001".into(),
            provider_en: String::new(),
            provider_lo: String::new(),
            provider_slug: String::new(),
            connection_type: String::new(),
            counterparty_name: String::new(),
            counterparty_country: String::new(),
            status: String::new(),
            valid_from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            revoked_at: None,
            approved_at: chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456)
                .unwrap()
                .naive_utc(),
            id: "abc".into(),
        };
        for sort in [RegistrySort::Newest, RegistrySort::Expiry] {
            let cursor = Cursor::of(sort, &row);
            let token = encode_cursor(&cursor);
            assert_eq!(parse_cursor(sort, &token).unwrap(), Some(cursor));
        }
        assert!(parse_cursor(RegistrySort::Newest, "!!!").is_err());
        assert!(
            parse_cursor(
                RegistrySort::Expiry,
                &encode_cursor(&Cursor::of(RegistrySort::Newest, &row))
            )
            .is_err()
        );
    }

    #[test]
    fn twelve_months_back_cross_the_year() {
        let months = last_twelve_months(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
        assert_eq!(months.first().unwrap(), "2025-04");
        assert_eq!(months.last().unwrap(), "2026-03");
        assert_eq!(months.len(), 12);
    }
}
