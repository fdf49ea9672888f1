//! The audit chain: each event's hash covers the previous event's hash and the event's own
//! canonical content, so editing, inserting or deleting any event breaks every later link.
//! From the chain's cut-over on, the hash is an HMAC under a key the database holds only
//! sealed ([`ChainKeys`]), so the chain cannot be recomputed from the database alone.
//! Every text an event holds is bounded, so no request can grow the log without limit.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
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

/// Declares [`AuditAction`] with each action's code, as the log stores it.
macro_rules! actions {
    ($($name:ident = $code:literal;)*) => {
        /// An action the audit log records. The code that writes an event names one of
        /// these; its [`AuditAction::code`] is what the event stores and its hash covers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $(
                #[doc = $code]
                $name,
            )*
        }

        impl AuditAction {
            /// Every action the code can write, so each can be checked to have a label in
            /// both languages.
            pub const ALL: &[AuditAction] = &[$(AuditAction::$name),*];

            /// The action's code as events store it, e.g. `application.submit`.
            pub const fn code(self) -> &'static str {
                match self {
                    $(AuditAction::$name => $code,)*
                }
            }
        }
    };
}

actions! {
    ApiClientCreate = "api_client.create";
    ApiClientRevoke = "api_client.revoke";
    ApiClientRotate = "api_client.rotate";
    ApiTokenRateLimited = "api.token_rate_limited";
    ApplicationApprove = "application.approve";
    ApplicationAttach = "application.attach";
    ApplicationCreate = "application.create";
    ApplicationDecide = "application.decide";
    ApplicationDetach = "application.detach";
    ApplicationDismiss = "application.dismiss";
    ApplicationMarkComplete = "application.mark_complete";
    ApplicationOpenVote = "application.open_vote";
    ApplicationReject = "application.reject";
    ApplicationRequestInfo = "application.request_info";
    ApplicationResubmit = "application.resubmit";
    ApplicationSave = "application.save";
    ApplicationScreen = "application.screen";
    ApplicationStartScreening = "application.start_screening";
    ApplicationSubmit = "application.submit";
    ApplicationWithdraw = "application.withdraw";
    ConnectionAddFile = "connection.add_file";
    ConnectionApprove = "connection.approve";
    ConnectionConfirmDisconnection = "connection.confirm_disconnection";
    ConnectionExpire = "connection.expire";
    ConnectionModified = "connection.modified";
    ConnectionReinstate = "connection.reinstate";
    ConnectionRenewed = "connection.renewed";
    ConnectionRevoke = "connection.revoke";
    ConnectionShowCause = "connection.show_cause";
    ConnectionShowCauseAnswer = "connection.show_cause_answer";
    ConnectionShowCauseDismiss = "connection.show_cause_dismiss";
    ConnectionSuspend = "connection.suspend";
    ConnectionVerifyDisconnection = "connection.verify_disconnection";
    LinkCaseAnswer = "link_case.answer";
    LinkCaseConfirm = "link_case.confirm";
    LinkCaseDismiss = "link_case.dismiss";
    LinkCaseOrder = "link_case.order_disconnection";
    LinkCaseVerify = "link_case.verify";
    OrganisationCreate = "organisation.create";
    OrganisationUpdate = "organisation.update";
    FindingAnswer = "finding.answer";
    FindingDeclare = "finding.declare";
    FindingEscalate = "finding.escalate";
    FindingExplain = "finding.explain";
    FindingLink = "finding.link";
    FindingOpenCase = "finding.open_case";
    FindingRequestExplanation = "finding.request_explanation";
    FindingResolve = "finding.resolve";
    OrganisationChangeApprove = "organisation_change.approve";
    OrganisationChangePropose = "organisation_change.propose";
    OrganisationChangeRefuse = "organisation_change.refuse";
    OrganisationChangeWithdraw = "organisation_change.withdraw";
    OutboxRetry = "outbox.retry";
    ReviewAssign = "review.assign";
    RoutingImport = "routing.import";
    ReviewRecord = "review.record";
    ReviewRecuse = "review.recuse";
    ReviewWithdraw = "review.withdraw";
    SecretKeyRotate = "secret_key.rotate";
    SessionEndOwn = "session.end_own";
    SessionPasswordAccepted = "session.password_accepted";
    SessionSecondFactorFailed = "session.second_factor_failed";
    SessionSecondFactorRateLimited = "session.second_factor_rate_limited";
    SessionSecondFactorUnreadable = "session.second_factor_unreadable";
    SessionSignIn = "session.sign_in";
    SessionSignInFailed = "session.sign_in_failed";
    SessionSignInRateLimited = "session.sign_in_rate_limited";
    SessionSignOut = "session.sign_out";
    SigningKeyRotate = "signing_key.rotate";
    UserAcceptInvitation = "user.accept_invitation";
    UserCreate = "user.create";
    UserDeactivate = "user.deactivate";
    UserInvite = "user.invite";
    UserInviteExisting = "user.invite_existing";
    UserPasswordChangeFailed = "user.password_change_failed";
    UserPasswordChanged = "user.password_changed";
    UserPasswordReset = "user.password_reset";
    UserPasswordResetRequested = "user.password_reset_requested";
    UserReactivate = "user.reactivate";
    UserSetLanguage = "user.set_language";
    UserSetNotifications = "user.set_notifications";
    UserTwoFactorEnabled = "user.two_factor_enabled";
    UserTwoFactorReset = "user.two_factor_reset";
    UserUpdate = "user.update";
    VoteCast = "vote.cast";
}

/// The kinds of thing an audit event is about (`subject_type`).
pub const SUBJECT_TYPES: &[&str] = &[
    "account",
    "address",
    "application",
    "connection",
    "finding",
    "organisation",
    "organisation_change",
    "outbox_message",
    "routing_import",
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
/// The application comparing routing with the registry after an import.
pub const MONITORING: &str = "monitoring";
/// The labels of the application itself acting, as events record them.
pub const SYSTEM_ACTORS: &[&str] = &[COMMAND_LINE, DEMO_SEED, MONITORING, SCHEDULER];

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
    /// SHA-256 over the previous hash and this content's canonical JSON, as lowercase hex:
    /// the hash of an event before the chain's cut-over to keyed hashes.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.hashed(prev_hash));
        hex::encode(hasher.finalize())
    }

    /// HMAC-SHA-256 under `key` over what [`Self::chain_hash`] covers, as lowercase hex.
    pub fn keyed_hash(&self, key: &ChainKey, prev_hash: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("HMAC accepts any key length");
        mac.update(&self.hashed(prev_hash));
        hex::encode(mac.finalize().into_bytes())
    }

    fn hashed(&self, prev_hash: &str) -> Vec<u8> {
        let json = serde_json::to_string(self).expect("audit content always serialises");
        [prev_hash.as_bytes(), b"\n", json.as_bytes()].concat()
    }
}

/// A key of the chain's HMAC: 32 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct ChainKey(pub [u8; 32]);

impl ChainKey {
    pub fn random() -> Self {
        Self(rand::random())
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(<redacted>)")
    }
}

/// What an event's hash is made with: plain SHA-256 before `keyed_from`, and from there
/// the HMAC key in use from each key's first event on. A key that did not open under the
/// server's secret is `None`: the events it hashed cannot be checked.
#[derive(Debug, Clone)]
pub struct ChainKeys {
    keyed_from: i64,
    keys: Vec<(i64, Option<ChainKey>)>,
}

impl ChainKeys {
    /// `keys` by the event each first hashed, in any order.
    pub fn new(keyed_from: i64, mut keys: Vec<(i64, Option<ChainKey>)>) -> Self {
        keys.sort_by_key(|(from, _)| *from);
        Self { keyed_from, keys }
    }

    /// A chain of plain SHA-256 hashes throughout, as before keyed hashes existed.
    pub fn unkeyed() -> Self {
        Self::new(i64::MAX, Vec::new())
    }

    /// The hash event `content.seq` must have after `prev_hash`.
    pub fn hash(&self, content: &AuditContent<'_>, prev_hash: &str) -> Result<String, ChainBreak> {
        let seq = content.seq;
        if seq < self.keyed_from {
            return Ok(content.chain_hash(prev_hash));
        }
        match self.keys.iter().rev().find(|(from, _)| *from <= seq) {
            Some((_, Some(key))) => Ok(content.keyed_hash(key, prev_hash)),
            Some((_, None)) => Err(ChainBreak::KeyUnreadable { seq }),
            None => Err(ChainBreak::KeyMissing { seq }),
        }
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
    #[error(
        "event {seq} is keyed, but the database holds no key for it: the chain's keys were removed"
    )]
    KeyMissing { seq: i64 },
    #[error(
        "event {seq} was hashed under a key that does not open under this server's SECRET_KEY: from here the chain cannot be checked"
    )]
    KeyUnreadable { seq: i64 },
}

impl ChainBreak {
    /// The sequence number of the first event that does not hold.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::Gap { previous, .. } => previous + 1,
            ChainBreak::PrevHashMismatch { seq }
            | ChainBreak::HashMismatch { seq }
            | ChainBreak::KeyMissing { seq }
            | ChainBreak::KeyUnreadable { seq } => *seq,
            ChainBreak::HeadMismatch { last_seen, .. } => last_seen + 1,
        }
    }
}

/// Walks stored events in sequence order, one at a time, so a long chain needs no memory.
#[derive(Debug)]
pub struct ChainVerifier {
    keys: ChainKeys,
    last_seq: i64,
    last_hash: String,
}

impl ChainVerifier {
    /// Starts at the chain's first event.
    pub fn new(keys: ChainKeys) -> Self {
        Self::resume(keys, 0, GENESIS_HASH)
    }

    /// Goes on after an event already checked: its number and hash.
    pub fn resume(keys: ChainKeys, last_seq: i64, last_hash: &str) -> Self {
        Self {
            keys,
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
        if self.keys.hash(content, stored_prev_hash)? != stored_hash {
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

    #[test]
    fn each_action_has_a_code_of_its_own_naming_its_subject() {
        let mut codes: Vec<&str> = AuditAction::ALL.iter().map(|a| a.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), AuditAction::ALL.len());
        for code in codes {
            let (subject, verb) = code.split_once('.').expect(code);
            assert!(!subject.is_empty() && !verb.is_empty(), "{code}");
        }
    }

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
        let mut verifier = ChainVerifier::new(ChainKeys::unkeyed());
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
        let mut verifier = ChainVerifier::new(ChainKeys::unkeyed());
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

    fn keyed_chain(keys: &ChainKeys, n: i64) -> Vec<(AuditContent<'static>, String, String)> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let content = event(seq, "user.update");
                let hash = keys.hash(&content, &prev).unwrap();
                let row = (content, prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn verify_with(
        keys: ChainKeys,
        rows: &[(AuditContent<'_>, String, String)],
    ) -> Result<i64, ChainBreak> {
        let mut verifier = ChainVerifier::new(keys);
        for (content, prev, hash) in rows {
            verifier.check(content, prev, hash)?;
        }
        let (seq, hash) = rows.last().map(|(c, _, h)| (c.seq, h.as_str())).unwrap();
        verifier.finish(seq, hash)
    }

    #[test]
    fn a_keyed_chain_holds_under_its_keys_and_a_chain_recomputed_without_them_does_not() {
        let (a, b) = (ChainKey::random(), ChainKey::random());
        let keys = || ChainKeys::new(3, vec![(5, Some(b.clone())), (3, Some(a.clone()))]);
        let rows = keyed_chain(&keys(), 6);
        assert_eq!(verify_with(keys(), &rows), Ok(6));
        // Before the cut-over the hash is the plain one; after it, not.
        assert_eq!(rows[1].2, rows[1].0.chain_hash(&rows[1].1));
        assert_ne!(rows[2].2, rows[2].0.chain_hash(&rows[2].1));
        assert_eq!(rows[4].2, rows[4].0.keyed_hash(&b, &rows[4].1));

        // Whoever holds only the database recomputes the chain with plain SHA-256.
        let forged = chain(&["user.update"; 6]);
        assert_eq!(
            verify_with(keys(), &forged),
            Err(ChainBreak::HashMismatch { seq: 3 })
        );
        // Or under a key of their own.
        let theirs = ChainKeys::new(3, vec![(3, Some(ChainKey::random()))]);
        assert_eq!(
            verify_with(keys(), &keyed_chain(&theirs, 6)),
            Err(ChainBreak::HashMismatch { seq: 3 })
        );
    }

    #[test]
    fn a_keyed_event_without_a_readable_key_cannot_be_checked() {
        let a = ChainKey::random();
        let rows = keyed_chain(&ChainKeys::new(1, vec![(1, Some(a.clone()))]), 3);
        assert_eq!(
            verify_with(ChainKeys::new(1, vec![]), &rows),
            Err(ChainBreak::KeyMissing { seq: 1 })
        );
        assert_eq!(
            verify_with(ChainKeys::new(1, vec![(1, None)]), &rows),
            Err(ChainBreak::KeyUnreadable { seq: 1 })
        );
        assert_eq!(format!("{a:?}"), "ChainKey(<redacted>)");
    }
}
