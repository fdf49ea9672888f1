//! The transparency log's public endpoints, in the C2SP tlog-tiles layout under
//! `/transparency/`: the signed `checkpoint`, the verifier keys, and the tiles (hash tiles
//! and entry bundles). Anyone may read them, from anywhere (CORS), and a tile never
//! changes once served.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::web::blocking::read;
use crate::web::{AppError, AppState};
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::transparency;

/// `/transparency/checkpoint`: the newest signed tree head.
pub async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let authority = CertificateAuthority::from_settings(&state.settings);
    let now = state.clock.now();
    let (_, note) = read(&state, move |conn| {
        transparency::checkpoint(conn, &authority, now)
    })
    .await?;
    Ok(text(note, "no-cache"))
}

/// `/transparency/keys`: the verifier keys (signed-note form) of every key that has signed,
/// newest first, one per line.
pub async fn keys(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let authority = CertificateAuthority::from_settings(&state.settings);
    let keys = read(&state, move |conn| {
        transparency::verifier_keys(conn, &authority)
    })
    .await?;
    let mut body = keys.join("\n");
    body.push('\n');
    Ok(text(body, "no-cache"))
}

/// `/transparency/tile/…`: a hash tile or an entry bundle. Every path names content that
/// never changes (a partial tile's path carries its width), so it may be kept forever.
pub async fn tile(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let path = format!("tile/{}", path.into_inner());
    let found = read(&state, move |conn| transparency::tile(conn, &path)).await?;
    let bytes = found.ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("application/octet-stream")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(bytes))
}

fn text(body: String, cache: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .body(body)
}

/// Registers the log's endpoints.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/transparency/checkpoint", web::get().to(checkpoint))
        .route("/transparency/keys", web::get().to(keys))
        .route("/transparency/tile/{path:.*}", web::get().to(tile));
}
