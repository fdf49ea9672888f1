//! The committee's rules: review recommendations, votes, quorum and majority, and the
//! legal clock that sets when a decision is due.

use chrono::{NaiveDateTime, TimeDelta};

/// A reviewer's recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A committee member's vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[cfg(test)]
mod tests {
    use super::Choice::{Abstain as A, Approve as Y, Reject as N};
    use super::*;

    const MAJORITY: QuorumRule = QuorumRule {
        more_than_percent: 50,
    };

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
