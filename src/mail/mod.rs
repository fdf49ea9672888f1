//! E-mail: rendering a queued message in its recipient's language, and the worker that
//! delivers the outbox over SMTP with retries.

pub mod render;
pub mod worker;
