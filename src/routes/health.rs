//! Liveness and readiness probes, and the operator's metrics.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::metrics::{CONTENT_TYPE, DatabaseFigures, Metrics};
use crate::views::admin::OUTBOX_STATUSES;
use crate::web::bearer::bearer;
use crate::web::blocking::read;
use crate::web::{AppError, AppState};
use crate::workflows::health;

/// The process is up (no database involved).
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The process is up and the database answers.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let state = state.clone();
    let reachable = web::block(move || {
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        crate::workflows::health::ping(&mut conn).map_err(|e| e.to_string())
    })
    .await;
    match reachable {
        Ok(Ok(())) => {
            HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": "ok" }))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "error", "database": "unreachable" }))
        }
        Err(_) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "error", "database": "unreachable" })),
    }
}

/// The operator's figures in the Prometheus text format. Off (404) unless `METRICS_TOKEN`
/// is set; then only a request bearing that token gets them, anyone else a bare 401.
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, AppError> {
    let Some(token) = &state.settings.metrics_token else {
        return Err(AppError::NotFound);
    };
    if !bearer(&req).is_some_and(|given| same_secret(&given, token)) {
        return Ok(HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .finish());
    }
    let now = state.clock.now();
    let figures = read(&state, move |conn| health::figures(conn, now))
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "metrics: the database did not answer"))
        .ok()
        .map(|(counts, overdue)| DatabaseFigures {
            outbox: OUTBOX_STATUSES
                .into_iter()
                .map(|s| {
                    let count = counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n);
                    (s.to_string(), count)
                })
                .collect(),
            overdue_applications: overdue,
        });
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(
            metrics
                .render(figures.as_ref())
                .map_err(|e| AppError::Internal(e.into()))?,
        ))
}

/// Whether two secrets are equal, compared in constant time: as MACs of one length, so the
/// time taken shows neither how much of a guess was right nor how long the secret is.
fn same_secret(given: &str, expected: &str) -> bool {
    let mac = |secret: &str| {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(b"bearer").expect("HMAC accepts any key length");
        mac.update(secret.as_bytes());
        mac
    };
    mac(given)
        .verify_slice(&mac(expected).finalize().into_bytes())
        .is_ok()
}

/// Registers the probes and the metrics.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/livez", web::get().to(livez))
        .route("/healthz", web::get().to(healthz))
        .route("/metrics", web::get().to(metrics));
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn only_the_same_secret_matches() {
        let secret = "0123456789abcdef0123456789abcdef";
        assert!(same_secret(secret, secret));
        assert!(!same_secret("0123456789abcdef0123456789abcdeF", secret));
        assert!(!same_secret("0123456789abcdef", secret));
        assert!(!same_secret("", secret));
    }
}
