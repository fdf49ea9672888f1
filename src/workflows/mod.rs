//! Use cases: one function each, one transaction each. A workflow validates through
//! `domain`, reads and writes through `db`, and writes the audit event of every change in
//! the same transaction. Knows nothing of HTTP.

pub mod accounts;
pub mod audit;
pub mod demo;
pub mod sessions;

use crate::domain::validation::FieldErrors;

/// Who is acting, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<String>,
    pub label: String,
    pub ip: String,
}

impl Actor {
    /// An operator at the command line.
    pub fn command_line() -> Self {
        Self {
            id: None,
            label: "command line".to_string(),
            ip: String::new(),
        }
    }
}

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("the input is not valid")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error(transparent)]
    Pool(#[from] diesel::r2d2::PoolError),
}

impl From<FieldErrors> for WorkflowError {
    fn from(errors: FieldErrors) -> Self {
        WorkflowError::Invalid(errors)
    }
}

/// A unique-constraint violation on insert or update.
pub(crate) fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
