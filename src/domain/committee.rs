//! The committee's rules: review recommendations, votes, quorum and majority, the legal
//! clock that sets when a decision is due, and who may take which step on a case.

use chrono::{NaiveDateTime, TimeDelta};

use crate::domain::application::Status;
use crate::domain::role::Role;

/// A reviewer's recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(into = "String")]
pub enum Recommendation {
    Approve,
    ApproveWithConditions,
    Reject,
}

impl Recommendation {
    pub const ALL: [Recommendation; 3] = [
        Recommendation::Approve,
        Recommendation::ApproveWithConditions,
        Recommendation::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Recommendation::Approve => "approve",
            Recommendation::ApproveWithConditions => "approve_with_conditions",
            Recommendation::Reject => "reject",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Recommendation::Approve => "recommendation-approve",
            Recommendation::ApproveWithConditions => "recommendation-approve_with_conditions",
            Recommendation::Reject => "recommendation-reject",
        }
    }
}

crate::domain::stored::stored_as_text!(Recommendation, "a review recommendation");

/// A committee member's vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(into = "String")]
pub enum Choice {
    Approve,
    Reject,
    Abstain,
}

impl Choice {
    pub const ALL: [Choice; 3] = [Choice::Approve, Choice::Reject, Choice::Abstain];

    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Approve => "approve",
            Choice::Reject => "reject",
            Choice::Abstain => "abstain",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw.trim())
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Choice::Approve => "vote-approve",
            Choice::Reject => "vote-reject",
            Choice::Abstain => "vote-abstain",
        }
    }
}

crate::domain::stored::stored_as_text!(Choice, "a vote");

/// Where the reviews of an application stand: how many were assigned, how many are
/// closed (recorded, recused or withdrawn), and how many carry a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReviewProgress {
    pub assigned: usize,
    pub closed: usize,
    pub recommended: usize,
}

impl ReviewProgress {
    /// The vote opens once every assigned review is closed and at least one recommends.
    pub fn vote_may_open(self) -> bool {
        self.closed == self.assigned && self.recommended > 0
    }
}

/// How many must take part for a vote to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuorumRule {
    /// Members voting (abstentions included) must be more than this percentage of the
    /// members who are not recused. 50 means "a majority".
    pub more_than_percent: u32,
}

impl Default for QuorumRule {
    fn default() -> Self {
        Self {
            more_than_percent: 50,
        }
    }
}

/// The outcome of a vote as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    /// Too few members have voted.
    NoQuorum {
        present: usize,
        needed: usize,
    },
    Approved,
    Rejected,
    /// As many for as against: the chair's casting vote decides.
    Tie,
}

/// Counts votes. `eligible` is the size of the electorate (see [`electorate`]). A majority
/// of the votes cast decides; abstentions count toward the quorum but not the majority.
pub fn tally(eligible: usize, votes: &[Choice], rule: QuorumRule) -> Tally {
    let present = votes.len();
    let needed = eligible * rule.more_than_percent as usize / 100 + 1;
    if eligible == 0 || present < needed {
        return Tally::NoQuorum { present, needed };
    }
    let approve = votes.iter().filter(|c| **c == Choice::Approve).count();
    let reject = votes.iter().filter(|c| **c == Choice::Reject).count();
    match approve.cmp(&reject) {
        std::cmp::Ordering::Greater => Tally::Approved,
        std::cmp::Ordering::Less => Tally::Rejected,
        std::cmp::Ordering::Equal => Tally::Tie,
    }
}

/// A vote on record: who cast it, the choice, and whether the voter was an eligible
/// committee member when it was cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CastVote<'a> {
    pub voter: &'a str,
    pub choice: Choice,
    pub voter_eligible: bool,
}

/// The electorate and the votes that count. A vote cast by an eligible member counts
/// whatever happens to the member afterwards (leaving the committee, deactivation): the
/// member stays in the electorate through that vote. A member who has not voted is in the
/// electorate while they are on the committee (`members`: active committee members now)
/// and not recused, since only they can still vote. So a member who leaves before voting
/// drops out of the quorum's count, and one who joins during the vote enters it.
pub fn electorate(
    votes: &[CastVote<'_>],
    members: &[&str],
    recused: &[&str],
) -> (usize, Vec<Choice>) {
    let counted: Vec<Choice> = votes
        .iter()
        .filter(|v| v.voter_eligible)
        .map(|v| v.choice)
        .collect();
    let may_still_vote = members
        .iter()
        .filter(|m| !recused.contains(m) && !votes.iter().any(|v| v.voter == **m))
        .count();
    (counted.len() + may_still_vote, counted)
}

/// When the decision is due: `days` after the clock started, plus the time the clock was
/// stopped for information requests.
pub fn decision_due(clock_started: NaiveDateTime, paused_seconds: i64, days: i64) -> NaiveDateTime {
    clock_started + TimeDelta::days(days) + TimeDelta::seconds(paused_seconds)
}

/// A step taken on a case before the committee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStep {
    /// The secretariat starts screening a submitted application.
    Screen,
    /// The secretariat asks the provider for information, or marks the file complete.
    RequestInformation,
    /// The secretariat assigns a reviewer.
    Assign,
    /// The secretariat opens the vote.
    OpenVote,
    /// The secretariat withdraws the open review of a departed reviewer.
    WithdrawReview,
    /// A member records the review assigned to them.
    Review,
    /// A member declares a conflict of interest.
    Recuse,
    /// A member votes.
    Vote,
    /// The chair signs the decision.
    Decide,
}

/// Where a person stands on a case: their role, whether they are an active committee
/// member, whether they have recused themselves from it or voted on it, and whether they
/// hold an open review of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seat {
    pub role: Option<Role>,
    pub member: bool,
    pub recused: bool,
    pub voted: bool,
    pub reviewing: bool,
}

impl Seat {
    /// The seat of someone who acts on a case by their role alone (the secretariat, the
    /// chair signing the decision): nothing they did on the case matters to the rules.
    pub fn staff(role: Option<Role>) -> Self {
        Seat {
            role,
            ..Seat::default()
        }
    }
}

/// Why a step on a case is refused, in the order the rules are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRefusal {
    /// The step is not for this person's role.
    Role,
    /// Only an active committee member takes it.
    NotMember,
    /// The application is not in the state the step needs.
    WrongState,
    /// The member has no open review of the application.
    NoOpenReview,
    /// The member is recused from the application.
    Recused,
    /// The member has already voted on it.
    AlreadyVoted,
    /// The vote has not reached its quorum.
    NoQuorum,
}

/// Whether `seat` may take `step` on an application in `status`, or the first rule it
/// breaks. `tally` is the vote as it stands when it was counted: the chair decides only a
/// counted vote that reached its quorum. The workflows enforce this and the case page
/// offers only the steps it allows.
pub fn check_step(
    step: CaseStep,
    status: Status,
    seat: &Seat,
    tally: Option<Tally>,
) -> Result<(), CaseRefusal> {
    use CaseStep::*;
    let role_fits = match step {
        Screen | RequestInformation | Assign | OpenVote | WithdrawReview => {
            seat.role == Some(Role::Secretariat)
        }
        Review | Recuse | Vote => matches!(seat.role, Some(Role::Reviewer | Role::Chair)),
        Decide => seat.role == Some(Role::Chair),
    };
    if !role_fits {
        return Err(CaseRefusal::Role);
    }
    if matches!(step, Review | Recuse | Vote) && !seat.member {
        return Err(CaseRefusal::NotMember);
    }
    let state_fits = match step {
        Screen => status == Status::Submitted,
        RequestInformation => status == Status::Screening,
        Assign | OpenVote | WithdrawReview | Review => status == Status::InReview,
        Recuse => matches!(status, Status::InReview | Status::Voting),
        Vote | Decide => status == Status::Voting,
    };
    if !state_fits {
        return Err(CaseRefusal::WrongState);
    }
    match step {
        Review if !seat.reviewing => Err(CaseRefusal::NoOpenReview),
        Vote if seat.recused => Err(CaseRefusal::Recused),
        Recuse | Vote if seat.voted => Err(CaseRefusal::AlreadyVoted),
        Recuse if seat.recused => Err(CaseRefusal::Recused),
        Decide if tally.is_none_or(|t| matches!(t, Tally::NoQuorum { .. })) => {
            Err(CaseRefusal::NoQuorum)
        }
        _ => Ok(()),
    }
}

/// Every step a person may take on a case now (see [`check_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllowedActions {
    pub screen: bool,
    pub request_info: bool,
    pub assign: bool,
    pub open_vote: bool,
    pub withdraw_reviews: bool,
    pub review: bool,
    pub recuse: bool,
    pub vote: bool,
    pub decide: bool,
}

/// What `seat` may do on an application in `status` with the vote standing at `tally`.
pub fn allowed_actions(status: Status, seat: &Seat, tally: Tally) -> AllowedActions {
    let tally = Some(tally);
    let may = |step| check_step(step, status, seat, tally).is_ok();
    AllowedActions {
        screen: may(CaseStep::Screen),
        request_info: may(CaseStep::RequestInformation),
        assign: may(CaseStep::Assign),
        open_vote: may(CaseStep::OpenVote),
        withdraw_reviews: may(CaseStep::WithdrawReview),
        review: may(CaseStep::Review),
        recuse: may(CaseStep::Recuse),
        vote: may(CaseStep::Vote),
        decide: may(CaseStep::Decide),
    }
}

#[cfg(test)]
mod tests {
    use super::Choice::{Abstain as A, Approve as Y, Reject as N};
    use super::*;

    const MAJORITY: QuorumRule = QuorumRule {
        more_than_percent: 50,
    };

    const QUORATE: Tally = Tally::Approved;

    fn seat(role: Role) -> Seat {
        Seat {
            role: Some(role),
            member: matches!(role, Role::Reviewer | Role::Chair),
            ..Seat::default()
        }
    }

    #[test]
    fn the_secretariat_runs_the_case_until_the_vote() {
        let secretariat = seat(Role::Secretariat);
        let at = |status| allowed_actions(status, &secretariat, QUORATE);
        assert!(at(Status::Submitted).screen);
        assert!(at(Status::Screening).request_info);
        let in_review = at(Status::InReview);
        assert!(in_review.assign && in_review.open_vote && in_review.withdraw_reviews);
        assert!(!in_review.screen && !in_review.review && !in_review.recuse);
        assert_eq!(at(Status::Voting), AllowedActions::default());
        assert_eq!(
            check_step(CaseStep::Vote, Status::Voting, &secretariat, Some(QUORATE)),
            Err(CaseRefusal::Role)
        );
    }

    #[test]
    fn a_member_reviews_recuses_and_votes_once() {
        let reviewer = Seat {
            reviewing: true,
            ..seat(Role::Reviewer)
        };
        let in_review = allowed_actions(Status::InReview, &reviewer, QUORATE);
        assert!(in_review.review && in_review.recuse && !in_review.vote);
        let voting = allowed_actions(Status::Voting, &reviewer, QUORATE);
        assert!(voting.vote && voting.recuse && !voting.review && !voting.decide);
        let voted = Seat {
            voted: true,
            ..reviewer
        };
        assert_eq!(
            check_step(CaseStep::Recuse, Status::Voting, &voted, Some(QUORATE)),
            Err(CaseRefusal::AlreadyVoted)
        );
        assert_eq!(
            check_step(CaseStep::Vote, Status::Voting, &voted, Some(QUORATE)),
            Err(CaseRefusal::AlreadyVoted)
        );
        let recused = Seat {
            recused: true,
            ..reviewer
        };
        assert_eq!(
            check_step(CaseStep::Vote, Status::Voting, &recused, Some(QUORATE)),
            Err(CaseRefusal::Recused)
        );
        assert_eq!(
            check_step(CaseStep::Recuse, Status::InReview, &recused, Some(QUORATE)),
            Err(CaseRefusal::Recused)
        );
        assert_eq!(
            check_step(
                CaseStep::Review,
                Status::InReview,
                &seat(Role::Reviewer),
                Some(QUORATE)
            ),
            Err(CaseRefusal::NoOpenReview)
        );
    }

    #[test]
    fn someone_off_the_committee_takes_no_member_step() {
        let former = Seat {
            member: false,
            reviewing: true,
            ..seat(Role::Reviewer)
        };
        assert_eq!(
            allowed_actions(Status::Voting, &former, QUORATE),
            AllowedActions::default()
        );
        assert_eq!(
            check_step(CaseStep::Recuse, Status::Draft, &former, Some(QUORATE)),
            Err(CaseRefusal::NotMember)
        );
        assert_eq!(
            check_step(
                CaseStep::Vote,
                Status::InReview,
                &seat(Role::Chair),
                Some(QUORATE)
            ),
            Err(CaseRefusal::WrongState)
        );
    }

    #[test]
    fn the_chair_decides_a_quorate_vote() {
        let chair = seat(Role::Chair);
        assert!(allowed_actions(Status::Voting, &chair, Tally::Tie).decide);
        let short = Tally::NoQuorum {
            present: 1,
            needed: 3,
        };
        assert_eq!(
            check_step(CaseStep::Decide, Status::Voting, &chair, Some(short)),
            Err(CaseRefusal::NoQuorum)
        );
        assert_eq!(
            check_step(
                CaseStep::Decide,
                Status::Voting,
                &seat(Role::Reviewer),
                Some(QUORATE)
            ),
            Err(CaseRefusal::Role)
        );
        for role in [Role::Auditor, Role::Applicant, Role::Admin] {
            assert_eq!(
                allowed_actions(Status::Voting, &seat(role), QUORATE),
                AllowedActions::default()
            );
        }
    }

    fn cast(voter: &str, choice: Choice, voter_eligible: bool) -> CastVote<'_> {
        CastVote {
            voter,
            choice,
            voter_eligible,
        }
    }

    #[test]
    fn a_vote_cast_by_an_eligible_member_counts_after_the_member_leaves() {
        let votes = [cast("a", Y, true), cast("b", Y, true), cast("c", N, true)];
        // "b" has left the committee since voting; "d" has not voted yet.
        assert_eq!(
            electorate(&votes, &["a", "c", "d"], &[]),
            (4, vec![Y, Y, N])
        );
        assert_eq!(tally(4, &[Y, Y, N], MAJORITY), Tally::Approved);
    }

    #[test]
    fn members_who_cannot_vote_are_not_in_the_electorate() {
        // "x" voted when not eligible (a vote recorded before eligibility was kept);
        // "r" is recused; "gone" left before voting and is not a member any more.
        let votes = [cast("a", Y, true), cast("x", N, false)];
        assert_eq!(
            electorate(&votes, &["a", "x", "r", "d"], &["r"]),
            (2, vec![Y])
        );
        assert_eq!(electorate(&[], &[], &[]), (0, vec![]));
    }

    #[test]
    fn a_majority_of_members_must_vote() {
        assert_eq!(
            tally(5, &[Y, Y], MAJORITY),
            Tally::NoQuorum {
                present: 2,
                needed: 3
            }
        );
        assert_eq!(tally(5, &[Y, Y, A], MAJORITY), Tally::Approved);
        assert_eq!(
            tally(4, &[Y, Y], MAJORITY),
            Tally::NoQuorum {
                present: 2,
                needed: 3
            }
        );
        assert_eq!(
            tally(0, &[], MAJORITY),
            Tally::NoQuorum {
                present: 0,
                needed: 1
            }
        );
    }

    #[test]
    fn a_recusal_lowers_the_quorum() {
        // Five members, two votes: no quorum. One recuses: two of four is still short.
        // Two recuse: two of three is a quorum.
        assert!(matches!(
            tally(5, &[Y, N], MAJORITY),
            Tally::NoQuorum { .. }
        ));
        assert!(matches!(
            tally(4, &[Y, N], MAJORITY),
            Tally::NoQuorum { .. }
        ));
        assert_eq!(tally(3, &[Y, Y], MAJORITY), Tally::Approved);
    }

    #[test]
    fn abstentions_do_not_count_toward_the_majority() {
        assert_eq!(tally(5, &[Y, A, A, A], MAJORITY), Tally::Approved);
        assert_eq!(tally(5, &[N, N, Y], MAJORITY), Tally::Rejected);
        assert_eq!(tally(4, &[Y, N, A], MAJORITY), Tally::Tie);
        assert_eq!(tally(3, &[A, A], MAJORITY), Tally::Tie);
    }

    #[test]
    fn a_stricter_quorum_needs_more_members() {
        let two_thirds = QuorumRule {
            more_than_percent: 66,
        };
        assert_eq!(tally(6, &[Y, Y, Y, Y], two_thirds), Tally::Approved);
        assert!(matches!(
            tally(6, &[Y, Y, Y], two_thirds),
            Tally::NoQuorum { needed: 4, .. }
        ));
    }

    #[test]
    fn the_vote_waits_for_every_review_and_one_recommendation() {
        let progress = |assigned, closed, recommended| ReviewProgress {
            assigned,
            closed,
            recommended,
        };
        assert!(progress(3, 3, 1).vote_may_open());
        assert!(!progress(3, 1, 1).vote_may_open());
        assert!(!progress(2, 2, 0).vote_may_open());
        assert!(!progress(0, 0, 0).vote_may_open());
    }

    #[test]
    fn the_clock_adds_paused_time() {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let due = decision_due(start, 3 * 86_400, 30);
        assert_eq!(due, start + TimeDelta::days(33));
    }
}
