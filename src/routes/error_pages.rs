//! How an `AppError` reaches a person: an error page in their language with the request
//! id, `application/problem+json` under `/api/`, or a redirect to sign in. Unexpected
//! errors are logged in full and shown only as a generic message.

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use askama::Template;

use crate::views::ErrorPage;
use crate::views::api::{FieldProblem, Problem};
use crate::web::PageCtx;
use crate::web::error::{AppError, is_api_path};

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
