//! Setting a password by e-mailed link: an organisation admin invites a colleague, and
//! anyone who forgot their password asks for a reset. Links are single-use, bound to
//! their purpose, and short-lived; using one ends the account's other sessions. A
//! signed-in person may also change their password by giving the current one.

use chrono::{NaiveDateTime, TimeDelta};
use serde_json::json;

use crate::auth::email_token::{self, Purpose};
use crate::auth::password;
use crate::db::models::organisation as org_db;
use crate::db::models::session as session_db;
use crate::db::models::token::{self as token_db, UserToken};
use crate::db::models::user::{self as user_db, User};
use crate::db::{DbConn, new_id, write_tx};
use crate::domain::account::{EmailAddress, UserInput, check_password};
use crate::domain::audit::AuditAction;
use crate::domain::notification::{MessageKind, Params};
use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::workflows::accounts::{insert_account, validate_user};
use crate::workflows::audit::record;
use crate::workflows::notify::{self, Recipient};
use crate::workflows::{Actor, WorkflowError};

/// How long an invitation link works.
pub const INVITATION_LIFETIME: TimeDelta = TimeDelta::days(7);
/// How long a password-reset link works.
pub const RESET_LIFETIME: TimeDelta = TimeDelta::hours(1);

fn lifetime(purpose: Purpose) -> TimeDelta {
    match purpose {
        Purpose::Invitation => INVITATION_LIFETIME,
        Purpose::PasswordReset => RESET_LIFETIME,
    }
}

/// Issues a token for `user` and queues the e-mail carrying it.
fn issue(
    conn: &mut DbConn,
    user: &User,
    purpose: Purpose,
    mut params: Params,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    token_db::retire_for_user(conn, &user.id, purpose.as_str(), now)?;
    let id = new_id();
    token_db::insert(
        conn,
        &UserToken {
            id: id.clone(),
            user_id: user.id.clone(),
            purpose: purpose.as_str().to_string(),
            created_at: now,
            expires_at: now + lifetime(purpose),
            used_at: None,
        },
    )?;
    params.token = id;
    let kind = match purpose {
        Purpose::Invitation => MessageKind::Invitation,
        Purpose::PasswordReset => MessageKind::PasswordReset,
    };
    notify::enqueue(conn, kind, &[Recipient::from(user)], &params, now)?;
    Ok(())
}

/// What an organisation admin gives to invite a colleague.
#[derive(Debug, Clone, Default)]
pub struct Invitation {
    pub email: String,
    pub name: String,
    pub role: String,
    pub language: String,
}

/// An organisation admin invites a colleague into the organisation as an applicant or a
/// fellow organisation admin. The account has no password until the link is used.
///
/// An address that already has an account, in any organisation or none, gets the same
/// answer as a new one, so that the form does not tell who has an account: no invitation
/// is made, and the account's holder (if active) gets a notice saying who tried to invite
/// them, instead of a link.
pub fn invite(
    conn: &mut DbConn,
    actor: &Actor,
    invitation: &Invitation,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    let organisation_id = match (&actor.role, &actor.organisation_id) {
        (Some(Role::OrgAdmin), Some(org)) => org.clone(),
        _ => return Err(WorkflowError::Forbidden),
    };
    let role_allowed = Role::parse(&invitation.role).is_some_and(Role::is_provider);
    let input = UserInput {
        email: invitation.email.clone(),
        name: invitation.name.clone(),
        role: if role_allowed {
            invitation.role.clone()
        } else {
            String::new()
        },
        organisation_id: organisation_id.clone(),
        language: invitation.language.clone(),
        committee_member: false,
        review_domains: Vec::new(),
    };
    let fields = validate_user(conn, &input, None)?;
    write_tx(conn, |conn| {
        let organisation = org_db::find(conn, &organisation_id)?.ok_or(WorkflowError::NotFound)?;
        let params = Params {
            organisation_en: organisation.name_en,
            organisation_lo: organisation.name_lo,
            text: actor.label.clone(),
            ..Params::default()
        };
        match user_db::find_by_email(conn, fields.email.as_str())? {
            Some(existing) => {
                if existing.active {
                    let params = Params {
                        path: "/sign-in".into(),
                        ..params
                    };
                    let to = [Recipient::from(&existing)];
                    notify::enqueue(conn, MessageKind::AccountExists, &to, &params, now)?;
                }
                record(
                    conn,
                    actor,
                    AuditAction::UserInviteExisting,
                    "user",
                    &existing.id,
                    None,
                    Some(json!({ "organisation_id": organisation_id })),
                )?;
            }
            None => {
                let user = insert_account(conn, actor, &fields, "", AuditAction::UserInvite)?;
                issue(conn, &user, Purpose::Invitation, params, now)?;
            }
        }
        Ok(())
    })
}

/// Sends a reset link to the account with this address, if there is an active one. The
/// caller says the same thing either way, so the form does not reveal who has an account.
pub fn request_reset(
    conn: &mut DbConn,
    actor: &Actor,
    email: &str,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    let Ok(email) = EmailAddress::parse(email) else {
        let mut errors = FieldErrors::new();
        errors.add("email", "error-email");
        return Err(WorkflowError::Invalid(errors));
    };
    write_tx(conn, |conn| {
        let Some(user) = user_db::find_by_email(conn, email.as_str())?.filter(|u| u.active) else {
            return Ok(());
        };
        issue(conn, &user, Purpose::PasswordReset, Params::default(), now)?;
        record(
            conn,
            actor,
            AuditAction::UserPasswordResetRequested,
            "user",
            &user.id,
            None,
            None,
        )?;
        Ok(())
    })
}

/// A link from an e-mail, as presented: the token, what it is for, and the key that
/// signed it.
#[derive(Debug, Clone, Copy)]
pub struct Link<'a> {
    pub secret: &'a [u8],
    pub purpose: Purpose,
    pub token: &'a str,
}

impl Link<'_> {
    /// The token id, if the link was signed with this key for this purpose.
    fn id(&self) -> Result<String, WorkflowError> {
        email_token::verify(self.secret, self.purpose, self.token).ok_or(WorkflowError::NotFound)
    }
}

/// The account a link may set the password of, if the link is genuine, unused and unexpired.
pub fn account_for_link(
    conn: &mut DbConn,
    link: Link<'_>,
    now: NaiveDateTime,
) -> Result<User, WorkflowError> {
    let id = link.id()?;
    let token = token_db::find_usable(conn, &id, link.purpose.as_str(), now)?
        .ok_or(WorkflowError::NotFound)?;
    user_db::find(conn, &token.user_id)?
        .filter(|u| u.active)
        .ok_or(WorkflowError::NotFound)
}

/// Names the problems of a new password, typed twice, for `user`'s account.
fn check_new_password(
    user: &User,
    new_password: &str,
    confirmation: &str,
    errors: &mut FieldErrors,
) {
    if let Err(key) = check_password(new_password, &user.email, &user.name) {
        errors.add("password", key);
    } else if new_password != confirmation {
        errors.add("password_confirmation", "error-password-mismatch");
    }
}

/// Sets the password through a link and uses the link up. Every session of the account
/// ends, on every server.
pub fn set_password_by_link(
    conn: &mut DbConn,
    actor: &Actor,
    link: Link<'_>,
    new_password: &str,
    confirmation: &str,
    now: NaiveDateTime,
) -> Result<User, WorkflowError> {
    let id = link.id()?;
    let purpose = link.purpose;
    let holder = account_for_link(conn, link, now)?;
    let mut errors = FieldErrors::new();
    check_new_password(&holder, new_password, confirmation, &mut errors);
    if !errors.is_empty() {
        return Err(WorkflowError::Invalid(errors));
    }
    let hash = password::hash(new_password);
    write_tx(conn, |conn| {
        let token = token_db::find_usable(conn, &id, purpose.as_str(), now)?
            .ok_or(WorkflowError::NotFound)?;
        let user = user_db::find(conn, &token.user_id)?
            .filter(|u| u.active)
            .ok_or(WorkflowError::NotFound)?;
        if token_db::consume(conn, &id, purpose.as_str(), now)? != 1 {
            return Err(WorkflowError::NotFound);
        }
        user_db::update_password(conn, &user.id, &hash, now)?;
        let ended = session_db::delete_for_user(conn, &user.id)?;
        let action = match purpose {
            Purpose::Invitation => AuditAction::UserAcceptInvitation,
            Purpose::PasswordReset => AuditAction::UserPasswordReset,
        };
        let actor = Actor {
            id: Some(user.id.clone()),
            label: user.email.clone(),
            ..actor.clone()
        };
        record(
            conn,
            &actor,
            action,
            "user",
            &user.id,
            None,
            Some(json!({ "sessions_ended": ended })),
        )?;
        Ok(user)
    })
}

/// What a signed-in person types to change their password.
#[derive(Debug, Clone, Copy)]
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirmation: &'a str,
}

/// A signed-in person changes their own password, giving the current one. Every other
/// session of theirs ends, on every server; `current_session` stays. They are told by
/// e-mail, so that a change they did not make does not go unnoticed. A wrong current
/// password is audited like a failed sign-in. Returns how many sessions ended.
pub fn change_password(
    conn: &mut DbConn,
    actor: &Actor,
    current_session: &str,
    change: PasswordChange<'_>,
    now: NaiveDateTime,
) -> Result<usize, WorkflowError> {
    let user_id = actor.user_id()?.to_string();
    let user = user_db::find(conn, &user_id)?
        .filter(|u| u.active)
        .ok_or(WorkflowError::NotFound)?;
    let mut errors = FieldErrors::new();
    let current_ok = password::verify(change.current, Some(&user.password_hash));
    if !current_ok {
        errors.add("current_password", "error-current-password");
    }
    check_new_password(&user, change.new, change.confirmation, &mut errors);
    if !current_ok {
        write_tx(conn, |conn| {
            record(
                conn,
                actor,
                AuditAction::UserPasswordChangeFailed,
                "user",
                &user_id,
                None,
                None,
            )
        })?;
    }
    if !errors.is_empty() {
        return Err(WorkflowError::Invalid(errors));
    }
    let hash = password::hash(change.new);
    write_tx(conn, |conn| {
        // Changed meanwhile (another tab, a reset link): what was typed is no longer current.
        if user_db::replace_password(conn, &user_id, &user.password_hash, &hash, now)? != 1 {
            let mut errors = FieldErrors::new();
            errors.add("current_password", "error-current-password");
            return Err(WorkflowError::Invalid(errors));
        }
        let ended = session_db::delete_others(conn, &user_id, current_session)?;
        record(
            conn,
            actor,
            AuditAction::UserPasswordChanged,
            "user",
            &user_id,
            None,
            Some(json!({ "sessions_ended": ended })),
        )?;
        let params = Params {
            path: "/password/forgot".into(),
            date: Some(now),
            ..Params::default()
        };
        let to = [Recipient::from(&user)];
        notify::enqueue(conn, MessageKind::PasswordChanged, &to, &params, now)?;
        Ok(ended)
    })
}

/// Chooses between one e-mail per committee notice and a daily digest.
pub fn set_committee_digest(
    conn: &mut DbConn,
    actor: &Actor,
    digest: bool,
) -> Result<(), WorkflowError> {
    let user_id = actor.user_id()?.to_string();
    write_tx(conn, |conn| {
        user_db::update_committee_digest(conn, &user_id, digest)?;
        record(
            conn,
            actor,
            AuditAction::UserSetNotifications,
            "user",
            &user_id,
            None,
            Some(json!({ "committee_digest": digest })),
        )?;
        Ok(())
    })
}
