//! A provider's application pages: the list, the form, the detail page, and the pieces
//! the committee's pages share with them (summary, files, questions, decision, history).
//! What each template needs is prepared here, translated, so templates only loop.

use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;

use super::{Errors, PageCtx};
use crate::db::audit::AuditEvent;
use crate::db::models::application::{Application, ApplicationRow, Revision};
use crate::db::models::attachment::AttachmentInfo;
use crate::db::models::information_request::InformationRequest;
use crate::domain::application::{Status, file_removable};
use crate::domain::application_form::{
    ApplicationContent, CONNECTION_TYPES, Kind, LONG_FIELDS, PROVINCES, VOICE_FIELDS,
};
use crate::domain::audit::AuditAction;
use crate::domain::country::COUNTRIES;

/// The form's sections and the fields in each, in order.
pub const SECTIONS: [(&str, &[&str]); 7] = [
    (
        "section-contacts",
        &[
            "contact_name",
            "contact_email",
            "contact_phone",
            "local_contact_name",
            "local_contact_email",
            "local_contact_phone",
        ],
    ),
    (
        "section-counterparty",
        &[
            "related_approval_number",
            "connection_type",
            "counterparty_name",
            "counterparty_country",
            "counterparty_asn",
            "counterparty_contact",
        ],
    ),
    (
        "section-endpoint",
        &[
            "endpoint_facility",
            "endpoint_province",
            "endpoint_coordinates",
            "border_crossing",
        ],
    ),
    (
        "section-capacity",
        &[
            "capacity_mbps",
            "redundancy",
            "services_carried",
            "customer_categories",
            "equipment_vendors",
            "records_location",
        ],
    ),
    (
        "section-security",
        &[
            "security_measures",
            "caller_id_integrity",
            "simbox_detection",
            "abuse_contact",
            "foreign_holders",
        ],
    ),
    ("section-term", &["requested_start_date", "term_months"]),
    ("section-declaration", &["declared_by_name"]),
];

/// One input of the application form, ready to render.
#[derive(Debug, Clone)]
pub struct FieldWidget {
    pub name: &'static str,
    pub label: String,
    /// `text`, `email`, `tel`, `date`, `number`, `textarea` or `select`.
    pub input: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub hint: Option<String>,
    pub error: Option<String>,
    /// Asked only of voice interconnects: the page shows it once that type is chosen.
    pub only_voice: bool,
}

fn input_kind(field: &str) -> &'static str {
    match field {
        "contact_email" | "local_contact_email" | "abuse_contact" => "email",
        "contact_phone" | "local_contact_phone" => "tel",
        "requested_start_date" => "date",
        "capacity_mbps" | "term_months" => "number",
        "connection_type" | "counterparty_country" | "endpoint_province" => "select",
        f if LONG_FIELDS.contains(&f) => "textarea",
        _ => "text",
    }
}

fn options(ctx: &PageCtx, field: &str) -> Vec<(String, String)> {
    match field {
        "connection_type" => CONNECTION_TYPES
            .iter()
            .map(|t| (t.to_string(), ctx.t(&format!("conn-type-{t}"))))
            .collect(),
        "counterparty_country" => {
            let mut all: Vec<(String, String)> = COUNTRIES
                .iter()
                .filter(|c| c.code != "LA")
                .map(|c| {
                    (
                        c.code.to_string(),
                        format!("{} ({})", ctx.pick(c.name_lo, c.name_en), c.code),
                    )
                })
                .collect();
            all.sort_by(|a, b| a.1.cmp(&b.1));
            all
        }
        "endpoint_province" => PROVINCES
            .iter()
            .map(|(code, en, lo)| (code.to_string(), ctx.pick(lo, en).to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The human-readable value of a field: the label of a chosen option, or the text.
pub fn display_value(ctx: &PageCtx, field: &str, value: &str) -> String {
    options(ctx, field)
        .into_iter()
        .find(|(v, _)| v == value)
        .map(|(_, label)| label)
        .unwrap_or_else(|| value.to_string())
}

/// The form's sections with the widgets an application of `kind` asks for, filled from
/// `content`, with `errors` beside the fields they concern.
pub fn form_sections(
    ctx: &PageCtx,
    kind: Kind,
    content: &ApplicationContent,
    errors: &Errors,
) -> Vec<(String, Vec<FieldWidget>)> {
    SECTIONS
        .iter()
        .map(|(title, fields)| {
            let widgets = fields
                .iter()
                .filter(|field| kind.asks_for(field))
                .map(|field| {
                    let hint_key = format!("app-hint-{field}");
                    let hint = ctx.t(&hint_key);
                    FieldWidget {
                        name: field,
                        label: ctx.t(&format!("app-field-{field}")),
                        input: input_kind(field),
                        value: content.get(field).to_string(),
                        options: options(ctx, field),
                        hint: (hint != hint_key).then_some(hint),
                        error: ctx.problem(errors, field),
                        only_voice: VOICE_FIELDS.contains(field),
                    }
                })
                .collect();
            (ctx.t(title), widgets)
        })
        .collect()
}

/// The sections with (label, displayed value) pairs of the fields that apply, for reading.
pub fn read_sections(
    ctx: &PageCtx,
    kind: Kind,
    content: &ApplicationContent,
) -> Vec<(String, Vec<(String, String)>)> {
    SECTIONS
        .iter()
        .map(|(title, fields)| {
            let rows = fields
                .iter()
                .filter(|f| content.applies(kind, f))
                .map(|f| {
                    (
                        ctx.t(&format!("app-field-{f}")),
                        display_value(ctx, f, content.get(f)),
                    )
                })
                .collect();
            (ctx.t(title), rows)
        })
        .collect()
}

/// An application as a row of a list.
#[derive(Debug, Clone)]
pub struct ApplicationSummary {
    pub id: String,
    pub reference: String,
    pub organisation: String,
    pub kind: String,
    pub status: &'static str,
    pub status_label: String,
    pub counterparty: String,
    pub due: String,
    pub overdue: bool,
    /// An information request is open: the legal clock stands still.
    pub clock_stopped: bool,
    /// What the page says of the clock while it stands still.
    pub clock_note: String,
    due_at: Option<NaiveDateTime>,
}

impl ApplicationSummary {
    /// While an information request is open the decision's clock stands still: the note
    /// gives the answer-by date and the date the decision would be due were the request
    /// answered now.
    pub fn with_open_request(
        mut self,
        ctx: &PageCtx,
        request: Option<&InformationRequest>,
        now: NaiveDateTime,
    ) -> Self {
        if let (true, Some(request), Some(due)) = (self.clock_stopped, request, self.due_at) {
            let projected = due + (now - request.requested_at).max(chrono::TimeDelta::zero());
            self.clock_note = ctx.t2(
                "app-clock-stopped-until",
                ("deadline", &ctx.local_date(&request.deadline_at)),
                ("date", &ctx.local_date(&projected)),
            );
        }
        self
    }

    pub fn new(ctx: &PageCtx, app: &Application, organisation: String, now: NaiveDateTime) -> Self {
        let content = &app.content;
        let status = app.status;
        let country = content.get("counterparty_country");
        let counterparty = match (content.get("counterparty_name"), country) {
            ("", _) => String::new(),
            (name, "") => name.to_string(),
            (name, code) => format!("{name} — {}", super::registry::country_name(ctx, code)),
        };
        Self {
            id: app.id.clone(),
            reference: app
                .reference
                .clone()
                .unwrap_or_else(|| ctx.t("reference-none")),
            organisation,
            kind: ctx.t(app.kind.label_key()),
            status: status.as_str(),
            status_label: ctx.t(status.label_key()),
            counterparty,
            due: app
                .decision_due_at
                .filter(|_| !status.is_final())
                .map(|d| ctx.local_date(&d))
                .unwrap_or_default(),
            overdue: is_overdue(app, now),
            clock_stopped: status == Status::InfoRequested,
            clock_note: if status == Status::InfoRequested {
                ctx.t("app-clock-stopped")
            } else {
                String::new()
            },
            due_at: app.decision_due_at,
        }
    }

    pub fn from_row(ctx: &PageCtx, row: &ApplicationRow, now: NaiveDateTime) -> Self {
        let (app, name_lo, name_en) = row;
        Self::new(ctx, app, ctx.pick(name_lo, name_en).to_string(), now)
    }
}

/// Past its decision date while the committee's clock runs.
pub fn is_overdue(app: &Application, now: NaiveDateTime) -> bool {
    app.status.clock_runs() && app.decision_due_at.is_some_and(|due| due < now)
}

/// The form that starts a draft of a kind.
#[derive(Debug, serde::Deserialize)]
pub struct NewForm {
    #[serde(default)]
    pub kind: String,
    /// The connection a renewal or modification is for: the draft is filled from it.
    #[serde(default)]
    pub connection: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/list.html")]
pub struct ApplicationsPage {
    pub ctx: PageCtx,
    pub applications: Vec<ApplicationSummary>,
    pub kinds: Vec<(&'static str, String)>,
}

impl ApplicationsPage {
    pub fn kinds(ctx: &PageCtx) -> Vec<(&'static str, String)> {
        Kind::ALL
            .iter()
            .map(|k| (k.as_str(), ctx.t(k.label_key())))
            .collect()
    }
}

/// A file attached to an application, for display.
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: String,
    pub url: String,
    pub kind: String,
    pub file_name: String,
    pub size: String,
    pub sha256: String,
    pub uploaded: String,
    /// The step it came with: the submission, an answer, or not sent yet.
    pub step: String,
    /// The provider may remove it now.
    pub removable: bool,
}

/// The submitted version a file came with: the first submitted after its upload.
pub(super) fn version_of(a: &AttachmentInfo, revisions: &[Revision]) -> Option<i32> {
    revisions
        .iter()
        .find(|r| r.submitted_at >= a.uploaded_at)
        .map(|r| r.number)
}

/// An application's files with their upload times and the step each came with; `status`
/// is the application's, for which files its provider may still remove.
pub fn attachment_rows(
    ctx: &PageCtx,
    attachments: &[AttachmentInfo],
    revisions: &[Revision],
    status: Status,
) -> Vec<AttachmentRow> {
    let last_submitted = revisions.last().map(|r| r.submitted_at);
    attachments
        .iter()
        .map(|a| AttachmentRow {
            id: a.id.clone(),
            url: format!("/applications/{}/attachments/{}", a.application_id, a.id),
            kind: ctx.t(&format!("attachment-{}", a.kind)),
            file_name: a.file_name.clone(),
            size: format!("{:.1} KB", a.size_bytes as f64 / 1024.0),
            sha256: a.sha256.clone(),
            uploaded: ctx.local_time(&a.uploaded_at),
            step: match version_of(a, revisions) {
                Some(1) => ctx.t("attachment-step-submission"),
                Some(n) => ctx.t1("attachment-step-answer", "number", &(n - 1).to_string()),
                None => ctx.t("attachment-step-unsent"),
            },
            removable: file_removable(status, a.uploaded_at, last_submitted),
        })
        .collect()
}

/// The application form's fields, the declaration checkbox and which button was pressed,
/// sent as a plain form (without a file).
#[derive(Debug, serde::Deserialize)]
pub struct ContentForm {
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/form.html")]
pub struct ApplicationFormPage {
    pub ctx: PageCtx,
    pub id: String,
    pub reference: String,
    pub kind: String,
    pub status: &'static str,
    pub sections: Vec<(String, Vec<FieldWidget>)>,
    pub declaration_accepted: bool,
    pub declaration_error: Option<String>,
    pub attachments: Vec<AttachmentRow>,
    pub attachment_errors: Vec<String>,
    pub attachment_kinds: Vec<(&'static str, String)>,
    pub has_errors: bool,
    pub can_submit: bool,
    pub max_upload_mb: usize,
}

/// A line of an application's history.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub when: String,
    pub what: String,
    pub who: String,
}

/// Actions providers may see in the history; the committee's internal steps are left out.
pub const PUBLIC_ACTIONS: [AuditAction; 11] = [
    AuditAction::ApplicationCreate,
    AuditAction::ApplicationSubmit,
    AuditAction::ApplicationStartScreening,
    AuditAction::ApplicationRequestInfo,
    AuditAction::ApplicationResubmit,
    AuditAction::ApplicationMarkComplete,
    AuditAction::ApplicationOpenVote,
    AuditAction::ApplicationApprove,
    AuditAction::ApplicationReject,
    AuditAction::ApplicationWithdraw,
    AuditAction::ApplicationDismiss,
];

/// The translation key of an event in an application's history, e.g. `event-application-submit`.
fn event_key(action: &str) -> String {
    format!("event-{}", action.replace(['.', '_'], "-"))
}

pub fn timeline(ctx: &PageCtx, events: &[AuditEvent], public_only: bool) -> Vec<TimelineEntry> {
    events
        .iter()
        .filter(|e| !public_only || PUBLIC_ACTIONS.iter().any(|&a| e.is(a)))
        .filter(|e| !e.is(AuditAction::ApplicationSave))
        .map(|e| TimelineEntry {
            when: ctx.local_time(&e.occurred_at),
            what: ctx.t(&event_key(&e.action)),
            who: if public_only {
                String::new()
            } else {
                ctx.audit_actor(e)
            },
        })
        .collect()
}

/// An information request as shown to provider and committee.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub questions: String,
    pub asked: String,
    pub deadline: String,
    pub answer: Option<String>,
    pub answered: String,
    pub lapsed: bool,
}

impl RequestView {
    pub fn new(ctx: &PageCtx, r: &InformationRequest) -> Self {
        Self {
            questions: r.questions.clone(),
            asked: ctx.local_time(&r.requested_at),
            deadline: ctx.local_time(&r.deadline_at),
            answer: r.answer.clone(),
            answered: r
                .answered_at
                .map(|t| ctx.local_time(&t))
                .unwrap_or_default(),
            lapsed: r.lapsed_at.is_some(),
        }
    }
}

/// The decision as shown once made.
#[derive(Debug, Clone)]
pub struct DecisionView {
    pub approved: bool,
    pub decided: String,
    pub conditions: String,
    pub validity_months: String,
    pub legal_basis: String,
    pub reasons: String,
    /// The approval number of the connection the approval created or changed.
    pub approval_number: String,
    /// The reader's page of that connection.
    pub connection_url: String,
}

impl DecisionView {
    /// The decision with the connection it led to, linked to the reader's page of it.
    pub fn with_connection(mut self, number: &str, url: String) -> Self {
        self.approval_number = number.to_string();
        self.connection_url = url;
        self
    }

    pub fn of(ctx: &PageCtx, app: &Application) -> Option<Self> {
        let decided = app.decided_at?;
        Some(Self {
            approved: app.status == Status::Approved,
            decided: ctx.local_time(&decided),
            conditions: app.decision_conditions.clone(),
            validity_months: app
                .decision_validity_months
                .map(|m| m.to_string())
                .unwrap_or_default(),
            legal_basis: app.decision_legal_basis.clone(),
            reasons: app.decision_reasons.clone(),
            approval_number: String::new(),
            connection_url: String::new(),
        })
    }
}

/// The answer to an information request, sent from the application's page.
#[derive(Debug, serde::Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    pub answer: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "applications/show.html")]
pub struct ApplicationPage {
    pub ctx: PageCtx,
    pub summary: ApplicationSummary,
    pub sections: Vec<(String, Vec<(String, String)>)>,
    pub attachments: Vec<AttachmentRow>,
    pub requests: Vec<RequestView>,
    pub open_request: bool,
    pub editable: bool,
    pub can_withdraw: bool,
    /// Why a step sent from this page was refused, with what was typed.
    pub refusal: Option<super::Refusal>,
    pub decision: Option<DecisionView>,
    pub timeline: Vec<TimelineEntry>,
    pub answer: String,
    pub errors: Errors,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application_form::{ATTACHMENT_KINDS, FIELDS};
    use crate::domain::language::Lang;

    /// Every audit action about an application, for the history's labels.
    const ACTIONS: [AuditAction; 18] = [
        AuditAction::ApplicationCreate,
        AuditAction::ApplicationSubmit,
        AuditAction::ApplicationStartScreening,
        AuditAction::ApplicationRequestInfo,
        AuditAction::ApplicationResubmit,
        AuditAction::ApplicationMarkComplete,
        AuditAction::ApplicationOpenVote,
        AuditAction::ApplicationApprove,
        AuditAction::ApplicationReject,
        AuditAction::ApplicationWithdraw,
        AuditAction::ApplicationDismiss,
        AuditAction::ApplicationAttach,
        AuditAction::ApplicationDetach,
        AuditAction::ReviewAssign,
        AuditAction::ReviewRecord,
        AuditAction::ReviewRecuse,
        AuditAction::ReviewWithdraw,
        AuditAction::VoteCast,
    ];

    #[test]
    fn every_field_the_form_renders_has_a_hint_in_both_languages() {
        for lang in Lang::ALL {
            for field in SECTIONS.iter().flat_map(|(_, fields)| fields.iter()) {
                let key = format!("app-hint-{field}");
                assert_ne!(crate::i18n::t(lang, &key), key, "{key} missing in {lang:?}");
            }
        }
    }

    #[test]
    fn keys_built_at_run_time_exist_in_both_languages() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(FIELDS.iter().map(|f| format!("app-field-{f}")));
        keys.extend(CONNECTION_TYPES.iter().map(|t| format!("conn-type-{t}")));
        keys.extend(ATTACHMENT_KINDS.iter().map(|k| format!("attachment-{k}")));
        keys.extend(ACTIONS.iter().map(|a| event_key(a.code())));
        keys.extend(Status::ALL.iter().map(|s| s.label_key().to_string()));
        keys.extend(Kind::ALL.iter().map(|k| k.label_key().to_string()));
        keys.extend(SECTIONS.iter().map(|(title, _)| title.to_string()));
        keys.extend(
            crate::domain::connection::FILE_PURPOSES
                .iter()
                .map(|p| format!("file-purpose-{}", p.replace('_', "-"))),
        );
        keys.extend(
            crate::domain::connection::PUBLIC_EVENTS
                .iter()
                .map(|e| format!("conn-event-{}", e.replace('_', "-"))),
        );
        for lang in Lang::ALL {
            for key in &keys {
                assert_ne!(crate::i18n::t(lang, key), *key, "{key} missing in {lang:?}");
            }
        }
    }
}
