//! The findings of the monitoring: the committee's queue and each finding's page with its
//! steps, and a provider's own findings, which it answers. Every step's form is multipart
//! (a provider's answer and an explanation may carry a file), read within limits.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};

use crate::domain::routing::case::FindingStep;
use crate::domain::validation::FieldErrors;
use crate::views::findings::{
    FindingPage, FindingRowView, MonitoringPage, MyFindingsPage, ProviderPage, QueuePage,
};
use crate::views::{Pager, Refusal, shown_again};
use crate::web::blocking::{read, run};
use crate::web::extract::CsrfForm;
use crate::web::form::{Done, answer_attempt};
use crate::web::respond::{file_response, redirect_with_flash};
use crate::web::upload::read_action_form;
use crate::web::{AppError, AppState, Authorized, CurrentUser, PageCtx, policy};
use crate::workflows::findings::{self as flows, QUEUE_PAGE, QueueQuery, StepInput};

/// `/committee/findings`: the queue, highest score first, filtered and paged.
pub async fn queue(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Authorized<policy::CaseReader>,
    query: web::Query<QueueQuery>,
) -> Result<QueuePage, AppError> {
    let query = query.into_inner();
    let asked = query.clone();
    let ((rows, span), organisations) = read(&state, move |conn| {
        let page = flows::queue(conn, &asked, QUEUE_PAGE)?;
        let organisations = crate::workflows::accounts::organisations(conn)?;
        Ok((page, organisations))
    })
    .await?;
    let organisations = organisations
        .iter()
        .map(|o| (o.slug.clone(), ctx.pick(&o.name_lo, &o.name_en).to_string()))
        .collect();
    let pager = Pager::new(&ctx, "/committee/findings", &query.filters(), &span);
    Ok(QueuePage::new(ctx, &rows, query, pager, organisations))
}

/// `/committee/monitoring`: the map, the trends and the imports.
pub async fn overview(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Authorized<policy::CaseReader>,
) -> Result<MonitoringPage, AppError> {
    let overview = read(&state, flows::overview).await?;
    Ok(MonitoringPage::new(ctx, &overview, state.clock.now()))
}

/// `/committee/monitoring/providers/{slug}`: one provider as the monitoring sees it.
pub async fn provider(
    ctx: PageCtx,
    state: web::Data<AppState>,
    _auth: Authorized<policy::CaseReader>,
    path: web::Path<String>,
) -> Result<ProviderPage, AppError> {
    let slug = path.into_inner();
    let view = read(&state, move |conn| flows::provider_view(conn, &slug)).await?;
    Ok(ProviderPage::new(ctx, &view))
}

/// A finding's page as `user` may see it, with a refused form's input and problems.
async fn page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    req: &HttpRequest,
    user: &CurrentUser,
    id: String,
    again: (FieldErrors, BTreeMap<String, String>, Option<Refusal>),
) -> Result<FindingPage, AppError> {
    let actor = crate::web::request::actor(user, req);
    let now = state.clock.now();
    let detail = read(state, move |conn| flows::detail(conn, &actor, &id, now)).await?;
    let committee = !user.role.is_provider();
    Ok(FindingPage::new(
        ctx,
        &detail,
        committee,
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
) -> Result<FindingPage, AppError> {
    let empty = (FieldErrors::new(), BTreeMap::new(), None);
    let id = flows::id_from_url(&path.into_inner())?;
    page(ctx, &state, &req, &auth.user, id, empty).await
}

pub async fn show_mine(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
    path: web::Path<String>,
) -> Result<FindingPage, AppError> {
    let empty = (FieldErrors::new(), BTreeMap::new(), None);
    let id = flows::id_from_url(&path.into_inner())?;
    page(ctx, &state, &req, &auth.user, id, empty).await
}

/// `/findings`: the provider's findings on which an explanation was asked.
pub async fn mine(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
) -> Result<MyFindingsPage, AppError> {
    let actor = crate::web::request::actor(&auth.user, &req);
    let (rows, cases) = read(&state, move |conn| {
        Ok((
            flows::own(conn, &actor)?,
            crate::workflows::link_cases::own(conn, &actor)?,
        ))
    })
    .await?;
    Ok(MyFindingsPage {
        rows: rows
            .iter()
            .map(|f| FindingRowView::new(&ctx, f, None, None))
            .collect(),
        cases: cases
            .iter()
            .map(|c| crate::views::link_cases::CaseRowView::new(&ctx, c))
            .collect(),
        ctx,
    })
}

/// The step a committee form's last path segment names.
fn step_of(name: &str) -> Option<FindingStep> {
    Some(match name {
        "request-explanation" => FindingStep::RequestExplanation,
        "explain" => FindingStep::Explain,
        "escalate" => FindingStep::Escalate,
        "resolve" => FindingStep::Resolve,
        "link" => FindingStep::Link,
        "open-case" => FindingStep::OpenCase,
        _ => return None,
    })
}

/// The most parts a step's form sends: the CSRF token, up to five fields and a file.
const STEP_PARTS: usize = 8;

/// Takes a step from a finding's page: reads the multipart form within limits, checks its
/// CSRF token, runs the step, and answers with a redirect to the page, or the page again
/// with every typed field kept and each problem named (422), or saying why the finding's
/// state refused it (409). A file over the limit is refused the same way, naming it.
async fn step(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    user: CurrentUser,
    (id, step): (String, FindingStep),
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let max_file = state.settings.rules.attachment_max_bytes;
    let form = read_action_form(&req, payload, STEP_PARTS, max_file).await?;
    let input = StepInput {
        text: flows::text_field(step)
            .map(|f| form.get(f))
            .unwrap_or_default(),
        days: form.get(if step == FindingStep::OpenCase {
            "case_days"
        } else {
            "days"
        }),
        reason: form.get("reason"),
        expires: form.get("expires"),
        approval_number: form.get("approval_number"),
        files: form.files.clone(),
        file_too_large: form.file_too_large,
        confirmed: form.get("confirm") == "yes",
    };
    let actor = crate::web::request::actor(&user, &req);
    let (work_id, now) = (id.clone(), state.clock.now());
    let authority =
        crate::workflows::certificates::CertificateAuthority::from_settings(&state.settings);
    let rules = state.settings.rules.clone();
    let outcome = run(&state, move |conn| {
        flows::take_step(
            conn,
            &actor,
            &work_id,
            step,
            &input,
            now,
            (&rules, &authority),
        )
    })
    .await
    .map(|outcome| outcome.map(drop));
    let committee = !user.role.is_provider();
    let done = Done {
        location: format!(
            "{}/findings/{}",
            if committee { "/committee" } else { "" },
            flows::url_id(&id)
        ),
        flash: "flash-finding-step",
    };
    answer_attempt(&state, &req, outcome, form.fields, done, |refused| {
        let again = shown_again(&ctx, refused);
        page(ctx, &state, &req, &user, id, again)
    })
    .await
}

/// A committee step on a finding; the rule decides which roles may take which step.
pub async fn committee_step(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::CaseReader>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (token, name) = path.into_inner();
    let id = flows::id_from_url(&token)?;
    let step_taken = step_of(&name).ok_or(AppError::NotFound)?;
    step(req, ctx, state, auth.user, (id, step_taken), payload).await
}

/// The provider's answer to a request to explain a finding.
pub async fn answer(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = flows::id_from_url(&path.into_inner())?;
    step(
        req,
        ctx,
        state,
        auth.user,
        (id, FindingStep::Answer),
        payload,
    )
    .await
}

/// The provider starts a declaration of the link from the finding.
pub async fn declare(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::Provider>,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<crate::web::form::FieldsForm>,
) -> Result<HttpResponse, AppError> {
    let id = flows::id_from_url(&path.into_inner())?;
    let actor = crate::web::request::actor(&auth.user, &req);
    let (name, email, now) = (
        auth.user.name.clone(),
        auth.user.email.clone(),
        state.clock.now(),
    );
    let draft = read(&state, move |conn| {
        flows::declare(conn, &actor, &id, (&name, &email), now)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/applications/{}/edit", draft.id),
        "success",
        "flash-draft-created",
    ))
}

/// A file of a finding, for those who may read the finding.
pub async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (token, file_id) = path.into_inner();
    let id = flows::id_from_url(&token)?;
    let actor = crate::web::request::actor(&auth.user, &req);
    let file = read(&state, move |conn| flows::file(conn, &actor, &id, &file_id)).await?;
    Ok(file_response(
        &file.file_name,
        &file.content_type,
        file.content,
    ))
}

/// The signed evidence bundle of an escalated finding, a compact JWS.
pub async fn evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Authorized<policy::CaseReader>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let id = flows::id_from_url(&token)?;
    let actor = crate::web::request::actor(&auth.user, &req);
    let now = state.clock.now();
    let name = format!("finding-{token}.jws");
    let detail = read(&state, move |conn| flows::detail(conn, &actor, &id, now)).await?;
    let token = detail.finding.1.evidence.ok_or(AppError::NotFound)?;
    Ok(file_response(&name, "application/jose", token.into_bytes()))
}

/// Registers the findings pages of the committee and of providers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/committee/monitoring", web::get().to(overview))
        .route(
            "/committee/monitoring/providers/{slug}",
            web::get().to(provider),
        )
        .route("/committee/findings", web::get().to(queue))
        .route("/committee/findings/{id}", web::get().to(show_committee))
        .route("/committee/findings/{id}/evidence", web::get().to(evidence))
        .route(
            "/committee/findings/{id}/files/{file}",
            web::get().to(download),
        )
        .route(
            "/committee/findings/{id}/{step}",
            web::post().to(committee_step),
        )
        .route("/findings", web::get().to(mine))
        .route("/findings/{id}", web::get().to(show_mine))
        .route("/findings/{id}/answer", web::post().to(answer))
        .route("/findings/{id}/declare", web::post().to(declare))
        .route("/findings/{id}/files/{file}", web::get().to(download));
}
