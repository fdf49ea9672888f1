//! Signing in and out, and the second step of signing in (a code from an authenticator
//! app, or setting one up first).

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, Responder, web};
use askama::Template;

use crate::auth::rate_limit::Attempt;
use crate::auth::session::{new_token, token_id};
use crate::views::account::{RecoveryCodesPage, TwoFactorPage};
use crate::views::session::SignInPage;
use crate::web::blocking::read;
use crate::web::cookies::{CSRF_COOKIE, SESSION_COOKIE, cookie, removal};
use crate::web::extract::CsrfForm;
use crate::web::form::CodeForm;
use crate::web::request::{actor, client_ip, safe_next};
use crate::web::respond::{
    audit_refusal, invalid, redirect_with_flash, see_other, too_many_requests,
};
use crate::web::session_middleware::SeedReplaced;
use crate::web::{AppError, AppState, Authorized, PageCtx, policy};
use crate::workflows::WorkflowError;
use crate::workflows::sessions::{self, PendingSignIn, SignInError, Stage};
use crate::workflows::two_factor::{CodeError, Given};

#[derive(Debug, serde::Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    next: String,
}

pub async fn sign_in_form(
    req: HttpRequest,
    ctx: PageCtx,
    query: web::Query<SignInQuery>,
) -> HttpResponse {
    let next = safe_next(&query.next);
    if req.extensions().contains::<PendingSignIn>() {
        return see_other(&second_step_url(&next));
    }
    SignInPage {
        ctx,
        email: String::new(),
        next,
        problem: None,
    }
    .respond_to(&req)
    .map_into_boxed_body()
}

/// The second step's page, carrying where to go afterwards.
fn second_step_url(next: &str) -> String {
    format!(
        "/sign-in/two-factor?next={}",
        percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
    )
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
    let attempt = Attempt {
        account: &form.email,
        address: &ip,
        label: &form.email,
    };
    if let Err(refused) = state.sign_in_limiter.check(attempt) {
        let wait = audit_refusal(&state, refused).await?;
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
            let next = safe_next(&form.next);
            let mut res = if signed_in.stage == Stage::Full {
                see_other(&next)
            } else {
                see_other(&second_step_url(&next))
            };
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
    CsrfForm(_): CsrfForm<crate::web::extract::NoFields>,
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

fn pending(req: &HttpRequest) -> Option<PendingSignIn> {
    req.extensions().get::<PendingSignIn>().cloned()
}

/// The second step's page: a code form, and the QR code first when the user has no
/// second factor yet. Without a half-finished sign-in it sends the browser to sign in.
pub async fn second_factor_form(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, AppError> {
    let Some(pending) = pending(&req) else {
        return Ok(see_other("/sign-in"));
    };
    let page = second_factor_page(&state, ctx, &pending, &query.next, None).await?;
    Ok(page.respond_to(&req).map_into_boxed_body())
}

async fn second_factor_page(
    state: &web::Data<AppState>,
    ctx: PageCtx,
    pending: &PendingSignIn,
    next: &str,
    problem: Option<&'static str>,
) -> Result<TwoFactorPage, AppError> {
    let enrolment = if pending.stage == Stage::Enrol {
        Some(crate::routes::account::enrolment(state, pending.user_id.clone()).await?)
    } else {
        None
    };
    Ok(TwoFactorPage {
        ctx,
        action: "/sign-in/two-factor",
        next: safe_next(next),
        enrolment,
        problem,
    })
}

/// Checks the second factor. An account gets ten codes a minute: with three codes right at
/// any time, guessing one takes about 23 days of steady tries, each of them audited.
pub async fn second_factor(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some(pending) = pending(&req) else {
        return Ok(see_other("/sign-in"));
    };
    let ip = client_ip(&req);
    let attempt = Attempt {
        account: &pending.user_id,
        address: &ip,
        label: &pending.email,
    };
    if let Err(refused) = state.second_factor_limiter.check(attempt) {
        let wait = audit_refusal(&state, refused).await?;
        let page = second_factor_page(
            &state,
            ctx,
            &pending,
            &form.next,
            Some("error-too-many-attempts"),
        )
        .await?;
        return Ok(too_many_requests(
            page.respond_to(&req).map_into_boxed_body(),
            wait,
        ));
    }
    let key = state.settings.secret_key.clone();
    let now = state.clock.now();
    let worker_pending = pending.clone();
    let code: String = form.code.chars().take(32).collect();
    let outcome = read(&state, move |conn| {
        Ok(sessions::give_second_factor(
            conn,
            &key,
            &worker_pending,
            &code,
            now,
            &ip,
        ))
    })
    .await?;
    let next = safe_next(&form.next);
    match outcome {
        Ok(given) => {
            let secure = state.settings.secure_cookies();
            let mut res = if given.recovery_codes.is_empty() {
                match given.given {
                    Given::RecoveryCode { .. } => {
                        redirect_with_flash(&state, &next, "info", "flash-recovery-code-used")
                    }
                    Given::Code => see_other(&next),
                }
            } else {
                let page = RecoveryCodesPage {
                    ctx,
                    codes: given.recovery_codes,
                    next,
                };
                crate::web::respond::no_store(page.respond_to(&req).map_into_boxed_body())
            };
            res.add_cookie(&cookie(SESSION_COOKIE, given.token, secure))
                .and_then(|()| res.add_cookie(&cookie(CSRF_COOKIE, new_token(), secure)))
                .map_err(|e| AppError::Internal(e.into()))?;
            req.extensions_mut().insert(SeedReplaced);
            Ok(res)
        }
        Err(problem @ (CodeError::Wrong | CodeError::KeyUnreadable)) => {
            let message = match problem {
                CodeError::KeyUnreadable => "error-two-factor-key-unreadable",
                _ => "error-two-factor-code",
            };
            let page = second_factor_page(&state, ctx, &pending, &form.next, Some(message)).await?;
            Ok(invalid(page, &req))
        }
        Err(CodeError::Workflow(WorkflowError::NotFound)) => Ok(see_other("/sign-in")),
        Err(CodeError::Workflow(e)) => Err(e.into()),
    }
}

/// Registers signing in and out.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sign-in", web::get().to(sign_in_form))
        .route("/sign-in", web::post().to(sign_in))
        .route("/sign-in/two-factor", web::get().to(second_factor_form))
        .route("/sign-in/two-factor", web::post().to(second_factor))
        .route("/sign-out", web::post().to(sign_out));
}
