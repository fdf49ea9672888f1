//! Files people upload: the check every upload passes (not empty, an accepted type decided
//! by content, never by name, and whole), and what name a file may be stored and served
//! under.

use sha2::{Digest, Sha256};

use crate::domain::validation::FieldErrors;

/// An uploaded file that passed [`check_upload`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUpload {
    /// The type its first bytes show.
    pub content_type: &'static str,
    /// Its SHA-256, in lower-case hex, recorded beside it.
    pub sha256: String,
}

/// Whether `bytes` may be kept as an uploaded file: not empty, of an accepted type, and
/// whole. A refusal names the problem on the `file` field.
pub fn check_upload(bytes: &[u8]) -> Result<CheckedUpload, FieldErrors> {
    let problem = match sniff_content_type(bytes) {
        _ if bytes.is_empty() => "error-file-empty",
        Some(content_type) if is_whole(content_type, bytes) => {
            return Ok(CheckedUpload {
                content_type,
                sha256: hex::encode(Sha256::digest(bytes)),
            });
        }
        Some(_) => "error-file-damaged",
        None => "error-file-type",
    };
    let mut errors = FieldErrors::new();
    errors.add("file", problem);
    Err(errors)
}

/// A file sent with a step's form that passed [`check_upload`], ready to be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFile {
    /// The name it is stored and served under.
    pub name: String,
    pub bytes: Vec<u8>,
    pub upload: CheckedUpload,
}

/// Checks the files sent with a step's form, as (name as sent, bytes): an empty one is
/// no file chosen; one over `max_bytes` or refused by [`check_upload`] is named on the
/// `file` field in `errors`.
pub fn check_step_files(
    files: &[(String, Vec<u8>)],
    max_bytes: usize,
    errors: &mut FieldErrors,
) -> Vec<StepFile> {
    let mut kept = Vec::new();
    for (name, bytes) in files.iter().filter(|(_, b)| !b.is_empty()) {
        if bytes.len() > max_bytes {
            errors.add("file", "error-finding-file-too-large");
            continue;
        }
        match check_upload(bytes) {
            Ok(upload) => kept.push(StepFile {
                name: safe_file_name(name, upload.content_type),
                bytes: bytes.clone(),
                upload,
            }),
            Err(problems) => errors.merge(problems),
        }
    }
    kept
}

/// [`check_upload`] for a file uploaded as something (an application's attachment kind, a
/// connection file's purpose): `value`, typed in `field`, must be one of `allowed`, or
/// `error` is named on that field. Every problem is named at once, the label's and the
/// file's.
pub fn check_upload_as(
    bytes: &[u8],
    field: &'static str,
    value: &str,
    allowed: &[&str],
    error: &'static str,
) -> Result<CheckedUpload, FieldErrors> {
    let mut errors = FieldErrors::new();
    if !allowed.contains(&value) {
        errors.add(field, error);
    }
    match check_upload(bytes) {
        Ok(upload) if errors.is_empty() => Ok(upload),
        Ok(_) => Err(errors),
        Err(file_errors) => {
            errors.merge(file_errors);
            Err(errors)
        }
    }
}

/// A file type accepted as an attachment, recognised by its first bytes.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Whether a file of an accepted type is whole, not only well begun: a PDF ends with its
/// `%%EOF` marker (readers look for it in the last 1,024 bytes), a PNG opens with its IHDR
/// header chunk and closes with the IEND chunk, a JPEG closes with its end-of-image marker.
/// Trailing white space, as some writers leave, is allowed after each.
pub fn is_whole(content_type: &str, bytes: &[u8]) -> bool {
    let end = bytes.trim_ascii_end();
    match content_type {
        "application/pdf" => {
            let tail = &end[end.len().saturating_sub(1024)..];
            tail.windows(5).any(|w| w == b"%%EOF")
        }
        "image/png" => {
            bytes.get(12..16) == Some(b"IHDR".as_slice()) && end.ends_with(b"IEND\xaeB`\x82")
        }
        "image/jpeg" => end.ends_with(&[0xFF, 0xD9]),
        _ => false,
    }
}

/// Characters that change how the text around them is shown without being seen
/// themselves: bidirectional marks, embeddings, overrides and isolates, and zero-width
/// characters. In a file name they disguise it (`photo\u{202E}gpj.exe` shows as
/// `photoexe.jpg`).
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}')
}

/// A file name safe to store and to send back: no path, no control, invisible or quoting
/// characters, at most 100 characters, with an extension that matches the content.
pub fn safe_file_name(raw: &str, content_type: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c) && !"\"';<>|*?:%".contains(*c))
        .collect();
    let stem = cleaned
        .rsplit_once('.')
        .map(|(stem, _)| stem.to_string())
        .unwrap_or(cleaned);
    let stem: String = stem
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(90)
        .collect();
    let stem = if stem.is_empty() {
        "attachment".to_string()
    } else {
        stem
    };
    let extension = match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    format!("{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_types_are_recognised_by_content_not_name() {
        assert_eq!(
            sniff_content_type(b"%PDF-1.7\n..."),
            Some("application/pdf")
        );
        assert_eq!(
            sniff_content_type(b"\x89PNG\r\n\x1a\nrest"),
            Some("image/png")
        );
        assert_eq!(
            sniff_content_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(sniff_content_type(b"MZ\x90\x00 an exe"), None);
        assert_eq!(sniff_content_type(b"<html>%PDF-"), None);
    }

    #[test]
    fn a_file_uploaded_as_something_names_every_problem_at_once() {
        const KINDS: [&str; 2] = ["diagram", "licence"];
        let check = |bytes: &[u8], kind| {
            check_upload_as(bytes, "kind", kind, &KINDS, "error-attachment-kind")
        };
        let errors = check(b"", "poster").unwrap_err();
        assert_eq!(errors.get("kind"), Some("error-attachment-kind"));
        assert_eq!(errors.get("file"), Some("error-file-empty"));
        let errors = check(b"%PDF-1.7\n%%EOF", "poster").unwrap_err();
        assert_eq!(
            (errors.get("kind"), errors.get("file")),
            (Some("error-attachment-kind"), None)
        );
        let upload = check(b"%PDF-1.7\n%%EOF", "licence").unwrap();
        assert_eq!(upload.content_type, "application/pdf");
    }

    #[test]
    fn a_file_cut_short_is_not_whole() {
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        assert!(is_whole("application/pdf", pdf));
        assert!(!is_whole("application/pdf", &pdf[..pdf.len() - 7]));
        assert!(!is_whole("application/pdf", b"%PDF-1.4"));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR....\0\0\0\0IEND\xaeB`\x82";
        assert!(is_whole("image/png", png));
        assert!(!is_whole("image/png", &png[..png.len() - 1]));
        assert!(!is_whole(
            "image/png",
            b"\x89PNG\r\n\x1a\nrest IEND\xaeB`\x82"
        ));
        assert!(is_whole(
            "image/jpeg",
            &[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xD9, b'\n']
        ));
        assert!(!is_whole("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!is_whole("text/html", b"<html>"));
    }

    #[test]
    fn file_names_lose_paths_and_dangerous_characters() {
        assert_eq!(
            safe_file_name("../../etc/passwd", "application/pdf"),
            "passwd.pdf"
        );
        assert_eq!(
            safe_file_name("C:\\x\\diagram.PDF", "application/pdf"),
            "diagram.pdf"
        );
        assert_eq!(safe_file_name("a\"b;c\r\n.png", "image/png"), "abc.png");
        assert_eq!(safe_file_name("evil.exe", "image/jpeg"), "evil.jpg");
        assert_eq!(
            safe_file_name("photo\u{202E}gpj.exe\u{200B}\u{2066}.png", "image/png"),
            "photogpj.exe.png"
        );
        assert_eq!(safe_file_name("", "application/pdf"), "attachment.pdf");
        assert_eq!(
            safe_file_name(".hidden", "application/pdf"),
            "attachment.pdf"
        );
        assert_eq!(
            safe_file_name("ແຜນຜັງເຄືອຂ່າຍ.pdf", "application/pdf"),
            "ແຜນຜັງເຄືອຂ່າຍ.pdf"
        );
        assert_eq!(
            safe_file_name(&"x".repeat(300), "image/png")
                .chars()
                .count(),
            94
        );
    }
}
