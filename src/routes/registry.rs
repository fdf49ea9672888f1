//! The public registry (no sign-in): the list with filters, sorting and cursor
//! pagination, a connection's public record, CSV and JSON exports streamed for the whole
//! filtered set, and statistics. The reads are `workflows::registry`'s; only public fields
//! are ever read.

use actix_web::{HttpResponse, web};

use crate::views::registry::{
    PublicConnectionPage, PublicRow, RegistryLabels, RegistryPage, StatisticsPage, csv_response,
    event_rows, json_response,
};
use crate::views::{Pager, render_long};
use crate::web::blocking::read;
use crate::web::{AppError, AppState, PageCtx};
use crate::workflows::registry::{self as flows, PAGE_SIZE, PageAsked, RegistryQuery};

pub async fn list(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<RegistryQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let asked = PageAsked::of(&query, PAGE_SIZE)?;
    let (rows, span) = read(&state, move |conn| flows::page(conn, asked)).await?;
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
    let record = read(&state, move |conn| flows::record(conn, &number)).await?;
    let row = record.row;
    Ok(PublicConnectionPage {
        row: PublicRow::new(&ctx, &row, state.clock.today_in_vientiane()),
        history: event_rows(&ctx, &record.events, true),
        committee_url: ctx
            .reads_cases()
            .then(|| format!("/committee/connections/{}", row.id)),
        has_certificate: record.certificate.is_some(),
        ctx,
    })
}

pub async fn csv(
    state: web::Data<AppState>,
    query: web::Query<RegistryQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, _) = flows::filter_of(&query)?;
    Ok(csv_response(flows::export(state.pool.clone(), filter)))
}

pub async fn json(
    state: web::Data<AppState>,
    query: web::Query<RegistryQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, _) = flows::filter_of(&query)?;
    Ok(json_response(flows::export(state.pool.clone(), filter)))
}

pub async fn statistics(
    ctx: PageCtx,
    state: web::Data<AppState>,
) -> Result<StatisticsPage, AppError> {
    let today = state.clock.today_in_vientiane();
    let stats = read(&state, move |conn| flows::statistics(conn, today)).await?;
    Ok(StatisticsPage::new(ctx, stats))
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
