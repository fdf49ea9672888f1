//! Who a user is to the system, and what each role may do in general terms.

use std::fmt;

/// A user's role. Stored as its `as_str()` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "String")]
pub enum Role {
    Applicant,
    OrgAdmin,
    Secretariat,
    Reviewer,
    Chair,
    Auditor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Applicant,
        Role::OrgAdmin,
        Role::Secretariat,
        Role::Reviewer,
        Role::Chair,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::OrgAdmin => "org_admin",
            Role::Secretariat => "secretariat",
            Role::Reviewer => "reviewer",
            Role::Chair => "chair",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }

    /// Provider staff act for one organisation and must belong to it.
    pub fn is_provider(self) -> bool {
        matches!(self, Role::Applicant | Role::OrgAdmin)
    }

    /// Roles that may sit on the oversight committee (review and vote).
    pub fn may_join_committee(self) -> bool {
        matches!(self, Role::Reviewer | Role::Chair)
    }

    /// Roles that must give a second factor (a TOTP code) to sign in: every role that
    /// reads case files or the audit log (those who decide applications, the auditor) and
    /// those who manage accounts.
    pub fn needs_second_factor(self) -> bool {
        matches!(
            self,
            Role::Secretariat | Role::Reviewer | Role::Chair | Role::Auditor | Role::Admin
        )
    }

    /// Committee staff: the people who work applications.
    pub fn is_committee_staff(self) -> bool {
        matches!(self, Role::Secretariat | Role::Reviewer | Role::Chair)
    }

    /// Those who read the audit log: administrators and auditors.
    pub fn reads_audit(self) -> bool {
        matches!(self, Role::Admin | Role::Auditor)
    }

    /// Committee staff and auditors, who work the case files.
    pub fn reads_cases(self) -> bool {
        matches!(
            self,
            Role::Secretariat | Role::Reviewer | Role::Chair | Role::Auditor
        )
    }

    /// May someone in this role, of organisation `own_organisation` (if any), read the
    /// files of organisation `organisation`'s application or connection? Its own provider
    /// staff always; the committee and auditors once it is before the regulator
    /// (`submitted`: a connection always is); nobody else.
    pub fn may_read_files(
        self,
        own_organisation: Option<&str>,
        organisation: &str,
        submitted: bool,
    ) -> bool {
        match self {
            Role::Applicant | Role::OrgAdmin => own_organisation == Some(organisation),
            Role::Secretariat | Role::Reviewer | Role::Chair | Role::Auditor => submitted,
            Role::Admin => false,
        }
    }

    /// The translation key naming this role.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Applicant => "role-applicant",
            Role::OrgAdmin => "role-org_admin",
            Role::Secretariat => "role-secretariat",
            Role::Reviewer => "role-reviewer",
            Role::Chair => "role-chair",
            Role::Auditor => "role-auditor",
            Role::Admin => "role-admin",
        }
    }
}

crate::domain::stored::stored_as_text!(Role, "a role");

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The areas a committee reviewer covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewDomain {
    Technical,
    Security,
    Legal,
}

impl ReviewDomain {
    pub const ALL: [ReviewDomain; 3] = [
        ReviewDomain::Technical,
        ReviewDomain::Security,
        ReviewDomain::Legal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewDomain::Technical => "technical",
            ReviewDomain::Security => "security",
            ReviewDomain::Legal => "legal",
        }
    }

    pub fn parse(raw: &str) -> Option<ReviewDomain> {
        ReviewDomain::ALL
            .into_iter()
            .find(|d| d.as_str() == raw.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ReviewDomain::Technical => "domain-technical",
            ReviewDomain::Security => "domain-security",
            ReviewDomain::Legal => "domain-legal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn only_provider_roles_belong_to_an_organisation() {
        let providers: Vec<Role> = Role::ALL.into_iter().filter(|r| r.is_provider()).collect();
        assert_eq!(providers, vec![Role::Applicant, Role::OrgAdmin]);
    }

    #[test]
    fn review_domains_round_trip() {
        for d in ReviewDomain::ALL {
            assert_eq!(ReviewDomain::parse(d.as_str()), Some(d));
        }
    }
}
