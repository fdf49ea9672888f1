//! A provider's applications: list, draft, form, attachments, submission, answers to
//! information requests, withdrawal. Every lookup is limited to the user's organisation.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::extract::{CsrfForm, NoFields, verify_csrf};
use crate::auth::{Authorized, policy};
use crate::db::audit;
use crate::db::models::attachment as attachment_db;
use crate::db::models::information_request as rfi_db;
use crate::domain::application::Status;
use crate::domain::application_form::{ApplicationContent, FIELDS};
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::routes::{
    actor, file_response, invalid, may_read_files, read, read_upload, redirect_with_flash, run,
};
use crate::startup::AppState;
use crate::views::PageCtx;
use crate::views::applications::{
    ApplicationFormPage, ApplicationPage, ApplicationSummary, ApplicationsPage, AttachmentRow,
    DecisionView, RequestView, form_sections, read_sections, timeline,
};
use crate::workflows::applications::{self as apps, ATTACHMENT_KINDS, EDITABLE, content_of};
use crate::workflows::{Actor, WorkflowError};

type Provider = Authorized<policy::Provider>;

pub async fn list(
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
) -> Result<ApplicationsPage, AppError> {
    let org = auth
        .user
        .organisation_id
        .clone()
        .ok_or(AppError::Forbidden)?;
    let apps = read(&state, move |conn| {
        Ok(crate::db::models::application::list_by_organisation(
            conn, &org,
        )?)
    })
    .await?;
    let now = state.clock.now();
    let applications = apps
        .iter()
        .map(|a| ApplicationSummary::new(&ctx, a, String::new(), now))
        .collect();
    Ok(ApplicationsPage {
        kinds: ApplicationsPage::kinds(&ctx),
        ctx,
        applications,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct NewForm {
    #[serde(default)]
    kind: String,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Provider,
    CsrfForm(form): CsrfForm<NewForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let (name, email, now) = (
        auth.user.name.clone(),
        auth.user.email.clone(),
        state.clock.now(),
    );
    let created = read(&state, move |conn| {
        apps::create_draft(conn, &actor, &form.kind, &name, &email, now)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/applications/{}/edit", created.id),
        "success",
        "flash-draft-created",
    ))
}

/// Everything the form page shows, read in one go.
async fn form_page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    actor: Actor,
    id: String,
    submitted: Option<ApplicationContent>,
    errors: FieldErrors,
) -> Result<ApplicationFormPage, AppError> {
    let (app, attachments) = read(state, move |conn| {
        let app = apps::find_own(conn, &actor, &id)?;
        let attachments = attachment_db::list_for_application(conn, &id)?;
        Ok((app, attachments))
    })
    .await?;
    if !EDITABLE.contains(&app.status.as_str()) {
        return Err(AppError::Conflict("error-not-editable"));
    }
    let content = submitted.unwrap_or_else(|| content_of(&app));
    let status = Status::parse(&app.status).unwrap_or(Status::Draft);
    let attachment_errors = [
        "attachment_network_diagram",
        "attachment_counterparty_contract",
        "file",
        "attachment_kind",
    ]
    .iter()
    .filter_map(|f| {
        errors
            .get(f)
            .map(|k| format!("{}: {}", ctx.t(&format!("app-field-{f}")), ctx.t(k)))
    })
    .collect();
    Ok(ApplicationFormPage {
        sections: form_sections(&ctx, &content, &errors),
        declaration_accepted: content.declaration_accepted,
        declaration_error: ctx.problem(&errors, "declaration_accepted"),
        attachments: attachments
            .iter()
            .map(|a| AttachmentRow::new(&ctx, a))
            .collect(),
        attachment_errors,
        attachment_kinds: ATTACHMENT_KINDS
            .iter()
            .map(|k| (*k, ctx.t(&format!("attachment-{k}"))))
            .collect(),
        has_errors: !errors.is_empty(),
        can_submit: status == Status::Draft,
        max_upload_mb: state.settings.rules.attachment_max_bytes / (1024 * 1024),
        id: app.id.clone(),
        reference: app
            .reference
            .clone()
            .unwrap_or_else(|| ctx.t("reference-none")),
        kind: crate::domain::application_form::Kind::parse(&app.kind)
            .map(|k| ctx.t(k.label_key()))
            .unwrap_or_default(),
        status: status.as_str(),
        ctx,
    })
}

pub async fn edit(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
) -> Result<ApplicationFormPage, AppError> {
    form_page(
        ctx,
        &state,
        actor(&auth.user, &req),
        path.into_inner(),
        None,
        FieldErrors::new(),
    )
    .await
}

/// The form's fields, the declaration checkbox and which button was pressed.
#[derive(Debug, serde::Deserialize)]
pub struct ContentForm {
    #[serde(flatten)]
    fields: std::collections::BTreeMap<String, String>,
}

impl ContentForm {
    fn content(&self) -> ApplicationContent {
        ApplicationContent::from_pairs(
            self.fields
                .iter()
                .filter(|(k, _)| FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v.as_str())),
            self.fields
                .get("declaration_accepted")
                .is_some_and(|v| v == "on"),
        )
    }

    fn submitting(&self) -> bool {
        self.fields.get("intent").is_some_and(|v| v == "submit")
    }
}

pub async fn save(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ContentForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = actor(&auth.user, &req);
    let content = form.content();
    let submitting = form.submitting();
    let (work_actor, work_id, work_content) = (actor.clone(), id.clone(), content.clone());
    let work_state = state.clone();
    let outcome = run(&state, move |conn| {
        apps::save(
            conn,
            &work_actor,
            &work_id,
            &work_content,
            work_state.clock.now(),
        )?;
        if submitting {
            apps::submit(
                conn,
                &work_actor,
                &work_id,
                work_state.clock.as_ref(),
                &work_state.settings.rules,
            )?;
        }
        Ok(())
    })
    .await?;
    match outcome {
        Ok(()) if submitting => Ok(redirect_with_flash(
            &state,
            &format!("/applications/{id}"),
            "success",
            "flash-application-submitted",
        )),
        Ok(()) => Ok(redirect_with_flash(
            &state,
            &format!("/applications/{id}/edit"),
            "success",
            "flash-draft-saved",
        )),
        Err(errors) => Ok(invalid(
            form_page(ctx, &state, actor, id, Some(content), errors).await?,
            &req,
        )),
    }
}

pub async fn upload(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let upload = read_upload(
        req.headers(),
        payload,
        state.settings.rules.attachment_max_bytes,
    )
    .await?;
    verify_csrf(&req, &upload.csrf)?;
    let actor = actor(&auth.user, &req);
    let (work_actor, work_id, now) = (actor.clone(), id.clone(), state.clock.now());
    let outcome = run(&state, move |conn| {
        apps::add_attachment(
            conn,
            &work_actor,
            &work_id,
            &upload.kind,
            &upload.file_name,
            &upload.bytes,
            now,
        )
    })
    .await?;
    match outcome {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("/applications/{id}/edit"),
            "success",
            "flash-attachment-added",
        )),
        Err(errors) => Ok(invalid(
            form_page(ctx, &state, actor, id, None, errors).await?,
            &req,
        )),
    }
}

pub async fn remove_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let (id, attachment_id) = path.into_inner();
    let actor = actor(&auth.user, &req);
    let work_id = id.clone();
    read(&state, move |conn| {
        apps::remove_attachment(conn, &actor, &work_id, &attachment_id)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/applications/{id}/edit"),
        "success",
        "flash-attachment-removed",
    ))
}

pub async fn download(
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, attachment_id) = path.into_inner();
    let user = auth.user;
    let (info, bytes) = read(&state, move |conn| {
        let app = apps::find(conn, &id)?;
        if !may_read_files(&user, &app.organisation_id, apps::submitted(&app)) {
            return Err(WorkflowError::NotFound);
        }
        attachment_db::find_with_content(conn, &id, &attachment_id)?.ok_or(WorkflowError::NotFound)
    })
    .await?;
    Ok(file_response(&info.file_name, &info.content_type, bytes))
}

async fn show_page(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    actor: Actor,
    id: String,
    answer: String,
    errors: FieldErrors,
) -> Result<ApplicationPage, AppError> {
    let (app, attachments, requests, events) = read(state, move |conn| {
        let app = apps::find_own(conn, &actor, &id)?;
        let attachments = attachment_db::list_for_application(conn, &id)?;
        let requests = rfi_db::list_for_application(conn, &id)?;
        let events = audit::list_for_subject(conn, "application", &id)?;
        Ok((app, attachments, requests, events))
    })
    .await?;
    let status = Status::parse(&app.status).unwrap_or(Status::Draft);
    let content = content_of(&app);
    Ok(ApplicationPage {
        summary: ApplicationSummary::new(&ctx, &app, String::new(), state.clock.now()),
        sections: read_sections(&ctx, &content),
        attachments: attachments
            .iter()
            .map(|a| AttachmentRow::new(&ctx, a))
            .collect(),
        open_request: status == Status::InfoRequested,
        requests: requests.iter().map(|r| RequestView::new(&ctx, r)).collect(),
        editable: EDITABLE.contains(&status.as_str()),
        can_withdraw: !status.is_final(),
        decision: DecisionView::of(&ctx, &app),
        timeline: timeline(&ctx, &events, true),
        answer,
        errors,
        ctx,
    })
}

pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
) -> Result<ApplicationPage, AppError> {
    show_page(
        ctx,
        &state,
        actor(&auth.user, &req),
        path.into_inner(),
        String::new(),
        FieldErrors::new(),
    )
    .await
}

#[derive(Debug, serde::Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

pub async fn answer(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = actor(&auth.user, &req);
    let (work_actor, work_id, text) = (actor.clone(), id.clone(), form.answer.clone());
    let work_state = state.clone();
    let outcome = run(&state, move |conn| {
        apps::answer_and_resubmit(
            conn,
            &work_actor,
            &work_id,
            &text,
            work_state.clock.as_ref(),
            &work_state.settings.rules,
        )
    })
    .await?;
    match outcome {
        Ok(_) => Ok(redirect_with_flash(
            &state,
            &format!("/applications/{id}"),
            "success",
            "flash-answer-sent",
        )),
        Err(errors) => Ok(invalid(
            show_page(ctx, &state, actor, id, form.answer, errors).await?,
            &req,
        )),
    }
}

pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = actor(&auth.user, &req);
    let (work_id, now) = (id.clone(), state.clock.now());
    read(&state, move |conn| {
        apps::withdraw(conn, &actor, &work_id, now)
    })
    .await?;
    Ok(redirect_with_flash(
        &state,
        &format!("/applications/{id}"),
        "success",
        "flash-application-withdrawn",
    ))
}
