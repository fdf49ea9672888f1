//! An organisation's legal identity changes only by review. A provider's edit of its
//! profile changes the address at once and turns a new legal identity into a change
//! request; the secretariat approves (the identity is applied, the registry's search text
//! follows) or refuses it with a reason; the provider may withdraw it. Each step is one
//! transaction with its audit event and its mail. The secretariat's list and page of
//! requests read through [`requests`] and [`request_file`].

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::models::connection as connection_db;
use crate::db::models::organisation::{self as org_db, Organisation};
use crate::db::models::organisation_change::{
    self as change_db, NewOrganisationChange, OrganisationChange, OrganisationChangeView,
};
use crate::db::models::user as user_db;
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::account::OrganisationInput;
use crate::domain::audit::AuditAction;
use crate::domain::notification::{MessageKind, Params};
use crate::domain::organisation_change::{
    ChangeAction, ChangeStatus, LegalIdentity, parse_refusal_reason,
};
use crate::domain::rules::WorkflowRules;
use crate::workflows::audit::record;
use crate::workflows::certificates::{self, CertificateAuthority};
use crate::workflows::{Actor, WorkflowError, connections, is_unique_violation, notify};

/// What a provider's save of its profile did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileOutcome {
    /// Nothing differed from what is approved or already proposed.
    Unchanged,
    /// The address changed; the legal identity did not.
    Saved,
    /// A new legal identity awaits the secretariat.
    Proposed,
    /// The approved identity was saved again, which took the pending proposal back.
    Withdrawn,
}

/// The secretariat's decision on a request.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve,
    /// Refuse, with the reason as typed.
    Refuse(String),
}

fn identity_state(identity: &LegalIdentity) -> serde_json::Value {
    json!({
        "name_en": identity.name_en, "name_lo": identity.name_lo,
        "registration_number": identity.registration_number,
        "licence_number": identity.licence_number, "asns": identity.asns,
    })
}

fn not_pending() -> WorkflowError {
    WorkflowError::Conflict("error-identity-change-not-pending")
}

/// How a pending request ends: the move, the refusal's reason (empty otherwise), the
/// audit action and what the audit event records beyond the new status.
struct Closing<'a> {
    action: ChangeAction,
    reason: &'a str,
    audit_action: AuditAction,
    detail: serde_json::Value,
}

/// Ends a pending request and audits it; a request no longer pending is a conflict.
fn close(
    conn: &mut DbConn,
    actor: &Actor,
    change: &OrganisationChange,
    closing: Closing<'_>,
    now: NaiveDateTime,
) -> Result<ChangeStatus, WorkflowError> {
    let next = change
        .status
        .transition(closing.action)
        .map_err(|_| not_pending())?;
    let decided_by = actor.id.as_deref();
    if change_db::close_pending(conn, &change.id, next, decided_by, now, closing.reason)? != 1 {
        return Err(not_pending());
    }
    let mut after = json!({ "status": next.as_str(), "organisation": change.organisation_id });
    if !closing.reason.is_empty() {
        after["reason"] = json!(closing.reason);
    }
    if let (Some(after), Some(detail)) = (after.as_object_mut(), closing.detail.as_object()) {
        after.extend(detail.clone());
    }
    record(
        conn,
        actor,
        closing.audit_action,
        "organisation_change",
        &change.id,
        Some(json!({ "status": change.status })),
        Some(after),
    )?;
    Ok(next)
}

fn organisation_params(organisation: &Organisation, path: String, text: &str) -> Params {
    Params {
        path,
        organisation_en: organisation.name_en.clone(),
        organisation_lo: organisation.name_lo.clone(),
        text: text.to_string(),
        ..Params::default()
    }
}

/// Saves the organisation administrator's edit of the profile: the address at once; a
/// legal identity that differs from both the approved one and the pending proposal
/// becomes a new request, which replaces (withdraws) the pending one; the approved
/// identity saved again withdraws the pending one.
pub fn propose(
    conn: &mut DbConn,
    actor: &Actor,
    rules: &WorkflowRules,
    organisation_id: &str,
    input: &OrganisationInput,
    now: NaiveDateTime,
) -> Result<ProfileOutcome, WorkflowError> {
    let profile = input.parse_profile()?;
    let proposer = actor.user_id()?.to_string();
    let wanted = LegalIdentity::of_profile(&profile);
    let result = write_tx(conn, |conn| {
        let organisation = org_db::find(conn, organisation_id)?.ok_or(WorkflowError::NotFound)?;
        let mut outcome = ProfileOutcome::Unchanged;
        if organisation.address != profile.address {
            org_db::update_address(conn, organisation_id, &profile.address, now)?;
            record(
                conn,
                actor,
                AuditAction::OrganisationUpdate,
                "organisation",
                organisation_id,
                Some(json!({ "address": organisation.address })),
                Some(json!({ "address": profile.address })),
            )?;
            outcome = ProfileOutcome::Saved;
        }
        let approved = organisation.identity();
        let pending = change_db::find_pending_for(conn, organisation_id)?;
        if pending.as_ref().is_some_and(|p| p.proposed() == wanted) {
            return Ok(outcome);
        }
        let id = new_id();
        if let Some(old) = &pending {
            // Saving the approved identity again takes the proposal back; saving another
            // one replaces it.
            let detail = if wanted == approved {
                json!({ "back_to_approved": true })
            } else {
                json!({ "replaced_by": id })
            };
            let closing = Closing {
                action: ChangeAction::Withdraw,
                reason: "",
                audit_action: AuditAction::OrganisationChangeWithdraw,
                detail,
            };
            close(conn, actor, old, closing, now)?;
        }
        if wanted == approved {
            return Ok(match pending {
                Some(_) => ProfileOutcome::Withdrawn,
                None => outcome,
            });
        }
        change_db::insert(
            conn,
            &NewOrganisationChange {
                id: &id,
                organisation_id,
                status: ChangeStatus::Pending.as_str(),
                name_en: &wanted.name_en,
                name_lo: &wanted.name_lo,
                registration_number: &wanted.registration_number,
                licence_number: &wanted.licence_number,
                asns: &wanted.asns,
                previous_name_en: &approved.name_en,
                previous_name_lo: &approved.name_lo,
                previous_registration_number: &approved.registration_number,
                previous_licence_number: &approved.licence_number,
                previous_asns: &approved.asns,
                proposed_by: &proposer,
                proposed_at: now,
            },
        )?;
        record(
            conn,
            actor,
            AuditAction::OrganisationChangePropose,
            "organisation_change",
            &id,
            Some(identity_state(&approved)),
            Some(json!({
                "organisation": organisation_id,
                "status": ChangeStatus::Pending.as_str(),
                "fields": approved.changed_fields(&wanted),
                "proposed": identity_state(&wanted),
            })),
        )?;
        let to = notify::secretariat(conn, rules)?;
        let params = organisation_params(
            &organisation,
            format!("/committee/organisation-changes/{id}"),
            "",
        );
        notify::enqueue(
            conn,
            MessageKind::OrganisationChangeRequested,
            &to,
            &params,
            now,
        )?;
        Ok(ProfileOutcome::Proposed)
    });
    match result {
        // Two proposals raced; the other one is the pending request now.
        Err(WorkflowError::Database(e)) if is_unique_violation(&e) => {
            Err(WorkflowError::Conflict("error-identity-change-race"))
        }
        other => other,
    }
}

/// The organisation's own administrator takes back its pending request. A request of
/// another organisation is not found.
pub fn withdraw(
    conn: &mut DbConn,
    actor: &Actor,
    organisation_id: &str,
    change_id: &str,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    write_tx(conn, |conn| {
        let change = change_db::find(conn, change_id)?
            .filter(|c| c.organisation_id == organisation_id)
            .ok_or(WorkflowError::NotFound)?;
        let closing = Closing {
            action: ChangeAction::Withdraw,
            reason: "",
            audit_action: AuditAction::OrganisationChangeWithdraw,
            detail: json!({}),
        };
        close(conn, actor, &change, closing, now)?;
        Ok(())
    })
}

/// The secretariat approves a pending request or refuses it with a reason. Approval
/// applies the identity to the organisation; the registry's search text follows, and each
/// connection still in force gets a certificate stating the new identity (the earlier
/// ones stay genuine: they state what was approved when they were signed). The
/// organisation's people are told the outcome.
pub fn decide(
    conn: &mut DbConn,
    actor: &Actor,
    authority: &CertificateAuthority,
    change_id: &str,
    decision: &Decision,
    now: NaiveDateTime,
) -> Result<ChangeStatus, WorkflowError> {
    let reason = match decision {
        Decision::Approve => String::new(),
        Decision::Refuse(raw) => parse_refusal_reason(raw)?,
    };
    write_tx(conn, |conn| {
        let change = change_db::find(conn, change_id)?.ok_or(WorkflowError::NotFound)?;
        let before = org_db::find(conn, &change.organisation_id)?.ok_or(WorkflowError::NotFound)?;
        let (status, kind) = match decision {
            Decision::Approve => {
                let proposed = change.proposed();
                org_db::update_identity(conn, &before.id, &proposed, now)?;
                let renamed = org_db::find(conn, &before.id)?.ok_or(WorkflowError::NotFound)?;
                connections::refresh_search_text(conn, &renamed)?;
                let mut reissued = Vec::new();
                for connection in connection_db::list_by_organisation(conn, &before.id)? {
                    if !connection.status.is_final() {
                        certificates::issue(conn, authority, &connection, now)?;
                        reissued.push(connection.approval_number);
                    }
                }
                let closing = Closing {
                    action: ChangeAction::Approve,
                    reason: "",
                    audit_action: AuditAction::OrganisationChangeApprove,
                    detail: json!({
                        "replaced": identity_state(&before.identity()),
                        "applied": identity_state(&proposed),
                        "certificates_reissued": reissued,
                    }),
                };
                let status = close(conn, actor, &change, closing, now)?;
                (status, MessageKind::OrganisationChangeApproved)
            }
            Decision::Refuse(_) => {
                let closing = Closing {
                    action: ChangeAction::Refuse,
                    reason: &reason,
                    audit_action: AuditAction::OrganisationChangeRefuse,
                    detail: json!({}),
                };
                let status = close(conn, actor, &change, closing, now)?;
                (status, MessageKind::OrganisationChangeRefused)
            }
        };
        let after = org_db::find(conn, &before.id)?.ok_or(WorkflowError::NotFound)?;
        let to = notify::organisation_contacts(conn, &after.id)?;
        let params = organisation_params(&after, "/organisation".to_string(), &reason);
        notify::enqueue(conn, kind, &to, &params, now)?;
        Ok(status)
    })
}

/// A request and the organisation it belongs to, for the secretariat.
pub fn find_with_organisation(
    conn: &mut DbConn,
    change_id: &str,
) -> Result<(OrganisationChange, Organisation), WorkflowError> {
    let change = change_db::find(conn, change_id)?.ok_or(WorkflowError::NotFound)?;
    let organisation =
        org_db::find(conn, &change.organisation_id)?.ok_or(WorkflowError::NotFound)?;
    Ok((change, organisation))
}

/// The secretariat's list of identity changes: every pending request, oldest first, and
/// the `recent` last decided or withdrawn.
pub fn requests(
    conn: &mut DbConn,
    recent: i64,
) -> Result<(Vec<OrganisationChangeView>, Vec<OrganisationChangeView>), WorkflowError> {
    Ok((
        change_db::list_pending(conn)?,
        change_db::list_closed(conn, recent)?,
    ))
}

/// One request as the secretariat weighs it: the request, the organisation's approved
/// identity, the organisation's earlier requests, and who proposed it ("name <email>",
/// empty if the account is gone).
#[derive(Debug, Clone)]
pub struct RequestFile {
    pub change: OrganisationChange,
    pub organisation: Organisation,
    pub history: Vec<OrganisationChange>,
    pub proposer: String,
}

/// Reads the request `change_id` for the secretariat's page.
pub fn request_file(conn: &mut DbConn, change_id: &str) -> Result<RequestFile, WorkflowError> {
    let (change, organisation) = find_with_organisation(conn, change_id)?;
    let history = change_db::list_for_organisation(conn, &organisation.id)?;
    let proposer = user_db::find(conn, &change.proposed_by)?
        .map(|u| format!("{} <{}>", u.name, u.email))
        .unwrap_or_default();
    Ok(RequestFile {
        change,
        organisation,
        history,
        proposer,
    })
}
