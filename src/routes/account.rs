//! A user's own account (password, second factor, sessions, notices), and setting a
//! password by e-mailed link: "forgot password" and
//! the invitation a colleague sent. The link pages need no sign-in; the link is the proof.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::email_token::Purpose;
use crate::domain::validation::FieldErrors;
use crate::views::account::{
    AccountPage, EnrolmentView, ForgotPasswordPage, RecoveryCodesPage, SessionRow, SetPasswordPage,
    TwoFactorPage,
};
use crate::web::blocking::{read, run};
use crate::web::extract::CsrfForm;
use crate::web::form::CodeForm;
use crate::web::request::{actor, client_ip};
use crate::web::respond::{
    file_response, invalid, no_store, redirect_with_flash, see_other, too_many_requests,
};
use crate::web::{AppError, AppState, Authorized, CurrentUser, PageCtx, policy};
use crate::workflows::passwords::{self, Link, PasswordChange};
use crate::workflows::two_factor::{self, CodeError};
use crate::workflows::{Actor, WorkflowError, accounts, sessions};

pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
) -> Result<AccountPage, AppError> {
    account_page(ctx, &state, &auth.user, FieldErrors::new()).await
}

/// The account page, with the problems of a refused password change if any.
async fn account_page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    current_user: &CurrentUser,
    password_errors: FieldErrors,
) -> Result<AccountPage, AppError> {
    let user_id = current_user.id.clone();
    let account = read(state, move |conn| accounts::own_account(conn, &user_id)).await?;
    let current = &current_user.session_id;
    let sessions = account
        .sessions
        .into_iter()
        .map(|s| SessionRow {
            current: &s.id == current,
            created_at: ctx.local_time(&s.created_at),
            last_seen_at: ctx.local_time(&s.last_seen_at),
            id: s.id,
            ip: s.ip,
            browser: SessionRow::describe(&ctx, &s.user_agent),
            user_agent: s.user_agent,
        })
        .collect();
    Ok(AccountPage {
        ctx,
        committee_member: account.user.committee_member,
        committee_digest: account.user.committee_digest,
        recovery_codes_left: account.recovery_codes_left,
        sessions,
        password_errors,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// Changes the signed-in person's password. Tries are limited as sign-ins are, per
/// account and per address, so a borrowed session cannot guess the password faster.
pub async fn change_password(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    CsrfForm(form): CsrfForm<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let account = format!("password-change:{}", auth.user.id);
    let ip = client_ip(&req);
    let attempt = crate::auth::rate_limit::Attempt {
        account: &account,
        address: &ip,
        label: &auth.user.email,
    };
    if let Err(refused) = state.sign_in_limiter.check(attempt) {
        let wait = crate::web::respond::audit_refusal(&state, refused).await?;
        let mut errors = FieldErrors::new();
        errors.add("current_password", "error-too-many-attempts");
        let page = account_page(ctx, &state, &auth.user, errors).await?;
        return Ok(too_many_requests(invalid(page, &req), wait));
    }
    let actor = actor(&auth.user, &req);
    let (session_id, now) = (auth.user.session_id.clone(), state.clock.now());
    let outcome = run(&state, move |conn| {
        let change = PasswordChange {
            current: &form.current_password,
            new: &form.password,
            confirmation: &form.password_confirmation,
        };
        passwords::change_password(conn, &actor, &session_id, change, now)
    })
    .await?;
    match outcome {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            "/account",
            "success",
            "flash-password-changed",
        )),
        Err(errors) => Ok(invalid(
            account_page(ctx, &state, &auth.user, errors).await?,
            &req,
        )),
    }
}

/// Starts (or resumes) setting up a second factor for a user: the QR code and the secret.
pub(crate) async fn enrolment(
    state: &web::Data<AppState>,
    user_id: String,
) -> Result<EnrolmentView, AppError> {
    let key = state.settings.secret_key.clone();
    let enrolment = read(state, move |conn| {
        two_factor::begin_enrolment(conn, &key, &user_id)
    })
    .await?;
    Ok(EnrolmentView {
        qr_svg: crate::views::qr_svg(&enrolment.otpauth_url)?,
        secret: enrolment.secret,
    })
}

/// Setting up a second factor from the account page (anyone may; staff must).
pub async fn two_factor_form(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
) -> Result<HttpResponse, AppError> {
    match enrolment(&state, auth.user.id.clone()).await {
        Ok(enrolment) => Ok(actix_web::Responder::respond_to(
            two_factor_page(ctx, Some(enrolment), None),
            &req,
        )
        .map_into_boxed_body()),
        Err(AppError::Conflict(_)) => Ok(see_other("/account")),
        Err(e) => Err(e),
    }
}

fn two_factor_page(
    ctx: PageCtx,
    enrolment: Option<EnrolmentView>,
    problem: Option<&'static str>,
) -> TwoFactorPage {
    TwoFactorPage {
        ctx,
        action: "/account/two-factor",
        next: "/account".into(),
        enrolment,
        problem,
    }
}

/// Confirms the second factor being set up with a first code; shows the recovery codes.
pub async fn enable_two_factor(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let key = state.settings.secret_key.clone();
    let now = state.clock.now();
    let user_id = auth.user.id.clone();
    let code: String = form.code.chars().take(32).collect();
    let outcome = read(&state, move |conn| {
        Ok(two_factor::confirm_enrolment(
            conn, &key, &actor, &user_id, &code, now,
        ))
    })
    .await?;
    match outcome {
        Ok(codes) => {
            let page = RecoveryCodesPage {
                ctx,
                codes,
                next: "/account".into(),
            };
            Ok(no_store(
                actix_web::Responder::respond_to(page, &req).map_into_boxed_body(),
            ))
        }
        // Setting up checks the secret just made, which opens under the key in use.
        Err(CodeError::Wrong | CodeError::KeyUnreadable) => {
            let enrolment = enrolment(&state, auth.user.id.clone()).await?;
            Ok(invalid(
                two_factor_page(ctx, Some(enrolment), Some("error-two-factor-code")),
                &req,
            ))
        }
        Err(CodeError::Workflow(WorkflowError::Conflict(_))) => Ok(see_other("/account")),
        Err(CodeError::Workflow(e)) => Err(e.into()),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct RecoveryCodesForm {
    #[serde(default)]
    codes: String,
}

/// The recovery codes just shown, as a text file to keep: the page posts back what it
/// showed (the server keeps only their hashes), and only what looks like a code is
/// written, so the file can carry nothing else.
pub async fn download_recovery_codes(
    ctx: PageCtx,
    _auth: Authorized<policy::AnyUser>,
    CsrfForm(form): CsrfForm<RecoveryCodesForm>,
) -> HttpResponse {
    let codes: Vec<&str> = form
        .codes
        .split_whitespace()
        .filter(|code| {
            crate::auth::totp::is_recovery_code(code)
                && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .take(32)
        .collect();
    let text = format!(
        "{}\r\n\r\n{}\r\n",
        ctx.t("two-factor-recovery-file"),
        codes.join("\r\n")
    );
    file_response(
        "recovery-codes.txt",
        "text/plain; charset=utf-8",
        text.into_bytes(),
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct EndSessionForm {
    /// A session id of the user's, or `others` for every one but this.
    #[serde(default)]
    session: String,
}

/// Ends one of the user's own sessions, or all the others.
pub async fn end_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    CsrfForm(form): CsrfForm<EndSessionForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let current = auth.user.session_id.clone();
    let which = (form.session != "others").then_some(form.session);
    read(&state, move |conn| {
        sessions::end_own(conn, &actor, &current, which.as_deref())
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        "/account",
        "success",
        "flash-sessions-ended",
    ))
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
    let account = format!("reset:{}", email.trim().to_lowercase());
    let attempt = crate::auth::rate_limit::Attempt {
        account: &account,
        address: &ip,
        label: &email,
    };
    if let Err(refused) = state.sign_in_limiter.check(attempt) {
        let wait = crate::web::respond::audit_refusal(&state, refused).await?;
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

/// Registers the account pages and the e-mailed links.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(show))
        .route("/account/two-factor", web::get().to(two_factor_form))
        .route("/account/two-factor", web::post().to(enable_two_factor))
        .route("/account/password", web::post().to(change_password))
        .route(
            "/account/recovery-codes.txt",
            web::post().to(download_recovery_codes),
        )
        .route("/account/sessions/end", web::post().to(end_session))
        .route("/account/notifications", web::post().to(set_notifications))
        .route("/password/forgot", web::get().to(forgot_form))
        .route("/password/forgot", web::post().to(forgot))
        .route(
            "/password/reset/{token}",
            web::get().to(link_form::<ResetLink>),
        )
        .route(
            "/password/reset/{token}",
            web::post().to(link_submit::<ResetLink>),
        )
        .route(
            "/invitation/{token}",
            web::get().to(link_form::<InvitationLink>),
        )
        .route(
            "/invitation/{token}",
            web::post().to(link_submit::<InvitationLink>),
        );
}
