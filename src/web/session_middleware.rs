//! The session middleware: resolves the session cookie to a `CurrentUser` (or, halfway
//! through a two-factor sign-in, a `PendingSignIn`) before the handler runs, hands out the
//! CSRF seed, and afterwards sets or clears the cookies the request touched. And the cache
//! policy that keeps one person's answers out of caches.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use crate::auth::csrf::CsrfSeed;
use crate::auth::session;
use crate::domain::language::Lang;
use crate::web::blocking::blocking;
use crate::web::cookies::{self, CSRF_COOKIE, FLASH_COOKIE, SESSION_COOKIE};
use crate::web::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;
use crate::workflows::sessions::{self, PendingSignIn, Stage};

/// Set by a page that displayed the flash message, so the cookie is cleared.
#[derive(Debug, Clone, Copy)]
pub struct FlashShown;

/// Set by a handler that already put a new CSRF seed cookie on its response (sign-in).
#[derive(Debug, Clone, Copy)]
pub struct SeedReplaced;

/// Set when the browser's session cookie no longer names a live session.
#[derive(Debug, Clone, Copy)]
struct SessionEnded;

/// Paths that need neither a session nor a CSRF seed: the stylesheet, the API, the
/// health and metrics answers, and the public documents a shared cache may keep (the key
/// set, the revocation list, the registry's exports and its transparency log), which
/// therefore set no cookie.
fn is_sessionless(path: &str) -> bool {
    path.starts_with("/static/")
        || path.starts_with("/api/")
        || path.starts_with("/.well-known/")
        || path.starts_with("/transparency/")
        || path == "/registry/revocations.jwt"
        || path == "/registry.csv"
        || path == "/registry.json"
        || path == "/livez"
        || path == "/healthz"
        || path == "/metrics"
}

/// Pages whose address holds the token of an e-mailed link.
fn holds_token(path: &str) -> bool {
    path.starts_with("/password/reset/") || path.starts_with("/invitation/")
}

/// Keeps answers that belong to one person out of every cache: `Cache-Control: no-store`
/// on each answer to a request that carries a session cookie or an `Authorization`
/// header (the stylesheet aside: it is the same for everyone), on pages whose address
/// holds a token, and on any answer that sets a cookie. Answers to anonymous requests
/// keep their own caching (the key set, the revocation list), and those set no cookie.
pub async fn cache_policy(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path();
    let personal = !path.starts_with("/static/")
        && (req.cookie(SESSION_COOKIE).is_some()
            || req.headers().contains_key(header::AUTHORIZATION)
            || holds_token(path));
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    let stored = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    if (personal || headers.contains_key(header::SET_COOKIE)) && !stored {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

pub async fn sessions_middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if is_sessionless(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .expect("AppState is registered on the app");
    let seed = match req.cookie(CSRF_COOKIE) {
        Some(c) if !c.value().is_empty() => CsrfSeed {
            value: c.value().to_string(),
            is_new: false,
        },
        _ => CsrfSeed {
            value: session::new_token(),
            is_new: true,
        },
    };
    req.extensions_mut().insert(seed.clone());

    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let token = cookie.value().to_string();
        let lookup_state = state.clone();
        let found = blocking(&state.pool, move |conn| {
            sessions::resume(conn, &token, &lookup_state.settings)
        })
        .await;
        match found {
            Ok(Some(resumed)) if resumed.stage != Stage::Full => {
                req.extensions_mut().insert(PendingSignIn {
                    session_id: resumed.session_id,
                    user_id: resumed.user.id,
                    email: resumed.user.email,
                    stage: resumed.stage,
                });
            }
            Ok(Some(resumed)) => {
                req.extensions_mut().insert(to_current_user(resumed));
            }
            Ok(None) => {
                req.extensions_mut().insert(SessionEnded);
            }
            Err(e) => return Ok(req.error_response(AppError::from(e)).map_into_boxed_body()),
        }
    }

    let mut res = next.call(req).await?.map_into_boxed_body();
    let secure = state.settings.secure_cookies();
    let (ended, flash_shown, seed_replaced) = {
        let ext = res.request().extensions();
        (
            ext.contains::<SessionEnded>(),
            ext.contains::<FlashShown>(),
            ext.contains::<SeedReplaced>(),
        )
    };
    let headers = res.response_mut();
    if seed.is_new && !seed_replaced {
        headers.add_cookie(&cookies::cookie(CSRF_COOKIE, seed.value, secure))?;
    }
    if ended {
        headers.add_cookie(&cookies::removal(SESSION_COOKIE, secure))?;
    }
    if flash_shown {
        headers.add_cookie(&cookies::removal(FLASH_COOKIE, secure))?;
    }
    Ok(res)
}

fn to_current_user(resumed: sessions::Resumed) -> CurrentUser {
    let user = resumed.user;
    CurrentUser {
        role: user.role,
        language: user.language.as_deref().and_then(Lang::parse),
        id: user.id,
        email: user.email,
        name: user.name,
        organisation_id: user.organisation_id,
        session_id: resumed.session_id,
    }
}
