//! The committee's work on findings: the queue, a finding's file, and each step on it
//! (request an explanation, the provider's answer, explain, escalate with signed
//! evidence, resolve, link to a connection). Each step is one transaction with its event,
//! its audit event and its notices, and each is allowed by one rule,
//! [`case::check_finding_step`]. Nothing here is public; a provider reads and answers only
//! findings of its own organisation once an explanation was asked of it.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde::Serialize;
use serde_json::json;

use crate::db::models::connection::{self as connection_db, Connection};
use crate::db::models::link_case::{self as link_case_db, LinkCase};
use crate::db::models::organisation::{self as org_db, Organisation};
use crate::db::models::routing::{
    self as routing_db, AdjacencyRow, FindingCase, FindingCursor, FindingEvent, FindingFile,
    FindingFileInfo, FindingFilter, FindingFull, RoutingImport,
};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::audit::AuditAction;
use crate::domain::file::{StepFile, check_step_files};
use crate::domain::notification::{MessageKind, Params};
use crate::domain::role::Role;
use crate::domain::routing::case::{
    self, ExplanationReason, FindingAllowed, FindingRefusal, FindingSide, FindingStanding,
    FindingState, FindingStep,
};
use crate::domain::routing::findings::FindingKind;
use crate::domain::routing::link_case::LinkCaseStage;
use crate::domain::rules::WorkflowRules;
use crate::domain::validation::FieldErrors;
use crate::workflows::certificates::{self, CertificateAuthority};
use crate::workflows::connections::SHOW_CAUSE_DAYS;
use crate::workflows::paging::{self, Span};
use crate::workflows::{Actor, WorkflowError, notify};

/// Days a provider has to explain a finding unless the secretariat says otherwise.
pub const EXPLANATION_DAYS: i64 = 15;

/// A row of the queue: the finding, its organisation and the connections it names.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub finding: FindingFull,
    pub organisation: Option<Organisation>,
    pub approval_number: Option<String>,
}

/// A finding's id as its pages' addresses carry it: its key text holds `/`, so the
/// address holds the text in base64url.
pub fn url_id(id: &str) -> String {
    paging::encode(&[id])
}

/// The finding id an address names; anything else is not found.
pub fn id_from_url(token: &str) -> Result<String, WorkflowError> {
    match paging::decode(token, 1) {
        Ok(Some(mut values)) => Ok(values.remove(0)),
        _ => Err(WorkflowError::NotFound),
    }
}

/// Findings shown per page of the queue.
pub const QUEUE_PAGE: i64 = 50;

/// The queue's filters and place as a query string gives them.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub state: String,
    /// An organisation's short name.
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub min_score: String,
    /// The earliest first sighting, YYYY-MM-DD.
    #[serde(default)]
    pub seen_from: String,
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub before: String,
}

impl QueueQuery {
    /// The query string of the filters, without the cursor.
    pub fn filters(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("kind", &self.kind),
            ("state", &self.state),
            ("organisation", &self.organisation),
            ("country", &self.country),
            ("min_score", &self.min_score),
            ("seen_from", &self.seen_from),
        ] {
            if !value.trim().is_empty() {
                out.append_pair(key, value.trim());
            }
        }
        out.finish()
    }
}

/// The cursor a queue token names.
fn parse_cursor(token: &str) -> Result<Option<FindingCursor>, WorkflowError> {
    Ok(match paging::decode(token, 2)? {
        Some(values) => Some(FindingCursor {
            score: values[0]
                .parse()
                .map_err(|_| WorkflowError::MalformedQuery)?,
            id: values[1].clone(),
        }),
        None => None,
    })
}

fn encode_cursor(finding: &FindingFull) -> String {
    paging::encode(&[&finding.0.score.to_string(), &finding.0.id])
}

/// The filter a query names; an unknown kind, state, organisation or a malformed number
/// or date is a malformed query.
fn filter_of(conn: &mut DbConn, query: &QueueQuery) -> Result<FindingFilter, WorkflowError> {
    let bad = || WorkflowError::MalformedQuery;
    let text = |raw: &str| Some(raw.trim().to_string()).filter(|t| !t.is_empty());
    let kind = match text(&query.kind) {
        Some(k) => Some(FindingKind::parse(&k).ok_or_else(bad)?.as_str().to_string()),
        None => None,
    };
    let states = match text(&query.state) {
        Some(s) => vec![
            FindingState::parse(&s)
                .ok_or_else(bad)?
                .as_str()
                .to_string(),
        ],
        None => Vec::new(),
    };
    let organisation_id = match text(&query.organisation) {
        Some(slug) => Some(
            org_db::find_by_slug(conn, &slug)?
                .map(|o| o.id)
                .ok_or_else(bad)?,
        ),
        None => None,
    };
    let foreign_country = match text(&query.country) {
        Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => {
            Some(c.to_uppercase())
        }
        Some(_) => return Err(bad()),
        None => None,
    };
    let min_score = match text(&query.min_score) {
        Some(n) => Some(n.parse::<i64>().map_err(|_| bad())?),
        None => None,
    };
    let first_seen_from = match text(&query.seen_from) {
        Some(d) => Some(
            NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| bad())?
                .and_time(chrono::NaiveTime::MIN),
        ),
        None => None,
    };
    Ok(FindingFilter {
        kind,
        states,
        organisation_id,
        foreign_country,
        min_score,
        first_seen_from,
    })
}

/// A page of `size` findings the query's filters match at its place, with where the page
/// stands.
pub fn queue(
    conn: &mut DbConn,
    query: &QueueQuery,
    size: i64,
) -> Result<(Vec<QueueRow>, Span), WorkflowError> {
    let filter = filter_of(conn, query)?;
    let position = paging::position(parse_cursor(&query.after)?, parse_cursor(&query.before)?)?;
    let mut found = routing_db::list_queue(conn, &filter, position.as_ref(), size + 1)?;
    let total = routing_db::count_queue(conn, &filter, None)?;
    let ahead = match paging::first_row(&found, &position, size) {
        Some(f) => routing_db::count_queue(
            conn,
            &filter,
            Some(&FindingCursor {
                score: f.0.score,
                id: f.0.id.clone(),
            }),
        )?,
        None => 0,
    };
    let span = paging::span(&mut found, &position, size, total, ahead, encode_cursor);
    let organisations: HashMap<String, Organisation> = org_db::list_all(conn)?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let mut rows = Vec::with_capacity(found.len());
    for finding in found {
        let connection = finding
            .1
            .linked_connection_id
            .as_ref()
            .or(finding.0.connection_id.as_ref());
        let approval_number = match connection {
            Some(id) => connection_db::find(conn, id)?.map(|c| c.approval_number),
            None => None,
        };
        rows.push(QueueRow {
            organisation: finding
                .0
                .organisation_id
                .as_ref()
                .and_then(|o| organisations.get(o).cloned()),
            approval_number,
            finding,
        });
    }
    Ok((rows, span))
}

/// Everything a finding's page shows and what the reader may do on it.
#[derive(Debug)]
pub struct FindingDetail {
    pub finding: FindingFull,
    pub kind: FindingKind,
    pub state: FindingState,
    pub organisation: Option<Organisation>,
    /// The connection the finding concerns, or the one it was linked to.
    pub connection: Option<Connection>,
    pub events: Vec<FindingEvent>,
    pub files: Vec<FindingFileInfo>,
    /// Every import that saw the pair, oldest first.
    pub sightings: Vec<(AdjacencyRow, RoutingImport)>,
    pub allowed: FindingAllowed,
    /// The connections of the organisation, for linking.
    pub organisation_connections: Vec<Connection>,
    /// The show-cause cases opened on it, oldest first.
    pub cases: Vec<LinkCase>,
    /// The declarations started from it, by id, to follow each to its decision.
    pub declarations: HashMap<String, crate::db::models::application::Application>,
}

/// Which side the actor is on for a finding, if they may read it at all: the committee's
/// staff and auditors read every finding; a provider only its own organisation's, once an explanation was asked of it.
fn side_of(
    actor: &Actor,
    finding: &FindingFull,
    events: &[FindingEvent],
) -> Result<FindingSide, WorkflowError> {
    match actor.role {
        Some(role @ (Role::Secretariat | Role::Chair | Role::Reviewer | Role::Auditor)) => {
            Ok(FindingSide::Staff(role))
        }
        Some(Role::Applicant | Role::OrgAdmin)
            if actor.organisation_id.is_some()
                && actor.organisation_id == finding.0.organisation_id
                && events.iter().any(|e| e.step == "request_explanation") =>
        {
            Ok(FindingSide::Holder)
        }
        _ => Err(WorkflowError::NotFound),
    }
}

/// The finding as the rules read it, with whether a case opened on it is under way.
fn standing_of(conn: &mut DbConn, finding: &FindingFull) -> Result<FindingStanding, WorkflowError> {
    let case_open = link_case_db::list_for_finding(conn, &finding.0.id)?
        .iter()
        .any(|c| LinkCaseStage::parse(&c.stage).is_some_and(|s| !s.is_closed()));
    Ok(FindingStanding {
        state: FindingState::parse(&finding.1.state).ok_or(WorkflowError::NotFound)?,
        explanation_due: finding.1.explanation_due,
        has_organisation: finding.0.organisation_id.is_some(),
        after_disconnection: finding.0.kind == FindingKind::SeenAfterDisconnection.as_str(),
        case_open,
    })
}

/// The finding `id` as `actor` may read it.
pub fn detail(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: NaiveDateTime,
) -> Result<FindingDetail, WorkflowError> {
    let finding = routing_db::find_finding(conn, id)?.ok_or(WorkflowError::NotFound)?;
    let events = routing_db::list_finding_events(conn, id)?;
    let side = side_of(actor, &finding, &events)?;
    let standing = standing_of(conn, &finding)?;
    let kind = FindingKind::parse(&finding.0.kind).ok_or(WorkflowError::NotFound)?;
    let organisation = match &finding.0.organisation_id {
        Some(o) => org_db::find(conn, o)?,
        None => None,
    };
    let connection = match finding
        .1
        .linked_connection_id
        .as_ref()
        .or(finding.0.connection_id.as_ref())
    {
        Some(c) => connection_db::find(conn, c)?,
        None => None,
    };
    let sightings = match finding.0.foreign_asn {
        Some(foreign) => routing_db::list_pair_sightings(conn, finding.0.domestic_asn, foreign)?,
        None => Vec::new(),
    };
    let organisation_connections = match (&finding.0.organisation_id, side) {
        (Some(o), FindingSide::Staff(_)) => connection_db::list_by_organisation(conn, o)?,
        _ => Vec::new(),
    };
    let mut declarations = HashMap::new();
    for application in events.iter().filter_map(|e| e.application_id.as_ref()) {
        if let Some(a) = crate::db::models::application::find(conn, application)? {
            declarations.insert(application.clone(), a);
        }
    }
    Ok(FindingDetail {
        declarations,
        files: routing_db::list_finding_files(conn, id)?,
        cases: link_case_db::list_for_finding(conn, id)?,
        allowed: case::allowed_on_finding(side, &standing, now),
        kind,
        state: standing.state,
        finding,
        organisation,
        connection,
        events,
        sightings,
        organisation_connections,
    })
}

/// One file of a finding, for a reader who may read the finding.
pub fn file(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    file_id: &str,
) -> Result<FindingFile, WorkflowError> {
    let finding = routing_db::find_finding(conn, id)?.ok_or(WorkflowError::NotFound)?;
    let events = routing_db::list_finding_events(conn, id)?;
    side_of(actor, &finding, &events)?;
    routing_db::find_finding_file(conn, id, file_id)?.ok_or(WorkflowError::NotFound)
}

/// The findings of the actor's organisation on which an explanation was asked, for the
/// provider's own list (and the API).
pub fn own(conn: &mut DbConn, actor: &Actor) -> Result<Vec<FindingFull>, WorkflowError> {
    let organisation = actor
        .organisation_id
        .clone()
        .ok_or(WorkflowError::Forbidden)?;
    of_organisation(conn, &organisation)
}

/// The findings of `organisation` on which an explanation was asked, highest score first.
pub fn of_organisation(
    conn: &mut DbConn,
    organisation: &str,
) -> Result<Vec<FindingFull>, WorkflowError> {
    let organisation = organisation.to_string();
    let filter = FindingFilter {
        organisation_id: Some(organisation),
        states: [
            FindingState::ExplanationRequested,
            FindingState::Explained,
            FindingState::Escalated,
            FindingState::Resolved,
        ]
        .iter()
        .map(|s| s.as_str().to_string())
        .collect(),
        ..FindingFilter::default()
    };
    let mut rows = Vec::new();
    for row in routing_db::list_queue(conn, &filter, crate::db::Position::Start, 1000)? {
        if routing_db::list_finding_events(conn, &row.0.id)?
            .iter()
            .any(|e| e.step == "request_explanation")
        {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// What a person sends with a step on a finding.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// What they say: a request's questions, an answer, an explanation, a resolution.
    pub text: String,
    /// Days until the deadline, for a request (15 when empty).
    pub days: String,
    /// The reason of an explanation.
    pub reason: String,
    /// The last day an explanation holds (YYYY-MM-DD), when it holds only for a while.
    pub expires: String,
    /// The approval number to link, for a link.
    pub approval_number: String,
    /// Files sent with it: (name as sent, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// A file was sent over the size limit (and not read).
    pub file_too_large: bool,
    /// The person ticked the confirmation an escalation or a resolution asks for.
    pub confirmed: bool,
}

/// Checked input of a step.
struct Checked {
    text: String,
    deadline: Option<NaiveDateTime>,
    reason: Option<ExplanationReason>,
    expires: Option<NaiveDateTime>,
    files: Vec<StepFile>,
}

/// Checks what `step` needs from `input`, naming every problem at once.
fn check_input(
    step: FindingStep,
    input: &StepInput,
    now: NaiveDateTime,
    max_file_bytes: usize,
) -> Result<Checked, WorkflowError> {
    let mut errors = FieldErrors::new();
    let text = match text_field(step) {
        Some(field) => errors.text(field, &input.text, true, 8000),
        None => String::new(),
    };
    let default_days = match step {
        FindingStep::RequestExplanation => Some(EXPLANATION_DAYS),
        FindingStep::OpenCase => Some(SHOW_CAUSE_DAYS),
        _ => None,
    };
    let deadline = if let Some(default_days) = default_days {
        match input.days.trim() {
            "" => Some(now + TimeDelta::days(default_days)),
            raw => match raw.parse::<i64>() {
                Ok(d) if (1..=180).contains(&d) => Some(now + TimeDelta::days(d)),
                _ => {
                    errors.add(
                        if step == FindingStep::OpenCase {
                            "case_days"
                        } else {
                            "days"
                        },
                        "error-days",
                    );
                    None
                }
            },
        }
    } else {
        None
    };
    let reason = if step == FindingStep::Explain {
        let reason = ExplanationReason::parse(input.reason.trim());
        if reason.is_none() {
            errors.add("reason", "error-finding-reason");
        }
        reason
    } else {
        None
    };
    let expires = if step == FindingStep::Explain && !input.expires.trim().is_empty() {
        match NaiveDate::parse_from_str(input.expires.trim(), "%Y-%m-%d") {
            Ok(day) if vientiane_day_end(day) > now => Some(vientiane_day_end(day)),
            Ok(_) => {
                errors.add("expires", "error-finding-expires-past");
                None
            }
            Err(_) => {
                errors.add("expires", "error-date");
                None
            }
        }
    } else {
        None
    };
    if input.file_too_large {
        errors.add("file", "error-finding-file-too-large");
    }
    if matches!(step, FindingStep::Escalate | FindingStep::Resolve) && !input.confirmed {
        errors.add("confirm", "error-finding-confirm");
    }
    let files = if matches!(step, FindingStep::Answer | FindingStep::Explain) {
        check_step_files(&input.files, max_file_bytes, &mut errors)
    } else {
        Vec::new()
    };
    errors
        .into_result(|| Checked {
            text,
            deadline,
            reason,
            expires,
            files,
        })
        .map_err(WorkflowError::Invalid)
}

/// The end of a Vientiane calendar day, in UTC: an explanation "until" a day holds
/// through that whole day where the committee sits.
fn vientiane_day_end(day: NaiveDate) -> NaiveDateTime {
    use chrono::TimeZone;
    let next = day
        .succ_opt()
        .unwrap_or(day)
        .and_time(chrono::NaiveTime::MIN);
    chrono_tz::Asia::Vientiane
        .from_local_datetime(&next)
        .earliest()
        .map_or(next, |t| t.naive_utc())
}

/// The form field a step's text is typed in (each step's form has its own, as they share
/// a page); a link has none.
pub fn text_field(step: FindingStep) -> Option<&'static str> {
    match step {
        FindingStep::RequestExplanation => Some("request_text"),
        FindingStep::Answer => Some("answer_text"),
        FindingStep::Declare => None,
        FindingStep::Explain => Some("explain_text"),
        FindingStep::Escalate => Some("escalate_text"),
        FindingStep::Resolve => Some("resolve_text"),
        FindingStep::Link => None,
        FindingStep::OpenCase => Some("case_notice"),
    }
}

fn refusal(refusal: FindingRefusal) -> WorkflowError {
    match refusal {
        FindingRefusal::Role => WorkflowError::Forbidden,
        FindingRefusal::WrongState => WorkflowError::Conflict("error-wrong-state"),
        FindingRefusal::Late => WorkflowError::Conflict("error-finding-late"),
        FindingRefusal::NoOrganisation => WorkflowError::Conflict("error-finding-no-organisation"),
        FindingRefusal::CaseOpen => WorkflowError::Conflict("error-link-case-open"),
    }
}

/// The audit action of each step.
fn action_of(step: FindingStep) -> AuditAction {
    match step {
        FindingStep::RequestExplanation => AuditAction::FindingRequestExplanation,
        FindingStep::Answer => AuditAction::FindingAnswer,
        FindingStep::Declare => AuditAction::FindingDeclare,
        FindingStep::Explain => AuditAction::FindingExplain,
        FindingStep::Escalate => AuditAction::FindingEscalate,
        FindingStep::Resolve => AuditAction::FindingResolve,
        FindingStep::Link => AuditAction::FindingLink,
        FindingStep::OpenCase => AuditAction::FindingOpenCase,
    }
}

/// The stored name of each step, as events record it.
pub fn step_name(step: FindingStep) -> &'static str {
    match step {
        FindingStep::RequestExplanation => "request_explanation",
        FindingStep::Answer => "answer",
        FindingStep::Declare => "declare",
        FindingStep::Explain => "explain",
        FindingStep::Escalate => "escalate",
        FindingStep::Resolve => "resolve",
        FindingStep::Link => "link",
        FindingStep::OpenCase => "open_case",
    }
}

/// Takes `step` on finding `id` as `actor`: checks the input and the rule, then in one
/// transaction updates the finding, records the step (with its files), the audit event
/// and the notices. Escalation signs the evidence bundle with the registry's current
/// certificate key.
pub fn take_step(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    step: FindingStep,
    input: &StepInput,
    now: NaiveDateTime,
    (rules, authority): (&WorkflowRules, &CertificateAuthority),
) -> Result<FindingFull, WorkflowError> {
    let max_file_bytes = rules.attachment_max_bytes;
    write_tx(conn, |conn| {
        let finding = routing_db::find_finding(conn, id)?.ok_or(WorkflowError::NotFound)?;
        let events = routing_db::list_finding_events(conn, id)?;
        let side = side_of(actor, &finding, &events)?;
        let standing = standing_of(conn, &finding)?;
        // Who may take the step, and whether the finding's state allows it, come before
        // the input: nobody learns of a form's rules from a step they may not take.
        let next = case::check_finding_step(step, side, &standing, now).map_err(refusal)?;
        let checked = check_input(step, input, now, max_file_bytes)?;
        let linked = if step == FindingStep::Link {
            let number = input.approval_number.trim().to_uppercase();
            let connection = connection_db::find_by_number(conn, &number)?
                .filter(|c| finding.0.organisation_id.as_deref() == Some(&c.organisation_id));
            match connection {
                Some(c) => Some(c.id),
                None => {
                    let mut errors = FieldErrors::new();
                    errors.add("approval_number", "error-finding-connection");
                    return Err(WorkflowError::Invalid(errors));
                }
            }
        } else {
            None
        };
        let before = finding.1.clone();
        let mut case = FindingCase {
            state: next.as_str().to_string(),
            ..finding.1.clone()
        };
        match step {
            FindingStep::RequestExplanation => case.explanation_due = checked.deadline,
            FindingStep::Explain => {
                case.explanation_due = None;
                case.explanation_reason = checked.reason.map(|r| r.as_str().to_string());
                case.explanation_expires = checked.expires;
                case.closed_at = Some(now);
            }
            FindingStep::Escalate => {
                case.explanation_due = None;
                case.evidence = Some(sign_evidence(conn, authority, &finding, &events, now)?);
            }
            FindingStep::OpenCase => {
                case.explanation_due = None;
                if case.evidence.is_none() {
                    case.evidence = Some(sign_evidence(conn, authority, &finding, &events, now)?);
                }
            }
            FindingStep::Resolve => {
                case.explanation_due = None;
                case.closed_at = Some(now);
            }
            FindingStep::Link => case.linked_connection_id = linked.clone(),
            FindingStep::Answer | FindingStep::Declare => {}
        }
        routing_db::update_finding_case(conn, id, &case)?;
        let opened = match (step, &finding.0.organisation_id, &case.evidence) {
            (FindingStep::OpenCase, Some(organisation), Some(evidence)) => {
                let opened = LinkCase {
                    id: new_id(),
                    finding_id: id.to_string(),
                    organisation_id: organisation.clone(),
                    connection_id: finding.0.connection_id.clone(),
                    stage: LinkCaseStage::Notice.as_str().to_string(),
                    notice: checked.text.clone(),
                    opened_by: actor.user_id()?.to_string(),
                    opened_at: now,
                    response_deadline: checked.deadline.unwrap_or(now),
                    answer: None,
                    answered_at: None,
                    decision: None,
                    decided_by: None,
                    decided_at: None,
                    disconnection_deadline: None,
                    confirmation: None,
                    confirmed_at: None,
                    verified_by: None,
                    verified_at: None,
                    still_seen_reason: None,
                    evidence: evidence.clone(),
                };
                link_case_db::insert(conn, &opened)?;
                Some(opened.id)
            }
            _ => None,
        };
        let event_id = new_id();
        routing_db::insert_finding_event(
            conn,
            &FindingEvent {
                id: event_id.clone(),
                finding_id: id.to_string(),
                seq: events.len() as i64 + 1,
                at: now,
                actor_id: actor.id.clone(),
                actor_label: actor.label.clone(),
                step: step_name(step).to_string(),
                state_after: case.state.clone(),
                reason: checked.reason.map(|r| r.as_str().to_string()),
                body: checked.text.clone(),
                deadline: checked.deadline,
                expires: checked.expires,
                connection_id: linked,
                application_id: None,
                case_id: opened.clone(),
            },
        )?;
        let uploader = actor.id.clone().unwrap_or_else(|| actor.label.clone());
        for file in &checked.files {
            routing_db::insert_finding_file(
                conn,
                &FindingFile {
                    id: new_id(),
                    finding_id: id.to_string(),
                    event_id: event_id.clone(),
                    file_name: file.name.clone(),
                    content_type: file.upload.content_type.to_string(),
                    size_bytes: file.bytes.len() as i64,
                    sha256: file.upload.sha256.clone(),
                    content: file.bytes.clone(),
                    uploaded_by: uploader.clone(),
                    uploaded_at: now,
                },
            )?;
        }
        crate::workflows::audit::record(
            conn,
            actor,
            action_of(step),
            "finding",
            id,
            Some(json!({ "state": before.state })),
            Some(json!({
                "state": case.state,
                "deadline": checked.deadline.map(|d| d.to_string()),
                "reason": case.explanation_reason,
                "expires": checked.expires.map(|d| d.to_string()),
                "files": files_audited(&checked.files),
                "case": opened,
            })),
        )?;
        tell(
            conn,
            step,
            &finding,
            &checked,
            opened.as_deref(),
            now,
            rules,
        )?;
        routing_db::find_finding(conn, id)?.ok_or(WorkflowError::NotFound)
    })
}

/// The provider starts a declaration of the link a finding shows (an application for an
/// existing link), its form filled with the foreign network's AS, name and country as the
/// reference data give them; the step is recorded on the finding, naming the draft, so the
/// secretariat sees that a declaration is on its way. Returns the draft.
pub fn declare(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    (contact_name, contact_email): (&str, &str),
    now: NaiveDateTime,
) -> Result<crate::db::models::application::Application, WorkflowError> {
    let allowed = |conn: &mut DbConn| -> Result<FindingFull, WorkflowError> {
        let finding = routing_db::find_finding(conn, id)?.ok_or(WorkflowError::NotFound)?;
        let events = routing_db::list_finding_events(conn, id)?;
        let side = side_of(actor, &finding, &events)?;
        case::check_finding_step(
            FindingStep::Declare,
            side,
            &standing_of(conn, &finding)?,
            now,
        )
        .map_err(refusal)?;
        Ok(finding)
    };
    let finding = allowed(conn)?;
    let mut content = crate::workflows::applications::contact_content(contact_name, contact_email);
    let (row, _, side) = &finding;
    for (field, value) in [
        (
            "counterparty_asn",
            row.foreign_asn.map(|f| format!("AS{f}")),
        ),
        ("counterparty_country", side.foreign_country.clone()),
        ("counterparty_name", side.foreign_name.clone()),
    ] {
        if let Some(value) = value {
            content.values.insert(field.to_string(), value);
        }
    }
    let draft = crate::workflows::applications::create_draft_with_content(
        conn,
        actor,
        "declaration",
        &content,
        now,
    )?;
    write_tx(conn, |conn| {
        let finding = allowed(conn)?;
        let seq = routing_db::count_finding_events(conn, id)? + 1;
        routing_db::insert_finding_event(
            conn,
            &FindingEvent {
                id: new_id(),
                finding_id: id.to_string(),
                seq,
                at: now,
                actor_id: actor.id.clone(),
                actor_label: actor.label.clone(),
                step: step_name(FindingStep::Declare).to_string(),
                state_after: finding.1.state.clone(),
                reason: None,
                body: String::new(),
                deadline: None,
                expires: None,
                connection_id: None,
                application_id: Some(draft.id.clone()),
                case_id: None,
            },
        )?;
        crate::workflows::audit::record(
            conn,
            actor,
            AuditAction::FindingDeclare,
            "finding",
            id,
            None,
            Some(json!({ "application": draft.id })),
        )?;
        Ok(draft)
    })
}

/// The files a step kept, as its audit event records them.
pub fn files_audited(files: &[StepFile]) -> Vec<serde_json::Value> {
    files
        .iter()
        .map(|f| json!({ "name": f.name, "sha256": f.upload.sha256 }))
        .collect()
}

/// The notices of a step: a request to the provider's people, an answer to the
/// secretariat, an escalation to the chairs.
fn tell(
    conn: &mut DbConn,
    step: FindingStep,
    finding: &FindingFull,
    checked: &Checked,
    opened: Option<&str>,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<(), WorkflowError> {
    let (organisation_en, organisation_lo) = match &finding.0.organisation_id {
        Some(o) => org_db::find(conn, o)?
            .map(|o| (o.name_en, o.name_lo))
            .unwrap_or_default(),
        None => Default::default(),
    };
    let reference = format!(
        "AS{} – {}",
        finding.0.domestic_asn,
        finding
            .0
            .foreign_asn
            .map_or_else(|| "?".to_string(), |f| format!("AS{f}"))
    );
    let params = |path: String| Params {
        path,
        reference: reference.clone(),
        organisation_en: organisation_en.clone(),
        organisation_lo: organisation_lo.clone(),
        text: checked.text.clone(),
        date: checked.deadline,
        ..Params::default()
    };
    let staff_path = format!("/committee/findings/{}", url_id(&finding.0.id));
    let (kind, recipients, path) = match step {
        FindingStep::RequestExplanation => {
            let Some(o) = &finding.0.organisation_id else {
                return Ok(());
            };
            (
                MessageKind::FindingExplanationRequested,
                notify::organisation_contacts(conn, o)?,
                format!("/findings/{}", url_id(&finding.0.id)),
            )
        }
        FindingStep::Answer => (
            MessageKind::FindingAnswered,
            notify::secretariat(conn, rules)?,
            staff_path,
        ),
        FindingStep::Escalate => (
            MessageKind::FindingEscalated,
            notify::chairs(conn)?,
            staff_path,
        ),
        FindingStep::OpenCase => match (&finding.0.organisation_id, opened) {
            (Some(o), Some(case)) => (
                MessageKind::LinkCaseOpened,
                notify::organisation_contacts(conn, o)?,
                format!("/cases/{case}"),
            ),
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    notify::enqueue(conn, kind, &recipients, &params(path), now)?;
    Ok(())
}

/// The evidence bundle an escalation signs: what was seen, by whom, from which files,
/// with which reference data, and the finding's history, with the limits of such
/// evidence in words.
#[derive(Debug, Serialize)]
pub struct Evidence {
    pub iss: String,
    pub sub: String,
    pub iat: i64,
    pub kind: String,
    pub domestic_asn: i64,
    pub foreign_asn: Option<i64>,
    pub foreign_country: Option<String>,
    pub foreign_name: Option<String>,
    pub organisation_id: Option<String>,
    pub connection_id: Option<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub peers: i64,
    pub score: i64,
    pub rank_parts: serde_json::Value,
    pub sightings: Vec<serde_json::Value>,
    pub reference_data: Vec<serde_json::Value>,
    pub history: Vec<serde_json::Value>,
    pub limits: &'static str,
}

/// What the evidence says of its own limits.
pub const EVIDENCE_LIMITS: &str = "An adjacency seen by public route collectors shows that \
routes passed between the two networks as the collectors' peers reported them; it is not \
proof of a physical circuit, of who operates it, or of the traffic it carries.";

/// Signs the finding's evidence bundle (a compact JWS, EdDSA) with the registry's current
/// certificate key, checkable against `/.well-known/jwks.json`.
fn sign_evidence(
    conn: &mut DbConn,
    authority: &CertificateAuthority,
    finding: &FindingFull,
    events: &[FindingEvent],
    now: NaiveDateTime,
) -> Result<String, WorkflowError> {
    let (row, _, side) = finding;
    let sightings = match row.foreign_asn {
        Some(f) => routing_db::list_pair_sightings(conn, row.domestic_asn, f)?,
        None => Vec::new(),
    };
    let rfc3339 = |t: NaiveDateTime| t.and_utc().to_rfc3339();
    let reference_data = routing_db::list_imports(conn)?
        .into_iter()
        .filter(|i| i.kind != "mrt")
        .map(|i| {
            json!({
                "kind": i.kind, "file": i.file_name, "sha256": i.sha256,
                "data_until": i.data_until.map(rfc3339), "imported_at": rfc3339(i.imported_at),
            })
        })
        .collect();
    let evidence = Evidence {
        iss: authority.issuer.clone(),
        sub: row.id.clone(),
        iat: now.and_utc().timestamp(),
        kind: row.kind.clone(),
        domestic_asn: row.domestic_asn,
        foreign_asn: row.foreign_asn,
        foreign_country: side.foreign_country.clone(),
        foreign_name: side.foreign_name.clone(),
        organisation_id: row.organisation_id.clone(),
        connection_id: row.connection_id.clone(),
        first_seen: row.first_seen.map(rfc3339),
        last_seen: row.last_seen.map(rfc3339),
        peers: row.peers,
        score: row.score,
        rank_parts: serde_json::from_str(&row.rank_parts).unwrap_or_default(),
        sightings: sightings
            .iter()
            .map(|(a, i)| {
                json!({
                    "file": i.file_name, "sha256": i.sha256, "collector": a.collector,
                    "peer_asns": a.peer_asns, "peer_addresses": a.peer_addresses,
                    "prefixes": a.prefixes, "example_path": a.example_path,
                    "example_prefix": a.example_prefix,
                    "first_seen": rfc3339(a.first_seen), "last_seen": rfc3339(a.last_seen),
                })
            })
            .collect(),
        reference_data,
        history: events
            .iter()
            .map(|e| {
                json!({
                    "at": rfc3339(e.at), "by": e.actor_label, "step": e.step,
                    "state": e.state_after, "text": e.body,
                })
            })
            .collect(),
        limits: EVIDENCE_LIMITS,
    };
    certificates::sign_document(conn, authority, &evidence, now)
}

/// What the monitoring's overview shows: every finding still seen (with its organisation),
/// the snapshots of every MRT import for the trends, and the imports with what each MRT
/// import saw of the domestic networks.
#[derive(Debug)]
pub struct Overview {
    pub findings: Vec<(FindingFull, Option<Organisation>)>,
    pub snapshots: Vec<routing_db::Snapshot>,
    pub imports: Vec<RoutingImport>,
    /// Each MRT import's id and the domestic ASNs it saw next to a foreign one.
    pub coverage: HashMap<String, Vec<i64>>,
}

/// The monitoring's overview: see [`Overview`].
pub fn overview(conn: &mut DbConn) -> Result<Overview, WorkflowError> {
    let organisations: HashMap<String, Organisation> = org_db::list_all(conn)?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let filter = FindingFilter::default();
    let mut findings = Vec::new();
    for f in routing_db::list_queue(conn, &filter, crate::db::Position::Start, i64::MAX)? {
        if f.0.still_seen {
            let organisation =
                f.0.organisation_id
                    .as_ref()
                    .and_then(|o| organisations.get(o).cloned());
            findings.push((f, organisation));
        }
    }
    Ok(Overview {
        findings,
        snapshots: routing_db::list_snapshots(conn)?,
        imports: routing_db::list_imports(conn)?,
        coverage: routing_db::domestic_seen_by_import(conn)?,
    })
}

/// One foreign network the provider's routes were seen through in the newest routing
/// dumps: its AS, name and country, and how much of the provider's address space.
#[derive(Debug, Clone)]
pub struct Reach {
    pub foreign_asn: i64,
    pub name: Option<String>,
    pub country: Option<String>,
    pub ipv4_addresses: i64,
    pub ipv6_48s: i64,
    /// The IPv4 space as a share (0–100) of the most that any one foreign network
    /// carried: the provider's whole space is not known from routing alone.
    pub share: i64,
}

/// A provider as the monitoring sees it: its approvals beside what routing shows, its
/// presence at exchanges abroad, the foreign networks its routes were seen through, and
/// its findings.
#[derive(Debug)]
pub struct ProviderView {
    pub organisation: Organisation,
    /// Each connection with the finding routing raised about it, if any.
    pub connections: Vec<(Connection, Option<FindingFull>)>,
    /// (exchange, country) of each PeeringDB presence abroad.
    pub exchanges: Vec<(String, String)>,
    pub reach: Vec<Reach>,
    pub findings: Vec<FindingFull>,
}

/// The kinds that say what routing shows of an approved connection.
const OF_A_CONNECTION: [&str; 6] = [
    "approved",
    "approved_not_observed",
    "seen_while_suspended",
    "seen_after_disconnection",
    "seen_after_expiry",
    "country_mismatch",
];

/// The provider `slug` as the monitoring sees it (see [`ProviderView`]).
pub fn provider_view(conn: &mut DbConn, slug: &str) -> Result<ProviderView, WorkflowError> {
    let organisation = org_db::find_by_slug(conn, slug)?.ok_or(WorkflowError::NotFound)?;
    let asns: Vec<i64> = crate::workflows::monitoring::listed_asns(&organisation.asns)
        .into_iter()
        .map(i64::from)
        .collect();
    let filter = FindingFilter {
        organisation_id: Some(organisation.id.clone()),
        ..FindingFilter::default()
    };
    let findings = routing_db::list_queue(conn, &filter, crate::db::Position::Start, i64::MAX)?;
    let connections = connection_db::list_by_organisation(conn, &organisation.id)?
        .into_iter()
        .map(|c| {
            let seen = findings
                .iter()
                .filter(|f| OF_A_CONNECTION.contains(&f.0.kind.as_str()))
                .find(|f| {
                    f.0.connection_id.as_deref() == Some(c.id.as_str())
                        || f.1.linked_connection_id.as_deref() == Some(c.id.as_str())
                })
                .cloned();
            (c, seen)
        })
        .collect();
    let exchanges = routing_db::list_exchange_presences(conn)?
        .into_iter()
        .filter(|p| {
            asns.contains(&p.asn) && p.country != crate::workflows::monitoring::HOME_COUNTRY
        })
        .map(|p| (p.exchange_name, p.country))
        .collect();
    let latest = routing_db::latest_adjacencies_of(conn, &asns)?;
    let names: HashMap<i64, (Option<String>, Option<String>)> = findings
        .iter()
        .filter_map(|f| {
            Some((
                f.0.foreign_asn?,
                (f.2.foreign_name.clone(), f.2.foreign_country.clone()),
            ))
        })
        .collect();
    let mut by_foreign: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
    for row in &latest {
        let entry = by_foreign.entry(row.foreign_asn).or_default();
        entry.0 = entry.0.max(row.ipv4_addresses);
        entry.1 = entry.1.max(row.ipv6_48s);
    }
    let most = by_foreign
        .values()
        .map(|(v4, _)| *v4)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut reach: Vec<Reach> = by_foreign
        .into_iter()
        .map(|(foreign_asn, (ipv4_addresses, ipv6_48s))| {
            let (name, country) = names.get(&foreign_asn).cloned().unwrap_or_default();
            Reach {
                foreign_asn,
                name,
                country,
                ipv4_addresses,
                ipv6_48s,
                share: ipv4_addresses * 100 / most,
            }
        })
        .collect();
    reach.sort_by_key(|r| (std::cmp::Reverse(r.ipv4_addresses), r.foreign_asn));
    Ok(ProviderView {
        organisation,
        connections,
        exchanges,
        reach,
        findings,
    })
}
