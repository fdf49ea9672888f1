//! Administration pages: users, organisations, the audit log, the outbox of e-mail.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;

use super::{Errors, PageCtx, Pager};
use crate::db::audit::{AuditEvent, ChainStatus};
use crate::db::models::organisation::Organisation;
use crate::db::models::outbox::OutboxMessage;
use crate::db::models::user::{User, UserWithOrganisation};
use crate::domain::account::UserInput;
use crate::domain::audit::ChainBreak;
use crate::domain::notification::MessageKind;
use crate::domain::role::{ReviewDomain, Role};
use crate::workflows::audit_checkpoints::AuditCheckpoint;
use crate::workflows::secret_key::LockedOut;

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: PageCtx,
    pub users: Vec<UserWithOrganisation>,
    /// People whose two-factor secret does not open under the secret key in use.
    pub locked_out: Vec<LockedOut>,
    pub query: UsersQuery,
    pub pager: Pager,
}

/// The filters of the list of users, as typed, and its cursors.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct UsersQuery {
    /// Part of a name or an e-mail address.
    pub q: String,
    pub role: String,
    pub after: String,
    pub before: String,
}

impl UsersQuery {
    /// The query string of the filters (without the cursors), for the pages' links.
    pub fn filters(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [("q", &self.q), ("role", &self.role)] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        out.finish()
    }
}

impl UsersPage {
    /// Every role, as (value, label), for the filter.
    pub fn roles(&self) -> Vec<(&'static str, String)> {
        Role::ALL
            .into_iter()
            .map(|r| (r.as_str(), self.ctx.t(r.label_key())))
            .collect()
    }

    pub fn role_label(&self, role: &Role) -> String {
        self.ctx.t(role.label_key())
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
            role: u.role.into(),
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

/// The audit log's filters, as typed, and its cursors.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// Part of the name or e-mail address of the person who acted.
    pub actor: String,
    pub action: String,
    /// An application's reference, an approval number, an e-mail address or a short name.
    pub subject: String,
    /// The first and last days shown, `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub after: String,
    pub before: String,
}

impl AuditQuery {
    /// The query string of the filters (without the cursors), for the pages' links.
    pub fn filters(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("subject", &self.subject),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        out.finish()
    }
}

/// An event of the audit log with its subject named: an application's reference, an
/// approval number, a person's or an organisation's name, linked to its page where the
/// reader may open it.
pub struct AuditRow {
    pub event: AuditEvent,
    pub subject: String,
    pub href: Option<String>,
}

impl AuditRow {
    pub fn new(ctx: &PageCtx, event: AuditEvent, names: &HashMap<String, String>) -> Self {
        let name = names.get(&event.subject_id);
        let id = &event.subject_id;
        let href = match (event.subject_type.as_str(), name) {
            (_, None) => None,
            ("application", Some(_)) if ctx.reads_cases() => {
                Some(format!("/committee/applications/{id}"))
            }
            ("connection", Some(_)) if ctx.reads_cases() => {
                Some(format!("/committee/connections/{id}"))
            }
            ("connection", Some(number)) => Some(format!("/registry/{number}")),
            ("user", Some(_)) if ctx.is_admin() => Some(format!("/admin/users/{id}")),
            ("organisation", Some(_)) if ctx.is_admin() => {
                Some(format!("/admin/organisations/{id}"))
            }
            _ => None,
        };
        Self {
            subject: name.cloned().unwrap_or_else(|| id.clone()),
            href,
            event,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub rows: Vec<AuditRow>,
    pub status: ChainStatus,
    /// When the scheduled check last walked the whole chain (the page walked the events
    /// recorded since); `None` when the page walked it all.
    pub full_walk: Option<String>,
    /// The chain's head signed now; `None` while the chain is empty.
    pub checkpoint: Option<AuditCheckpoint>,
    pub query: AuditQuery,
    pub pager: Pager,
}

impl AuditPage {
    pub fn break_message(&self) -> Option<String> {
        match &self.status {
            ChainStatus::Intact { .. } => None,
            ChainStatus::Broken(b @ ChainBreak::KeyUnreadable { .. }) => Some(self.ctx.t1(
                "audit-key-unreadable",
                "seq",
                &b.seq().to_string(),
            )),
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

/// One line of the outbox table.
pub struct OutboxRow {
    pub message: OutboxMessage,
    pub kind_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/outbox.html")]
pub struct OutboxPage {
    pub ctx: PageCtx,
    /// (status, label, count) for every status.
    pub counts: Vec<(&'static str, String, i64)>,
    pub status: String,
    pub rows: Vec<OutboxRow>,
    /// The query string of the next (older) page, if any.
    pub older: Option<String>,
    pub smtp_configured: bool,
}

/// The statuses a message can be in, in the order the page shows them.
pub const OUTBOX_STATUSES: [&str; 5] = ["queued", "held", "failed", "sent", "digested"];

impl OutboxRow {
    pub fn new(ctx: &PageCtx, message: OutboxMessage) -> OutboxRow {
        let kind_label = MessageKind::parse(&message.message)
            .map(|k| ctx.t(&format!("{}-name", k.key())))
            .unwrap_or_else(|| message.message.clone());
        OutboxRow {
            message,
            kind_label,
        }
    }
}

impl OutboxPage {
    pub fn status_label(&self, status: &str) -> String {
        self.ctx.t(&format!("outbox-status-{status}"))
    }
}
