//! A connection's life in the registry: its states, the moves between them, its approval
//! number, and the dates that drive reminders and expiry.

use chrono::{Months, NaiveDate, NaiveDateTime};

use crate::domain::role::Role;

/// Where a connection stands. Stored, and shown in the registry's exports, as `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ConnectionStatus {
    Active,
    Suspended,
    Revoked,
    Expired,
}

/// What happens to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionAction {
    Suspend,
    Reinstate,
    Revoke,
    Expire,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from:?} connection cannot be {action:?}")]
pub struct ConnectionTransitionError {
    pub from: ConnectionStatus,
    pub action: ConnectionAction,
}

impl ConnectionStatus {
    pub const ALL: [ConnectionStatus; 4] = [
        ConnectionStatus::Active,
        ConnectionStatus::Suspended,
        ConnectionStatus::Revoked,
        ConnectionStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::Suspended => "suspended",
            ConnectionStatus::Revoked => "revoked",
            ConnectionStatus::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "conn-status-active",
            ConnectionStatus::Suspended => "conn-status-suspended",
            ConnectionStatus::Revoked => "conn-status-revoked",
            ConnectionStatus::Expired => "conn-status-expired",
        }
    }

    /// Revoked and expired connections have ended: nothing moves them again, and they
    /// can no longer be renewed, modified or certified anew.
    pub fn is_final(self) -> bool {
        matches!(self, ConnectionStatus::Revoked | ConnectionStatus::Expired)
    }

    /// `active ⇄ suspended; active | suspended → revoked; active → expired`.
    pub fn transition(self, action: ConnectionAction) -> Result<Self, ConnectionTransitionError> {
        use ConnectionAction as A;
        use ConnectionStatus as S;
        match (self, action) {
            (S::Active, A::Suspend) => Ok(S::Suspended),
            (S::Suspended, A::Reinstate) => Ok(S::Active),
            (S::Active | S::Suspended, A::Revoke) => Ok(S::Revoked),
            (S::Active, A::Expire) => Ok(S::Expired),
            (from, action) => Err(ConnectionTransitionError { from, action }),
        }
    }
}

crate::domain::stored::stored_as_text!(ConnectionStatus, "a connection status");

impl ConnectionAction {
    pub const ALL: [ConnectionAction; 4] = [
        ConnectionAction::Suspend,
        ConnectionAction::Reinstate,
        ConnectionAction::Revoke,
        ConnectionAction::Expire,
    ];
}

/// Whether the chair may revoke on an open show-cause case: once the provider has answered
/// or the answer period has ended. Closing the case without revocation needs no wait.
pub fn revocation_may_be_decided(
    answered: bool,
    response_deadline: NaiveDateTime,
    now: NaiveDateTime,
) -> bool {
    answered || now >= response_deadline
}

/// A step taken on a connection after its approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStep {
    /// The chair suspends an active connection.
    Suspend,
    /// The chair lifts a suspension.
    Reinstate,
    /// The secretariat opens a show-cause case.
    ShowCause,
    /// The chair closes the open case or revokes on it (revocation also waits, see
    /// [`revocation_may_be_decided`]).
    DecideCase,
    /// The secretariat verifies the disconnection the provider confirmed.
    VerifyDisconnection,
    /// The provider answers the open case by its deadline.
    Answer,
    /// The provider adds a file to its answer by the deadline.
    AnswerFile,
    /// The provider confirms it disconnected a revoked link.
    ConfirmDisconnection,
    /// The provider adds evidence of the disconnection until it is verified.
    EvidenceFile,
    /// The provider applies to renew or modify the approval.
    Apply,
}

/// Who takes a step: the provider holding the connection (its ownership is checked where
/// the connection is found), or a member of staff by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionSide {
    Holder,
    Staff(Option<Role>),
}

/// The open show-cause case, as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCase {
    pub answered: bool,
    pub response_deadline: NaiveDateTime,
}

/// Where a connection stands, as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: ConnectionStatus,
    pub open_case: Option<OpenCase>,
    pub disconnection_confirmed: bool,
    pub disconnection_verified: bool,
}

/// Why a step on a connection is refused, in the order the rules are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionRefusal {
    /// The step is not for this side or role.
    Role,
    /// The connection is not in the state the step needs.
    WrongState,
    /// A show-cause case is already open.
    CaseOpen,
    /// The open case is already answered.
    Answered,
    /// The open case's answer period has ended.
    Late,
}

/// Whether `side` may take `step` on a connection standing as `standing` at `now`, or the
/// first rule it breaks. The workflows enforce this and the connection's page offers only
/// the steps it allows.
pub fn check_connection_step(
    step: ConnectionStep,
    side: ConnectionSide,
    standing: &Standing,
    now: NaiveDateTime,
) -> Result<(), ConnectionRefusal> {
    use ConnectionRefusal as R;
    use ConnectionStatus as S;
    use ConnectionStep::*;
    let role_fits = match step {
        Suspend | Reinstate | DecideCase => side == ConnectionSide::Staff(Some(Role::Chair)),
        ShowCause | VerifyDisconnection => side == ConnectionSide::Staff(Some(Role::Secretariat)),
        Answer | AnswerFile | ConfirmDisconnection | EvidenceFile | Apply => {
            side == ConnectionSide::Holder
        }
    };
    if !role_fits {
        return Err(R::Role);
    }
    let status = standing.status;
    let state_fits = match step {
        Suspend => status == S::Active,
        Reinstate => status == S::Suspended,
        ShowCause | Apply => !status.is_final(),
        DecideCase | Answer | AnswerFile => standing.open_case.is_some(),
        VerifyDisconnection => standing.disconnection_confirmed && !standing.disconnection_verified,
        ConfirmDisconnection => status == S::Revoked && !standing.disconnection_confirmed,
        EvidenceFile => status == S::Revoked && !standing.disconnection_verified,
    };
    if !state_fits {
        return Err(R::WrongState);
    }
    match (step, standing.open_case) {
        (ShowCause, Some(_)) => Err(R::CaseOpen),
        (Answer, Some(case)) if case.answered => Err(R::Answered),
        (Answer | AnswerFile, Some(case)) if now > case.response_deadline => Err(R::Late),
        _ => Ok(()),
    }
}

/// Every step a person may take on a connection now (see [`check_connection_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionAllowed {
    pub suspend: bool,
    pub reinstate: bool,
    pub show_cause: bool,
    pub decide_case: bool,
    pub verify: bool,
    pub answer: bool,
    pub answer_file: bool,
    pub confirm: bool,
    pub evidence_file: bool,
    pub apply: bool,
}

/// What `side` may do on a connection standing as `standing` at `now`.
pub fn allowed_on_connection(
    side: ConnectionSide,
    standing: &Standing,
    now: NaiveDateTime,
) -> ConnectionAllowed {
    use ConnectionStep::*;
    let may = |step| check_connection_step(step, side, standing, now).is_ok();
    ConnectionAllowed {
        suspend: may(Suspend),
        reinstate: may(Reinstate),
        show_cause: may(ShowCause),
        decide_case: may(DecideCase),
        verify: may(VerifyDisconnection),
        answer: may(Answer),
        answer_file: may(AnswerFile),
        confirm: may(ConfirmDisconnection),
        evidence_file: may(EvidenceFile),
        apply: may(Apply),
    }
}

/// `IC-YYYY-NNNNN`.
pub fn approval_number(year: i32, number: i64) -> String {
    format!("IC-{year}-{number:05}")
}

/// The last day of validity: `months` after the first day, less one day.
pub fn valid_until(valid_from: NaiveDate, months: u32) -> NaiveDate {
    valid_from
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// What a provider's file on a connection is for: its answer to a show-cause notice, or
/// the evidence that it disconnected after a revocation.
pub const FILE_PURPOSES: [&str; 2] = ["show_cause_answer", "disconnection_evidence"];

/// Days before expiry at which the provider is reminded.
/// The events of a connection the public sees (in its history, and as entries of the
/// transparency log): those that change what the registry says of it. Reminders,
/// show-cause steps and missed deadlines are the committee's business.
pub const PUBLIC_EVENTS: [&str; 8] = [
    "approved",
    "modified",
    "renewed",
    "suspended",
    "reinstated",
    "revoked",
    "expired",
    "disconnection_confirmed",
];

pub const REMINDER_DAYS: [i64; 3] = [90, 30, 7];

/// The reminders due on `today` for a connection valid until `until`: each window whose
/// day has come, newest first (so a late run sends only the most urgent one).
pub fn reminder_due(today: NaiveDate, until: NaiveDate) -> Option<i64> {
    let left = (until - today).num_days();
    REMINDER_DAYS
        .iter()
        .rev()
        .copied()
        .find(|days| left >= 0 && left <= *days)
}

#[cfg(test)]
mod tests {
    use super::ConnectionAction as A;
    use super::ConnectionStatus as S;
    use super::*;

    const LEGAL: &[(ConnectionStatus, ConnectionAction, ConnectionStatus)] = &[
        (S::Active, A::Suspend, S::Suspended),
        (S::Suspended, A::Reinstate, S::Active),
        (S::Active, A::Revoke, S::Revoked),
        (S::Suspended, A::Revoke, S::Revoked),
        (S::Active, A::Expire, S::Expired),
    ];

    fn at(hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    fn standing(status: ConnectionStatus) -> Standing {
        Standing {
            status,
            open_case: None,
            disconnection_confirmed: false,
            disconnection_verified: false,
        }
    }

    const CHAIR: ConnectionSide = ConnectionSide::Staff(Some(Role::Chair));
    const SECRETARIAT: ConnectionSide = ConnectionSide::Staff(Some(Role::Secretariat));
    const HOLDER: ConnectionSide = ConnectionSide::Holder;

    #[test]
    fn each_step_is_for_one_side_and_role_only() {
        use ConnectionStep::*;
        let active = standing(S::Active);
        for side in [
            HOLDER,
            CHAIR,
            SECRETARIAT,
            ConnectionSide::Staff(Some(Role::Reviewer)),
            ConnectionSide::Staff(Some(Role::Auditor)),
            ConnectionSide::Staff(None),
        ] {
            let allowed = allowed_on_connection(side, &active, at(9));
            let expected = ConnectionAllowed {
                suspend: side == CHAIR,
                show_cause: side == SECRETARIAT,
                apply: side == HOLDER,
                ..ConnectionAllowed::default()
            };
            assert_eq!(allowed, expected, "{side:?}");
        }
        for step in [
            Answer,
            AnswerFile,
            ConfirmDisconnection,
            EvidenceFile,
            Apply,
        ] {
            assert_eq!(
                check_connection_step(step, CHAIR, &active, at(9)),
                Err(ConnectionRefusal::Role),
                "{step:?}"
            );
        }
    }

    #[test]
    fn an_open_case_is_answered_once_by_its_deadline_and_blocks_a_second() {
        use ConnectionStep::*;
        let case = OpenCase {
            answered: false,
            response_deadline: at(12),
        };
        let open = Standing {
            open_case: Some(case),
            ..standing(S::Suspended)
        };
        let before = allowed_on_connection(HOLDER, &open, at(12));
        assert!(before.answer && before.answer_file && before.apply);
        let after = allowed_on_connection(HOLDER, &open, at(13));
        assert!(!after.answer && !after.answer_file);
        assert_eq!(
            check_connection_step(Answer, HOLDER, &open, at(13)),
            Err(ConnectionRefusal::Late)
        );
        let answered = Standing {
            open_case: Some(OpenCase {
                answered: true,
                ..case
            }),
            ..open
        };
        assert_eq!(
            check_connection_step(Answer, HOLDER, &answered, at(9)),
            Err(ConnectionRefusal::Answered)
        );
        assert!(check_connection_step(AnswerFile, HOLDER, &answered, at(9)).is_ok());
        assert_eq!(
            check_connection_step(ShowCause, SECRETARIAT, &open, at(9)),
            Err(ConnectionRefusal::CaseOpen)
        );
        let chair = allowed_on_connection(CHAIR, &open, at(9));
        assert!(chair.decide_case && chair.reinstate && !chair.suspend);
        assert!(!allowed_on_connection(CHAIR, &standing(S::Active), at(9)).decide_case);
    }

    #[test]
    fn a_revoked_link_is_disconnected_confirmed_then_verified_and_nothing_else() {
        use ConnectionStep::*;
        let revoked = standing(S::Revoked);
        let holder = allowed_on_connection(HOLDER, &revoked, at(9));
        assert_eq!(
            holder,
            ConnectionAllowed {
                confirm: true,
                evidence_file: true,
                ..ConnectionAllowed::default()
            }
        );
        assert!(!allowed_on_connection(SECRETARIAT, &revoked, at(9)).verify);
        let confirmed = Standing {
            disconnection_confirmed: true,
            ..revoked
        };
        assert!(allowed_on_connection(SECRETARIAT, &confirmed, at(9)).verify);
        assert_eq!(
            check_connection_step(ConfirmDisconnection, HOLDER, &confirmed, at(9)),
            Err(ConnectionRefusal::WrongState)
        );
        assert!(check_connection_step(EvidenceFile, HOLDER, &confirmed, at(9)).is_ok());
        let verified = Standing {
            disconnection_verified: true,
            ..confirmed
        };
        for side in [HOLDER, CHAIR, SECRETARIAT] {
            assert_eq!(
                allowed_on_connection(side, &verified, at(9)),
                ConnectionAllowed::default(),
                "{side:?}"
            );
        }
        for status in [S::Revoked, S::Expired] {
            assert!(status.is_final());
            let ended = standing(status);
            assert_eq!(
                check_connection_step(Apply, HOLDER, &ended, at(9)),
                Err(ConnectionRefusal::WrongState)
            );
            assert_eq!(
                check_connection_step(ShowCause, SECRETARIAT, &ended, at(9)),
                Err(ConnectionRefusal::WrongState)
            );
        }
    }

    #[test]
    fn every_state_and_action_pair_is_either_a_listed_move_or_refused() {
        for from in ConnectionStatus::ALL {
            for action in ConnectionAction::ALL {
                let expected = LEGAL
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, t)| *t);
                match (from.transition(action), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want),
                    (Err(_), None) => {}
                    (got, want) => panic!("{from:?} {action:?}: {got:?} vs {want:?}"),
                }
            }
        }
    }

    #[test]
    fn revocation_waits_for_the_answer_or_the_deadline() {
        let deadline = NaiveDate::from_ymd_opt(2027, 1, 10)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let before = deadline - chrono::TimeDelta::minutes(1);
        assert!(!revocation_may_be_decided(false, deadline, before));
        assert!(revocation_may_be_decided(true, deadline, before));
        assert!(revocation_may_be_decided(false, deadline, deadline));
    }

    #[test]
    fn numbers_dates_and_reminders() {
        assert_eq!(approval_number(2026, 42), "IC-2026-00042");
        let from = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        assert_eq!(
            valid_until(from, 1),
            NaiveDate::from_ymd_opt(2026, 2, 27).unwrap()
        );
        assert_eq!(
            valid_until(from, 12),
            NaiveDate::from_ymd_opt(2027, 1, 30).unwrap()
        );
        let until = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let day = |d: i64| until - chrono::TimeDelta::days(d);
        assert_eq!(reminder_due(day(120), until), None);
        assert_eq!(reminder_due(day(90), until), Some(90));
        assert_eq!(reminder_due(day(45), until), Some(90));
        assert_eq!(reminder_due(day(30), until), Some(30));
        assert_eq!(reminder_due(day(3), until), Some(7));
        assert_eq!(reminder_due(day(-1), until), None);
    }
}
