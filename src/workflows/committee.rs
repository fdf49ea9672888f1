//! The committee's side: reviewer assignment, reviews, recusals, the vote and the chair's
//! decision, each one transaction with its audit event; and the reads behind the
//! committee's pages, the inbox and the case file.

use chrono::NaiveDateTime;
use serde_json::json;

pub use crate::db::models::application::{ApplicationRow, CaseCursor};

use crate::db::audit::{self, AuditEvent};
use crate::db::models::application::{
    self as app_db, Application, CaseFilter, DecisionChanges, Revision,
};
use crate::db::models::attachment::{self as attachment_db, AttachmentInfo};
use crate::db::models::committee::{
    self as committee_db, Assignment, Member, NewAssignment, Recusal, Vote,
};
use crate::db::models::connection::{self as connection_db, Connection};
use crate::db::models::information_request::{self as rfi_db, InformationRequest};
use crate::db::models::organisation as org_db;
use crate::db::models::user as user_db;
use crate::db::{DbConn, Position, new_id, write_tx};
use crate::domain::application::{Action, Status};
use crate::domain::audit::AuditAction;
use crate::domain::clock::Clock;
use crate::domain::committee::{
    AllowedActions, CaseRefusal, CaseStep, CastVote, Choice, QuorumRule, Recommendation,
    ReviewProgress, Seat, Tally, allowed_actions, check_step, electorate, tally,
};
use crate::domain::notification::{MessageKind, Params};
use crate::domain::role::{ReviewDomain, Role};
use crate::domain::rules::WorkflowRules;
use crate::domain::validation::FieldErrors;
use crate::workflows::applications::{approved_connection, find, record, submitted, transition};
use crate::workflows::certificates::{self, CertificateAuthority};
use crate::workflows::dashboard::{self, OPEN_STATES};
use crate::workflows::{Actor, WorkflowError, connections, is_unique_violation, notify};

fn invalid(field: &'static str, key: &'static str) -> WorkflowError {
    let mut errors = FieldErrors::new();
    errors.add(field, key);
    WorkflowError::Invalid(errors)
}

/// The seat of the acting user on a case, from their account: whether they are an active
/// committee member. What they did on the case is for the caller to add.
fn seat_of(conn: &mut DbConn, actor: &Actor) -> Result<Seat, WorkflowError> {
    let user = user_db::find(conn, actor.user_id()?)?.ok_or(WorkflowError::Forbidden)?;
    Ok(Seat {
        role: actor.role,
        member: user.active && user.committee_member,
        ..Seat::default()
    })
}

/// The secretariat assigns a committee member to review in one domain.
pub fn assign_reviewer(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    reviewer_id: &str,
    domain: &str,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    let domain =
        ReviewDomain::parse(domain).ok_or_else(|| invalid("domain", "error-review-domain"))?;
    let result = write_tx(conn, |conn| {
        let app = find(conn, id)?;
        check_step(CaseStep::Assign, app.status, &Seat::staff(actor.role), None)?;
        let reviewer = user_db::find(conn, reviewer_id)?
            .ok_or_else(|| invalid("reviewer_id", "error-reviewer"))?;
        let covers_domain = reviewer
            .review_domains
            .split(',')
            .any(|d| d == domain.as_str());
        if !(reviewer.active && reviewer.committee_member && covers_domain) {
            return Err(invalid("reviewer_id", "error-reviewer"));
        }
        if committee_db::list_recusals(conn, id)?
            .iter()
            .any(|(r, _)| r.user_id == reviewer_id)
        {
            return Err(invalid("reviewer_id", "error-reviewer-recused"));
        }
        let assignment_id = new_id();
        committee_db::insert_assignment(
            conn,
            &NewAssignment {
                id: &assignment_id,
                application_id: id,
                reviewer_id,
                domain: domain.as_str(),
                assigned_by: actor.user_id()?,
                assigned_at: now,
            },
        )?;
        record(
            conn,
            actor,
            AuditAction::ReviewAssign,
            id,
            None,
            Some(
                json!({ "assignment": assignment_id, "reviewer": reviewer_id, "domain": domain.as_str() }),
            ),
        )?;
        let to = notify::user(conn, reviewer_id)?;
        let params = Params {
            area: domain.as_str().to_string(),
            ..notify::application_params(conn, &app, true)?
        };
        notify::enqueue(conn, MessageKind::ReviewAssigned, &to, &params, now)?;
        find(conn, id)
    });
    match result {
        Err(WorkflowError::Database(e)) if is_unique_violation(&e) => {
            Err(invalid("reviewer_id", "error-already-assigned"))
        }
        other => other,
    }
}

/// What a reviewer records.
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    pub assignment_id: String,
    pub recommendation: String,
    pub comments: String,
    pub conditions: String,
}

/// A reviewer still on the committee records a recommendation on their own assignment;
/// the secretariat is told how many reviews are in.
pub fn record_review(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    input: &ReviewInput,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<Application, WorkflowError> {
    let assignment_id = input.assignment_id.as_str();
    let mut errors = FieldErrors::new();
    let recommendation = Recommendation::parse(&input.recommendation);
    if recommendation.is_none() {
        errors.add("recommendation", "error-recommendation");
    }
    let comments = errors.text("comments", &input.comments, true, 8000);
    let conditions = errors.text("conditions", &input.conditions, false, 8000);
    if recommendation == Some(Recommendation::ApproveWithConditions) && conditions.is_empty() {
        errors.add("conditions", "error-conditions-required");
    }
    let Some(recommendation) = recommendation.filter(|_| errors.is_empty()) else {
        return Err(WorkflowError::Invalid(errors));
    };
    write_tx(conn, |conn| {
        let app = find(conn, id)?;
        let assignment = committee_db::find_assignment(conn, assignment_id)?
            .filter(|a| a.application_id == id)
            .ok_or(WorkflowError::NotFound)?;
        if Some(assignment.reviewer_id.as_str()) != actor.id.as_deref() {
            return Err(WorkflowError::Forbidden);
        }
        let seat = Seat {
            reviewing: assignment.completed_at.is_none(),
            ..seat_of(conn, actor)?
        };
        check_step(CaseStep::Review, app.status, &seat, None).map_err(|e| match e {
            CaseRefusal::NotMember => WorkflowError::Conflict("error-review-not-member"),
            other => other.into(),
        })?;
        let changed = committee_db::complete_assignment(
            conn,
            assignment_id,
            recommendation.as_str(),
            &comments,
            &conditions,
            now,
        )?;
        if changed != 1 {
            return Err(WorkflowError::Conflict("error-review-done"));
        }
        record(
            conn,
            actor,
            AuditAction::ReviewRecord,
            id,
            None,
            Some(json!({ "assignment": assignment_id, "recommendation": recommendation.as_str() })),
        )?;
        tell_secretariat_of_reviews(conn, actor, &app, Some(&assignment.domain), rules, now)?;
        find(conn, id)
    })
}

/// Tells the secretariat how many of the application's reviews are in after one was
/// recorded (in `area`) or given up by recusal (`None`), and, once none is pending, that
/// the vote can be opened. A recusal that leaves reviews pending tells no one.
fn tell_secretariat_of_reviews(
    conn: &mut DbConn,
    actor: &Actor,
    app: &Application,
    area: Option<&str>,
    rules: &WorkflowRules,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    let assignments = committee_db::list_assignments(conn, &app.id)?;
    let pending = assignments
        .iter()
        .filter(|(a, _)| a.completed_at.is_none())
        .count();
    let done = assignments
        .iter()
        .filter(|(a, _)| {
            a.recommendation
                .as_deref()
                .and_then(Recommendation::parse)
                .is_some()
        })
        .count();
    let kind = match (pending, area) {
        (0, _) if done > 0 => MessageKind::ReviewsComplete,
        (_, Some(_)) => MessageKind::ReviewRecorded,
        _ => return Ok(()),
    };
    let to = notify::except_actor(notify::secretariat(conn, rules)?, actor);
    let params = Params {
        area: area.unwrap_or_default().to_string(),
        done: Some(done as i64),
        total: Some((done + pending) as i64),
        ..notify::application_params(conn, app, true)?
    };
    notify::enqueue(conn, kind, &to, &params, now)?;
    Ok(())
}

/// Tells the chairs not recused from the application, once, that the vote reached its
/// quorum and the decision can be signed.
fn tell_chairs_when_decidable(
    conn: &mut DbConn,
    actor: &Actor,
    app: &Application,
    rules: &WorkflowRules,
    now: NaiveDateTime,
) -> Result<(), WorkflowError> {
    let (eligible, choices, result) = current_tally(conn, &app.id, rules)?;
    if matches!(result, Tally::NoQuorum { .. })
        || !connection_db::claim_mark(conn, "decision_ready", &app.id, now)?
    {
        return Ok(());
    }
    let chairs = notify::chairs(conn)?;
    let to = notify::except_actor(notify::not_recused(conn, &app.id, chairs)?, actor);
    let params = Params {
        done: Some(choices.len() as i64),
        total: Some(eligible as i64),
        ..notify::application_params(conn, app, true)?
    };
    notify::enqueue(conn, MessageKind::DecisionReady, &to, &params, now)?;
    Ok(())
}

/// The secretariat withdraws the open review of a reviewer who has left the committee
/// or been deactivated, so that the vote can open without it. The review of a member
/// still on the committee is theirs to record or to recuse from: withdrawing it would let
/// the secretariat set a reviewer aside.
pub fn withdraw_assignment(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    assignment_id: &str,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    write_tx(conn, |conn| {
        let app = find(conn, id)?;
        check_step(
            CaseStep::WithdrawReview,
            app.status,
            &Seat::staff(actor.role),
            None,
        )?;
        let assignment = committee_db::find_assignment(conn, assignment_id)?
            .filter(|a| a.application_id == id)
            .ok_or(WorkflowError::NotFound)?;
        let reviewer =
            user_db::find(conn, &assignment.reviewer_id)?.ok_or(WorkflowError::NotFound)?;
        if reviewer.active && reviewer.committee_member {
            return Err(WorkflowError::Conflict("error-withdraw-member"));
        }
        if committee_db::withdraw_assignment(conn, assignment_id, now)? != 1 {
            return Err(WorkflowError::Conflict("error-review-done"));
        }
        record(
            conn,
            actor,
            AuditAction::ReviewWithdraw,
            id,
            None,
            Some(json!({
                "assignment": assignment_id,
                "reviewer": assignment.reviewer_id,
                "domain": assignment.domain,
            })),
        )?;
        find(conn, id)
    })
}

/// The nature of the conflict a recusal records, checked.
pub fn recusal_reason(reason: &str) -> Result<String, WorkflowError> {
    let mut errors = FieldErrors::new();
    let reason = errors.text("reason", reason, true, 2000);
    errors
        .into_result(|| reason)
        .map_err(WorkflowError::Invalid)
}

/// A committee member declares a conflict of interest: they are recused from reviewing
/// and voting on this application. If that leaves no review pending, the secretariat is
/// told the vote can be opened; if it brings the vote to its quorum, the chair is told.
pub fn declare_conflict(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<Application, WorkflowError> {
    let reason = recusal_reason(reason)?;
    let result = write_tx(conn, |conn| {
        let seat = seat_of(conn, actor)?;
        let member_id = actor.user_id()?;
        let app = find(conn, id)?;
        let status = app.status;
        let voted = committee_db::list_votes(conn, id)?
            .iter()
            .any(|(v, _, _)| v.voter_id == member_id);
        // A second recusal is refused by the table's unique key, below.
        check_step(CaseStep::Recuse, status, &Seat { voted, ..seat }, None)?;
        committee_db::insert_recusal(
            conn,
            &Recusal {
                application_id: id.to_string(),
                user_id: member_id.to_string(),
                reason: reason.clone(),
                declared_at: now,
            },
        )?;
        let reviews_given_up = committee_db::recuse_assignments(conn, id, member_id, now)?;
        record(
            conn,
            actor,
            AuditAction::ReviewRecuse,
            id,
            None,
            Some(json!({ "member": member_id })),
        )?;
        if status == Status::Voting {
            tell_chairs_when_decidable(conn, actor, &app, rules, now)?;
        } else if reviews_given_up > 0 {
            tell_secretariat_of_reviews(conn, actor, &app, None, rules, now)?;
        }
        find(conn, id)
    });
    match result {
        Err(WorkflowError::Database(e)) if is_unique_violation(&e) => {
            Err(WorkflowError::Conflict("error-already-recused"))
        }
        other => other,
    }
}

/// Where an application's reviews stand, for the rule that opens the vote.
pub fn review_progress(assignments: &[(Assignment, String)]) -> ReviewProgress {
    ReviewProgress {
        assigned: assignments.len(),
        closed: assignments
            .iter()
            .filter(|(a, _)| a.completed_at.is_some())
            .count(),
        recommended: assignments
            .iter()
            .filter(|(a, _)| {
                a.recommendation
                    .as_deref()
                    .and_then(Recommendation::parse)
                    .is_some()
            })
            .count(),
    }
}

/// The secretariat opens the vote once every review is in (or recused).
pub fn open_vote(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: NaiveDateTime,
) -> Result<Application, WorkflowError> {
    write_tx(conn, |conn| {
        let app = find(conn, id)?;
        check_step(
            CaseStep::OpenVote,
            app.status,
            &Seat::staff(actor.role),
            None,
        )?;
        let assignments = committee_db::list_assignments(conn, id)?;
        if !review_progress(&assignments).vote_may_open() {
            return Err(WorkflowError::Conflict("error-reviews-pending"));
        }
        transition(conn, &app, Action::OpenVote, now)?;
        app_db::set_vote_opened_at(conn, id, now)?;
        record(
            conn,
            actor,
            AuditAction::ApplicationOpenVote,
            id,
            None,
            None,
        )?;
        let to = notify::voting_members(conn, id)?;
        let params = notify::application_params(conn, &app, true)?;
        notify::enqueue(conn, MessageKind::VoteOpened, &to, &params, now)?;
        find(conn, id)
    })
}

/// A committee member who is not recused casts one vote with a reason. The vote that
/// brings the quorum tells the chair the decision can be signed.
pub fn cast_vote(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    choice: &str,
    reason: &str,
    now: NaiveDateTime,
    rules: &WorkflowRules,
) -> Result<Application, WorkflowError> {
    let mut errors = FieldErrors::new();
    let choice = Choice::parse(choice);
    if choice.is_none() {
        errors.add("choice", "error-choice");
    }
    let reason = errors.text("reason", reason, true, 2000);
    let Some(choice) = choice.filter(|_| errors.is_empty()) else {
        return Err(WorkflowError::Invalid(errors));
    };
    let result = write_tx(conn, |conn| {
        let seat = seat_of(conn, actor)?;
        let member_id = actor.user_id()?;
        let app = find(conn, id)?;
        let status = app.status;
        let recused = committee_db::list_recusals(conn, id)?
            .iter()
            .any(|(r, _)| r.user_id == member_id);
        // A second vote is refused by the table's unique key, below.
        check_step(CaseStep::Vote, status, &Seat { recused, ..seat }, None)?;
        committee_db::insert_vote(
            conn,
            Vote {
                application_id: id.to_string(),
                voter_id: member_id.to_string(),
                choice,
                reason: reason.clone(),
                cast_at: now,
                voter_eligible: true,
            },
        )?;
        record(
            conn,
            actor,
            AuditAction::VoteCast,
            id,
            None,
            Some(json!({ "choice": choice.as_str() })),
        )?;
        tell_chairs_when_decidable(conn, actor, &app, rules, now)?;
        find(conn, id)
    });
    match result {
        Err(WorkflowError::Database(e)) if is_unique_violation(&e) => {
            Err(WorkflowError::Conflict("error-already-voted"))
        }
        other => other,
    }
}

/// The vote as it stands: the electorate's size, the votes that count, and the tally.
/// A vote counts by the voter's eligibility when it was cast, never by today's membership.
pub fn current_tally(
    conn: &mut DbConn,
    id: &str,
    rules: &WorkflowRules,
) -> Result<(usize, Vec<Choice>, Tally), WorkflowError> {
    let members = committee_db::list_members(conn)?;
    let recusals = committee_db::list_recusals(conn, id)?;
    let votes = committee_db::list_votes(conn, id)?;
    let cast: Vec<CastVote<'_>> = votes
        .iter()
        .map(|(v, _, _)| CastVote {
            voter: &v.voter_id,
            choice: v.choice,
            voter_eligible: v.voter_eligible,
        })
        .collect();
    let member_ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let recused: Vec<&str> = recusals.iter().map(|(r, _)| r.user_id.as_str()).collect();
    let (eligible, choices) = electorate(&cast, &member_ids, &recused);
    let result = tally(
        eligible,
        &choices,
        QuorumRule {
            more_than_percent: rules.quorum_percent,
        },
    );
    Ok((eligible, choices, result))
}

/// What the chair signs.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecisionInput {
    /// `approve` or `reject`: needed only when the vote is tied.
    pub casting_vote: String,
    pub conditions: String,
    pub validity_months: String,
    pub legal_basis: String,
    pub reasons: String,
}

/// The chair signs the decision the vote reached (breaking a tie with a casting vote).
/// Exactly one decision is ever recorded: a second signature finds the application
/// already decided and changes nothing.
pub fn decide(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    input: &DecisionInput,
    clock: &dyn Clock,
    (rules, authority): (&WorkflowRules, &CertificateAuthority),
) -> Result<Application, WorkflowError> {
    let chair = Seat::staff(actor.role);
    let (now, today) = (clock.now(), clock.today_in_vientiane());
    write_tx(conn, |conn| {
        let app = find(conn, id)?;
        let (_, _, result) = current_tally(conn, id, rules)?;
        check_step(CaseStep::Decide, app.status, &chair, Some(result))?;
        let mut errors = FieldErrors::new();
        let approve = match result {
            Tally::NoQuorum { .. } => return Err(WorkflowError::Conflict("error-no-quorum")),
            Tally::Approved => true,
            Tally::Rejected => false,
            Tally::Tie => match input.casting_vote.as_str() {
                "approve" => true,
                "reject" => false,
                _ => {
                    errors.add("casting_vote", "error-casting-vote");
                    false
                }
            },
        };
        let legal_basis = errors.text("legal_basis", &input.legal_basis, true, 2000);
        let conditions = errors.text("conditions", &input.conditions, false, 8000);
        let reasons = errors.text("reasons", &input.reasons, !approve, 8000);
        let validity_months = if approve {
            match input.validity_months.trim().parse::<i32>() {
                Ok(m) if (1..=180).contains(&m) => Some(m),
                _ => {
                    errors.add("validity_months", "error-term");
                    None
                }
            }
        } else {
            None
        };
        if !errors.is_empty() {
            return Err(WorkflowError::Invalid(errors));
        }
        let action = if approve {
            Action::Approve
        } else {
            Action::Reject
        };
        transition(conn, &app, action, now)?;
        app_db::record_decision(
            conn,
            id,
            &DecisionChanges {
                decided_at: Some(now),
                decided_by: actor.id.as_deref(),
                decision_conditions: if approve { &conditions } else { "" },
                decision_validity_months: validity_months,
                decision_legal_basis: &legal_basis,
                decision_reasons: &reasons,
            },
        )?;
        record(
            conn,
            actor,
            if approve {
                AuditAction::ApplicationApprove
            } else {
                AuditAction::ApplicationReject
            },
            id,
            None,
            Some(json!({
                "tie_broken_by_chair": result == Tally::Tie,
                "validity_months": validity_months,
                "legal_basis": legal_basis,
            })),
        )?;
        let decided = find(conn, id)?;
        let to = notify::application_contacts(conn, &decided)?;
        let params = notify::application_params(conn, &decided, false)?;
        match validity_months.filter(|_| approve) {
            Some(months) => {
                let connection =
                    connections::record_approval(conn, actor, &decided, months, now, today)?;
                certificates::issue(conn, authority, &connection, now)?;
                let params = Params {
                    approval_number: connection.approval_number,
                    valid_until: Some(connection.valid_until),
                    conditions,
                    ..params
                };
                notify::enqueue(conn, MessageKind::DecisionApproved, &to, &params, now)?;
            }
            None => {
                let params = Params {
                    text: reasons,
                    ..params
                };
                notify::enqueue(conn, MessageKind::DecisionRejected, &to, &params, now)?;
            }
        }
        Ok(decided)
    })
}

/// Which applications the committee's list shows: the states, only those past their
/// decision date or not, the order, and a reference or provider name to look for.
#[derive(Debug, Clone)]
pub struct InboxFilter {
    pub states: Vec<Status>,
    pub overdue_only: bool,
    pub newest_first: bool,
    /// At most 100 characters, trimmed, never empty.
    pub text: Option<String>,
}

/// The committee's inbox as one member sees it: a page of the list, where it stands in
/// the whole, how many open cases are overdue, and the member's own open reviews and votes.
#[derive(Debug, Clone)]
pub struct Inbox {
    /// The page's rows, read one more than the page to see if more follow.
    pub rows: Vec<ApplicationRow>,
    pub total: i64,
    /// How many rows come before the page.
    pub ahead: i64,
    pub overdue: i64,
    /// Open applications with a review this member has still to record.
    pub my_reviews: Vec<ApplicationRow>,
    /// Applications in the vote on which this member has neither voted nor recused.
    pub my_votes: Vec<ApplicationRow>,
}

/// Reads the committee's inbox for `user_id`: `page` rows of the list at `position`.
pub fn inbox(
    conn: &mut DbConn,
    user_id: &str,
    query: &InboxFilter,
    position: Position<&CaseCursor>,
    page: i64,
    now: NaiveDateTime,
) -> Result<Inbox, WorkflowError> {
    let filter = CaseFilter {
        states: query.states.clone(),
        due_before: query.overdue_only.then_some(now),
        text: match &query.text {
            Some(text) => Some((text.to_uppercase(), org_db::ids_named_like(conn, text)?)),
            None => None,
        },
        newest_first: query.newest_first,
    };
    let rows = app_db::list_cases(conn, &filter, position, page + 1)?;
    let total = app_db::count_cases(conn, &filter, None)?;
    let ahead = match position.first_row(&rows, page) {
        Some((app, _, _)) => app_db::count_cases(
            conn,
            &filter,
            Some(&CaseCursor {
                submitted_at: app.submitted_at.unwrap_or_default(),
                id: app.id.clone(),
            }),
        )?,
        None => 0,
    };
    let overdue = app_db::count_due_before(conn, &dashboard::running_states(), now)?;
    let inbox = Inbox {
        rows,
        total,
        ahead,
        overdue,
        my_reviews: Vec::new(),
        my_votes: Vec::new(),
    };
    // Someone taken off the committee has no reviews or votes left to give.
    let on_committee = user_db::find(conn, user_id)?.is_some_and(|u| u.committee_member);
    if !on_committee {
        return Ok(inbox);
    }
    // Only open applications are read in full: a member may hold many finished ones.
    let open: std::collections::HashSet<String> = app_db::ids_in_states(conn, &OPEN_STATES)?
        .into_iter()
        .collect();
    let pending: Vec<String> = committee_db::list_pending_application_ids(conn, user_id)?
        .into_iter()
        .filter(|id| open.contains(id))
        .collect();
    let voting = app_db::ids_in_states(conn, &[Status::Voting])?;
    let unvoted = committee_db::list_unvoted_application_ids(conn, user_id, &voting)?;
    Ok(Inbox {
        my_reviews: app_db::list_by_ids(conn, &pending)?,
        my_votes: app_db::list_by_ids(conn, &unvoted)?,
        ..inbox
    })
}

/// Everything the committee's page of one submitted application shows to one reader, and
/// what that reader may do on it.
#[derive(Debug, Clone)]
pub struct CaseFile {
    /// The id of the user reading it.
    pub reader: String,
    pub row: ApplicationRow,
    pub attachments: Vec<AttachmentInfo>,
    pub requests: Vec<InformationRequest>,
    pub revisions: Vec<Revision>,
    /// The reviews assigned, with each reviewer's name.
    pub assignments: Vec<(Assignment, String)>,
    pub recusals: Vec<(Recusal, String)>,
    pub votes: Vec<(Vote, String, String)>,
    /// The electorate's size, the votes that count, and the tally.
    pub tally: (usize, Vec<Choice>, Tally),
    pub events: Vec<AuditEvent>,
    /// The active committee members, who may be assigned a review.
    pub reviewers: Vec<Member>,
    /// The user events that may have changed the committee while the case was before it.
    pub membership: Vec<AuditEvent>,
    /// The connection the decision created or changed, once approved.
    pub connection: Option<Connection>,
    pub progress: ReviewProgress,
    pub allowed: AllowedActions,
    /// The reader's own open review, when they may record it now.
    pub my_review: Option<(Assignment, String)>,
    /// Whether the other reviewers' recommendations are kept from the reader: a reviewer
    /// forms their own view before reading the others'. The chair and the secretariat,
    /// who run the case, see every review as it comes in.
    pub others_hidden: bool,
}

/// Reads the case file of the submitted application `id` for the user `reader_id` in
/// `role`. A draft is not found: nobody but its provider sees it.
pub fn case_file(
    conn: &mut DbConn,
    (reader_id, role): (&str, Role),
    id: &str,
    rules: &WorkflowRules,
) -> Result<CaseFile, WorkflowError> {
    let row = app_db::list_by_ids(conn, &[id.to_string()])?
        .pop()
        .filter(|(app, _, _)| submitted(app))
        .ok_or(WorkflowError::NotFound)?;
    let attachments = attachment_db::list_for_application(conn, id)?;
    let requests = rfi_db::list_for_application(conn, id)?;
    let revisions = app_db::list_revisions(conn, id)?;
    let assignments = committee_db::list_assignments(conn, id)?;
    let recusals = committee_db::list_recusals(conn, id)?;
    let votes = committee_db::list_votes(conn, id)?;
    let tally = current_tally(conn, id, rules)?;
    let events = audit::list_for_subject(conn, "application", id)?;
    let me = user_db::find(conn, reader_id)?.ok_or(WorkflowError::Forbidden)?;
    let reviewers = committee_db::list_members(conn)?;
    let connection = approved_connection(conn, &row.0)?;
    let membership = match case_span(&events) {
        Some((submitted, closed)) => {
            audit::list_actions_between(conn, &MEMBERSHIP_ACTIONS, submitted, closed)?
        }
        None => Vec::new(),
    };
    let status = row.0.status;
    let my_open_review = assignments
        .iter()
        .find(|(a, _)| a.reviewer_id == reader_id && a.completed_at.is_none())
        .cloned();
    let seat = Seat {
        role: Some(role),
        member: me.committee_member && me.active,
        recused: recusals.iter().any(|(r, _)| r.user_id == reader_id),
        voted: votes.iter().any(|(v, _, _)| v.voter_id == reader_id),
        reviewing: my_open_review.is_some(),
    };
    let allowed = allowed_actions(status, &seat, tally.2);
    Ok(CaseFile {
        reader: reader_id.to_string(),
        progress: review_progress(&assignments),
        others_hidden: role == Role::Reviewer && my_open_review.is_some(),
        my_review: my_open_review.filter(|_| allowed.review),
        row,
        attachments,
        requests,
        revisions,
        assignments,
        recusals,
        votes,
        tally,
        events,
        reviewers,
        membership,
        connection,
        allowed,
    })
}

/// The audit actions that can change who is on the committee.
pub const MEMBERSHIP_ACTIONS: [AuditAction; 3] = [
    AuditAction::UserUpdate,
    AuditAction::UserDeactivate,
    AuditAction::UserReactivate,
];

/// Where the case lies in the audit log: after its first submission, and before the
/// event that closed it (decision, withdrawal, dismissal) if one has.
fn case_span(events: &[AuditEvent]) -> Option<(i64, Option<i64>)> {
    let submitted = events
        .iter()
        .find(|e| e.is(AuditAction::ApplicationSubmit))?
        .seq;
    let closed = events
        .iter()
        .find(|e| CLOSING_ACTIONS.iter().any(|&a| e.is(a)))
        .map(|e| e.seq);
    Some((submitted, closed))
}

/// The audit actions that end a case.
const CLOSING_ACTIONS: [AuditAction; 4] = [
    AuditAction::ApplicationApprove,
    AuditAction::ApplicationReject,
    AuditAction::ApplicationWithdraw,
    AuditAction::ApplicationDismiss,
];
