//! Signing in and out.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, Responder, web};
use askama::Template;

use crate::auth::extract::CsrfForm;
use crate::auth::middleware::SeedReplaced;
use crate::auth::session::{CSRF_COOKIE, SESSION_COOKIE, cookie, new_token, removal, token_id};
use crate::auth::{Authorized, policy};
use crate::error::AppError;
use crate::routes::{
    actor, client_ip, read, redirect_with_flash, safe_next, see_other, too_many_requests,
};
use crate::startup::AppState;
use crate::views::PageCtx;
use crate::views::pages::SignInPage;
use crate::workflows::sessions::{self, SignInError};

#[derive(Debug, serde::Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    next: String,
}

pub async fn sign_in_form(ctx: PageCtx, query: web::Query<SignInQuery>) -> impl Responder {
    SignInPage {
        ctx,
        email: String::new(),
        next: safe_next(&query.next),
        problem: None,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn sign_in_problem(
    ctx: PageCtx,
    form: &SignInForm,
    status: StatusCode,
    problem: &str,
) -> Result<HttpResponse, AppError> {
    let page = SignInPage {
        ctx,
        email: form.email.chars().take(254).collect(),
        next: safe_next(&form.next),
        problem: Some(problem.to_string()),
    };
    let body = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub async fn sign_in(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req);
    if let Err(wait) = state.sign_in_limiter.check(&form.email, &ip) {
        let res = sign_in_problem(
            ctx,
            &form,
            StatusCode::TOO_MANY_REQUESTS,
            "error-too-many-attempts",
        )?;
        return Ok(too_many_requests(res, wait));
    }
    let previous = req.cookie(SESSION_COOKIE).map(|c| token_id(c.value()));
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (email, password) = (form.email.clone(), form.password.clone());
    let worker_state = state.clone();
    let outcome = web::block(move || {
        let mut conn = worker_state
            .pool
            .get()
            .map_err(|e| SignInError::Workflow(e.into()))?;
        sessions::sign_in(
            &mut conn,
            &email,
            &password,
            previous.as_deref(),
            &ip,
            &user_agent,
        )
    })
    .await?;
    match outcome {
        Ok(signed_in) => {
            let secure = state.settings.secure_cookies();
            let mut res = see_other(&safe_next(&form.next));
            res.add_cookie(&cookie(SESSION_COOKIE, signed_in.token, secure))
                .and_then(|()| res.add_cookie(&cookie(CSRF_COOKIE, new_token(), secure)))
                .map_err(|e| AppError::Internal(e.into()))?;
            req.extensions_mut().insert(SeedReplaced);
            Ok(res)
        }
        Err(SignInError::BadCredentials) => sign_in_problem(
            ctx,
            &form,
            StatusCode::UNAUTHORIZED,
            "error-bad-credentials",
        ),
        Err(SignInError::Workflow(e)) => Err(e.into()),
    }
}

pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    CsrfForm(_): CsrfForm<crate::auth::extract::NoFields>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let session_id = auth.user.session_id.clone();
    read(&state, move |conn| {
        sessions::sign_out(conn, &session_id, &actor)
    })
    .await?;
    let secure = state.settings.secure_cookies();
    let mut res = redirect_with_flash(&state, "/", "success", "flash-signed-out");
    res.add_cookie(&removal(SESSION_COOKIE, secure))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(res)
}
