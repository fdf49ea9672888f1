//! The provider's side of an application and the secretariat's screening: drafts,
//! attachments, submission, information requests and answers, withdrawal, and the lapse
//! of unanswered requests, each one transaction with its audit event; and the reads behind
//! the provider's pages (list, form, detail, a file's removal and download).

use chrono::{Datelike, NaiveDateTime, TimeDelta};
use serde_json::json;

use crate::domain::audit::{AuditAction, SCHEDULER};
use crate::domain::file::{check_upload_as, safe_file_name};

use crate::db::audit;
use crate::db::models::application::{
    self as app_db, Application, NewApplication, NewRevision, Revision, SubmissionChanges,
};
use crate::db::models::attachment::{self as attachment_db, AttachmentInfo, NewAttachment};
use crate::db::models::connection::Connection;
use crate::db::models::information_request::{
    self as rfi_db, InformationRequest, NewInformationRequest,
};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::application::{Action, Status, file_removable};
use crate::domain::application_form::{
    ATTACHMENT_KINDS, ApplicationContent, Kind, REQUIRED_ATTACHMENTS,
};
use crate::domain::clock::Clock;
use crate::domain::committee::{CaseStep, Seat, check_step, decision_due};
use crate::domain::connection::{ConnectionSide, ConnectionStep, check_connection_step};
use crate::domain::notification::{MessageKind, Params};
use crate::domain::rules::WorkflowRules;
use crate::domain::validation::FieldErrors;
use crate::workflows::{Actor, WorkflowError, notify};

/// Writes an audit event about an application.
pub(crate) fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: AuditAction,
    application_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> diesel::QueryResult<i64> {
    crate::workflows::audit::record(
        conn,
        actor,
        action,
        "application",
        application_id,
        before,
        after,
    )
}

/// Moves the application by `action` with a conditional update: if someone else moved
/// it first, nothing changes and the caller gets a conflict.
pub(crate) fn transition(
    conn: &mut DbConn,
    app: &Application,
    action: Action,
    now: NaiveDateTime,
) -> Result<Status, WorkflowError> {
    let from = app.status;
    let to = from
        .transition(action)
        .map_err(|_| WorkflowError::Conflict("error-wrong-state"))?;
    if app_db::update_status(conn, &app.id, from, to, now)? != 1 {
        return Err(WorkflowError::Conflict("error-stale-state"));
    }
    Ok(to)
}

/// The application if it belongs to the acting provider's organisation. Another
/// organisation's application is "not found", so its existence is not revealed.
pub fn find_own(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Application, WorkflowError> {
    owned(actor, app_db::find(conn, id)?)
}

/// An organisation's applications, newest first.
pub fn list_own(
    conn: &mut DbConn,
    organisation_id: &str,
) -> Result<Vec<Application>, WorkflowError> {
    Ok(app_db::list_by_organisation(conn, organisation_id)?)
}

/// An application as its provider sees it: with its files, its information requests and
/// the approval number it led to, if any.
#[derive(Debug)]
pub struct OwnApplication {
    pub application: Application,
    pub attachments: Vec<AttachmentInfo>,
    pub requests: Vec<InformationRequest>,
    pub approval_number: Option<String>,
}

/// [`find_own`] with what its provider sees beside it.
pub fn own_application(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<OwnApplication, WorkflowError> {
    let application = find_own(conn, actor, id)?;
    let attachments = attachment_db::list_for_application(conn, id)?;
    let requests = rfi_db::list_for_application(conn, id)?;
    let approval_number = crate::db::models::connection::number_for_application(conn, id)?;
    Ok(OwnApplication {
        application,
        attachments,
        requests,
        approval_number,
    })
}

/// [`find_own`], with the application locked for the rest of the transaction.
fn find_own_for_update(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
) -> Result<Application, WorkflowError> {
    owned(actor, app_db::find_for_update(conn, id)?)
}

fn owned(actor: &Actor, app: Option<Application>) -> Result<Application, WorkflowError> {
    let app = app.ok_or(WorkflowError::NotFound)?;
    match &actor.organisation_id {
        Some(org) if *org == app.organisation_id => Ok(app),
        _ => Err(WorkflowError::NotFound),
    }
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Application, WorkflowError> {
    app_db::find(conn, id)?.ok_or(WorkflowError::NotFound)
}

/// The connection an approved application created (a new application or a declaration)
/// or changed (a modification or a renewal); none before approval.
pub fn approved_connection(
    conn: &mut DbConn,
    app: &Application,
) -> Result<Option<crate::db::models::connection::Connection>, WorkflowError> {
    use crate::db::models::connection as connection_db;
    if app.status != Status::Approved {
        return Ok(None);
    }
    Ok(if app.kind.needs_existing_approval() {
        connection_db::find_by_number(conn, app.content.get("related_approval_number"))?
    } else {
        connection_db::find_created_by(conn, &app.id)?
    })
}

/// Whether the application is before the regulator: it was submitted. Until then it is
/// the provider's draft, which nobody else sees.
pub fn submitted(app: &Application) -> bool {
    app.submitted_at.is_some()
}

/// Starts a draft of `kind` for the actor's organisation, with the actor as contact.
pub fn create_draft(
    conn: &mut DbConn,
    actor: &Actor,
    kind: &str,
    contact_name: &str,
    contact_email: &str,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    let content = contact_content(contact_name, contact_email);
    create_draft_with_content(conn, actor, kind, &content, now)
}

/// Starts a renewal or modification of one of the organisation's connections, the form
/// filled from the connection's current terms and naming its approval number. The start
/// date and the declaration are left for the provider to give anew.
pub fn create_draft_for_connection(
    conn: &mut DbConn,
    actor: &Actor,
    kind: &str,
    connection_id: &str,
    contact: (&str, &str),
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    let connection = crate::workflows::connections::find_own(conn, actor, connection_id)?;
    if !Kind::parse(kind).is_some_and(Kind::needs_existing_approval) {
        return Err(WorkflowError::Conflict("error-kind"));
    }
    let standing = crate::workflows::connections::standing(&connection, None);
    if check_connection_step(
        ConnectionStep::Apply,
        ConnectionSide::Holder,
        &standing,
        now,
    )
    .is_err()
    {
        return Err(WorkflowError::Conflict("error-connection-not-changeable"));
    }
    let mut content: ApplicationContent =
        serde_json::from_str(&connection.terms).unwrap_or_default();
    for field in ["requested_start_date", "declared_by_name"] {
        content.values.remove(field);
    }
    content.declaration_accepted = false;
    content
        .values
        .extend(contact_content(contact.0, contact.1).values);
    content.values.insert(
        "related_approval_number".to_string(),
        connection.approval_number.clone(),
    );
    create_draft_with_content(conn, actor, kind, &content, now)
}

/// A new draft's content: the person who starts it is its contact.
pub fn contact_content(contact_name: &str, contact_email: &str) -> ApplicationContent {
    ApplicationContent::from_pairs(
        [
            ("contact_name", contact_name),
            ("contact_email", contact_email),
        ],
        false,
    )
}

/// Starts a draft of `kind` for the actor's organisation with `content` already filled in.
pub fn create_draft_with_content(
    conn: &mut DbConn,
    actor: &Actor,
    kind: &str,
    content: &ApplicationContent,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    let kind = Kind::parse(kind);
    let content = &content.for_kind(kind.unwrap_or(Kind::New));
    let mut errors = content.check_draft();
    if kind.is_none() {
        errors.add("kind", "error-kind");
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(WorkflowError::Invalid(errors));
    };
    let organisation_id = actor
        .organisation_id
        .clone()
        .ok_or(WorkflowError::Forbidden)?;
    let user_id = actor.user_id()?.to_string();
    let content_json = serde_json::to_string(&content).expect("content serialises");
    write_tx(conn, |conn| {
        let id = new_id();
        app_db::insert(
            conn,
            &NewApplication {
                id: &id,
                organisation_id: &organisation_id,
                created_by: &user_id,
                kind: kind.as_str(),
                status: Status::Draft.as_str(),
                content: &content_json,
                created_at: now,
                updated_at: now,
            },
        )?;
        record(
            conn,
            actor,
            AuditAction::ApplicationCreate,
            &id,
            None,
            Some(json!({ "kind": kind.as_str() })),
        )?;
        find(conn, &id)
    })
}

/// Saves the content of a draft (or of an application sent back with questions).
/// Only lengths and control characters are checked, so nothing typed is lost.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    content: &ApplicationContent,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    update(conn, actor, id, |_| content.clone(), now)
}

/// Saves the content `change` makes of the stored content, read and locked in the same
/// transaction: two partial updates at once both count, and a save identical to one just
/// made changes nothing.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    change: impl FnOnce(&ApplicationContent) -> ApplicationContent,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    write_tx(conn, |conn| {
        let app = find_own_for_update(conn, actor, id)?;
        let before = &app.content;
        let content = &change(before).for_kind(app.kind);
        let errors = content.check_draft();
        if !errors.is_empty() {
            return Err(WorkflowError::Invalid(errors));
        }
        if !app.status.is_editable() {
            return Err(WorkflowError::Conflict("error-not-editable"));
        }
        let json_content = serde_json::to_string(content).expect("content serialises");
        if app_db::update_content(conn, id, app.status, &json_content, now)? != 1 {
            return Err(WorkflowError::Conflict("error-not-editable"));
        }
        let changes: Vec<_> = content.changes_from(before);
        let declaration_changed = before.declaration_accepted != content.declaration_accepted;
        if !changes.is_empty() || declaration_changed {
            record(
                conn,
                actor,
                AuditAction::ApplicationSave,
                id,
                None,
                Some(json!({ "changed": changes.iter().map(|(f, _, _)| f).collect::<Vec<_>>() })),
            )?;
        }
        find(conn, id)
    })
}

/// Adds a file to an application the provider may still edit.
pub fn add_attachment(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
    now: NaiveDateTime,
) -> Result<AttachmentInfo, WorkflowError> {
    let upload = check_upload_as(
        bytes,
        "attachment_kind",
        kind,
        &ATTACHMENT_KINDS,
        "error-attachment-kind",
    )?;
    let (content_type, sha256) = (upload.content_type, &upload.sha256);
    let name = safe_file_name(file_name, content_type);
    let user_id = actor.user_id()?.to_string();
    write_tx(conn, |conn| {
        let app = find_own(conn, actor, id)?;
        if !app.status.is_editable() {
            return Err(WorkflowError::Conflict("error-not-editable"));
        }
        let attachment_id = new_id();
        attachment_db::insert(
            conn,
            &NewAttachment {
                id: &attachment_id,
                application_id: id,
                kind,
                file_name: &name,
                content_type,
                size_bytes: bytes.len() as i64,
                sha256,
                content: bytes,
                uploaded_by: &user_id,
                uploaded_at: now,
            },
        )?;
        record(
            conn,
            actor,
            AuditAction::ApplicationAttach,
            id,
            None,
            Some(
                json!({ "attachment": attachment_id, "kind": kind, "file_name": name, "sha256": sha256, "size": bytes.len() }),
            ),
        )?;
        attachment_db::list_for_application(conn, id)?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or(WorkflowError::NotFound)
    })
}

/// When the provider last submitted the application (first submission or answer), if
/// ever.
pub fn last_submitted(
    conn: &mut DbConn,
    app: &Application,
) -> Result<Option<NaiveDateTime>, WorkflowError> {
    Ok(app_db::list_revisions(conn, &app.id)?
        .last()
        .map(|r| r.submitted_at))
}

/// Whether the provider may remove this file of its application now (see
/// [`file_removable`]).
pub fn removable(
    conn: &mut DbConn,
    app: &Application,
    attachment: &AttachmentInfo,
) -> Result<bool, WorkflowError> {
    Ok(file_removable(
        app.status,
        attachment.uploaded_at,
        last_submitted(conn, app)?,
    ))
}

/// Removes a file from an application the provider may still edit.
pub fn remove_attachment(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    attachment_id: &str,
) -> Result<(), WorkflowError> {
    write_tx(conn, |conn| {
        let app = find_own(conn, actor, id)?;
        if !app.status.is_editable() {
            return Err(WorkflowError::Conflict("error-not-editable"));
        }
        let attachment = attachment_db::list_for_application(conn, id)?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or(WorkflowError::NotFound)?;
        if !removable(conn, &app, &attachment)? {
            return Err(WorkflowError::Conflict("error-file-on-record"));
        }
        if attachment_db::delete(conn, id, attachment_id)? != 1 {
            return Err(WorkflowError::NotFound);
        }
        record(
            conn,
            actor,
            AuditAction::ApplicationDetach,
            id,
            None,
            Some(json!({ "attachment": attachment_id })),
        )?;
        Ok(())
    })
}

/// Everything a submission must satisfy, with each problem named.
fn check_submission(
    conn: &mut DbConn,
    app: &Application,
    content: &ApplicationContent,
    today: chrono::NaiveDate,
) -> Result<(), WorkflowError> {
    submission_problems_of(conn, app, content, today)?
        .into_result(|| ())
        .map_err(WorkflowError::Invalid)
}

/// What a submission of `content` as the provider's application `id` would be refused for,
/// every field at once; nothing is saved.
pub fn submission_problems(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    content: &ApplicationContent,
    today: chrono::NaiveDate,
) -> Result<FieldErrors, WorkflowError> {
    let app = find_own(conn, actor, id)?;
    submission_problems_of(conn, &app, content, today)
}

fn submission_problems_of(
    conn: &mut DbConn,
    app: &Application,
    content: &ApplicationContent,
    today: chrono::NaiveDate,
) -> Result<FieldErrors, WorkflowError> {
    let kind = app.kind;
    let content = &content.applicable(kind);
    let mut errors = content.check_submission(kind, today);
    if kind.needs_existing_approval() && errors.get("related_approval_number").is_none() {
        let changeable = crate::db::models::connection::find_by_number(
            conn,
            content.get("related_approval_number"),
        )?
        .is_some_and(|c| c.organisation_id == app.organisation_id && !c.status.is_final());
        if !changeable {
            errors.add("related_approval_number", "error-approval-number-unknown");
        }
    }
    let attachments = attachment_db::list_for_application(conn, &app.id)?;
    for required in REQUIRED_ATTACHMENTS {
        if !attachments.iter().any(|a| a.kind == required) {
            errors.add(
                if required == "network_diagram" {
                    "attachment_network_diagram"
                } else {
                    "attachment_counterparty_contract"
                },
                "error-attachment-required",
            );
        }
    }
    Ok(errors)
}

/// Drops the values of fields that do not apply to the application (an existing approval
/// number on a new application, the voice fields of another type of link) from what is
/// submitted; the draft kept them so that nothing typed was lost while it was edited.
fn keep_applicable(
    conn: &mut DbConn,
    app: &Application,
    now: NaiveDateTime,
) -> Result<ApplicationContent, WorkflowError> {
    let applicable = app.content.applicable(app.kind);
    if applicable != app.content {
        let json_content = serde_json::to_string(&applicable).expect("content serialises");
        if app_db::update_content(conn, &app.id, app.status, &json_content, now)? != 1 {
            return Err(WorkflowError::Conflict("error-stale-state"));
        }
    }
    Ok(applicable)
}

/// Keeps the submitted version and moves the clock: a new revision, the reference number
/// on first submission, and the decision's due date.
fn record_revision(
    conn: &mut DbConn,
    actor: &Actor,
    app: &Application,
    content: &ApplicationContent,
    clock_paused_seconds: i64,
    clock: &dyn Clock,
    rules: &WorkflowRules,
) -> Result<i32, WorkflowError> {
    let (now, today) = (clock.now(), clock.today_in_vientiane());
    let reference = match &app.reference {
        Some(r) => r.clone(),
        None => {
            let number = crate::db::models::sequence::next(conn, "APP", today.year())?;
            format!("APP-{}-{number:05}", today.year())
        }
    };
    let submitted_at = app.submitted_at.unwrap_or(now);
    let revision = app.revision + 1;
    app_db::record_submission(
        conn,
        &app.id,
        &SubmissionChanges {
            reference: Some(&reference),
            revision,
            submitted_at: Some(submitted_at),
            decision_due_at: Some(decision_due(
                submitted_at,
                clock_paused_seconds,
                rules.decision_days,
            )),
            clock_paused_seconds,
        },
    )?;
    app_db::insert_revision(
        conn,
        &NewRevision {
            id: &new_id(),
            application_id: &app.id,
            number: revision,
            snapshot: &serde_json::to_string(content).expect("content serialises"),
            submitted_by: actor.user_id()?,
            submitted_at: now,
        },
    )?;
    Ok(revision)
}

/// Submits a complete draft: it gets its reference number and goes to the secretariat.
pub fn submit(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    clock: &dyn Clock,
    rules: &WorkflowRules,
) -> Result<Application, WorkflowError> {
    let (now, today) = (clock.now(), clock.today_in_vientiane());
    write_tx(conn, |conn| {
        let app = find_own(conn, actor, id)?;
        if app.status != Status::Draft {
            return Err(WorkflowError::Conflict("error-wrong-state"));
        }
        let content = keep_applicable(conn, &app, now)?;
        check_submission(conn, &app, &content, today)?;
        transition(conn, &app, Action::Submit, now)?;
        let revision = record_revision(
            conn,
            actor,
            &app,
            &content,
            app.clock_paused_seconds,
            clock,
            rules,
        )?;
        record(
            conn,
            actor,
            AuditAction::ApplicationSubmit,
            id,
            None,
            Some(json!({ "revision": revision })),
        )?;
        let submitted = find(conn, id)?;
        let to = notify::application_contacts(conn, &submitted)?;
        let params = notify::application_params(conn, &submitted, false)?;
        notify::enqueue(conn, MessageKind::SubmissionReceipt, &to, &params, now)?;
        let to = notify::secretariat(conn, rules)?;
        let params = notify::application_params(conn, &submitted, true)?;
        notify::enqueue(conn, MessageKind::NewApplication, &to, &params, now)?;
        Ok(submitted)
    })
}

/// Answers the open information request and resubmits: the application returns to
/// screening, and the days the request was open are added to the legal clock.
pub fn answer_and_resubmit(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    answer: &str,
    clock: &dyn Clock,
    rules: &WorkflowRules,
) -> Result<Application, WorkflowError> {
    let (now, today) = (clock.now(), clock.today_in_vientiane());
    let mut errors = FieldErrors::new();
    let answer = errors.text("answer", answer, true, 8000);
    if !errors.is_empty() {
        return Err(WorkflowError::Invalid(errors));
    }
    write_tx(conn, |conn| {
        let app = find_own(conn, actor, id)?;
        if app.status != Status::InfoRequested {
            return Err(WorkflowError::Conflict("error-wrong-state"));
        }
        let request =
            rfi_db::find_open(conn, id)?.ok_or(WorkflowError::Conflict("error-wrong-state"))?;
        let content = keep_applicable(conn, &app, now)?;
        check_submission(conn, &app, &content, today)?;
        if rfi_db::record_answer(conn, &request.id, &answer, actor.user_id()?, now)? != 1 {
            return Err(WorkflowError::Conflict("error-stale-state"));
        }
        transition(conn, &app, Action::Resubmit, now)?;
        let paused = app.clock_paused_seconds + (now - request.requested_at).num_seconds().max(0);
        let revision = record_revision(conn, actor, &app, &content, paused, clock, rules)?;
        record(
            conn,
            actor,
            AuditAction::ApplicationResubmit,
            id,
            None,
            Some(json!({ "revision": revision, "information_request": request.id })),
        )?;
        let resubmitted = find(conn, id)?;
        let to = notify::secretariat(conn, rules)?;
        let params = notify::application_params(conn, &resubmitted, true)?;
        notify::enqueue(conn, MessageKind::InformationAnswered, &to, &params, now)?;
        Ok(resubmitted)
    })
}

/// Withdraws an application at any point before the decision. Once it was submitted, the
/// secretariat is told, and so are those who had it in hand: its assigned reviewers and,
/// during the vote, the voting committee.
pub fn withdraw(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<Application, WorkflowError> {
    write_tx(conn, |conn| {
        let app = find_own(conn, actor, id)?;
        let from = app.status;
        transition(conn, &app, Action::Withdraw, now)?;
        app_db::set_closed_at(conn, id, now)?;
        record(
            conn,
            actor,
            AuditAction::ApplicationWithdraw,
            id,
            Some(json!({ "status": from.as_str() })),
            None,
        )?;
        if submitted(&app) {
            let mut to = notify::secretariat(conn, rules)?;
            to.extend(notify::assigned_reviewers(conn, id)?);
            if from == Status::Voting {
                to.extend(notify::voting_members(conn, id)?);
            }
            let to = notify::except_actor(to, actor);
            let params = notify::application_params(conn, &app, true)?;
            notify::enqueue(conn, MessageKind::ApplicationWithdrawn, &to, &params, now)?;
        }
        find(conn, id)
    })
}

/// The secretariat takes a submitted application for its completeness check.
pub fn start_screening(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    write_tx(conn, |conn| {
        let app = find(conn, id)?;
        check_step(CaseStep::Screen, app.status, &Seat::staff(actor.role), None)?;
        transition(conn, &app, Action::StartScreening, now)?;
        record(
            conn,
            actor,
            AuditAction::ApplicationStartScreening,
            id,
            None,
            None,
        )?;
        find(conn, id)
    })
}

/// The secretariat sends questions back with a deadline (`days`, default from the rules).
pub fn request_information(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    questions: &str,
    days: &str,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<Application, WorkflowError> {
    let mut errors = FieldErrors::new();
    let questions = errors.text("questions", questions, true, 8000);
    let days = match days.trim() {
        "" => rules.rfi_days,
        raw => match raw.parse::<i64>() {
            Ok(d) if (1..=90).contains(&d) => d,
            _ => {
                errors.add("days", "error-rfi-days");
                0
            }
        },
    };
    if !errors.is_empty() {
        return Err(WorkflowError::Invalid(errors));
    }
    write_tx(conn, |conn| {
        let app = find(conn, id)?;
        check_step(
            CaseStep::RequestInformation,
            app.status,
            &Seat::staff(actor.role),
            None,
        )?;
        transition(conn, &app, Action::RequestInfo, now)?;
        let request_id = new_id();
        let deadline = now + TimeDelta::days(days);
        rfi_db::insert(
            conn,
            &NewInformationRequest {
                id: &request_id,
                application_id: id,
                questions: &questions,
                deadline_at: deadline,
                requested_by: actor.user_id()?,
                requested_at: now,
            },
        )?;
        record(
            conn,
            actor,
            AuditAction::ApplicationRequestInfo,
            id,
            None,
            Some(json!({ "information_request": request_id, "deadline": deadline.to_string() })),
        )?;
        let to = notify::application_contacts(conn, &app)?;
        let params = Params {
            text: questions.clone(),
            date: Some(deadline),
            ..notify::application_params(conn, &app, false)?
        };
        notify::enqueue(conn, MessageKind::InformationRequested, &to, &params, now)?;
        find(conn, id)
    })
}

/// The secretariat finds the application complete and sends it to review.
pub fn mark_complete(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    write_tx(conn, |conn| {
        let app = find(conn, id)?;
        check_step(
            CaseStep::RequestInformation,
            app.status,
            &Seat::staff(actor.role),
            None,
        )?;
        transition(conn, &app, Action::MarkComplete, now)?;
        app_db::set_completed_at(conn, id, now)?;
        record(
            conn,
            actor,
            AuditAction::ApplicationMarkComplete,
            id,
            None,
            None,
        )?;
        find(conn, id)
    })
}

/// Dismisses applications whose information request passed its deadline unanswered, and
/// tells the provider's people and the secretariat. Safe to run at any time and more than
/// once: each request lapses once.
pub fn lapse_unanswered_requests(
    conn: &mut DbConn,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<usize, WorkflowError> {
    let actor = Actor::system(SCHEDULER);
    let overdue = rfi_db::list_past_deadline(conn, now)?;
    let mut dismissed = 0;
    for request in overdue {
        let done = write_tx(conn, |conn| {
            if rfi_db::record_lapse(conn, &request.id, now)? != 1 {
                return Ok::<_, WorkflowError>(false);
            }
            let app = find(conn, &request.application_id)?;
            if app.status != Status::InfoRequested {
                return Ok(false);
            }
            transition(conn, &app, Action::Lapse, now)?;
            app_db::set_closed_at(conn, &app.id, now)?;
            record(
                conn,
                &actor,
                AuditAction::ApplicationDismiss,
                &app.id,
                None,
                Some(
                    json!({ "information_request": request.id, "deadline": request.deadline_at.to_string() }),
                ),
            )?;
            let deadline = Some(request.deadline_at);
            let to = notify::application_contacts(conn, &app)?;
            let params = Params {
                date: deadline,
                ..notify::application_params(conn, &app, false)?
            };
            notify::enqueue(conn, MessageKind::ApplicationDismissed, &to, &params, now)?;
            let to = notify::secretariat(conn, rules)?;
            let params = Params {
                date: deadline,
                ..notify::application_params(conn, &app, true)?
            };
            notify::enqueue(conn, MessageKind::ApplicationDismissed, &to, &params, now)?;
            Ok(true)
        })?;
        dismissed += usize::from(done);
    }
    Ok(dismissed)
}

/// A provider's application in its list, with its open information request if it has one.
pub type Listed = (Application, Option<InformationRequest>);

/// The provider's list: every application of `organisation_id`, newest first, each in
/// `info_requested` with its open request.
pub fn listing(conn: &mut DbConn, organisation_id: &str) -> Result<Vec<Listed>, WorkflowError> {
    let apps = app_db::list_by_organisation(conn, organisation_id)?;
    let mut listed = Vec::with_capacity(apps.len());
    for app in apps {
        let open = match app.status {
            Status::InfoRequested => rfi_db::find_open(conn, &app.id)?,
            _ => None,
        };
        listed.push((app, open));
    }
    Ok(listed)
}

/// What the application form shows: the application, its files and its submitted
/// versions (which date each file).
#[derive(Debug, Clone)]
pub struct DraftPage {
    pub app: Application,
    pub attachments: Vec<AttachmentInfo>,
    pub revisions: Vec<Revision>,
}

/// Reads the form of the acting provider's application `id`; one it may no longer edit
/// is a conflict.
pub fn draft_page(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<DraftPage, WorkflowError> {
    let app = find_own(conn, actor, id)?;
    let attachments = attachment_db::list_for_application(conn, id)?;
    let revisions = app_db::list_revisions(conn, id)?;
    if !app.status.is_editable() {
        return Err(WorkflowError::Conflict("error-not-editable"));
    }
    Ok(DraftPage {
        app,
        attachments,
        revisions,
    })
}

/// What the provider's page of one application shows: the application, its files,
/// questions, history and versions, and the connection its approval made.
#[derive(Debug, Clone)]
pub struct Detail {
    pub app: Application,
    pub attachments: Vec<AttachmentInfo>,
    pub requests: Vec<InformationRequest>,
    pub events: Vec<audit::AuditEvent>,
    pub revisions: Vec<Revision>,
    pub connection: Option<Connection>,
}

/// Reads the acting provider's application `id` for its page.
pub fn detail(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Detail, WorkflowError> {
    let app = find_own(conn, actor, id)?;
    let attachments = attachment_db::list_for_application(conn, id)?;
    let requests = rfi_db::list_for_application(conn, id)?;
    let events = audit::list_for_subject(conn, "application", id)?;
    let revisions = app_db::list_revisions(conn, id)?;
    let connection = approved_connection(conn, &app)?;
    Ok(Detail {
        app,
        attachments,
        requests,
        events,
        revisions,
        connection,
    })
}

/// A file the provider asks to remove, and whether it may be removed now.
#[derive(Debug, Clone)]
pub struct Removal {
    pub app: Application,
    pub attachment: AttachmentInfo,
    pub removable: bool,
    /// Whether the application's content may still change (a file that may not be removed
    /// from an editable application is on record in a submitted version).
    pub editable: bool,
}

/// Reads the file `attachment_id` of the acting provider's application `id`, for the
/// page that confirms its removal.
pub fn removal(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    attachment_id: &str,
) -> Result<Removal, WorkflowError> {
    let app = find_own(conn, actor, id)?;
    let attachment = attachment_db::list_for_application(conn, id)?
        .into_iter()
        .find(|a| a.id == attachment_id)
        .ok_or(WorkflowError::NotFound)?;
    let removable = removable(conn, &app, &attachment)?;
    Ok(Removal {
        editable: app.status.is_editable(),
        app,
        attachment,
        removable,
    })
}

/// The file `attachment_id` of application `id` with its content, if `may_read` allows
/// the reader the files of the application's organisation (given whether it was
/// submitted); otherwise, as for a file that does not exist, not found.
pub fn attachment_file(
    conn: &mut DbConn,
    id: &str,
    attachment_id: &str,
    may_read: impl FnOnce(&str, bool) -> bool,
) -> Result<(AttachmentInfo, Vec<u8>), WorkflowError> {
    let app = find(conn, id)?;
    if !may_read(&app.organisation_id, submitted(&app)) {
        return Err(WorkflowError::NotFound);
    }
    attachment_db::find_with_content(conn, id, attachment_id)?.ok_or(WorkflowError::NotFound)
}

/// A file sent with the application form: its kind, name and content.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub kind: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What came of one press of the application form's button.
#[derive(Debug, Clone)]
pub struct FormOutcome {
    /// Every step's problems together; empty when all was done.
    pub errors: FieldErrors,
    /// The application was saved while it answers an information request: the changes
    /// reach the committee with the answer.
    pub answering: bool,
}

/// One press of the provider's application form: saves what was typed, attaches `file`
/// if one was sent, and submits when `submit` asks. Each step is its own transaction, so
/// the save commits even when the file or the submission is refused: nothing typed is
/// lost. The steps' problems come back together, and when a submission is refused every
/// field's problem is named at once, even when what was typed could not be saved (then
/// the submission is not tried). Validation problems are the outcome's; any other
/// failure stops at once.
pub fn save_and_submit(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    (content, file, submit): (&ApplicationContent, Option<&NewFile>, bool),
    clock: &dyn Clock,
    rules: &WorkflowRules,
) -> Result<FormOutcome, WorkflowError> {
    let now = clock.now();
    let mut errors = FieldErrors::new();
    let saved = save(conn, actor, id, content, now);
    let answering = saved
        .as_ref()
        .is_ok_and(|app| app.status == Status::InfoRequested);
    keep_problems(&mut errors, saved)?;
    if let Some(file) = file {
        let added = add_attachment(conn, actor, id, &file.kind, &file.name, &file.bytes, now);
        keep_problems(&mut errors, added)?;
    }
    if submit {
        if errors.is_empty() {
            keep_problems(&mut errors, self::submit(conn, actor, id, clock, rules))?;
        } else {
            let today = clock.today_in_vientiane();
            errors.merge(submission_problems(conn, actor, id, content, today)?);
        }
    }
    Ok(FormOutcome { errors, answering })
}

/// Keeps a step's validation problems in `errors`; any other failure stops.
fn keep_problems<T>(
    errors: &mut FieldErrors,
    step: Result<T, WorkflowError>,
) -> Result<(), WorkflowError> {
    match step {
        Ok(_) => Ok(()),
        Err(WorkflowError::Invalid(problems)) => {
            errors.merge(problems);
            Ok(())
        }
        Err(other) => Err(other),
    }
}
