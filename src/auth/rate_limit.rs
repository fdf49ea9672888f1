//! Request limits kept in this process: sign-in and token attempts per account and per
//! client address, and API requests per client.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Limits for sign-in attempts.
pub struct SignInLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<String>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        // Five tries on one account, then one more every 12 seconds; an address may try
        // thirty times, then once every 2 seconds (an office behind one NAT still works).
        Self::new(
            Quota::per_minute(NonZeroU32::new(5).expect("non-zero")),
            Quota::per_minute(NonZeroU32::new(30).expect("non-zero")),
        )
    }
}

impl SignInLimiter {
    /// Limits of `per_account` and `per_address` attempts a minute.
    pub fn per_minute(per_account: u32, per_address: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"));
        Self::new(quota(per_account), quota(per_address))
    }

    pub fn new(per_account: Quota, per_address: Quota) -> Self {
        Self {
            per_account: RateLimiter::keyed(per_account),
            per_address: RateLimiter::keyed(per_address),
        }
    }

    /// Counts one attempt; `Err(wait)` when either limit is exceeded.
    pub fn check(&self, account: &str, address: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        let address_check = self.per_address.check_key(&address.to_string());
        let account_check = self.per_account.check_key(&account.trim().to_lowercase());
        match (address_check, account_check) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(n), _) | (_, Err(n)) => Err(n.wait_time_from(now)),
        }
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

    #[test]
    fn the_sixth_quick_try_on_one_account_is_refused() {
        let limiter = SignInLimiter::default();
        for _ in 0..5 {
            assert!(limiter.check("noy@example.la", "10.0.0.1").is_ok());
        }
        let wait = limiter.check("NOY@example.la", "10.0.0.2").unwrap_err();
        assert!(wait > Duration::ZERO);
        assert!(limiter.check("other@example.la", "10.0.0.1").is_ok());
    }

    #[test]
    fn one_address_trying_many_accounts_is_refused() {
        let limiter = SignInLimiter::default();
        for i in 0..30 {
            assert!(
                limiter
                    .check(&format!("u{i}@example.la"), "10.0.0.9")
                    .is_ok()
            );
        }
        assert!(limiter.check("fresh@example.la", "10.0.0.9").is_err());
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
