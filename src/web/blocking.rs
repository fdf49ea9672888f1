//! Running storage work off the async threads: `blocking` takes a pooled connection on the
//! blocking pool and runs a closure with it, for pages, the API, the middleware and the
//! command line alike. Each caller then says how a failure reaches its reader, with
//! `AppError::from` (the API: bad input is a 422 problem) or one of the named mappings
//! here (pages: `run` keeps a form's problems to show, `read` refuses them as a 400).

use actix_web::web;

use crate::db::models::connection::RegistryHead;
use crate::db::{DbConn, DbPool, get_with_head};
use crate::domain::validation::FieldErrors;
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::workflows::WorkflowError;

/// Runs `work` with a connection from `pool` on the blocking pool, where waiting for the
/// database holds no async thread.
pub async fn blocking<T, F>(pool: &DbPool, work: F) -> Result<T, WorkflowError>
where
    F: FnOnce(&mut DbConn) -> Result<T, WorkflowError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

/// [`blocking`], with the registry's head as read after the call began: by the pool's
/// check as it hands the connection out, or else by a query of its own.
pub async fn blocking_at_head<T, F>(pool: &DbPool, work: F) -> Result<T, WorkflowError>
where
    F: FnOnce(&mut DbConn, RegistryHead) -> Result<T, WorkflowError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let (mut conn, checked) = get_with_head(&pool)?;
        let head = match checked {
            Some(head) => head,
            None => crate::workflows::registry::head(&mut conn)?,
        };
        work(&mut conn, head)
    })
    .await?
}

/// A form's outcome: its validation problems come back as `Ok(Err(errors))` for the page
/// to show; anything else that went wrong is an `AppError`.
pub fn form_outcome<T>(
    outcome: Result<T, WorkflowError>,
) -> Result<Result<T, FieldErrors>, AppError> {
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(WorkflowError::Invalid(errors)) => Ok(Err(errors)),
        Err(other) => Err(other.into()),
    }
}

/// The outcome of work whose input was not typed by anyone (a read, a confirm button):
/// validation problems there mean a tampered request, a 400.
pub fn read_outcome<T>(outcome: Result<T, WorkflowError>) -> Result<T, AppError> {
    form_outcome(outcome)?.map_err(|_| AppError::BadRequest("error-invalid-input"))
}

/// `blocking` for a page's form: see [`form_outcome`].
pub async fn run<T, F>(
    state: &web::Data<AppState>,
    work: F,
) -> Result<Result<T, FieldErrors>, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, WorkflowError> + Send + 'static,
    T: Send + 'static,
{
    form_outcome(blocking(&state.pool, work).await)
}

/// `blocking` for a page's read or a confirm button: see [`read_outcome`].
pub async fn read<T, F>(state: &web::Data<AppState>, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, WorkflowError> + Send + 'static,
    T: Send + 'static,
{
    read_outcome(blocking(&state.pool, work).await)
}
