//! The secretariat's pages for changes of organisations' legal identity: the list of
//! requests, one request beside the approved identity, and its approval or refusal.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::domain::validation::FieldErrors;
use crate::views::committee::{IdentityChangePage, IdentityChangesPage, RefuseForm};
use crate::views::organisation_changes::{ChangeView, identity_lines};
use crate::web::blocking::{read, run};
use crate::web::extract::{CsrfForm, NoFields};
use crate::web::request::actor;
use crate::web::respond::{invalid, redirect_with_flash};
use crate::web::{AppError, AppState, Authorized, PageCtx, policy};
use crate::workflows::certificates::CertificateAuthority;
use crate::workflows::organisation_changes::{self, Decision, RequestFile};

type Secretariat = Authorized<policy::Secretariat>;

/// How many decided or withdrawn requests the list shows.
const RECENT_DECIDED: i64 = 50;

pub async fn list(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Secretariat,
) -> Result<IdentityChangesPage, AppError> {
    let (pending, decided) = read(&state, |conn| {
        organisation_changes::requests(conn, RECENT_DECIDED)
    })
    .await?;
    Ok(IdentityChangesPage {
        ctx,
        pending,
        decided,
    })
}

/// The page of one request; `reason` and `errors` come back from a refused refusal.
async fn change_page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    id: String,
    reason: String,
    errors: FieldErrors,
) -> Result<IdentityChangePage, AppError> {
    let RequestFile {
        change,
        organisation,
        history,
        proposer,
    } = read(state, move |conn| {
        organisation_changes::request_file(conn, &id)
    })
    .await?;
    Ok(IdentityChangePage {
        comparison: identity_lines(&organisation.identity(), &change.proposed()),
        change: ChangeView::of(&change),
        history: history.iter().map(ChangeView::of).collect(),
        ctx,
        organisation,
        proposer,
        reason,
        errors,
    })
}

pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Secretariat,
    path: web::Path<String>,
) -> Result<IdentityChangePage, AppError> {
    change_page(
        ctx,
        &state,
        path.into_inner(),
        String::new(),
        FieldErrors::new(),
    )
    .await
}

pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Secretariat,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (actor, now, work_id) = (actor(&auth.user, &req), state.clock.now(), id.clone());
    let authority = CertificateAuthority::from_settings(&state.settings);
    read(&state, move |conn| {
        organisation_changes::decide(conn, &actor, &authority, &work_id, &Decision::Approve, now)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/committee/organisation-changes/{id}"),
        "success",
        "flash-identity-change-approved",
    ))
}

pub async fn refuse(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Secretariat,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<RefuseForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (actor, now, work_id) = (actor(&auth.user, &req), state.clock.now(), id.clone());
    let authority = CertificateAuthority::from_settings(&state.settings);
    let decision = Decision::Refuse(form.reason.clone());
    match run(&state, move |conn| {
        organisation_changes::decide(conn, &actor, &authority, &work_id, &decision, now)
    })
    .await?
    {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("/committee/organisation-changes/{id}"),
            "success",
            "flash-identity-change-refused",
        )),
        Err(errors) => Ok(invalid(
            change_page(ctx, &state, id, form.reason, errors).await?,
            &req,
        )),
    }
}

/// Registers the secretariat's pages on changes of legal identity.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/committee/organisation-changes", web::get().to(list))
        .route("/committee/organisation-changes/{id}", web::get().to(show))
        .route(
            "/committee/organisation-changes/{id}/approve",
            web::post().to(approve),
        )
        .route(
            "/committee/organisation-changes/{id}/refuse",
            web::post().to(refuse),
        );
}
