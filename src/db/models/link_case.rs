//! `link_cases` and `link_case_files`: show-cause cases against an organisation about a
//! link routing shows, opened from a finding, and the files its provider sends.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{link_case_files, link_cases};

/// A show-cause case about a link; each stage's particulars stay empty until it is
/// reached.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = link_cases)]
pub struct LinkCase {
    pub id: String,
    pub finding_id: String,
    pub organisation_id: String,
    pub connection_id: Option<String>,
    pub stage: String,
    pub notice: String,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub response_deadline: NaiveDateTime,
    pub answer: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub disconnection_deadline: Option<NaiveDateTime>,
    pub confirmation: Option<String>,
    pub confirmed_at: Option<NaiveDateTime>,
    pub verified_by: Option<String>,
    pub verified_at: Option<NaiveDateTime>,
    pub still_seen_reason: Option<String>,
    pub evidence: String,
}

/// A file of a case, with its content.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = link_case_files)]
pub struct LinkCaseFile {
    pub id: String,
    pub case_id: String,
    pub purpose: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub content: Vec<u8>,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

/// A file's particulars, without its content, for a page listing it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = link_case_files)]
pub struct LinkCaseFileInfo {
    pub id: String,
    pub purpose: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, case: &LinkCase) -> QueryResult<usize> {
    diesel::insert_into(link_cases::table)
        .values(case)
        .execute(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<LinkCase>> {
    link_cases::table
        .find(id)
        .select(LinkCase::as_select())
        .first(conn)
        .optional()
}

/// The cases opened on a finding, oldest first.
pub fn list_for_finding(conn: &mut DbConn, finding_id: &str) -> QueryResult<Vec<LinkCase>> {
    link_cases::table
        .filter(link_cases::finding_id.eq(finding_id))
        .order((link_cases::opened_at.asc(), link_cases::id.asc()))
        .select(LinkCase::as_select())
        .load(conn)
}

/// An organisation's cases, newest first.
pub fn list_for_organisation(
    conn: &mut DbConn,
    organisation_id: &str,
) -> QueryResult<Vec<LinkCase>> {
    link_cases::table
        .filter(link_cases::organisation_id.eq(organisation_id))
        .order((link_cases::opened_at.desc(), link_cases::id.desc()))
        .select(LinkCase::as_select())
        .load(conn)
}

/// The cases in any of `stages`, oldest first.
pub fn list_in_stages(conn: &mut DbConn, stages: &[&str]) -> QueryResult<Vec<LinkCase>> {
    link_cases::table
        .filter(link_cases::stage.eq_any(stages))
        .order((link_cases::opened_at.asc(), link_cases::id.asc()))
        .select(LinkCase::as_select())
        .load(conn)
}

/// Writes a case's moved stage and particulars if it is still in stage `from`; the
/// number of rows written (0 when another request moved it first).
pub fn update_from(conn: &mut DbConn, case: &LinkCase, from: &str) -> QueryResult<usize> {
    diesel::update(
        link_cases::table
            .filter(link_cases::id.eq(&case.id))
            .filter(link_cases::stage.eq(from)),
    )
    .set((
        link_cases::stage.eq(&case.stage),
        link_cases::answer.eq(&case.answer),
        link_cases::answered_at.eq(case.answered_at),
        link_cases::decision.eq(&case.decision),
        link_cases::decided_by.eq(&case.decided_by),
        link_cases::decided_at.eq(case.decided_at),
        link_cases::disconnection_deadline.eq(case.disconnection_deadline),
        link_cases::confirmation.eq(&case.confirmation),
        link_cases::confirmed_at.eq(case.confirmed_at),
        link_cases::verified_by.eq(&case.verified_by),
        link_cases::verified_at.eq(case.verified_at),
        link_cases::still_seen_reason.eq(&case.still_seen_reason),
    ))
    .execute(conn)
}

pub fn insert_file(conn: &mut DbConn, file: &LinkCaseFile) -> QueryResult<usize> {
    diesel::insert_into(link_case_files::table)
        .values(file)
        .execute(conn)
}

/// A case's files, without their content, oldest first.
pub fn list_files(conn: &mut DbConn, case_id: &str) -> QueryResult<Vec<LinkCaseFileInfo>> {
    link_case_files::table
        .filter(link_case_files::case_id.eq(case_id))
        .order((
            link_case_files::uploaded_at.asc(),
            link_case_files::id.asc(),
        ))
        .select(LinkCaseFileInfo::as_select())
        .load(conn)
}

/// One file of a case, with its content.
pub fn find_file(
    conn: &mut DbConn,
    case_id: &str,
    file_id: &str,
) -> QueryResult<Option<LinkCaseFile>> {
    link_case_files::table
        .filter(link_case_files::case_id.eq(case_id))
        .filter(link_case_files::id.eq(file_id))
        .select(LinkCaseFile::as_select())
        .first(conn)
        .optional()
}
