//! Signing in and out, the second factor, and resuming a session from its cookie.

use chrono::{NaiveDateTime, TimeDelta};

use crate::auth::rate_limit::{self, Refusals};
use crate::auth::{password, session};
use crate::config::Settings;
use crate::db::audit::{self, AuditEntry};
use crate::db::models::session::{self as session_db, NewSession, Session};
use crate::db::models::user::{self as user_db, User};
use crate::db::{self, DbConn, write_tx};
use crate::domain::audit::AuditAction;
use crate::workflows::two_factor::{self, CodeError, Given};
use crate::workflows::{Actor, WorkflowError};

/// How far a session has come through signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Signed in.
    Full,
    /// The password was right; a code from the user's app is awaited.
    SecondFactor,
    /// The password was right; the user must set up a second factor first.
    Enrol,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Full => "full",
            Stage::SecondFactor => "second_factor",
            Stage::Enrol => "enrol",
        }
    }

    /// Unknown text reads as the least trusted stage that still needs a code.
    fn parse(raw: &str) -> Stage {
        match raw {
            "full" => Stage::Full,
            "enrol" => Stage::Enrol,
            _ => Stage::SecondFactor,
        }
    }

    /// The stage a user reaches with the right password.
    fn after_password(user: &User) -> Stage {
        if user.totp_secret.is_some() {
            Stage::SecondFactor
        } else if user.role.needs_second_factor() {
            Stage::Enrol
        } else {
            Stage::Full
        }
    }
}

/// How long a half-finished sign-in waits for its second factor.
const PENDING_MINUTES: i64 = 10;

/// A session found live, with its user.
#[derive(Debug)]
pub struct Resumed {
    pub session_id: String,
    pub user: User,
    pub stage: Stage,
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
    let stage = Stage::parse(&found.stage);
    let idle = TimeDelta::minutes(settings.session_idle_minutes);
    let absolute = if stage == Stage::Full {
        TimeDelta::hours(settings.session_absolute_hours)
    } else {
        TimeDelta::minutes(PENDING_MINUTES)
    };
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
        stage,
    }))
}

/// A right password: the new session's cookie token, and whether a second factor is
/// still to come.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub stage: Stage,
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
    // What was typed is looked up and recorded. No address holds a control character
    // (and PostgreSQL cannot hold NUL), so each becomes U+FFFD and matches nobody.
    let email: String = email
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_control() {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect();
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
                    action: AuditAction::SessionSignInFailed,
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
        let stage = Stage::after_password(&user);
        let token = open_session(conn, &user, stage, ip, user_agent)?;
        let action = if stage == Stage::Full {
            AuditAction::SessionSignIn
        } else {
            AuditAction::SessionPasswordAccepted
        };
        audit_session(conn, &user, action, None, ip)?;
        Ok::<_, diesel::result::Error>(Ok(SignedIn { token, stage }))
    })?
}

/// Writes attempts the rate limits refused to the audit log: one event per key, holding
/// how many of its attempts were refused since its previous event (see
/// [`rate_limit::Refused`]), so a client that keeps trying adds at most one event a window.
pub fn record_refusals(conn: &mut DbConn, refusals: &[Refusals]) -> Result<(), WorkflowError> {
    write_tx(conn, |conn| {
        for refused in refusals {
            audit::append(
                conn,
                &AuditEntry {
                    actor_id: None,
                    actor_label: &refused.label,
                    action: refused.action,
                    subject_type: refused.limit.as_str(),
                    subject_id: &refused.key,
                    before_state: None,
                    after_state: Some(
                        serde_json::json!({
                            "refused": refused.refused,
                            "window_seconds": rate_limit::WINDOW.as_secs(),
                        })
                        .to_string(),
                    ),
                    ip: &refused.address,
                },
            )?;
        }
        Ok(())
    })
}

/// Stores a new session for `user` and returns its cookie token.
fn open_session(
    conn: &mut DbConn,
    user: &User,
    stage: Stage,
    ip: &str,
    user_agent: &str,
) -> diesel::QueryResult<String> {
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
            stage: stage.as_str(),
        },
    )?;
    Ok(token)
}

fn audit_session(
    conn: &mut DbConn,
    user: &User,
    action: AuditAction,
    after_state: Option<String>,
    ip: &str,
) -> diesel::QueryResult<i64> {
    audit::append(
        conn,
        &AuditEntry {
            actor_id: Some(&user.id),
            actor_label: &user.email,
            action,
            subject_type: "user",
            subject_id: &user.id,
            before_state: None,
            after_state,
            ip,
        },
    )
}

/// A half-finished sign-in, as the second-factor step sees it.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub session_id: String,
    pub user_id: String,
    pub email: String,
    pub stage: Stage,
}

/// The second step done: the session, now full, under a new token.
#[derive(Debug)]
pub struct SecondFactorGiven {
    pub token: String,
    pub given: Given,
    /// The recovery codes of a second factor set up in this step, shown once.
    pub recovery_codes: Vec<String>,
}

/// Finishes a sign-in that awaits its second factor: checks the code (or, at the `Enrol`
/// stage, confirms the secret being set up) and replaces the pending session with a full
/// one under a new token. A wrong code is audited and leaves the pending session as it is.
pub fn give_second_factor(
    conn: &mut DbConn,
    key: &[u8],
    pending: &PendingSignIn,
    code: &str,
    now: NaiveDateTime,
    ip: &str,
) -> Result<SecondFactorGiven, CodeError> {
    write_tx(conn, |conn| {
        let Some((session, user)) = session_db::find_with_active_user(conn, &pending.session_id)?
        else {
            return Ok(Err(WorkflowError::NotFound.into()));
        };
        let stage = Stage::parse(&session.stage);
        let checked = match stage {
            Stage::Full => return Ok(Err(WorkflowError::NotFound.into())),
            Stage::SecondFactor => {
                two_factor::check(conn, key, &user, code, now).map(|given| (given, Vec::new()))
            }
            Stage::Enrol => {
                two_factor::confirm(conn, key, &actor_of(&user, ip), &user.id, code, now)
                    .map(|codes| (Given::Code, codes))
            }
        };
        let (given, recovery_codes) = match checked {
            Ok(found) => found,
            Err(CodeError::Wrong) => {
                audit_session(
                    conn,
                    &user,
                    AuditAction::SessionSecondFactorFailed,
                    None,
                    ip,
                )?;
                return Ok(Err(CodeError::Wrong));
            }
            Err(CodeError::KeyUnreadable) => {
                audit_session(
                    conn,
                    &user,
                    AuditAction::SessionSecondFactorUnreadable,
                    None,
                    ip,
                )?;
                return Ok(Err(CodeError::KeyUnreadable));
            }
            Err(e) => return Err(e),
        };
        session_db::delete(conn, &session.id)?;
        let token = open_session(conn, &user, Stage::Full, ip, &session.user_agent)?;
        let how = match given {
            Given::Code => "code",
            Given::RecoveryCode { .. } => "recovery_code",
        };
        audit_session(
            conn,
            &user,
            AuditAction::SessionSignIn,
            Some(serde_json::json!({ "second_factor": how }).to_string()),
            ip,
        )?;
        Ok(Ok(SecondFactorGiven {
            token,
            given,
            recovery_codes,
        }))
    })?
}

fn actor_of(user: &User, ip: &str) -> Actor {
    Actor {
        id: Some(user.id.clone()),
        label: format!("{} ({})", user.email, user.role),
        ip: ip.to_string(),
        role: Some(user.role),
        organisation_id: user.organisation_id.clone(),
    }
}

/// A user's own sessions, most recently used first.
pub fn list_own(conn: &mut DbConn, user_id: &str) -> Result<Vec<Session>, WorkflowError> {
    Ok(session_db::list_for_user(conn, user_id)?)
}

/// Ends one of the actor's own sessions, or all but the current one when `which` is
/// `None`. Another user's session is not found.
pub fn end_own(
    conn: &mut DbConn,
    actor: &Actor,
    current: &str,
    which: Option<&str>,
) -> Result<usize, WorkflowError> {
    let user_id = actor.user_id()?.to_string();
    write_tx(conn, |conn| {
        let ended = match which {
            Some(id) => session_db::delete_owned(conn, &user_id, id)?,
            None => session_db::delete_others(conn, &user_id, current)?,
        };
        if ended == 0 && which.is_some() {
            return Err(WorkflowError::NotFound);
        }
        audit::append(
            conn,
            &AuditEntry {
                actor_id: Some(&user_id),
                actor_label: &actor.label,
                action: AuditAction::SessionEndOwn,
                subject_type: "user",
                subject_id: &user_id,
                before_state: None,
                after_state: Some(serde_json::json!({ "sessions_ended": ended }).to_string()),
                ip: &actor.ip,
            },
        )?;
        Ok(ended)
    })
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
                action: AuditAction::SessionSignOut,
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
