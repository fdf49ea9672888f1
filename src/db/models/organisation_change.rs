//! `organisation_changes`: proposed changes of an organisation's legal identity, with the
//! values they would replace and their outcome.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{organisation_changes, organisations};
use crate::db::{DbConn, can_name_a_row};
use crate::domain::organisation_change::{ChangeStatus, LegalIdentity};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = organisation_changes)]
pub struct OrganisationChange {
    pub id: String,
    pub organisation_id: String,
    #[diesel(deserialize_as = String)]
    pub status: ChangeStatus,
    pub name_en: String,
    pub name_lo: String,
    pub registration_number: String,
    pub licence_number: String,
    pub asns: String,
    pub previous_name_en: String,
    pub previous_name_lo: String,
    pub previous_registration_number: String,
    pub previous_licence_number: String,
    pub previous_asns: String,
    pub proposed_by: String,
    pub proposed_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub reason: String,
}

impl OrganisationChange {
    pub fn proposed(&self) -> LegalIdentity {
        LegalIdentity {
            name_en: self.name_en.clone(),
            name_lo: self.name_lo.clone(),
            registration_number: self.registration_number.clone(),
            licence_number: self.licence_number.clone(),
            asns: self.asns.clone(),
        }
    }

    pub fn previous(&self) -> LegalIdentity {
        LegalIdentity {
            name_en: self.previous_name_en.clone(),
            name_lo: self.previous_name_lo.clone(),
            registration_number: self.previous_registration_number.clone(),
            licence_number: self.previous_licence_number.clone(),
            asns: self.previous_asns.clone(),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisation_changes)]
pub struct NewOrganisationChange<'a> {
    pub id: &'a str,
    pub organisation_id: &'a str,
    pub status: &'a str,
    pub name_en: &'a str,
    pub name_lo: &'a str,
    pub registration_number: &'a str,
    pub licence_number: &'a str,
    pub asns: &'a str,
    pub previous_name_en: &'a str,
    pub previous_name_lo: &'a str,
    pub previous_registration_number: &'a str,
    pub previous_licence_number: &'a str,
    pub previous_asns: &'a str,
    pub proposed_by: &'a str,
    pub proposed_at: NaiveDateTime,
}

/// A request with its organisation's approved names, for the secretariat's list.
#[derive(Debug, Clone, Queryable)]
pub struct OrganisationChangeView {
    pub change: OrganisationChange,
    pub organisation_name_en: String,
    pub organisation_name_lo: String,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<OrganisationChange>> {
    if !can_name_a_row(id) {
        return Ok(None);
    }
    organisation_changes::table
        .find(id)
        .select(OrganisationChange::as_select())
        .first(conn)
        .optional()
}

pub fn find_pending_for(
    conn: &mut DbConn,
    organisation_id: &str,
) -> QueryResult<Option<OrganisationChange>> {
    organisation_changes::table
        .filter(organisation_changes::organisation_id.eq(organisation_id))
        .filter(organisation_changes::status.eq(ChangeStatus::Pending.as_str()))
        .select(OrganisationChange::as_select())
        .first(conn)
        .optional()
}

/// Every request of one organisation, newest first.
pub fn list_for_organisation(
    conn: &mut DbConn,
    organisation_id: &str,
) -> QueryResult<Vec<OrganisationChange>> {
    organisation_changes::table
        .filter(organisation_changes::organisation_id.eq(organisation_id))
        .order((
            organisation_changes::proposed_at.desc(),
            organisation_changes::id.desc(),
        ))
        .select(OrganisationChange::as_select())
        .load(conn)
}

/// Pending requests with their organisations' names, oldest first (the order they are
/// worked in).
pub fn list_pending(conn: &mut DbConn) -> QueryResult<Vec<OrganisationChangeView>> {
    organisation_changes::table
        .inner_join(organisations::table)
        .filter(organisation_changes::status.eq(ChangeStatus::Pending.as_str()))
        .order((
            organisation_changes::proposed_at.asc(),
            organisation_changes::id.asc(),
        ))
        .select((
            OrganisationChange::as_select(),
            organisations::name_en,
            organisations::name_lo,
        ))
        .load(conn)
}

/// The last `limit` requests decided or withdrawn, newest first.
pub fn list_closed(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<OrganisationChangeView>> {
    organisation_changes::table
        .inner_join(organisations::table)
        .filter(organisation_changes::status.ne(ChangeStatus::Pending.as_str()))
        .order((
            organisation_changes::decided_at.desc(),
            organisation_changes::id.desc(),
        ))
        .limit(limit)
        .select((
            OrganisationChange::as_select(),
            organisations::name_en,
            organisations::name_lo,
        ))
        .load(conn)
}

pub fn insert(conn: &mut DbConn, new: &NewOrganisationChange<'_>) -> QueryResult<()> {
    diesel::insert_into(organisation_changes::table)
        .values(new)
        .execute(conn)
        .map(drop)
}

/// Ends a pending request; returns the rows changed (0 when it was no longer pending).
pub fn close_pending(
    conn: &mut DbConn,
    id: &str,
    status: ChangeStatus,
    decided_by: Option<&str>,
    decided_at: NaiveDateTime,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(
        organisation_changes::table
            .find(id)
            .filter(organisation_changes::status.eq(ChangeStatus::Pending.as_str())),
    )
    .set((
        organisation_changes::status.eq(status.as_str()),
        organisation_changes::decided_by.eq(decided_by),
        organisation_changes::decided_at.eq(Some(decided_at)),
        organisation_changes::reason.eq(reason),
    ))
    .execute(conn)
}
