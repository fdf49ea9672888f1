//! A connection's life in the registry: its states, the moves between them, its approval
//! number, and the dates that drive reminders and expiry.

use chrono::{Months, NaiveDate, NaiveDateTime};

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
