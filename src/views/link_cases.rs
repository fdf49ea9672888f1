//! The pages of show-cause cases about links: the committee's list of cases under way,
//! and a case's page (the notice, each stage reached, the files, the evidence, and the
//! forms the reader may use) for staff and for the organisation the case is against.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;

use crate::domain::routing::link_case::LinkCaseAllowed;
use crate::domain::validation::FieldErrors;
use crate::views::Refusal;
use crate::views::findings::kind_label;
use crate::web::PageCtx;
use crate::workflows::link_cases::{CaseRow, LinkCaseDetail, finding_path, reference};

/// The translated label of a case's stage.
pub fn stage_label(ctx: &PageCtx, stage: &str) -> String {
    ctx.t(&format!("case-link-stage-{}", stage.replace('_', "-")))
}

/// A case as a row of a list.
#[derive(Debug, Clone)]
pub struct CaseRowView {
    pub id: String,
    pub reference: String,
    pub organisation: String,
    pub stage: String,
    pub stage_label: String,
    pub opened: String,
    /// The date the provider must act by next, if the stage has one.
    pub deadline: String,
}

impl CaseRowView {
    pub fn new(ctx: &PageCtx, row: &CaseRow) -> Self {
        let case = &row.case;
        let deadline = match case.stage.as_str() {
            "notice" if case.answered_at.is_none() => Some(case.response_deadline),
            "disconnection_ordered" => case.disconnection_deadline,
            _ => None,
        };
        CaseRowView {
            id: case.id.clone(),
            reference: row.reference.clone(),
            organisation: row
                .organisation
                .as_ref()
                .map(|o| ctx.pick(&o.name_lo, &o.name_en).to_string())
                .unwrap_or_default(),
            stage: case.stage.clone(),
            stage_label: stage_label(ctx, &case.stage),
            opened: ctx.local_date(&case.opened_at),
            deadline: deadline.map(|d| ctx.local_time(&d)).unwrap_or_default(),
        }
    }
}

/// `/committee/cases`: the show-cause cases about links still under way.
#[derive(Template, WebTemplate)]
#[template(path = "cases/index.html")]
pub struct LinkCasesPage {
    pub ctx: PageCtx,
    pub rows: Vec<CaseRowView>,
}

/// One stage a case reached, as its page tells it.
#[derive(Debug, Clone)]
pub struct StageView {
    pub title: String,
    pub at: String,
    pub text: String,
    /// A line under the title: a deadline, or that routing still showed the link.
    pub note: String,
}

/// A file of a case, as its page lists it.
#[derive(Debug, Clone)]
pub struct CaseFileView {
    pub url: String,
    pub purpose: String,
    pub file_name: String,
    pub sha256: String,
}

/// A case's page.
#[derive(Template, WebTemplate)]
#[template(path = "cases/show.html")]
pub struct LinkCasePage {
    pub ctx: PageCtx,
    pub committee: bool,
    pub id: String,
    pub reference: String,
    pub organisation: String,
    pub kind_label: String,
    pub stage: String,
    pub stage_label: String,
    /// The finding's page, for staff.
    pub finding_url: Option<String>,
    /// The revoked connection's number and page, when there is one.
    pub connection: Option<(String, String)>,
    pub stages: Vec<StageView>,
    pub files: Vec<CaseFileView>,
    pub still_seen: bool,
    pub allowed: LinkCaseAllowed,
    /// Where the signed evidence bundle is downloaded.
    pub evidence_url: String,
    pub max_file_mb: String,
    pub errors: FieldErrors,
    pub form: BTreeMap<String, String>,
    pub refusal: Option<Refusal>,
}

impl LinkCasePage {
    pub fn new(
        ctx: PageCtx,
        detail: &LinkCaseDetail,
        committee: bool,
        (errors, form, refusal): (FieldErrors, BTreeMap<String, String>, Option<Refusal>),
        max_file_bytes: usize,
    ) -> Self {
        let case = &detail.case;
        let base = format!(
            "{}/cases/{}",
            if committee { "/committee" } else { "" },
            case.id
        );
        let mut stages = vec![StageView {
            title: ctx.t("case-link-opened"),
            at: ctx.local_time(&case.opened_at),
            text: case.notice.clone(),
            note: ctx.t1(
                "case-link-answer-by",
                "deadline",
                &ctx.local_time(&case.response_deadline),
            ),
        }];
        if let (Some(at), Some(text)) = (case.answered_at, &case.answer) {
            stages.push(StageView {
                title: ctx.t("case-link-answered"),
                at: ctx.local_time(&at),
                text: text.clone(),
                note: String::new(),
            });
        }
        if let (Some(at), Some(text)) = (case.decided_at, &case.decision) {
            let (title, note) = match case.disconnection_deadline {
                Some(by) => (
                    ctx.t("case-link-ordered"),
                    ctx.t1("case-link-disconnect-by", "deadline", &ctx.local_time(&by)),
                ),
                None => (ctx.t("case-link-dismissed"), String::new()),
            };
            stages.push(StageView {
                title,
                at: ctx.local_time(&at),
                text: text.clone(),
                note,
            });
        }
        if let (Some(at), Some(text)) = (case.confirmed_at, &case.confirmation) {
            stages.push(StageView {
                title: ctx.t("case-link-confirmed"),
                at: ctx.local_time(&at),
                text: text.clone(),
                note: String::new(),
            });
        }
        if let Some(at) = case.verified_at {
            stages.push(StageView {
                title: ctx.t("case-link-verified"),
                at: ctx.local_time(&at),
                note: if case.still_seen_reason.is_some() {
                    ctx.t("case-link-verified-still-seen")
                } else {
                    String::new()
                },
                text: case.still_seen_reason.clone().unwrap_or_default(),
            });
        }
        let (row, _, _) = &detail.finding;
        LinkCasePage {
            committee,
            id: case.id.clone(),
            reference: reference(&detail.finding),
            organisation: detail
                .organisation
                .as_ref()
                .map(|o| ctx.pick(&o.name_lo, &o.name_en).to_string())
                .unwrap_or_default(),
            kind_label: kind_label(&ctx, &row.kind),
            stage: case.stage.clone(),
            stage_label: stage_label(&ctx, &case.stage),
            finding_url: committee.then(|| finding_path(case)),
            connection: detail.connection.as_ref().map(|c| {
                (
                    c.approval_number.clone(),
                    if committee {
                        format!("/committee/connections/{}", c.id)
                    } else {
                        format!("/connections/{}", c.id)
                    },
                )
            }),
            stages,
            files: detail
                .files
                .iter()
                .map(|f| CaseFileView {
                    url: format!("{base}/files/{}", f.id),
                    purpose: ctx.t(&format!("case-link-file-{}", f.purpose.replace('_', "-"))),
                    file_name: f.file_name.clone(),
                    sha256: f.sha256.clone(),
                })
                .collect(),
            still_seen: detail.still_seen,
            allowed: detail.allowed,
            evidence_url: format!("{base}/evidence"),
            max_file_mb: format!("{:.1}", max_file_bytes as f64 / 1_048_576.0),
            errors,
            form,
            refusal,
            ctx,
        }
    }

    /// What was typed into `field` before the page was shown again.
    pub fn typed(&self, field: &str) -> &str {
        self.form.get(field).map(String::as_str).unwrap_or("")
    }
}
