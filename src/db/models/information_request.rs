//! `information_requests`: the secretariat's questions to a provider, with a deadline.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::information_requests;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = information_requests)]
pub struct InformationRequest {
    pub id: String,
    pub application_id: String,
    pub questions: String,
    pub deadline_at: NaiveDateTime,
    pub requested_by: String,
    pub requested_at: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub lapsed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = information_requests)]
pub struct NewInformationRequest<'a> {
    pub id: &'a str,
    pub application_id: &'a str,
    pub questions: &'a str,
    pub deadline_at: NaiveDateTime,
    pub requested_by: &'a str,
    pub requested_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewInformationRequest<'_>) -> QueryResult<()> {
    diesel::insert_into(information_requests::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

/// The request still waiting for an answer, if any.
pub fn find_open(
    conn: &mut DbConn,
    application_id: &str,
) -> QueryResult<Option<InformationRequest>> {
    information_requests::table
        .filter(information_requests::application_id.eq(application_id))
        .filter(information_requests::answered_at.is_null())
        .filter(information_requests::lapsed_at.is_null())
        .select(InformationRequest::as_select())
        .first(conn)
        .optional()
}

pub fn list_for_application(
    conn: &mut DbConn,
    application_id: &str,
) -> QueryResult<Vec<InformationRequest>> {
    information_requests::table
        .filter(information_requests::application_id.eq(application_id))
        .order(information_requests::requested_at.asc())
        .select(InformationRequest::as_select())
        .load(conn)
}

/// Open requests whose deadline has passed.
pub fn list_past_deadline(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Vec<InformationRequest>> {
    information_requests::table
        .filter(information_requests::answered_at.is_null())
        .filter(information_requests::lapsed_at.is_null())
        .filter(information_requests::deadline_at.lt(now))
        .select(InformationRequest::as_select())
        .load(conn)
}

/// Records the answer if the request is still open; returns the rows changed.
pub fn record_answer(
    conn: &mut DbConn,
    id: &str,
    answer: &str,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        information_requests::table
            .filter(information_requests::id.eq(id))
            .filter(information_requests::answered_at.is_null())
            .filter(information_requests::lapsed_at.is_null()),
    )
    .set((
        information_requests::answer.eq(answer),
        information_requests::answered_by.eq(by),
        information_requests::answered_at.eq(at),
    ))
    .execute(conn)
}

/// Marks an open request lapsed; returns the rows changed.
pub fn record_lapse(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        information_requests::table
            .filter(information_requests::id.eq(id))
            .filter(information_requests::answered_at.is_null())
            .filter(information_requests::lapsed_at.is_null()),
    )
    .set(information_requests::lapsed_at.eq(at))
    .execute(conn)
}
