//! Administration: users and committee membership, organisations, the audit log, the
//! outbox of e-mail.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;

use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::views::Pager;
use crate::views::admin::{
    AuditPage, AuditQuery, AuditRow, OUTBOX_STATUSES, OrganisationsPage, OutboxPage, OutboxRow,
    UserForm, UserFormPage, UsersPage, UsersQuery,
};
use crate::views::organisation::{OrganisationForm, OrganisationFormPage, OrganisationPage};
use crate::views::organisation_changes::ChangeView;
use crate::web::blocking::{read, run};
use crate::web::extract::{CsrfForm, NoFields};
use crate::web::request::actor;
use crate::web::respond::{file_response, invalid, redirect_with_flash};
use crate::web::{AppError, AppState, Authorized, PageCtx, policy};
use crate::workflows::accounts::{UserCursor, UserFilter};
use crate::workflows::audit::AuditSearch;
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::paging;
use crate::workflows::{accounts, audit, audit_checkpoints, notify, two_factor};

type Admin = Authorized<policy::Admin>;

/// Users shown per page of the administrator's list.
const USERS_PAGE: i64 = 50;

pub async fn users(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Admin,
    query: web::Query<UsersQuery>,
) -> Result<UsersPage, AppError> {
    let query = query.into_inner();
    let bad = || AppError::BadRequest("error-malformed-query");
    if query.q.contains('\0') {
        return Err(bad());
    }
    let role = match query.role.trim() {
        "" => None,
        raw => Some(Role::parse(raw).ok_or_else(bad)?.as_str().to_string()),
    };
    let filter = UserFilter {
        text: Some(query.q.trim())
            .filter(|q| !q.is_empty())
            .map(|q| q.chars().take(100).collect()),
        role,
    };
    let cursor = |token: &str| -> Result<Option<UserCursor>, AppError> {
        Ok(paging::decode(token, 2)?.map(|mut values| UserCursor {
            name: values.remove(0),
            id: values.remove(0),
        }))
    };
    let position = paging::position(cursor(&query.after)?, cursor(&query.before)?)?;
    let key = state.settings.secret_key.clone();
    let at = position.clone();
    let mut list = read(&state, move |conn| {
        accounts::users_list(conn, &filter, &at, USERS_PAGE, &key)
    })
    .await?;
    let span = paging::span(
        &mut list.users,
        &position,
        USERS_PAGE,
        list.total,
        list.ahead,
        |(u, _, _)| paging::encode(&[&u.name, &u.id]),
    );
    Ok(UsersPage {
        pager: Pager::new(&ctx, "/admin/users", &query.filters(), &span),
        ctx,
        users: list.users,
        locked_out: list.locked_out,
        query,
    })
}

async fn user_form_page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    form: UserForm,
    errors: FieldErrors,
    editing_id: Option<String>,
) -> Result<UserFormPage, AppError> {
    let choices = read(state, move |conn| {
        accounts::user_form_choices(conn, editing_id.as_deref())
    })
    .await?;
    Ok(UserFormPage {
        ctx,
        form,
        errors,
        organisations: choices.organisations,
        editing: choices.editing,
    })
}

pub async fn new_user_form(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Admin,
) -> Result<UserFormPage, AppError> {
    user_form_page(ctx, &state, UserForm::default(), FieldErrors::new(), None).await
}

pub async fn create_user(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Admin,
    CsrfForm(mut form): CsrfForm<UserForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let (input, password) = (form.input(), std::mem::take(&mut form.password));
    match run(&state, move |conn| {
        accounts::create_user(conn, &actor, &input, &password)
    })
    .await?
    {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            "/admin/users",
            "success",
            "flash-user-created",
        )),
        Err(errors) => Ok(invalid(
            user_form_page(ctx, &state, form, errors, None).await?,
            &req,
        )),
    }
}

pub async fn edit_user_form(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Admin,
    path: web::Path<String>,
) -> Result<UserFormPage, AppError> {
    let id = path.into_inner();
    let read_id = id.clone();
    let user = read(&state, move |conn| accounts::user(conn, &read_id)).await?;
    user_form_page(
        ctx,
        &state,
        UserForm::from_user(&user),
        FieldErrors::new(),
        Some(id),
    )
    .await
}

pub async fn update_user(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Admin,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<UserForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = actor(&auth.user, &req);
    let (input, user_id) = (form.input(), id.clone());
    match run(&state, move |conn| {
        accounts::update_user(conn, &actor, &user_id, &input)
    })
    .await?
    {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            "/admin/users",
            "success",
            "flash-user-saved",
        )),
        Err(errors) => Ok(invalid(
            user_form_page(ctx, &state, form, errors, Some(id)).await?,
            &req,
        )),
    }
}

async fn set_active(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Admin,
    id: String,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let user_id = id.clone();
    read(&state, move |conn| {
        accounts::set_user_active(conn, &actor, &user_id, active)
    })
    .await?;
    let key = if active {
        "flash-user-reactivated"
    } else {
        "flash-user-deactivated"
    };
    Ok(redirect_with_flash(
        &state,
        &format!("/admin/users/{id}"),
        "success",
        key,
    ))
}

pub async fn deactivate_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Admin,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<crate::web::extract::NoFields>,
) -> Result<HttpResponse, AppError> {
    set_active(req, state, auth, path.into_inner(), false).await
}

pub async fn reactivate_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Admin,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<crate::web::extract::NoFields>,
) -> Result<HttpResponse, AppError> {
    set_active(req, state, auth, path.into_inner(), true).await
}

/// Removes a user's second factor (a lost phone and no recovery code left); audited.
pub async fn reset_two_factor(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Admin,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<crate::web::extract::NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = actor(&auth.user, &req);
    let user_id = id.clone();
    read(&state, move |conn| {
        two_factor::reset(conn, &actor, &user_id)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/admin/users/{id}"),
        "success",
        "flash-two-factor-reset",
    ))
}

pub async fn organisations(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Admin,
) -> Result<OrganisationsPage, AppError> {
    let organisations = read(&state, accounts::organisations).await?;
    Ok(OrganisationsPage { ctx, organisations })
}

fn organisation_form(
    ctx: PageCtx,
    form: OrganisationForm,
    errors: FieldErrors,
    edit_id: Option<&str>,
) -> OrganisationFormPage {
    OrganisationFormPage {
        ctx,
        form,
        errors,
        action: match edit_id {
            Some(id) => format!("/admin/organisations/{id}/edit"),
            None => "/admin/organisations".to_string(),
        },
        is_new: edit_id.is_none(),
        by_review: false,
    }
}

pub async fn new_organisation_form(ctx: PageCtx, _auth: Admin) -> OrganisationFormPage {
    organisation_form(ctx, OrganisationForm::default(), FieldErrors::new(), None)
}

pub async fn create_organisation(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Admin,
    CsrfForm(form): CsrfForm<OrganisationForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let input = form.input();
    match run(&state, move |conn| {
        accounts::create_organisation(conn, &actor, &input)
    })
    .await?
    {
        Ok(created) => Ok(redirect_with_flash(
            &state,
            &format!("/admin/organisations/{}", created.id),
            "success",
            "flash-organisation-created",
        )),
        Err(errors) => Ok(invalid(organisation_form(ctx, form, errors, None), &req)),
    }
}

pub async fn organisation(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Admin,
    path: web::Path<String>,
) -> Result<OrganisationPage, AppError> {
    let id = path.into_inner();
    let profile = read(&state, move |conn| {
        accounts::organisation_profile(conn, &id)
    })
    .await?;
    Ok(OrganisationPage {
        can_edit: true,
        edit_url: format!("/admin/organisations/{}/edit", profile.organisation.id),
        changes: profile.changes.iter().map(ChangeView::of).collect(),
        can_withdraw: false,
        ctx,
        organisation: profile.organisation,
        members: profile.members,
    })
}

pub async fn edit_organisation_form(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Admin,
    path: web::Path<String>,
) -> Result<OrganisationFormPage, AppError> {
    let id = path.into_inner();
    let organisation = read(&state, move |conn| accounts::organisation(conn, &id)).await?;
    Ok(organisation_form(
        ctx,
        OrganisationForm::from_organisation(&organisation),
        FieldErrors::new(),
        Some(&organisation.id),
    ))
}

pub async fn update_organisation(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Admin,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<OrganisationForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = actor(&auth.user, &req);
    let (input, org_id) = (form.input(), id.clone());
    match run(&state, move |conn| {
        accounts::update_organisation(conn, &actor, &org_id, &input)
    })
    .await?
    {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("/admin/organisations/{id}"),
            "success",
            "flash-organisation-saved",
        )),
        Err(errors) => Ok(invalid(
            organisation_form(ctx, form, errors, Some(&id)),
            &req,
        )),
    }
}

const AUDIT_PAGE: i64 = 100;

/// The audit log's filters, checked: a date that is no date, or a NUL, is
/// refused with a 400.
fn search_of(query: &AuditQuery) -> Result<AuditSearch, AppError> {
    let bad = || AppError::BadRequest("error-malformed-query");
    let text = |raw: &str| -> Result<Option<String>, AppError> {
        if raw.contains('\0') {
            return Err(bad());
        }
        Ok(Some(raw.trim())
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(100).collect()))
    };
    let day = |raw: &str| -> Result<Option<NaiveDate>, AppError> {
        match raw.trim() {
            "" => Ok(None),
            raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| bad()),
        }
    };
    Ok(AuditSearch {
        actor: text(&query.actor)?,
        action: text(&query.action)?,
        subject: text(&query.subject)?,
        from: day(&query.from)?,
        to: day(&query.to)?,
    })
}

pub async fn audit(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Authorized<policy::AuditReader>,
    query: web::Query<AuditQuery>,
) -> Result<AuditPage, AppError> {
    let query = query.into_inner();
    let search = search_of(&query)?;
    let seq = |token: &str| -> Result<Option<i64>, AppError> {
        paging::decode(token, 1)?
            .map(|values| {
                values[0]
                    .parse::<i64>()
                    .map_err(|_| AppError::BadRequest("error-malformed-query"))
            })
            .transpose()
    };
    let position = paging::position(seq(&query.after)?, seq(&query.before)?)?;
    let lang = ctx.lang;
    let authority = CertificateAuthority::from_settings(&state.settings);
    let now = state.clock.now();
    let (mut log, checkpoint) = read(&state, move |conn| {
        let log = audit::log_page(conn, &search, position, AUDIT_PAGE, lang)?;
        let checkpoint = audit_checkpoints::offered(conn, &log.status, &authority, now)?;
        Ok((log, checkpoint))
    })
    .await?;
    let span = paging::span(
        &mut log.events,
        &position,
        AUDIT_PAGE,
        log.total,
        log.ahead,
        |e| paging::encode(&[&e.seq.to_string()]),
    );
    let names = log.names;
    Ok(AuditPage {
        full_walk: log.full_walk_at.map(|at| ctx.local_time(&at)),
        pager: Pager::new(&ctx, "/admin/audit", &query.filters(), &span),
        rows: log
            .events
            .into_iter()
            .map(|event| AuditRow::new(&ctx, event, &names))
            .collect(),
        ctx,
        status: log.status,
        checkpoint,
        query,
    })
}

/// The audit chain's head as it is now, signed, as a file to keep outside the registry
/// (`verify-audit --checkpoints FILE`); 404 while the chain is empty, 409 when it was
/// found broken.
pub async fn audit_checkpoint(
    state: web::Data<AppState>,
    _auth: Authorized<policy::AuditReader>,
) -> Result<HttpResponse, AppError> {
    let authority = CertificateAuthority::from_settings(&state.settings);
    let now = state.clock.now();
    let checkpoint = read(&state, move |conn| {
        audit_checkpoints::sign_checked(conn, &authority, now)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(file_response(
        &audit_checkpoints::file_name(&checkpoint),
        "text/plain; charset=utf-8",
        checkpoint.note.into_bytes(),
    ))
}

/// Messages shown per page of the outbox.
const OUTBOX_PAGE: i64 = 50;

#[derive(Debug, serde::Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
    /// The id of the last message on the previous page.
    #[serde(default)]
    before: String,
}

pub async fn outbox(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Admin,
    query: web::Query<OutboxQuery>,
) -> Result<OutboxPage, AppError> {
    let status = OUTBOX_STATUSES
        .into_iter()
        .find(|s| *s == query.status)
        .map(str::to_string);
    let (work_status, before) = (status.clone(), query.before.clone());
    let notify::Outbox { counts, messages } = read(&state, move |conn| {
        notify::outbox(conn, work_status.as_deref(), &before, OUTBOX_PAGE)
    })
    .await?;
    let status = status.unwrap_or_default();
    let older = (messages.len() as i64 == OUTBOX_PAGE)
        .then(|| messages.last())
        .flatten()
        .map(|last| {
            serde_urlencoded::to_string([("status", status.as_str()), ("before", &last.id)])
                .unwrap_or_default()
        });
    Ok(OutboxPage {
        counts: OUTBOX_STATUSES
            .into_iter()
            .map(|s| {
                let count = counts.iter().find(|(c, _)| c == s).map_or(0, |(_, n)| *n);
                (s, ctx.t(&format!("outbox-status-{s}")), count)
            })
            .collect(),
        rows: messages
            .into_iter()
            .map(|m| OutboxRow::new(&ctx, m))
            .collect(),
        smtp_configured: state.settings.smtp_url.is_some(),
        status,
        older,
        ctx,
    })
}

pub async fn retry_message(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Admin,
    id: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let now = state.clock.now();
    read(&state, move |conn| notify::retry(conn, &actor, &id, now)).await?;
    Ok(redirect_with_flash(
        &state,
        "/admin/outbox?status=queued",
        "success",
        "flash-outbox-retried",
    ))
}

/// Registers the administration pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users))
        .route("/admin/users", web::post().to(create_user))
        .route("/admin/users/new", web::get().to(new_user_form))
        .route("/admin/users/{id}", web::get().to(edit_user_form))
        .route("/admin/users/{id}", web::post().to(update_user))
        .route(
            "/admin/users/{id}/deactivate",
            web::post().to(deactivate_user),
        )
        .route(
            "/admin/users/{id}/reactivate",
            web::post().to(reactivate_user),
        )
        .route(
            "/admin/users/{id}/two-factor/reset",
            web::post().to(reset_two_factor),
        )
        .route("/admin/organisations", web::get().to(organisations))
        .route("/admin/organisations", web::post().to(create_organisation))
        .route(
            "/admin/organisations/new",
            web::get().to(new_organisation_form),
        )
        .route("/admin/organisations/{id}", web::get().to(organisation))
        .route(
            "/admin/organisations/{id}/edit",
            web::get().to(edit_organisation_form),
        )
        .route(
            "/admin/organisations/{id}/edit",
            web::post().to(update_organisation),
        )
        .route("/admin/audit", web::get().to(audit))
        .route("/admin/audit/checkpoint", web::get().to(audit_checkpoint))
        .route("/admin/outbox", web::get().to(outbox))
        .route("/admin/outbox/{id}/retry", web::post().to(retry_message));
}
