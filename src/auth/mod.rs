//! Who is asking: passwords, second factors, sessions, CSRF tokens, sign-in rate limits, and the
//! extractors that let a handler run only for the roles it serves. Holds no business rule
//! beyond "may this person use this route".

pub mod api_token;
pub mod bearer;
pub mod csrf;
pub mod email_token;
pub mod extract;
pub mod middleware;
pub mod password;
pub mod rate_limit;
pub mod seal;
pub mod session;
pub mod signing;
pub mod totp;

pub use extract::{Authorized, CurrentUser, policy};
