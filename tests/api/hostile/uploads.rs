//! Hostile uploads, on the web forms (an application's files, a connection's proceedings)
//! and over the API: files that lie about their type, polyglots, oversize files,
//! dangerous file names, and multipart bodies that are truncated, have no boundary or
//! absurd numbers of parts. Each is refused with its problem named, or stored under a
//! safe name and served back as a download that no browser renders.

use interconnect_registry::db::models::attachment as attachment_db;
use interconnect_registry::domain::language::Lang;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use super::inspect::{Inspector, says};
use super::{Person, Reply, api_draft};
use crate::helpers::TestApp;
use crate::workflow_helpers::{Cast, PDF};

const BOUNDARY: &str = "hostile-boundary-7f3a";
/// The attachment limit the app runs with here (`ATTACHMENT_MAX_MB`).
const MAX_BYTES: usize = 1024 * 1024;

/// Where a file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Application,
    Connection,
    Api,
}

const TARGETS: [Target; 3] = [Target::Application, Target::Connection, Target::Api];

/// Characters that change how text around them is shown without being seen themselves:
/// none belongs in a file name.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

struct World {
    app: TestApp,
    inspector: Inspector,
    provider: Person,
    provider_lo: Person,
    secretariat: Person,
    token: String,
    draft: String,
    api_draft: String,
    connection: String,
}

/// A multipart body: the CSRF token (for the web forms), the kind, and one file part
/// whose `Content-Disposition` parameters are given raw.
fn body(csrf: Option<&str>, kind: &str, disposition: &[u8], content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut field = |name: &str, value: &[u8]| {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    };
    if let Some(csrf) = csrf {
        field("csrf", csrf.as_bytes());
    }
    field("kind", kind.as_bytes());
    out.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; ").as_bytes(),
    );
    out.extend_from_slice(disposition);
    out.extend_from_slice(b"\r\nContent-Type: application/pdf\r\n\r\n");
    out.extend_from_slice(content);
    out.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    out
}

fn multipart() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

impl World {
    async fn new(app: TestApp) -> World {
        let cast = Cast::assemble(&app).await;
        let connection = cast.approved_connection().await;
        cast.secretariat
            .act(
                &format!("/committee/connections/{}/show-cause", connection.id),
                &[("notice", "Explain the traffic"), ("days", "10")],
            )
            .await;
        let provider = Person::signed_in(&app, &cast.provider.user, Lang::En).await;
        let provider_lo = Person::signed_in(&app, &cast.provider.user, Lang::Lo).await;
        let secretariat = Person::signed_in(&app, &cast.secretariat.user, Lang::En).await;
        let draft = cast.provider.start_application("new").await;
        let token = provider.api_client_token("uploads").await;
        let api_draft = api_draft(&app, &token).await;
        World {
            provider,
            provider_lo,
            secretariat,
            token,
            draft,
            api_draft,
            connection: connection.id,
            inspector: Inspector::default(),
            app,
        }
    }

    fn path(&self, target: Target) -> String {
        match target {
            Target::Application => format!("/applications/{}/attachments", self.draft),
            Target::Connection => format!("/connections/{}/files", self.connection),
            Target::Api => format!("/api/v1/applications/{}/attachments", self.api_draft),
        }
    }

    fn kind(target: Target) -> &'static str {
        match target {
            Target::Connection => "show_cause_answer",
            _ => "network_diagram",
        }
    }

    /// Sends a raw body with `content_type` to `target`, as `person` on the web.
    async fn send_as(
        &self,
        person: &Person,
        target: Target,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let url = self.app.url(&self.path(target));
        let request = match target {
            Target::Api => reqwest::Client::new().post(url).bearer_auth(&self.token),
            _ => person.browser.client.post(url),
        };
        let res = request
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upload");
        Reply::read(res, &format!("upload to {target:?}")).await
    }

    async fn send(&self, target: Target, content_type: &str, body: Vec<u8>) -> Reply {
        self.send_as(&self.provider, target, content_type, body)
            .await
    }

    /// One file with a raw `Content-Disposition` and `content`.
    async fn file(&self, target: Target, disposition: &[u8], content: &[u8]) -> Reply {
        let csrf = (target != Target::Api).then(|| self.provider.csrf());
        self.send(
            target,
            &multipart(),
            body(csrf, Self::kind(target), disposition, content),
        )
        .await
    }

    /// A refusal: the status, and the problem (one of `keys`) named where a person or a
    /// program reads it.
    fn refused(
        &self,
        reply: &Reply,
        target: Target,
        status: StatusCode,
        keys: &[&str],
        what: &str,
    ) {
        assert_eq!(reply.status, status, "{what} to {target:?}: {}", reply.body);
        if target == Target::Api {
            assert_eq!(reply.content_type, "application/problem+json", "{what}");
            let problem = self.inspector.json("API: problem", &reply.body, &[]);
            let named = keys.iter().any(|key| {
                let code = key.trim_start_matches("error-");
                problem["code"] == code
                    || problem["errors"]
                        .as_array()
                        .is_some_and(|e| e.iter().any(|p| p["code"] == code))
            });
            assert!(named, "{what}: none of {keys:?} is named in {}", reply.body);
        } else {
            assert!(
                keys.iter()
                    .any(|key| says(&reply.body, &self.provider.says(key))),
                "{what} to {target:?}: none of {keys:?} is on the page"
            );
            self.inspector
                .inert(&format!("{what} refused"), &reply.body);
        }
    }

    /// Files that lie about their type, and an empty one: refused, their problem named.
    async fn lies(&self) {
        let lies: [(&str, &[u8], &str); 9] = [
            (
                "HTML named .pdf",
                b"<!doctype html><script>alert(document.cookie)</script>",
                "error-file-type",
            ),
            (
                "a Windows program named .pdf",
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xffThis program cannot be run in DOS mode",
                "error-file-type",
            ),
            (
                "SVG with a script named .pdf",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
                "error-file-type",
            ),
            (
                "PDF signature after a byte-order mark",
                b"\xef\xbb\xbf%PDF-1.4\n<script>alert(1)</script>",
                "error-file-type",
            ),
            (
                "PDF signature after white space",
                b"  \n%PDF-1.4\n",
                "error-file-type",
            ),
            ("a GIF", b"GIF89a\x01\x00\x01\x00<script>", "error-file-type"),
            (
                "a PDF that only begins like one",
                b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n",
                "error-file-damaged",
            ),
            (
                "a PNG cut short",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01",
                "error-file-damaged",
            ),
            ("an empty file", b"", "error-file-empty"),
        ];
        for target in TARGETS {
            for (what, content, key) in lies {
                let reply = self
                    .file(target, b"filename=\"diagram.pdf\"", content)
                    .await;
                self.refused(
                    &reply,
                    target,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &[key],
                    what,
                );
            }
        }
        // In Lao too.
        let csrf = self.provider_lo.csrf();
        let reply = self
            .send_as(
                &self.provider_lo,
                Target::Application,
                &multipart(),
                body(
                    Some(csrf),
                    "network_diagram",
                    b"filename=\"x.pdf\"",
                    b"<html>",
                ),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY, "HTML in Lao");
        assert!(says(&reply.body, &self.provider_lo.says("error-file-type")));
    }

    /// Files that are what they say but carry something else: stored, and served only as
    /// an attachment of their real type that the browser may not sniff.
    async fn polyglots(&self) {
        let polyglots: [(&str, &[u8], &str); 3] = [
            (
                "a PDF holding HTML and script",
                b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body></html>\n%%EOF",
                "application/pdf",
            ),
            (
                "a JPEG holding a script",
                b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<script>alert(1)</script>\xff\xd9",
                "image/jpeg",
            ),
            (
                "a PNG holding HTML",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR<html><script>alert(1)</script></html>\0\0\0\0IEND\xaeB`\x82",
                "image/png",
            ),
        ];
        for target in TARGETS {
            for (what, content, content_type) in polyglots {
                let reply = self.file(target, b"filename=\"page.html\"", content).await;
                let (name, download) = self.stored(target, &reply, what).await;
                assert!(
                    name.ends_with(
                        content_type
                            .rsplit('/')
                            .next()
                            .unwrap()
                            .replace("jpeg", "jpg")
                            .as_str()
                    ),
                    "{what}: stored as {name:?}"
                );
                let res = self.download(target, &download).await;
                assert_eq!(res.headers()["content-type"], content_type, "{what}");
                let bytes = res.bytes().await.expect("download");
                assert_eq!(
                    Sha256::digest(&bytes),
                    Sha256::digest(content),
                    "{what}: served as uploaded"
                );
            }
        }
    }

    /// The newest stored file of `target` after an accepted upload: its name and where it
    /// is downloaded.
    async fn stored(&self, target: Target, reply: &Reply, what: &str) -> (String, String) {
        match target {
            Target::Api => {
                assert_eq!(reply.status, StatusCode::CREATED, "{what}: {}", reply.body);
                let file = self.inspector.json("API: attachment", &reply.body, &[]);
                let id = file["id"].as_str().expect("id");
                (
                    file["file_name"].as_str().expect("name").to_string(),
                    format!("/applications/{}/attachments/{id}", self.api_draft),
                )
            }
            Target::Application => {
                assert_eq!(
                    reply.status,
                    StatusCode::SEE_OTHER,
                    "{what}: {}",
                    reply.body
                );
                let newest = attachment_db::list_for_application(&mut self.app.conn(), &self.draft)
                    .unwrap()
                    .into_iter()
                    .max_by_key(|a| a.uploaded_at)
                    .expect("a stored file");
                (
                    newest.file_name,
                    format!("/applications/{}/attachments/{}", self.draft, newest.id),
                )
            }
            Target::Connection => {
                assert_eq!(
                    reply.status,
                    StatusCode::SEE_OTHER,
                    "{what}: {}",
                    reply.body
                );
                let files = interconnect_registry::db::models::connection::list_files(
                    &mut self.app.conn(),
                    &self.connection,
                )
                .unwrap();
                let newest = files
                    .into_iter()
                    .max_by_key(|f| f.uploaded_at)
                    .expect("a stored file");
                (
                    newest.file_name,
                    format!("/connections/{}/files/{}", self.connection, newest.id),
                )
            }
        }
    }

    /// Downloads a stored file and checks it comes as an attachment nobody renders.
    async fn download(&self, target: Target, path: &str) -> reqwest::Response {
        let reader = if target == Target::Connection {
            &self.secretariat
        } else {
            &self.provider
        };
        let res = reader
            .browser
            .client
            .get(self.app.url(path))
            .send()
            .await
            .expect("download");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let headers = res.headers();
        let disposition = headers["content-disposition"].to_str().expect("ASCII");
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        res
    }

    /// Dangerous file names: stored under a safe one, shown inertly, and downloaded with
    /// a `Content-Disposition` that names it safely.
    async fn names(&self) {
        let long = format!("filename=\"{}.pdf\"", "x".repeat(400));
        let names: [(&str, &[u8]); 16] = [
            ("path traversal", b"filename=\"../../etc/passwd\""),
            (
                "Windows path traversal",
                b"filename=\"..\\\\..\\\\windows\\\\system32\\\\x.pdf\"",
            ),
            ("absolute path", b"filename=\"/etc/shadow.pdf\""),
            (
                "encoded traversal",
                b"filename=\"%2e%2e%2f%2e%2e%2fpasswd.pdf\"",
            ),
            (
                "extended traversal",
                b"filename*=UTF-8''..%2F..%2Fetc%2Fpasswd",
            ),
            ("NUL", b"filename=\"report\x00.exe.pdf\""),
            (
                "right-to-left override",
                "filename=\"invoice\u{202E}fdp.exe.pdf\"".as_bytes(),
            ),
            (
                "extended right-to-left override",
                b"filename*=UTF-8''photo%E2%80%AEgpj.exe.pdf",
            ),
            (
                "zero-width characters",
                "filename=\"re\u{200B}port\u{FEFF}\u{2066}.pdf\"".as_bytes(),
            ),
            ("markup", b"filename=\"<img src=x onerror=alert(1)>.pdf\""),
            ("quotes and separators", b"filename=\"a\\\";b=c;'d'.pdf\""),
            ("dots only", b"filename=\"....\""),
            ("no name", b"filename=\"\""),
            ("a very long name", long.as_bytes()),
            ("Lao", "filename=\"ແຜນຜັງເຄືອຂ່າຍ.pdf\"".as_bytes()),
            (
                "control characters",
                b"filename=\"tab\there\x07bell\x1b[31m.pdf\"",
            ),
        ];
        for target in TARGETS {
            for (what, disposition) in names {
                let reply = self.file(target, disposition, PDF).await;
                if reply.status == StatusCode::BAD_REQUEST {
                    self.refused(
                        &reply,
                        target,
                        StatusCode::BAD_REQUEST,
                        &["error-malformed-upload", "error-not-utf8"],
                        what,
                    );
                    continue;
                }
                let (name, download) = self.stored(target, &reply, what).await;
                assert!(
                    !name.contains(['/', '\\', '"', ';', '<', '>'])
                        && !name.chars().any(|c| c.is_control() || is_invisible(c))
                        && !name.starts_with('.')
                        && name.ends_with(".pdf")
                        && name.chars().count() <= 100,
                    "{what}: stored as {name:?}"
                );
                let res = self.download(target, &download).await;
                let disposition = res.headers()["content-disposition"].to_str().unwrap();
                let plain = disposition
                    .split("filename=\"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .expect("a plain file name");
                assert!(
                    plain
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-_ ".contains(c)),
                    "{what}: {disposition}"
                );
                self.inspector.response("download", "file download");
            }
        }
        for path in [
            format!("/applications/{}/edit", self.draft),
            format!("/applications/{}", self.api_draft),
            format!("/connections/{}", self.connection),
        ] {
            self.inspector.inert(
                "page listing hostile file names",
                &self.provider.page(&path).await,
            );
        }
    }

    /// Oversize files and bodies that are no proper multipart: refused by name.
    async fn malformed(&self) {
        let mut big = b"%PDF-1.4\n".to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        for target in TARGETS {
            let reply = self.file(target, b"filename=\"big.pdf\"", &big).await;
            self.refused(
                &reply,
                target,
                StatusCode::PAYLOAD_TOO_LARGE,
                &["error-payload-too-large"],
                "a file over the limit",
            );
            let csrf = (target != Target::Api).then(|| self.provider.csrf());
            let whole = body(csrf, Self::kind(target), b"filename=\"x.pdf\"", PDF);
            let mut cases: Vec<(&str, String, Vec<u8>)> = vec![
                (
                    "a body cut inside the file",
                    multipart(),
                    whole[..whole.len() - 40].to_vec(),
                ),
                (
                    "a body cut after a lone CR",
                    multipart(),
                    [&whole[..whole.len() - 30], b"\r".as_slice()].concat(),
                ),
                (
                    "no boundary",
                    "multipart/form-data".to_string(),
                    whole.clone(),
                ),
                (
                    "another boundary",
                    "multipart/form-data; boundary=not-the-one".to_string(),
                    whole.clone(),
                ),
                ("not multipart", "application/json".to_string(), whole.clone()),
                (
                    "a header that never ends",
                    multipart(),
                    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"").into_bytes(),
                ),
                (
                    "an over-long field",
                    multipart(),
                    format!(
                        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{}\r\n--{BOUNDARY}--\r\n",
                        "k".repeat(10_000)
                    )
                    .into_bytes(),
                ),
                (
                    "a field name that is not UTF-8",
                    multipart(),
                    [
                        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"").as_bytes(),
                        b"\xff\xfe",
                        b"\"; filename=\"\xff.pdf\"\r\n\r\n%PDF-1.4\r\n",
                        format!("--{BOUNDARY}--\r\n").as_bytes(),
                    ]
                    .concat(),
                ),
                (
                    "a kind that is not UTF-8",
                    multipart(),
                    [
                        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n").as_bytes(),
                        b"\xff\xfe\xfd",
                        format!("\r\n--{BOUNDARY}--\r\n").as_bytes(),
                    ]
                    .concat(),
                ),
            ];
            // A proper upload, but buried among five thousand other parts.
            let mut many = Vec::new();
            for i in 0..5000 {
                many.extend_from_slice(
                    format!(
                        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x{i}\"\r\n\r\nx\r\n"
                    )
                    .as_bytes(),
                );
            }
            many.extend_from_slice(&whole);
            cases.push(("five thousand parts", multipart(), many));
            for (what, content_type, body) in cases {
                let reply = self.send(target, &content_type, body).await;
                assert!(
                    matches!(
                        reply.status,
                        StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE
                    ),
                    "{what} to {target:?}: {} {}",
                    reply.status,
                    reply.body
                );
                let keys: &[&str] = if reply.status == StatusCode::PAYLOAD_TOO_LARGE {
                    &["error-payload-too-large"]
                } else {
                    &["error-malformed-upload", "error-not-utf8"]
                };
                self.refused(&reply, target, reply.status, keys, what);
            }
        }
    }
}

#[tokio::test]
async fn hostile_uploads_are_refused_by_name_or_stored_and_served_safely() {
    let app = TestApp::spawn_with(&[
        ("ATTACHMENT_MAX_MB", "1"),
        ("API_TOKENS_PER_MINUTE", "1000"),
    ])
    .await;
    let world = World::new(app).await;
    world.lies().await;
    world.polyglots().await;
    world.names().await;
    world.malformed().await;
    println!("{}", world.inspector.report("Hostile uploads"));
}
