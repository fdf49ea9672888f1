//! `AppError`, what a request can fail with, and its HTTP status. The response carries
//! only the status; `routes::error_pages` renders it for its reader (an error page in their
//! language, `application/problem+json` under `/api/`, or a redirect to sign in).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::domain::validation::FieldErrors;
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

    /// A bare status; `routes::error_pages::render_errors` turns it into a page or a
    /// problem document, where the request (language, request id, path) is known.
    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).finish()
    }
}

impl From<WorkflowError> for AppError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::NotFound => AppError::NotFound,
            WorkflowError::MalformedQuery => AppError::BadRequest("error-malformed-query"),
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
