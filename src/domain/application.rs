//! An application's life: its states, the actions that move it, and which action is
//! legal in which state. Who may take an action is decided elsewhere (authorization);
//! this module only knows whether the action makes sense now.

use std::fmt;

/// Where an application stands. Stored as `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "String")]
pub enum Status {
    Draft,
    Submitted,
    Screening,
    InfoRequested,
    InReview,
    Voting,
    Approved,
    Rejected,
    Withdrawn,
    Dismissed,
}

/// What someone does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The provider submits a draft.
    Submit,
    /// The secretariat takes a submitted application for its completeness check.
    StartScreening,
    /// The secretariat sends questions back to the provider.
    RequestInfo,
    /// The provider answers the questions and resubmits.
    Resubmit,
    /// The secretariat finds the application complete and sends it to review.
    MarkComplete,
    /// The secretariat opens the committee's vote.
    OpenVote,
    /// The chair signs an approval.
    Approve,
    /// The chair signs a rejection.
    Reject,
    /// The provider withdraws the application.
    Withdraw,
    /// The deadline of an information request passed unanswered.
    Lapse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an application that is {from} cannot be {action}")]
pub struct TransitionError {
    pub from: Status,
    pub action: Action,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Draft,
        Status::Submitted,
        Status::Screening,
        Status::InfoRequested,
        Status::InReview,
        Status::Voting,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
        Status::Dismissed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Screening => "screening",
            Status::InfoRequested => "info_requested",
            Status::InReview => "in_review",
            Status::Voting => "voting",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
            Status::Dismissed => "dismissed",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The translation key of the status's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Status::Draft => "status-draft",
            Status::Submitted => "status-submitted",
            Status::Screening => "status-screening",
            Status::InfoRequested => "status-info_requested",
            Status::InReview => "status-in_review",
            Status::Voting => "status-voting",
            Status::Approved => "status-approved",
            Status::Rejected => "status-rejected",
            Status::Withdrawn => "status-withdrawn",
            Status::Dismissed => "status-dismissed",
        }
    }

    /// States in which the provider may change the application's content and files.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::InfoRequested)
    }

    /// No action moves an application out of a final state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Approved | Status::Rejected | Status::Withdrawn | Status::Dismissed
        )
    }

    /// States in which the committee's legal clock is running.
    pub fn clock_runs(self) -> bool {
        matches!(
            self,
            Status::Submitted | Status::Screening | Status::InReview | Status::Voting
        )
    }

    /// The state `action` leads to from this one.
    pub fn transition(self, action: Action) -> Result<Status, TransitionError> {
        use Action as A;
        use Status as S;
        let next = match (self, action) {
            (S::Draft, A::Submit) => S::Submitted,
            (S::Submitted, A::StartScreening) => S::Screening,
            (S::Screening, A::RequestInfo) => S::InfoRequested,
            (S::Screening, A::MarkComplete) => S::InReview,
            (S::InfoRequested, A::Resubmit) => S::Screening,
            (S::InfoRequested, A::Lapse) => S::Dismissed,
            (S::InReview, A::OpenVote) => S::Voting,
            (S::Voting, A::Approve) => S::Approved,
            (S::Voting, A::Reject) => S::Rejected,
            (from, A::Withdraw) if !from.is_final() => S::Withdrawn,
            (from, action) => return Err(TransitionError { from, action }),
        };
        Ok(next)
    }
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::Submit,
        Action::StartScreening,
        Action::RequestInfo,
        Action::Resubmit,
        Action::MarkComplete,
        Action::OpenVote,
        Action::Approve,
        Action::Reject,
        Action::Withdraw,
        Action::Lapse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::StartScreening => "start_screening",
            Action::RequestInfo => "request_info",
            Action::Resubmit => "resubmit",
            Action::MarkComplete => "mark_complete",
            Action::OpenVote => "open_vote",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Withdraw => "withdraw",
            Action::Lapse => "lapse",
        }
    }
}

/// Whether the provider may remove a file it attached: while it may still change the
/// application, and only a file added since the last version it submitted. The files of
/// a submitted version stay on record, for the committee that read them.
pub fn file_removable(
    status: Status,
    uploaded_at: chrono::NaiveDateTime,
    last_submitted: Option<chrono::NaiveDateTime>,
) -> bool {
    status.is_editable() && last_submitted.is_none_or(|submitted| uploaded_at > submitted)
}

crate::domain::stored::stored_as_text!(Status, "an application status");

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Action as A;
    use super::Status as S;
    use super::*;

    /// Every legal move; anything not listed must be refused.
    const LEGAL: &[(Status, Action, Status)] = &[
        (S::Draft, A::Submit, S::Submitted),
        (S::Draft, A::Withdraw, S::Withdrawn),
        (S::Submitted, A::StartScreening, S::Screening),
        (S::Submitted, A::Withdraw, S::Withdrawn),
        (S::Screening, A::RequestInfo, S::InfoRequested),
        (S::Screening, A::MarkComplete, S::InReview),
        (S::Screening, A::Withdraw, S::Withdrawn),
        (S::InfoRequested, A::Resubmit, S::Screening),
        (S::InfoRequested, A::Lapse, S::Dismissed),
        (S::InfoRequested, A::Withdraw, S::Withdrawn),
        (S::InReview, A::OpenVote, S::Voting),
        (S::InReview, A::Withdraw, S::Withdrawn),
        (S::Voting, A::Approve, S::Approved),
        (S::Voting, A::Reject, S::Rejected),
        (S::Voting, A::Withdraw, S::Withdrawn),
    ];

    #[test]
    fn every_state_and_action_pair_is_either_a_listed_move_or_refused() {
        for from in Status::ALL {
            for action in Action::ALL {
                let expected = LEGAL
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (from.transition(action), expected) {
                    (Ok(to), Some(expected_to)) => {
                        assert_eq!(to, expected_to, "{from} --{action}-->")
                    }
                    (Err(e), None) => assert_eq!(e, TransitionError { from, action }),
                    (got, want) => panic!("{from} --{action}--> gave {got:?}, expected {want:?}"),
                }
            }
        }
    }

    #[test]
    fn final_states_accept_nothing() {
        for from in Status::ALL.into_iter().filter(|s| s.is_final()) {
            for action in Action::ALL {
                assert!(from.transition(action).is_err(), "{from} {action}");
            }
        }
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("approved "), None);
    }
}
