//! `review_assignments`, `recusals` and `votes`: the committee's work on an application.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{recusals, review_assignments, users, votes};
use crate::db::{DbConn, can_name_a_row};
use crate::domain::committee::Choice;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = review_assignments)]
pub struct Assignment {
    pub id: String,
    pub application_id: String,
    pub reviewer_id: String,
    pub domain: String,
    pub assigned_by: String,
    pub assigned_at: NaiveDateTime,
    pub recommendation: Option<String>,
    pub comments: String,
    pub conditions: String,
    pub completed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = review_assignments)]
pub struct NewAssignment<'a> {
    pub id: &'a str,
    pub application_id: &'a str,
    pub reviewer_id: &'a str,
    pub domain: &'a str,
    pub assigned_by: &'a str,
    pub assigned_at: NaiveDateTime,
}

pub fn insert_assignment(conn: &mut DbConn, new: &NewAssignment<'_>) -> QueryResult<()> {
    diesel::insert_into(review_assignments::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

/// An application's assignments with each reviewer's name, in the order made.
pub fn list_assignments(
    conn: &mut DbConn,
    application_id: &str,
) -> QueryResult<Vec<(Assignment, String)>> {
    review_assignments::table
        .inner_join(users::table.on(users::id.eq(review_assignments::reviewer_id)))
        .filter(review_assignments::application_id.eq(application_id))
        .order(review_assignments::assigned_at.asc())
        .select((Assignment::as_select(), users::name))
        .load(conn)
}

/// Applications with a review still waiting on this reviewer.
pub fn list_pending_application_ids(
    conn: &mut DbConn,
    reviewer_id: &str,
) -> QueryResult<Vec<String>> {
    review_assignments::table
        .filter(review_assignments::reviewer_id.eq(reviewer_id))
        .filter(review_assignments::completed_at.is_null())
        .select(review_assignments::application_id)
        .distinct()
        .load(conn)
}

pub fn find_assignment(conn: &mut DbConn, id: &str) -> QueryResult<Option<Assignment>> {
    if !can_name_a_row(id) {
        return Ok(None);
    }
    review_assignments::table
        .find(id)
        .select(Assignment::as_select())
        .first(conn)
        .optional()
}

/// Records a recommendation if the review is still open; returns the rows changed.
pub fn complete_assignment(
    conn: &mut DbConn,
    id: &str,
    recommendation: &str,
    comments: &str,
    conditions: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        review_assignments::table
            .filter(review_assignments::id.eq(id))
            .filter(review_assignments::completed_at.is_null()),
    )
    .set((
        review_assignments::recommendation.eq(recommendation),
        review_assignments::comments.eq(comments),
        review_assignments::conditions.eq(conditions),
        review_assignments::completed_at.eq(at),
    ))
    .execute(conn)
}

/// Closes an open review without a recommendation, as withdrawn by the secretariat;
/// returns the rows changed.
pub fn withdraw_assignment(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        review_assignments::table
            .filter(review_assignments::id.eq(id))
            .filter(review_assignments::completed_at.is_null()),
    )
    .set((
        review_assignments::recommendation.eq("withdrawn"),
        review_assignments::completed_at.eq(at),
    ))
    .execute(conn)
}

/// Closes a member's open reviews of an application as recused.
pub fn recuse_assignments(
    conn: &mut DbConn,
    application_id: &str,
    reviewer_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        review_assignments::table
            .filter(review_assignments::application_id.eq(application_id))
            .filter(review_assignments::reviewer_id.eq(reviewer_id))
            .filter(review_assignments::completed_at.is_null()),
    )
    .set((
        review_assignments::recommendation.eq("recused"),
        review_assignments::completed_at.eq(at),
    ))
    .execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = recusals)]
pub struct Recusal {
    pub application_id: String,
    pub user_id: String,
    pub reason: String,
    pub declared_at: NaiveDateTime,
}

pub fn insert_recusal(conn: &mut DbConn, recusal: &Recusal) -> QueryResult<()> {
    diesel::insert_into(recusals::table)
        .values(recusal)
        .execute(conn)
        .map(drop)
}

/// An application's recusals with each member's name.
pub fn list_recusals(
    conn: &mut DbConn,
    application_id: &str,
) -> QueryResult<Vec<(Recusal, String)>> {
    recusals::table
        .inner_join(users::table.on(users::id.eq(recusals::user_id)))
        .filter(recusals::application_id.eq(application_id))
        .order(recusals::declared_at.asc())
        .select((Recusal::as_select(), users::name))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = votes)]
pub struct Vote {
    pub application_id: String,
    pub voter_id: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub choice: Choice,
    pub reason: String,
    pub cast_at: NaiveDateTime,
    /// The voter was an active committee member, not recused, when casting it.
    pub voter_eligible: bool,
}

pub fn insert_vote(conn: &mut DbConn, vote: Vote) -> QueryResult<()> {
    diesel::insert_into(votes::table)
        .values(vote)
        .execute(conn)
        .map(drop)
}

/// An application's votes with each voter's name and role.
pub fn list_votes(
    conn: &mut DbConn,
    application_id: &str,
) -> QueryResult<Vec<(Vote, String, String)>> {
    votes::table
        .inner_join(users::table.on(users::id.eq(votes::voter_id)))
        .filter(votes::application_id.eq(application_id))
        .order(votes::cast_at.asc())
        .select((Vote::as_select(), users::name, users::role))
        .load(conn)
}

/// Applications in `voting` on which this member has neither voted nor recused.
pub fn list_unvoted_application_ids(
    conn: &mut DbConn,
    member_id: &str,
    voting_ids: &[String],
) -> QueryResult<Vec<String>> {
    let voted: Vec<String> = votes::table
        .filter(votes::voter_id.eq(member_id))
        .filter(votes::application_id.eq_any(voting_ids))
        .select(votes::application_id)
        .load(conn)?;
    let recused: Vec<String> = recusals::table
        .filter(recusals::user_id.eq(member_id))
        .filter(recusals::application_id.eq_any(voting_ids))
        .select(recusals::application_id)
        .load(conn)?;
    Ok(voting_ids
        .iter()
        .filter(|id| !voted.contains(id) && !recused.contains(id))
        .cloned()
        .collect())
}

/// An active committee member.
#[derive(Debug, Clone, Queryable)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub review_domains: String,
}

/// Every active committee member, by name.
pub fn list_members(conn: &mut DbConn) -> QueryResult<Vec<Member>> {
    users::table
        .filter(users::committee_member.eq(true))
        .filter(users::active.eq(true))
        .order(users::name.asc())
        .select((users::id, users::name, users::review_domains))
        .load(conn)
}
