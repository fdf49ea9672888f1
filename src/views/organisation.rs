//! A provider's organisation as its people and the administrator see it: the profile
//! page and its form, inviting a colleague, and the organisation's API clients.

use askama::Template;
use askama_web::WebTemplate;

use super::{Errors, PageCtx};
use crate::db::models::api_client::ApiClientWithUser;
use crate::db::models::organisation::Organisation;
use crate::db::models::organisation_change::OrganisationChange;
use crate::db::models::user::User;
use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;
use crate::views::organisation_changes::ChangeView;

/// The organisation profile form's values, as submitted (every value kept on error).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct OrganisationForm {
    pub slug: String,
    pub name_en: String,
    pub name_lo: String,
    pub registration_number: String,
    pub licence_number: String,
    pub address: String,
    pub asns: String,
}

impl OrganisationForm {
    pub fn from_organisation(o: &Organisation) -> Self {
        Self {
            slug: o.slug.clone(),
            name_en: o.name_en.clone(),
            name_lo: o.name_lo.clone(),
            registration_number: o.registration_number.clone(),
            licence_number: o.licence_number.clone(),
            address: o.address.clone(),
            asns: o.asns.clone(),
        }
    }

    /// The organisation's form with the legal identity of its pending change, if any, so
    /// the provider edits what it last proposed.
    pub fn with_proposal(o: &Organisation, pending: Option<&OrganisationChange>) -> Self {
        let mut form = Self::from_organisation(o);
        if let Some(change) = pending {
            form.name_en = change.name_en.clone();
            form.name_lo = change.name_lo.clone();
            form.registration_number = change.registration_number.clone();
            form.licence_number = change.licence_number.clone();
            form.asns = change.asns.clone();
        }
        form
    }

    pub fn input(&self) -> crate::domain::account::OrganisationInput {
        crate::domain::account::OrganisationInput {
            slug: self.slug.clone(),
            name_en: self.name_en.clone(),
            name_lo: self.name_lo.clone(),
            registration_number: self.registration_number.clone(),
            licence_number: self.licence_number.clone(),
            address: self.address.clone(),
            asns: self.asns.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "organisation/show.html")]
pub struct OrganisationPage {
    pub ctx: PageCtx,
    pub organisation: Organisation,
    pub members: Vec<User>,
    pub can_edit: bool,
    /// Where the edit button leads.
    pub edit_url: String,
    /// The organisation's changes of legal identity, newest first.
    pub changes: Vec<ChangeView>,
    /// The reader may withdraw the pending change (the organisation's own administrator).
    pub can_withdraw: bool,
}

impl OrganisationPage {
    pub fn pending(&self) -> Option<&ChangeView> {
        self.changes.iter().find(|c| c.is_pending())
    }

    pub fn role_label(&self, role: &Role) -> String {
        self.ctx.t(role.label_key())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "organisation/form.html")]
pub struct OrganisationFormPage {
    pub ctx: PageCtx,
    pub form: OrganisationForm,
    pub errors: Errors,
    /// Where the form posts to.
    pub action: String,
    /// True for a new organisation (the slug can be chosen only then).
    pub is_new: bool,
    /// The provider's own form, whose legal identity changes only by review.
    pub by_review: bool,
}

/// What an organisation admin types to invite a colleague.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct InviteForm {
    pub email: String,
    pub name: String,
    pub role: String,
    pub language: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organisation/invite.html")]
pub struct InvitePage {
    pub ctx: PageCtx,
    pub form: InviteForm,
    pub errors: FieldErrors,
}

impl InvitePage {
    /// The roles a colleague can be invited to, with their labels.
    pub fn roles(&self) -> Vec<(&'static str, String)> {
        [Role::Applicant, Role::OrgAdmin]
            .into_iter()
            .map(|r| (r.as_str(), self.ctx.t(r.label_key())))
            .collect()
    }
}

/// What an organisation admin types to create an API client.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ApiClientForm {
    pub name: String,
    pub user_id: String,
}

/// One of the organisation's API clients.
pub struct ApiClientRow {
    pub id: String,
    pub name: String,
    pub acts_for: String,
    pub created: String,
    pub last_used: String,
    pub revoked: String,
}

impl ApiClientRow {
    pub fn new(ctx: &PageCtx, (client, email): &ApiClientWithUser) -> Self {
        let when = |t: &Option<chrono::NaiveDateTime>| {
            t.as_ref().map(|t| ctx.local_time(t)).unwrap_or_default()
        };
        Self {
            id: client.id.clone(),
            name: client.name.clone(),
            acts_for: email.clone(),
            created: ctx.local_time(&client.created_at),
            last_used: when(&client.last_used_at),
            revoked: when(&client.revoked_at),
        }
    }
}

/// A client id and secret, shown once right after creation or rotation.
pub struct IssuedSecret {
    pub client_id: String,
    pub secret: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "organisation/api_clients.html")]
pub struct ApiClientsPage {
    pub ctx: PageCtx,
    pub clients: Vec<ApiClientRow>,
    /// The people a client may act for: (user id, name and e-mail).
    pub people: Vec<(String, String)>,
    pub form: ApiClientForm,
    pub errors: FieldErrors,
    pub issued: Option<IssuedSecret>,
}
