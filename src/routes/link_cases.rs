//! Show-cause cases about links: the committee's list and a case's page with the chair's
//! decision and the secretariat's verification, and the provider's page of a case against
//! its organisation with its answer and its account of the disconnection. Every step's
//! form is multipart (the provider's may carry a file), read within limits.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::domain::validation::FieldErrors;
use crate::views::link_cases::{CaseRowView, LinkCasePage, LinkCasesPage};
use crate::views::{Refusal, shown_again};
use crate::web::blocking::{read, run};
use crate::web::extract::Policy;
use crate::web::form::{Done, answer_attempt};
use crate::web::respond::file_response;
use crate::web::upload::read_action_form;
use crate::web::{AppError, AppState, Authorized, CurrentUser, PageCtx, policy};
use crate::workflows::link_cases::{self as flows, CaseForm, CaseInput};

/// `/committee/cases`: the cases still under way.
pub async fn index(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Authorized<policy::CaseReader>,
) -> Result<LinkCasesPage, AppError> {
    let rows = read(&state, flows::under_way).await?;
    Ok(LinkCasesPage {
        rows: rows.iter().map(|r| CaseRowView::new(&ctx, r)).collect(),
        ctx,
    })
}

/// A case's page as `user` may see it, with a refused form's input and problems.
async fn page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &CurrentUser,
    id: String,
    again: (FieldErrors, BTreeMap<String, String>, Option<Refusal>),
) -> Result<LinkCasePage, AppError> {
    let actor = crate::web::request::actor(user, req);
    let now = state.clock.now();
    let detail = read(state, move |conn| flows::detail(conn, &actor, &id, now)).await?;
    Ok(LinkCasePage::new(
        ctx,
        &detail,
        !user.role.is_provider(),
        again,
        state.settings.rules.attachment_max_bytes,
    ))
}

pub async fn show_committee(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::CaseReader>,
    path: web::Path<String>,
) -> Result<LinkCasePage, AppError> {
    let empty = (FieldErrors::new(), BTreeMap::new(), None);
    page(ctx, &state, &req, &auth.user, path.into_inner(), empty).await
}

pub async fn show_mine(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
    path: web::Path<String>,
) -> Result<LinkCasePage, AppError> {
    let empty = (FieldErrors::new(), BTreeMap::new(), None);
    page(ctx, &state, &req, &auth.user, path.into_inner(), empty).await
}

/// The most parts a step's form sends: the CSRF token, up to three fields and a file.
const STEP_PARTS: usize = 6;

/// Takes a step from a case's page: reads the multipart form within limits, checks its
/// CSRF token, runs the step, and answers with a redirect to the page, or the page again
/// with every typed field kept and each problem named (422), or saying why the case's
/// stage refused it (409).
async fn step(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    user: CurrentUser,
    (id, form_taken): (String, CaseForm),
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let max_file = state.settings.rules.attachment_max_bytes;
    let form = read_action_form(&req, payload, STEP_PARTS, max_file).await?;
    let input = CaseInput {
        text: form.get(form_taken.text_field()),
        outcome: form.get("outcome"),
        days: form.get("days"),
        files: form.files.clone(),
        file_too_large: form.file_too_large,
    };
    let actor = crate::web::request::actor(&user, &req);
    let (work_id, now, rules) = (id.clone(), state.clock.now(), state.settings.rules.clone());
    let outcome = run(&state, move |conn| {
        flows::take_step(conn, &actor, &work_id, form_taken, &input, now, &rules)
    })
    .await
    .map(|outcome| outcome.map(drop));
    let prefix = if user.role.is_provider() {
        ""
    } else {
        "/committee"
    };
    let done = Done {
        location: format!("{prefix}/cases/{id}"),
        flash: "flash-link-case-step",
    };
    answer_attempt(&state, &req, outcome, form.fields, done, |refused| {
        let again = shown_again(&ctx, refused);
        page(ctx, &state, &req, &user, id, again)
    })
    .await
}

/// A step on a case by a user policy `P` admits: the committee's at `/committee/cases/…`,
/// the provider's at `/cases/…`; the rule decides which side and role may take which.
pub async fn step_as<P: Policy>(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<P>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (id, name) = path.into_inner();
    let form = CaseForm::parse(&name).ok_or(AppError::NotFound)?;
    step(req, ctx, state, auth.user, (id, form), payload).await
}

/// A file of a case, for those who may read the case.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, file_id) = path.into_inner();
    let actor = crate::web::request::actor(&auth.user, &req);
    let file = read(&state, move |conn| flows::file(conn, &actor, &id, &file_id)).await?;
    Ok(file_response(
        &file.file_name,
        &file.content_type,
        file.content,
    ))
}

/// The signed evidence bundle the case was opened on, a compact JWS, for those who may
/// read the case: the organisation sees the evidence against it.
pub async fn evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let name = format!("case-{id}.jws");
    let actor = crate::web::request::actor(&auth.user, &req);
    let token = read(&state, move |conn| flows::evidence(conn, &actor, &id)).await?;
    Ok(file_response(&name, "application/jose", token.into_bytes()))
}

/// Registers the case pages of the committee and of providers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/committee/cases", web::get().to(index))
        .route("/committee/cases/{id}", web::get().to(show_committee))
        .route("/committee/cases/{id}/evidence", web::get().to(evidence))
        .route(
            "/committee/cases/{id}/files/{file}",
            web::get().to(download),
        )
        .route(
            "/committee/cases/{id}/{step}",
            web::post().to(step_as::<policy::CaseReader>),
        )
        .route("/cases/{id}", web::get().to(show_mine))
        .route("/cases/{id}/evidence", web::get().to(evidence))
        .route("/cases/{id}/files/{file}", web::get().to(download))
        .route(
            "/cases/{id}/{step}",
            web::post().to(step_as::<policy::Provider>),
        );
}
