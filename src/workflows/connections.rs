//! The registry's use cases: an approval becomes (or changes) a connection; suspension
//! and reinstatement; revocation by due process; disconnection; and the scheduled work
//! (expiry, reminders, missed deadlines). Each is one transaction with its audit event
//! and its dated connection event. And the reads of the provider's and the committee's
//! connection pages: a provider's own connections, those the committee must act on, a
//! connection's page and its files.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde_json::json;

use crate::db::models::application::Application;
use crate::db::models::certificate as certificate_db;
pub use crate::db::models::connection::Connection;
use crate::db::models::connection::{
    self as connection_db, ConnectionEvent, ConnectionFile, ConnectionToActOn, Cursor, Need,
    NewConnection, RegistrySort, ShowCause, TermsChanges,
};
use crate::db::models::organisation::{self as org_db, Organisation};
use crate::db::models::routing as routing_db;
use crate::db::{DbConn, Position, new_id, write_tx};
use crate::domain::account::Asn;
use crate::domain::application_form::{ApplicationContent, Kind};
use crate::domain::audit::{AuditAction, SCHEDULER};
use crate::domain::connection::{
    ConnectionAction, ConnectionRefusal, ConnectionSide, ConnectionStatus, ConnectionStep,
    FILE_PURPOSES, OpenCase, Standing, approval_number, check_connection_step, reminder_due,
    revocation_may_be_decided, valid_until,
};
use crate::domain::file::{check_upload_as, safe_file_name};
use crate::domain::notification::{MessageKind, Params};
use crate::domain::rules::WorkflowRules;
use crate::domain::validation::FieldErrors;
use crate::workflows::paging::{self, Span};
use crate::workflows::{Actor, WorkflowError, notify, registry, transparency};

/// Default days a provider has to answer a show-cause notice.
pub const SHOW_CAUSE_DAYS: i64 = 30;
/// Default days a provider has to disconnect after revocation.
pub const DISCONNECTION_DAYS: i64 = 15;

fn record_audit(
    conn: &mut DbConn,
    actor: &Actor,
    action: AuditAction,
    connection: &Connection,
    after: serde_json::Value,
) -> diesel::QueryResult<i64> {
    crate::workflows::audit::record(
        conn,
        actor,
        action,
        "connection",
        &connection.id,
        Some(json!({ "status": connection.status })),
        Some(after),
    )
}

fn event(
    conn: &mut DbConn,
    connection_id: &str,
    kind: &str,
    actor: &Actor,
    reason: &str,
    details: serde_json::Value,
    at: NaiveDateTime,
) -> Result<(), WorkflowError> {
    connection_db::insert_event(
        conn,
        &ConnectionEvent {
            id: new_id(),
            connection_id: connection_id.to_string(),
            kind: kind.to_string(),
            occurred_at: at,
            actor_id: actor.id.clone(),
            reason: reason.to_string(),
            details: details.to_string(),
        },
    )?;
    if crate::domain::connection::PUBLIC_EVENTS.contains(&kind) {
        let connection = find(conn, connection_id)?;
        transparency::append(conn, &connection, kind, at, None)?;
    }
    Ok(())
}

/// Tells the connection's provider what happened to it.
fn tell_provider(
    conn: &mut DbConn,
    connection: &Connection,
    kind: MessageKind,
    params: Params,
    now: NaiveDateTime,
) -> diesel::QueryResult<Vec<String>> {
    let to = notify::organisation_contacts(conn, &connection.organisation_id)?;
    let params = Params {
        valid_until: Some(connection.valid_until),
        ..params
    };
    notify::enqueue(conn, kind, &to, &params, now)
}

/// Lower-cased text the public registry's free-text search looks in.
fn search_text(number: &str, provider: &str, counterparty: &str, country: &str) -> String {
    format!("{number} {provider} {counterparty} {country}").to_lowercase()
}

/// The provider's names as the registry's search text holds them.
fn provider_names(organisation: &Organisation) -> String {
    format!("{} {}", organisation.name_en, organisation.name_lo)
}

/// Rewrites the search text of every connection of `organisation` after its approved
/// names changed, inside the caller's transaction, so the registry finds it by its names
/// of today.
pub fn refresh_search_text(
    conn: &mut DbConn,
    organisation: &Organisation,
) -> diesel::QueryResult<()> {
    let provider = provider_names(organisation);
    for c in connection_db::list_by_organisation(conn, &organisation.id)? {
        let text = search_text(
            &c.approval_number,
            &provider,
            &c.counterparty_name,
            &c.counterparty_country,
        );
        connection_db::update_search_text(conn, &c.id, &text)?;
    }
    Ok(())
}

fn capacity(content: &ApplicationContent) -> i64 {
    content
        .get("capacity_mbps")
        .replace([',', ' '], "")
        .parse()
        .unwrap_or(0)
}

/// The counterparty's AS number the terms name, if it reads as one.
fn counterparty_asn(content: &ApplicationContent) -> Option<i64> {
    Asn::parse(content.get("counterparty_asn"))
        .ok()
        .map(|asn| i64::from(asn.value()))
}

/// Turns an approved application into the registry's record, inside the decision's
/// transaction: a new connection with the next approval number (new applications and
/// declarations), or new terms on the existing connection (modifications and renewals),
/// the old terms kept in the connection's history.
pub fn record_approval(
    conn: &mut DbConn,
    actor: &Actor,
    app: &Application,
    validity_months: i32,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<Connection, WorkflowError> {
    let content = &app.content;
    let provider = crate::db::models::organisation::find(conn, &app.organisation_id)?
        .as_ref()
        .map(provider_names)
        .unwrap_or_default();
    let months = u32::try_from(validity_months).unwrap_or(1);
    let terms = serde_json::to_string(content).expect("content serialises");
    let kind = app.kind;
    if kind.needs_existing_approval() {
        let existing = connection_db::find_by_number(conn, content.get("related_approval_number"))?
            .filter(|c| c.organisation_id == app.organisation_id)
            .filter(|c| !c.status.is_final())
            .ok_or(WorkflowError::Conflict("error-connection-not-changeable"))?;
        let until = if kind == Kind::Renewal {
            valid_until(
                existing
                    .valid_until
                    .succ_opt()
                    .unwrap_or(existing.valid_until),
                months,
            )
        } else {
            existing.valid_until
        };
        connection_db::update_terms(
            conn,
            &existing.id,
            &TermsChanges {
                application_id: &app.id,
                connection_type: content.get("connection_type"),
                counterparty_name: content.get("counterparty_name"),
                counterparty_country: content.get("counterparty_country"),
                capacity_mbps: capacity(content),
                endpoint_province: content.get("endpoint_province"),
                terms: &terms,
                conditions: &app.decision_conditions,
                valid_until: until,
                search_text: &search_text(
                    &existing.approval_number,
                    &provider,
                    content.get("counterparty_name"),
                    content.get("counterparty_country"),
                ),
                updated_at: now,
                counterparty_asn: counterparty_asn(content),
            },
        )?;
        let (kind_name, audit_action) = if kind == Kind::Renewal {
            ("renewed", AuditAction::ConnectionRenewed)
        } else {
            ("modified", AuditAction::ConnectionModified)
        };
        event(
            conn,
            &existing.id,
            kind_name,
            actor,
            "",
            json!({
                "application": app.id,
                "previous_terms": serde_json::from_str::<serde_json::Value>(&existing.terms).unwrap_or_default(),
                "previous_valid_until": existing.valid_until.to_string(),
                "valid_until": until.to_string(),
            }),
            now,
        )?;
        record_audit(
            conn,
            actor,
            audit_action,
            &existing,
            json!({ "valid_until": until.to_string() }),
        )?;
        return connection_db::find(conn, &existing.id)?.ok_or(WorkflowError::NotFound);
    }
    let year = chrono::Datelike::year(&today);
    let number = approval_number(year, crate::db::models::sequence::next(conn, "IC", year)?);
    let requested =
        NaiveDate::parse_from_str(content.get("requested_start_date"), "%Y-%m-%d").unwrap_or(today);
    let valid_from = if kind == Kind::Declaration {
        today
    } else {
        requested.max(today)
    };
    let id = new_id();
    connection_db::insert(
        conn,
        &NewConnection {
            id: &id,
            approval_number: &number,
            application_id: &app.id,
            organisation_id: &app.organisation_id,
            status: ConnectionStatus::Active.as_str(),
            connection_type: content.get("connection_type"),
            counterparty_name: content.get("counterparty_name"),
            counterparty_country: content.get("counterparty_country"),
            capacity_mbps: capacity(content),
            endpoint_province: content.get("endpoint_province"),
            terms: &terms,
            conditions: &app.decision_conditions,
            valid_from,
            valid_until: valid_until(valid_from, months),
            approved_at: now,
            status_changed_at: now,
            search_text: &search_text(
                &number,
                &provider,
                content.get("counterparty_name"),
                content.get("counterparty_country"),
            ),
            created_at: now,
            updated_at: now,
            counterparty_asn: counterparty_asn(content),
        },
    )?;
    event(
        conn,
        &id,
        "approved",
        actor,
        "",
        json!({ "application": app.id }),
        now,
    )?;
    let created = connection_db::find(conn, &id)?.ok_or(WorkflowError::NotFound)?;
    record_audit(
        conn,
        actor,
        AuditAction::ConnectionApprove,
        &created,
        json!({ "approval_number": number }),
    )?;
    Ok(created)
}

fn find(conn: &mut DbConn, id: &str) -> Result<Connection, WorkflowError> {
    connection_db::find(conn, id)?.ok_or(WorkflowError::NotFound)
}

/// The connection if it belongs to the acting provider's organisation.
pub fn find_own(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Connection, WorkflowError> {
    let connection = find(conn, id)?;
    match &actor.organisation_id {
        Some(org) if *org == connection.organisation_id => Ok(connection),
        _ => Err(WorkflowError::NotFound),
    }
}

/// An organisation's connections, newest approval first, with every open show-cause case
/// (for their deadlines).
pub fn own_connections(
    conn: &mut DbConn,
    organisation_id: &str,
) -> Result<(Vec<Connection>, Vec<ShowCause>), WorkflowError> {
    Ok((
        connection_db::list_by_organisation(conn, organisation_id)?,
        connection_db::list_open_show_causes(conn)?,
    ))
}

/// A page of the connections needing the committee's action as asked for, checked
/// before any connection is taken from the pool: which need, and where the page is.
#[derive(Debug)]
pub struct ToActOnAsked {
    need: Need,
    position: Position<Cursor>,
}

impl ToActOnAsked {
    /// `need` is empty (any), `deadline`, `suspended`, `expiring` or `unverified`; the
    /// cursors are the registry's in expiry order. Anything else is a malformed query.
    pub fn of(need: &str, after: &str, before: &str) -> Result<ToActOnAsked, WorkflowError> {
        let need = match need {
            "" => Need::Any,
            "deadline" => Need::Deadline,
            "suspended" => Need::Suspended,
            "expiring" => Need::Expiring,
            "unverified" => Need::Unverified,
            _ => return Err(WorkflowError::MalformedQuery),
        };
        let sort = RegistrySort::Expiry;
        let position = paging::position(
            registry::parse_cursor(sort, after)?,
            registry::parse_cursor(sort, before)?,
        )?;
        Ok(ToActOnAsked { need, position })
    }
}

/// A page of `size` connections needing the committee's action (open show-cause cases,
/// revocations awaiting disconnection or its verification, suspensions, and connections
/// expiring by `expiring_by`), soonest expiry first: the rows with their provider's
/// names, where the page stands, and every open show-cause case (for their deadlines).
pub fn to_act_on(
    conn: &mut DbConn,
    asked: ToActOnAsked,
    expiring_by: NaiveDate,
    size: i64,
) -> Result<(Vec<ConnectionToActOn>, Span, Vec<ShowCause>), WorkflowError> {
    let ToActOnAsked { need, position } = asked;
    let expiry_cursor = |c: &Connection| Cursor::Expiry {
        valid_until: c.valid_until,
        id: c.id.clone(),
    };
    let mut found =
        connection_db::list_to_act_on(conn, need, expiring_by, position.as_ref(), size + 1)?;
    let total = connection_db::count_to_act_on(conn, need, expiring_by, None)?;
    let ahead = match paging::first_row(&found, &position, size) {
        Some((c, _, _)) => {
            connection_db::count_to_act_on(conn, need, expiring_by, Some(&expiry_cursor(c)))?
        }
        None => 0,
    };
    let cases = connection_db::list_open_show_causes(conn)?;
    let span = paging::span(&mut found, &position, size, total, ahead, |(c, _, _)| {
        registry::encode_cursor(&expiry_cursor(c))
    });
    Ok((found, span, cases))
}

/// Everything a connection's page shows: the connection, its provider, its history,
/// show-cause cases and files, and whether a signed certificate exists.
#[derive(Debug)]
pub struct ConnectionDetail {
    pub connection: Connection,
    pub provider: Option<Organisation>,
    pub events: Vec<ConnectionEvent>,
    pub cases: Vec<ShowCause>,
    pub files: Vec<ConnectionFile>,
    pub certified: bool,
}

/// The connection `id` for its page: for the committee any connection, for a provider
/// (`committee` false) only one of its organisation `reader_org`'s.
pub fn detail(
    conn: &mut DbConn,
    id: &str,
    committee: bool,
    reader_org: Option<&str>,
) -> Result<ConnectionDetail, WorkflowError> {
    let connection = find(conn, id)?;
    if !committee && reader_org != Some(connection.organisation_id.as_str()) {
        return Err(WorkflowError::NotFound);
    }
    let provider = org_db::find(conn, &connection.organisation_id)?;
    let events = connection_db::list_events(conn, id)?;
    let cases = connection_db::list_show_causes(conn, id)?;
    let files = connection_db::list_files(conn, id)?;
    let certified = certificate_db::latest_for(conn, id)?.is_some();
    Ok(ConnectionDetail {
        connection,
        provider,
        events,
        cases,
        files,
        certified,
    })
}

/// The connection `id` and its provider, for a page that restates an action on it.
pub fn with_provider(
    conn: &mut DbConn,
    id: &str,
) -> Result<(Connection, Option<Organisation>), WorkflowError> {
    let connection = find(conn, id)?;
    let provider = org_db::find(conn, &connection.organisation_id)?;
    Ok((connection, provider))
}

/// A file of the connection `id`'s proceedings with its content, if `may_read` allows its
/// reader the files of the connection's organisation; otherwise, as for no such file,
/// `NotFound`.
pub fn file(
    conn: &mut DbConn,
    id: &str,
    file_id: &str,
    may_read: impl FnOnce(&str) -> bool,
) -> Result<(ConnectionFile, Vec<u8>), WorkflowError> {
    let connection = find(conn, id)?;
    if !may_read(&connection.organisation_id) {
        return Err(WorkflowError::NotFound);
    }
    connection_db::find_file_with_content(conn, id, file_id)?.ok_or(WorkflowError::NotFound)
}

/// Moves a connection with a conditional update, refusing a stale or illegal move.
fn transition(
    conn: &mut DbConn,
    connection: &Connection,
    action: ConnectionAction,
    now: NaiveDateTime,
) -> Result<ConnectionStatus, WorkflowError> {
    let from = connection.status;
    let to = from
        .transition(action)
        .map_err(|_| WorkflowError::Conflict("error-wrong-state"))?;
    if connection_db::update_status(conn, &connection.id, from, to, now)? != 1 {
        return Err(WorkflowError::Conflict("error-stale-state"));
    }
    Ok(to)
}

/// Where `connection` stands for the rules, with its open show-cause case if it has one.
pub fn standing(connection: &Connection, open_case: Option<&ShowCause>) -> Standing {
    Standing {
        status: connection.status,
        open_case: open_case.map(|c| OpenCase {
            answered: c.answered_at.is_some(),
            response_deadline: c.response_deadline,
        }),
        disconnection_confirmed: connection.disconnection_confirmed_at.is_some(),
        disconnection_verified: connection.disconnection_verified_at.is_some(),
    }
}

/// Refuses `step` on `connection` unless the rules allow it to `actor` (see
/// [`check_connection_step`]); the provider holding it acts as its holder, anyone else by
/// role. A late answer is reported on `field`. Returns the open show-cause case, if any.
fn guard(
    conn: &mut DbConn,
    actor: &Actor,
    connection: &Connection,
    (step, field): (ConnectionStep, &'static str),
    now: NaiveDateTime,
) -> Result<Option<ShowCause>, WorkflowError> {
    let open_case = connection_db::find_open_show_cause(conn, &connection.id)?;
    let side = if actor.organisation_id.as_deref() == Some(connection.organisation_id.as_str()) {
        ConnectionSide::Holder
    } else {
        ConnectionSide::Staff(actor.role)
    };
    let standing = standing(connection, open_case.as_ref());
    check_connection_step(step, side, &standing, now).map_err(|refusal| match refusal {
        ConnectionRefusal::Role => WorkflowError::Forbidden,
        ConnectionRefusal::WrongState => WorkflowError::Conflict("error-wrong-state"),
        ConnectionRefusal::CaseOpen => WorkflowError::Conflict("error-show-cause-open"),
        ConnectionRefusal::Answered => WorkflowError::Conflict("error-stale-state"),
        ConnectionRefusal::Late => late_answer(field),
    })?;
    Ok(open_case)
}

fn required_text(field: &'static str, raw: &str) -> Result<String, WorkflowError> {
    let mut errors = FieldErrors::new();
    let text = errors.text(field, raw, true, 8000);
    errors.into_result(|| text).map_err(WorkflowError::Invalid)
}

/// The reason a suspension or reinstatement records, checked.
pub fn standing_reason(reason: &str) -> Result<String, WorkflowError> {
    required_text("reason", reason)
}

/// What the chair's suspension and reinstatement each record and tell.
struct StandingChange {
    step: ConnectionStep,
    action: ConnectionAction,
    event: &'static str,
    audit: AuditAction,
    message: MessageKind,
}

/// Suspends or reinstates with a recorded reason: the move, its dated event, its audit
/// event and the provider's notice, in one transaction.
fn change_standing(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    reason: &str,
    change: StandingChange,
    now: NaiveDateTime,
) -> Result<Connection, WorkflowError> {
    let reason = standing_reason(reason)?;
    write_tx(conn, |conn| {
        let connection = find(conn, id)?;
        guard(conn, actor, &connection, (change.step, ""), now)?;
        let status = transition(conn, &connection, change.action, now)?;
        event(conn, id, change.event, actor, &reason, json!({}), now)?;
        record_audit(
            conn,
            actor,
            change.audit,
            &connection,
            json!({ "status": status, "reason": reason }),
        )?;
        let params = Params {
            text: reason.clone(),
            ..notify::connection_params(&connection.approval_number, id)
        };
        tell_provider(conn, &connection, change.message, params, now)?;
        find(conn, id)
    })
}

/// The chair suspends a connection at once, with a recorded reason.
pub fn suspend(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Connection, WorkflowError> {
    let change = StandingChange {
        step: ConnectionStep::Suspend,
        action: ConnectionAction::Suspend,
        event: "suspended",
        audit: AuditAction::ConnectionSuspend,
        message: MessageKind::Suspension,
    };
    change_standing(conn, actor, id, reason, change, now)
}

/// The chair lifts a suspension, with a recorded reason.
pub fn reinstate(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Connection, WorkflowError> {
    let change = StandingChange {
        step: ConnectionStep::Reinstate,
        action: ConnectionAction::Reinstate,
        event: "reinstated",
        audit: AuditAction::ConnectionReinstate,
        message: MessageKind::Reinstatement,
    };
    change_standing(conn, actor, id, reason, change, now)
}

fn days_or(raw: &str, default: i64, field: &'static str) -> Result<i64, WorkflowError> {
    match raw.trim() {
        "" => Ok(default),
        text => match text.parse::<i64>() {
            Ok(d) if (1..=180).contains(&d) => Ok(d),
            _ => {
                let mut errors = FieldErrors::new();
                errors.add(field, "error-days");
                Err(WorkflowError::Invalid(errors))
            }
        },
    }
}

/// The secretariat opens revocation proceedings: a show-cause notice with a deadline.
pub fn open_show_cause(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    notice: &str,
    days: &str,
    now: NaiveDateTime,
) -> Result<Connection, WorkflowError> {
    let notice = required_text("notice", notice)?;
    let days = days_or(days, SHOW_CAUSE_DAYS, "days")?;
    write_tx(conn, |conn| {
        let connection = find(conn, id)?;
        guard(
            conn,
            actor,
            &connection,
            (ConnectionStep::ShowCause, ""),
            now,
        )?;
        let deadline = now + TimeDelta::days(days);
        connection_db::insert_show_cause(
            conn,
            &ShowCause {
                id: new_id(),
                connection_id: id.to_string(),
                notice: notice.clone(),
                opened_by: actor.user_id()?.to_string(),
                opened_at: now,
                response_deadline: deadline,
                answer: None,
                answered_at: None,
                outcome: None,
                decided_at: None,
                decided_by: None,
            },
        )?;
        event(
            conn,
            id,
            "show_cause",
            actor,
            &notice,
            json!({ "deadline": deadline.to_string() }),
            now,
        )?;
        record_audit(
            conn,
            actor,
            AuditAction::ConnectionShowCause,
            &connection,
            json!({ "deadline": deadline.to_string() }),
        )?;
        let params = Params {
            text: notice.clone(),
            date: Some(deadline),
            ..notify::connection_params(&connection.approval_number, id)
        };
        tell_provider(conn, &connection, MessageKind::ShowCause, params, now)?;
        find(conn, id)
    })
}

fn late_answer(field: &'static str) -> WorkflowError {
    let mut errors = FieldErrors::new();
    errors.add(field, "error-show-cause-late");
    WorkflowError::Invalid(errors)
}

/// The provider answers the notice, by its deadline: after it the answer is refused, since
/// the chair may by then revoke on the record of a notice left unanswered. The chair, who
/// decides the case, and the secretariat are told.
pub fn answer_show_cause(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    answer: &str,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<Connection, WorkflowError> {
    let answer = required_text("answer", answer)?;
    write_tx(conn, |conn| {
        let connection = find_own(conn, actor, id)?;
        let case = guard(
            conn,
            actor,
            &connection,
            (ConnectionStep::Answer, "answer"),
            now,
        )?
        .ok_or(WorkflowError::Conflict("error-wrong-state"))?;
        if connection_db::record_show_cause_answer(conn, &case.id, &answer, now)? != 1 {
            return Err(WorkflowError::Conflict("error-stale-state"));
        }
        event(
            conn,
            id,
            "show_cause_answered",
            actor,
            "",
            json!({ "case": case.id }),
            now,
        )?;
        record_audit(
            conn,
            actor,
            AuditAction::ConnectionShowCauseAnswer,
            &connection,
            json!({ "case": case.id }),
        )?;
        let mut to = notify::chairs(conn)?;
        to.extend(notify::secretariat(conn, rules)?);
        let params = Params {
            text: answer.clone(),
            ..notify::committee_connection_params(conn, &connection)?
        };
        let to = notify::except_actor(to, actor);
        notify::enqueue(conn, MessageKind::ShowCauseAnswered, &to, &params, now)?;
        find(conn, id)
    })
}

/// The chair's decision on a show-cause case, as typed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDecision {
    pub revoke: bool,
    pub reason: String,
    /// Days the provider has to disconnect, if revoked.
    pub days: i64,
}

/// Checks the chair's decision on a show-cause case before anything is recorded.
pub fn case_decision(
    outcome: &str,
    reason: &str,
    disconnection_days: &str,
) -> Result<CaseDecision, WorkflowError> {
    let revoke = match outcome {
        "revoke" => true,
        "dismiss" => false,
        _ => {
            let mut errors = FieldErrors::new();
            errors.add("outcome", "error-outcome");
            return Err(WorkflowError::Invalid(errors));
        }
    };
    let reason = required_text("reason", reason)?;
    let days = days_or(disconnection_days, DISCONNECTION_DAYS, "disconnection_days")?;
    Ok(CaseDecision {
        revoke,
        reason,
        days,
    })
}

/// The chair decides the case: revoke (with an effective date and a disconnection
/// deadline) or close it. Revocation waits for the answer or the end of the answer period.
pub fn decide_show_cause(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    outcome: &str,
    reason: &str,
    disconnection_days: &str,
    now: NaiveDateTime,
) -> Result<Connection, WorkflowError> {
    let CaseDecision {
        revoke,
        reason,
        days,
    } = case_decision(outcome, reason, disconnection_days)?;
    write_tx(conn, |conn| {
        let connection = find(conn, id)?;
        let case = guard(
            conn,
            actor,
            &connection,
            (ConnectionStep::DecideCase, ""),
            now,
        )?
        .ok_or(WorkflowError::Conflict("error-wrong-state"))?;
        if revoke
            && !revocation_may_be_decided(case.answered_at.is_some(), case.response_deadline, now)
        {
            return Err(WorkflowError::Conflict("error-show-cause-pending"));
        }
        let by = actor.user_id()?.to_string();
        if connection_db::record_show_cause_outcome(
            conn,
            &case.id,
            if revoke { "revoked" } else { "dismissed" },
            &by,
            now,
        )? != 1
        {
            return Err(WorkflowError::Conflict("error-stale-state"));
        }
        if revoke {
            let status = transition(conn, &connection, ConnectionAction::Revoke, now)?;
            let deadline = now + TimeDelta::days(days);
            connection_db::record_revocation(conn, id, now, deadline)?;
            event(
                conn,
                id,
                "revoked",
                actor,
                &reason,
                json!({ "case": case.id, "disconnection_deadline": deadline.to_string() }),
                now,
            )?;
            record_audit(
                conn,
                actor,
                AuditAction::ConnectionRevoke,
                &connection,
                json!({ "status": status, "disconnection_deadline": deadline.to_string() }),
            )?;
            let params = Params {
                text: reason.clone(),
                date: Some(deadline),
                ..notify::connection_params(&connection.approval_number, id)
            };
            tell_provider(conn, &connection, MessageKind::Revocation, params, now)?;
        } else {
            event(
                conn,
                id,
                "show_cause_dismissed",
                actor,
                &reason,
                json!({ "case": case.id }),
                now,
            )?;
            record_audit(
                conn,
                actor,
                AuditAction::ConnectionShowCauseDismiss,
                &connection,
                json!({ "case": case.id }),
            )?;
        }
        find(conn, id)
    })
}

/// The provider confirms the revoked link is disconnected, with evidence; the secretariat,
/// who must verify it, is told.
pub fn confirm_disconnection(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    evidence: &str,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<Connection, WorkflowError> {
    let evidence = required_text("evidence", evidence)?;
    write_tx(conn, |conn| {
        let connection = find_own(conn, actor, id)?;
        guard(
            conn,
            actor,
            &connection,
            (ConnectionStep::ConfirmDisconnection, ""),
            now,
        )?;
        if connection_db::record_disconnection(conn, id, &evidence, now)? != 1 {
            return Err(WorkflowError::Conflict("error-wrong-state"));
        }
        event(
            conn,
            id,
            "disconnection_confirmed",
            actor,
            "",
            json!({}),
            now,
        )?;
        record_audit(
            conn,
            actor,
            AuditAction::ConnectionConfirmDisconnection,
            &connection,
            json!({ "confirmed": true }),
        )?;
        let to = notify::except_actor(notify::secretariat(conn, rules)?, actor);
        let params = Params {
            text: evidence.clone(),
            ..notify::committee_connection_params(conn, &connection)?
        };
        notify::enqueue(conn, MessageKind::DisconnectionConfirmed, &to, &params, now)?;
        find(conn, id)
    })
}

/// The secretariat verifies the disconnection.
///
/// While the latest routing imports still show the link (a standing *seen after
/// disconnection* finding), the secretariat must record why it verifies all the same in
/// `still_seen_reason`; the reason is kept with the event and the audit event.
pub fn verify_disconnection(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    still_seen_reason: &str,
    now: NaiveDateTime,
) -> Result<Connection, WorkflowError> {
    let mut errors = FieldErrors::new();
    let reason = errors.text("still_seen_reason", still_seen_reason, false, 8000);
    errors.into_result(|| ()).map_err(WorkflowError::Invalid)?;
    write_tx(conn, |conn| {
        let connection = find(conn, id)?;
        guard(
            conn,
            actor,
            &connection,
            (ConnectionStep::VerifyDisconnection, ""),
            now,
        )?;
        let still_seen = routing_db::seen_after_disconnection(conn, id)?;
        if still_seen && reason.is_empty() {
            let mut errors = FieldErrors::new();
            errors.add("still_seen_reason", "error-disconnection-still-seen");
            return Err(WorkflowError::Invalid(errors));
        }
        if connection_db::record_verification(conn, id, now)? != 1 {
            return Err(WorkflowError::Conflict("error-wrong-state"));
        }
        event(
            conn,
            id,
            "disconnection_verified",
            actor,
            &reason,
            json!({ "still_seen": still_seen }),
            now,
        )?;
        record_audit(
            conn,
            actor,
            AuditAction::ConnectionVerifyDisconnection,
            &connection,
            json!({ "verified": true, "still_seen": still_seen, "reason": reason }),
        )?;
        find(conn, id)
    })
}

/// The provider adds a file to its own connection's proceedings: to the answer of an
/// open show-cause notice by its deadline, or as evidence of a disconnection not yet
/// verified.
pub fn add_file(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    purpose: &str,
    file_name: &str,
    bytes: &[u8],
    now: NaiveDateTime,
) -> Result<connection_db::ConnectionFile, WorkflowError> {
    let upload = check_upload_as(
        bytes,
        "purpose",
        purpose,
        &FILE_PURPOSES,
        "error-file-purpose",
    )?;
    let (content_type, sha256) = (upload.content_type, &upload.sha256);
    let name = safe_file_name(file_name, content_type);
    write_tx(conn, |conn| {
        let connection = find_own(conn, actor, id)?;
        let step = if purpose == "show_cause_answer" {
            ConnectionStep::AnswerFile
        } else {
            ConnectionStep::EvidenceFile
        };
        guard(conn, actor, &connection, (step, "purpose"), now)?;
        let file_id = new_id();
        connection_db::insert_file(
            conn,
            &connection_db::NewConnectionFile {
                id: &file_id,
                connection_id: id,
                purpose,
                file_name: &name,
                content_type,
                size_bytes: bytes.len() as i64,
                sha256,
                content: bytes,
                uploaded_by: actor.user_id()?,
                uploaded_at: now,
            },
        )?;
        record_audit(
            conn,
            actor,
            AuditAction::ConnectionAddFile,
            &connection,
            json!({ "file": file_id, "purpose": purpose, "file_name": name, "sha256": sha256 }),
        )?;
        connection_db::list_files(conn, id)?
            .into_iter()
            .find(|f| f.id == file_id)
            .ok_or(WorkflowError::NotFound)
    })
}

/// What one scheduled run did to connections.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ConnectionJobs {
    pub expired: usize,
    pub reminders: usize,
    pub missed_deadlines: usize,
}

/// Expires connections past their last day, sends the 90/30/7-day reminders, and flags
/// missed show-cause and disconnection deadlines. Each piece of work is claimed once.
pub fn run_scheduled(
    conn: &mut DbConn,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<ConnectionJobs, WorkflowError> {
    let actor = Actor::system(SCHEDULER);
    let mut report = ConnectionJobs::default();
    let horizon = today + TimeDelta::days(crate::domain::connection::REMINDER_DAYS[0]);
    for connection in connection_db::list_active_ending_by(conn, horizon)? {
        if connection.valid_until < today {
            let expired = write_tx(conn, |conn| {
                let fresh = find(conn, &connection.id)?;
                match transition(conn, &fresh, ConnectionAction::Expire, now) {
                    Ok(_) => {}
                    Err(WorkflowError::Conflict(_)) => return Ok::<_, WorkflowError>(false),
                    Err(e) => return Err(e),
                }
                event(
                    conn,
                    &fresh.id,
                    "expired",
                    &actor,
                    "",
                    json!({ "valid_until": fresh.valid_until.to_string() }),
                    now,
                )?;
                record_audit(
                    conn,
                    &actor,
                    AuditAction::ConnectionExpire,
                    &fresh,
                    json!({ "status": "expired" }),
                )?;
                Ok(true)
            })?;
            report.expired += usize::from(expired);
        } else if let Some(days) = reminder_due(today, connection.valid_until) {
            let subject = format!("{}:{}:{days}", connection.id, connection.valid_until);
            let sent = write_tx(conn, |conn| {
                if !connection_db::claim_mark(conn, "expiry_reminder", &subject, now)? {
                    return Ok::<_, WorkflowError>(false);
                }
                event(
                    conn,
                    &connection.id,
                    "expiry_reminder",
                    &actor,
                    "",
                    json!({ "days_before": days }),
                    now,
                )?;
                let params = Params {
                    days: Some(days),
                    ..notify::connection_params(&connection.approval_number, &connection.id)
                };
                tell_provider(conn, &connection, MessageKind::ExpiryReminder, params, now)?;
                Ok(true)
            })?;
            report.reminders += usize::from(sent);
        }
    }
    for case in connection_db::list_open_show_causes(conn)? {
        if case.answered_at.is_none() && case.response_deadline < now {
            let flagged = write_tx(conn, |conn| {
                if !connection_db::claim_mark(conn, "show_cause_deadline", &case.id, now)? {
                    return Ok::<_, WorkflowError>(false);
                }
                event(
                    conn,
                    &case.connection_id,
                    "show_cause_deadline_missed",
                    &actor,
                    "",
                    json!({ "case": case.id }),
                    now,
                )?;
                Ok(true)
            })?;
            report.missed_deadlines += usize::from(flagged);
        }
    }
    for connection in connection_db::list_disconnection_overdue(conn, now)? {
        let flagged = write_tx(conn, |conn| {
            if !connection_db::claim_mark(conn, "disconnection_deadline", &connection.id, now)? {
                return Ok::<_, WorkflowError>(false);
            }
            event(
                conn,
                &connection.id,
                "disconnection_deadline_missed",
                &actor,
                "",
                json!({}),
                now,
            )?;
            Ok(true)
        })?;
        report.missed_deadlines += usize::from(flagged);
    }
    Ok(report)
}
