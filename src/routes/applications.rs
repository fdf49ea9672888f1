//! A provider's applications: list, draft, form, attachments, submission, answers to
//! information requests, withdrawal. Every lookup is limited to the user's organisation.

use actix_web::{HttpRequest, HttpResponse, Responder, web};

use std::collections::BTreeMap;

use crate::domain::application::{Action, Status};
use crate::domain::application_form::{ATTACHMENT_KINDS, ApplicationContent, FIELDS};
use crate::domain::validation::FieldErrors;
use crate::views::applications::{
    AnswerForm, ApplicationFormPage, ApplicationPage, ApplicationSummary, ApplicationsPage,
    ContentForm, DecisionView, NewForm, RequestView, attachment_rows, form_sections, read_sections,
    timeline,
};
use crate::views::{ConfirmPage, Refusal};
use crate::web::blocking::{read, run};
use crate::web::extract::{CsrfForm, verify_csrf};
use crate::web::form::{Attempt, FieldsForm, confirmed, shown_again};
use crate::web::request::actor;
use crate::web::respond::{file_response, invalid, redirect_with_flash};
use crate::web::upload::{MultipartLimits, Upload, is_multipart, read_multipart, read_upload};
use crate::web::{AppError, AppState, Authorized, PageCtx, policy};
use crate::workflows::Actor;
use crate::workflows::applications::{
    self as apps, Detail, DraftPage, FormOutcome, NewFile, Removal,
};

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
    let apps = read(&state, move |conn| apps::listing(conn, &org)).await?;
    let now = state.clock.now();
    let applications = apps
        .iter()
        .map(|(a, open)| {
            ApplicationSummary::new(&ctx, a, String::new(), now).with_open_request(
                &ctx,
                open.as_ref(),
                now,
            )
        })
        .collect();
    Ok(ApplicationsPage {
        kinds: ApplicationsPage::kinds(&ctx),
        ctx,
        applications,
    })
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
    let created = read(&state, move |conn| match form.connection.as_str() {
        "" => apps::create_draft(conn, &actor, &form.kind, &name, &email, now),
        connection => apps::create_draft_for_connection(
            conn,
            &actor,
            &form.kind,
            connection,
            (&name, &email),
            now,
        ),
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
    let DraftPage {
        app,
        attachments,
        revisions,
    } = read(state, move |conn| apps::draft_page(conn, &actor, &id)).await?;
    let content = submitted.unwrap_or_else(|| app.content.clone());
    let status = app.status;
    let kind = app.kind;
    let max_upload_mb = state.settings.rules.attachment_max_bytes / (1024 * 1024);
    let attachment_errors = [
        "attachment_network_diagram",
        "attachment_counterparty_contract",
        "file",
        "attachment_kind",
    ]
    .iter()
    .filter_map(|f| {
        let problem = match errors.get(f)? {
            "error-file-too-large" => {
                ctx.t1("error-file-too-large", "mb", &max_upload_mb.to_string())
            }
            _ => ctx.problem(&errors, f)?,
        };
        Some(format!("{}: {problem}", ctx.t(&format!("app-field-{f}"))))
    })
    .collect();
    Ok(ApplicationFormPage {
        sections: form_sections(&ctx, kind, &content, &errors),
        declaration_accepted: content.declaration_accepted,
        declaration_error: ctx.problem(&errors, "declaration_accepted"),
        attachments: attachment_rows(&ctx, &attachments, &revisions, status),
        attachment_errors,
        attachment_kinds: ATTACHMENT_KINDS
            .iter()
            .map(|k| (*k, ctx.t(&format!("attachment-{k}"))))
            .collect(),
        has_errors: !errors.is_empty(),
        can_submit: status == Status::Draft,
        max_upload_mb,
        id: app.id.clone(),
        reference: app
            .reference
            .clone()
            .unwrap_or_else(|| ctx.t("reference-none")),
        kind: ctx.t(kind.label_key()),
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

/// What a button of the application form asks for, besides saving what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Intent {
    Save,
    Submit,
    Upload,
    Remove(String),
}

/// One press of a button on the application form: what was typed, what else to do, and
/// the file chosen, if any.
struct Edit {
    content: ApplicationContent,
    intent: Intent,
    file: Option<NewFile>,
}

impl Edit {
    fn new<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)> + Clone) -> Self {
        let value = |name: &str| {
            fields
                .clone()
                .into_iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v)
        };
        let intent = match (value("remove"), value("intent")) {
            (Some(attachment), _) => Intent::Remove(attachment.to_string()),
            (None, Some("submit")) => Intent::Submit,
            (None, Some("upload")) => Intent::Upload,
            _ => Intent::Save,
        };
        let declaration_accepted = value("declaration_accepted") == Some("on");
        Edit {
            content: ApplicationContent::from_pairs(fields, declaration_accepted),
            intent,
            file: None,
        }
    }

    /// The form as sent with its file part: a chosen file is attached whichever button
    /// was pressed, and Upload without a file is told to choose one.
    fn with_file(upload: &Upload) -> Self {
        let mut edit = Edit::new(upload.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let chosen = !upload.file_name.is_empty() || !upload.bytes.is_empty();
        if chosen || edit.intent == Intent::Upload {
            edit.file = Some(NewFile {
                kind: upload.kind.clone(),
                name: upload.file_name.clone(),
                bytes: upload.bytes.clone(),
            });
        }
        edit
    }
}

/// The application form sent without a file.
pub async fn save(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ContentForm>,
) -> Result<HttpResponse, AppError> {
    let edit = Edit::new(form.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    apply(req, ctx, state, auth, path.into_inner(), edit).await
}

/// The application form as the page sends it: every field, the file part and the pressed
/// button in one multipart body. A file over the limit stops the reading, so nothing is
/// saved: the form comes back with what was typed and the limit named, as 413.
pub async fn save_with_file(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let limits = MultipartLimits {
        parts: FIELDS.len() + 8,
        text_bytes: crate::web::BODY_LIMIT,
        file_bytes: state.settings.rules.attachment_max_bytes,
    };
    let upload = read_multipart(req.headers(), payload, &limits).await?;
    verify_csrf(&req, &upload.csrf)?;
    let edit = Edit::with_file(&upload);
    if upload.file_too_large {
        let mut errors = FieldErrors::new();
        errors.add("file", "error-file-too-large");
        let actor = actor(&auth.user, &req);
        let page = form_page(
            ctx,
            &state,
            actor,
            path.into_inner(),
            Some(edit.content),
            errors,
        );
        let mut res = page.await?.respond_to(&req);
        *res.status_mut() = actix_web::http::StatusCode::PAYLOAD_TOO_LARGE;
        return Ok(res);
    }
    apply(req, ctx, state, auth, path.into_inner(), edit).await
}

/// Saves what was typed, then attaches the file, removes one or submits, as asked (see
/// [`apps::save_and_submit`]); the form comes back with every step's problems.
async fn apply(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    id: String,
    edit: Edit,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&auth.user, &req);
    let (work_actor, work_id, work_state) = (actor.clone(), id.clone(), state.clone());
    let (content, intent) = (edit.content.clone(), edit.intent.clone());
    let FormOutcome { errors, answering } = read(&state, move |conn| {
        let submit = edit.intent == Intent::Submit;
        apps::save_and_submit(
            conn,
            &work_actor,
            &work_id,
            (&edit.content, edit.file.as_ref(), submit),
            work_state.clock.as_ref(),
            &work_state.settings.rules,
        )
    })
    .await?;
    if !errors.is_empty() {
        return Ok(invalid(
            form_page(ctx, &state, actor, id, Some(content), errors).await?,
            &req,
        ));
    }
    let (location, flash) = match intent {
        Intent::Submit => (format!("/applications/{id}"), "flash-application-submitted"),
        Intent::Upload => (
            format!("/applications/{id}/edit#attachments"),
            "flash-attachment-added",
        ),
        Intent::Remove(attachment) => {
            return confirm_removal(ctx, &state, actor, id, attachment, &req).await;
        }
        // Changes made while answering an information request reach the committee with
        // the answer, not when saved: the message says so instead of calling it a draft.
        Intent::Save if answering => (format!("/applications/{id}"), "flash-changes-saved"),
        Intent::Save => (format!("/applications/{id}/edit"), "flash-draft-saved"),
    };
    Ok(redirect_with_flash(&state, &location, "success", flash))
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

/// Removing a file cannot be undone: the first press shows which file goes, and only the
/// confirmation's `confirm=yes` removes it.
pub async fn remove_attachment(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<(String, String)>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    let (id, attachment_id) = path.into_inner();
    let actor = actor(&auth.user, &req);
    if !confirmed(&form) {
        return confirm_removal(ctx, &state, actor, id, attachment_id, &req).await;
    }
    let (work_actor, work_id) = (actor.clone(), id.clone());
    let outcome = run(&state, move |conn| {
        apps::remove_attachment(conn, &work_actor, &work_id, &attachment_id)
    })
    .await;
    match Attempt::of(outcome)? {
        Attempt::Refused(key) => refused(ctx, &state, actor, id, key, &req).await,
        Attempt::Invalid(_) => Err(AppError::BadRequest("error-invalid-input")),
        Attempt::Done => Ok(redirect_with_flash(
            &state,
            &format!("/applications/{id}/edit#attachments"),
            "success",
            "flash-attachment-removed",
        )),
    }
}

/// The page that asks to confirm the removal of a file, or the application's page saying
/// why the file can no longer be removed.
async fn confirm_removal(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    actor: Actor,
    id: String,
    attachment_id: String,
    req: &HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (work_actor, work_id) = (actor.clone(), id.clone());
    let Removal {
        app,
        attachment,
        removable,
        editable,
    } = read(state, move |conn| {
        apps::removal(conn, &work_actor, &work_id, &attachment_id)
    })
    .await?;
    if !removable {
        let key = if editable {
            "error-file-on-record"
        } else {
            "error-not-editable"
        };
        return refused(ctx, state, actor, id, key, req).await;
    }
    let reference = app
        .reference
        .clone()
        .unwrap_or_else(|| ctx.t("reference-none"));
    let page = ConfirmPage::new(
        ctx.clone(),
        (
            ctx.t1("confirm-remove-title", "file", &attachment.file_name),
            ctx.t1("confirm-remove-body", "reference", &reference),
            ctx.t("remove"),
        ),
        format!("/applications/{id}/attachments/{}/delete", attachment.id),
        &BTreeMap::new(),
        format!("/applications/{id}/edit#attachments"),
    );
    Ok(page.respond_to(req))
}

pub async fn download(
    state: web::Data<AppState>,
    auth: Authorized<policy::AnyUser>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, attachment_id) = path.into_inner();
    let user = auth.user;
    let (info, bytes) = read(&state, move |conn| {
        apps::attachment_file(conn, &id, &attachment_id, |organisation, submitted| {
            user.role
                .may_read_files(user.organisation_id.as_deref(), organisation, submitted)
        })
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
    let Detail {
        app,
        attachments,
        requests,
        events,
        revisions,
        connection,
    } = read(state, move |conn| apps::detail(conn, &actor, &id)).await?;
    let status = app.status;
    let now = state.clock.now();
    let open = requests
        .iter()
        .find(|r| r.answered_at.is_none() && r.lapsed_at.is_none());
    Ok(ApplicationPage {
        summary: ApplicationSummary::new(&ctx, &app, String::new(), now)
            .with_open_request(&ctx, open, now),
        sections: read_sections(&ctx, app.kind, &app.content),
        attachments: attachment_rows(&ctx, &attachments, &revisions, status),
        open_request: status == Status::InfoRequested,
        requests: requests.iter().map(|r| RequestView::new(&ctx, r)).collect(),
        editable: status.is_editable(),
        can_withdraw: status.transition(Action::Withdraw).is_ok(),
        refusal: None,
        decision: DecisionView::of(&ctx, &app).map(|d| match &connection {
            Some(c) => d.with_connection(&c.approval_number, format!("/connections/{}", c.id)),
            None => d,
        }),
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
        .map(drop)
    })
    .await;
    let (errors, refusal) = match Attempt::of(outcome)? {
        Attempt::Done => {
            return Ok(redirect_with_flash(
                &state,
                &format!("/applications/{id}"),
                "success",
                "flash-answer-sent",
            ));
        }
        Attempt::Invalid(errors) => (errors, None),
        Attempt::Refused(key) => {
            let typed = BTreeMap::from([("answer".to_string(), form.answer.clone())]);
            (FieldErrors::new(), Some(Refusal::new(&ctx, key, &typed)))
        }
    };
    let conflict = refusal.is_some();
    let mut page = show_page(ctx, &state, actor, id, form.answer, errors).await?;
    page.refusal = refusal;
    Ok(shown_again(page, &req, conflict))
}

/// Withdrawal cannot be undone: the first press shows what it means, and only the
/// confirmation's `confirm=yes` withdraws.
pub async fn withdraw(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    auth: Provider,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<FieldsForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = actor(&auth.user, &req);
    let (work_actor, work_id) = (actor.clone(), id.clone());
    if !confirmed(&form) {
        let app = read(&state, move |conn| {
            apps::find_own(conn, &work_actor, &work_id)
        })
        .await?;
        let status = app.status;
        if status.transition(Action::Withdraw).is_err() {
            return refused(ctx, &state, actor, id, "error-wrong-state", &req).await;
        }
        let reference = app
            .reference
            .clone()
            .unwrap_or_else(|| ctx.t("reference-none"));
        let page = ConfirmPage::new(
            ctx.clone(),
            (
                ctx.t1("confirm-withdraw-title", "reference", &reference),
                ctx.t("confirm-withdraw-body"),
                ctx.t("app-withdraw"),
            ),
            format!("/applications/{id}/withdraw"),
            &form.fields,
            format!("/applications/{id}"),
        );
        return Ok(page.respond_to(&req));
    }
    let (now, rules) = (state.clock.now(), state.settings.rules.clone());
    let outcome = run(&state, move |conn| {
        apps::withdraw(conn, &work_actor, &work_id, now, &rules).map(drop)
    })
    .await;
    match Attempt::of(outcome)? {
        Attempt::Refused(key) => refused(ctx, &state, actor, id, key, &req).await,
        Attempt::Invalid(_) => Err(AppError::BadRequest("error-invalid-input")),
        Attempt::Done => Ok(redirect_with_flash(
            &state,
            &format!("/applications/{id}"),
            "success",
            "flash-application-withdrawn",
        )),
    }
}

/// The application's page again, saying why the step sent from it was refused (409).
async fn refused(
    ctx: PageCtx,
    state: &web::Data<AppState>,
    actor: Actor,
    id: String,
    key: &'static str,
    req: &HttpRequest,
) -> Result<HttpResponse, AppError> {
    let refusal = Refusal::new(&ctx, key, &BTreeMap::new());
    let mut page = show_page(ctx, state, actor, id, String::new(), FieldErrors::new()).await?;
    page.refusal = Some(refusal);
    Ok(shown_again(page, req, true))
}

/// Registers a provider's application pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/applications", web::get().to(list))
        .route("/applications", web::post().to(create))
        .route("/applications/{id}", web::get().to(show))
        .route("/applications/{id}/edit", web::get().to(edit))
        .route(
            "/applications/{id}/edit",
            web::post()
                .guard(actix_web::guard::fn_guard(is_multipart))
                .to(save_with_file),
        )
        .route("/applications/{id}/edit", web::post().to(save))
        .route("/applications/{id}/attachments", web::post().to(upload))
        .route(
            "/applications/{id}/attachments/{attachment}",
            web::get().to(download),
        )
        .route(
            "/applications/{id}/attachments/{attachment}/delete",
            web::post().to(remove_attachment),
        )
        .route("/applications/{id}/answer", web::post().to(answer))
        .route("/applications/{id}/withdraw", web::post().to(withdraw));
}
