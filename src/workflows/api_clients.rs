//! API clients: an organisation admin (or an operator at the command line) creates,
//! rotates and revokes the credentials its systems use; the token endpoint checks them;
//! every API request finds out who is acting. A client acts for one named person of its
//! organisation, and stops working when that person no longer may.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::models::api_client::{self as client_db, ApiClient, ApiClientWithUser};
use crate::db::models::user::{self as user_db, User};
use crate::db::{DbConn, write_tx};
use crate::domain::audit::AuditAction;
use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::workflows::audit::record;
use crate::workflows::{Actor, WorkflowError};

/// A client with its secret in the clear: shown once, never stored.
pub struct Issued {
    pub client: ApiClient,
    pub secret: String,
}

/// Who is behind an API request: the client and the person it acts for.
#[derive(Debug, Clone)]
pub struct ApiIdentity {
    pub client_id: String,
    pub user: User,
    pub role: Role,
    pub organisation_id: String,
}

impl ApiIdentity {
    /// The audit actor: the person, through the client.
    pub fn actor(&self, ip: String) -> Actor {
        Actor {
            id: Some(self.user.id.clone()),
            label: format!(
                "{} ({}) via API client {}",
                self.user.email, self.role, self.client_id
            ),
            ip,
            role: Some(self.role),
            organisation_id: Some(self.organisation_id.clone()),
        }
    }
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    format!("ics_{}", URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()))
}

/// Whether `user` may be acted for by a client of `organisation_id`.
fn may_act_for(user: &User, organisation_id: &str) -> Option<Role> {
    let role = Some(user.role).filter(|r| r.is_provider())?;
    (user.active && user.organisation_id.as_deref() == Some(organisation_id)).then_some(role)
}

/// Only the organisation's own admin, or an operator at the command line, manages its
/// clients.
fn check_manager(actor: &Actor, organisation_id: &str) -> Result<(), WorkflowError> {
    let own_admin = actor.role == Some(Role::OrgAdmin)
        && actor.organisation_id.as_deref() == Some(organisation_id);
    if own_admin || actor.id.is_none() {
        Ok(())
    } else {
        Err(WorkflowError::Forbidden)
    }
}

/// Creates a client named `name` that acts for the user `acting_for`.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    organisation_id: &str,
    name: &str,
    acting_for: &str,
    now: NaiveDateTime,
) -> Result<Issued, WorkflowError> {
    check_manager(actor, organisation_id)?;
    let mut errors = FieldErrors::new();
    let name = errors.text("name", name, true, 100);
    write_tx(conn, |conn| {
        let user = user_db::find(conn, acting_for)?;
        if user.is_none_or(|u| may_act_for(&u, organisation_id).is_none()) {
            errors.add("user_id", "error-api-client-user");
        }
        if !errors.is_empty() {
            return Err(WorkflowError::Invalid(errors.clone()));
        }
        let secret = new_secret();
        let client = ApiClient {
            id: format!("ic_{}", hex::encode(rand::random::<[u8; 10]>())),
            organisation_id: organisation_id.to_string(),
            user_id: acting_for.to_string(),
            name: name.clone(),
            secret_hash: hash(&secret),
            secret_version: 1,
            created_by: actor.id.clone(),
            created_at: now,
            rotated_at: None,
            revoked_at: None,
            last_used_at: None,
        };
        client_db::insert(conn, &client)?;
        record(
            conn,
            actor,
            AuditAction::ApiClientCreate,
            "organisation",
            organisation_id,
            None,
            Some(json!({ "client_id": client.id, "name": client.name, "acts_for": acting_for })),
        )?;
        Ok(Issued { client, secret })
    })
}

/// The user a client made at the command line acts for: the organisation's user with
/// `email`, or else its first active organisation admin.
pub fn default_person(
    conn: &mut DbConn,
    organisation_id: &str,
    email: Option<&str>,
) -> Result<String, WorkflowError> {
    let chosen = match email {
        Some(email) => user_db::find_by_email(conn, &email.trim().to_lowercase())?
            .filter(|u| may_act_for(u, organisation_id).is_some()),
        None => user_db::list_by_organisation(conn, organisation_id)?
            .into_iter()
            .find(|u| may_act_for(u, organisation_id) == Some(Role::OrgAdmin)),
    };
    chosen.map(|u| u.id).ok_or_else(|| {
        let mut errors = FieldErrors::new();
        errors.add("user", "error-api-client-user");
        WorkflowError::Invalid(errors)
    })
}

/// The organisation's client `client_id`; another organisation's is "not found".
fn find_own(
    conn: &mut DbConn,
    organisation_id: &str,
    client_id: &str,
) -> Result<ApiClient, WorkflowError> {
    client_db::find(conn, client_id)?
        .filter(|c| c.organisation_id == organisation_id)
        .ok_or(WorkflowError::NotFound)
}

/// Gives a client a new secret. The old secret, and every token issued under it, stop
/// working at once.
pub fn rotate(
    conn: &mut DbConn,
    actor: &Actor,
    organisation_id: &str,
    client_id: &str,
    now: NaiveDateTime,
) -> Result<Issued, WorkflowError> {
    check_manager(actor, organisation_id)?;
    write_tx(conn, |conn| {
        find_own(conn, organisation_id, client_id)?;
        let secret = new_secret();
        if client_db::update_secret(conn, client_id, &hash(&secret), now)? != 1 {
            return Err(WorkflowError::Conflict("error-api-client-revoked"));
        }
        record(
            conn,
            actor,
            AuditAction::ApiClientRotate,
            "organisation",
            organisation_id,
            None,
            Some(json!({ "client_id": client_id })),
        )?;
        let client = find_own(conn, organisation_id, client_id)?;
        Ok(Issued { client, secret })
    })
}

/// Revokes a client for good; its tokens stop working at once.
pub fn revoke(
    conn: &mut DbConn,
    actor: &Actor,
    organisation_id: &str,
    client_id: &str,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    check_manager(actor, organisation_id)?;
    write_tx(conn, |conn| {
        find_own(conn, organisation_id, client_id)?;
        if client_db::revoke(conn, client_id, now)? != 1 {
            return Err(WorkflowError::Conflict("error-api-client-revoked"));
        }
        record(
            conn,
            actor,
            AuditAction::ApiClientRevoke,
            "organisation",
            organisation_id,
            None,
            Some(json!({ "client_id": client_id })),
        )?;
        Ok(())
    })
}

/// The organisation's clients with the address of the person each acts for.
pub fn list(
    conn: &mut DbConn,
    organisation_id: &str,
) -> Result<Vec<ApiClientWithUser>, WorkflowError> {
    Ok(client_db::list_by_organisation(conn, organisation_id)?)
}

/// What the organisation's clients page shows: its clients, and the people a new client
/// may act for (its active provider staff).
#[derive(Debug)]
pub struct ClientsOverview {
    pub clients: Vec<ApiClientWithUser>,
    pub people: Vec<User>,
}

pub fn overview(
    conn: &mut DbConn,
    organisation_id: &str,
) -> Result<ClientsOverview, WorkflowError> {
    let clients = list(conn, organisation_id)?;
    let people = user_db::list_by_organisation(conn, organisation_id)?
        .into_iter()
        .filter(|u| u.active && u.role.is_provider())
        .collect();
    Ok(ClientsOverview { clients, people })
}

/// The client and its person, if the client is live and the person may still act.
fn live(
    conn: &mut DbConn,
    client_id: &str,
) -> Result<Option<(ApiClient, ApiIdentity)>, WorkflowError> {
    let Some(client) = client_db::find(conn, client_id)? else {
        return Ok(None);
    };
    if client.revoked_at.is_some() {
        return Ok(None);
    }
    let Some(user) = user_db::find(conn, &client.user_id)? else {
        return Ok(None);
    };
    let Some(role) = may_act_for(&user, &client.organisation_id) else {
        return Ok(None);
    };
    let identity = ApiIdentity {
        client_id: client.id.clone(),
        organisation_id: client.organisation_id.clone(),
        user,
        role,
    };
    Ok(Some((client, identity)))
}

/// Checks a client's id and secret for the token endpoint: the secret version to put in
/// the token, or `None` for anything wrong (unknown, revoked, wrong secret, person gone).
pub fn authenticate(
    conn: &mut DbConn,
    client_id: &str,
    secret: &str,
    now: NaiveDateTime,
) -> Result<Option<i32>, WorkflowError> {
    // Comparing hashes of a 256-bit random secret: timing reveals nothing usable.
    let Some((client, _)) = live(conn, client_id)? else {
        return Ok(None);
    };
    if client.secret_hash != hash(secret) {
        return Ok(None);
    }
    client_db::touch(conn, client_id, now)?;
    Ok(Some(client.secret_version))
}

/// Who an access token of `client_id` at secret version `version` acts as, if the client
/// is still live and the secret has not been rotated since.
pub fn resolve(
    conn: &mut DbConn,
    client_id: &str,
    version: i32,
) -> Result<Option<ApiIdentity>, WorkflowError> {
    Ok(live(conn, client_id)?
        .filter(|(client, _)| client.secret_version == version)
        .map(|(_, identity)| identity))
}
