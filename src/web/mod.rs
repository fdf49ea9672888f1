//! Everything about HTTP that is not one area's handler: the application state, `AppError`
//! and its status, running storage work off the async threads, request and response
//! helpers, upload reading, form posts, the extractors (`Authorized`, `CsrfForm`,
//! `PageCtx`, the API's bearer caller), the cookies, and the middleware for sessions and
//! stalled bodies. Knows no area; the areas' handlers live in `routes`, their pages in
//! `views`.

pub mod bearer;
pub mod blocking;
pub mod body_timeout;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod form;
pub mod page_cache;
pub mod page_ctx;
pub mod request;
pub mod respond;
pub mod session_middleware;
pub mod state;
pub mod upload;

/// The largest request body any route accepts (forms are small; uploads get their own limit).
pub const BODY_LIMIT: usize = 256 * 1024;

pub use error::AppError;
pub use extract::{Authorized, CurrentUser, policy};
pub use page_ctx::PageCtx;
pub use state::AppState;
