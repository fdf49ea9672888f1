//! The public registry (no sign-in): the list with filters, sorting and cursor
//! pagination, a connection's public record, CSV and JSON exports streamed for the whole
//! filtered set, and statistics. The reads are `workflows::registry`'s; only public fields
//! are ever read.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::db::models::connection::RegistryHead;
use crate::views::registry::{
    KeptPage, PublicConnectionPage, PublicRow, RegistryContent, RegistryLabels, StatisticsContent,
    csv_response, event_rows, json_response,
};
use crate::views::{Pager, RenderSized, render_long};
use crate::web::blocking::{blocking_at_head, read, read_outcome};
use crate::web::{AppError, AppState, PageCtx};
use crate::workflows::registry::{self as flows, PAGE_SIZE, PageAsked, RegistryQuery};

/// `/registry`. The list is rendered once per registry version, language, day and query,
/// and kept (see `web::page_cache`); each request reads the version once, in the same
/// trip to the database that reads the rows when nothing is kept. The page around the
/// list (the reader's header, its CSRF token) is rendered every time. A reader who has
/// this very page already is answered 304.
pub async fn list(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<RegistryQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let asked = PageAsked::of(&query, PAGE_SIZE)?;
    let today = state.clock.today_in_vientiane();
    let key = format!(
        "registry|{}|{today}|{}",
        ctx.lang.code(),
        req.query_string()
    );
    let found = kept_or_read(&state, &key, move |conn, head| {
        Ok((flows::page_at(conn, asked, head)?, flows::countries(conn)?))
    })
    .await?;
    let title = ctx.t("nav-registry");
    serve_kept(
        &req,
        ctx,
        &state,
        (key, title),
        found,
        |ctx, ((rows, span), countries)| {
            let labels = RegistryLabels::of(ctx.lang);
            RegistryContent {
                countries: labels.countries_among(&countries, query.country.trim()),
                rows: rows.iter().map(|r| PublicRow::new(ctx, r, today)).collect(),
                pager: Pager::new(ctx, "/registry", &query.filters(), &span),
                query,
                labels,
                ctx,
            }
            // A full page of 50 rows with the filter form is about 40 KB.
            .render_sized(48 * 1024)
        },
    )
}

/// Answers a public page kept per registry version: 304 when the reader holds it already;
/// otherwise the content kept, or rendered by `render` from what was read and kept, in
/// the page of its reader.
pub fn serve_kept<T>(
    req: &HttpRequest,
    ctx: PageCtx,
    state: &AppState,
    (key, title): (String, String),
    (version, found): (i64, Result<Arc<str>, T>),
    render: impl FnOnce(&PageCtx, T) -> Result<String, AppError>,
) -> Result<HttpResponse, AppError> {
    let tag = entity_tag(&key, version, &ctx);
    if tag.is_some() && tag == if_none_match(req) {
        return Ok(not_modified(tag));
    }
    let content = match found {
        Ok(content) => content,
        Err(read) => {
            let content: Arc<str> = Arc::from(render(&ctx, read)?);
            state.pages.put(key, version, content.clone());
            content
        }
    };
    let mut res = render_long(
        &KeptPage {
            ctx,
            title,
            content,
        },
        64 * 1024,
    )?;
    revalidate(&mut res, tag);
    Ok(res)
}

/// The registry's version and what is kept under `key` for it; when nothing is, what
/// `miss` reads for rendering it. On SQLite the version is read on the calling thread,
/// and a page kept for it is served from there. Otherwise it is one trip to the pool's
/// threads and the database either way: the version is the registry's head that the
/// pool's check read as it handed out the connection.
pub async fn kept_or_read<T, F>(
    state: &web::Data<AppState>,
    key: &str,
    miss: F,
) -> Result<(i64, Result<Arc<str>, T>), AppError>
where
    F: FnOnce(&mut crate::db::DbConn, RegistryHead) -> Result<T, crate::workflows::WorkflowError>
        + Send
        + 'static,
    T: Send + 'static,
{
    if let Some(head) = flows::head_here(&state.settings.database_url)
        && let Some(body) = state.pages.get(key, head.version)
    {
        return Ok((head.version, Ok(body)));
    }
    let (kept, key) = (state.clone(), key.to_string());
    read_outcome(
        blocking_at_head(&state.pool, move |conn, head| {
            Ok(match kept.pages.get(&key, head.version) {
                Some(body) => (head.version, Ok(body)),
                None => (head.version, Err(miss(conn, head)?)),
            })
        })
        .await,
    )
}

/// The entity tag of a public page: the registry version, and a digest of what else it
/// shows (its key: address, language, day; the reader's CSRF token, which its language
/// switch carries). None while a message waits to be shown once.
fn entity_tag(key: &str, version: i64, ctx: &PageCtx) -> Option<String> {
    use std::hash::{Hash, Hasher};
    if ctx.flash.is_some() {
        return None;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (key, &ctx.csrf).hash(&mut hasher);
    Some(format!("W/\"{version}-{:016x}\"", hasher.finish()))
}

/// The entity tag a reader says it holds.
fn if_none_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// 304: the reader's copy is still the page.
fn not_modified(tag: Option<String>) -> HttpResponse {
    let mut res = HttpResponse::NotModified().finish();
    revalidate(&mut res, tag);
    res
}

/// Lets a browser (and nothing shared: the page carries its reader's token) keep the
/// page and ask each time whether it is still current.
fn revalidate(res: &mut HttpResponse, tag: Option<String>) {
    let headers = res.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Some(tag) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::ETAG, tag);
    }
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

/// `/statistics`, kept per registry version as the list is.
pub async fn statistics(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.today_in_vientiane();
    let key = format!("statistics|{}|{today}", ctx.lang.code());
    let found = kept_or_read(&state, &key, move |conn, _| flows::statistics(conn, today)).await?;
    let title = ctx.t("nav-statistics");
    serve_kept(&req, ctx, &state, (key, title), found, |ctx, stats| {
        StatisticsContent::new(ctx, stats).render_sized(16 * 1024)
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
