//! The XSS corpus through accounts and requests: an organisation's own profile, user
//! names, invitations and their e-mail, slugs, and everything a page sends back from its
//! request (sign-in, password reset, language switch, certificate check, registry
//! filters, unknown paths, headers, cookies). One organisation and one administrator
//! serve every payload.

use std::collections::BTreeSet;

use interconnect_registry::db::models::organisation_change as change_db;
use interconnect_registry::domain::language::Lang;
use reqwest::StatusCode;

use super::corpus::{Payload, Texts, markers_in, payloads};
use super::inspect::{Expect, Inspector, says};
use super::{Person, raw_request};
use crate::helpers::TestApp;
use crate::smtp_sink::SmtpSink;

/// Where fields are numbered.
const FIELDS: [&str; 13] = [
    "organisation name_en",
    "organisation name_lo",
    "organisation registration_number",
    "organisation licence_number",
    "organisation address",
    "user name",
    "invitee name",
    "slug",
    "sign-in email",
    "reset email",
    "next",
    "certificate",
    "user agent",
];

struct World {
    app: TestApp,
    inspector: Inspector,
    admin: Person,
    org_admin: Person,
    secretariat: Person,
    organisation_id: String,
    public_en: Person,
    public_lo: Person,
}

fn pairs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn percent(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

impl World {
    /// Sends a form with the payload in `texts`; a refused payload must come back with
    /// every field as typed and the problem named, and then goes again as neutral text.
    async fn send(
        &self,
        t: &Texts<'_>,
        person: &Person,
        output: &str,
        path: &str,
        fixed: &[(&str, String)],
        texts: &[(&str, &'static str)],
    ) {
        let form = |neutral: bool| -> Vec<(&str, String)> {
            fixed
                .iter()
                .cloned()
                .chain(texts.iter().map(|(name, id)| {
                    let value = if neutral { t.neutral(id) } else { t.typed(id) };
                    (*name, value)
                }))
                .collect()
        };
        if t.payload.refused() {
            let reply = person
                .post(path, &pairs(&form(false)))
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY, output);
            let ids: Vec<&'static str> = texts.iter().map(|(_, id)| *id).collect();
            self.inspector.page(
                &format!("{output} (refused)"),
                &reply.body,
                &t.retyped(&ids),
            );
            assert!(
                says(&reply.body, &person.says("error-control-characters")),
                "{output}: the refusal names the problem"
            );
        }
        person
            .post(path, &pairs(&form(t.payload.refused())))
            .await
            .expect(StatusCode::SEE_OTHER, output);
    }

    /// The secretariat compares the identity the provider proposed (the payload) with the
    /// approved one and approves it, so the pages that follow show it as approved.
    async fn approve_identity(&self, t: &Texts<'_>) {
        let pending = change_db::find_pending_for(&mut self.app.conn(), &self.organisation_id)
            .expect("pending change");
        let Some(change) = pending else {
            return;
        };
        let case = format!("/committee/organisation-changes/{}", change.id);
        self.inspector.page(
            "secretariat: identity change",
            &self.secretariat.page(&case).await,
            &t.shown(&["organisation name_en", "organisation name_lo"]),
        );
        self.inspector.page(
            "secretariat: identity changes",
            &self
                .secretariat
                .page("/committee/organisation-changes")
                .await,
            &[],
        );
        self.secretariat
            .post(&format!("{case}/approve"), &[])
            .await
            .expect(
                StatusCode::SEE_OTHER,
                "secretariat: approve identity change",
            );
    }

    async fn journey(&self, p: Payload) {
        let t = Texts::new(p, &FIELDS);
        let lang = if p.index % 2 == 1 { Lang::Lo } else { Lang::En };
        let short = |id: &str| Some(t.stored(id)).filter(|v| v.chars().count() <= 60);
        self.send(
            &t,
            &self.org_admin,
            "provider: organisation form",
            "/organisation/edit",
            &[
                (
                    "registration_number",
                    short("organisation registration_number").unwrap_or_default(),
                ),
                (
                    "licence_number",
                    short("organisation licence_number").unwrap_or_default(),
                ),
                ("asns", String::new()),
            ],
            &[
                ("name_en", "organisation name_en"),
                ("name_lo", "organisation name_lo"),
                ("address", "organisation address"),
            ],
        )
        .await;
        self.approve_identity(&t).await;
        let org_admin = self.org_admin.user.as_ref().expect("signed in");
        self.send(
            &t,
            &self.admin,
            "admin: user form",
            &format!("/admin/users/{}", org_admin.id),
            &[
                ("email", org_admin.email.clone()),
                ("role", "org_admin".to_string()),
                ("organisation_id", self.organisation_id.clone()),
                ("language", String::new()),
            ],
            &[("name", "user name")],
        )
        .await;
        self.send(
            &t,
            &self.org_admin,
            "provider: invitation",
            "/organisation/invite",
            &[
                ("email", format!("invitee-{:02}@example.la", p.index)),
                ("role", "applicant".to_string()),
                ("language", lang.code().to_string()),
            ],
            &[("name", "invitee name")],
        )
        .await;

        let profile = [
            "organisation name_en",
            "organisation address",
            "user name",
            "invitee name",
        ];
        self.inspector.page(
            "provider: organisation",
            &self.org_admin.page("/organisation").await,
            &t.shown(&profile),
        );
        let shown = [
            "organisation name_en",
            "organisation name_lo",
            "organisation address",
        ];
        self.inspector.page(
            "provider: organisation form",
            &self.org_admin.page("/organisation/edit").await,
            &t.shown(&shown),
        );
        self.inspector.page(
            "provider: dashboard",
            &self.org_admin.page("/dashboard").await,
            &t.shown(&["user name"]),
        );
        self.inspector.page(
            "admin: organisation",
            &self
                .admin
                .page(&format!("/admin/organisations/{}", self.organisation_id))
                .await,
            &t.shown(&profile),
        );
        self.inspector.page(
            "admin: organisation form",
            &self
                .admin
                .page(&format!(
                    "/admin/organisations/{}/edit",
                    self.organisation_id
                ))
                .await,
            &t.shown(&shown),
        );
        self.inspector.page(
            "admin: user form",
            &self
                .admin
                .page(&format!("/admin/users/{}", org_admin.id))
                .await,
            &t.shown(&["user name"]),
        );
        // The list is paged: each person is looked for by their name (up to a NUL, which
        // no search takes).
        for field in ["user name", "invitee name"] {
            let typed = t.typed(field);
            let name = typed.split('\0').next().unwrap_or_default();
            let query = serde_urlencoded::to_string([("q", name)]).unwrap();
            self.inspector.page(
                "admin: users",
                &self.admin.page(&format!("/admin/users?{query}")).await,
                &t.shown(&[field]),
            );
        }

        let slug = t.typed("slug");
        let reply = self
            .admin
            .post(
                "/admin/organisations",
                &[
                    ("slug", &slug),
                    ("name_en", "Slug test"),
                    ("name_lo", "ທົດລອງ"),
                ],
            )
            .await
            .expect(
                StatusCode::UNPROCESSABLE_ENTITY,
                "organisation with a bad slug",
            );
        self.inspector.page(
            "admin: organisation form refused",
            &reply.body,
            &t.retyped(&["slug"]),
        );

        self.requests(&t).await;
        self.user_agent(&t).await;
    }

    /// A browser that names itself with the payload: its sessions list shows the name.
    async fn user_agent(&self, t: &Texts<'_>) {
        // A header holds visible ASCII only.
        let name: String = t
            .typed("user agent")
            .chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .collect();
        let organisation = interconnect_registry::db::models::organisation::find(
            &mut self.app.conn(),
            &self.organisation_id,
        )
        .unwrap()
        .expect("the organisation");
        let user = self.app.create_user("applicant", Some(&organisation));
        let person = Person::signed_in_with(&self.app, &user, Lang::En, &name).await;
        let page = person.page("/account").await;
        self.inspector.page(
            "user: sessions",
            &page,
            &[Expect::new(t.payload.index, "user agent", name.trim())],
        );
    }

    /// What anyone can send without signing in, and what comes back from it.
    async fn requests(&self, t: &Texts<'_>) {
        let public = if t.payload.index % 2 == 1 {
            &self.public_lo
        } else {
            &self.public_en
        };
        let email = t.typed("sign-in email");
        let reply = public
            .post(
                "/sign-in",
                &[("email", &email), ("password", "wrong password")],
            )
            .await;
        assert!(
            matches!(
                reply.status,
                StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
            ),
            "sign-in with a hostile address: {}",
            reply.status
        );
        self.inspector.page(
            "public: sign-in refused",
            &reply.body,
            &t.retyped(&["sign-in email"]),
        );

        let email = t.typed("reset email");
        let reply = public.post("/password/forgot", &[("email", &email)]).await;
        assert!(
            reply.status.is_client_error(),
            "a hostile address is refused: {}",
            reply.status
        );
        self.inspector.page(
            "public: password reset refused",
            &reply.body,
            &t.retyped(&["reset email"]),
        );

        // An address with NUL in it is refused before anything reads it.
        let readable = |ok: StatusCode| {
            if t.payload.refused() {
                StatusCode::BAD_REQUEST
            } else {
                ok
            }
        };
        let next = format!("/{}", t.typed("next"));
        let page = public
            .get(&format!("/sign-in?next={}", percent(&next)))
            .await
            .expect(readable(StatusCode::OK), "sign-in with a hostile next");
        self.inspector.inert("public: sign-in", &page.body);
        let reply = public
            .post("/language", &[("lang", "en"), ("next", &next)])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(
            reply.location.starts_with('/')
                && !reply.location.starts_with("//")
                && !reply.location.contains(['\r', '\n']),
            "the language switch to {next:?} returns to a local path: {:?}",
            reply.location
        );
        let reply = public
            .post("/language", &[("lang", &next), ("next", "/")])
            .await
            .expect(StatusCode::BAD_REQUEST, "an unknown language");
        self.inspector
            .inert("public: unknown language", &reply.body);

        let certificate = t.typed("certificate");
        let reply = public
            .get(&format!("/verify?token={}", percent(&certificate)))
            .await
            .expect(
                readable(StatusCode::UNPROCESSABLE_ENTITY),
                "a hostile certificate is no certificate",
            );
        let shown: Vec<Expect> = t
            .shown(&["certificate"])
            .into_iter()
            .map(|e| Expect {
                text: e.text.trim().to_string(),
                ..e
            })
            .collect();
        self.inspector
            .page("public: certificate checked", &reply.body, &shown);

        for (output, path) in [
            ("public: home", format!("/?x={}", percent(&next))),
            (
                "public: registry with a bad country",
                format!("/registry?country={}", percent(&next)),
            ),
            (
                "public: page not found",
                format!("/nowhere/{}", percent(&next)),
            ),
            (
                "public: invitation link",
                format!("/invitation/{}", percent(&next)),
            ),
            (
                "public: password reset link",
                format!("/password/reset/{}", percent(&next)),
            ),
        ] {
            let reply = public.get(&path).await;
            if reply.status != StatusCode::SEE_OTHER {
                self.inspector.inert(output, &reply.body);
            }
        }
        let reply = public
            .get(&format!("/api/v1/nowhere/{}", percent(&next)))
            .await
            .expect(readable(StatusCode::NOT_FOUND), "an unknown API path");
        assert_eq!(reply.content_type, "application/problem+json");
        self.inspector.json("API: problem", &reply.body, &[]);

        // The same text where a browser would never put it: raw in a header and a cookie.
        let visible: String = next
            .chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .collect();
        let request = format!(
            "GET /registry HTTP/1.1\r\nHost: x\r\nAccept-Language: {visible}\r\nCookie: lang={visible}; ir_flash={visible}\r\nConnection: close\r\n\r\n"
        );
        let (status, response) = raw_request(&self.app, request.as_bytes()).await;
        assert_eq!(status, 200, "{response}");
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        self.inspector.inert("public: hostile headers", body);
    }

    /// Every e-mail sent: inert, no header injected, each payload as typed; every
    /// invitation carried its invitee's name and the organisation's.
    async fn emails(&self, sink: &SmtpSink, corpus: &[Payload]) {
        while self.app.deliver_mail().await.claimed > 0 {}
        let mut carried: BTreeSet<(usize, &'static str)> = BTreeSet::new();
        for message in sink.received() {
            assert!(
                message.to.iter().all(|to| to.ends_with("@example.la")),
                "{:?}",
                message.to
            );
            assert!(message.header("Bcc").is_none(), "no Bcc header");
            let (html, text) = (message.html(), message.text());
            let found: BTreeSet<(usize, usize)> = markers_in(&html)
                .into_iter()
                .chain(markers_in(&text))
                .collect();
            let expects: Vec<Expect> = found
                .into_iter()
                .map(|(p, f)| Expect::new(p, FIELDS[f], corpus[p].text(f)))
                .collect();
            carried.extend(expects.iter().map(|e| (e.payload, e.field)));
            self.inspector
                .email("e-mail: invitation", &html, &text, &expects);
        }
        for p in corpus.iter().filter(|p| !p.refused()) {
            let name = if p.index % 2 == 1 {
                "organisation name_lo"
            } else {
                "organisation name_en"
            };
            for field in ["invitee name", name] {
                assert!(
                    carried.contains(&(p.index, field)),
                    "no invitation carried payload {} through {field}",
                    p.index
                );
            }
        }
    }
}

#[tokio::test]
async fn xss_payloads_through_accounts_and_requests_are_inert_in_every_output() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(&[("SMTP_URL", url.as_str())]).await;
    let organisation = app.create_organisation("hostile-accounts");
    let org_admin = app.create_user("org_admin", Some(&organisation));
    let admin = app.create_user("admin", None);
    let secretariat = app.create_user("secretariat", None);
    let world = World {
        admin: Person::signed_in(&app, &admin, Lang::En).await,
        org_admin: Person::signed_in(&app, &org_admin, Lang::En).await,
        secretariat: Person::signed_in(&app, &secretariat, Lang::Lo).await,
        organisation_id: organisation.id,
        public_en: Person::anonymous(&app, Lang::En).await,
        public_lo: Person::anonymous(&app, Lang::Lo).await,
        inspector: Inspector::default(),
        app,
    };
    let corpus = payloads();
    for p in &corpus {
        world.journey(*p).await;
    }
    world.emails(&sink, &corpus).await;
    println!(
        "{}",
        world.inspector.report("XSS through accounts and requests")
    );
}

#[tokio::test]
async fn a_name_with_line_breaks_still_gets_its_mail_on_one_header_line() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(&[("SMTP_URL", url.as_str())]).await;
    let org_admin = app.create_user("org_admin", None);
    let inviter = Person::signed_in(&app, &org_admin, Lang::En).await;
    let name = "Noy\r\nBcc: victim@evil.example\r\nX-Injected: yes";
    inviter
        .act(
            "/organisation/invite",
            &[
                ("name", name),
                ("email", "noy@example.la"),
                ("role", "applicant"),
                ("language", "en"),
            ],
        )
        .await;
    let report = app.deliver_mail().await;
    assert_eq!(report.sent, 1, "{report:?}");
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message.to, ["noy@example.la"]);
    assert!(message.header("Bcc").is_none());
    assert!(message.header("X-Injected").is_none());
    let parsed = mail_parser::MessageParser::default()
        .parse(message.data.as_slice())
        .expect("MIME");
    let to = parsed.to().and_then(|a| a.first()).expect("a To header");
    assert_eq!(to.address(), Some("noy@example.la"));
    assert_eq!(
        to.name(),
        Some("Noy Bcc: victim@evil.example X-Injected: yes"),
        "the name on one line"
    );
    assert!(
        message.text().contains("Noy") && message.text().contains("victim@evil.example"),
        "the greeting keeps the name as typed: {}",
        message.text()
    );
}
