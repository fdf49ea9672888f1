//! The composition root: builds the HTTP server from its shared state (`web::AppState`),
//! middleware (request ids and logs, security headers, error pages, sessions) and routes,
//! and starts the background jobs.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpMessage, HttpRequest, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::auth::rate_limit::{ApiLimiter, SignInLimiter};
use crate::background;
use crate::config::Settings;
use crate::db::{DbPool, DbSetupError, connect_and_migrate};
use crate::domain::audit::AuditAction;
use crate::mail::worker::Mailer;
use crate::metrics::{self, Metrics};
use crate::routes;
use crate::routes::error_pages::render_errors;
use crate::web::BODY_LIMIT;
use crate::web::blocking::blocking;
use crate::web::body_timeout::cut_off_stalled_bodies;
use crate::web::error::AppError;
use crate::web::session_middleware::{cache_policy, sessions_middleware};
use crate::web::state::{AppState, Runtime};
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::sessions;

/// The most rendered public pages a server keeps, in bytes: some four hundred pages of
/// the registry's list.
const PAGE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// No script at all, no framing, nothing from elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub struct Application {
    port: u16,
    settings: Settings,
    server: Server,
}

impl Application {
    /// Connects to the database (applying migrations), binds and builds the server.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = connect_and_migrate(
            &settings.database_url,
            settings.database_pool_size,
            &settings.secret_key,
        )?;
        Self::build_with_pool(settings, pool, Runtime::default())
    }

    /// Builds the server on an existing pool.
    pub fn build_with_pool(
        settings: Settings,
        pool: DbPool,
        runtime: Runtime,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        // With port 0 the system picks the port; links in e-mail must carry the real one.
        let settings = settings.with_bind(listener.local_addr()?.to_string());
        let metrics = Arc::new(Metrics::new());
        if runtime.run_scheduler {
            background::spawn_scheduler(
                pool.clone(),
                runtime.clock.clone(),
                settings.rules.clone(),
                Duration::from_secs(settings.scheduler_seconds),
                metrics.clone(),
            );
        }
        if runtime.run_scheduler {
            background::spawn_audit_checkpoints(
                pool.clone(),
                runtime.clock.clone(),
                CertificateAuthority::from_settings(&settings),
                settings.audit_checkpoint_dir.clone(),
                Duration::from_secs(settings.audit_checkpoint_seconds),
            );
        }
        if runtime.run_mail_worker {
            match Mailer::from_settings(&settings)? {
                Some(mailer) => background::spawn_mail_worker(
                    pool.clone(),
                    mailer,
                    runtime.clock.clone(),
                    metrics.clone(),
                ),
                None => tracing::warn!("SMTP_URL is not set: e-mail stays queued in the outbox"),
            }
        }
        let state = web::Data::new(AppState {
            pool,
            settings: settings.clone(),
            sign_in_limiter: SignInLimiter::sign_in(),
            second_factor_limiter: SignInLimiter::per_minute(
                10,
                30,
                AuditAction::SessionSecondFactorRateLimited,
            ),
            token_limiter: SignInLimiter::per_minute(
                settings.api.tokens_per_minute,
                settings.api.tokens_per_minute,
                AuditAction::ApiTokenRateLimited,
            ),
            api_limiter: ApiLimiter::per_minute(settings.api.requests_per_minute),
            clock: runtime.clock,
            pages: crate::web::page_cache::PageCache::new(PAGE_CACHE_BYTES),
        });
        let server_state = state.clone();
        let metrics = web::Data::from(metrics);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(refuse_unreadable_address))
                .wrap(from_fn(cut_off_stalled_bodies))
                .wrap(from_fn(sessions_middleware))
                .wrap(from_fn(render_errors))
                .wrap(from_fn(cache_policy))
                .wrap(
                    DefaultHeaders::new()
                        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "same-origin"))
                        .add(("X-Frame-Options", "DENY"))
                        .add((
                            "Permissions-Policy",
                            "camera=(), microphone=(), geolocation=()",
                        )),
                )
                .wrap(TracingLogger::default())
                .wrap(from_fn(metrics::record_requests))
                .app_data(server_state.clone())
                .app_data(metrics.clone())
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .app_data(
                    web::FormConfig::default()
                        .limit(BODY_LIMIT)
                        .error_handler(|_, _| AppError::BadRequest("error-malformed-form").into()),
                )
                .app_data(
                    web::JsonConfig::default()
                        .limit(BODY_LIMIT)
                        .error_handler(|e, _| json_refusal(&e).into()),
                )
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|_, _| AppError::BadRequest("error-malformed-query").into()),
                )
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                )
                .configure(routes::configure)
                .default_service(web::to(|req: HttpRequest| async move {
                    req.extensions_mut().insert(metrics::Unmatched);
                    Err::<actix_web::HttpResponse, _>(AppError::NotFound)
                }))
        })
        .listen(listener)?;
        if let Some(n) = runtime.workers {
            server = server.workers(n);
        }
        prune_rate_limits(state);
        Ok(Self {
            port,
            settings,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The settings the server runs with (the public address follows the bound port).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Once a minute: forgets rate-limit entries that are back to full allowance, and audits
/// the refusals whose window passed without an event for them.
fn prune_rate_limits(state: web::Data<AppState>) {
    let weak = std::sync::Arc::downgrade(&state.into_inner());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let Some(state) = weak.upgrade() else { break };
            let limiters = [
                &state.sign_in_limiter,
                &state.second_factor_limiter,
                &state.token_limiter,
            ];
            let due: Vec<_> = limiters.iter().flat_map(|l| l.due_refusals()).collect();
            for limiter in limiters {
                limiter.prune();
            }
            state.api_limiter.prune();
            if due.is_empty() {
                continue;
            }
            let written = blocking(&state.pool, move |conn| {
                sessions::record_refusals(conn, &due)
            })
            .await;
            if let Err(e) = written {
                tracing::error!(error = %e, "refused attempts could not be audited");
            }
        }
    });
}

/// Why a JSON body is refused: too large, or not the JSON expected.
fn json_refusal(error: &actix_web::error::JsonPayloadError) -> AppError {
    use actix_web::error::JsonPayloadError::{Overflow, OverflowKnownLength};
    match error {
        Overflow { .. } | OverflowKnownLength { .. } => AppError::PayloadTooLarge,
        _ => AppError::BadRequest("error-malformed-json"),
    }
}

/// Refuses, with a 400 naming the problem, a request whose address is not text: a NUL
/// character (`%00`) anywhere in it, or a query string that does not decode to UTF-8.
/// No path or parameter of this application holds either; PostgreSQL cannot compare NUL,
/// and a lenient decoder would put replacement characters in place of the bytes.
async fn refuse_unreadable_address(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let address = req.uri().path_and_query().map_or("", |pq| pq.as_str());
    let query = percent_encoding::percent_decode_str(req.query_string()).decode_utf8();
    if address.to_ascii_lowercase().contains("%00") || query.is_err() {
        return Ok(req.error_response(AppError::BadRequest("error-malformed-query")));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Opens the database for a command that is not the server.
pub fn open_pool(settings: &Settings) -> Result<DbPool, DbSetupError> {
    connect_and_migrate(&settings.database_url, 2, &settings.secret_key)
}
