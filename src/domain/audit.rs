//! The audit chain: each event's hash covers the previous event's hash and the event's own
//! canonical content, so editing, inserting or deleting any event breaks every later link.
//! Every text an event holds is bounded, so no request can grow the log without limit.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The most characters an event keeps of a label (an e-mail address typed at sign-in, a
/// client id), an id, an action or an address: the longest e-mail address is 254.
pub const LABEL_LIMIT: usize = 254;

/// The most characters an event keeps of a before or after state: far above the largest
/// state a validated form can produce (free-text fields hold at most 8,000 characters).
pub const STATE_LIMIT: usize = 65_536;

/// `text` cut to at most `limit` characters on a character boundary, the cut marked by
/// `…[+N]` at its end, N being the characters left out. Shorter text is kept as it is.
pub fn bounded(text: &str, limit: usize) -> Cow<'_, str> {
    let total = text.chars().count();
    if total <= limit {
        return Cow::Borrowed(text);
    }
    // The mark is `…[+` and `]` around at most as many digits as `total` has.
    let mark_len = 4 + total.to_string().len();
    let kept = limit.saturating_sub(mark_len);
    let mut cut: String = text.chars().take(kept).collect();
    cut.push_str(&format!("…[+{}]", total - kept));
    Cow::Owned(cut)
}

/// The names of the actions the audit log records: one constant for each, which the code
/// that writes an event uses, and [`actions::ALL`] listing every one of them, so each can be
/// checked to have a label in both languages.
pub mod actions {
    macro_rules! actions {
        ($($name:ident = $code:literal;)*) => {
            $(
                #[doc = $code]
                pub const $name: &str = $code;
            )*
            /// Every action the code can write.
            pub const ALL: &[&str] = &[$($name),*];
        };
    }

    actions! {
        API_CLIENT_CREATE = "api_client.create";
        API_CLIENT_REVOKE = "api_client.revoke";
        API_CLIENT_ROTATE = "api_client.rotate";
        APPLICATION_APPROVE = "application.approve";
        APPLICATION_ATTACH = "application.attach";
        APPLICATION_CREATE = "application.create";
        APPLICATION_DECIDE = "application.decide";
        APPLICATION_DETACH = "application.detach";
        APPLICATION_DISMISS = "application.dismiss";
        APPLICATION_MARK_COMPLETE = "application.mark_complete";
        APPLICATION_OPEN_VOTE = "application.open_vote";
        APPLICATION_REJECT = "application.reject";
        APPLICATION_REQUEST_INFO = "application.request_info";
        APPLICATION_RESUBMIT = "application.resubmit";
        APPLICATION_SAVE = "application.save";
        APPLICATION_SCREEN = "application.screen";
        APPLICATION_START_SCREENING = "application.start_screening";
        APPLICATION_SUBMIT = "application.submit";
        APPLICATION_WITHDRAW = "application.withdraw";
        CONNECTION_ADD_FILE = "connection.add_file";
        CONNECTION_APPROVE = "connection.approve";
        CONNECTION_CONFIRM_DISCONNECTION = "connection.confirm_disconnection";
        CONNECTION_EXPIRE = "connection.expire";
        CONNECTION_MODIFIED = "connection.modified";
        CONNECTION_REINSTATE = "connection.reinstate";
        CONNECTION_RENEWED = "connection.renewed";
        CONNECTION_REVOKE = "connection.revoke";
        CONNECTION_SHOW_CAUSE = "connection.show_cause";
        CONNECTION_SHOW_CAUSE_ANSWER = "connection.show_cause_answer";
        CONNECTION_SHOW_CAUSE_DISMISS = "connection.show_cause_dismiss";
        CONNECTION_SUSPEND = "connection.suspend";
        CONNECTION_VERIFY_DISCONNECTION = "connection.verify_disconnection";
        ORGANISATION_CREATE = "organisation.create";
        ORGANISATION_UPDATE = "organisation.update";
        ORGANISATION_CHANGE_APPROVE = "organisation_change.approve";
        ORGANISATION_CHANGE_PROPOSE = "organisation_change.propose";
        ORGANISATION_CHANGE_REFUSE = "organisation_change.refuse";
        ORGANISATION_CHANGE_WITHDRAW = "organisation_change.withdraw";
        OUTBOX_RETRY = "outbox.retry";
        REVIEW_ASSIGN = "review.assign";
        REVIEW_RECORD = "review.record";
        REVIEW_RECUSE = "review.recuse";
        REVIEW_WITHDRAW = "review.withdraw";
        SECRET_KEY_ROTATE = "secret_key.rotate";
        SESSION_END_OWN = "session.end_own";
        SESSION_PASSWORD_ACCEPTED = "session.password_accepted";
        SESSION_SECOND_FACTOR_FAILED = "session.second_factor_failed";
        SESSION_SECOND_FACTOR_RATE_LIMITED = "session.second_factor_rate_limited";
        SESSION_SECOND_FACTOR_UNREADABLE = "session.second_factor_unreadable";
        SESSION_SIGN_IN = "session.sign_in";
        SESSION_SIGN_IN_FAILED = "session.sign_in_failed";
        SESSION_SIGN_IN_RATE_LIMITED = "session.sign_in_rate_limited";
        SESSION_SIGN_OUT = "session.sign_out";
        SIGNING_KEY_ROTATE = "signing_key.rotate";
        USER_ACCEPT_INVITATION = "user.accept_invitation";
        USER_CREATE = "user.create";
        USER_DEACTIVATE = "user.deactivate";
        USER_INVITE = "user.invite";
        USER_INVITE_EXISTING = "user.invite_existing";
        USER_PASSWORD_CHANGE_FAILED = "user.password_change_failed";
        USER_PASSWORD_CHANGED = "user.password_changed";
        USER_PASSWORD_RESET = "user.password_reset";
        USER_PASSWORD_RESET_REQUESTED = "user.password_reset_requested";
        USER_REACTIVATE = "user.reactivate";
        USER_SET_LANGUAGE = "user.set_language";
        USER_SET_NOTIFICATIONS = "user.set_notifications";
        USER_TWO_FACTOR_ENABLED = "user.two_factor_enabled";
        USER_TWO_FACTOR_RESET = "user.two_factor_reset";
        USER_UPDATE = "user.update";
        VOTE_CAST = "vote.cast";
    }
}

/// The kinds of thing an audit event is about (`subject_type`).
pub const SUBJECT_TYPES: &[&str] = &[
    "account",
    "address",
    "application",
    "connection",
    "organisation",
    "organisation_change",
    "outbox_message",
    "secret_key",
    "session",
    "signing_key",
    "user",
];

/// The application acting on an operator's command.
pub const COMMAND_LINE: &str = "command line";
/// The application filling a demonstration database.
pub const DEMO_SEED: &str = "demo seed";
/// The application acting on its own when a deadline passes.
pub const SCHEDULER: &str = "scheduler";
/// The labels of the application itself acting, as events record them.
pub const SYSTEM_ACTORS: &[&str] = &[COMMAND_LINE, DEMO_SEED, SCHEDULER];

/// The translation key of an action's label, e.g. `audit-action-application-submit`.
pub fn action_key(action: &str) -> String {
    format!("audit-action-{}", action.replace(['.', '_'], "-"))
}

/// The translation key of a subject type's label, e.g. `audit-subject-type-application`.
pub fn subject_type_key(subject_type: &str) -> String {
    format!("audit-subject-type-{}", subject_type.replace('_', "-"))
}

/// The translation key of a system actor's label, e.g. `audit-actor-scheduler`.
pub fn system_actor_key(label: &str) -> String {
    format!("audit-actor-{}", label.replace(' ', "-"))
}

/// The part of an audit event that its hash covers, in a fixed order.
#[derive(Debug, Clone, Serialize)]
pub struct AuditContent<'a> {
    pub seq: i64,
    #[serde(serialize_with = "canonical_time")]
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<&'a str>,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub before_state: Option<&'a str>,
    pub after_state: Option<&'a str>,
    pub ip: &'a str,
}

fn canonical_time<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
}

impl AuditContent<'_> {
    /// SHA-256 over the previous hash and this content's canonical JSON, as lowercase hex.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let json = serde_json::to_string(self).expect("audit content always serialises");
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(json.as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// Where the chain first fails to hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("event {found} follows event {previous}: events between them are missing")]
    Gap { previous: i64, found: i64 },
    #[error("event {seq} does not point at the hash of the event before it")]
    PrevHashMismatch { seq: i64 },
    #[error("event {seq} has been altered: its content no longer matches its hash")]
    HashMismatch { seq: i64 },
    #[error(
        "the chain ends at event {last_seen} but {head_seq} events were recorded: the newest were removed or the head was altered"
    )]
    HeadMismatch { last_seen: i64, head_seq: i64 },
}

impl ChainBreak {
    /// The sequence number of the first event that does not hold.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Gap { previous, .. } => previous + 1,
            ChainBreak::PrevHashMismatch { seq } | ChainBreak::HashMismatch { seq } => *seq,
            ChainBreak::HeadMismatch { last_seen, .. } => last_seen + 1,
        }
    }
}

/// Walks stored events in sequence order, one at a time, so a long chain needs no memory.
#[derive(Debug)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            last_seq: 0,
            last_hash: GENESIS_HASH.to_string(),
        }
    }
}

impl ChainVerifier {
    /// Goes on after an event already checked: its number and hash.
    pub fn resume(last_seq: i64, last_hash: &str) -> Self {
        Self {
            last_seq,
            last_hash: last_hash.to_string(),
        }
    }

    /// The last event that held, and its hash (event 0 and the genesis hash at the start).
    pub fn position(&self) -> (i64, &str) {
        (self.last_seq, &self.last_hash)
    }

    /// Checks the next stored event: its number, its link to the previous one, its hash.
    pub fn check(
        &mut self,
        content: &AuditContent<'_>,
        stored_prev_hash: &str,
        stored_hash: &str,
    ) -> Result<(), ChainBreak> {
        if content.seq != self.last_seq + 1 {
            return Err(ChainBreak::Gap {
                previous: self.last_seq,
                found: content.seq,
            });
        }
        if stored_prev_hash != self.last_hash {
            return Err(ChainBreak::PrevHashMismatch { seq: content.seq });
        }
        if content.chain_hash(stored_prev_hash) != stored_hash {
            return Err(ChainBreak::HashMismatch { seq: content.seq });
        }
        self.last_seq = content.seq;
        self.last_hash = stored_hash.to_string();
        Ok(())
    }

    /// Compares the end of the walk with the recorded head; returns the events checked.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        if head_seq != self.last_seq || head_hash != self.last_hash {
            return Err(ChainBreak::HeadMismatch {
                last_seen: self.last_seq,
                head_seq,
            });
        }
        Ok(self.last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, action: &str) -> AuditContent<'_> {
        AuditContent {
            seq,
            occurred_at: chrono::DateTime::from_timestamp(1_700_000_000 + seq, 0)
                .unwrap()
                .naive_utc(),
            actor_id: Some("u1"),
            actor_label: "admin@example.la",
            action,
            subject_type: "user",
            subject_id: "u2",
            before_state: None,
            after_state: Some("{\"active\":true}"),
            ip: "127.0.0.1",
        }
    }

    fn chain(actions: &[&'static str]) -> Vec<(AuditContent<'static>, String, String)> {
        let mut prev = GENESIS_HASH.to_string();
        actions
            .iter()
            .enumerate()
            .map(|(i, action)| {
                let content = event(i as i64 + 1, action);
                let hash = content.chain_hash(&prev);
                let row = (content, prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn verify(rows: &[(AuditContent<'_>, String, String)]) -> Result<i64, ChainBreak> {
        let mut verifier = ChainVerifier::default();
        for (content, prev, hash) in rows {
            verifier.check(content, prev, hash)?;
        }
        let (head_seq, head_hash) = rows
            .last()
            .map(|(c, _, h)| (c.seq, h.clone()))
            .unwrap_or((0, GENESIS_HASH.to_string()));
        verifier.finish(head_seq, &head_hash)
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary_with_the_cut_marked() {
        assert_eq!(bounded("short", 10), "short");
        assert_eq!(bounded("exactly10!", 10), "exactly10!");
        let typed = format!("{}@x.la", "ກ".repeat(200_000));
        let cut = bounded(&typed, LABEL_LIMIT);
        assert!(
            cut.chars().count() <= LABEL_LIMIT,
            "{}",
            cut.chars().count()
        );
        let kept = LABEL_LIMIT - 10;
        assert_eq!(cut, format!("{}…[+{}]", "ກ".repeat(kept), 200_005 - kept));
        assert_eq!(bounded("abcdefghijklmnop", 9), "abc…[+13]");
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(&["a", "b", "c"])), Ok(3));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn an_edited_event_is_caught_at_its_own_number() {
        let mut rows = chain(&["a", "b", "c"]);
        rows[1].0.action = "forged";
        assert_eq!(verify(&rows), Err(ChainBreak::HashMismatch { seq: 2 }));
    }

    #[test]
    fn a_deleted_event_is_caught_as_a_gap() {
        let mut rows = chain(&["a", "b", "c"]);
        rows.remove(1);
        assert_eq!(
            verify(&rows),
            Err(ChainBreak::Gap {
                previous: 1,
                found: 3
            })
        );
    }

    #[test]
    fn a_rehashed_edit_breaks_the_next_link() {
        let mut rows = chain(&["a", "b", "c"]);
        rows[1].0.action = "forged";
        rows[1].2 = rows[1].0.chain_hash(&rows[1].1);
        assert_eq!(verify(&rows), Err(ChainBreak::PrevHashMismatch { seq: 3 }));
    }

    #[test]
    fn removing_the_newest_events_is_caught_by_the_head() {
        let rows = chain(&["a", "b", "c"]);
        let mut verifier = ChainVerifier::default();
        for (content, prev, hash) in &rows[..2] {
            verifier.check(content, prev, hash).unwrap();
        }
        assert_eq!(
            verifier.finish(3, &rows[2].2),
            Err(ChainBreak::HeadMismatch {
                last_seen: 2,
                head_seq: 3
            })
        );
    }
}
