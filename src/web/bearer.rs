//! The bearer extractor of the JSON API: a valid access token, within its client's
//! request limit, from a client that is still live and whose secret has not changed.
//! Session cookies never authorize an API call.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::api_token;
use crate::web::blocking::read;
use crate::web::error::AppError;
use crate::web::request::client_ip;
use crate::web::state::AppState;
use crate::workflows::Actor;
use crate::workflows::api_clients::{self, ApiIdentity};

/// The API client behind a request, and the person it acts for.
#[derive(Debug)]
pub struct ApiCaller {
    pub identity: ApiIdentity,
    ip: String,
}

impl ApiCaller {
    /// The audit actor of this request.
    pub fn actor(&self) -> Actor {
        self.identity.actor(self.ip.clone())
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case).
pub fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

impl FromRequest for ApiCaller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        let ip = client_ip(req);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
            let claims = token
                .and_then(|t| api_token::verify(&state.settings.secret_key, &t, state.clock.now()))
                .ok_or(AppError::SignInRequired)?;
            state
                .api_limiter
                .check(&claims.sub)
                .map_err(AppError::TooManyRequests)?;
            let identity = read(&state, move |conn| {
                api_clients::resolve(conn, &claims.sub, claims.ver)
            })
            .await?
            .ok_or(AppError::SignInRequired)?;
            Ok(ApiCaller { identity, ip })
        })
    }
}
