//! The session middleware: resolves the session cookie to a `CurrentUser` (or, halfway
//! through a two-factor sign-in, a `PendingSignIn`) before the handler runs, hands out the CSRF seed, and afterwards sets or clears the cookies the
//! request touched.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use crate::auth::csrf::CsrfSeed;
use crate::auth::extract::CurrentUser;
use crate::auth::session::{self, CSRF_COOKIE, FLASH_COOKIE, SESSION_COOKIE};
use crate::domain::language::Lang;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::startup::AppState;
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

/// Paths that need neither a session nor a CSRF seed.
fn is_sessionless(path: &str) -> bool {
    path.starts_with("/static/")
        || path.starts_with("/api/")
        || path == "/livez"
        || path == "/healthz"
        || path == "/metrics"
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
        let found = web::block(move || {
            let mut conn = lookup_state.pool.get()?;
            sessions::resume(&mut conn, &token, &lookup_state.settings)
        })
        .await;
        match found {
            Ok(Ok(Some(resumed))) if resumed.stage != Stage::Full => {
                req.extensions_mut().insert(PendingSignIn {
                    session_id: resumed.session_id,
                    user_id: resumed.user.id,
                    email: resumed.user.email,
                    stage: resumed.stage,
                });
            }
            Ok(Ok(Some(resumed))) => match to_current_user(resumed) {
                Some(user) => {
                    req.extensions_mut().insert(user);
                }
                None => {
                    req.extensions_mut().insert(SessionEnded);
                }
            },
            Ok(Ok(None)) => {
                req.extensions_mut().insert(SessionEnded);
            }
            Ok(Err(e)) => return Ok(req.error_response(AppError::from(e)).map_into_boxed_body()),
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
        headers.add_cookie(&session::cookie(CSRF_COOKIE, seed.value, secure))?;
    }
    if ended {
        headers.add_cookie(&session::removal(SESSION_COOKIE, secure))?;
    }
    if flash_shown {
        headers.add_cookie(&session::removal(FLASH_COOKIE, secure))?;
    }
    Ok(res)
}

fn to_current_user(resumed: sessions::Resumed) -> Option<CurrentUser> {
    let user = resumed.user;
    Some(CurrentUser {
        role: Role::parse(&user.role)?,
        language: user.language.as_deref().and_then(Lang::parse),
        id: user.id,
        email: user.email,
        name: user.name,
        organisation_id: user.organisation_id,
        session_id: resumed.session_id,
    })
}
