//! `AppError` and how it reaches a person: an error page in their language with the
//! request id, `application/problem+json` under `/api/`, or a redirect to sign in.
//! Unexpected errors are logged in full and shown only as a generic message.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::domain::validation::FieldErrors;
use crate::views::api::{FieldProblem, Problem};
use crate::views::{ErrorPage, PageCtx};
use crate::workflows::WorkflowError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("sign-in required")]
    SignInRequired,
    #[error("missing or invalid CSRF token")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("the request body stopped arriving")]
    BodyTimeout,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("the input is not valid")]
    Invalid(FieldErrors),
    #[error("too many requests")]
    TooManyRequests(std::time::Duration),
    /// A token request refused, with its OAuth 2.0 error code (RFC 6749 §5.2).
    #[error("token request refused: {0}")]
    TokenRefused(&'static str),
    #[error("unexpected error: {0:#}")]
    Internal(anyhow::Error),
}

impl AppError {
    /// Translation keys for the title and the explanation shown to the person.
    pub fn message_keys(&self) -> (&'static str, &'static str) {
        match self {
            AppError::NotFound => ("error-not-found-title", "error-not-found"),
            AppError::Forbidden => ("error-forbidden-title", "error-forbidden"),
            AppError::SignInRequired => ("error-sign-in-required-title", "error-sign-in-required"),
            AppError::Csrf => ("error-csrf-title", "error-csrf"),
            AppError::BadRequest(key) => ("error-bad-request-title", key),
            AppError::PayloadTooLarge => ("error-bad-request-title", "error-payload-too-large"),
            AppError::BodyTimeout => ("error-bad-request-title", "error-body-timeout"),
            AppError::Conflict(key) => ("error-conflict-title", key),
            AppError::Invalid(_) => ("error-invalid-title", "error-invalid-input"),
            AppError::TooManyRequests(_) => ("error-too-many-title", "error-too-many-requests"),
            AppError::TokenRefused(oauth_error) => {
                ("error-token-title", token_message_key(oauth_error))
            }
            AppError::Internal(_) => ("error-internal-title", "error-internal"),
        }
    }
}

/// The explanation of a refused token request.
fn token_message_key(oauth_error: &str) -> &'static str {
    match oauth_error {
        "invalid_client" => "error-token-invalid-client",
        "unsupported_grant_type" => "error-token-unsupported-grant-type",
        _ => "error-token-invalid-request",
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TokenRefused("invalid_client") => StatusCode::UNAUTHORIZED,
            AppError::TokenRefused(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare status; `render_errors` turns it into a page or a problem document, where
    /// the request (language, request id, path) is known.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).finish()
    }
}

impl From<WorkflowError> for AppError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::NotFound => AppError::NotFound,
            WorkflowError::Conflict(key) => AppError::Conflict(key),
            WorkflowError::Forbidden => AppError::Forbidden,
            WorkflowError::Invalid(errors) => AppError::Invalid(errors),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// Whether a path belongs to the JSON API (errors as problem+json).
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Replaces the bare response of every `AppError` with what its reader needs.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?;
    let Some(error) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
    else {
        return Ok(res.map_into_boxed_body());
    };
    let status = res.status();
    let ctx = PageCtx::from_http(res.request());
    if let AppError::Internal(cause) = error {
        tracing::error!(request_id = %ctx.request_id, error = ?cause, "request failed");
    }
    let (title_key, message_key) = error.message_keys();
    let path = res.request().path().to_string();
    let mut response = if is_api_path(&path) {
        problem_response(status, &ctx, error, &path)
    } else if matches!(error, AppError::SignInRequired) {
        let next = res
            .request()
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/".to_string());
        let location = format!("/sign-in?next={}", urlencode(&next));
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish()
    } else {
        page_response(status, ctx, title_key, message_key)
    };
    if matches!(error, AppError::BodyTimeout) {
        // The rest of the body may still come; the connection cannot serve another request.
        response
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
    }
    if let AppError::TooManyRequests(wait) = error {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
    }
    Ok(res.into_response(response).map_into_boxed_body())
}

fn urlencode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

fn page_response(
    status: StatusCode,
    ctx: PageCtx,
    title_key: &str,
    message_key: &str,
) -> HttpResponse {
    let page = ErrorPage {
        status: status.as_u16(),
        title: ctx.t(title_key),
        message: ctx.t(message_key),
        ctx,
    };
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(status.to_string())
        }
    }
}

/// An RFC 9457 problem document: `code` is the stable, untranslated name of the problem,
/// and a validation failure lists each field with its own problem.
fn problem_response(
    status: StatusCode,
    ctx: &PageCtx,
    error: &AppError,
    path: &str,
) -> HttpResponse {
    let (title_key, message_key) = match error {
        AppError::SignInRequired => ("error-bearer-title", "error-bearer-required"),
        _ => error.message_keys(),
    };
    let code = |key: &str| key.strip_prefix("error-").unwrap_or(key).to_string();
    let body = Problem {
        problem_type: "about:blank".to_string(),
        title: ctx.t(title_key),
        status: status.as_u16(),
        detail: ctx.t(message_key),
        instance: path.to_string(),
        code: code(message_key),
        request_id: ctx.request_id.clone(),
        error: match error {
            AppError::TokenRefused(oauth_error) => Some(oauth_error.to_string()),
            _ => None,
        },
        errors: match error {
            AppError::Invalid(errors) => Some(
                errors
                    .iter()
                    .map(|(field, key)| FieldProblem {
                        field: field.to_string(),
                        code: code(key),
                        detail: ctx.problem(errors, field).unwrap_or_else(|| ctx.t(key)),
                    })
                    .collect(),
            ),
            _ => None,
        },
    };
    let mut res = HttpResponse::build(status).json(body);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"interconnect-registry\""),
        );
    }
    res
}
