//! Organisations and user accounts: create, edit, deactivate. Every change is audited with
//! its before and after state (never a password hash).

use serde_json::json;

use crate::auth::password;
use crate::db::audit::{self, AuditEntry};
use crate::db::models::organisation::{
    self as org_db, NewOrganisation, Organisation, OrganisationChangeset,
};
use crate::db::models::session as session_db;
use crate::db::models::user::{self as user_db, NewUser, User, UserChangeset};
use crate::db::{self, DbConn, new_id, write_tx};
use crate::domain::account::{OrganisationInput, UserFields, UserInput, check_password};
use crate::domain::audit::actions;
use crate::domain::language::Lang;
use crate::domain::validation::FieldErrors;
use crate::workflows::{Actor, WorkflowError, is_unique_violation};

pub(crate) fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    subject_type: &str,
    subject_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> diesel::QueryResult<i64> {
    audit::append(
        conn,
        &AuditEntry {
            actor_id: actor.id.as_deref(),
            actor_label: &actor.label,
            action,
            subject_type,
            subject_id,
            before_state: before.map(|v| v.to_string()),
            after_state: after.map(|v| v.to_string()),
            ip: &actor.ip,
        },
    )
}

fn organisation_state(o: &Organisation) -> serde_json::Value {
    json!({
        "slug": o.slug, "name_en": o.name_en, "name_lo": o.name_lo,
        "registration_number": o.registration_number, "licence_number": o.licence_number,
        "address": o.address, "asns": o.asns,
    })
}

fn user_state(u: &User) -> serde_json::Value {
    json!({
        "email": u.email, "name": u.name, "role": u.role,
        "organisation_id": u.organisation_id, "language": u.language, "active": u.active,
        "committee_member": u.committee_member, "review_domains": u.review_domains,
    })
}

/// Registers an organisation.
pub fn create_organisation(
    conn: &mut DbConn,
    actor: &Actor,
    input: &OrganisationInput,
) -> Result<Organisation, WorkflowError> {
    let (slug, profile) = input.parse_new()?;
    let result = write_tx(conn, |conn| {
        if org_db::find_by_slug(conn, slug.as_str())?.is_some() {
            let mut errors = FieldErrors::new();
            errors.add("slug", "error-slug-taken");
            return Err(WorkflowError::Invalid(errors));
        }
        let now = db::now();
        let id = new_id();
        let asns = profile.asns.to_text();
        org_db::insert(
            conn,
            &NewOrganisation {
                id: &id,
                slug: slug.as_str(),
                name_en: &profile.name_en,
                name_lo: &profile.name_lo,
                registration_number: &profile.registration_number,
                licence_number: &profile.licence_number,
                address: &profile.address,
                asns: &asns,
                created_at: now,
                updated_at: now,
            },
        )?;
        let created = org_db::find(conn, &id)?.ok_or(WorkflowError::NotFound)?;
        record(
            conn,
            actor,
            actions::ORGANISATION_CREATE,
            "organisation",
            &id,
            None,
            Some(organisation_state(&created)),
        )?;
        Ok(created)
    });
    slug_race_as_field_error(result)
}

fn slug_race_as_field_error<T>(result: Result<T, WorkflowError>) -> Result<T, WorkflowError> {
    match result {
        Err(WorkflowError::Database(e)) if is_unique_violation(&e) => {
            let mut errors = FieldErrors::new();
            errors.add("slug", "error-slug-taken");
            Err(WorkflowError::Invalid(errors))
        }
        other => other,
    }
}

/// Edits an organisation's profile (its slug never changes) at once: the administrator's
/// correction power. A provider's own change of its legal identity goes through
/// `organisation_changes::propose` instead.
pub fn update_organisation(
    conn: &mut DbConn,
    actor: &Actor,
    organisation_id: &str,
    input: &OrganisationInput,
) -> Result<Organisation, WorkflowError> {
    let profile = input.parse_profile()?;
    write_tx(conn, |conn| {
        let before = org_db::find(conn, organisation_id)?.ok_or(WorkflowError::NotFound)?;
        let asns = profile.asns.to_text();
        org_db::update_profile(
            conn,
            organisation_id,
            &OrganisationChangeset {
                name_en: &profile.name_en,
                name_lo: &profile.name_lo,
                registration_number: &profile.registration_number,
                licence_number: &profile.licence_number,
                address: &profile.address,
                asns: &asns,
                updated_at: db::now(),
            },
        )?;
        let after = org_db::find(conn, organisation_id)?.ok_or(WorkflowError::NotFound)?;
        if (&before.name_en, &before.name_lo) != (&after.name_en, &after.name_lo) {
            crate::workflows::connections::refresh_search_text(conn, &after)?;
        }
        record(
            conn,
            actor,
            actions::ORGANISATION_UPDATE,
            "organisation",
            organisation_id,
            Some(organisation_state(&before)),
            Some(organisation_state(&after)),
        )?;
        Ok(after)
    })
}

pub(crate) fn validate_user(
    conn: &mut DbConn,
    input: &UserInput,
    password_text: Option<&str>,
) -> Result<UserFields, WorkflowError> {
    let mut fields = input.parse();
    if let Some(Err(key)) = password_text.map(|p| check_password(p, &input.email, &input.name)) {
        let mut errors = fields.as_ref().err().cloned().unwrap_or_default();
        errors.add("password", key);
        fields = Err(errors);
    }
    let fields = fields?;
    if let Some(org_id) = &fields.organisation_id
        && org_db::find(conn, org_id)?.is_none()
    {
        let mut errors = FieldErrors::new();
        errors.add("organisation_id", "error-organisation-unknown");
        return Err(WorkflowError::Invalid(errors));
    }
    Ok(fields)
}

fn email_taken() -> WorkflowError {
    let mut errors = FieldErrors::new();
    errors.add("email", "error-email-taken");
    WorkflowError::Invalid(errors)
}

/// Creates an account with an initial password.
pub fn create_user(
    conn: &mut DbConn,
    actor: &Actor,
    input: &UserInput,
    password_text: &str,
) -> Result<User, WorkflowError> {
    let fields = validate_user(conn, input, Some(password_text))?;
    let password_hash = password::hash(password_text);
    write_tx(conn, |conn| {
        insert_account(conn, actor, &fields, &password_hash, actions::USER_CREATE)
    })
}

/// Inserts a validated account inside the caller's transaction and audits it as `action`.
/// An empty `password_hash` makes an account nobody can sign in to until a password is set.
pub(crate) fn insert_account(
    conn: &mut DbConn,
    actor: &Actor,
    fields: &UserFields,
    password_hash: &str,
    action: &str,
) -> Result<User, WorkflowError> {
    if user_db::find_by_email(conn, fields.email.as_str())?.is_some() {
        return Err(email_taken());
    }
    let now = db::now();
    let id = new_id();
    let inserted = user_db::insert(
        conn,
        &NewUser {
            id: &id,
            email: fields.email.as_str(),
            name: &fields.name,
            role: fields.role.as_str(),
            organisation_id: fields.organisation_id.as_deref(),
            password_hash,
            language: fields.language.map(Lang::code),
            active: true,
            committee_member: fields.committee_member,
            review_domains: &fields.review_domains_text(),
            created_at: now,
            updated_at: now,
        },
    );
    match inserted {
        Err(e) if is_unique_violation(&e) => return Err(email_taken()),
        other => other?,
    }
    let created = user_db::find(conn, &id)?.ok_or(WorkflowError::NotFound)?;
    record(
        conn,
        actor,
        action,
        "user",
        &id,
        None,
        Some(user_state(&created)),
    )?;
    Ok(created)
}

/// Edits an account. A change of role or organisation ends the user's sessions, so new
/// powers (or the loss of old ones) take effect at once on every server.
pub fn update_user(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    input: &UserInput,
) -> Result<User, WorkflowError> {
    let fields = validate_user(conn, input, None)?;
    let result = write_tx(conn, |conn| {
        let before = user_db::find(conn, user_id)?.ok_or(WorkflowError::NotFound)?;
        if let Some(other) = user_db::find_by_email(conn, fields.email.as_str())?
            && other.id != user_id
        {
            return Err(email_taken());
        }
        user_db::update(
            conn,
            user_id,
            &UserChangeset {
                email: fields.email.as_str(),
                name: &fields.name,
                role: fields.role.as_str(),
                organisation_id: fields.organisation_id.as_deref(),
                language: fields.language.map(Lang::code),
                committee_member: fields.committee_member,
                review_domains: &fields.review_domains_text(),
                updated_at: db::now(),
            },
        )?;
        let after = user_db::find(conn, user_id)?.ok_or(WorkflowError::NotFound)?;
        if before.role != after.role || before.organisation_id != after.organisation_id {
            session_db::delete_for_user(conn, user_id)?;
        }
        record(
            conn,
            actor,
            actions::USER_UPDATE,
            "user",
            user_id,
            Some(user_state(&before)),
            Some(user_state(&after)),
        )?;
        Ok(after)
    });
    match result {
        Err(WorkflowError::Database(e)) if is_unique_violation(&e) => Err(email_taken()),
        other => other,
    }
}

/// Deactivates or reactivates an account. Deactivation ends every session of the user.
/// Nobody can deactivate their own account (an administrator could lock everyone out).
pub fn set_user_active(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    active: bool,
) -> Result<User, WorkflowError> {
    if !active && actor.id.as_deref() == Some(user_id) {
        return Err(WorkflowError::Conflict("error-cannot-deactivate-self"));
    }
    write_tx(conn, |conn| {
        let before = user_db::find(conn, user_id)?.ok_or(WorkflowError::NotFound)?;
        user_db::update_active(conn, user_id, active, db::now())?;
        if !active {
            session_db::delete_for_user(conn, user_id)?;
        }
        let after = user_db::find(conn, user_id)?.ok_or(WorkflowError::NotFound)?;
        let action = if active {
            actions::USER_REACTIVATE
        } else {
            actions::USER_DEACTIVATE
        };
        record(
            conn,
            actor,
            action,
            "user",
            user_id,
            Some(user_state(&before)),
            Some(user_state(&after)),
        )?;
        Ok(after)
    })
}

/// Saves a user's language preference.
pub fn set_language(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: &str,
    lang: Lang,
) -> Result<(), WorkflowError> {
    write_tx(conn, |conn| {
        user_db::update_language(conn, user_id, lang.code())?;
        record(
            conn,
            actor,
            actions::USER_SET_LANGUAGE,
            "user",
            user_id,
            None,
            Some(json!({ "language": lang.code() })),
        )?;
        Ok(())
    })
}
