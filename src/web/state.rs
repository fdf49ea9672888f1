//! What every handler can reach (`AppState`), and how the server runs apart from its
//! settings (`Runtime`). `startup` builds both.

use std::sync::Arc;

use crate::auth::rate_limit::{ApiLimiter, SignInLimiter};
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::clock::{Clock, SystemClock};

/// What every handler can reach.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Settings,
    pub sign_in_limiter: SignInLimiter,
    /// Second-factor codes per account and per address.
    pub second_factor_limiter: SignInLimiter,
    /// Token requests per client id and per address.
    pub token_limiter: SignInLimiter,
    pub api_limiter: ApiLimiter,
    pub clock: Arc<dyn Clock>,
    /// Public pages already rendered, each at the registry version it shows.
    pub pages: crate::web::page_cache::PageCache,
}

/// How the server runs, apart from its settings.
pub struct Runtime {
    /// HTTP worker threads; one per core when `None`.
    pub workers: Option<usize>,
    pub clock: Arc<dyn Clock>,
    /// Whether this process runs the scheduled jobs (every `SCHEDULER_SECONDS`).
    pub run_scheduler: bool,
    /// Whether this process delivers the outbox (when a mail server is configured).
    pub run_mail_worker: bool,
}

impl Default for Runtime {
    fn default() -> Self {
        Self {
            workers: None,
            clock: Arc::new(SystemClock),
            run_scheduler: true,
            run_mail_worker: true,
        }
    }
}
