//! The connection pages of a provider and of the committee: the provider's own
//! connections, the committee's list of those to act on and its view of the whole
//! registry, and a connection's page with its history, show-cause cases, files and the
//! action forms its reader may use now (shown again with what was typed when refused).

use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;

use super::registry::{EventRow, PublicRow, RegistryLabels, country_name, status_words};
use super::{PageCtx, Pager};
use crate::db::models::connection::{Connection, ConnectionFile, ShowCause};
use crate::domain::connection::{ConnectionAllowed, ConnectionStatus};
use crate::workflows::registry::RegistryQuery;

/// Every connection for the committee: the registry's filters and pages, each row leading
/// to the connection's committee page.
#[derive(Template, WebTemplate)]
#[template(path = "connections/all.html")]
pub struct CommitteeRegistryPage {
    pub ctx: PageCtx,
    /// The connection's id (for its committee page) and its row.
    pub rows: Vec<(String, PublicRow)>,
    pub query: RegistryQuery,
    pub pager: Pager,
    pub labels: &'static RegistryLabels,
}

/// A connection as its provider or the committee sees it.
#[derive(Debug, Clone)]
pub struct ConnectionRow {
    pub id: String,
    /// The provider's name, in the committee's list (empty in the provider's own).
    pub provider: String,
    pub approval_number: String,
    pub connection_type: String,
    pub counterparty: String,
    pub status: &'static str,
    pub status_label: String,
    pub valid_until: String,
    pub expires_soon: bool,
    pub deadline: String,
}

impl ConnectionRow {
    pub fn new(
        ctx: &PageCtx,
        c: &Connection,
        open_case: Option<&ShowCause>,
        now: NaiveDateTime,
    ) -> Self {
        let status = c.status;
        let today = now.date();
        let deadline = open_case.map(|case| case.response_deadline).or(c
            .disconnection_deadline
            .filter(|_| c.disconnection_confirmed_at.is_none()));
        Self {
            id: c.id.clone(),
            provider: String::new(),
            approval_number: c.approval_number.clone(),
            connection_type: ctx.t(&format!("conn-type-{}", c.connection_type)),
            counterparty: format!(
                "{} — {}",
                c.counterparty_name,
                country_name(ctx, &c.counterparty_country)
            ),
            status: status.as_str(),
            status_label: status_words(
                ctx,
                status,
                c.valid_from,
                crate::domain::clock::date_in_vientiane(&now),
            ),
            valid_until: ctx.date(c.valid_until),
            expires_soon: status == ConnectionStatus::Active
                && (c.valid_until - today).num_days() <= 90,
            deadline: deadline.map(|d| ctx.local_time(&d)).unwrap_or_default(),
        }
    }
}

impl ConnectionRow {
    /// The rows of `connections`, each with its open show-cause case among `cases`.
    pub fn list(
        ctx: &PageCtx,
        connections: &[Connection],
        cases: &[ShowCause],
        now: NaiveDateTime,
    ) -> Vec<ConnectionRow> {
        connections
            .iter()
            .map(|c| {
                ConnectionRow::new(
                    ctx,
                    c,
                    cases.iter().find(|case| case.connection_id == c.id),
                    now,
                )
            })
            .collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "connections/list.html")]
pub struct ConnectionsPage {
    pub ctx: PageCtx,
    pub title: String,
    pub rows: Vec<ConnectionRow>,
    pub committee: bool,
    /// The committee's list is paged and filtered; the provider's own is neither.
    pub pager: Option<Pager>,
    pub needs: Vec<(&'static str, String)>,
    pub query: ToActOnQuery,
}

/// The filter of the committee's connections to act on, and its cursors.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ToActOnQuery {
    /// Empty (any reason), `deadline`, `suspended`, `expiring` or `unverified`.
    pub need: String,
    pub after: String,
    pub before: String,
}

impl ToActOnQuery {
    /// The query string of the filter (without the cursors), for the pages' links.
    pub fn filters(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if !self.need.is_empty() {
            out.append_pair("need", &self.need);
        }
        out.finish()
    }
}

/// The reasons a connection is to act on, as (value, label), for the filter.
pub fn to_act_on_needs(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    [
        ("", "registry-any"),
        ("deadline", "to-act-on-deadline"),
        ("suspended", "conn-status-suspended"),
        ("expiring", "connection-expires-soon"),
        ("unverified", "to-act-on-unverified"),
    ]
    .into_iter()
    .map(|(value, key)| (value, ctx.t(key)))
    .collect()
}

/// A show-cause case for display.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub notice: String,
    pub opened: String,
    pub deadline: String,
    pub answer: Option<String>,
    pub outcome: String,
    /// Open, unanswered and past its deadline: no answer is taken any more.
    pub answers_closed: Option<String>,
}

impl CaseView {
    pub fn new(ctx: &PageCtx, c: &ShowCause, now: NaiveDateTime) -> Self {
        let deadline = ctx.local_time(&c.response_deadline);
        Self {
            answers_closed: (c.outcome.is_none()
                && c.answered_at.is_none()
                && now > c.response_deadline)
                .then(|| ctx.t1("error-show-cause-late", "deadline", &deadline)),
            notice: c.notice.clone(),
            opened: ctx.local_time(&c.opened_at),
            deadline,
            answer: c.answer.clone(),
            outcome: c
                .outcome
                .as_deref()
                .map(|o| ctx.t(&format!("case-result-{o}")))
                .unwrap_or_default(),
        }
    }
}

/// A file of a connection's proceedings, for display.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub url: String,
    pub purpose: String,
    pub file_name: String,
    pub sha256: String,
    pub uploaded: String,
}

impl FileRow {
    pub fn new(ctx: &PageCtx, f: &ConnectionFile) -> Self {
        Self {
            url: format!("/connections/{}/files/{}", f.connection_id, f.id),
            purpose: ctx.t(&format!("file-purpose-{}", f.purpose.replace('_', "-"))),
            file_name: f.file_name.clone(),
            sha256: f.sha256.clone(),
            uploaded: ctx.local_time(&f.uploaded_at),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "connections/show.html")]
pub struct ConnectionPage {
    pub ctx: PageCtx,
    pub row: ConnectionRow,
    /// The provider's legal name, in the page's language.
    pub provider: String,
    pub conditions: String,
    pub valid_from: String,
    pub capacity: i64,
    pub history: Vec<EventRow>,
    pub cases: Vec<CaseView>,
    pub files: Vec<FileRow>,
    pub disconnection_deadline: String,
    pub disconnection_confirmed: bool,
    /// What the provider wrote when confirming the disconnection.
    pub disconnection_evidence: String,
    pub disconnection_verified: bool,
    /// A signed certificate exists to print.
    pub has_certificate: bool,
    /// The reader's page of the application whose approval set the current terms.
    pub application_url: String,
    /// Which forms to show: the provider's or the committee's, by role and state.
    pub committee: bool,
    /// Why the chair cannot revoke yet (the provider may still answer); closing the case
    /// stays possible.
    pub revoke_waits: Option<String>,
    /// What the reader may do on the connection now, by the rules the workflows enforce.
    pub allowed: ConnectionAllowed,
    /// Why an action sent from this page was refused, with what was typed.
    pub refusal: Option<super::Refusal>,
    pub errors: crate::domain::validation::FieldErrors,
    pub form: std::collections::BTreeMap<String, String>,
}

impl ConnectionPage {
    /// The action forms this user may use now: (path segment, title key).
    pub fn forms(&self) -> Vec<(&'static str, &'static str)> {
        [
            ("answer", "action-answer-case", self.allowed.answer),
            (
                "disconnected",
                "action-confirm-disconnection",
                self.allowed.confirm,
            ),
            ("suspend", "action-suspend", self.allowed.suspend),
            ("reinstate", "action-reinstate", self.allowed.reinstate),
            ("show-cause", "action-show-cause", self.allowed.show_cause),
            ("decide", "action-decide-case", self.allowed.decide_case),
            ("verify", "action-verify-disconnection", self.allowed.verify),
        ]
        .into_iter()
        .filter(|(_, _, shown)| *shown)
        .map(|(form, key, _)| (form, key))
        .collect()
    }

    pub fn value(&self, field: &str) -> String {
        self.form.get(field).cloned().unwrap_or_default()
    }

    pub fn error(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(|k| self.ctx.t(k))
    }
}
