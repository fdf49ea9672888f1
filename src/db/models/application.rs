//! `applications`, `application_revisions` and `sequence_counters`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::json::Json;
use crate::db::schema::{application_revisions, applications, organisations};
use crate::db::{DbConn, Position, escape_like};
use crate::domain::application::Status;
use crate::domain::application_form::{ApplicationContent, Kind};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub reference: Option<String>,
    pub organisation_id: String,
    pub created_by: String,
    #[diesel(deserialize_as = String)]
    pub kind: Kind,
    #[diesel(deserialize_as = String)]
    pub status: Status,
    #[diesel(deserialize_as = Json<ApplicationContent>)]
    pub content: ApplicationContent,
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

impl From<Json<ApplicationContent>> for ApplicationContent {
    fn from(json: Json<ApplicationContent>) -> Self {
        json.0
    }
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

/// The id of the application with this reference (e.g. `APP-2026-00001`).
pub fn id_by_reference(conn: &mut DbConn, reference: &str) -> QueryResult<Option<String>> {
    applications::table
        .filter(applications::reference.eq(reference))
        .select(applications::id)
        .first(conn)
        .optional()
}

/// The references of these applications (none while a draft), by id.
pub fn references_of(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<Vec<(String, Option<String>)>> {
    applications::table
        .filter(applications::id.eq_any(ids))
        .select((applications::id, applications::reference))
        .load(conn)
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
///
/// Read one state at a time and merged here: asked for several at once, SQLite's planner
/// reads every application of every organisation to find the few open ones (230 ms at
/// 100,000 applications), while one state is a range of `applications_status_due`.
pub fn list_in_states(conn: &mut DbConn, states: &[Status]) -> QueryResult<Vec<ApplicationRow>> {
    let mut rows = Vec::new();
    for state in states {
        rows.extend(
            applications::table
                .inner_join(organisations::table)
                .filter(applications::status.eq(state.as_str()))
                .select((
                    Application::as_select(),
                    organisations::name_lo,
                    organisations::name_en,
                ))
                .load::<ApplicationRow>(conn)?,
        );
    }
    rows.sort_by_key(|(a, _, _)| {
        (
            a.decision_due_at.is_none(),
            a.decision_due_at,
            a.submitted_at,
        )
    });
    Ok(rows)
}

/// The ids of the applications in one of `states`.
pub fn ids_in_states(conn: &mut DbConn, states: &[Status]) -> QueryResult<Vec<String>> {
    applications::table
        .filter(applications::status.eq_any(texts(states)))
        .select(applications::id)
        .load(conn)
}

/// The stored texts of `states`, for a filter.
fn texts(states: &[Status]) -> Vec<&'static str> {
    states.iter().map(|s| s.as_str()).collect()
}

/// What the committee's list of applications is narrowed to. Drafts are never in it.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub states: Vec<Status>,
    /// Only those whose decision was due before this time.
    pub due_before: Option<NaiveDateTime>,
    /// Part of the reference (upper case) or the ids of the providers whose names match.
    pub text: Option<(String, Vec<String>)>,
    /// Newest submission first (else oldest first, the order of work).
    pub newest_first: bool,
}

/// An application's place in the list: when it was submitted, and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCursor {
    pub submitted_at: NaiveDateTime,
    pub id: String,
}

/// The filter's conditions but its states, which the list and the count name differently.
macro_rules! cases_filtered {
    ($query:expr, $filter:expr) => {{
        let filter: &CaseFilter = $filter;
        let mut query = $query.filter(applications::submitted_at.is_not_null());
        if let Some(due) = filter.due_before {
            query = query.filter(applications::decision_due_at.lt(due));
        }
        if let Some((reference, providers)) = &filter.text {
            query = query.filter(
                applications::reference
                    .like(format!("%{}%", escape_like(reference)))
                    .escape('\\')
                    .or(applications::organisation_id.eq_any(providers.clone())),
            );
        }
        query
    }};
}

/// Rows after the cursor in the list's order, or before it; `descending` is the order.
macro_rules! cases_beyond {
    ($query:expr, $cursor:expr, $descending:expr) => {{
        let cursor: &CaseCursor = $cursor;
        let at = cursor.submitted_at;
        // The redundant first bound gives the planners a range of the index to start at.
        if $descending {
            $query.filter(applications::submitted_at.le(at)).filter(
                applications::submitted_at
                    .lt(at)
                    .or(applications::id.lt(cursor.id.clone())),
            )
        } else {
            $query.filter(applications::submitted_at.ge(at)).filter(
                applications::submitted_at
                    .gt(at)
                    .or(applications::id.gt(cursor.id.clone())),
            )
        }
    }};
}

/// `limit` submitted applications the filter matches at `position`, with their
/// organisation's names.
///
/// Read one state at a time, each through `applications_status_submitted` in the list's
/// order, and merged here: asked for several states at once, SQLite's planner walks every
/// submitted application in order rather than sort the few open ones (50–60 ms against
/// 2 ms at 100,000 applications), and each state's range ends after `limit` rows.
pub fn list_cases(
    conn: &mut DbConn,
    filter: &CaseFilter,
    position: Position<&CaseCursor>,
    limit: i64,
) -> QueryResult<Vec<ApplicationRow>> {
    // Read before a cursor, the list is read the other way, then turned round.
    let backwards = matches!(position, Position::Before(_));
    let descending = filter.newest_first != backwards;
    let mut rows = Vec::new();
    for state in &filter.states {
        rows.extend(list_cases_in(
            conn, filter, *state, position, descending, limit,
        )?);
    }
    rows.sort_by(|(a, _, _), (b, _, _)| {
        let order = (a.submitted_at, &a.id).cmp(&(b.submitted_at, &b.id));
        if descending { order.reverse() } else { order }
    });
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    if backwards {
        rows.reverse();
    }
    Ok(rows)
}

/// `limit` rows of [`list_cases`] in one state, in the order `descending` names.
fn list_cases_in(
    conn: &mut DbConn,
    filter: &CaseFilter,
    state: Status,
    position: Position<&CaseCursor>,
    descending: bool,
    limit: i64,
) -> QueryResult<Vec<ApplicationRow>> {
    let mut query = cases_filtered!(
        applications::table
            .inner_join(organisations::table)
            .select((
                Application::as_select(),
                organisations::name_lo,
                organisations::name_en,
            ))
            .filter(applications::status.eq(state.as_str()))
            .into_boxed(),
        filter
    );
    query = match position {
        Position::Start => query,
        Position::After(cursor) | Position::Before(cursor) => {
            cases_beyond!(query, cursor, descending)
        }
    };
    query = if descending {
        query.order((applications::submitted_at.desc(), applications::id.desc()))
    } else {
        query.order((applications::submitted_at.asc(), applications::id.asc()))
    };
    query.limit(limit).load::<ApplicationRow>(conn)
}

/// How many submitted applications the filter matches: all, or those before the cursor
/// in the list's order.
pub fn count_cases(
    conn: &mut DbConn,
    filter: &CaseFilter,
    before: Option<&CaseCursor>,
) -> QueryResult<i64> {
    let mut query = cases_filtered!(
        applications::table
            .filter(applications::status.eq_any(texts(&filter.states)))
            .into_boxed(),
        filter
    );
    if let Some(cursor) = before {
        query = cases_beyond!(query, cursor, !filter.newest_first);
    }
    query.count().get_result(conn)
}

/// How many applications in one of `states` were due to be decided before `now`.
pub fn count_due_before(
    conn: &mut DbConn,
    states: &[Status],
    now: NaiveDateTime,
) -> QueryResult<i64> {
    applications::table
        .filter(applications::status.eq_any(texts(states)))
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

/// Saves an application's content, only while it is still in `status`: a stale or
/// concurrent change of state changes no row.
pub fn update_content(
    conn: &mut DbConn,
    id: &str,
    status: Status,
    content: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq(status.as_str())),
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
    from: Status,
    to: Status,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        applications::table
            .filter(applications::id.eq(id))
            .filter(applications::status.eq(from.as_str())),
    )
    .set((
        applications::status.eq(to.as_str()),
        applications::updated_at.eq(at),
    ))
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

#[cfg(test)]
mod tests {
    use diesel::Connection as _;
    use diesel::connection::SimpleConnection as _;
    use diesel::sqlite::SqliteConnection;

    use super::*;
    use crate::db::run_migrations;

    fn database_with(status: &str, content: &str) -> DbConn {
        let mut conn =
            DbConn::Sqlite(SqliteConnection::establish(":memory:").expect("an in-memory database"));
        run_migrations(&mut conn).expect("the schema");
        // The row alone is under test, not its organisation and author.
        conn.batch_execute("PRAGMA foreign_keys = OFF")
            .expect("foreign keys off");
        let at = NaiveDateTime::default();
        insert(
            &mut conn,
            &NewApplication {
                id: "app_1",
                organisation_id: "org_1",
                created_by: "user_1",
                kind: Kind::New.as_str(),
                status,
                content,
                created_at: at,
                updated_at: at,
            },
        )
        .expect("the row");
        conn
    }

    #[test]
    fn a_row_loads_with_its_typed_fields() {
        let content = r#"{"values":{"contact_name":"Noy"},"declaration_accepted":true}"#;
        let mut conn = database_with("info_requested", content);
        let app = find(&mut conn, "app_1").unwrap().expect("the application");
        assert_eq!(app.status, Status::InfoRequested);
        assert_eq!(app.kind, Kind::New);
        assert_eq!(app.content.get("contact_name"), "Noy");
        assert!(app.content.declaration_accepted);
    }

    #[test]
    fn an_unknown_status_in_a_row_is_a_load_error_naming_it() {
        let mut conn = database_with("archived", "{\"values\":{},\"declaration_accepted\":false}");
        let error = find(&mut conn, "app_1").expect_err("no default status");
        assert!(
            matches!(error, diesel::result::Error::DeserializationError(_)),
            "{error:?}"
        );
        let logged = format!("{:#}", anyhow::Error::from(error));
        assert!(logged.contains("\"archived\""), "{logged}");
    }

    #[test]
    fn content_that_is_not_an_application_is_a_load_error_not_an_empty_form() {
        let mut conn = database_with("draft", "{\"values\":");
        let error = find(&mut conn, "app_1").expect_err("no empty content");
        assert!(
            matches!(error, diesel::result::Error::DeserializationError(_)),
            "{error:?}"
        );
        let logged = format!("{:#}", anyhow::Error::from(error));
        assert!(logged.contains("field 'content'"), "{logged}");
        assert!(logged.contains("ApplicationContent"), "{logged}");
    }
}
