//! What the product tells people by e-mail: the kinds of message, the facts each carries
//! (stored with the queued message and rendered at delivery), and the retry schedule.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

/// A kind of message; each has its templates under `templates/email/<kind>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    SubmissionReceipt,
    NewApplication,
    InformationRequested,
    InformationAnswered,
    ApplicationWithdrawn,
    ApplicationDismissed,
    ReviewAssigned,
    ReviewRecorded,
    ReviewsComplete,
    VoteOpened,
    DecisionReady,
    DecisionApproved,
    DecisionRejected,
    ShowCause,
    ShowCauseAnswered,
    Suspension,
    Reinstatement,
    Revocation,
    DisconnectionConfirmed,
    ExpiryReminder,
    Overdue,
    Invitation,
    AccountExists,
    PasswordReset,
    PasswordChanged,
    Digest,
    OrganisationChangeRequested,
    OrganisationChangeApproved,
    OrganisationChangeRefused,
    FindingExplanationRequested,
    FindingAnswered,
    FindingEscalated,
    LinkCaseOpened,
    LinkCaseAnswered,
    LinkDisconnectionOrdered,
    LinkDisconnectionConfirmed,
    LinkCaseClosed,
    AuditCheckpoint,
}

impl MessageKind {
    pub const ALL: [MessageKind; 38] = [
        MessageKind::SubmissionReceipt,
        MessageKind::NewApplication,
        MessageKind::InformationRequested,
        MessageKind::InformationAnswered,
        MessageKind::ApplicationWithdrawn,
        MessageKind::ApplicationDismissed,
        MessageKind::ReviewAssigned,
        MessageKind::ReviewRecorded,
        MessageKind::ReviewsComplete,
        MessageKind::VoteOpened,
        MessageKind::DecisionReady,
        MessageKind::DecisionApproved,
        MessageKind::DecisionRejected,
        MessageKind::ShowCause,
        MessageKind::ShowCauseAnswered,
        MessageKind::Suspension,
        MessageKind::Reinstatement,
        MessageKind::Revocation,
        MessageKind::DisconnectionConfirmed,
        MessageKind::ExpiryReminder,
        MessageKind::Overdue,
        MessageKind::Invitation,
        MessageKind::AccountExists,
        MessageKind::PasswordReset,
        MessageKind::PasswordChanged,
        MessageKind::Digest,
        MessageKind::OrganisationChangeRequested,
        MessageKind::OrganisationChangeApproved,
        MessageKind::OrganisationChangeRefused,
        MessageKind::FindingExplanationRequested,
        MessageKind::FindingAnswered,
        MessageKind::FindingEscalated,
        MessageKind::LinkCaseOpened,
        MessageKind::LinkCaseAnswered,
        MessageKind::LinkDisconnectionOrdered,
        MessageKind::LinkDisconnectionConfirmed,
        MessageKind::LinkCaseClosed,
        MessageKind::AuditCheckpoint,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::SubmissionReceipt => "submission_receipt",
            MessageKind::NewApplication => "new_application",
            MessageKind::InformationRequested => "information_requested",
            MessageKind::InformationAnswered => "information_answered",
            MessageKind::ApplicationWithdrawn => "application_withdrawn",
            MessageKind::ApplicationDismissed => "application_dismissed",
            MessageKind::ReviewAssigned => "review_assigned",
            MessageKind::ReviewRecorded => "review_recorded",
            MessageKind::ReviewsComplete => "reviews_complete",
            MessageKind::VoteOpened => "vote_opened",
            MessageKind::DecisionReady => "decision_ready",
            MessageKind::DecisionApproved => "decision_approved",
            MessageKind::DecisionRejected => "decision_rejected",
            MessageKind::ShowCause => "show_cause",
            MessageKind::ShowCauseAnswered => "show_cause_answered",
            MessageKind::Suspension => "suspension",
            MessageKind::Reinstatement => "reinstatement",
            MessageKind::Revocation => "revocation",
            MessageKind::DisconnectionConfirmed => "disconnection_confirmed",
            MessageKind::ExpiryReminder => "expiry_reminder",
            MessageKind::Overdue => "overdue",
            MessageKind::Invitation => "invitation",
            MessageKind::AccountExists => "account_exists",
            MessageKind::PasswordReset => "password_reset",
            MessageKind::PasswordChanged => "password_changed",
            MessageKind::Digest => "digest",
            MessageKind::OrganisationChangeRequested => "organisation_change_requested",
            MessageKind::OrganisationChangeApproved => "organisation_change_approved",
            MessageKind::OrganisationChangeRefused => "organisation_change_refused",
            MessageKind::FindingExplanationRequested => "finding_explanation_requested",
            MessageKind::FindingAnswered => "finding_answered",
            MessageKind::FindingEscalated => "finding_escalated",
            MessageKind::LinkCaseOpened => "link_case_opened",
            MessageKind::LinkCaseAnswered => "link_case_answered",
            MessageKind::LinkDisconnectionOrdered => "link_disconnection_ordered",
            MessageKind::LinkDisconnectionConfirmed => "link_disconnection_confirmed",
            MessageKind::LinkCaseClosed => "link_case_closed",
            MessageKind::AuditCheckpoint => "audit_checkpoint",
        }
    }

    pub fn parse(raw: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// The translation-key stem of this kind: `email-<kind with dashes>`.
    pub fn key(self) -> String {
        format!("email-{}", self.as_str().replace('_', "-"))
    }

    /// Notices to committee members, which they may take as a daily digest.
    pub fn is_committee_notice(self) -> bool {
        matches!(self, MessageKind::ReviewAssigned | MessageKind::VoteOpened)
    }
}

/// The facts a message shows. Which fields a kind uses is up to its templates; the rest
/// stay empty and are not stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The page the message points to, relative to `BASE_URL`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// An application reference (`APP-…`) or an approval number (`IC-…`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub organisation_en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub organisation_lo: String,
    /// Questions, reasons, grounds: text written by a person, shown as written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// A second text: the conditions of an approval.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conditions: String,
    /// The approval number of a connection an application's decision created or changed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub approval_number: String,
    /// A deadline (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDateTime>,
    /// A connection's last day of validity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// Days before expiry, for reminders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// How many of a set are done (reviews recorded, votes cast) …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<i64>,
    /// … out of how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// A review area, as stored (`technical`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub area: String,
    /// The id of the single-use token a link carries (invitations, password resets).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// The lines of a list: overdue work, or the notices gathered in a digest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
}

/// One line of a list in a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The kind of notice this line stands for, when it is one (`review_assigned`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    pub reference: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDateTime>,
}

/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: TimeDelta = TimeDelta::hours(6);

/// When to try again after the `attempts`-th failed attempt: `base`, then doubling,
/// never more than six hours.
pub fn retry_delay(attempts: i32, base_seconds: i64) -> TimeDelta {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    let seconds = base_seconds.saturating_mul(1_i64 << doublings);
    TimeDelta::seconds(seconds).min(MAX_RETRY_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in MessageKind::ALL {
            assert_eq!(MessageKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MessageKind::parse("nope"), None);
        assert_eq!(
            MessageKind::VoteOpened.key(),
            ["email", "vote", "opened"].join("-")
        );
    }

    #[test]
    fn retries_back_off_exponentially_up_to_a_ceiling() {
        assert_eq!(retry_delay(1, 60), TimeDelta::seconds(60));
        assert_eq!(retry_delay(2, 60), TimeDelta::seconds(120));
        assert_eq!(retry_delay(4, 60), TimeDelta::seconds(480));
        assert_eq!(retry_delay(12, 60), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(1_000, 60), MAX_RETRY_DELAY);
    }

    #[test]
    fn empty_facts_are_not_stored() {
        let params = Params {
            reference: "APP-2026-00001".into(),
            ..Params::default()
        };
        let json = serde_json::to_string(&params).unwrap();
        assert_eq!(json, r#"{"reference":"APP-2026-00001"}"#);
        assert_eq!(serde_json::from_str::<Params>(&json).unwrap(), params);
    }
}
