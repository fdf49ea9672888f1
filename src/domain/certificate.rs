//! What an approval certificate states: the claims of its signed token.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

/// The claims of a certificate (a compact JWS, EdDSA). Standard claims: `iss` (the
/// registry's public address), `sub` (the approval number), `jti` (the certificate's id),
/// `iat`, and `exp` (the end of the last day of validity in Vientiane).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateClaims {
    pub iss: String,
    pub sub: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    pub provider: String,
    pub provider_lo: String,
    pub counterparty: String,
    pub country: String,
    pub connection_type: String,
    pub capacity_mbps: i64,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// The first instant after `valid_until` in Vientiane, as a Unix time.
pub fn expiry_of(valid_until: NaiveDate) -> i64 {
    let next_day = valid_until.succ_opt().unwrap_or(valid_until);
    chrono_tz::Asia::Vientiane
        .from_local_datetime(&next_day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|at| at.timestamp())
        .unwrap_or_else(|| {
            next_day
                .and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp()
        })
}

/// A UTC time as a Unix time.
pub fn unix(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_expires_at_the_end_of_its_last_day_in_vientiane() {
        let last_day = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        // 2027-04-01 00:00 in Vientiane (UTC+7) is 2027-03-31 17:00 UTC.
        let expected = NaiveDate::from_ymd_opt(2027, 3, 31)
            .unwrap()
            .and_hms_opt(17, 0, 0)
            .unwrap();
        assert_eq!(expiry_of(last_day), unix(expected));
    }
}
