//! Who is told what: recipients follow roles and organisations, and each message is
//! written to the outbox inside the transaction of the event that caused it, so an event
//! and its notices are kept or lost together. Delivery is the mail worker's job; the
//! outbox page reads what waits and what went here.

use chrono::{NaiveDateTime, Timelike};
use serde_json::json;

use crate::db::models::application::{self as app_db, Application};
use crate::db::models::connection::{self as connection_db, Connection};
use crate::db::models::outbox::{self as outbox_db, OutboxMessage};
use crate::db::models::user::{self as user_db, User};
use crate::db::models::{committee as committee_db, organisation as organisation_db};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::application::Status;
use crate::domain::audit::AuditAction;
use crate::domain::committee::Recommendation;
use crate::domain::language::Lang;
use crate::domain::notification::{Item, MessageKind, Params};
use crate::domain::role::Role;
use crate::domain::rules::WorkflowRules;
use crate::workflows::{Actor, WorkflowError};

/// Someone a message goes to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub user_id: Option<String>,
    pub lang: Lang,
    /// Takes committee notices as a daily digest.
    pub digest: bool,
}

impl From<&User> for Recipient {
    fn from(user: &User) -> Self {
        Recipient {
            email: user.email.clone(),
            name: user.name.clone(),
            user_id: Some(user.id.clone()),
            lang: user
                .language
                .as_deref()
                .and_then(Lang::parse)
                .unwrap_or_default(),
            digest: user.committee_digest,
        }
    }
}

/// Queues `kind` for each recipient (once per address) and returns the messages' ids.
/// Committee notices to someone who takes the digest are held for it.
pub fn enqueue(
    conn: &mut DbConn,
    kind: MessageKind,
    recipients: &[Recipient],
    params: &Params,
    now: NaiveDateTime,
) -> diesel::QueryResult<Vec<String>> {
    let params_json = serde_json::to_string(params).expect("params serialise");
    let mut seen = std::collections::HashSet::new();
    let mut queued = Vec::new();
    for recipient in recipients {
        if !seen.insert(recipient.email.to_lowercase()) {
            continue;
        }
        let held = kind.is_committee_notice() && recipient.digest;
        let id = new_id();
        outbox_db::insert(
            conn,
            &OutboxMessage {
                id: id.clone(),
                message: kind.as_str().to_string(),
                recipient_email: recipient.email.clone(),
                recipient_name: recipient.name.clone(),
                recipient_user_id: recipient.user_id.clone(),
                language: recipient.lang.code().to_string(),
                params: params_json.clone(),
                status: if held { "held" } else { "queued" }.to_string(),
                attempts: 0,
                next_attempt_at: now,
                claimed_by: None,
                claimed_until: None,
                last_error: String::new(),
                created_at: now,
                sent_at: None,
                digest_id: None,
            },
        )?;
        queued.push(id);
    }
    Ok(queued)
}

/// The organisation's own people: its active applicants and organisation admins.
pub fn organisation_contacts(
    conn: &mut DbConn,
    organisation_id: &str,
) -> diesel::QueryResult<Vec<Recipient>> {
    let roles = [Role::Applicant.as_str(), Role::OrgAdmin.as_str()];
    Ok(
        user_db::list_active_with_roles(conn, &roles, Some(organisation_id))?
            .iter()
            .map(Recipient::from)
            .collect(),
    )
}

/// The organisation's people and the contact named in the application, who is written to
/// in the language of the person who started it.
pub fn application_contacts(
    conn: &mut DbConn,
    app: &Application,
) -> diesel::QueryResult<Vec<Recipient>> {
    let mut recipients = organisation_contacts(conn, &app.organisation_id)?;
    let email = app.content.get("contact_email").trim().to_lowercase();
    if crate::domain::account::EmailAddress::parse(&email).is_ok()
        && !recipients
            .iter()
            .any(|r| r.email.eq_ignore_ascii_case(&email))
    {
        let lang = user_db::find(conn, &app.created_by)?
            .and_then(|u| u.language)
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default();
        recipients.push(Recipient {
            email,
            name: app.content.get("contact_name").to_string(),
            user_id: None,
            lang,
            digest: false,
        });
    }
    Ok(recipients)
}

/// The secretariat: its shared address when one is set, otherwise each secretariat user.
pub fn secretariat(
    conn: &mut DbConn,
    rules: &WorkflowRules,
) -> diesel::QueryResult<Vec<Recipient>> {
    if let Some(email) = &rules.secretariat_email {
        return Ok(vec![Recipient {
            email: email.clone(),
            name: String::new(),
            user_id: None,
            lang: rules.secretariat_language,
            digest: false,
        }]);
    }
    Ok(
        user_db::list_active_with_roles(conn, &[Role::Secretariat.as_str()], None)?
            .iter()
            .map(Recipient::from)
            .collect(),
    )
}

/// Active committee members not recused from the application.
pub fn voting_members(
    conn: &mut DbConn,
    application_id: &str,
) -> diesel::QueryResult<Vec<Recipient>> {
    let members = user_db::list_active_committee(conn)?
        .iter()
        .map(Recipient::from)
        .collect();
    not_recused(conn, application_id, members)
}

/// The active committee chairs, who sign the committee's decisions and decide show-cause
/// cases.
pub fn chairs(conn: &mut DbConn) -> diesel::QueryResult<Vec<Recipient>> {
    with_role(conn, Role::Chair)
}

/// The active auditors, who are sent the audit chain's daily checkpoint.
pub fn auditors(conn: &mut DbConn) -> diesel::QueryResult<Vec<Recipient>> {
    with_role(conn, Role::Auditor)
}

/// The active users of `role`.
fn with_role(conn: &mut DbConn, role: Role) -> diesel::QueryResult<Vec<Recipient>> {
    Ok(
        user_db::list_active_with_roles(conn, &[role.as_str()], None)?
            .iter()
            .map(Recipient::from)
            .collect(),
    )
}

/// The active reviewers who hold a review of the application, open or recorded (not one
/// withdrawn or given up by recusal).
pub fn assigned_reviewers(
    conn: &mut DbConn,
    application_id: &str,
) -> diesel::QueryResult<Vec<Recipient>> {
    let mut reviewers = Vec::new();
    for (assignment, _) in committee_db::list_assignments(conn, application_id)? {
        let in_hand = assignment
            .recommendation
            .as_deref()
            .is_none_or(|r| Recommendation::parse(r).is_some());
        if in_hand {
            reviewers.extend(user(conn, &assignment.reviewer_id)?);
        }
    }
    not_recused(conn, application_id, reviewers)
}

/// `recipients` less the members recused from the application.
pub fn not_recused(
    conn: &mut DbConn,
    application_id: &str,
    recipients: Vec<Recipient>,
) -> diesel::QueryResult<Vec<Recipient>> {
    let recused: Vec<String> = committee_db::list_recusals(conn, application_id)?
        .into_iter()
        .map(|(r, _)| r.user_id)
        .collect();
    Ok(recipients
        .into_iter()
        .filter(|r| r.user_id.as_ref().is_none_or(|id| !recused.contains(id)))
        .collect())
}

/// `recipients` less the person acting: nobody is told of their own act.
pub fn except_actor(recipients: Vec<Recipient>, actor: &Actor) -> Vec<Recipient> {
    recipients
        .into_iter()
        .filter(|r| actor.id.is_none() || r.user_id != actor.id)
        .collect()
}

/// One user, if active.
pub fn user(conn: &mut DbConn, user_id: &str) -> diesel::QueryResult<Vec<Recipient>> {
    Ok(user_db::find(conn, user_id)?
        .filter(|u| u.active)
        .iter()
        .map(Recipient::from)
        .collect())
}

/// The organisation's legal names, English and Lao.
fn organisation_names(
    conn: &mut DbConn,
    organisation_id: &str,
) -> diesel::QueryResult<(String, String)> {
    Ok(organisation_db::find(conn, organisation_id)?
        .map(|o| (o.name_en, o.name_lo))
        .unwrap_or_default())
}

/// The facts every message about an application carries: its reference, its
/// organisation, and the page to open (the provider's or the committee's).
pub fn application_params(
    conn: &mut DbConn,
    app: &Application,
    committee_page: bool,
) -> diesel::QueryResult<Params> {
    let (organisation_en, organisation_lo) = organisation_names(conn, &app.organisation_id)?;
    Ok(Params {
        path: if committee_page {
            format!("/committee/applications/{}", app.id)
        } else {
            format!("/applications/{}", app.id)
        },
        reference: app.reference.clone().unwrap_or_default(),
        organisation_en,
        organisation_lo,
        ..Params::default()
    })
}

/// The facts of a message to a provider about one of its connections.
pub fn connection_params(number: &str, connection_id: &str) -> Params {
    Params {
        path: format!("/connections/{connection_id}"),
        reference: number.to_string(),
        ..Params::default()
    }
}

/// The facts of a message to the committee's staff about a connection: its number, its
/// provider, and the committee's page of it.
pub fn committee_connection_params(
    conn: &mut DbConn,
    connection: &Connection,
) -> diesel::QueryResult<Params> {
    let (organisation_en, organisation_lo) = organisation_names(conn, &connection.organisation_id)?;
    Ok(Params {
        path: format!("/committee/connections/{}", connection.id),
        reference: connection.approval_number.clone(),
        organisation_en,
        organisation_lo,
        ..Params::default()
    })
}

/// The hour (Vientiane time) from which the day's digests and overdue reminders go out.
pub const DAILY_HOUR: u32 = 7;

/// Gathers each user's held committee notices into one digest, once a day from
/// `DAILY_HOUR`. Notices held after that day's digest wait for the next day's.
pub fn send_digests(
    conn: &mut DbConn,
    now: NaiveDateTime,
    local_now: NaiveDateTime,
) -> Result<usize, WorkflowError> {
    if local_now.hour() < DAILY_HOUR {
        return Ok(0);
    }
    let today = local_now.date();
    let mut sent = 0;
    for user_id in outbox_db::list_digest_recipients(conn)? {
        let done = write_tx(conn, |conn| {
            if !connection_db::claim_mark(conn, "digest", &format!("{user_id}:{today}"), now)? {
                return Ok::<_, WorkflowError>(false);
            }
            let held = outbox_db::list_held_for(conn, &user_id)?;
            let items: Vec<Item> = held
                .iter()
                .map(|m| {
                    let params: Params = serde_json::from_str(&m.params).unwrap_or_default();
                    Item {
                        kind: m.message.clone(),
                        reference: params.reference,
                        path: params.path,
                        date: None,
                    }
                })
                .collect();
            let ids: Vec<String> = held.into_iter().map(|m| m.id).collect();
            let params = Params {
                path: "/committee".to_string(),
                items,
                ..Params::default()
            };
            let to = user(conn, &user_id)?;
            let digest = enqueue(conn, MessageKind::Digest, &to, &params, now)?;
            let digest_id = digest.first().cloned().unwrap_or_default();
            outbox_db::mark_digested(conn, &ids, &digest_id)?;
            Ok(!digest.is_empty())
        })?;
        sent += usize::from(done);
    }
    Ok(sent)
}

/// Once a day from `DAILY_HOUR`, tells the secretariat which applications are past the
/// date the committee must decide by.
pub fn remind_overdue(
    conn: &mut DbConn,
    rules: &WorkflowRules,
    now: NaiveDateTime,
    local_now: NaiveDateTime,
) -> Result<bool, WorkflowError> {
    if local_now.hour() < DAILY_HOUR {
        return Ok(false);
    }
    let running: Vec<Status> = Status::ALL.into_iter().filter(|s| s.clock_runs()).collect();
    write_tx(conn, |conn| {
        let today = local_now.date().to_string();
        if !connection_db::claim_mark(conn, "overdue_reminder", &today, now)? {
            return Ok(false);
        }
        let items: Vec<Item> = app_db::list_in_states(conn, &running)?
            .into_iter()
            .filter_map(|(app, _, _)| {
                let due = app.decision_due_at.filter(|due| *due < now)?;
                Some(Item {
                    kind: String::new(),
                    reference: app.reference.unwrap_or_default(),
                    path: format!("/committee/applications/{}", app.id),
                    date: Some(due),
                })
            })
            .collect();
        if items.is_empty() {
            return Ok(false);
        }
        let params = Params {
            path: "/committee".to_string(),
            items,
            ..Params::default()
        };
        let to = secretariat(conn, rules)?;
        enqueue(conn, MessageKind::Overdue, &to, &params, now)?;
        Ok(true)
    })
}

/// An administrator puts a failed message back in the queue with a fresh set of attempts.
pub fn retry(
    conn: &mut DbConn,
    actor: &Actor,
    message_id: &str,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    write_tx(conn, |conn| {
        let message = outbox_db::find(conn, message_id)?.ok_or(WorkflowError::NotFound)?;
        if outbox_db::retry(conn, message_id, now)? != 1 {
            return Err(WorkflowError::Conflict("error-wrong-state"));
        }
        crate::workflows::audit::record(
            conn,
            actor,
            AuditAction::OutboxRetry,
            "outbox_message",
            message_id,
            Some(
                json!({ "status": message.status, "attempts": message.attempts, "last_error": message.last_error }),
            ),
            Some(json!({ "status": "queued" })),
        )?;
        Ok(())
    })
}

/// What the outbox page shows: how many messages are in each status, and the newest
/// messages (of one status, if given) older than the message `before`, if any.
#[derive(Debug)]
pub struct Outbox {
    /// (status, count) for the statuses that have messages.
    pub counts: Vec<(String, i64)>,
    pub messages: Vec<OutboxMessage>,
}

/// The outbox's messages, `size` at a time; `before` is a message id, or empty for the
/// newest (an unknown id counts as empty).
pub fn outbox(
    conn: &mut DbConn,
    status: Option<&str>,
    before: &str,
    size: i64,
) -> Result<Outbox, WorkflowError> {
    let counts = outbox_db::count_by_status(conn)?;
    let cursor = match before {
        "" => None,
        id => outbox_db::find(conn, id)?.map(|m| (m.created_at, m.id)),
    };
    let messages = outbox_db::list_recent(conn, status, cursor, size)?;
    Ok(Outbox { counts, messages })
}
