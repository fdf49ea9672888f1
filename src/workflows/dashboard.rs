//! What needs the signed-in person, for the dashboard, and the states in which an
//! application is open before the committee (which the committee's inbox lists). Reads
//! only: nothing here changes anything.

use chrono::NaiveDate;

use crate::db::DbConn;
use crate::db::models::application::{self as app_db, Application, ApplicationRow};
use crate::db::models::committee as committee_db;
use crate::db::models::connection::{self as connection_db, Connection, ShowCause};
use crate::db::models::information_request::{self as rfi_db, InformationRequest};
use crate::db::models::user as user_db;
use crate::domain::application::Status;
use crate::domain::connection::ConnectionStatus;
use crate::workflows::WorkflowError;

/// How far ahead a provider is shown the connections about to expire, in days: the first
/// expiry reminder goes out this long before the end.
pub const EXPIRY_WINDOW_DAYS: i64 = 90;

/// States in which an application is before the committee.
pub const OPEN_STATES: [Status; 5] = [
    Status::Submitted,
    Status::Screening,
    Status::InfoRequested,
    Status::InReview,
    Status::Voting,
];

/// The open states in which the legal clock runs: an application in one of these is
/// overdue once its decision date has passed.
pub fn running_states() -> Vec<Status> {
    OPEN_STATES.into_iter().filter(|s| s.clock_runs()).collect()
}

/// What an organisation has to do, and where its applications stand.
#[derive(Debug, Clone)]
pub struct ProviderWork {
    /// Open information requests with their application, soonest deadline first.
    pub requests: Vec<(Application, InformationRequest)>,
    /// Undecided show-cause cases against its connections, soonest deadline first.
    pub cases: Vec<(Connection, ShowCause)>,
    /// Revoked connections whose disconnection it has not yet confirmed.
    pub disconnections: Vec<Connection>,
    /// Active connections ending within [`EXPIRY_WINDOW_DAYS`], soonest first.
    pub expiring: Vec<Connection>,
    /// Every application, newest first (drafts and the counts by state come from here).
    pub applications: Vec<Application>,
}

pub fn provider_work(
    conn: &mut DbConn,
    organisation_id: &str,
    today: NaiveDate,
) -> Result<ProviderWork, WorkflowError> {
    let applications = app_db::list_by_organisation(conn, organisation_id)?;
    let mut requests = Vec::new();
    for app in applications
        .iter()
        .filter(|a| a.status == Status::InfoRequested)
    {
        if let Some(request) = rfi_db::find_open(conn, &app.id)? {
            requests.push((app.clone(), request));
        }
    }
    requests.sort_by_key(|(_, r)| r.deadline_at);
    let connections = connection_db::list_by_organisation(conn, organisation_id)?;
    let cases = connection_db::list_open_show_causes(conn)?
        .into_iter()
        .filter_map(|case| {
            connections
                .iter()
                .find(|c| c.id == case.connection_id)
                .map(|c| (c.clone(), case))
        })
        .collect();
    let disconnections = connections
        .iter()
        .filter(|c| {
            c.status == ConnectionStatus::Revoked
                && c.disconnection_deadline.is_some()
                && c.disconnection_confirmed_at.is_none()
        })
        .cloned()
        .collect();
    let mut expiring: Vec<Connection> = connections
        .into_iter()
        .filter(|c| {
            c.status == ConnectionStatus::Active
                && (c.valid_until - today).num_days() <= EXPIRY_WINDOW_DAYS
        })
        .collect();
    expiring.sort_by_key(|c| c.valid_until);
    Ok(ProviderWork {
        requests,
        cases,
        disconnections,
        expiring,
        applications,
    })
}

/// The applications before the committee, and those waiting on one member.
#[derive(Debug, Clone)]
pub struct StaffWork {
    /// Every application in an open state, earliest decision date first.
    pub open: Vec<ApplicationRow>,
    /// Ids of the applications with a review this member has still to record.
    pub my_reviews: Vec<String>,
    /// Ids of the applications in the vote on which this member has neither voted nor
    /// recused.
    pub my_votes: Vec<String>,
}

pub fn staff_work(conn: &mut DbConn, user_id: &str) -> Result<StaffWork, WorkflowError> {
    let open = app_db::list_in_states(conn, &OPEN_STATES)?;
    // Someone taken off the committee has no reviews or votes left to give.
    let on_committee = user_db::find(conn, user_id)?.is_some_and(|u| u.committee_member);
    if !on_committee {
        return Ok(StaffWork {
            open,
            my_reviews: Vec::new(),
            my_votes: Vec::new(),
        });
    }
    let my_reviews = committee_db::list_pending_application_ids(conn, user_id)?;
    let voting: Vec<String> = open
        .iter()
        .filter(|(a, _, _)| a.status == Status::Voting)
        .map(|(a, _, _)| a.id.clone())
        .collect();
    let my_votes = committee_db::list_unvoted_application_ids(conn, user_id, &voting)?;
    Ok(StaffWork {
        open,
        my_reviews,
        my_votes,
    })
}
