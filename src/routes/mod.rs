//! Thin handlers, one file per area: parse input, run one workflow off the async threads,
//! render a page or redirect (303 after a POST). No SQL and no business rule here.

/// Defines the handler of a POST action on one record (`/…/{id}/…`): the policy is checked,
/// then the CSRF token, then the call, the form and `$act`'s own arguments go to `$act`,
/// which runs the workflow in the closure and answers with a redirect or the page again.
macro_rules! form_action {
    ($name:ident, $policy:ty, $act:ident($($arg:expr),*), |$conn:ident, $actor:ident, $id:ident, $state:ident, $f:ident| $body:expr) => {
        pub async fn $name(
            req: actix_web::HttpRequest,
            ctx: crate::views::PageCtx,
            state: actix_web::web::Data<crate::startup::AppState>,
            auth: crate::auth::Authorized<$policy>,
            path: actix_web::web::Path<String>,
            crate::auth::extract::CsrfForm(form): crate::auth::extract::CsrfForm<crate::routes::FieldsForm>,
        ) -> Result<actix_web::HttpResponse, crate::error::AppError> {
            let call = crate::routes::ActionCall { req, ctx, state, user: auth.user, id: path.into_inner() };
            $act(call, form, $($arg,)* |$conn, $actor, $id, $state, $f| $body).await
        }
    };
}
pub mod account;
pub mod admin;
pub mod api;
pub mod applications;
pub mod certificates;
pub mod committee;
pub mod connections;
pub mod health;
pub mod organisation;
pub mod organisation_changes;
pub mod pages;
pub mod paging;
pub mod registry;
pub mod session;

use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{Stream, StreamExt, TryStreamExt, stream};

use crate::auth::CurrentUser;
use crate::auth::session::{FLASH_COOKIE, cookie};
use crate::db::DbConn;
use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::startup::AppState;
use crate::workflows::{Actor, WorkflowError};

/// Registers every route. The authorization matrix test walks this same list.
/// actix tries routes in this order, matching each dynamic one with a regular expression,
/// so the public registry and its API, the most requested parts, come first.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/livez", web::get().to(health::livez))
        .route("/healthz", web::get().to(health::healthz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/registry", web::get().to(registry::list))
        .route("/registry.csv", web::get().to(registry::csv))
        .route("/registry.json", web::get().to(registry::json))
        .route(
            "/registry/revocations.jwt",
            web::get().to(certificates::revocations),
        )
        .route("/registry/{number}", web::get().to(registry::show))
        .route(
            "/registry/{number}/certificate",
            web::get().to(certificates::certificate),
        )
        .route("/verify", web::get().to(certificates::verify_token))
        .route(
            "/verify/{number}",
            web::get().to(certificates::verify_number),
        )
        .route("/statistics", web::get().to(registry::statistics))
        .route("/api/v1/registry", web::get().to(api::registry))
        .route("/api/v1/registry.csv", web::get().to(api::registry_csv))
        .route(
            "/api/v1/registry/{approval_number}",
            web::get().to(api::registry_record),
        )
        .route("/.well-known/jwks.json", web::get().to(certificates::jwks))
        .route("/api/v1/openapi.json", web::get().to(api::openapi_json))
        .route("/api/v1/token", web::post().to(api::token))
        .route(
            "/api/v1/applications",
            web::get().to(api::list_applications),
        )
        .route(
            "/api/v1/applications",
            web::post().to(api::create_application),
        )
        .route(
            "/api/v1/applications/{id}",
            web::get().to(api::get_application),
        )
        .route(
            "/api/v1/applications/{id}",
            web::patch().to(api::update_application),
        )
        .route(
            "/api/v1/applications/{id}/submit",
            web::post().to(api::submit_application),
        )
        .route(
            "/api/v1/applications/{id}/withdraw",
            web::post().to(api::withdraw_application),
        )
        .route(
            "/api/v1/applications/{id}/attachments",
            web::post().to(api::upload_attachment),
        )
        .route(
            "/api/v1/applications/{id}/answers",
            web::post().to(api::answer_request),
        )
        .route("/api/v1/connections", web::get().to(api::list_connections))
        .route("/static/app.css", web::get().to(pages::stylesheet))
        .route("/", web::get().to(pages::home))
        .route("/dashboard", web::get().to(pages::dashboard))
        .route("/language", web::post().to(pages::switch_language))
        .route("/sign-in", web::get().to(session::sign_in_form))
        .route("/sign-in", web::post().to(session::sign_in))
        .route(
            "/sign-in/two-factor",
            web::get().to(session::second_factor_form),
        )
        .route(
            "/sign-in/two-factor",
            web::post().to(session::second_factor),
        )
        .route("/sign-out", web::post().to(session::sign_out))
        .route("/organisation", web::get().to(organisation::show))
        .route("/organisation/edit", web::get().to(organisation::edit_form))
        .route("/organisation/edit", web::post().to(organisation::update))
        .route(
            "/organisation/changes/{id}/withdraw",
            web::post().to(organisation::withdraw_change),
        )
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users", web::post().to(admin::create_user))
        .route("/admin/users/new", web::get().to(admin::new_user_form))
        .route("/admin/users/{id}", web::get().to(admin::edit_user_form))
        .route("/admin/users/{id}", web::post().to(admin::update_user))
        .route(
            "/admin/users/{id}/deactivate",
            web::post().to(admin::deactivate_user),
        )
        .route(
            "/admin/users/{id}/reactivate",
            web::post().to(admin::reactivate_user),
        )
        .route(
            "/admin/users/{id}/two-factor/reset",
            web::post().to(admin::reset_two_factor),
        )
        .route("/admin/organisations", web::get().to(admin::organisations))
        .route(
            "/admin/organisations",
            web::post().to(admin::create_organisation),
        )
        .route(
            "/admin/organisations/new",
            web::get().to(admin::new_organisation_form),
        )
        .route(
            "/admin/organisations/{id}",
            web::get().to(admin::organisation),
        )
        .route(
            "/admin/organisations/{id}/edit",
            web::get().to(admin::edit_organisation_form),
        )
        .route(
            "/admin/organisations/{id}/edit",
            web::post().to(admin::update_organisation),
        )
        .route("/admin/audit", web::get().to(admin::audit))
        .route("/admin/outbox", web::get().to(admin::outbox))
        .route(
            "/admin/outbox/{id}/retry",
            web::post().to(admin::retry_message),
        )
        .route("/account", web::get().to(account::show))
        .route(
            "/account/two-factor",
            web::get().to(account::two_factor_form),
        )
        .route(
            "/account/two-factor",
            web::post().to(account::enable_two_factor),
        )
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route(
            "/account/recovery-codes.txt",
            web::post().to(account::download_recovery_codes),
        )
        .route(
            "/account/sessions/end",
            web::post().to(account::end_session),
        )
        .route(
            "/account/notifications",
            web::post().to(account::set_notifications),
        )
        .route("/password/forgot", web::get().to(account::forgot_form))
        .route("/password/forgot", web::post().to(account::forgot))
        .route(
            "/password/reset/{token}",
            web::get().to(account::link_form::<account::ResetLink>),
        )
        .route(
            "/password/reset/{token}",
            web::post().to(account::link_submit::<account::ResetLink>),
        )
        .route(
            "/invitation/{token}",
            web::get().to(account::link_form::<account::InvitationLink>),
        )
        .route(
            "/invitation/{token}",
            web::post().to(account::link_submit::<account::InvitationLink>),
        )
        .route(
            "/organisation/invite",
            web::get().to(organisation::invite_form),
        )
        .route("/organisation/invite", web::post().to(organisation::invite))
        .route(
            "/organisation/api-clients",
            web::get().to(organisation::api_clients),
        )
        .route(
            "/organisation/api-clients",
            web::post().to(organisation::create_api_client),
        )
        .route(
            "/organisation/api-clients/{id}/rotate",
            web::post().to(organisation::rotate_api_client),
        )
        .route(
            "/organisation/api-clients/{id}/revoke",
            web::post().to(organisation::revoke_api_client),
        )
        .route("/applications", web::get().to(applications::list))
        .route("/applications", web::post().to(applications::create))
        .route("/applications/{id}", web::get().to(applications::show))
        .route("/applications/{id}/edit", web::get().to(applications::edit))
        .route(
            "/applications/{id}/edit",
            web::post()
                .guard(actix_web::guard::fn_guard(is_multipart))
                .to(applications::save_with_file),
        )
        .route(
            "/applications/{id}/edit",
            web::post().to(applications::save),
        )
        .route(
            "/applications/{id}/attachments",
            web::post().to(applications::upload),
        )
        .route(
            "/applications/{id}/attachments/{attachment}",
            web::get().to(applications::download),
        )
        .route(
            "/applications/{id}/attachments/{attachment}/delete",
            web::post().to(applications::remove_attachment),
        )
        .route(
            "/applications/{id}/answer",
            web::post().to(applications::answer),
        )
        .route(
            "/applications/{id}/withdraw",
            web::post().to(applications::withdraw),
        )
        .route("/committee", web::get().to(committee::inbox))
        .route(
            "/committee/applications/{id}",
            web::get().to(committee::show),
        )
        .route(
            "/committee/applications/{id}/screen",
            web::post().to(committee::start_screening),
        )
        .route(
            "/committee/applications/{id}/request-info",
            web::post().to(committee::request_information),
        )
        .route(
            "/committee/applications/{id}/complete",
            web::post().to(committee::mark_complete),
        )
        .route(
            "/committee/applications/{id}/assign",
            web::post().to(committee::assign_reviewer),
        )
        .route(
            "/committee/applications/{id}/review",
            web::post().to(committee::record_review),
        )
        .route(
            "/committee/applications/{id}/recuse",
            web::post().to(committee::recuse),
        )
        .route(
            "/committee/applications/{id}/open-vote",
            web::post().to(committee::open_vote),
        )
        .route(
            "/committee/applications/{id}/withdraw-review",
            web::post().to(committee::withdraw_review),
        )
        .route(
            "/committee/applications/{id}/vote",
            web::post().to(committee::vote),
        )
        .route(
            "/committee/applications/{id}/decide",
            web::post().to(committee::decide),
        )
        .route(
            "/committee/organisation-changes",
            web::get().to(organisation_changes::list),
        )
        .route(
            "/committee/organisation-changes/{id}",
            web::get().to(organisation_changes::show),
        )
        .route(
            "/committee/organisation-changes/{id}/approve",
            web::post().to(organisation_changes::approve),
        )
        .route(
            "/committee/organisation-changes/{id}/refuse",
            web::post().to(organisation_changes::refuse),
        )
        .route("/connections", web::get().to(connections::mine))
        .route("/connections/{id}", web::get().to(connections::show_mine))
        .route(
            "/connections/{id}/answer",
            web::post().to(connections::answer),
        )
        .route(
            "/connections/{id}/disconnected",
            web::post().to(connections::confirm_disconnection),
        )
        .route(
            "/connections/{id}/files",
            web::post().to(connections::upload),
        )
        .route(
            "/connections/{id}/files/{file}",
            web::get().to(connections::download),
        )
        .route(
            "/committee/connections",
            web::get().to(connections::committee_list),
        )
        .route(
            "/committee/registry",
            web::get().to(connections::committee_all),
        )
        .route(
            "/committee/connections/{id}",
            web::get().to(connections::show_committee),
        )
        .route(
            "/committee/connections/{id}/suspend",
            web::post().to(connections::suspend),
        )
        .route(
            "/committee/connections/{id}/reinstate",
            web::post().to(connections::reinstate),
        )
        .route(
            "/committee/connections/{id}/show-cause",
            web::post().to(connections::show_cause),
        )
        .route(
            "/committee/connections/{id}/decide",
            web::post().to(connections::decide_case),
        )
        .route(
            "/committee/connections/{id}/verify",
            web::post().to(connections::verify),
        );
}

/// Whether a request's body is `multipart/form-data`.
fn is_multipart(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// Runs a workflow on the blocking pool with a pooled connection. Validation problems come
/// back as `Ok(Err(errors))` for the form to show; anything else is an `AppError`.
pub async fn run<T, F>(
    state: &web::Data<AppState>,
    work: F,
) -> Result<Result<T, FieldErrors>, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, WorkflowError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    let outcome = web::block(move || {
        let mut conn = state.pool.get()?;
        work(&mut conn)
    })
    .await?;
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(WorkflowError::Invalid(errors)) => Ok(Err(errors)),
        Err(other) => Err(other.into()),
    }
}

/// Runs a workflow whose validation problems are not expected (reads, confirm buttons):
/// any `Invalid` outcome becomes a 400.
pub async fn read<T, F>(state: &web::Data<AppState>, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, WorkflowError> + Send + 'static,
    T: Send + 'static,
{
    run(state, work)
        .await?
        .map_err(|_| AppError::BadRequest("error-invalid-input"))
}

/// A form whose fields vary by action, kept as sent so that a refused attempt can show
/// them again beside its problems.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct FieldsForm {
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

impl FieldsForm {
    pub fn get(&self, field: &str) -> String {
        self.fields.get(field).cloned().unwrap_or_default()
    }
}

/// One POST action on a record: the request, its page context, who, and the record's id.
pub struct ActionCall {
    pub req: HttpRequest,
    pub ctx: crate::views::PageCtx,
    pub state: web::Data<AppState>,
    pub user: CurrentUser,
    pub id: String,
}

/// Runs one action's workflow as the signed-in `user` on record `id`, off the async
/// threads. Validation problems come back as `Ok(Err(errors))` for the page to show.
pub async fn perform<T, F>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &CurrentUser,
    id: &str,
    form: FieldsForm,
    work: F,
) -> Result<Result<(), FieldErrors>, AppError>
where
    F: FnOnce(&mut DbConn, &Actor, &str, &AppState, &FieldsForm) -> Result<T, WorkflowError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let actor = actor(user, req);
    let (work_state, id) = (state.clone(), id.to_string());
    run(state, move |conn| {
        work(conn, &actor, &id, &work_state, &form).map(drop)
    })
    .await
}

/// How an action sent from a page ended, for the page to answer: done, refused for its
/// inputs (the form again with each problem, 422), or refused because the record's state
/// changed since the page was shown (the page again saying why, 409).
pub enum Attempt {
    Done,
    Invalid(FieldErrors),
    Refused(&'static str),
}

impl Attempt {
    pub fn of(outcome: Result<Result<(), FieldErrors>, AppError>) -> Result<Attempt, AppError> {
        match outcome {
            Ok(Ok(())) => Ok(Attempt::Done),
            Ok(Err(errors)) => Ok(Attempt::Invalid(errors)),
            Err(AppError::Conflict(key)) => Ok(Attempt::Refused(key)),
            Err(other) => Err(other),
        }
    }

    /// What the page shown again after a form's step carries: the fields' problems, or why
    /// the step was refused with what was typed kept. `None` when the step was done.
    pub fn shown_again_with(
        self,
        ctx: &crate::views::PageCtx,
        values: &std::collections::BTreeMap<String, String>,
    ) -> Option<(FieldErrors, Option<crate::views::Refusal>)> {
        match self {
            Attempt::Done => None,
            Attempt::Invalid(errors) => Some((errors, None)),
            Attempt::Refused(key) => Some((
                FieldErrors::new(),
                Some(crate::views::Refusal::new(ctx, key, values)),
            )),
        }
    }
}

/// A page shown again after a refused action: 422 for bad input, 409 for a changed state.
pub fn shown_again(
    page: impl actix_web::Responder<Body = actix_web::body::BoxBody>,
    req: &HttpRequest,
    conflict: bool,
) -> HttpResponse {
    let mut res = invalid(page, req);
    if conflict {
        *res.status_mut() = actix_web::http::StatusCode::CONFLICT;
    }
    res
}

/// Whether a form carries the second press of a confirmation page.
pub fn confirmed(form: &FieldsForm) -> bool {
    form.get("confirm") == "yes"
}

/// Reads one multipart upload: the CSRF token, the attachment's kind and the file, the
/// file refused as soon as it passes the size limit.
pub struct Upload {
    pub csrf: String,
    pub kind: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// The other text parts, in the order sent.
    pub fields: Vec<(String, String)>,
    /// The file passed the size limit; reading stopped there, so parts after it are missing.
    pub file_too_large: bool,
}

/// How much of a multipart body is read.
pub struct MultipartLimits {
    /// The most parts (an upload form sends the CSRF token, the kind and the file).
    pub parts: usize,
    /// The most bytes of all parts but the file together.
    pub text_bytes: usize,
    /// The most bytes of the file.
    pub file_bytes: usize,
}

/// The most parts an upload may have (its forms send the CSRF token, the kind and the
/// file).
const MAX_UPLOAD_PARTS: usize = 8;

/// Reads an upload form's body; a file over `max_bytes` is a 413.
pub async fn read_upload<S>(
    headers: &header::HeaderMap,
    body: S,
    max_bytes: usize,
) -> Result<Upload, AppError>
where
    S: Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + 'static,
{
    let limits = MultipartLimits {
        parts: MAX_UPLOAD_PARTS,
        text_bytes: 4096,
        file_bytes: max_bytes,
    };
    let upload = read_multipart(headers, body, &limits).await?;
    if upload.file_too_large {
        return Err(AppError::PayloadTooLarge);
    }
    Ok(upload)
}

/// Reads a multipart body within `limits`. A file over its limit stops the reading and is
/// reported in `file_too_large`, with the parts read before it; text over its limit is a
/// 413, too many parts or a malformed body a 400.
pub async fn read_multipart<S>(
    headers: &header::HeaderMap,
    body: S,
    limits: &MultipartLimits,
) -> Result<Upload, AppError>
where
    S: Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + 'static,
{
    if boundary_too_short(headers) {
        return Err(AppError::BadRequest("error-malformed-upload"));
    }
    // The multipart parser waits for more bytes when a body ends inside a part (after a
    // lone `\r`, or part of a boundary) even though none will come, so the request would
    // hang forever. Noting where the body ends lets such a wait be refused instead.
    let ended = Rc::new(Cell::new(false));
    let end = ended.clone();
    let body = body.chain(stream::poll_fn(move |_| {
        end.set(true);
        Poll::Ready(None)
    }));
    let mut payload = Multipart::new(headers, body);
    let mut upload = Upload {
        csrf: String::new(),
        kind: String::new(),
        file_name: String::new(),
        bytes: Vec::new(),
        fields: Vec::new(),
        file_too_large: false,
    };
    let (mut parts, mut text_bytes) = (0, 0);
    while let Some(mut field) = upload_step(&ended, payload.try_next()).await? {
        // A form sends a known number of parts; a body of thousands is no form.
        parts += 1;
        if parts > limits.parts {
            return Err(AppError::BadRequest("error-malformed-upload"));
        }
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            upload.file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or("")
                .to_string();
        }
        let limit = if name == "file" {
            limits.file_bytes
        } else {
            limits.text_bytes - text_bytes
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = upload_step(&ended, field.try_next()).await? {
            if bytes.len() + chunk.len() > limit {
                if name == "file" {
                    upload.file_too_large = true;
                    return Ok(upload);
                }
                return Err(AppError::PayloadTooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        if name != "file" {
            text_bytes += bytes.len();
        }
        let text =
            || String::from_utf8(bytes.clone()).map_err(|_| AppError::BadRequest("error-not-utf8"));
        match name.as_str() {
            "csrf" => upload.csrf = text()?,
            "kind" => upload.kind = text()?,
            "file" => upload.bytes = bytes,
            _ => upload.fields.push((name, text()?)),
        }
    }
    Ok(upload)
}

/// Whether the request names a multipart boundary shorter than four bytes. The parser
/// slices the lines before the first boundary as if they were at least that long, and
/// panics on a shorter line when the boundary is; RFC 2046 allows 1 to 70 characters, but
/// clients use far longer ones. Parsed as the parser parses it.
fn boundary_too_short(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<actix_web::mime::Mime>().ok())
        .and_then(|mime| {
            mime.get_param(actix_web::mime::BOUNDARY)
                .map(|boundary| boundary.as_str().len() < 4)
        })
        .unwrap_or(false)
}

/// One step of the multipart parser; a malformed body, or one that has ended while the
/// parser still waits for bytes, is a 400.
async fn upload_step<T>(
    ended: &Cell<bool>,
    step: impl Future<Output = Result<T, actix_multipart::MultipartError>>,
) -> Result<T, AppError> {
    let mut step = std::pin::pin!(step);
    std::future::poll_fn(|cx| match step.as_mut().poll(cx) {
        Poll::Pending if ended.get() => {
            Poll::Ready(Err(AppError::BadRequest("error-malformed-upload")))
        }
        other => other.map(|r| r.map_err(|_| AppError::BadRequest("error-malformed-upload"))),
    })
    .await
}

/// May this user read the files of an organisation's application or connection? Its own
/// provider staff always; the committee and auditors once it is before the regulator
/// (`submitted`: a connection always is); nobody else.
pub fn may_read_files(user: &CurrentUser, organisation_id: &str, submitted: bool) -> bool {
    match user.role {
        Role::Applicant | Role::OrgAdmin => {
            user.organisation_id.as_deref() == Some(organisation_id)
        }
        Role::Secretariat | Role::Reviewer | Role::Chair | Role::Auditor => submitted,
        Role::Admin => false,
    }
}

/// A stored file sent as a download under its safe name (ASCII fallback and UTF-8).
pub fn file_response(file_name: &str, content_type: &str, bytes: Vec<u8>) -> HttpResponse {
    use actix_web::http::header::{
        Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
    };
    let ascii_name: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_name),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_string()),
                language_tag: None,
                value: file_name.as_bytes().to_vec(),
            }),
        ],
    };
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

/// A response no cache may keep: it shows a secret once.
pub fn no_store(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    res
}

/// A form page re-rendered with its problems, as 422.
pub fn invalid(
    page: impl actix_web::Responder<Body = actix_web::body::BoxBody>,
    req: &HttpRequest,
) -> HttpResponse {
    let mut res = page.respond_to(req);
    *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    res
}

/// A rate-limited answer: status 429 with `Retry-After` in whole seconds (at least 1).
pub fn too_many_requests(mut res: HttpResponse, wait: std::time::Duration) -> HttpResponse {
    *res.status_mut() = actix_web::http::StatusCode::TOO_MANY_REQUESTS;
    res.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(wait.as_secs().max(1)),
    );
    res
}

/// The client's address: the connection's peer, or the address a trusted proxy names
/// (`TRUSTED_PROXIES`; see `crate::trusted_proxies`).
pub fn client_ip(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    match req.app_data::<web::Data<AppState>>() {
        Some(state) if !state.settings.trusted_proxies.is_empty() => {
            let forwarded_for = req
                .headers()
                .get_all("x-forwarded-for")
                .map(|value| value.as_bytes());
            state.settings.trusted_proxies.client(peer, forwarded_for)
        }
        _ => peer,
    }
    .to_string()
}

/// The audit actor for a signed-in user's request.
pub fn actor(user: &CurrentUser, req: &HttpRequest) -> Actor {
    Actor {
        id: Some(user.id.clone()),
        label: user.label(),
        ip: client_ip(req),
        role: Some(user.role),
        organisation_id: user.organisation_id.clone(),
    }
}

/// A 303 redirect that shows a message on the next page.
pub fn redirect_with_flash(
    state: &AppState,
    location: &str,
    level: &str,
    key: &str,
) -> HttpResponse {
    let mut res = see_other(location);
    let _ = res.add_cookie(&cookie(
        FLASH_COOKIE,
        format!("{level}:{key}"),
        state.settings.secure_cookies(),
    ));
    res
}

/// A 303 to `location`. A header carries only ASCII, so any other character (a local path
/// typed with Lao or other letters) is percent-encoded, as a browser would send it.
pub fn see_other(location: &str) -> HttpResponse {
    let location = percent_encoding::utf8_percent_encode(location, percent_encoding::CONTROLS);
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// A local path to return to after a form, or the dashboard. Refuses other sites
/// (`//host`, `/\host`, absolute URLs) so a link cannot send people elsewhere.
pub fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if local {
        next.to_string()
    } else {
        "/dashboard".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/admin/users?x=1"), "/admin/users?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
            "javascript:x",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), "/dashboard", "{bad}");
        }
    }

    fn multipart(
        body: &'static [u8],
    ) -> (
        header::HeaderMap,
        impl Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>>,
    ) {
        let mut headers = header::HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("multipart/form-data; boundary=XyZw"),
        );
        // Fed in small pieces, as a slow client sends it.
        let chunks = body.chunks(3).map(|c| Ok(web::Bytes::from_static(c)));
        (headers, stream::iter(chunks))
    }

    async fn read(body: &'static [u8]) -> Result<Upload, AppError> {
        let (headers, body) = multipart(body);
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            read_upload(&headers, body, 1024),
        )
        .await
        .expect("the upload is read or refused, not left waiting")
    }

    #[tokio::test]
    async fn an_upload_is_read_part_by_part() {
        let upload = read(
            b"--XyZw\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nother\r\n\
              --XyZw\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n\
              %PDF-1.7\r\n--XyZw--\r\n",
        )
        .await
        .expect("a complete upload");
        assert_eq!(
            (upload.kind.as_str(), upload.file_name.as_str()),
            ("other", "a.pdf")
        );
        assert_eq!(upload.bytes, b"%PDF-1.7");
    }

    #[tokio::test]
    async fn a_boundary_under_four_bytes_is_refused_not_a_panic() {
        for boundary in ["", "a", "ab", "abc"] {
            let mut headers = header::HeaderMap::new();
            let content_type = format!("multipart/form-data; boundary={boundary}");
            headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_str(&content_type).expect("a header value"),
            );
            let body =
                [&b"\n"[..], b"--\n", b"--abc\r\n"].map(|line| Ok(web::Bytes::from_static(line)));
            let refused = read_upload(&headers, stream::iter(body), 1024).await;
            assert!(
                matches!(refused, Err(AppError::BadRequest("error-malformed-upload"))),
                "{content_type}"
            );
        }
    }

    #[tokio::test]
    async fn a_body_that_ends_inside_a_part_is_refused_at_once() {
        for truncated in [
            &b"--XyZw\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nother\r"[..],
            b"--XyZw\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nother\r\n--XyZ",
            b"--XyZw\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF\r",
        ] {
            let refused = read(truncated).await;
            assert!(
                matches!(refused, Err(AppError::BadRequest("error-malformed-upload"))),
                "{:?}: {:?}",
                String::from_utf8_lossy(truncated),
                refused.map(|u| u.kind)
            );
        }
    }
}
