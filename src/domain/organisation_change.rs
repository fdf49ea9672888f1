//! A change of an organisation's legal identity: what counts as legal identity, and the
//! life of a request to change it (pending until the secretariat approves or refuses it,
//! or the provider withdraws it).

use crate::domain::account::OrganisationProfile;
use crate::domain::validation::FieldErrors;

/// The particulars that change only by review: legal names, registration and licence
/// numbers, and the ASNs that decide which networks count as the organisation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalIdentity {
    pub name_en: String,
    pub name_lo: String,
    pub registration_number: String,
    pub licence_number: String,
    /// As stored: `AS…` numbers separated by commas.
    pub asns: String,
}

impl LegalIdentity {
    /// The identity a validated profile states.
    pub fn of_profile(profile: &OrganisationProfile) -> Self {
        Self {
            name_en: profile.name_en.clone(),
            name_lo: profile.name_lo.clone(),
            registration_number: profile.registration_number.clone(),
            licence_number: profile.licence_number.clone(),
            asns: profile.asns.to_text(),
        }
    }

    /// The names of the fields where `other` differs, in form order.
    pub fn changed_fields(&self, other: &LegalIdentity) -> Vec<&'static str> {
        [
            ("name_lo", self.name_lo != other.name_lo),
            ("name_en", self.name_en != other.name_en),
            (
                "registration_number",
                self.registration_number != other.registration_number,
            ),
            (
                "licence_number",
                self.licence_number != other.licence_number,
            ),
            ("asns", self.asns != other.asns),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect()
    }
}

/// Where a change request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(into = "String")]
pub enum ChangeStatus {
    Pending,
    Approved,
    Refused,
    Withdrawn,
}

/// What can happen to a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    /// The secretariat applies the proposed identity.
    Approve,
    /// The secretariat refuses it, with a reason.
    Refuse,
    /// The provider takes it back, or replaces it with a new proposal.
    Withdraw,
}

/// The request has already been decided or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the change request is no longer pending")]
pub struct NotPending;

impl ChangeStatus {
    pub const ALL: [ChangeStatus; 4] = [
        ChangeStatus::Pending,
        ChangeStatus::Approved,
        ChangeStatus::Refused,
        ChangeStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeStatus::Pending => "pending",
            ChangeStatus::Approved => "approved",
            ChangeStatus::Refused => "refused",
            ChangeStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<ChangeStatus> {
        ChangeStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The translation key of the status's name.
    pub fn label_key(self) -> &'static str {
        match self {
            ChangeStatus::Pending => "identity-change-status-pending",
            ChangeStatus::Approved => "identity-change-status-approved",
            ChangeStatus::Refused => "identity-change-status-refused",
            ChangeStatus::Withdrawn => "identity-change-status-withdrawn",
        }
    }

    /// Only a pending request moves, and every move ends it.
    pub fn transition(self, action: ChangeAction) -> Result<ChangeStatus, NotPending> {
        match (self, action) {
            (ChangeStatus::Pending, ChangeAction::Approve) => Ok(ChangeStatus::Approved),
            (ChangeStatus::Pending, ChangeAction::Refuse) => Ok(ChangeStatus::Refused),
            (ChangeStatus::Pending, ChangeAction::Withdraw) => Ok(ChangeStatus::Withdrawn),
            _ => Err(NotPending),
        }
    }
}

crate::domain::stored::stored_as_text!(ChangeStatus, "an organisation change status");

impl std::fmt::Display for ChangeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The secretariat's reason for a refusal: required, as the provider is told it.
pub fn parse_refusal_reason(raw: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let reason = errors.text("reason", raw, true, 2000);
    errors.into_result(|| reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pending_request_moves_and_each_move_ends_it() {
        let actions = [
            ChangeAction::Approve,
            ChangeAction::Refuse,
            ChangeAction::Withdraw,
        ];
        for status in ChangeStatus::ALL {
            assert_eq!(ChangeStatus::parse(status.as_str()), Some(status));
            for action in actions {
                let next = status.transition(action);
                match status {
                    ChangeStatus::Pending => {
                        let next = next.unwrap();
                        assert_ne!(next, ChangeStatus::Pending);
                        assert!(actions.iter().all(|a| next.transition(*a).is_err()));
                    }
                    _ => assert_eq!(next, Err(NotPending)),
                }
            }
        }
        assert_eq!(
            ChangeStatus::Pending.transition(ChangeAction::Refuse),
            Ok(ChangeStatus::Refused)
        );
        assert_eq!(ChangeStatus::parse("nope"), None);
    }

    #[test]
    fn changed_fields_name_what_differs() {
        let approved = LegalIdentity {
            name_en: "Mekong Fibre".into(),
            name_lo: "ແມ່ຂອງ".into(),
            registration_number: "01-0001".into(),
            licence_number: "ISP-1".into(),
            asns: "AS151234".into(),
        };
        assert!(approved.changed_fields(&approved.clone()).is_empty());
        let proposed = LegalIdentity {
            name_en: "Totally Different Telecom Ltd.".into(),
            licence_number: "ISP-9999-999".into(),
            ..approved.clone()
        };
        assert_eq!(
            approved.changed_fields(&proposed),
            ["name_en", "licence_number"]
        );
    }

    #[test]
    fn a_refusal_needs_a_reason() {
        assert!(parse_refusal_reason("  ").is_err());
        assert_eq!(
            parse_refusal_reason(" No licence issued ").unwrap(),
            "No licence issued"
        );
    }
}
