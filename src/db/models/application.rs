//! `applications`, `application_revisions` and `sequence_counters`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{application_revisions, applications, organisations};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub reference: Option<String>,
    pub organisation_id: String,
    pub created_by: String,
    pub kind: String,
    pub status: String,
    pub content: String,
    pub revision: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub clock_paused_seconds: i64,
    pub decision_due_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub vote_opened_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
    pub decision_conditions: String,
    pub decision_validity_months: Option<i32>,
    pub decision_legal_basis: String,
    pub decision_reasons: String,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = applications)]
pub struct NewApplication<'a> {
    pub id: &'a str,
    pub organisation_id: &'a str,
    pub created_by: &'a str,
    pub kind: &'a str,
    pub status: &'a str,
    pub content: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An application with its organisation's names, for lists.
pub type ApplicationRow = (Application, String, String);

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Application>> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()
}

/// The application, locked until the transaction ends, for a change computed from what it
/// holds: on PostgreSQL a concurrent change waits for this one and then reads its result
/// (SQLite's write transaction already has the whole database to itself).
pub fn find_for_update(conn: &mut DbConn, id: &str) -> QueryResult<Option<Application>> {
    let query = applications::table.find(id);
    match conn {
        DbConn::Pg(c) => query
            .select(Application::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(c) => query.select(Application::as_select()).first(c).optional(),
    }
}

pub fn insert(conn: &mut DbConn, new: &NewApplication<'_>) -> QueryResult<()> {
    diesel::insert_into(applications::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

/// An organisation's applications, newest first.
pub fn list_by_organisation(
    conn: &mut DbConn,
    organisation_id: &str,
) -> QueryResult<Vec<Application>> {
    applications::table
        .filter(applications::organisation_id.eq(organisation_id))
        .order(applications::created_at.desc())
        .select(Application::as_select())
        .load(conn)
}

/// Applications in the given states with their organisation's names, the earliest
/// decision due date first (undated last).
pub fn list_in_states(conn: &mut DbConn, states: &[&str]) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .inner_join(organisations::table)
        .filter(applications::status.eq_any(states))
        .order((
            applications::decision_due_at.is_null(),
            applications::decision_due_at.asc(),
            applications::submitted_at.asc(),
        ))
        .select((
            Application::as_select(),
            organisations::name_lo,
            organisations::name_en,
        ))
        .load(conn)
}

/// How many applications in one of `states` were due to be decided before `now`.
pub fn count_due_before(
    conn: &mut DbConn,
    states: &[&str],
    now: NaiveDateTime,
) -> QueryResult<i64> {
    applications::table
        .filter(applications::status.eq_any(states))
        .filter(applications::decision_due_at.lt(now))
        .count()
        .get_result(conn)
}

/// Applications by id with their organisation's names, the earliest due first.
pub fn list_by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<ApplicationRow>> {
    applications::table
        .inner_join(organisations::table)
        .filter(applications::id.eq_any(ids))
        .order((
            applications::decision_due_at.is_null(),
            applications::decision_due_at.asc(),
        ))
        .select((
            Application::as_select(),
            organisations::name_lo,
            organisations::name_en,
        ))
        .load(conn)
}

/// Saves a draft's content, only while the application is in one of `editable` states.
pub fn update_content(
    conn: &mut DbConn,
    id: &str,
    editable: &[&str],
    content: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq_any(editable)),
    )
    .set((
        applications::content.eq(content),
        applications::updated_at.eq(at),
    ))
    .execute(conn)
}

/// Moves an application from `from` to `to` if, and only if, it is still in `from`:
/// a stale or repeated request changes no row.
pub fn update_status(
    conn: &mut DbConn,
    id: &str,
    from: &str,
    to: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq(from)),
    )
    .set((applications::status.eq(to), applications::updated_at.eq(at)))
    .execute(conn)
}

/// What a submission records beside the state change.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = applications)]
pub struct SubmissionChanges<'a> {
    pub reference: Option<&'a str>,
    pub revision: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub decision_due_at: Option<NaiveDateTime>,
    pub clock_paused_seconds: i64,
}

/// What the chair's signature records.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = applications, treat_none_as_null = true)]
pub struct DecisionChanges<'a> {
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<&'a str>,
    pub decision_conditions: &'a str,
    pub decision_validity_months: Option<i32>,
    pub decision_legal_basis: &'a str,
    pub decision_reasons: &'a str,
}

pub fn record_submission(
    conn: &mut DbConn,
    id: &str,
    changes: &SubmissionChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(applications::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn record_decision(
    conn: &mut DbConn,
    id: &str,
    changes: &DecisionChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(applications::table.find(id))
        .set(changes)
        .execute(conn)
}

pub fn set_completed_at(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(applications::table.find(id))
        .set(applications::completed_at.eq(at))
        .execute(conn)
}

pub fn set_vote_opened_at(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(applications::table.find(id))
        .set(applications::vote_opened_at.eq(at))
        .execute(conn)
}

pub fn set_closed_at(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(applications::table.find(id))
        .set(applications::closed_at.eq(at))
        .execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = application_revisions)]
pub struct Revision {
    pub id: String,
    pub application_id: String,
    pub number: i32,
    pub snapshot: String,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = application_revisions)]
pub struct NewRevision<'a> {
    pub id: &'a str,
    pub application_id: &'a str,
    pub number: i32,
    pub snapshot: &'a str,
    pub submitted_by: &'a str,
    pub submitted_at: NaiveDateTime,
}

pub fn insert_revision(conn: &mut DbConn, new: &NewRevision<'_>) -> QueryResult<()> {
    diesel::insert_into(application_revisions::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

/// Every submitted version, oldest first.
pub fn list_revisions(conn: &mut DbConn, application_id: &str) -> QueryResult<Vec<Revision>> {
    application_revisions::table
        .filter(application_revisions::application_id.eq(application_id))
        .order(application_revisions::number.asc())
        .select(Revision::as_select())
        .load(conn)
}

/// (found complete, decided) for every decided application, for the statistics.
pub fn list_decision_durations(
    conn: &mut DbConn,
) -> QueryResult<Vec<(NaiveDateTime, NaiveDateTime)>> {
    let rows: Vec<(Option<NaiveDateTime>, Option<NaiveDateTime>)> = applications::table
        .filter(applications::completed_at.is_not_null())
        .filter(applications::decided_at.is_not_null())
        .select((applications::completed_at, applications::decided_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, b)| Some((a?, b?)))
        .collect())
}
