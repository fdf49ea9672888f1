//! The regulator's adjustable rules for the application workflow: the numbers the use
//! cases apply. Configuration fills them in from the environment; nothing here reads it.

use crate::domain::language::Lang;

/// The regulator's adjustable rules for the application workflow.
#[derive(Debug, Clone)]
pub struct WorkflowRules {
    /// Days the committee has to decide, counted from submission, clock stopped while an
    /// information request is open.
    pub decision_days: i64,
    /// Default days a provider has to answer an information request.
    pub rfi_days: i64,
    /// The largest attachment accepted, in bytes.
    pub attachment_max_bytes: usize,
    /// A vote needs more than this percentage of non-recused committee members.
    pub quorum_percent: u32,
    /// The secretariat's shared address; when unset, each secretariat user is written to.
    pub secretariat_email: Option<String>,
    /// The language of mail to the secretariat's shared address.
    pub secretariat_language: Lang,
}
