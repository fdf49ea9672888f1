//! Application pages for providers and for the committee: lists, the form, the detail
//! views. What each template needs is prepared here, translated, so templates only loop.

use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;

use super::{Errors, PageCtx, Pager};
use crate::db::audit::AuditEvent;
use crate::db::models::application::{Application, ApplicationRow, Revision};
use crate::db::models::attachment::AttachmentInfo;
use crate::db::models::committee::{Assignment, Recusal, Vote};
use crate::db::models::information_request::InformationRequest;
use crate::domain::application::{Status, file_removable};
use crate::domain::application_form::{
    ApplicationContent, CONNECTION_TYPES, Kind, LONG_FIELDS, PROVINCES, VOICE_FIELDS,
};
use crate::domain::audit::actions;
use crate::domain::committee::{Choice, Recommendation, Tally};
use crate::domain::country::COUNTRIES;
use crate::domain::role::ReviewDomain;

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
        let content: ApplicationContent = serde_json::from_str(&app.content).unwrap_or_default();
        let status = Status::parse(&app.status).unwrap_or(Status::Draft);
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
            kind: Kind::parse(&app.kind)
                .map(|k| ctx.t(k.label_key()))
                .unwrap_or_default(),
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

/// An application's kind (a stored kind is always known; `new` otherwise).
pub fn kind_of(app: &Application) -> Kind {
    Kind::parse(&app.kind).unwrap_or(Kind::New)
}

/// Past its decision date while the committee's clock runs.
pub fn is_overdue(app: &Application, now: NaiveDateTime) -> bool {
    let running = Status::parse(&app.status).is_some_and(Status::clock_runs);
    running && app.decision_due_at.is_some_and(|due| due < now)
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
fn version_of(a: &AttachmentInfo, revisions: &[Revision]) -> Option<i32> {
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
pub const PUBLIC_ACTIONS: [&str; 11] = [
    actions::APPLICATION_CREATE,
    actions::APPLICATION_SUBMIT,
    actions::APPLICATION_START_SCREENING,
    actions::APPLICATION_REQUEST_INFO,
    actions::APPLICATION_RESUBMIT,
    actions::APPLICATION_MARK_COMPLETE,
    actions::APPLICATION_OPEN_VOTE,
    actions::APPLICATION_APPROVE,
    actions::APPLICATION_REJECT,
    actions::APPLICATION_WITHDRAW,
    actions::APPLICATION_DISMISS,
];

pub fn timeline(ctx: &PageCtx, events: &[AuditEvent], public_only: bool) -> Vec<TimelineEntry> {
    events
        .iter()
        .filter(|e| !public_only || PUBLIC_ACTIONS.contains(&e.action.as_str()))
        .filter(|e| e.action != actions::APPLICATION_SAVE)
        .map(|e| TimelineEntry {
            when: ctx.local_time(&e.occurred_at),
            what: ctx.t(&format!("event-{}", e.action.replace(['.', '_'], "-"))),
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
            approved: app.status == "approved",
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

/// One field's change between two submitted versions.
#[derive(Debug, Clone)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A submitted version and what changed since the one before.
#[derive(Debug, Clone)]
pub struct RevisionView {
    pub number: i32,
    pub submitted: String,
    pub changes: Vec<Change>,
    /// The names of the files added with this version.
    pub files: Vec<String>,
}

pub fn revision_views(
    ctx: &PageCtx,
    revisions: &[Revision],
    attachments: &[AttachmentInfo],
) -> Vec<RevisionView> {
    let mut previous: Option<ApplicationContent> = None;
    let mut views = Vec::new();
    for r in revisions {
        let content: ApplicationContent = serde_json::from_str(&r.snapshot).unwrap_or_default();
        let changes = previous
            .as_ref()
            .map(|before| {
                content
                    .changes_from(before)
                    .into_iter()
                    .map(|(field, before, after)| Change {
                        before: display_value(ctx, &field, &before),
                        after: display_value(ctx, &field, &after),
                        field: ctx.t(&format!("app-field-{field}")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        views.push(RevisionView {
            number: r.number,
            submitted: ctx.local_time(&r.submitted_at),
            changes,
            files: attachments
                .iter()
                .filter(|a| version_of(a, revisions) == Some(r.number))
                .map(|a| a.file_name.clone())
                .collect(),
        });
        previous = Some(content);
    }
    views
}

/// A review as the committee sees it.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub id: String,
    pub reviewer_id: String,
    pub reviewer: String,
    pub domain: String,
    pub recommendation: Option<String>,
    pub recused: bool,
    /// Withdrawn by the secretariat after the reviewer left the committee.
    pub withdrawn: bool,
    pub comments: String,
    pub conditions: String,
    pub done: bool,
    /// Open, and its reviewer is no longer an active committee member.
    pub reviewer_left: bool,
    /// Kept from a reviewer who has not yet recorded their own review.
    pub hidden: bool,
}

impl ReviewView {
    pub fn new(ctx: &PageCtx, a: &Assignment, reviewer: &str) -> Self {
        Self {
            id: a.id.clone(),
            reviewer_id: a.reviewer_id.clone(),
            reviewer: reviewer.to_string(),
            domain: ReviewDomain::parse(&a.domain)
                .map(|d| ctx.t(d.label_key()))
                .unwrap_or_default(),
            recommendation: a
                .recommendation
                .as_deref()
                .and_then(Recommendation::parse)
                .map(|r| ctx.t(r.label_key())),
            recused: a.recommendation.as_deref() == Some("recused"),
            withdrawn: a.recommendation.as_deref() == Some("withdrawn"),
            comments: a.comments.clone(),
            conditions: a.conditions.clone(),
            done: a.completed_at.is_some(),
            reviewer_left: false,
            hidden: false,
        }
    }

    /// The review without its recommendation, comments and conditions.
    pub fn hidden(self) -> Self {
        Self {
            recommendation: None,
            comments: String::new(),
            conditions: String::new(),
            hidden: true,
            ..self
        }
    }
}

/// A vote as the committee sees it.
#[derive(Debug, Clone)]
pub struct VoteView {
    pub voter: String,
    pub choice: String,
    pub reason: String,
    /// The voter was an eligible member when it was cast.
    pub counted: bool,
}

impl VoteView {
    pub fn new(ctx: &PageCtx, v: &Vote, voter: &str) -> Self {
        Self {
            voter: voter.to_string(),
            choice: Choice::parse(&v.choice)
                .map(|c| ctx.t(c.label_key()))
                .unwrap_or_default(),
            reason: v.reason.clone(),
            counted: v.voter_eligible,
        }
    }
}

/// The audit actions that can change who is on the committee.
pub const MEMBERSHIP_ACTIONS: [&str; 3] = [
    actions::USER_UPDATE,
    actions::USER_DEACTIVATE,
    actions::USER_REACTIVATE,
];

/// The changes of committee membership among these user events, dated: a member taken
/// off or put on the committee, a committee member's account deactivated or reactivated.
pub fn membership_changes(ctx: &PageCtx, events: &[AuditEvent]) -> Vec<TimelineEntry> {
    let state = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
    };
    let flag = |state: &serde_json::Value, field: &str| state[field].as_bool().unwrap_or(false);
    events
        .iter()
        .filter_map(|e| {
            let (before, after) = (state(&e.before_state)?, state(&e.after_state)?);
            let on_committee = (
                flag(&before, "committee_member"),
                flag(&after, "committee_member"),
            );
            let key = match on_committee {
                (true, false) => "membership-left",
                (false, true) => "membership-joined",
                (false, false) => return None,
                (true, true) => match (flag(&before, "active"), flag(&after, "active")) {
                    (true, false) => "membership-deactivated",
                    (false, true) => "membership-reactivated",
                    _ => return None,
                },
            };
            Some(TimelineEntry {
                when: ctx.local_time(&e.occurred_at),
                what: ctx.t1(key, "member", after["name"].as_str().unwrap_or_default()),
                who: ctx.audit_actor(e),
            })
        })
        .collect()
}

/// What the committee's action forms show after a failed attempt: the values sent and
/// the problems, for the one form that was sent.
#[derive(Debug, Clone, Default)]
pub struct ActionForms {
    pub form: &'static str,
    pub values: std::collections::BTreeMap<String, String>,
    pub errors: Errors,
    /// Why the action was refused, when the application's state had changed.
    pub refusal: Option<super::Refusal>,
}

impl ActionForms {
    pub fn value(&self, form: &str, field: &str) -> String {
        if self.form == form {
            self.values.get(field).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    pub fn error(&self, ctx: &PageCtx, form: &str, field: &str) -> Option<String> {
        (self.form == form)
            .then(|| ctx.problem(&self.errors, field))
            .flatten()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee/show.html")]
pub struct CommitteeApplicationPage {
    pub ctx: PageCtx,
    pub summary: ApplicationSummary,
    pub sections: Vec<(String, Vec<(String, String)>)>,
    pub attachments: Vec<AttachmentRow>,
    pub requests: Vec<RequestView>,
    pub revisions: Vec<RevisionView>,
    pub reviews: Vec<ReviewView>,
    pub recusals: Vec<(String, String)>,
    pub votes: Vec<VoteView>,
    /// Changes of committee membership while the case was before the committee.
    pub membership: Vec<TimelineEntry>,
    pub tally: String,
    /// The decisions the chair may sign as the vote stands: the one it reached, or both
    /// when it is tied (the chair's casting vote), each with only the fields it needs.
    pub outcomes: &'static [&'static str],
    /// The reviewers' proposed conditions, the starting text of the chair's conditions.
    pub proposed_conditions: String,
    pub decision: Option<DecisionView>,
    pub timeline: Vec<TimelineEntry>,
    /// Forms this user may use now.
    pub can_screen: bool,
    pub can_request_info: bool,
    pub can_assign: bool,
    pub can_open_vote: bool,
    /// Why the vote cannot open yet: its button is shown disabled with this reason.
    pub vote_waits: Option<String>,
    pub can_withdraw_reviews: bool,
    pub my_review: Option<ReviewView>,
    pub can_recuse: bool,
    pub can_vote: bool,
    pub can_decide: bool,
    pub reviewers: Vec<(String, String)>,
    pub domains: Vec<(&'static str, String)>,
    pub recommendations: Vec<(&'static str, String)>,
    pub choices: Vec<(&'static str, String)>,
    pub rfi_days: i64,
    pub forms: ActionForms,
}

impl CommitteeApplicationPage {
    pub fn value(&self, form: &str, field: &str) -> String {
        self.forms.value(form, field)
    }

    pub fn error(&self, form: &str, field: &str) -> Option<String> {
        self.forms.error(&self.ctx, form, field)
    }

    /// Whether this user has a form to use on the case now.
    pub fn has_actions(&self) -> bool {
        self.can_screen
            || self.can_request_info
            || self.can_assign
            || self.can_open_vote
            || self.my_review.is_some()
            || self.can_vote
            || self.can_decide
            || self.can_recuse
    }

    /// Whether the refused decision form was the one for `outcome`: with a tied vote, the
    /// casting vote sent says which; a casting vote of neither concerns both.
    fn decide_sent(&self, outcome: &str) -> bool {
        let casting_vote = self.value("decide", "casting_vote");
        self.forms.form == "decide"
            && (self.outcomes.len() == 1
                || casting_vote == outcome
                || !self.outcomes.contains(&casting_vote.as_str()))
    }

    /// A field of the decision form for `outcome`: as sent, or the starting text.
    pub fn decide_value(&self, outcome: &str, field: &str) -> String {
        if self.decide_sent(outcome) {
            self.value("decide", field)
        } else if field == "conditions" {
            self.proposed_conditions.clone()
        } else {
            String::new()
        }
    }

    /// Whether the decision form for `outcome` asks for `field`: conditions and validity
    /// for an approval, reasons for a rejection, the legal basis for both.
    pub fn decide_shows(&self, outcome: &str, field: &str) -> bool {
        match field {
            "conditions" | "validity_months" => outcome == "approve",
            "reasons" => outcome == "reject",
            _ => true,
        }
    }

    pub fn decide_error(&self, outcome: &str, field: &str) -> Option<String> {
        self.decide_sent(outcome)
            .then(|| self.error("decide", field))
            .flatten()
    }
}

/// The tally in words.
pub fn describe_tally(ctx: &PageCtx, eligible: usize, votes: usize, tally: Tally) -> String {
    let counts = ctx.t2(
        "tally-counts",
        ("votes", &votes.to_string()),
        ("eligible", &eligible.to_string()),
    );
    let state = match tally {
        Tally::NoQuorum { needed, .. } => ctx.t1("tally-no-quorum", "needed", &needed.to_string()),
        Tally::Approved => ctx.t("tally-approved"),
        Tally::Rejected => ctx.t("tally-rejected"),
        Tally::Tie => ctx.t("tally-tie"),
    };
    format!("{counts} {state}")
}

/// A section of the committee's inbox.
#[derive(Debug, Clone)]
pub struct InboxSection {
    pub title: String,
    pub empty: String,
    pub rows: Vec<ApplicationSummary>,
}

#[derive(Template, WebTemplate)]
#[template(path = "committee/inbox.html")]
pub struct InboxPage {
    pub ctx: PageCtx,
    /// The member's own reviews and votes.
    pub sections: Vec<InboxSection>,
    /// How many applications are past their decision date.
    pub overdue: i64,
    /// A page of the list of applications.
    pub rows: Vec<ApplicationSummary>,
    pub query: InboxQuery,
    pub statuses: Vec<(&'static str, String)>,
    pub pager: Pager,
}

/// The filters of the committee's list of applications, as typed, and its cursors.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct InboxQuery {
    /// Part of a reference or of a provider's name.
    pub q: String,
    /// Empty (the open ones), `overdue`, `decided`, `all`, or one state.
    pub status: String,
    pub after: String,
    pub before: String,
}

impl InboxQuery {
    /// The query string of the filters (without the cursors), for the pages' links.
    pub fn filters(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [("q", &self.q), ("status", &self.status)] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        out.finish()
    }
}

/// The choices of the inbox's status filter, as (value, label): the open ones (the
/// default), the overdue ones, each state after submission, the decided ones, all.
pub fn inbox_statuses(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    let mut choices = vec![
        ("", ctx.t("inbox-status-open")),
        ("overdue", ctx.t("inbox-overdue")),
    ];
    choices.extend(
        Status::ALL
            .into_iter()
            .filter(|s| *s != Status::Draft)
            .map(|s| (s.as_str(), ctx.t(s.label_key()))),
    );
    choices.push(("decided", ctx.t("inbox-status-decided")));
    choices.push(("all", ctx.t("inbox-status-all")));
    choices
}

/// Labels for select inputs in the committee's forms.
pub fn domains(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    ReviewDomain::ALL
        .iter()
        .map(|d| (d.as_str(), ctx.t(d.label_key())))
        .collect()
}

pub fn recommendations(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    Recommendation::ALL
        .iter()
        .map(|r| (r.as_str(), ctx.t(r.label_key())))
        .collect()
}

pub fn choices(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    Choice::ALL
        .iter()
        .map(|c| (c.as_str(), ctx.t(c.label_key())))
        .collect()
}

/// Recusals for display: (member, reason).
pub fn recusal_rows(recusals: &[(Recusal, String)]) -> Vec<(String, String)> {
    recusals
        .iter()
        .map(|(r, name)| (name.clone(), r.reason.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application_form::FIELDS;
    use crate::domain::language::Lang;
    use crate::workflows::applications::ATTACHMENT_KINDS;

    /// Every audit action about an application, for the history's labels.
    const ACTIONS: [&str; 18] = [
        actions::APPLICATION_CREATE,
        actions::APPLICATION_SUBMIT,
        actions::APPLICATION_START_SCREENING,
        actions::APPLICATION_REQUEST_INFO,
        actions::APPLICATION_RESUBMIT,
        actions::APPLICATION_MARK_COMPLETE,
        actions::APPLICATION_OPEN_VOTE,
        actions::APPLICATION_APPROVE,
        actions::APPLICATION_REJECT,
        actions::APPLICATION_WITHDRAW,
        actions::APPLICATION_DISMISS,
        actions::APPLICATION_ATTACH,
        actions::APPLICATION_DETACH,
        actions::REVIEW_ASSIGN,
        actions::REVIEW_RECORD,
        actions::REVIEW_RECUSE,
        actions::REVIEW_WITHDRAW,
        actions::VOTE_CAST,
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
        keys.extend(
            ACTIONS
                .iter()
                .map(|a| format!("event-{}", a.replace(['.', '_'], "-"))),
        );
        keys.extend(Status::ALL.iter().map(|s| s.label_key().to_string()));
        keys.extend(Kind::ALL.iter().map(|k| k.label_key().to_string()));
        keys.extend(SECTIONS.iter().map(|(title, _)| title.to_string()));
        keys.extend(
            crate::workflows::connections::FILE_PURPOSES
                .iter()
                .map(|p| format!("file-purpose-{}", p.replace('_', "-"))),
        );
        keys.extend(
            crate::views::registry::PUBLIC_EVENTS
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
