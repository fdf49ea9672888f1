//! `attachments`: files a provider adds to an application, stored in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::attachments;

/// An attachment without its content, for lists.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentInfo {
    pub id: String,
    pub application_id: String,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment<'a> {
    pub id: &'a str,
    pub application_id: &'a str,
    pub kind: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: &'a str,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewAttachment<'_>) -> QueryResult<()> {
    diesel::insert_into(attachments::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

pub fn list_for_application(
    conn: &mut DbConn,
    application_id: &str,
) -> QueryResult<Vec<AttachmentInfo>> {
    attachments::table
        .filter(attachments::application_id.eq(application_id))
        .order(attachments::uploaded_at.asc())
        .select(AttachmentInfo::as_select())
        .load(conn)
}

/// An attachment of a given application, with its content.
pub fn find_with_content(
    conn: &mut DbConn,
    application_id: &str,
    id: &str,
) -> QueryResult<Option<(AttachmentInfo, Vec<u8>)>> {
    attachments::table
        .filter(attachments::id.eq(id))
        .filter(attachments::application_id.eq(application_id))
        .select((AttachmentInfo::as_select(), attachments::content))
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConn, application_id: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        attachments::table
            .filter(attachments::id.eq(id))
            .filter(attachments::application_id.eq(application_id)),
    )
    .execute(conn)
}
