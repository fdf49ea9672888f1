//! The public keys that check approval certificates.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::AppError;
use crate::routes::read;
use crate::startup::AppState;
use crate::workflows::certificates;

/// `/.well-known/jwks.json`: every key a still-valid certificate may be signed with.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let today = state.clock.today_in_vientiane();
    let keys = read(&state, move |conn| certificates::jwks(conn, today)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(keys))
}
