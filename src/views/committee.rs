//! The committee's pages: its inbox of applications, the case page of one application
//! with its reviews, votes and action forms, the pieces they are built from, and the
//! secretariat's pages of organisations' identity changes. Like every
//! view, these are translated here so templates only loop.

use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;

use super::applications::{
    ApplicationSummary, AttachmentRow, DecisionView, RequestView, TimelineEntry, attachment_rows,
    display_value, read_sections, timeline, version_of,
};
use super::organisation_changes::{ChangeView, IdentityLine};
use super::{Errors, PageCtx, Pager};
use crate::db::audit::AuditEvent;
use crate::db::models::application::Revision;
use crate::db::models::attachment::AttachmentInfo;
use crate::db::models::committee::{Assignment, Recusal, Vote};
use crate::db::models::organisation::Organisation;
use crate::db::models::organisation_change::{OrganisationChange, OrganisationChangeView};
use crate::domain::application::Status;
use crate::domain::application_form::ApplicationContent;
use crate::domain::committee::{AllowedActions, Choice, Recommendation, Tally};
use crate::domain::role::ReviewDomain;
use crate::workflows::committee::CaseFile;

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
            choice: ctx.t(v.choice.label_key()),
            reason: v.reason.clone(),
            counted: v.voter_eligible,
        }
    }
}

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
    pub allowed: AllowedActions,
    /// Why the vote cannot open yet: its button is shown disabled with this reason.
    pub vote_waits: Option<String>,
    pub my_review: Option<ReviewView>,
    pub reviewers: Vec<(String, String)>,
    pub domains: Vec<(&'static str, String)>,
    pub recommendations: Vec<(&'static str, String)>,
    pub choices: Vec<(&'static str, String)>,
    pub rfi_days: i64,
    pub forms: ActionForms,
}

impl CommitteeApplicationPage {
    /// The page of `file` for its reader at `now`, with the action forms as `forms` left
    /// them; `rfi_days` is the usual time given to answer an information request.
    pub fn new(
        ctx: PageCtx,
        file: CaseFile,
        forms: ActionForms,
        now: NaiveDateTime,
        rfi_days: i64,
    ) -> Self {
        let app = &file.row.0;
        let (eligible, cast, result) = &file.tally;
        let progress = file.progress;
        let vote_waits = (file.allowed.open_vote && !progress.vote_may_open()).then(|| {
            if progress.closed < progress.assigned {
                ctx.t2(
                    "vote-waits-reviews",
                    ("total", &progress.assigned.to_string()),
                    ("done", &progress.closed.to_string()),
                )
            } else {
                ctx.t("vote-waits-recommendation")
            }
        });
        let proposed_conditions = file
            .assignments
            .iter()
            .map(|(a, _)| a.conditions.trim())
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        let outcomes: &[&str] = match result {
            Tally::Approved => &["approve"],
            Tally::Rejected => &["reject"],
            Tally::Tie => &["approve", "reject"],
            Tally::NoQuorum { .. } => &[],
        };
        Self {
            summary: ApplicationSummary::from_row(&ctx, &file.row, now).with_open_request(
                &ctx,
                file.requests
                    .iter()
                    .find(|r| r.answered_at.is_none() && r.lapsed_at.is_none()),
                now,
            ),
            sections: read_sections(&ctx, app.kind, &app.content),
            attachments: attachment_rows(&ctx, &file.attachments, &file.revisions, app.status),
            requests: file
                .requests
                .iter()
                .map(|r| RequestView::new(&ctx, r))
                .collect(),
            revisions: revision_views(&ctx, &file.revisions, &file.attachments),
            reviews: file
                .assignments
                .iter()
                .map(|(a, name)| {
                    let review = ReviewView {
                        reviewer_left: a.completed_at.is_none()
                            && !file.reviewers.iter().any(|m| m.id == a.reviewer_id),
                        ..ReviewView::new(&ctx, a, name)
                    };
                    if file.others_hidden
                        && a.reviewer_id != file.reader
                        && review.recommendation.is_some()
                    {
                        review.hidden()
                    } else {
                        review
                    }
                })
                .collect(),
            recusals: recusal_rows(&file.recusals),
            votes: file
                .votes
                .iter()
                .map(|(v, name, _)| VoteView::new(&ctx, v, name))
                .collect(),
            membership: membership_changes(&ctx, &file.membership),
            tally: describe_tally(&ctx, *eligible, cast.len(), *result),
            outcomes,
            proposed_conditions,
            decision: DecisionView::of(&ctx, app).map(|d| match &file.connection {
                Some(c) => d.with_connection(
                    &c.approval_number,
                    format!("/committee/connections/{}", c.id),
                ),
                None => d,
            }),
            timeline: timeline(&ctx, &file.events, false),
            allowed: file.allowed,
            vote_waits,
            my_review: file
                .my_review
                .as_ref()
                .map(|(a, name)| ReviewView::new(&ctx, a, name)),
            reviewers: file
                .reviewers
                .iter()
                .map(|m| {
                    (
                        m.id.clone(),
                        format!("{} ({})", m.name, domain_labels(&ctx, &m.review_domains)),
                    )
                })
                .collect(),
            domains: domains(&ctx),
            recommendations: recommendations(&ctx),
            choices: choices(&ctx),
            rfi_days,
            forms,
            ctx,
        }
    }

    pub fn value(&self, form: &str, field: &str) -> String {
        self.forms.value(form, field)
    }

    pub fn error(&self, form: &str, field: &str) -> Option<String> {
        self.forms.error(&self.ctx, form, field)
    }

    /// Whether this user has a form to use on the case now.
    pub fn has_actions(&self) -> bool {
        let allowed = &self.allowed;
        allowed.screen
            || allowed.request_info
            || allowed.assign
            || allowed.open_vote
            || self.my_review.is_some()
            || allowed.vote
            || allowed.decide
            || allowed.recuse
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

/// The labels of a member's review domains, as stored (comma-separated), in one line.
fn domain_labels(ctx: &PageCtx, domains: &str) -> String {
    domains
        .split(',')
        .filter_map(ReviewDomain::parse)
        .map(|d| ctx.t(d.label_key()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Recusals for display: (member, reason).
pub fn recusal_rows(recusals: &[(Recusal, String)]) -> Vec<(String, String)> {
    recusals
        .iter()
        .map(|(r, name)| (name.clone(), r.reason.clone()))
        .collect()
}

/// The secretariat's list: requests awaiting a decision, then recent outcomes.
#[derive(Template, WebTemplate)]
#[template(path = "committee/identity_changes.html")]
pub struct IdentityChangesPage {
    pub ctx: PageCtx,
    pub pending: Vec<OrganisationChangeView>,
    pub decided: Vec<OrganisationChangeView>,
}

impl IdentityChangesPage {
    pub fn status_label(&self, change: &OrganisationChange) -> String {
        self.ctx.t(change.status.label_key())
    }
}

/// One request: the approved identity beside the proposed one, the decision forms while it
/// is pending, and the organisation's whole history of changes.
#[derive(Template, WebTemplate)]
#[template(path = "committee/identity_change.html")]
pub struct IdentityChangePage {
    pub ctx: PageCtx,
    pub change: ChangeView,
    pub organisation: Organisation,
    pub proposer: String,
    /// The approved identity now beside the proposed one.
    pub comparison: Vec<IdentityLine>,
    pub history: Vec<ChangeView>,
    /// The refusal's reason as typed, kept when the form comes back with a problem.
    pub reason: String,
    pub errors: Errors,
}

/// The refusal form of an identity change.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RefuseForm {
    pub reason: String,
}
