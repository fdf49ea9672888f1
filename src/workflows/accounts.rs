//! Organisations and user accounts: create, edit, deactivate, and what the pages about
//! them read (the administrator's lists and forms, an organisation's profile, a person's
//! own account). Every change is audited with its before and after state (never a
//! password hash).

use serde_json::json;

use crate::auth::password;
use crate::db::models::organisation::{
    self as org_db, NewOrganisation, Organisation, OrganisationChangeset,
};
use crate::db::models::organisation_change::{self as change_db, OrganisationChange};
use crate::db::models::session::{self as session_db, Session};
use crate::db::models::user::UserWithOrganisation;
use crate::db::models::user::{self as user_db, NewUser, User, UserChangeset};
pub use crate::db::models::user::{UserCursor, UserFilter};
use crate::db::{self, DbConn, Position, new_id, write_tx};
use crate::domain::account::{OrganisationInput, UserFields, UserInput, check_password};
use crate::domain::audit::AuditAction;
use crate::domain::language::Lang;
use crate::domain::validation::FieldErrors;
use crate::workflows::audit::record;
use crate::workflows::secret_key::{self, LockedOut};
use crate::workflows::{Actor, WorkflowError, is_unique_violation, sessions, two_factor};

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
            AuditAction::OrganisationCreate,
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
            AuditAction::OrganisationUpdate,
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
        insert_account(
            conn,
            actor,
            &fields,
            &password_hash,
            AuditAction::UserCreate,
        )
    })
}

/// Inserts a validated account inside the caller's transaction and audits it as `action`.
/// An empty `password_hash` makes an account nobody can sign in to until a password is set.
pub(crate) fn insert_account(
    conn: &mut DbConn,
    actor: &Actor,
    fields: &UserFields,
    password_hash: &str,
    action: AuditAction,
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
            AuditAction::UserUpdate,
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
            AuditAction::UserReactivate
        } else {
            AuditAction::UserDeactivate
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
            AuditAction::UserSetLanguage,
            "user",
            user_id,
            None,
            Some(json!({ "language": lang.code() })),
        )?;
        Ok(())
    })
}

/// A page of the administrator's list of users, and where it stands in the whole list.
#[derive(Debug)]
pub struct UsersList {
    /// The users read at the page's position: one more than a page, to see if more follow.
    pub users: Vec<UserWithOrganisation>,
    /// How many users match the filter in all.
    pub total: i64,
    /// How many matching users come before the page.
    pub ahead: i64,
    /// Who can no longer sign in because their second factor does not open under `key`.
    pub locked_out: Vec<LockedOut>,
}

/// The administrator's list of users matching `filter`, `size` of them at `position`.
pub fn users_list(
    conn: &mut DbConn,
    filter: &UserFilter,
    position: &Position<UserCursor>,
    size: i64,
    key: &[u8],
) -> Result<UsersList, WorkflowError> {
    let users = user_db::list_page(conn, filter, position.as_ref(), size + 1)?;
    let total = user_db::count_matching(conn, filter, None)?;
    let ahead = match position.first_row(&users, size) {
        Some((user, _, _)) => user_db::count_matching(
            conn,
            filter,
            Some(&UserCursor {
                name: user.name.clone(),
                id: user.id.clone(),
            }),
        )?,
        None => 0,
    };
    Ok(UsersList {
        users,
        total,
        ahead,
        locked_out: secret_key::locked_out(conn, key)?,
    })
}

/// A user, by id.
pub fn user(conn: &mut DbConn, id: &str) -> Result<User, WorkflowError> {
    user_db::find(conn, id)?.ok_or(WorkflowError::NotFound)
}

/// What the administrator's form for a user offers: the organisations to choose from,
/// and the user being edited (none for a new one).
#[derive(Debug)]
pub struct UserFormChoices {
    pub organisations: Vec<Organisation>,
    pub editing: Option<User>,
}

pub fn user_form_choices(
    conn: &mut DbConn,
    editing_id: Option<&str>,
) -> Result<UserFormChoices, WorkflowError> {
    let organisations = org_db::list_all(conn)?;
    let editing = match editing_id {
        Some(id) => Some(user(conn, id)?),
        None => None,
    };
    Ok(UserFormChoices {
        organisations,
        editing,
    })
}

/// Every organisation, for the administrator's list and the findings queue's filter.
pub fn organisations(conn: &mut DbConn) -> Result<Vec<Organisation>, WorkflowError> {
    Ok(org_db::list_all(conn)?)
}

/// An organisation, by id.
pub fn organisation(conn: &mut DbConn, id: &str) -> Result<Organisation, WorkflowError> {
    org_db::find(conn, id)?.ok_or(WorkflowError::NotFound)
}

/// What an organisation's page shows: its profile, its people and its changes of legal
/// identity, newest first.
#[derive(Debug)]
pub struct OrganisationProfile {
    pub organisation: Organisation,
    pub members: Vec<User>,
    pub changes: Vec<OrganisationChange>,
}

pub fn organisation_profile(
    conn: &mut DbConn,
    id: &str,
) -> Result<OrganisationProfile, WorkflowError> {
    let organisation = organisation(conn, id)?;
    let members = user_db::list_by_organisation(conn, id)?;
    let changes = change_db::list_for_organisation(conn, id)?;
    Ok(OrganisationProfile {
        organisation,
        members,
        changes,
    })
}

/// What the provider's form for its own organisation starts from: the profile, and the
/// change of legal identity it proposed and the secretariat has not yet decided, if any.
#[derive(Debug)]
pub struct OrganisationDraft {
    pub organisation: Organisation,
    pub pending: Option<OrganisationChange>,
}

pub fn organisation_draft(conn: &mut DbConn, id: &str) -> Result<OrganisationDraft, WorkflowError> {
    let organisation = organisation(conn, id)?;
    Ok(OrganisationDraft {
        organisation,
        pending: change_db::find_pending_for(conn, id)?,
    })
}

/// What a person's own account page shows.
#[derive(Debug)]
pub struct OwnAccount {
    pub user: User,
    /// Unused recovery codes when a second factor is set up; `None` when it is not.
    pub recovery_codes_left: Option<i64>,
    pub sessions: Vec<Session>,
}

pub fn own_account(conn: &mut DbConn, user_id: &str) -> Result<OwnAccount, WorkflowError> {
    let user = user(conn, user_id)?;
    let recovery_codes_left = match user.totp_secret {
        Some(_) => Some(two_factor::recovery_codes_left(conn, user_id)?),
        None => None,
    };
    Ok(OwnAccount {
        user,
        recovery_codes_left,
        sessions: sessions::list_own(conn, user_id)?,
    })
}
