//! A user's own account, and setting a password by e-mailed link: "forgot password" and
//! the invitation a colleague sent. The link pages need no sign-in; the link is the proof.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::email_token::Purpose;
use crate::auth::extract::CsrfForm;
use crate::auth::{Authorized, policy};
use crate::db::models::user as user_db;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::routes::{actor, client_ip, invalid, read, redirect_with_flash, run, too_many_requests};
use crate::startup::AppState;
use crate::views::PageCtx;
use crate::views::account::{AccountPage, ForgotPasswordPage, SetPasswordPage};
use crate::workflows::passwords::{self, Link};
use crate::workflows::{Actor, WorkflowError};

pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
) -> Result<AccountPage, AppError> {
    let user_id = auth.user.id.clone();
    let user = read(&state, move |conn| {
        user_db::find(conn, &user_id)?.ok_or(WorkflowError::NotFound)
    })
    .await?;
    Ok(AccountPage {
        ctx,
        committee_member: user.committee_member,
        committee_digest: user.committee_digest,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct NotificationsForm {
    #[serde(default)]
    committee_digest: String,
}

pub async fn set_notifications(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    CsrfForm(form): CsrfForm<NotificationsForm>,
) -> Result<HttpResponse, AppError> {
    let digest = match form.committee_digest.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("error-invalid-input")),
    };
    let actor = actor(&auth.user, &req);
    read(&state, move |conn| {
        passwords::set_committee_digest(conn, &actor, digest)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        "/account",
        "success",
        "flash-account-saved",
    ))
}

/// Someone not signed in, identified only by their address.
fn anonymous(req: &HttpRequest, label: &str) -> Actor {
    Actor {
        ip: client_ip(req),
        ..Actor::system(label)
    }
}

pub async fn forgot_form(ctx: PageCtx) -> ForgotPasswordPage {
    ForgotPasswordPage {
        ctx,
        email: String::new(),
        errors: FieldErrors::new(),
        requested: false,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let email: String = form.email.chars().take(254).collect();
    let ip = client_ip(&req);
    if let Err(wait) = state
        .sign_in_limiter
        .check(&format!("reset:{}", email.trim().to_lowercase()), &ip)
    {
        let mut errors = FieldErrors::new();
        errors.add("email", "error-too-many-attempts");
        let page = ForgotPasswordPage {
            ctx,
            email,
            errors,
            requested: false,
        };
        return Ok(too_many_requests(invalid(page, &req), wait));
    }
    let actor = anonymous(&req, "password reset");
    let (work_email, now) = (email.clone(), state.clock.now());
    let outcome = run(&state, move |conn| {
        passwords::request_reset(conn, &actor, &work_email, now)
    })
    .await?;
    let page = ForgotPasswordPage {
        ctx,
        email,
        requested: outcome.is_ok(),
        errors: outcome.err().unwrap_or_default(),
    };
    Ok(if page.requested {
        actix_web::Responder::respond_to(page, &req)
    } else {
        invalid(page, &req)
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// Where a dead link sends its holder, and what they are told.
fn link_invalid(state: &AppState, purpose: Purpose) -> HttpResponse {
    let to = match purpose {
        Purpose::PasswordReset => "/password/forgot",
        Purpose::Invitation => "/sign-in",
    };
    redirect_with_flash(state, to, "error", "flash-link-invalid")
}

fn page_for(ctx: PageCtx, purpose: Purpose, token: &str, email: String) -> SetPasswordPage {
    let (title_key, action) = match purpose {
        Purpose::PasswordReset => ("password-reset-title", format!("/password/reset/{token}")),
        Purpose::Invitation => ("invitation-title", format!("/invitation/{token}")),
    };
    SetPasswordPage {
        ctx,
        title_key,
        action,
        email,
        errors: FieldErrors::new(),
    }
}

/// Which link a route serves: the password reset's or the invitation's.
pub trait LinkRoute {
    const PURPOSE: Purpose;
}

pub struct ResetLink;
pub struct InvitationLink;

impl LinkRoute for ResetLink {
    const PURPOSE: Purpose = Purpose::PasswordReset;
}

impl LinkRoute for InvitationLink {
    const PURPOSE: Purpose = Purpose::Invitation;
}

/// The form behind a link, for the account it belongs to.
pub async fn link_form<L: LinkRoute>(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (token, purpose) = (token.into_inner(), L::PURPOSE);
    let (secret, now, work_token) = (
        state.settings.secret_key.clone(),
        state.clock.now(),
        token.clone(),
    );
    let account = run(&state, move |conn| {
        let link = Link {
            secret: &secret,
            purpose,
            token: &work_token,
        };
        passwords::account_for_link(conn, link, now)
    })
    .await;
    match account {
        Ok(Ok(user)) => Ok(actix_web::Responder::respond_to(
            page_for(ctx, purpose, &token, user.email),
            &req,
        )),
        Err(AppError::NotFound) => Ok(link_invalid(&state, purpose)),
        Ok(Err(_)) => Ok(link_invalid(&state, purpose)),
        Err(e) => Err(e),
    }
}

/// Sets the password through a link.
pub async fn link_submit<L: LinkRoute>(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    token: web::Path<String>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let (token, purpose) = (token.into_inner(), L::PURPOSE);
    let actor = anonymous(&req, purpose.as_str());
    let (secret, now, work_token) = (
        state.settings.secret_key.clone(),
        state.clock.now(),
        token.clone(),
    );
    let email = {
        let (secret, token) = (secret.clone(), token.clone());
        match run(&state, move |conn| {
            let link = Link {
                secret: &secret,
                purpose,
                token: &token,
            };
            passwords::account_for_link(conn, link, now)
        })
        .await
        {
            Ok(Ok(user)) => user.email,
            Err(AppError::NotFound) | Ok(Err(_)) => return Ok(link_invalid(&state, purpose)),
            Err(e) => return Err(e),
        }
    };
    let outcome = run(&state, move |conn| {
        let link = Link {
            secret: &secret,
            purpose,
            token: &work_token,
        };
        passwords::set_password_by_link(
            conn,
            &actor,
            link,
            &form.password,
            &form.password_confirmation,
            now,
        )
    })
    .await;
    match outcome {
        Ok(Ok(_)) => Ok(redirect_with_flash(
            &state,
            "/sign-in",
            "success",
            "flash-password-set",
        )),
        Ok(Err(errors)) => Ok(invalid(
            SetPasswordPage {
                errors,
                ..page_for(ctx, purpose, &token, email)
            },
            &req,
        )),
        Err(AppError::NotFound) => Ok(link_invalid(&state, purpose)),
        Err(e) => Err(e),
    }
}
