//! Show-cause cases against an organisation about a link routing shows, opened from a
//! finding (see [`crate::workflows::findings`]): the provider's answer, the chair's
//! decision, the provider's account of the disconnection and the secretariat's
//! verification, each one transaction with its step in the finding's history, its audit
//! event and its notices, allowed by one rule, [`link_case::check_link_case_step`].
//! Staff read every case; a provider only those against its own organisation.

use chrono::{NaiveDateTime, TimeDelta};
use serde_json::json;

use crate::db::models::connection::{self as connection_db, Connection};
use crate::db::models::link_case::{
    self as link_case_db, LinkCase, LinkCaseFile, LinkCaseFileInfo,
};
use crate::db::models::organisation::{self as org_db, Organisation};
use crate::db::models::routing::{self as routing_db, FindingEvent, FindingFull};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::audit::AuditAction;
use crate::domain::file::{StepFile, check_step_files};
use crate::domain::notification::{MessageKind, Params};
use crate::domain::role::Role;
use crate::domain::routing::case::FindingState;
use crate::domain::routing::link_case::{
    self, LinkCaseAllowed, LinkCaseOutcome, LinkCaseRefusal, LinkCaseSide, LinkCaseStage,
    LinkCaseStanding, LinkCaseStep,
};
use crate::domain::rules::WorkflowRules;
use crate::domain::validation::FieldErrors;
use crate::workflows::connections::DISCONNECTION_DAYS;
use crate::workflows::findings::{files_audited, url_id};
use crate::workflows::{Actor, WorkflowError, notify};

/// Everything a case's page shows and what the reader may do on it.
#[derive(Debug)]
pub struct LinkCaseDetail {
    pub case: LinkCase,
    pub stage: LinkCaseStage,
    pub finding: FindingFull,
    pub organisation: Option<Organisation>,
    /// The revoked connection, when the link was to be disconnected already.
    pub connection: Option<Connection>,
    pub files: Vec<LinkCaseFileInfo>,
    pub allowed: LinkCaseAllowed,
    /// Whether the latest routing imports still show the link.
    pub still_seen: bool,
}

/// Which side the actor is on for a case, if they may read it at all: the committee's
/// staff and auditors read every case; a provider only one against its own organisation.
fn side_of(actor: &Actor, case: &LinkCase) -> Result<LinkCaseSide, WorkflowError> {
    match actor.role {
        Some(role @ (Role::Secretariat | Role::Chair | Role::Reviewer | Role::Auditor)) => {
            Ok(LinkCaseSide::Staff(role))
        }
        Some(Role::Applicant | Role::OrgAdmin)
            if actor.organisation_id.as_deref() == Some(case.organisation_id.as_str()) =>
        {
            Ok(LinkCaseSide::Holder)
        }
        _ => Err(WorkflowError::NotFound),
    }
}

fn standing_of(case: &LinkCase) -> Result<LinkCaseStanding, WorkflowError> {
    Ok(LinkCaseStanding {
        stage: LinkCaseStage::parse(&case.stage).ok_or(WorkflowError::NotFound)?,
        answered: case.answered_at.is_some(),
        response_deadline: case.response_deadline,
    })
}

/// The case `id` with its finding, if `actor` may read it; otherwise `NotFound`.
fn readable(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<(LinkCase, LinkCaseSide, FindingFull), WorkflowError> {
    let case = link_case_db::find(conn, id)?.ok_or(WorkflowError::NotFound)?;
    let side = side_of(actor, &case)?;
    let finding =
        routing_db::find_finding(conn, &case.finding_id)?.ok_or(WorkflowError::NotFound)?;
    Ok((case, side, finding))
}

/// The case `id` as `actor` may read it.
pub fn detail(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: NaiveDateTime,
) -> Result<LinkCaseDetail, WorkflowError> {
    let (case, side, finding) = readable(conn, actor, id)?;
    let standing = standing_of(&case)?;
    let organisation = org_db::find(conn, &case.organisation_id)?;
    let connection = match &case.connection_id {
        Some(c) => connection_db::find(conn, c)?,
        None => None,
    };
    Ok(LinkCaseDetail {
        files: link_case_db::list_files(conn, id)?,
        allowed: link_case::allowed_on_link_case(side, &standing, now),
        stage: standing.stage,
        still_seen: finding.0.still_seen,
        case,
        finding,
        organisation,
        connection,
    })
}

/// One file of a case, for a reader who may read the case.
pub fn file(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    file_id: &str,
) -> Result<LinkCaseFile, WorkflowError> {
    readable(conn, actor, id)?;
    link_case_db::find_file(conn, id, file_id)?.ok_or(WorkflowError::NotFound)
}

/// The signed evidence bundle the case was opened on, for a reader who may read it.
pub fn evidence(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<String, WorkflowError> {
    Ok(readable(conn, actor, id)?.0.evidence)
}

/// A case as a list shows it: with its organisation and the pair of networks.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub case: LinkCase,
    pub organisation: Option<Organisation>,
    pub reference: String,
}

fn rows(conn: &mut DbConn, cases: Vec<LinkCase>) -> Result<Vec<CaseRow>, WorkflowError> {
    let mut out = Vec::with_capacity(cases.len());
    for case in cases {
        let reference = routing_db::find_finding(conn, &case.finding_id)?
            .map(|f| reference(&f))
            .unwrap_or_default();
        out.push(CaseRow {
            organisation: org_db::find(conn, &case.organisation_id)?,
            case,
            reference,
        });
    }
    Ok(out)
}

/// The cases against the actor's organisation, newest first, for the provider's list.
pub fn own(conn: &mut DbConn, actor: &Actor) -> Result<Vec<CaseRow>, WorkflowError> {
    let organisation = actor
        .organisation_id
        .as_deref()
        .ok_or(WorkflowError::Forbidden)?;
    let cases = link_case_db::list_for_organisation(conn, organisation)?;
    rows(conn, cases)
}

/// The cases still under way, oldest first.
pub fn under_way(conn: &mut DbConn) -> Result<Vec<CaseRow>, WorkflowError> {
    let cases = link_case_db::list_in_stages(conn, &LinkCaseStage::open_stages())?;
    rows(conn, cases)
}

/// What a person sends with a step on a case.
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    /// The answer, the chair's reasons, the account of the disconnection, or why the
    /// secretariat verifies while routing still shows the link.
    pub text: String,
    /// The chair's decision: `dismiss` or `disconnect`.
    pub outcome: String,
    /// Days the provider has to disconnect (15 when empty).
    pub days: String,
    /// Files sent with it: (name as sent, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// A file was sent over the size limit (and not read).
    pub file_too_large: bool,
}

/// The steps a case's forms take, by the last segment of their address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseForm {
    Answer,
    Decide,
    Confirm,
    Verify,
}

impl CaseForm {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "answer" => CaseForm::Answer,
            "decide" => CaseForm::Decide,
            "confirm" => CaseForm::Confirm,
            "verify" => CaseForm::Verify,
            _ => return None,
        })
    }

    /// The form field its text is typed in (the forms share a page).
    pub fn text_field(self) -> &'static str {
        match self {
            CaseForm::Answer => "answer_text",
            CaseForm::Decide => "decision_text",
            CaseForm::Confirm => "confirmation_text",
            CaseForm::Verify => "still_seen_reason",
        }
    }

    /// Whether its form carries files.
    fn takes_files(self) -> bool {
        matches!(self, CaseForm::Answer | CaseForm::Confirm)
    }
}

/// Checked input of a step.
struct Checked {
    step: LinkCaseStep,
    text: String,
    days: i64,
    files: Vec<StepFile>,
}

/// Checks what `form` needs from `input`, naming every problem at once.
fn check_input(
    form: CaseForm,
    input: &CaseInput,
    max_file_bytes: usize,
) -> Result<Checked, WorkflowError> {
    let mut errors = FieldErrors::new();
    let required = form != CaseForm::Verify;
    let text = errors.text(form.text_field(), &input.text, required, 8000);
    let step = match form {
        CaseForm::Answer => LinkCaseStep::Answer,
        CaseForm::Confirm => LinkCaseStep::Confirm,
        CaseForm::Verify => LinkCaseStep::Verify,
        CaseForm::Decide => match LinkCaseOutcome::parse(input.outcome.trim()) {
            Some(outcome) => LinkCaseStep::Decide(outcome),
            None => {
                errors.add("outcome", "error-link-case-outcome");
                LinkCaseStep::Decide(LinkCaseOutcome::Dismiss)
            }
        },
    };
    let days = match input.days.trim() {
        "" => DISCONNECTION_DAYS,
        raw => match raw.parse::<i64>() {
            Ok(d) if (1..=180).contains(&d) => d,
            _ => {
                if step == LinkCaseStep::Decide(LinkCaseOutcome::OrderDisconnection) {
                    errors.add("days", "error-days");
                }
                DISCONNECTION_DAYS
            }
        },
    };
    if input.file_too_large {
        errors.add("file", "error-finding-file-too-large");
    }
    let files = if form.takes_files() {
        check_step_files(&input.files, max_file_bytes, &mut errors)
    } else {
        Vec::new()
    };
    errors
        .into_result(|| Checked {
            step,
            text,
            days,
            files,
        })
        .map_err(WorkflowError::Invalid)
}

/// A refused step; the page says why and restates what was typed, since the form the
/// step needs is no longer offered.
fn refusal(refusal: LinkCaseRefusal) -> WorkflowError {
    WorkflowError::Conflict(match refusal {
        LinkCaseRefusal::Role => return WorkflowError::Forbidden,
        LinkCaseRefusal::WrongState => "error-wrong-state",
        LinkCaseRefusal::Answered => "error-stale-state",
        LinkCaseRefusal::Late => "error-link-case-late",
        LinkCaseRefusal::Pending => "error-link-case-pending",
    })
}

/// What each step records: its name in the finding's history, its audit action, and the
/// file purpose of what it carries.
fn step_record(step: LinkCaseStep) -> (&'static str, AuditAction, &'static str) {
    match step {
        LinkCaseStep::Answer => ("case_answer", AuditAction::LinkCaseAnswer, "answer"),
        LinkCaseStep::Decide(LinkCaseOutcome::Dismiss) => {
            ("case_dismiss", AuditAction::LinkCaseDismiss, "")
        }
        LinkCaseStep::Decide(LinkCaseOutcome::OrderDisconnection) => {
            ("case_order", AuditAction::LinkCaseOrder, "")
        }
        LinkCaseStep::Confirm => (
            "case_confirm",
            AuditAction::LinkCaseConfirm,
            "disconnection_evidence",
        ),
        LinkCaseStep::Verify => ("case_verify", AuditAction::LinkCaseVerify, ""),
    }
}

/// Takes the step of `form` on case `id` as `actor`: checks who may take it and the
/// case's stage, then the input; in one transaction moves the case (refusing a stale
/// move), closes the finding when the case ends, records the step in the finding's
/// history with its files, the audit event and the notices.
///
/// The secretariat verifies a disconnection while the latest routing imports still show
/// the link only with a reason, kept with the case, the step and the audit event.
pub fn take_step(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    form: CaseForm,
    input: &CaseInput,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<LinkCase, WorkflowError> {
    write_tx(conn, |conn| {
        let (case, side, finding) = readable(conn, actor, id)?;
        let standing = standing_of(&case)?;
        // Who may act and whether the stage allows it come before the input: nobody learns
        // of a form's rules from a step they may not take. A decision's outcome is checked
        // with the input, so the rule first reads it as the dismissal, which waits for
        // nothing.
        let probe = match form {
            CaseForm::Answer => LinkCaseStep::Answer,
            CaseForm::Decide => LinkCaseStep::Decide(LinkCaseOutcome::Dismiss),
            CaseForm::Confirm => LinkCaseStep::Confirm,
            CaseForm::Verify => LinkCaseStep::Verify,
        };
        link_case::check_link_case_step(probe, side, &standing, now).map_err(refusal)?;
        let checked = check_input(form, input, rules.attachment_max_bytes)?;
        let next =
            link_case::check_link_case_step(checked.step, side, &standing, now).map_err(refusal)?;
        if checked.step == LinkCaseStep::Verify && finding.0.still_seen && checked.text.is_empty() {
            let mut errors = FieldErrors::new();
            errors.add(form.text_field(), "error-disconnection-still-seen");
            return Err(WorkflowError::Invalid(errors));
        }
        let by = actor.user_id()?.to_string();
        let mut moved = LinkCase {
            stage: next.as_str().to_string(),
            ..case.clone()
        };
        let mut deadline = None;
        match checked.step {
            LinkCaseStep::Answer => {
                moved.answer = Some(checked.text.clone());
                moved.answered_at = Some(now);
            }
            LinkCaseStep::Decide(outcome) => {
                moved.decision = Some(checked.text.clone());
                moved.decided_by = Some(by.clone());
                moved.decided_at = Some(now);
                if outcome == LinkCaseOutcome::OrderDisconnection {
                    deadline = Some(now + TimeDelta::days(checked.days));
                    moved.disconnection_deadline = deadline;
                }
            }
            LinkCaseStep::Confirm => {
                moved.confirmation = Some(checked.text.clone());
                moved.confirmed_at = Some(now);
            }
            LinkCaseStep::Verify => {
                moved.verified_by = Some(by.clone());
                moved.verified_at = Some(now);
                moved.still_seen_reason = Some(checked.text.clone()).filter(|t| !t.is_empty());
            }
        }
        if link_case_db::update_from(conn, &moved, &case.stage)? != 1 {
            return Err(WorkflowError::Conflict("error-stale-state"));
        }
        let mut finding_case = finding.1.clone();
        if next.is_closed() {
            finding_case.state = FindingState::Resolved.as_str().to_string();
            finding_case.closed_at = Some(now);
            routing_db::update_finding_case(conn, &case.finding_id, &finding_case)?;
        }
        let (step_name, action, purpose) = step_record(checked.step);
        let seq = routing_db::count_finding_events(conn, &case.finding_id)? + 1;
        routing_db::insert_finding_event(
            conn,
            &FindingEvent {
                id: new_id(),
                finding_id: case.finding_id.clone(),
                seq,
                at: now,
                actor_id: actor.id.clone(),
                actor_label: actor.label.clone(),
                step: step_name.to_string(),
                state_after: finding_case.state.clone(),
                reason: None,
                body: checked.text.clone(),
                deadline,
                expires: None,
                connection_id: None,
                application_id: None,
                case_id: Some(case.id.clone()),
            },
        )?;
        for file in &checked.files {
            link_case_db::insert_file(
                conn,
                &LinkCaseFile {
                    id: new_id(),
                    case_id: case.id.clone(),
                    purpose: purpose.to_string(),
                    file_name: file.name.clone(),
                    content_type: file.upload.content_type.to_string(),
                    size_bytes: file.bytes.len() as i64,
                    sha256: file.upload.sha256.clone(),
                    content: file.bytes.clone(),
                    uploaded_by: by.clone(),
                    uploaded_at: now,
                },
            )?;
        }
        crate::workflows::audit::record(
            conn,
            actor,
            action,
            "link_case",
            id,
            Some(json!({ "stage": case.stage })),
            Some(json!({
                "stage": moved.stage,
                "finding": case.finding_id,
                "disconnection_deadline": deadline.map(|d| d.to_string()),
                "still_seen": checked.step == LinkCaseStep::Verify && finding.0.still_seen,
                "reason": moved.still_seen_reason,
                "files": files_audited(&checked.files),
            })),
        )?;
        tell(
            conn,
            actor,
            &moved,
            &finding,
            checked.step,
            &checked.text,
            rules,
            now,
        )?;
        link_case_db::find(conn, id)?.ok_or(WorkflowError::NotFound)
    })
}

/// A case's reference in messages: the pair of networks.
pub fn reference(finding: &FindingFull) -> String {
    format!(
        "AS{} – {}",
        finding.0.domestic_asn,
        finding
            .0
            .foreign_asn
            .map_or_else(|| "?".to_string(), |f| format!("AS{f}"))
    )
}

/// The notices of a step: an answer and a confirmation to the committee members who act
/// next, a decision and a verification to the organisation's people.
#[allow(clippy::too_many_arguments)]
fn tell(
    conn: &mut DbConn,
    actor: &Actor,
    case: &LinkCase,
    finding: &FindingFull,
    step: LinkCaseStep,
    text: &str,
    rules: &WorkflowRules,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    let (organisation_en, organisation_lo) = org_db::find(conn, &case.organisation_id)?
        .map(|o| (o.name_en, o.name_lo))
        .unwrap_or_default();
    let staff_path = format!("/committee/cases/{}", case.id);
    let provider_path = format!("/cases/{}", case.id);
    let (kind, recipients, path, date) = match step {
        LinkCaseStep::Answer => {
            let mut to = notify::chairs(conn)?;
            to.extend(notify::secretariat(conn, rules)?);
            (MessageKind::LinkCaseAnswered, to, staff_path, None)
        }
        LinkCaseStep::Decide(LinkCaseOutcome::OrderDisconnection) => (
            MessageKind::LinkDisconnectionOrdered,
            notify::organisation_contacts(conn, &case.organisation_id)?,
            provider_path,
            case.disconnection_deadline,
        ),
        LinkCaseStep::Decide(LinkCaseOutcome::Dismiss) | LinkCaseStep::Verify => (
            MessageKind::LinkCaseClosed,
            notify::organisation_contacts(conn, &case.organisation_id)?,
            provider_path,
            None,
        ),
        LinkCaseStep::Confirm => (
            MessageKind::LinkDisconnectionConfirmed,
            notify::secretariat(conn, rules)?,
            staff_path,
            None,
        ),
    };
    let params = Params {
        path,
        reference: reference(finding),
        organisation_en,
        organisation_lo,
        text: text.to_string(),
        date,
        ..Params::default()
    };
    let to = notify::except_actor(recipients, actor);
    notify::enqueue(conn, kind, &to, &params, now)?;
    Ok(())
}

/// Flags, once each, a notice left unanswered past its deadline and a disconnection not
/// confirmed by the date the chair set, as steps in the finding's history the committee
/// sees on the case and the finding. Returns how many it flagged.
pub fn run_scheduled(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, WorkflowError> {
    let actor = Actor::system(crate::domain::audit::SCHEDULER);
    let mut flagged = 0;
    for case in link_case_db::list_in_stages(conn, &LinkCaseStage::open_stages())? {
        let missed = match LinkCaseStage::parse(&case.stage) {
            Some(LinkCaseStage::Notice)
                if case.answered_at.is_none() && case.response_deadline < now =>
            {
                "case_answer_missed"
            }
            Some(LinkCaseStage::DisconnectionOrdered)
                if case.disconnection_deadline.is_some_and(|d| d < now) =>
            {
                "case_disconnection_missed"
            }
            _ => continue,
        };
        let done = write_tx(conn, |conn| {
            if !connection_db::claim_mark(conn, missed, &case.id, now)? {
                return Ok::<_, WorkflowError>(false);
            }
            let state = routing_db::find_finding(conn, &case.finding_id)?
                .map(|f| f.1.state)
                .unwrap_or_default();
            let seq = routing_db::count_finding_events(conn, &case.finding_id)? + 1;
            routing_db::insert_finding_event(
                conn,
                &FindingEvent {
                    id: new_id(),
                    finding_id: case.finding_id.clone(),
                    seq,
                    at: now,
                    actor_id: None,
                    actor_label: actor.label.clone(),
                    step: missed.to_string(),
                    state_after: state,
                    reason: None,
                    body: String::new(),
                    deadline: None,
                    expires: None,
                    connection_id: None,
                    application_id: None,
                    case_id: Some(case.id.clone()),
                },
            )?;
            Ok(true)
        })?;
        flagged += usize::from(done);
    }
    Ok(flagged)
}

/// The finding page's address of a case's finding, for staff.
pub fn finding_path(case: &LinkCase) -> String {
    format!("/committee/findings/{}", url_id(&case.finding_id))
}
