//! Liveness and readiness probes.

use crate::startup::AppState;
use actix_web::{HttpResponse, web};

/// The process is up (no database involved).
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The process is up and the database answers.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let state = state.clone();
    let reachable = web::block(move || {
        let mut conn = state.pool.get().map_err(|e| e.to_string())?;
        crate::db::ping(&mut conn).map_err(|e| e.to_string())
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
