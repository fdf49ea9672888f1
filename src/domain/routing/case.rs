//! What people do with a finding: its states, the steps each role may take on it, the
//! reasons an explanation may give, and when a finding explained or resolved before comes
//! back because routing shows it again.
//!
//! The states follow the monitoring design: open → explanation requested (with a
//! deadline) → explained (with a reason, perhaps until a date) or escalated → resolved.
//! A provider's answer is a step within "explanation requested": it does not close the
//! request, the secretariat reads it and decides. Nothing here is public, and a provider
//! acts only on findings of its own organisation once an explanation is asked of it.

use chrono::NaiveDateTime;

use crate::domain::role::Role;

/// Where a finding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingState {
    /// Raised by an import; nobody has acted on it yet.
    Open,
    /// The provider has been asked to explain it by a deadline.
    ExplanationRequested,
    /// Staff accepted an explanation, perhaps only until a date.
    Explained,
    /// Handed to the chair for due process, with a signed evidence bundle.
    Escalated,
    /// Closed by a person.
    Resolved,
}

impl FindingState {
    /// Every state, in the order of the design.
    pub const ALL: [FindingState; 5] = [
        FindingState::Open,
        FindingState::ExplanationRequested,
        FindingState::Explained,
        FindingState::Escalated,
        FindingState::Resolved,
    ];

    /// The state as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::ExplanationRequested => "explanation_requested",
            FindingState::Explained => "explained",
            FindingState::Escalated => "escalated",
            FindingState::Resolved => "resolved",
        }
    }

    /// The state stored as `raw`, if it is one.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// Why staff accept a finding as explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExplanationReason {
    /// A route leaked for a short time and was withdrawn.
    TransientLeak,
    /// The foreign network belongs to the provider's own group.
    SiblingInfrastructure,
    /// An approval in the registry covers the link after all.
    CoveredByApproval,
    /// The collector's data is wrong (a peer's misconfiguration, a stale route).
    CollectorArtefact,
    /// A backup link that carries traffic only when the approved one fails.
    BackupLink,
}

impl ExplanationReason {
    pub const ALL: [ExplanationReason; 5] = [
        ExplanationReason::TransientLeak,
        ExplanationReason::SiblingInfrastructure,
        ExplanationReason::CoveredByApproval,
        ExplanationReason::CollectorArtefact,
        ExplanationReason::BackupLink,
    ];

    /// The reason as stored and as forms send it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExplanationReason::TransientLeak => "transient_leak",
            ExplanationReason::SiblingInfrastructure => "sibling_infrastructure",
            ExplanationReason::CoveredByApproval => "covered_by_approval",
            ExplanationReason::CollectorArtefact => "collector_artefact",
            ExplanationReason::BackupLink => "backup_link",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// A step a person takes on a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingStep {
    /// The secretariat asks the provider to explain, by a deadline.
    RequestExplanation,
    /// The provider answers the request, with text and files, by its deadline.
    Answer,
    /// The provider starts a declaration of the link (an application for an existing
    /// link) from the finding, by the request's deadline.
    Declare,
    /// The secretariat or the chair records an explanation it accepts.
    Explain,
    /// The secretariat or the chair hands the finding to due process.
    Escalate,
    /// The secretariat or the chair closes it.
    Resolve,
    /// The secretariat ties it to the connection it concerns.
    Link,
    /// Staff open a show-cause case against the organisation: the secretariat or the
    /// chair on an escalated finding, the chair alone on any finding still standing of a
    /// link seen after its disconnection.
    OpenCase,
}

/// Who takes a step: the provider whose organisation the finding concerns (checked where
/// the finding is found), or a member of staff by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingSide {
    Holder,
    Staff(Role),
}

/// Why a step on a finding is refused, in the order the rules are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingRefusal {
    /// The step is not for this side or role.
    Role,
    /// The finding is not in a state the step needs.
    WrongState,
    /// The provider's answer came after the deadline.
    Late,
    /// The finding concerns no organisation to ask.
    NoOrganisation,
    /// A show-cause case opened on the finding is still under way.
    CaseOpen,
}

/// A finding as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingStanding {
    pub state: FindingState,
    /// The deadline of the open explanation request.
    pub explanation_due: Option<NaiveDateTime>,
    /// Whether an organisation holds the domestic network.
    pub has_organisation: bool,
    /// Whether the finding shows a link seen after its approval's disconnection.
    pub after_disconnection: bool,
    /// Whether a show-cause case opened on it is still under way.
    pub case_open: bool,
}

/// The state `step` leads to from `standing`, if `side` may take it at `now`, or the first
/// rule it breaks. The workflows enforce this and the finding's page offers only the
/// steps it allows.
pub fn check_finding_step(
    step: FindingStep,
    side: FindingSide,
    standing: &FindingStanding,
    now: NaiveDateTime,
) -> Result<FindingState, FindingRefusal> {
    use FindingRefusal as R;
    use FindingState as S;
    use FindingStep::*;
    let staff = |roles: &[Role]| matches!(side, FindingSide::Staff(role) if roles.contains(&role));
    let role_fits = match step {
        RequestExplanation | Link => staff(&[Role::Secretariat]),
        Explain | Escalate | Resolve | OpenCase => staff(&[Role::Secretariat, Role::Chair]),
        Answer | Declare => side == FindingSide::Holder,
    };
    if !role_fits {
        return Err(R::Role);
    }
    let state = standing.state;
    let next = match step {
        RequestExplanation if state == S::Open => S::ExplanationRequested,
        Answer | Declare if state == S::ExplanationRequested => S::ExplanationRequested,
        Explain if matches!(state, S::Open | S::ExplanationRequested) => S::Explained,
        Escalate if matches!(state, S::Open | S::ExplanationRequested | S::Explained) => {
            S::Escalated
        }
        Resolve if state != S::Resolved => S::Resolved,
        Link if state != S::Resolved => state,
        OpenCase if state == S::Escalated => S::Escalated,
        OpenCase
            if standing.after_disconnection
                && state != S::Resolved
                && side == FindingSide::Staff(Role::Chair) =>
        {
            S::Escalated
        }
        _ => return Err(R::WrongState),
    };
    if matches!(step, OpenCase | Resolve) && standing.case_open {
        return Err(R::CaseOpen);
    }
    if matches!(step, RequestExplanation | OpenCase) && !standing.has_organisation {
        return Err(R::NoOrganisation);
    }
    if matches!(step, Answer | Declare) && standing.explanation_due.is_some_and(|due| now > due) {
        return Err(R::Late);
    }
    Ok(next)
}

/// Every step a person may take on a finding now (see [`check_finding_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FindingAllowed {
    pub request_explanation: bool,
    pub answer: bool,
    pub declare: bool,
    pub explain: bool,
    pub escalate: bool,
    pub resolve: bool,
    pub link: bool,
    pub open_case: bool,
}

/// What `side` may do on a finding standing as `standing` at `now`.
pub fn allowed_on_finding(
    side: FindingSide,
    standing: &FindingStanding,
    now: NaiveDateTime,
) -> FindingAllowed {
    let may = |step| check_finding_step(step, side, standing, now).is_ok();
    FindingAllowed {
        request_explanation: may(FindingStep::RequestExplanation),
        answer: may(FindingStep::Answer),
        declare: may(FindingStep::Declare),
        explain: may(FindingStep::Explain),
        escalate: may(FindingStep::Escalate),
        resolve: may(FindingStep::Resolve),
        link: may(FindingStep::Link),
        open_case: may(FindingStep::OpenCase),
    }
}

/// Whether a finding an import raised again goes back to open: an explanation that had
/// expired when the pair was seen again, or a resolution older than the new sighting.
/// `closed_at` is when it was explained or resolved; `expires` the explanation's end.
pub fn reopens(
    state: FindingState,
    closed_at: Option<NaiveDateTime>,
    expires: Option<NaiveDateTime>,
    seen_at: Option<NaiveDateTime>,
) -> bool {
    let Some(seen) = seen_at else {
        return false;
    };
    match state {
        FindingState::Explained => expires.is_some_and(|end| seen > end),
        FindingState::Resolved => closed_at.is_some_and(|at| seen > at),
        _ => false,
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

    fn standing(state: FindingState) -> FindingStanding {
        FindingStanding {
            state,
            explanation_due: Some(at(20)),
            has_organisation: true,
            after_disconnection: false,
            case_open: false,
        }
    }

    const STEPS: [FindingStep; 8] = [
        FindingStep::RequestExplanation,
        FindingStep::Answer,
        FindingStep::Declare,
        FindingStep::Explain,
        FindingStep::Escalate,
        FindingStep::Resolve,
        FindingStep::Link,
        FindingStep::OpenCase,
    ];

    /// Every (state, step) for the side that may take the step: where it leads, or why not.
    #[test]
    fn each_state_allows_exactly_the_steps_of_the_design() {
        use FindingState::*;
        use FindingStep::*;
        let side = |step| match step {
            Answer | Declare => FindingSide::Holder,
            _ => FindingSide::Staff(Role::Secretariat),
        };
        let expected = |state, step| -> Option<FindingState> {
            match (state, step) {
                (Open, RequestExplanation) => Some(ExplanationRequested),
                (ExplanationRequested, Answer | Declare) => Some(ExplanationRequested),
                (Open | ExplanationRequested, Explain) => Some(Explained),
                (Open | ExplanationRequested | Explained, Escalate) => Some(Escalated),
                (Escalated, OpenCase) => Some(Escalated),
                (Resolved, Resolve | Link) => None,
                (_, Resolve) => Some(Resolved),
                (s, Link) => Some(s),
                _ => None,
            }
        };
        for state in FindingState::ALL {
            for step in STEPS {
                let got = check_finding_step(step, side(step), &standing(state), at(10)).ok();
                assert_eq!(got, expected(state, step), "{state:?} {step:?}");
            }
        }
    }

    #[test]
    fn each_step_belongs_to_its_roles_only() {
        let open = standing(FindingState::Open);
        let requested = standing(FindingState::ExplanationRequested);
        for role in [Role::Reviewer, Role::Auditor, Role::Admin] {
            for step in STEPS {
                assert_eq!(
                    check_finding_step(step, FindingSide::Staff(role), &requested, at(10)),
                    Err(FindingRefusal::Role),
                    "{role:?} {step:?}"
                );
            }
        }
        let chair = FindingSide::Staff(Role::Chair);
        assert_eq!(
            check_finding_step(FindingStep::RequestExplanation, chair, &open, at(10)),
            Err(FindingRefusal::Role)
        );
        assert!(check_finding_step(FindingStep::Escalate, chair, &open, at(10)).is_ok());
        assert_eq!(
            check_finding_step(FindingStep::Resolve, FindingSide::Holder, &open, at(10)),
            Err(FindingRefusal::Role)
        );
        assert_eq!(
            check_finding_step(
                FindingStep::Answer,
                FindingSide::Staff(Role::Secretariat),
                &requested,
                at(10)
            ),
            Err(FindingRefusal::Role)
        );
    }

    #[test]
    fn an_answer_after_the_deadline_is_late_and_a_finding_without_a_provider_cannot_be_asked() {
        let requested = standing(FindingState::ExplanationRequested);
        assert!(
            check_finding_step(FindingStep::Answer, FindingSide::Holder, &requested, at(20))
                .is_ok()
        );
        assert_eq!(
            check_finding_step(
                FindingStep::Answer,
                FindingSide::Holder,
                &requested,
                at(20) + chrono::TimeDelta::seconds(1)
            ),
            Err(FindingRefusal::Late)
        );
        let orphan = FindingStanding {
            has_organisation: false,
            ..standing(FindingState::Open)
        };
        assert_eq!(
            check_finding_step(
                FindingStep::RequestExplanation,
                FindingSide::Staff(Role::Secretariat),
                &orphan,
                at(10)
            ),
            Err(FindingRefusal::NoOrganisation)
        );
    }

    #[test]
    fn the_page_offers_what_the_rule_allows() {
        let allowed = allowed_on_finding(
            FindingSide::Staff(Role::Secretariat),
            &standing(FindingState::Open),
            at(10),
        );
        assert_eq!(
            allowed,
            FindingAllowed {
                request_explanation: true,
                answer: false,
                declare: false,
                explain: true,
                escalate: true,
                resolve: true,
                link: true,
                open_case: false,
            }
        );
        let holder = allowed_on_finding(
            FindingSide::Holder,
            &standing(FindingState::ExplanationRequested),
            at(21),
        );
        assert_eq!(holder, FindingAllowed::default());
    }

    #[test]
    fn a_case_is_opened_on_an_escalated_finding_or_by_the_chair_on_a_link_seen_after_disconnection()
    {
        use FindingState::*;
        let (secretariat, chair) = (
            FindingSide::Staff(Role::Secretariat),
            FindingSide::Staff(Role::Chair),
        );
        let open = |side, standing: &FindingStanding| {
            check_finding_step(FindingStep::OpenCase, side, standing, at(10))
        };
        assert_eq!(open(secretariat, &standing(Escalated)), Ok(Escalated));
        assert_eq!(open(chair, &standing(Escalated)), Ok(Escalated));
        assert_eq!(
            open(secretariat, &standing(Open)),
            Err(FindingRefusal::WrongState)
        );
        assert_eq!(
            open(chair, &standing(Open)),
            Err(FindingRefusal::WrongState)
        );
        for state in [Open, ExplanationRequested, Explained, Escalated] {
            let after = FindingStanding {
                after_disconnection: true,
                ..standing(state)
            };
            assert_eq!(open(chair, &after), Ok(Escalated), "{state:?}");
            if state != Escalated {
                assert_eq!(open(secretariat, &after), Err(FindingRefusal::WrongState));
            }
        }
        let resolved = FindingStanding {
            after_disconnection: true,
            ..standing(Resolved)
        };
        assert_eq!(open(chair, &resolved), Err(FindingRefusal::WrongState));
        let busy = FindingStanding {
            case_open: true,
            ..standing(Escalated)
        };
        assert_eq!(open(chair, &busy), Err(FindingRefusal::CaseOpen));
        assert_eq!(
            check_finding_step(FindingStep::Resolve, chair, &busy, at(10)),
            Err(FindingRefusal::CaseOpen)
        );
        let orphan = FindingStanding {
            has_organisation: false,
            ..standing(Escalated)
        };
        assert_eq!(open(chair, &orphan), Err(FindingRefusal::NoOrganisation));
        assert_eq!(
            open(FindingSide::Staff(Role::Reviewer), &standing(Escalated)),
            Err(FindingRefusal::Role)
        );
    }

    #[test]
    fn an_expired_explanation_or_an_old_resolution_reopens_when_seen_again() {
        use FindingState::*;
        assert!(reopens(Explained, Some(at(1)), Some(at(5)), Some(at(6))));
        assert!(!reopens(Explained, Some(at(1)), Some(at(5)), Some(at(5))));
        assert!(!reopens(Explained, Some(at(1)), None, Some(at(30))));
        assert!(reopens(Resolved, Some(at(5)), None, Some(at(6))));
        assert!(!reopens(Resolved, Some(at(5)), None, Some(at(4))));
        assert!(!reopens(Resolved, Some(at(5)), None, None));
        for state in [Open, ExplanationRequested, Escalated] {
            assert!(!reopens(state, Some(at(1)), Some(at(2)), Some(at(30))));
        }
    }

    #[test]
    fn states_and_reasons_read_back_as_stored() {
        for state in FindingState::ALL {
            assert_eq!(FindingState::parse(state.as_str()), Some(state));
        }
        for reason in ExplanationReason::ALL {
            assert_eq!(ExplanationReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(FindingState::parse("closed"), None);
        assert_eq!(ExplanationReason::parse(""), None);
    }
}
