//! Secrets and their rules: password hashes, second factors (TOTP), sealing secrets at
//! rest, signing, API and e-mailed link tokens, CSRF token math, session tokens, and the
//! limits on attempts to guess them. Knows nothing of HTTP requests: the extractors and
//! middleware that use these live in `web`.

pub mod api_token;
pub mod csrf;
pub mod email_token;
pub mod password;
pub mod rate_limit;
pub mod redact;
pub mod seal;
pub mod session;
pub mod signing;
pub mod totp;
