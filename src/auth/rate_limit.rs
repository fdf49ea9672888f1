//! Request limits kept in this process: sign-in and token attempts per account and per
//! client address, and API requests per client. Refused attempts are counted per key, so
//! the audit log receives at most one event per key and window however hard a client tries.

use crate::domain::audit::AuditAction;
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The window of the attempt limits, and of their refusals' audit events.
pub const WINDOW: Duration = Duration::from_secs(60);

/// The longest account key kept: the longest e-mail address.
const ACCOUNT_KEY_CHARS: usize = 254;

/// Which limit refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Attempts on one account (or one API client id).
    Account,
    /// Attempts from one client address.
    Address,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Account => "account",
            Limit::Address => "address",
        }
    }
}

/// Refusals of one key to write to the audit log as one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusals {
    /// The audit action of the limiter that refused.
    pub action: AuditAction,
    pub limit: Limit,
    /// The account or address refused.
    pub key: String,
    /// Who the last refused attempt said it was (the e-mail typed, the client id).
    pub label: String,
    /// The address of the last refused attempt.
    pub address: String,
    /// Attempts refused since the key's previous event, this one included.
    pub refused: u64,
}

/// An attempt over its limit.
#[derive(Debug)]
pub struct Refused {
    /// How long until the next attempt may pass.
    pub wait: Duration,
    /// What to audit now: nothing while the key that refused already has an event in
    /// this window (the refusal is counted for its next one).
    pub to_audit: Option<Refusals>,
}

/// One attempt as the limiter sees it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The account tried: an e-mail address as typed, a user id, a client id.
    pub account: &'a str,
    pub address: &'a str,
    /// Who the attempt says it is, for the audit log.
    pub label: &'a str,
}

/// The refusals of one key since its last audit event.
#[derive(Debug)]
struct Pending {
    /// When the key's last event was written.
    audited_at: Instant,
    /// Refusals since then, not yet in any event.
    unreported: u64,
    label: String,
    address: String,
}

/// Refusals per key, written to the audit log at most once per key and window: the first
/// refusal at once, later ones as a count with the key's next event, or when the window
/// has passed without another refusal ([`RefusalLog::due`]). Nothing is counted twice and
/// nothing is left out.
#[derive(Debug)]
struct RefusalLog {
    action: AuditAction,
    pending: Mutex<HashMap<(Limit, String), Pending>>,
}

impl RefusalLog {
    fn new(action: AuditAction) -> Self {
        Self {
            action,
            pending: Mutex::default(),
        }
    }

    /// Counts one refusal; what to audit now, unless this key already has an event in
    /// this window.
    fn refused(
        &self,
        limit: Limit,
        key: String,
        attempt: Attempt<'_>,
        now: Instant,
    ) -> Option<Refusals> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let label: String = attempt.label.chars().take(ACCOUNT_KEY_CHARS).collect();
        let address = attempt.address.to_string();
        match pending.get_mut(&(limit, key.clone())) {
            Some(entry) if now.duration_since(entry.audited_at) < WINDOW => {
                entry.unreported += 1;
                entry.label = label;
                entry.address = address;
                None
            }
            Some(entry) => {
                let refused = entry.unreported + 1;
                entry.unreported = 0;
                entry.audited_at = now;
                Some(self.report(limit, key, label, address, refused))
            }
            None => {
                pending.insert(
                    (limit, key.clone()),
                    Pending {
                        audited_at: now,
                        unreported: 0,
                        label: String::new(),
                        address: String::new(),
                    },
                );
                Some(self.report(limit, key, label, address, 1))
            }
        }
    }

    /// Refusals whose window has passed with no event for them yet, taken out; keys with
    /// nothing left to report are forgotten.
    fn due(&self, now: Instant) -> Vec<Refusals> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let mut due = Vec::new();
        pending.retain(|(limit, key), entry| {
            if now.duration_since(entry.audited_at) < WINDOW {
                return true;
            }
            if entry.unreported > 0 {
                due.push(self.report(
                    *limit,
                    key.clone(),
                    std::mem::take(&mut entry.label),
                    std::mem::take(&mut entry.address),
                    entry.unreported,
                ));
            }
            false
        });
        due
    }

    fn report(
        &self,
        limit: Limit,
        key: String,
        label: String,
        address: String,
        refused: u64,
    ) -> Refusals {
        Refusals {
            action: self.action,
            limit,
            key,
            label,
            address,
            refused,
        }
    }
}

/// Limits for sign-in attempts.
pub struct SignInLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<String>,
    refusals: RefusalLog,
}

impl SignInLimiter {
    /// The sign-in limits: five tries on one account, then one more every 12 seconds; an
    /// address may try thirty times, then once every 2 seconds (an office behind one NAT
    /// still works).
    pub fn sign_in() -> Self {
        Self::per_minute(5, 30, AuditAction::SessionSignInRateLimited)
    }

    /// Limits of `per_account` and `per_address` attempts a minute, whose refusals are
    /// audited as `action`.
    pub fn per_minute(per_account: u32, per_address: u32, action: AuditAction) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        Self {
            per_account: RateLimiter::keyed(quota(per_account)),
            per_address: RateLimiter::keyed(quota(per_address)),
            refusals: RefusalLog::new(action),
        }
    }

    /// Counts one attempt; `Err` when either limit is exceeded. The address is checked
    /// first, and an attempt it refuses does not use up the account's allowance.
    pub fn check(&self, attempt: Attempt<'_>) -> Result<(), Refused> {
        let now = DefaultClock::default().now();
        let address = attempt.address.to_string();
        let (limit, key, not_until) = match self.per_address.check_key(&address) {
            Err(n) => (Limit::Address, address, n),
            Ok(()) => {
                let account: String = attempt
                    .account
                    .trim()
                    .to_lowercase()
                    .chars()
                    .take(ACCOUNT_KEY_CHARS)
                    .collect();
                match self.per_account.check_key(&account) {
                    Ok(()) => return Ok(()),
                    Err(n) => (Limit::Account, account, n),
                }
            }
        };
        Err(Refused {
            wait: not_until.wait_time_from(now),
            to_audit: self.refusals.refused(limit, key, attempt, Instant::now()),
        })
    }

    /// Refusals whose window has passed without an event for them, to audit now.
    pub fn due_refusals(&self) -> Vec<Refusals> {
        self.refusals.due(Instant::now())
    }

    /// Drops bookkeeping for keys that are back to a full allowance.
    pub fn prune(&self) {
        self.per_account.retain_recent();
        self.per_address.retain_recent();
    }
}

/// Requests per API client.
pub struct ApiLimiter {
    per_client: DefaultKeyedRateLimiter<String>,
}

impl ApiLimiter {
    /// Allows `per_minute` requests a minute, in bursts of up to as many.
    pub fn per_minute(per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least one"));
        Self {
            per_client: RateLimiter::keyed(quota),
        }
    }

    /// Counts one request of `client_id`; `Err(wait)` when it is over its limit.
    pub fn check(&self, client_id: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.per_client
            .check_key(&client_id.to_string())
            .map_err(|n| n.wait_time_from(now))
    }

    /// Drops bookkeeping for clients that are back to a full allowance.
    pub fn prune(&self) {
        self.per_client.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt<'a>(account: &'a str, address: &'a str) -> Attempt<'a> {
        Attempt {
            account,
            address,
            label: account,
        }
    }

    #[test]
    fn the_sixth_quick_try_on_one_account_is_refused() {
        let limiter = SignInLimiter::sign_in();
        for _ in 0..5 {
            assert!(limiter.check(attempt("noy@example.la", "10.0.0.1")).is_ok());
        }
        let refused = limiter
            .check(attempt("NOY@example.la", "10.0.0.2"))
            .unwrap_err();
        assert!(refused.wait > Duration::ZERO);
        let audited = refused.to_audit.unwrap();
        assert_eq!(
            (audited.limit, audited.key.as_str(), audited.refused),
            (Limit::Account, "noy@example.la", 1)
        );
        assert!(
            limiter
                .check(attempt("other@example.la", "10.0.0.1"))
                .is_ok()
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_refused_without_using_up_another_account() {
        let limiter = SignInLimiter::sign_in();
        for i in 0..30 {
            assert!(
                limiter
                    .check(attempt(&format!("u{i}@example.la"), "10.0.0.9"))
                    .is_ok()
            );
        }
        for _ in 0..10 {
            let refused = limiter
                .check(attempt("owner@example.la", "10.0.0.9"))
                .unwrap_err();
            assert!(refused.to_audit.is_none_or(|a| a.limit == Limit::Address));
        }
        for _ in 0..5 {
            assert!(
                limiter
                    .check(attempt("owner@example.la", "10.0.0.1"))
                    .is_ok()
            );
        }
    }

    #[test]
    fn refusals_are_audited_once_per_key_and_window_and_every_one_is_counted() {
        let log = RefusalLog::new(AuditAction::SessionSignInRateLimited);
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let refuse = |account: &str, seconds: u64| {
            log.refused(
                Limit::Account,
                account.to_string(),
                attempt(account, "10.0.0.1"),
                at(seconds),
            )
            .map(|r| r.refused)
        };
        assert_eq!(refuse("a", 0), Some(1));
        for second in 1..60 {
            assert_eq!(refuse("a", second), None);
        }
        assert_eq!(refuse("b", 30), Some(1));
        assert!(log.due(at(59)).is_empty());
        assert_eq!(refuse("a", 60), Some(60));
        assert_eq!(refuse("a", 61), None);
        assert_eq!(refuse("a", 62), None);
        let due = log.due(at(121));
        let counts: Vec<(&str, u64)> = due.iter().map(|r| (r.key.as_str(), r.refused)).collect();
        assert_eq!(counts, [("a", 2)]);
        assert_eq!(due[0].action, AuditAction::SessionSignInRateLimited);
        assert!(
            log.due(at(200)).is_empty(),
            "b had nothing more; a was reported"
        );
        assert_eq!(refuse("a", 201), Some(1));
    }

    #[test]
    fn an_api_client_over_its_quota_waits_and_others_do_not() {
        let limiter = ApiLimiter::per_minute(3);
        for _ in 0..3 {
            assert!(limiter.check("ic_a").is_ok());
        }
        let wait = limiter.check("ic_a").unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20));
        assert!(limiter.check("ic_b").is_ok());
    }
}
