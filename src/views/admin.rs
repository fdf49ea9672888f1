//! Administration pages: users, organisations, the audit log.

use askama::Template;
use askama_web::WebTemplate;

use super::{Errors, PageCtx};
use crate::db::audit::{AuditEvent, ChainStatus};
use crate::db::models::organisation::Organisation;
use crate::db::models::user::{User, UserWithOrganisation};
use crate::domain::account::UserInput;
use crate::domain::role::{ReviewDomain, Role};
use crate::workflows::secret_key::LockedOut;

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: PageCtx,
    pub users: Vec<UserWithOrganisation>,
    /// People whose two-factor secret does not open under the secret key in use.
    pub locked_out: Vec<LockedOut>,
}

impl UsersPage {
    pub fn role_label(&self, role: &str) -> String {
        Role::parse(role)
            .map(|r| self.ctx.t(r.label_key()))
            .unwrap_or_else(|| role.to_string())
    }
}

/// The user form's values, as submitted (every value but the password kept on error).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub email: String,
    pub name: String,
    pub role: String,
    pub organisation_id: String,
    pub language: String,
    pub committee_member: Option<String>,
    pub domain_technical: Option<String>,
    pub domain_security: Option<String>,
    pub domain_legal: Option<String>,
    #[serde(skip_serializing)]
    pub password: String,
}

impl UserForm {
    pub fn from_user(u: &User) -> Self {
        let has = |d: &str| {
            u.review_domains
                .split(',')
                .any(|x| x == d)
                .then(|| "on".to_string())
        };
        Self {
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role.clone(),
            organisation_id: u.organisation_id.clone().unwrap_or_default(),
            language: u.language.clone().unwrap_or_default(),
            committee_member: u.committee_member.then(|| "on".to_string()),
            domain_technical: has("technical"),
            domain_security: has("security"),
            domain_legal: has("legal"),
            password: String::new(),
        }
    }

    pub fn input(&self) -> UserInput {
        let domains = [
            (&self.domain_technical, ReviewDomain::Technical),
            (&self.domain_security, ReviewDomain::Security),
            (&self.domain_legal, ReviewDomain::Legal),
        ];
        UserInput {
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role.clone(),
            organisation_id: self.organisation_id.clone(),
            language: self.language.clone(),
            committee_member: self.committee_member.is_some(),
            review_domains: domains
                .iter()
                .filter(|(on, _)| on.is_some())
                .map(|(_, d)| d.as_str().to_string())
                .collect(),
        }
    }

    pub fn has_domain(&self, domain: &str) -> bool {
        match domain {
            "technical" => self.domain_technical.is_some(),
            "security" => self.domain_security.is_some(),
            "legal" => self.domain_legal.is_some(),
            _ => false,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_form.html")]
pub struct UserFormPage {
    pub ctx: PageCtx,
    pub form: UserForm,
    pub errors: Errors,
    pub organisations: Vec<Organisation>,
    /// The user being edited; `None` when creating one.
    pub editing: Option<User>,
}

impl UserFormPage {
    pub fn roles(&self) -> Vec<(&'static str, String)> {
        Role::ALL
            .iter()
            .map(|r| (r.as_str(), self.ctx.t(r.label_key())))
            .collect()
    }

    pub fn domains(&self) -> Vec<(&'static str, String)> {
        ReviewDomain::ALL
            .iter()
            .map(|d| (d.as_str(), self.ctx.t(d.label_key())))
            .collect()
    }

    pub fn action(&self) -> String {
        match &self.editing {
            Some(u) => format!("/admin/users/{}", u.id),
            None => "/admin/users".to_string(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/organisations.html")]
pub struct OrganisationsPage {
    pub ctx: PageCtx,
    pub organisations: Vec<Organisation>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub events: Vec<AuditEvent>,
    pub status: ChainStatus,
    /// When the scheduled check last walked the whole chain (the page walked the events
    /// recorded since); `None` when the page walked it all.
    pub full_walk: Option<String>,
    /// The `before` cursor of the next (older) page, if there is one.
    pub older: Option<i64>,
}

impl AuditPage {
    pub fn break_message(&self) -> Option<String> {
        match &self.status {
            ChainStatus::Intact { .. } => None,
            ChainStatus::Broken(b) => {
                Some(self.ctx.t1("audit-broken", "seq", &b.seq().to_string()))
            }
        }
    }

    pub fn intact_message(&self) -> Option<String> {
        match &self.status {
            ChainStatus::Intact { events } => {
                Some(self.ctx.t1("audit-intact", "count", &events.to_string()))
            }
            ChainStatus::Broken(_) => None,
        }
    }
}
