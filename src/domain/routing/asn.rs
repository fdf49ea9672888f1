//! Which AS numbers can never belong to a real network, and why.
//!
//! A route collector records whatever its peers announce, including numbers that no
//! registry ever hands to a network: AS 0, the 4-byte transition number, documentation,
//! private-use and reserved ranges. A path holding one of them is a leak or a
//! misconfiguration, so it says nothing trustworthy about who is connected to whom.
//! This module only classifies numbers; whether a number is actually allocated is
//! for the RIR files to say, not for this module.

use std::fmt;

/// Why an AS number cannot be a real network's, with the RFC that sets it aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnusableAsn {
    /// AS 0, which must never appear in a path (RFC 7607).
    Zero,
    /// AS_TRANS, 23456: the stand-in a 2-byte speaker writes for a 4-byte number
    /// (RFC 6793). The real number travels in AS4_PATH.
    AsTrans,
    /// Set aside for examples in documentation: 64496–64511 and 65536–65551 (RFC 5398).
    Documentation,
    /// Private use, like private IP addresses: 64512–65534 and
    /// 4200000000–4294967294 (RFC 6996).
    PrivateUse,
    /// Reserved by IANA: 65535 and 4294967295 (RFC 7300), and 65552–131071.
    Reserved,
}

impl UnusableAsn {
    /// Why `asn` can never identify a real network, or `None` when it could.
    ///
    /// This looks at the number alone; [`AsnPolicy::unusable`] applies the policy on
    /// documentation numbers on top of it.
    pub fn of(asn: u32) -> Option<Self> {
        match asn {
            0 => Some(Self::Zero),
            23456 => Some(Self::AsTrans),
            64496..=64511 | 65536..=65551 => Some(Self::Documentation),
            64512..=65534 | 4_200_000_000..=4_294_967_294 => Some(Self::PrivateUse),
            65535 | 65552..=131_071 | 4_294_967_295 => Some(Self::Reserved),
            _ => None,
        }
    }
}

impl fmt::Display for UnusableAsn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Zero => "AS 0 (RFC 7607)",
            Self::AsTrans => "AS_TRANS (RFC 6793)",
            Self::Documentation => "a documentation number (RFC 5398)",
            Self::PrivateUse => "a private-use number (RFC 6996)",
            Self::Reserved => "a reserved number (RFC 7300, IANA)",
        })
    }
}

/// Which AS numbers an import accepts.
///
/// Production refuses every number [`UnusableAsn::of`] names. Tests build their routing
/// data from the documentation ranges (no real network's data may be committed), so
/// they set `allow_documentation` to let exactly those through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsnPolicy {
    /// Accept the documentation ranges of RFC 5398. False in production.
    pub allow_documentation: bool,
}

impl AsnPolicy {
    /// The policy for real data: no unusable number is accepted.
    pub const PRODUCTION: Self = Self {
        allow_documentation: false,
    };

    /// Why this policy refuses `asn`, or `None` when it accepts it.
    pub fn unusable(self, asn: u32) -> Option<UnusableAsn> {
        match UnusableAsn::of(asn) {
            Some(UnusableAsn::Documentation) if self.allow_documentation => None,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_boundary_is_classified_with_its_reason() {
        let cases = [
            (0, Some(UnusableAsn::Zero)),
            (1, None),
            (23455, None),
            (23456, Some(UnusableAsn::AsTrans)),
            (23457, None),
            (64495, None),
            (64496, Some(UnusableAsn::Documentation)),
            (64511, Some(UnusableAsn::Documentation)),
            (64512, Some(UnusableAsn::PrivateUse)),
            (65534, Some(UnusableAsn::PrivateUse)),
            (65535, Some(UnusableAsn::Reserved)),
            (65536, Some(UnusableAsn::Documentation)),
            (65551, Some(UnusableAsn::Documentation)),
            (65552, Some(UnusableAsn::Reserved)),
            (131_071, Some(UnusableAsn::Reserved)),
            (131_072, None),
            (4_199_999_999, None),
            (4_200_000_000, Some(UnusableAsn::PrivateUse)),
            (4_294_967_294, Some(UnusableAsn::PrivateUse)),
            (4_294_967_295, Some(UnusableAsn::Reserved)),
        ];
        for (asn, expected) in cases {
            assert_eq!(UnusableAsn::of(asn), expected, "AS{asn}");
        }
    }

    #[test]
    fn production_refuses_documentation_numbers() {
        for asn in [64496, 64511, 65536, 65551] {
            assert_eq!(
                AsnPolicy::PRODUCTION.unusable(asn),
                Some(UnusableAsn::Documentation),
                "AS{asn}"
            );
        }
        assert_eq!(AsnPolicy::default(), AsnPolicy::PRODUCTION);
    }

    #[test]
    fn allowing_documentation_lets_only_documentation_numbers_through() {
        let tests = AsnPolicy {
            allow_documentation: true,
        };
        for asn in [64496, 64511, 65536, 65551] {
            assert_eq!(tests.unusable(asn), None, "AS{asn}");
        }
        let still_refused = [
            (0, UnusableAsn::Zero),
            (23456, UnusableAsn::AsTrans),
            (64512, UnusableAsn::PrivateUse),
            (65535, UnusableAsn::Reserved),
            (65552, UnusableAsn::Reserved),
            (4_200_000_000, UnusableAsn::PrivateUse),
            (4_294_967_295, UnusableAsn::Reserved),
        ];
        for (asn, reason) in still_refused {
            assert_eq!(tests.unusable(asn), Some(reason), "AS{asn}");
        }
        assert_eq!(tests.unusable(131_072), None);
    }

    #[test]
    fn reasons_name_their_rfc() {
        assert!(UnusableAsn::AsTrans.to_string().contains("RFC 6793"));
        assert!(UnusableAsn::PrivateUse.to_string().contains("RFC 6996"));
        assert!(UnusableAsn::Zero.to_string().contains("RFC 7607"));
    }
}
