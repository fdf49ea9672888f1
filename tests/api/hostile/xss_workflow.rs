//! The XSS corpus through the whole life of an application and its connection: the
//! organisation and its administrator made by the admin, drafts on the web and over the
//! API, every committee step, the decision, the registry and its exports, certificates,
//! suspension, show-cause and revocation. Each payload gets its own organisation and
//! applications; the committee is shared. Every page, e-mail, JSON document and export
//! that shows a payload is inspected.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::StreamExt;
use interconnect_registry::db::models::connection::Connection;
use interconnect_registry::db::models::{committee as committee_db, user as user_db};
use interconnect_registry::domain::application_form::{FIELDS, Kind, VOICE_FIELDS};
use interconnect_registry::domain::language::Lang;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::corpus::{Payload, Texts, markers_in, payloads};
use super::inspect::{Expect, Inspector, says};
use super::{Person, Reply, api_token};
use crate::helpers::{PASSWORD, TestApp, TestUser, text_of};
use crate::smtp_sink::SmtpSink;
use crate::workflow_helpers::{PDF, complete_fields};

const SECRETARIAT: &str = "secretariat@regulator.example.la";

/// Organisation fields (the admin's form and the organisation's own).
const ORGANISATION: [(&str, &str); 6] = [
    ("name_en", "organisation name_en"),
    ("name_lo", "organisation name_lo"),
    ("registration_number", "organisation registration_number"),
    ("licence_number", "organisation licence_number"),
    ("address", "organisation address"),
    ("asns", "organisation asns"),
];

/// Application fields that take any text, even on submission.
const FREE_TEXT: [&str; 15] = [
    "contact_name",
    "local_contact_name",
    "counterparty_name",
    "counterparty_contact",
    "endpoint_facility",
    "border_crossing",
    "redundancy",
    "services_carried",
    "customer_categories",
    "equipment_vendors",
    "records_location",
    "security_measures",
    "caller_id_integrity",
    "simbox_detection",
    "declared_by_name",
];

/// Application fields shown as a choice on the form, where a typed value has no option.
const CHOICES: [&str; 3] = [
    "connection_type",
    "counterparty_country",
    "endpoint_province",
];

/// Whether a new application's form asks for `field` (the voice fields are on the form,
/// shown once a voice interconnect is chosen).
fn on_the_form(field: &str) -> bool {
    Kind::New.asks_for(field)
}

/// Whether a new application whose type is no voice interconnect (the payload is none)
/// shows `field` when read.
fn on_the_page(field: &str) -> bool {
    on_the_form(field) && !VOICE_FIELDS.contains(&field)
}

/// The texts of the committee's steps and of the connection's proceedings.
const STEPS: [&str; 17] = [
    "user name",
    "api client name",
    "revised redundancy",
    "rfi questions",
    "rfi answer",
    "review comments",
    "review conditions",
    "recusal reason",
    "vote reason",
    "decision conditions",
    "decision legal_basis",
    "decision reasons",
    "suspension reason",
    "reinstatement reason",
    "show-cause notice",
    "show-cause answer",
    "case reason",
];

/// Where fields are numbered: organisation, application, steps.
fn field_table() -> Vec<&'static str> {
    ORGANISATION
        .iter()
        .map(|(_, id)| *id)
        .chain(FIELDS)
        .chain(STEPS)
        .chain(["disconnection evidence", "patched services_carried"])
        .collect()
}

/// The committee, the administrator and the public, shared by every payload.
struct World {
    app: TestApp,
    inspector: Inspector,
    admin: Person,
    secretariat: Person,
    technical: Person,
    security: Person,
    legal: Person,
    chair: Person,
    public_en: Person,
    public_lo: Person,
}

/// What one payload's journey left behind, for the outputs to be checked.
struct Case {
    organisation_id: String,
    provider: Person,
    draft_id: String,
    api_draft_id: Option<String>,
    approved_id: String,
    rejected_id: String,
    connection_id: String,
    approval_number: String,
    token: String,
}

fn pairs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

impl World {
    async fn new(app: TestApp) -> World {
        let member = |role: &str, domains: &[&str]| app.create_member(role, domains);
        let (technical, security, legal, chair) = (
            member("reviewer", &["technical"]),
            member("reviewer", &["security"]),
            member("reviewer", &["legal"]),
            member("chair", &["legal"]),
        );
        let secretariat = app.create_user("secretariat", None);
        let admin = app.create_user("admin", None);
        World {
            admin: Person::signed_in(&app, &admin, Lang::En).await,
            secretariat: Person::signed_in(&app, &secretariat, Lang::En).await,
            technical: Person::signed_in(&app, &technical, Lang::En).await,
            security: Person::signed_in(&app, &security, Lang::En).await,
            legal: Person::signed_in(&app, &legal, Lang::En).await,
            chair: Person::signed_in(&app, &chair, Lang::En).await,
            public_en: Person::anonymous(&app, Lang::En).await,
            public_lo: Person::anonymous(&app, Lang::Lo).await,
            inspector: Inspector::default(),
            app,
        }
    }

    /// Sends a form whose `texts` (form field, field id) carry the payload, the rest
    /// being `fixed`. A payload no field accepts must come back as the same form (422)
    /// showing every field as typed and naming the problem; the form then goes again
    /// with neutral text. Returns the reply to the form that was accepted.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        t: &Texts<'_>,
        person: &Person,
        output: &str,
        path: &str,
        fixed: &[(&str, String)],
        texts: &[(&str, &'static str)],
        accepted: StatusCode,
    ) -> Reply {
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
            let typed = form(false);
            let reply = person
                .post(path, &pairs(&typed))
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY, output);
            // A choice shows its options, never what was typed in its place.
            let ids: Vec<&'static str> = texts
                .iter()
                .map(|(_, id)| *id)
                .filter(|id| !CHOICES.contains(id))
                .collect();
            self.inspector.page(
                &format!("{output} (refused)"),
                &reply.body,
                &t.retyped(&ids),
            );
            let problem = person.says("error-control-characters");
            assert!(
                says(&reply.body, &problem),
                "{output}: the refusal does not say {problem:?}"
            );
        }
        let sent = form(t.payload.refused());
        person
            .post(path, &pairs(&sent))
            .await
            .expect(accepted, output)
    }

    /// One payload's journey through everything, then the outputs that show it.
    async fn journey(&self, p: Payload, table: &[&'static str]) {
        let t = Texts::new(p, table);
        let organisation_id = self.organisation(&t).await;
        let provider = self.provider(&t, &organisation_id).await;
        let draft_id = self.draft(&t, &provider).await;
        let (client_id, secret) = self.api_client(&t, &provider).await;
        let token = api_token(&self.app, &client_id, &secret).await;
        let api_draft_id = self.api_draft(&t, &provider, &token, &draft_id).await;
        let approved_id = self.submitted(&t, &provider).await;
        self.approve(&t, &provider, &approved_id).await;
        let rejected_id = self.submitted(&t, &provider).await;
        self.reject(&t, &rejected_id).await;
        let connection = self.connection_of(&approved_id);
        let case = Case {
            organisation_id,
            provider,
            draft_id,
            api_draft_id,
            approved_id,
            rejected_id,
            connection_id: connection.id,
            approval_number: connection.approval_number,
            token,
        };
        self.proceedings(&t, &case).await;
        self.outputs(&t, &case).await;
    }

    /// The admin makes the payload's organisation: first with a bad AS number, which
    /// must come back with every field as typed, then properly.
    async fn organisation(&self, t: &Texts<'_>) -> String {
        let slug = format!("hostile-{:02}", t.payload.index);
        let typed: Vec<(&str, String)> = std::iter::once(("slug", slug.clone()))
            .chain(ORGANISATION.iter().map(|(name, id)| (*name, t.typed(id))))
            .collect();
        let reply = self
            .admin
            .post("/admin/organisations", &pairs(&typed))
            .await
            .expect(
                StatusCode::UNPROCESSABLE_ENTITY,
                "organisation with bad ASNs",
            );
        let ids: Vec<&'static str> = ORGANISATION.iter().map(|(_, id)| *id).collect();
        self.inspector.page(
            "admin: organisation form refused",
            &reply.body,
            &t.retyped(&ids),
        );
        assert!(
            text_of(&reply.body, "#e-asns").is_some_and(|e| !e.is_empty()),
            "the AS numbers' problem is named"
        );
        // Registration and licence numbers take 60 characters at most.
        let short = |id: &str| Some(t.stored(id)).filter(|v| v.chars().count() <= 60);
        let fixed = vec![
            ("slug", slug.clone()),
            ("asns", "AS151234".to_string()),
            (
                "registration_number",
                short("organisation registration_number").unwrap_or_default(),
            ),
            (
                "licence_number",
                short("organisation licence_number").unwrap_or_default(),
            ),
        ];
        let texts = [
            ("name_en", "organisation name_en"),
            ("name_lo", "organisation name_lo"),
            ("address", "organisation address"),
        ];
        let location = self
            .send(
                t,
                &self.admin,
                "admin: new organisation",
                "/admin/organisations",
                &fixed,
                &texts,
                StatusCode::SEE_OTHER,
            )
            .await
            .location;
        location
            .strip_prefix("/admin/organisations/")
            .expect("the new organisation's page")
            .to_string()
    }

    /// The admin makes the organisation's administrator, named by the payload; odd
    /// payloads read Lao.
    async fn provider(&self, t: &Texts<'_>, organisation_id: &str) -> Person {
        let lang = if t.payload.index % 2 == 1 {
            Lang::Lo
        } else {
            Lang::En
        };
        let email = format!("provider-{:02}@example.la", t.payload.index);
        let fixed = vec![
            ("email", email.clone()),
            ("role", "org_admin".to_string()),
            ("organisation_id", organisation_id.to_string()),
            ("language", lang.code().to_string()),
            ("password", PASSWORD.to_string()),
        ];
        self.send(
            t,
            &self.admin,
            "admin: new user",
            "/admin/users",
            &fixed,
            &[("name", "user name")],
            StatusCode::SEE_OTHER,
        )
        .await;
        let user = user_db::find_by_email(&mut self.app.conn(), &email)
            .unwrap()
            .expect("the new user");
        Person::signed_in(&self.app, &TestUser { id: user.id, email }, lang).await
    }

    /// A draft with the payload in every field the form asks for: kept as typed, and
    /// shown again as typed when its submission is refused.
    async fn draft(&self, t: &Texts<'_>, provider: &Person) -> String {
        let id = provider.start_draft().await;
        let path = format!("/applications/{id}/edit");
        let texts: Vec<(&str, &'static str)> = FIELDS
            .iter()
            .filter(|f| on_the_form(f))
            .map(|f| (*f, *f))
            .collect();
        let fixed = vec![("intent", "save".to_string())];
        self.send(
            t,
            provider,
            "application form",
            &path,
            &fixed,
            &texts,
            StatusCode::SEE_OTHER,
        )
        .await;
        let typed: Vec<&'static str> = FIELDS
            .iter()
            .copied()
            .filter(|f| !CHOICES.contains(f) && on_the_form(f))
            .collect();
        let form = provider.page(&path).await;
        self.inspector
            .page("provider: application form", &form, &t.shown(&typed));
        if !t.payload.refused() {
            let submit: Vec<(&str, String)> = FIELDS
                .iter()
                .map(|f| (*f, t.typed(f)))
                .chain([("intent", "submit".to_string())])
                .collect();
            let reply = provider.post(&path, &pairs(&submit)).await.expect(
                StatusCode::UNPROCESSABLE_ENTITY,
                "submitting the hostile draft",
            );
            self.inspector.page(
                "provider: application form refused",
                &reply.body,
                &t.shown(&typed),
            );
            for field in ["contact_email", "capacity_mbps", "counterparty_country"] {
                assert!(
                    text_of(&reply.body, &format!("#e-{field}")).is_some(),
                    "{field}'s problem is named"
                );
            }
        }
        id
    }

    /// An API client named by the payload, made on the organisation's page.
    async fn api_client(&self, t: &Texts<'_>, provider: &Person) -> (String, String) {
        let fixed = vec![("user_id", provider.user_id().to_string())];
        let reply = self
            .send(
                t,
                provider,
                "provider: new API client",
                "/organisation/api-clients",
                &fixed,
                &[("name", "api client name")],
                StatusCode::OK,
            )
            .await;
        self.inspector.page(
            "provider: API client secret",
            &reply.body,
            &t.shown(&["api client name"]),
        );
        let id = text_of(&reply.body, ".client-id").expect("the client id");
        let secret = text_of(&reply.body, ".client-secret").expect("the secret");
        (id, secret)
    }

    /// The web draft read over the API, and a draft made over the API with the payload
    /// in all thirty fields, then patched; its submission is refused naming the fields.
    async fn api_draft(
        &self,
        t: &Texts<'_>,
        provider: &Person,
        token: &str,
        draft_id: &str,
    ) -> Option<String> {
        let api = reqwest::Client::new();
        let call = |method: reqwest::Method, path: &str| {
            api.request(method, self.app.url(path)).bearer_auth(token)
        };
        // A new application is never asked for an existing approval number: one sent is
        // ignored.
        let all: Vec<&'static str> = FIELDS.iter().copied().filter(|f| on_the_form(f)).collect();
        let res = call(
            reqwest::Method::GET,
            &format!("/api/v1/applications/{draft_id}"),
        )
        .send()
        .await
        .unwrap();
        let reply = Reply::read(res, "API draft")
            .await
            .expect(StatusCode::OK, "API draft");
        self.inspector
            .json("API: application", &reply.body, &t.shown(&all));

        let fields: serde_json::Map<String, Value> = FIELDS
            .iter()
            .map(|f| (f.to_string(), Value::String(t.typed(f))))
            .collect();
        let res = call(reqwest::Method::POST, "/api/v1/applications")
            .json(&json!({ "kind": "new", "fields": fields }))
            .send()
            .await
            .unwrap();
        let reply = Reply::read(res, "API new draft").await;
        if t.payload.refused() {
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(reply.content_type, "application/problem+json");
            let problem = self.inspector.json("API: problem", &reply.body, &[]);
            let named: BTreeSet<&str> = problem["errors"]
                .as_array()
                .expect("field problems")
                .iter()
                .filter(|e| e["code"] == "control-characters")
                .filter_map(|e| e["field"].as_str())
                .collect();
            assert_eq!(named, all.iter().copied().collect(), "{}", reply.body);
            return None;
        }
        let reply = reply.expect(StatusCode::CREATED, "API new draft");
        let created = self
            .inspector
            .json("API: new application", &reply.body, &t.shown(&all));
        let id = created["id"].as_str().expect("an id").to_string();

        let patch =
            json!({ "fields": { "services_carried": t.typed("patched services_carried") } });
        let res = call(
            reqwest::Method::PATCH,
            &format!("/api/v1/applications/{id}"),
        )
        .json(&patch)
        .send()
        .await
        .unwrap();
        let reply = Reply::read(res, "API patch")
            .await
            .expect(StatusCode::OK, "API patch");
        self.inspector.json(
            "API: patched application",
            &reply.body,
            &t.shown(&["patched services_carried", "counterparty_name"]),
        );

        let res = call(
            reqwest::Method::POST,
            &format!("/api/v1/applications/{id}/submit"),
        )
        .send()
        .await
        .unwrap();
        let reply = Reply::read(res, "API submit")
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY, "API submit");
        assert_eq!(reply.content_type, "application/problem+json");
        self.inspector.json("API: problem", &reply.body, &[]);

        let shown: Vec<&'static str> = FIELDS
            .iter()
            .copied()
            .filter(|f| *f != "services_carried" && on_the_page(f))
            .chain(["patched services_carried"])
            .collect();
        let page = provider.page(&format!("/applications/{id}")).await;
        self.inspector
            .page("provider: application", &page, &t.shown(&shown));
        Some(id)
    }

    /// An application with the payload in every free-text field, its files attached,
    /// submitted.
    async fn submitted(&self, t: &Texts<'_>, provider: &Person) -> String {
        let id = provider.start_draft().await;
        for kind in ["network_diagram", "counterparty_contract"] {
            provider
                .upload(
                    &format!("/applications/{id}/attachments"),
                    kind,
                    "diagram.pdf",
                    PDF,
                )
                .await
                .expect(StatusCode::SEE_OTHER, "attachment");
        }
        let fixed: Vec<(&str, String)> = complete_fields()
            .into_iter()
            .filter(|(f, _)| !FREE_TEXT.contains(f))
            .chain([("intent", "submit".to_string())])
            .collect();
        let texts: Vec<(&str, &'static str)> = FREE_TEXT.iter().map(|f| (*f, *f)).collect();
        self.send(
            t,
            provider,
            "application submitted",
            &format!("/applications/{id}/edit"),
            &fixed,
            &texts,
            StatusCode::SEE_OTHER,
        )
        .await;
        id
    }

    fn connection_of(&self, application_id: &str) -> Connection {
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl, SelectableHelper};
        use interconnect_registry::db::schema::connections;
        let mut conn = self.app.conn();
        let conn: &mut interconnect_registry::db::DbConn = &mut conn;
        connections::table
            .filter(connections::application_id.eq(application_id))
            .select(Connection::as_select())
            .first(conn)
            .expect("the approved application's connection")
    }

    fn assignment(&self, application_id: &str, reviewer: &Person) -> String {
        committee_db::list_assignments(&mut self.app.conn(), application_id)
            .unwrap()
            .into_iter()
            .find(|(a, _)| a.reviewer_id == reviewer.user_id() && a.completed_at.is_none())
            .map(|(a, _)| a.id)
            .expect("an open assignment")
    }

    /// Screening, completeness and one technical review with the payload in its
    /// comments; the legal reviewer recuses with the payload as reason.
    async fn review(&self, t: &Texts<'_>, id: &str, recommendation: &str) {
        let case = format!("/committee/applications/{id}");
        self.secretariat.act(&format!("{case}/complete"), &[]).await;
        self.secretariat
            .act(
                &format!("{case}/assign"),
                &[
                    ("reviewer_id", self.technical.user_id()),
                    ("domain", "technical"),
                ],
            )
            .await;
        let fixed = vec![
            ("assignment_id", self.assignment(id, &self.technical)),
            ("recommendation", recommendation.to_string()),
        ];
        self.send(
            t,
            &self.technical,
            "committee: review",
            &format!("{case}/review"),
            &fixed,
            &[
                ("comments", "review comments"),
                ("conditions", "review conditions"),
            ],
            StatusCode::SEE_OTHER,
        )
        .await;
        self.send(
            t,
            &self.legal,
            "committee: recusal",
            &format!("{case}/recuse"),
            &[("confirm", "yes".to_string())],
            &[("reason", "recusal reason")],
            StatusCode::SEE_OTHER,
        )
        .await;
        self.secretariat
            .act(&format!("{case}/open-vote"), &[])
            .await;
    }

    /// The three members who are not recused vote `choice`, with the payload as reason.
    async fn vote(&self, t: &Texts<'_>, id: &str, choice: &str) {
        for voter in [&self.technical, &self.security, &self.chair] {
            self.send(
                t,
                voter,
                "committee: vote",
                &format!("/committee/applications/{id}/vote"),
                &[("choice", choice.to_string())],
                &[("reason", "vote reason")],
                StatusCode::SEE_OTHER,
            )
            .await;
        }
    }

    /// The approved application: questions asked and answered (with a revised field),
    /// reviewed, voted, approved with the payload as conditions.
    async fn approve(&self, t: &Texts<'_>, provider: &Person, id: &str) {
        let case = format!("/committee/applications/{id}");
        self.secretariat.act(&format!("{case}/screen"), &[]).await;
        let inbox = self.secretariat.page("/committee").await;
        self.inspector.page(
            "committee: inbox",
            &inbox,
            &self.shown_as(t, &["organisation name_en", "counterparty_name"]),
        );
        self.send(
            t,
            &self.secretariat,
            "committee: information request",
            &format!("{case}/request-info"),
            &[("days", "10".to_string())],
            &[("questions", "rfi questions")],
            StatusCode::SEE_OTHER,
        )
        .await;
        let revised: Vec<(&str, String)> = complete_fields()
            .into_iter()
            .filter(|(f, _)| !FREE_TEXT.contains(f))
            .chain(
                FREE_TEXT
                    .iter()
                    .filter(|f| **f != "redundancy")
                    .map(|f| (*f, t.stored(f))),
            )
            .chain([
                ("redundancy", t.stored("revised redundancy")),
                ("intent", "save".to_string()),
            ])
            .collect();
        provider
            .act(&format!("/applications/{id}/edit"), &pairs(&revised))
            .await;
        self.send(
            t,
            provider,
            "provider: answer",
            &format!("/applications/{id}/answer"),
            &[],
            &[("answer", "rfi answer")],
            StatusCode::SEE_OTHER,
        )
        .await;
        self.review(t, id, "approve_with_conditions").await;
        self.vote(t, id, "approve").await;
        self.send(
            t,
            &self.chair,
            "committee: approval",
            &format!("{case}/decide"),
            &[("validity_months", "12".to_string())],
            &[
                ("conditions", "decision conditions"),
                ("legal_basis", "decision legal_basis"),
            ],
            StatusCode::SEE_OTHER,
        )
        .await;
    }

    /// The rejected application: reviewed, voted down, rejected with the payload as
    /// reasons.
    async fn reject(&self, t: &Texts<'_>, id: &str) {
        let case = format!("/committee/applications/{id}");
        self.secretariat.act(&format!("{case}/screen"), &[]).await;
        self.review(t, id, "reject").await;
        self.vote(t, id, "reject").await;
        self.send(
            t,
            &self.chair,
            "committee: rejection",
            &format!("{case}/decide"),
            &[],
            &[
                ("reasons", "decision reasons"),
                ("legal_basis", "decision legal_basis"),
            ],
            StatusCode::SEE_OTHER,
        )
        .await;
    }

    /// The connection suspended and reinstated, then revoked by due process; the
    /// provider answers and confirms the disconnection; every text is the payload.
    async fn proceedings(&self, t: &Texts<'_>, case: &Case) {
        let committee = format!("/committee/connections/{}", case.connection_id);
        let own = format!("/connections/{}", case.connection_id);
        for (action, id, who) in [
            ("suspend", "suspension reason", &self.chair),
            ("reinstate", "reinstatement reason", &self.chair),
        ] {
            self.send(
                t,
                who,
                &format!("committee: {action}"),
                &format!("{committee}/{action}"),
                &[("confirm", "yes".to_string())],
                &[("reason", id)],
                StatusCode::SEE_OTHER,
            )
            .await;
        }
        self.send(
            t,
            &self.secretariat,
            "committee: show-cause notice",
            &format!("{committee}/show-cause"),
            &[("days", "10".to_string())],
            &[("notice", "show-cause notice")],
            StatusCode::SEE_OTHER,
        )
        .await;
        self.send(
            t,
            &case.provider,
            "provider: show-cause answer",
            &format!("{own}/answer"),
            &[],
            &[("answer", "show-cause answer")],
            StatusCode::SEE_OTHER,
        )
        .await;
        self.send(
            t,
            &self.chair,
            "committee: revocation",
            &format!("{committee}/decide"),
            &[
                ("outcome", "revoke".to_string()),
                ("disconnection_days", "15".to_string()),
                ("confirm", "yes".to_string()),
            ],
            &[("reason", "case reason")],
            StatusCode::SEE_OTHER,
        )
        .await;
        self.send(
            t,
            &case.provider,
            "provider: disconnection",
            &format!("{own}/disconnected"),
            &[],
            &[("evidence", "disconnection evidence")],
            StatusCode::SEE_OTHER,
        )
        .await;
        self.secretariat
            .act(&format!("{committee}/verify"), &[])
            .await;
    }

    /// The payload in `ids`, with each organisation name as `lang` shows it.
    fn shown_in(&self, t: &Texts<'_>, lang: Lang, ids: &[&'static str]) -> Vec<Expect> {
        let ids: Vec<&'static str> = ids
            .iter()
            .map(|id| match (*id, lang) {
                ("organisation name_en", Lang::Lo) => "organisation name_lo",
                (id, _) => id,
            })
            .collect();
        t.shown(&ids)
    }

    /// The payload in `ids` as the committee (English) sees it.
    fn shown_as(&self, t: &Texts<'_>, ids: &[&'static str]) -> Vec<Expect> {
        self.shown_in(t, Lang::En, ids)
    }

    /// Every output of one payload's journey.
    async fn outputs(&self, t: &Texts<'_>, case: &Case) {
        let provider = &case.provider;
        let lang = provider.lang;
        let inspect = |output: &'static str, html: String, ids: Vec<&'static str>| {
            self.inspector
                .page(output, &html, &self.shown_in(t, lang, &ids))
        };
        inspect(
            "provider: dashboard",
            provider.page("/dashboard").await,
            vec!["user name"],
        );
        inspect(
            "provider: organisation",
            provider.page("/organisation").await,
            vec!["organisation name_en", "organisation address", "user name"],
        );
        let edit = provider.page("/organisation/edit").await;
        self.inspector.page(
            "provider: organisation form",
            &edit,
            &t.shown(&[
                "organisation name_en",
                "organisation name_lo",
                "organisation address",
            ]),
        );
        inspect(
            "provider: API clients",
            provider.page("/organisation/api-clients").await,
            vec!["api client name", "user name"],
        );
        inspect(
            "provider: applications",
            provider.page("/applications").await,
            vec!["counterparty_name"],
        );
        let typed: Vec<&'static str> = FIELDS
            .iter()
            .copied()
            .filter(|f| !CHOICES.contains(f) && on_the_page(f))
            .collect();
        inspect(
            "provider: application",
            provider
                .page(&format!("/applications/{}", case.draft_id))
                .await,
            typed,
        );
        // The application is for IP transit: its submission dropped the voice fields.
        let approved: Vec<&'static str> = FREE_TEXT
            .iter()
            .copied()
            .filter(|f| *f != "redundancy" && !VOICE_FIELDS.contains(f))
            .chain([
                "revised redundancy",
                "rfi questions",
                "rfi answer",
                "decision conditions",
                "decision legal_basis",
            ])
            .collect();
        inspect(
            "provider: application",
            provider
                .page(&format!("/applications/{}", case.approved_id))
                .await,
            approved.clone(),
        );
        inspect(
            "provider: application",
            provider
                .page(&format!("/applications/{}", case.rejected_id))
                .await,
            vec![
                "decision reasons",
                "decision legal_basis",
                "counterparty_name",
            ],
        );
        inspect(
            "provider: connections",
            provider.page("/connections").await,
            vec!["counterparty_name"],
        );
        let proceedings = vec![
            "decision conditions",
            "counterparty_name",
            "show-cause notice",
            "show-cause answer",
            "suspension reason",
            "reinstatement reason",
            "case reason",
        ];
        inspect(
            "provider: connection",
            provider
                .page(&format!("/connections/{}", case.connection_id))
                .await,
            proceedings.clone(),
        );

        let committee = |output: &'static str, html: String, ids: Vec<&'static str>| {
            self.inspector.page(output, &html, &self.shown_as(t, &ids))
        };
        let mut full: Vec<&'static str> = approved.clone();
        full.extend([
            "organisation name_en",
            "redundancy",
            "review comments",
            "review conditions",
            "recusal reason",
            "vote reason",
        ]);
        committee(
            "committee: application",
            self.secretariat
                .page(&format!("/committee/applications/{}", case.approved_id))
                .await,
            full,
        );
        committee(
            "committee: application",
            self.chair
                .page(&format!("/committee/applications/{}", case.rejected_id))
                .await,
            vec![
                "decision reasons",
                "decision legal_basis",
                "review comments",
                "vote reason",
                "recusal reason",
            ],
        );
        committee(
            "committee: connection",
            self.secretariat
                .page(&format!("/committee/connections/{}", case.connection_id))
                .await,
            proceedings,
        );
        committee(
            "admin: user form",
            self.admin
                .page(&format!("/admin/users/{}", case.provider.user_id()))
                .await,
            vec!["user name"],
        );
        committee(
            "admin: organisation",
            self.admin
                .page(&format!("/admin/organisations/{}", case.organisation_id))
                .await,
            vec!["organisation name_en", "organisation address", "user name"],
        );
        let edit = self
            .admin
            .page(&format!(
                "/admin/organisations/{}/edit",
                case.organisation_id
            ))
            .await;
        self.inspector.page(
            "admin: organisation form",
            &edit,
            &t.shown(&[
                "organisation name_en",
                "organisation name_lo",
                "organisation address",
            ]),
        );

        self.api_outputs(t, case).await;
        self.public_outputs(t, case).await;
    }

    /// The provider's application and connections over the API.
    async fn api_outputs(&self, t: &Texts<'_>, case: &Case) {
        let api = reqwest::Client::new();
        let get = |path: String| {
            let request = api.get(self.app.url(&path)).bearer_auth(&case.token);
            async move {
                let res = request.send().await.unwrap();
                Reply::read(res, &path)
                    .await
                    .expect(StatusCode::OK, &path)
                    .body
            }
        };
        // The application is for IP transit: its submission dropped the voice fields.
        let approved: Vec<&'static str> = FREE_TEXT
            .iter()
            .copied()
            .filter(|f| *f != "redundancy" && !VOICE_FIELDS.contains(f))
            .chain([
                "revised redundancy",
                "rfi questions",
                "rfi answer",
                "decision conditions",
                "decision legal_basis",
            ])
            .collect();
        self.inspector.json(
            "API: application",
            &get(format!("/api/v1/applications/{}", case.approved_id)).await,
            &t.shown(&approved),
        );
        self.inspector.json(
            "API: application",
            &get(format!("/api/v1/applications/{}", case.rejected_id)).await,
            &t.shown(&["decision reasons", "decision legal_basis"]),
        );
        if let Some(id) = &case.api_draft_id {
            self.inspector.json(
                "API: application",
                &get(format!("/api/v1/applications/{id}")).await,
                &t.shown(&["patched services_carried", "contact_email"]),
            );
        }
        self.inspector.json(
            "API: applications",
            &get("/api/v1/applications".to_string()).await,
            &[],
        );
        self.inspector.json(
            "API: connections",
            &get("/api/v1/connections".to_string()).await,
            &t.shown(&["counterparty_name", "decision conditions"]),
        );
    }

    /// The connection's public record, certificate and verification, in both languages
    /// and over the API; the certificate's signed claims hold the payload too.
    async fn public_outputs(&self, t: &Texts<'_>, case: &Case) {
        let number = &case.approval_number;
        for public in [&self.public_en, &self.public_lo] {
            let shown = self.shown_in(
                t,
                public.lang,
                &["organisation name_en", "counterparty_name"],
            );
            for (output, path) in [
                ("public: registry record", format!("/registry/{number}")),
                (
                    "public: certificate",
                    format!("/registry/{number}/certificate"),
                ),
                ("public: verification", format!("/verify/{number}")),
            ] {
                self.inspector
                    .page(output, &public.page(&path).await, &shown);
            }
        }
        let record = self
            .public_en
            .page(&format!("/api/v1/registry/{number}"))
            .await;
        let record = self.inspector.json(
            "API: registry record",
            &record,
            &t.shown(&[
                "organisation name_en",
                "organisation name_lo",
                "counterparty_name",
            ]),
        );
        let token = record["certificate"]
            .as_str()
            .expect("the record's certificate")
            .to_string();
        let claims = token.split('.').nth(1).expect("a compact JWS");
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(claims).expect("base64url"))
            .expect("UTF-8 claims");
        self.inspector.json(
            "certificate: signed claims",
            &claims,
            &t.shown(&[
                "organisation name_en",
                "organisation name_lo",
                "counterparty_name",
            ]),
        );
        let verified = self.public_en.page(&format!("/verify?token={token}")).await;
        self.inspector.page(
            "public: certificate checked",
            &verified,
            &t.shown(&["organisation name_en", "counterparty_name"]),
        );
        let search: String = t.stored("counterparty_name").chars().take(100).collect();
        let found = self
            .public_en
            .get(&format!(
                "/registry?{}",
                serde_urlencoded::to_string([
                    ("q", search.as_str()),
                    ("provider", search.as_str())
                ])
                .unwrap()
            ))
            .await
            .expect(StatusCode::OK, "registry search");
        let mut reflected = t.shown(&["counterparty_name"]);
        for e in &mut reflected {
            e.text = search.clone();
        }
        self.inspector
            .page("public: registry search", &found.body, &reflected);
    }
}

/// The target of the first link that `css` selects.
fn href_of(html: &str, css: &str) -> Option<String> {
    let selector = scraper::Selector::parse(css).expect("selector");
    scraper::Html::parse_document(html)
        .select(&selector)
        .next()
        .and_then(|a| a.value().attr("href"))
        .map(str::to_string)
}

impl World {
    /// The outputs every payload shares: the registry and its exports, the lists of
    /// users and organisations, the audit log, the outbox, statistics.
    async fn shared_outputs(&self, corpus: &[Payload], table: &[&'static str]) {
        let all = |ids: &[&'static str]| -> Vec<Expect> {
            corpus
                .iter()
                .flat_map(|p| Texts::new(*p, table).shown(ids))
                .collect()
        };
        let english = all(&["organisation name_en", "counterparty_name"]);
        let lao = all(&["organisation name_lo", "counterparty_name"]);
        let both = all(&[
            "organisation name_en",
            "organisation name_lo",
            "counterparty_name",
        ]);
        self.inspector.page(
            "public: registry",
            &self.public_en.page("/registry").await,
            &english,
        );
        self.inspector.page(
            "public: registry",
            &self.public_lo.page("/registry").await,
            &lao,
        );
        for path in ["/registry.csv", "/api/v1/registry.csv"] {
            let reply = self.public_en.get(path).await.expect(StatusCode::OK, path);
            assert!(reply.content_type.starts_with("text/csv"), "{path}");
            self.inspector
                .csv(&format!("export {path}"), &reply.body, &both);
        }
        for path in ["/registry.json", "/api/v1/registry?limit=200"] {
            let body = self.public_en.page(path).await;
            self.inspector.json(&format!("export {path}"), &body, &both);
        }
        self.inspector.inert(
            "public: statistics",
            &self.public_en.page("/statistics").await,
        );
        let revocations = self.public_en.page("/registry/revocations.jwt").await;
        let claims = revocations.split('.').nth(1).expect("a compact JWS");
        let claims = String::from_utf8(URL_SAFE_NO_PAD.decode(claims).expect("base64url"))
            .expect("UTF-8 claims");
        self.inspector.json("public: revocation list", &claims, &[]);

        self.inspector.page(
            "admin: users",
            &self.admin.page("/admin/users").await,
            &all(&["user name"]),
        );
        self.inspector.page(
            "admin: organisations",
            &self.admin.page("/admin/organisations").await,
            &all(&["organisation name_en"]),
        );
        let mut pages = Vec::new();
        let mut path = "/admin/audit".to_string();
        loop {
            let page = self.admin.page(&path).await;
            let older = href_of(&page, "nav.pager a[rel='next']");
            pages.push(page);
            match older {
                Some(next) => path = next,
                None => break,
            }
        }
        let audited: Vec<Expect> = all(&[
            "organisation name_en",
            "organisation name_lo",
            "organisation address",
            "user name",
        ])
        .iter()
        .map(Expect::json_escaped)
        .collect();
        self.inspector.pages("admin: audit log", &pages, &audited);
        let mut path = "/admin/outbox".to_string();
        loop {
            let page = self.admin.page(&path).await;
            self.inspector.inert("admin: outbox", &page);
            let older = href_of(&page, "a[href*='before=']");
            match older {
                Some(next) => path = next,
                None => break,
            }
        }
    }

    /// Every e-mail sent: inert HTML, no injected header or recipient, and each payload
    /// in it exactly as typed, in both parts. Each message a provider was due must have
    /// carried its payload.
    async fn emails(&self, sink: &SmtpSink, corpus: &[Payload], table: &[&'static str]) {
        while self.app.deliver_mail().await.claimed > 0 {}
        let mut carried: BTreeSet<(usize, &'static str)> = BTreeSet::new();
        for message in sink.received() {
            for to in &message.to {
                assert!(
                    to.ends_with(".example.la") || to.ends_with("@example.la"),
                    "a message went to {to}"
                );
            }
            let parsed = mail_parser::MessageParser::default()
                .parse(message.data.as_slice())
                .expect("MIME");
            let subjects = parsed
                .headers()
                .iter()
                .filter(|h| h.name.as_str().eq_ignore_ascii_case("subject"))
                .count();
            assert_eq!(subjects, 1, "one subject");
            assert!(
                parsed
                    .headers()
                    .iter()
                    .all(|h| !h.name.as_str().eq_ignore_ascii_case("bcc")),
                "no Bcc header"
            );
            let (html, text) = (message.html(), message.text());
            let found: BTreeSet<(usize, usize)> = markers_in(&html)
                .into_iter()
                .chain(markers_in(&text))
                .collect();
            let expects: Vec<Expect> = found
                .into_iter()
                .map(|(p, f)| Expect::new(p, table[f], corpus[p].text(f)))
                .collect();
            carried.extend(expects.iter().map(|e| (e.payload, e.field)));
            let kind: String = message
                .subject()
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .collect();
            self.inspector
                .email(&format!("e-mail: {kind}"), &html, &text, &expects);
        }
        for p in corpus.iter().filter(|p| !p.refused()) {
            for field in [
                "user name",
                "rfi questions",
                "decision conditions",
                "decision reasons",
                "show-cause notice",
                "suspension reason",
                "reinstatement reason",
                "case reason",
            ] {
                assert!(
                    carried.contains(&(p.index, field)),
                    "no e-mail carried payload {} ({}) through {field}",
                    p.index,
                    p.name
                );
            }
            let name = if p.index % 2 == 1 {
                "organisation name_lo"
            } else {
                "organisation name_en"
            };
            assert!(
                carried.contains(&(p.index, name)),
                "no e-mail carried payload {} through {name}",
                p.index
            );
        }
    }
}

#[tokio::test]
async fn xss_payloads_through_the_application_workflow_are_inert_in_every_output() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(&[
        ("SMTP_URL", url.as_str()),
        ("SECRETARIAT_EMAIL", SECRETARIAT),
        ("SECRETARIAT_LANGUAGE", "en"),
        ("API_TOKENS_PER_MINUTE", "1000"),
    ])
    .await;
    let world = World::new(app).await;
    let table = field_table();
    let corpus = payloads();
    // A few journeys at a time: each waits on the server most of the time.
    futures_util::stream::iter(&corpus)
        .for_each_concurrent(4, |p| world.journey(*p, &table))
        .await;
    world.shared_outputs(&corpus, &table).await;
    world.emails(&sink, &corpus, &table).await;
    println!(
        "{}",
        world
            .inspector
            .report("XSS through the application workflow")
    );
}
