//! A show-cause case against an organisation about a link routing shows: the stages it
//! passes through and who may move it. It follows a connection's due process: a notice
//! with a deadline, the provider's answer, the chair's decision (close the case, or order
//! the link disconnected by a date, which waits for the answer or the deadline), the
//! provider's account of the disconnection with evidence, and the secretariat's
//! verification.

use chrono::NaiveDateTime;

use crate::domain::connection::revocation_may_be_decided;
use crate::domain::role::Role;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkCaseStage {
    /// The notice is served; the provider may answer until its deadline.
    Notice,
    /// The chair ordered the link disconnected by a date.
    DisconnectionOrdered,
    /// The provider says it disconnected the link, with evidence.
    DisconnectionConfirmed,
    /// The chair closed the case without an order.
    Dismissed,
    /// The secretariat verified the disconnection; the case is closed.
    Verified,
}

impl LinkCaseStage {
    pub const ALL: [LinkCaseStage; 5] = [
        LinkCaseStage::Notice,
        LinkCaseStage::DisconnectionOrdered,
        LinkCaseStage::DisconnectionConfirmed,
        LinkCaseStage::Dismissed,
        LinkCaseStage::Verified,
    ];

    /// The stage as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkCaseStage::Notice => "notice",
            LinkCaseStage::DisconnectionOrdered => "disconnection_ordered",
            LinkCaseStage::DisconnectionConfirmed => "disconnection_confirmed",
            LinkCaseStage::Dismissed => "dismissed",
            LinkCaseStage::Verified => "verified",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether the case is over.
    pub fn is_closed(self) -> bool {
        matches!(self, LinkCaseStage::Dismissed | LinkCaseStage::Verified)
    }

    /// The stages of a case still under way.
    pub fn open_stages() -> Vec<&'static str> {
        Self::ALL
            .into_iter()
            .filter(|s| !s.is_closed())
            .map(Self::as_str)
            .collect()
    }
}

/// What the chair decides on the notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCaseOutcome {
    /// Close the case: the answer satisfies the committee.
    Dismiss,
    /// Order the link disconnected by a date.
    OrderDisconnection,
}

impl LinkCaseOutcome {
    /// The outcome a form sends.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "dismiss" => Some(LinkCaseOutcome::Dismiss),
            "disconnect" => Some(LinkCaseOutcome::OrderDisconnection),
            _ => None,
        }
    }
}

/// A step taken on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCaseStep {
    /// The provider answers the notice, by its deadline.
    Answer,
    /// The chair decides on the notice.
    Decide(LinkCaseOutcome),
    /// The provider says it disconnected the link, with evidence.
    Confirm,
    /// The secretariat verifies the disconnection.
    Verify,
}

/// Who takes a step: the organisation the case is against (checked where the case is
/// found), or a member of staff by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCaseSide {
    Holder,
    Staff(Role),
}

/// A case as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkCaseStanding {
    pub stage: LinkCaseStage,
    pub answered: bool,
    pub response_deadline: NaiveDateTime,
}

/// Why a step on a case is refused, in the order the rules are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCaseRefusal {
    /// The step is not for this side or role.
    Role,
    /// The case is not at the stage the step needs.
    WrongState,
    /// The notice is already answered.
    Answered,
    /// The notice's answer period has ended.
    Late,
    /// An order to disconnect waits for the answer or the end of the answer period.
    Pending,
}

/// The stage `step` leads to from `standing`, if `side` may take it at `now`, or the
/// first rule it breaks. The workflows enforce this and the case's page offers only the
/// steps it allows.
pub fn check_link_case_step(
    step: LinkCaseStep,
    side: LinkCaseSide,
    standing: &LinkCaseStanding,
    now: NaiveDateTime,
) -> Result<LinkCaseStage, LinkCaseRefusal> {
    use LinkCaseRefusal as R;
    use LinkCaseStage as S;
    use LinkCaseStep::*;
    let role_fits = match step {
        Answer | Confirm => side == LinkCaseSide::Holder,
        Decide(_) => side == LinkCaseSide::Staff(Role::Chair),
        Verify => side == LinkCaseSide::Staff(Role::Secretariat),
    };
    if !role_fits {
        return Err(R::Role);
    }
    let next = match (step, standing.stage) {
        (Answer, S::Notice) => S::Notice,
        (Decide(LinkCaseOutcome::Dismiss), S::Notice) => S::Dismissed,
        (Decide(LinkCaseOutcome::OrderDisconnection), S::Notice) => S::DisconnectionOrdered,
        (Confirm, S::DisconnectionOrdered) => S::DisconnectionConfirmed,
        (Verify, S::DisconnectionConfirmed) => S::Verified,
        _ => return Err(R::WrongState),
    };
    match step {
        Answer if standing.answered => Err(R::Answered),
        Answer if now > standing.response_deadline => Err(R::Late),
        Decide(LinkCaseOutcome::OrderDisconnection)
            if !revocation_may_be_decided(standing.answered, standing.response_deadline, now) =>
        {
            Err(R::Pending)
        }
        _ => Ok(next),
    }
}

/// Every step a person may take on a case now (see [`check_link_case_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkCaseAllowed {
    pub answer: bool,
    pub dismiss: bool,
    pub order: bool,
    pub confirm: bool,
    pub verify: bool,
}

/// What `side` may do on a case standing as `standing` at `now`.
pub fn allowed_on_link_case(
    side: LinkCaseSide,
    standing: &LinkCaseStanding,
    now: NaiveDateTime,
) -> LinkCaseAllowed {
    use LinkCaseStep::*;
    let may = |step| check_link_case_step(step, side, standing, now).is_ok();
    LinkCaseAllowed {
        answer: may(Answer),
        dismiss: may(Decide(LinkCaseOutcome::Dismiss)),
        order: may(Decide(LinkCaseOutcome::OrderDisconnection)),
        confirm: may(Confirm),
        verify: may(Verify),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }

    fn standing(stage: LinkCaseStage, answered: bool) -> LinkCaseStanding {
        LinkCaseStanding {
            stage,
            answered,
            response_deadline: at(20),
        }
    }

    const HOLDER: LinkCaseSide = LinkCaseSide::Holder;
    const CHAIR: LinkCaseSide = LinkCaseSide::Staff(Role::Chair);
    const SECRETARIAT: LinkCaseSide = LinkCaseSide::Staff(Role::Secretariat);
    const DISMISS: LinkCaseStep = LinkCaseStep::Decide(LinkCaseOutcome::Dismiss);
    const ORDER: LinkCaseStep = LinkCaseStep::Decide(LinkCaseOutcome::OrderDisconnection);

    #[test]
    fn a_case_goes_from_notice_through_an_order_to_verification() {
        use LinkCaseStage::*;
        let step = |step, side, stage, answered| {
            check_link_case_step(step, side, &standing(stage, answered), at(10))
        };
        assert_eq!(
            step(LinkCaseStep::Answer, HOLDER, Notice, false),
            Ok(Notice)
        );
        assert_eq!(step(ORDER, CHAIR, Notice, true), Ok(DisconnectionOrdered));
        assert_eq!(step(DISMISS, CHAIR, Notice, false), Ok(Dismissed));
        assert_eq!(
            step(LinkCaseStep::Confirm, HOLDER, DisconnectionOrdered, true),
            Ok(DisconnectionConfirmed)
        );
        assert_eq!(
            step(
                LinkCaseStep::Verify,
                SECRETARIAT,
                DisconnectionConfirmed,
                true
            ),
            Ok(Verified)
        );
        for stage in [
            DisconnectionOrdered,
            DisconnectionConfirmed,
            Dismissed,
            Verified,
        ] {
            assert_eq!(
                step(LinkCaseStep::Answer, HOLDER, stage, false),
                Err(LinkCaseRefusal::WrongState),
                "{stage:?}"
            );
            assert_eq!(
                step(DISMISS, CHAIR, stage, true),
                Err(LinkCaseRefusal::WrongState)
            );
        }
        assert_eq!(
            step(
                LinkCaseStep::Verify,
                SECRETARIAT,
                DisconnectionOrdered,
                true
            ),
            Err(LinkCaseRefusal::WrongState)
        );
        assert_eq!(
            step(LinkCaseStep::Confirm, HOLDER, Verified, true),
            Err(LinkCaseRefusal::WrongState)
        );
    }

    #[test]
    fn each_step_belongs_to_its_side_only() {
        use LinkCaseStage::*;
        let notice = standing(Notice, true);
        for side in [
            SECRETARIAT,
            LinkCaseSide::Staff(Role::Reviewer),
            LinkCaseSide::Staff(Role::Auditor),
            HOLDER,
        ] {
            assert_eq!(
                check_link_case_step(DISMISS, side, &notice, at(10)),
                Err(LinkCaseRefusal::Role)
            );
        }
        assert_eq!(
            check_link_case_step(
                LinkCaseStep::Answer,
                CHAIR,
                &standing(Notice, false),
                at(10)
            ),
            Err(LinkCaseRefusal::Role)
        );
        assert_eq!(
            check_link_case_step(
                LinkCaseStep::Verify,
                CHAIR,
                &standing(DisconnectionConfirmed, true),
                at(10)
            ),
            Err(LinkCaseRefusal::Role)
        );
    }

    #[test]
    fn an_order_waits_for_the_answer_or_the_deadline_and_a_late_answer_is_refused() {
        use LinkCaseStage::Notice;
        let unanswered = standing(Notice, false);
        assert_eq!(
            check_link_case_step(ORDER, CHAIR, &unanswered, at(10)),
            Err(LinkCaseRefusal::Pending)
        );
        assert!(check_link_case_step(ORDER, CHAIR, &unanswered, at(20)).is_ok());
        assert!(check_link_case_step(DISMISS, CHAIR, &unanswered, at(10)).is_ok());
        assert_eq!(
            check_link_case_step(LinkCaseStep::Answer, HOLDER, &unanswered, at(21)),
            Err(LinkCaseRefusal::Late)
        );
        assert_eq!(
            check_link_case_step(
                LinkCaseStep::Answer,
                HOLDER,
                &standing(Notice, true),
                at(10)
            ),
            Err(LinkCaseRefusal::Answered)
        );
    }

    #[test]
    fn the_page_offers_what_the_rule_allows_and_stages_read_back() {
        use LinkCaseStage::*;
        assert_eq!(
            allowed_on_link_case(CHAIR, &standing(Notice, true), at(10)),
            LinkCaseAllowed {
                dismiss: true,
                order: true,
                ..LinkCaseAllowed::default()
            }
        );
        assert_eq!(
            allowed_on_link_case(HOLDER, &standing(DisconnectionOrdered, true), at(30)),
            LinkCaseAllowed {
                confirm: true,
                ..LinkCaseAllowed::default()
            }
        );
        for stage in LinkCaseStage::ALL {
            assert_eq!(LinkCaseStage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(
            LinkCaseStage::open_stages(),
            ["notice", "disconnection_ordered", "disconnection_confirmed"]
        );
        assert!(Dismissed.is_closed() && Verified.is_closed() && !Notice.is_closed());
        assert_eq!(LinkCaseOutcome::parse("revoke"), None);
    }
}
