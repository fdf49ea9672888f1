//! Answers every area gives alike: file downloads, answers no cache may keep, a form page
//! shown again (422), a rate-limited answer (429) with its refusal audited, and 303
//! redirects, with or without a flash message.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::auth::rate_limit::Refused;
use crate::web::blocking::read;
use crate::web::cookies::{FLASH_COOKIE, cookie};
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::workflows::sessions;

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

/// Audits a refused attempt unless its key already has an event in this window, and
/// returns how long the client must wait.
pub async fn audit_refusal(
    state: &actix_web::web::Data<AppState>,
    refused: Refused,
) -> Result<std::time::Duration, AppError> {
    if let Some(refusals) = refused.to_audit {
        read(state, move |conn| {
            sessions::record_refusals(conn, &[refusals])
        })
        .await?;
    }
    Ok(refused.wait)
}
