//! Reading multipart uploads within limits, with guards against two ways the multipart
//! parser can be made to panic or to wait forever.

use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::web;
use futures_util::{Stream, StreamExt, TryStreamExt, stream};

use crate::web::error::AppError;

/// Whether a request's body is `multipart/form-data`.
pub fn is_multipart(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
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

/// A step's multipart form (text fields and perhaps one file), read within limits with
/// its CSRF token checked.
pub struct ActionForm {
    pub fields: std::collections::BTreeMap<String, String>,
    /// The file chosen, as (name as sent, bytes), if one was.
    pub files: Vec<(String, Vec<u8>)>,
    /// The file passed the size limit and was not read.
    pub file_too_large: bool,
}

impl ActionForm {
    /// A field as sent, or empty.
    pub fn get(&self, field: &str) -> String {
        self.fields.get(field).cloned().unwrap_or_default()
    }
}

/// Reads a step's multipart form of at most `parts` parts, 48 KiB of text and a file of
/// `file_bytes`, and checks its CSRF token.
pub async fn read_action_form(
    req: &actix_web::HttpRequest,
    payload: web::Payload,
    parts: usize,
    file_bytes: usize,
) -> Result<ActionForm, AppError> {
    let limits = MultipartLimits {
        parts,
        text_bytes: 48 * 1024,
        file_bytes,
    };
    let upload = read_multipart(req.headers(), payload, &limits).await?;
    crate::web::extract::verify_csrf(req, &upload.csrf)?;
    Ok(ActionForm {
        fields: upload.fields.into_iter().collect(),
        files: if upload.bytes.is_empty() {
            Vec::new()
        } else {
            vec![(upload.file_name, upload.bytes)]
        },
        file_too_large: upload.file_too_large,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
