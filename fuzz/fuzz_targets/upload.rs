//! Uploads: a `multipart/form-data` body, fed in chunks of a size the input chooses, read
//! by the handlers' `read_upload` with its size limit; then what the workflows do with the
//! file (recognise its type by content, clean its name) and the download response built
//! from that name.
//!
//! Input layout: byte 0 chooses the chunk size (0: the whole body at once), then the
//! `Content-Type` header value up to the first newline, then the body.
//!
//! Properties: a refused upload is a 400 or 413, never a 500; an accepted one respects the
//! limit; a stored name has no path, no control or quoting character, at most 94
//! characters and the extension of its content; its download response is a 200.

#![no_main]

use actix_web::ResponseError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderMap, HeaderValue};
use actix_web::web::Bytes;
use futures_util::stream;
use interconnect_registry::domain::file::{safe_file_name, sniff_content_type};
use interconnect_registry::web::respond::file_response;
use interconnect_registry::web::upload::read_upload;
use libfuzzer_sys::fuzz_target;

/// A small limit, so that the fuzzer reaches the oversize path.
const MAX_BYTES: usize = 1024;
const CONTENT_TYPES: [&str; 3] = ["application/pdf", "image/png", "image/jpeg"];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

fn stored(raw_name: &str, bytes: &[u8]) {
    let content_type = sniff_content_type(bytes);
    for content_type in content_type.into_iter().chain(CONTENT_TYPES) {
        let name = safe_file_name(raw_name, content_type);
        let extension = match content_type {
            "application/pdf" => ".pdf",
            "image/png" => ".png",
            _ => ".jpg",
        };
        assert!(name.ends_with(extension), "{name:?}");
        assert!(name.chars().count() <= 94, "{name:?}");
        assert!(
            !name
                .chars()
                .any(|c| c.is_control() || "/\\\"';<>|*?:%".contains(c)),
            "{name:?}"
        );
        assert!(!name.starts_with('.'), "{name:?}");
        let response = file_response(&name, content_type, bytes.to_vec());
        assert_eq!(response.status(), StatusCode::OK, "{name:?}");
        assert!(response.headers().contains_key(CONTENT_DISPOSITION));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let (content_type, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    stored(&String::from_utf8_lossy(body), body);
    let Ok(content_type) = HeaderValue::from_bytes(content_type) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, content_type);
    let chunk = if chunk == 0 {
        body.len().max(1)
    } else {
        usize::from(chunk)
    };
    let chunks: Vec<Result<Bytes, actix_web::error::PayloadError>> = body
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let read = read_upload(&headers, stream::iter(chunks), MAX_BYTES);
    match runtime().block_on(read) {
        Ok(upload) => {
            assert!(upload.bytes.len() <= MAX_BYTES);
            assert!(upload.csrf.len() <= 4096 && upload.kind.len() <= 4096);
            stored(&upload.file_name, &upload.bytes);
        }
        Err(e) => {
            let status = e.status_code();
            assert!(
                status == StatusCode::BAD_REQUEST || status == StatusCode::PAYLOAD_TOO_LARGE,
                "{e:?} is a {status}"
            );
        }
    }
});
