//! Changes of an organisation's legal identity: the comparison of two identities and a
//! request's history line, shown to its organisation and to the secretariat (whose pages
//! are in `views::committee`).

use chrono::NaiveDateTime;

use crate::db::models::organisation_change::OrganisationChange;
use crate::domain::organisation_change::{ChangeStatus, LegalIdentity};

/// One particular of two identities side by side.
pub struct IdentityLine {
    /// Translation key of the particular's label.
    pub label_key: &'static str,
    pub before: String,
    pub after: String,
    pub changed: bool,
}

/// Every particular of `before` and `after`, in form order.
pub fn identity_lines(before: &LegalIdentity, after: &LegalIdentity) -> Vec<IdentityLine> {
    let line = |label_key, before: &String, after: &String| IdentityLine {
        label_key,
        before: before.clone(),
        after: after.clone(),
        changed: before != after,
    };
    vec![
        line("field-name_lo", &before.name_lo, &after.name_lo),
        line("field-name_en", &before.name_en, &after.name_en),
        line(
            "field-registration_number",
            &before.registration_number,
            &after.registration_number,
        ),
        line(
            "field-licence_number",
            &before.licence_number,
            &after.licence_number,
        ),
        line("field-asns", &before.asns, &after.asns),
    ]
}

/// A request as its history shows it: what it changed from what, and its outcome.
pub struct ChangeView {
    pub id: String,
    pub status: ChangeStatus,
    pub proposed_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: String,
    /// The particulars it changed, from the identity approved when it was proposed.
    pub lines: Vec<IdentityLine>,
}

impl ChangeView {
    pub fn of(change: &OrganisationChange) -> Self {
        Self {
            id: change.id.clone(),
            status: change.status,
            proposed_at: change.proposed_at,
            decided_at: change.decided_at,
            reason: change.reason.clone(),
            lines: identity_lines(&change.previous(), &change.proposed())
                .into_iter()
                .filter(|l| l.changed)
                .collect(),
        }
    }

    pub fn is_pending(&self) -> bool {
        self.status == ChangeStatus::Pending
    }
}
