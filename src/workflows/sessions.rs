//! Signing in and out, and resuming a session from its cookie.

use chrono::TimeDelta;

use crate::auth::{password, session};
use crate::config::Settings;
use crate::db::audit::{self, AuditEntry};
use crate::db::models::session::{self as session_db, NewSession};
use crate::db::models::user::{self as user_db, User};
use crate::db::{self, DbConn, write_tx};
use crate::workflows::{Actor, WorkflowError};

/// A session found live, with its user.
#[derive(Debug)]
pub struct Resumed {
    pub session_id: String,
    pub user: User,
}

/// Finds the live session for a cookie token. Sessions past the idle or absolute limit,
/// or whose user was deactivated, are ended.
pub fn resume(
    conn: &mut DbConn,
    token: &str,
    settings: &Settings,
) -> Result<Option<Resumed>, WorkflowError> {
    let id = session::token_id(token);
    let Some((found, user)) = session_db::find_with_active_user(conn, &id)? else {
        return Ok(None);
    };
    let now = db::now();
    let idle = TimeDelta::minutes(settings.session_idle_minutes);
    let absolute = TimeDelta::hours(settings.session_absolute_hours);
    if now - found.last_seen_at > idle || now - found.created_at > absolute {
        session_db::delete(conn, &id)?;
        return Ok(None);
    }
    // Touch at most once a minute: enough for the idle limit, and reads stay reads.
    if now - found.last_seen_at > TimeDelta::minutes(1) {
        session_db::update_last_seen(conn, &id, now)?;
    }
    Ok(Some(Resumed {
        session_id: id,
        user,
    }))
}

/// A successful sign-in: the new session's cookie token.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong e-mail or password")]
    BadCredentials,
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
}

impl From<diesel::result::Error> for SignInError {
    fn from(e: diesel::result::Error) -> Self {
        SignInError::Workflow(e.into())
    }
}

/// Checks the password and opens a new session, ending `previous_session` if any (the
/// session id changes at every sign-in). Failures are audited too. Unknown accounts,
/// deactivated accounts and wrong passwords look the same to the caller.
pub fn sign_in(
    conn: &mut DbConn,
    email: &str,
    password_text: &str,
    previous_session: Option<&str>,
    ip: &str,
    user_agent: &str,
) -> Result<SignedIn, SignInError> {
    let email = email.trim().to_lowercase();
    let user = user_db::find_by_email(conn, &email)?;
    let password_ok = password::verify(
        password_text,
        user.as_ref().map(|u| u.password_hash.as_str()),
    );
    let user = user.filter(|u| password_ok && u.active);
    write_tx(conn, |conn| {
        let Some(user) = user else {
            audit::append(
                conn,
                &AuditEntry {
                    actor_id: None,
                    actor_label: &email,
                    action: "session.sign_in_failed",
                    subject_type: "session",
                    subject_id: "",
                    before_state: None,
                    after_state: None,
                    ip,
                },
            )?;
            return Ok(Err(SignInError::BadCredentials));
        };
        if let Some(previous) = previous_session {
            session_db::delete(conn, previous)?;
        }
        let token = session::new_token();
        let now = db::now();
        let user_agent: String = user_agent.chars().take(300).collect();
        session_db::insert(
            conn,
            &NewSession {
                id: &session::token_id(&token),
                user_id: &user.id,
                created_at: now,
                last_seen_at: now,
                ip,
                user_agent: &user_agent,
            },
        )?;
        audit::append(
            conn,
            &AuditEntry {
                actor_id: Some(&user.id),
                actor_label: &user.email,
                action: "session.sign_in",
                subject_type: "user",
                subject_id: &user.id,
                before_state: None,
                after_state: None,
                ip,
            },
        )?;
        Ok::<_, diesel::result::Error>(Ok(SignedIn { token }))
    })?
}

/// Ends a session.
pub fn sign_out(conn: &mut DbConn, session_id: &str, actor: &Actor) -> Result<(), WorkflowError> {
    write_tx(conn, |conn| {
        session_db::delete(conn, session_id)?;
        audit::append(
            conn,
            &AuditEntry {
                actor_id: actor.id.as_deref(),
                actor_label: &actor.label,
                action: "session.sign_out",
                subject_type: "user",
                subject_id: actor.id.as_deref().unwrap_or(""),
                before_state: None,
                after_state: None,
                ip: &actor.ip,
            },
        )?;
        Ok(())
    })
}
