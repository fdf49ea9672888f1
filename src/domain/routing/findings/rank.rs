//! How urgent a finding is, shown as its parts: severity of the kind × confidence in the
//! evidence × impact on the provider. Every part is a whole number on a stated scale, so
//! two rankings compare exactly and the queue sorts the same way on every run.

use super::FindingKind;

/// The most points the confidence part can give.
pub const MAX_CONFIDENCE: u32 = 100;

/// Points per distinct collector peer AS that saw the pair, up to [`PEERS_COUNTED`] peers.
const POINTS_PER_PEER: u32 = 4;
/// Peers beyond this many add no confidence: ten independent networks already agree.
const PEERS_COUNTED: u32 = 10;
/// Points per day the pair was seen, up to [`DAYS_COUNTED`] days.
const POINTS_PER_DAY: u32 = 4;
/// Days beyond this many add no confidence: a leak rarely lasts ten days.
const DAYS_COUNTED: u32 = 10;
/// Points per collector that saw the pair, up to [`COLLECTORS_COUNTED`] collectors.
const POINTS_PER_COLLECTOR: u32 = 5;
/// Collectors beyond this many add no confidence.
const COLLECTORS_COUNTED: u32 = 4;

/// Confidence in a presence the network itself declared in PeeringDB.
const SELF_DECLARED_POINTS: u32 = 60;
/// Confidence in an absence: collectors miss most peering links, so not seeing one is weak
/// evidence that it is gone.
const ABSENCE_POINTS: u32 = 30;

/// The impact of a link that carries none of the provider's own address space: it still
/// exists and may carry its customers' traffic or stand by as a backup.
const IMPACT_FLOOR: u32 = 10;
/// The impact of a link that carries all of the provider's address space.
const IMPACT_CEILING: u32 = 100;

/// How sure the evidence makes us, in points from 0 to [`MAX_CONFIDENCE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// The pair was seen by route collectors. The three parts add up:
    /// `peers` is 4 points per distinct peer AS up to 10 (0–40), because independent
    /// networks agreeing is the best guard against one router's leak; `persistence` is
    /// 4 points per day seen up to 10 (0–40), because leaks and poisoned paths are
    /// short-lived; `collectors` is 5 points per collector up to 4 (0–20), weighted less
    /// because the projects' peers overlap.
    Routing {
        /// Points from the distinct peer ASes that saw the pair (0–40).
        peers: u32,
        /// Points from the days the pair was seen (0–40).
        persistence: u32,
        /// Points from the collectors that saw the pair (0–20).
        collectors: u32,
    },
    /// The network listed itself in PeeringDB (60 points): its own statement, but one
    /// nobody checks and that is often left stale.
    SelfDeclared,
    /// Nothing was seen (30 points): collectors miss most peering links.
    Absence,
}

impl Confidence {
    /// Confidence from what the collectors saw: distinct peer ASes, days seen and
    /// collectors.
    pub fn from_routing(peers: u32, days: u32, collectors: u32) -> Self {
        Confidence::Routing {
            peers: peers.min(PEERS_COUNTED) * POINTS_PER_PEER,
            persistence: days.min(DAYS_COUNTED) * POINTS_PER_DAY,
            collectors: collectors.min(COLLECTORS_COUNTED) * POINTS_PER_COLLECTOR,
        }
    }

    /// The confidence in points, from 0 to [`MAX_CONFIDENCE`].
    pub fn points(self) -> u32 {
        match self {
            Confidence::Routing {
                peers,
                persistence,
                collectors,
            } => peers + persistence + collectors,
            Confidence::SelfDeclared => SELF_DECLARED_POINTS,
            Confidence::Absence => ABSENCE_POINTS,
        }
    }
}

/// The impact part, from 10 to 100, of a link through which `share_permille` thousandths
/// of the provider's address space were routed (`None` when nothing was measured, as for a
/// link not seen at all). Linear from 10 (none of it; the link still exists) to 100 (all of
/// it); shares above 1000 count as 1000.
pub fn impact(share_permille: Option<u32>) -> u32 {
    let share = share_permille.unwrap_or(0).min(1000);
    IMPACT_FLOOR + share * (IMPACT_CEILING - IMPACT_FLOOR) / 1000
}

impl FindingKind {
    /// How serious this kind of finding is, from 0 to 100, before any evidence is weighed.
    ///
    /// - `seen_after_disconnection` 100: a revocation order is being ignored.
    /// - `unapproved` 90: a link nobody applied for, the case Notice 258 forbids outright.
    /// - `seen_while_suspended` 80: an approval on hold is being used.
    /// - `seen_after_expiry` 70: an approval lapsed; often a renewal not yet filed.
    /// - `unregistered_domestic_as` 60: a Lao network the registry does not know at all.
    /// - `sibling` 50: unapproved, but to the provider's own group abroad.
    /// - `foreign_ixp_presence` 40: a self-declared presence abroad, without an approval.
    /// - `country_mismatch` 30: approved, but the details disagree.
    /// - `approved_not_observed` 10: possibly a link that is gone; collectors often miss one.
    /// - `approved` 0: nothing to act on; listed so the provider's view is complete.
    pub fn severity(self) -> u32 {
        match self {
            FindingKind::SeenAfterDisconnection => 100,
            FindingKind::Unapproved => 90,
            FindingKind::SeenWhileSuspended => 80,
            FindingKind::SeenAfterExpiry => 70,
            FindingKind::UnregisteredDomesticAs => 60,
            FindingKind::Sibling => 50,
            FindingKind::ForeignIxpPresence => 40,
            FindingKind::CountryMismatch => 30,
            FindingKind::ApprovedNotObserved => 10,
            FindingKind::Approved => 0,
        }
    }
}

/// A finding's rank: its three parts and their product. Show the parts; the score only
/// orders the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rank {
    /// The kind's severity, 0–100 (see [`FindingKind::severity`]).
    pub severity: u32,
    /// How sure the evidence makes us, 0–100 points.
    pub confidence: Confidence,
    /// The share of the provider's address space at stake, 10–100 (see [`impact`]).
    pub impact: u32,
    /// `severity × confidence points × impact`, 0–1,000,000.
    pub score: u32,
}

impl Rank {
    /// The rank of a finding of `kind` with this confidence and impact.
    pub(super) fn new(kind: FindingKind, confidence: Confidence, impact: u32) -> Self {
        let severity = kind.severity();
        Rank {
            severity,
            confidence,
            impact,
            score: severity * confidence.points() * impact,
        }
    }
}
