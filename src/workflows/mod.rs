//! Use cases: one function each, one transaction each. A workflow validates through
//! `domain`, reads and writes through `db`, and writes the audit event of every change in
//! the same transaction. Knows nothing of HTTP.

pub mod accounts;
pub mod api_clients;
pub mod applications;
pub mod audit;
pub mod audit_checkpoints;
pub mod certificates;
pub mod committee;
pub mod connections;
pub mod dashboard;
pub mod findings;
pub mod health;
pub mod link_cases;
pub mod monitoring;
pub mod notify;
pub mod organisation_changes;
pub mod paging;
pub mod passwords;
pub mod registry;
pub mod scheduler;
pub mod secret_key;
pub mod sessions;
pub mod transparency;
pub mod two_factor;

/// The connection a workflow runs on: callers that hand work to a runner (`web::blocking`)
/// name it through here, not through `db`.
pub use crate::db::DbConn;
use crate::domain::committee::CaseRefusal;
use crate::domain::role::Role;
use crate::domain::validation::FieldErrors;

/// Who is acting: for the audit log, and for the rules that depend on the person
/// (an organisation's own applications, a reviewer's own assignments).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<String>,
    pub label: String,
    pub ip: String,
    pub role: Option<Role>,
    pub organisation_id: Option<String>,
}

impl Actor {
    /// An operator at the command line.
    pub fn command_line() -> Self {
        Self::system(crate::domain::audit::COMMAND_LINE)
    }

    /// The application itself acting (the scheduler, the demo seed).
    pub fn system(label: &str) -> Self {
        Self {
            id: None,
            label: label.to_string(),
            ip: String::new(),
            role: None,
            organisation_id: None,
        }
    }

    /// The acting user's id; system actors have none.
    pub fn user_id(&self) -> Result<&str, WorkflowError> {
        self.id.as_deref().ok_or(WorkflowError::Forbidden)
    }
}

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("the input is not valid")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    /// A query string's filter or cursor that is not one of ours.
    #[error("malformed query")]
    MalformedQuery,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<FieldErrors> for WorkflowError {
    fn from(errors: FieldErrors) -> Self {
        WorkflowError::Invalid(errors)
    }
}

/// A step the case's rules refuse (see [`crate::domain::committee::check_step`]): one
/// outside the actor's role is forbidden, any other refusal is a conflict naming why.
impl From<CaseRefusal> for WorkflowError {
    fn from(refusal: CaseRefusal) -> Self {
        match refusal {
            CaseRefusal::Role => WorkflowError::Forbidden,
            CaseRefusal::NotMember => WorkflowError::Conflict("error-not-committee-member"),
            CaseRefusal::WrongState => WorkflowError::Conflict("error-wrong-state"),
            CaseRefusal::NoOpenReview => WorkflowError::Conflict("error-review-done"),
            CaseRefusal::Recused => WorkflowError::Conflict("error-recused"),
            CaseRefusal::AlreadyVoted => WorkflowError::Conflict("error-already-voted"),
            CaseRefusal::NoQuorum => WorkflowError::Conflict("error-no-quorum"),
        }
    }
}

/// A unique-constraint violation on insert or update.
pub(crate) fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
