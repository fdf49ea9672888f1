//! Thin handlers, one file per area: parse input, run one workflow off the async threads,
//! render a page or redirect (303 after a POST). Each area registers its own routes; the
//! HTTP plumbing they share is in `web`, and the error pages in `error_pages`.

pub mod account;
pub mod admin;
pub mod api;
pub mod applications;
pub mod certificates;
pub mod committee;
pub mod connections;
pub mod error_pages;
pub mod findings;
pub mod health;
pub mod home;
pub mod link_cases;
pub mod organisation;
pub mod organisation_changes;
pub mod registry;
pub mod session;
pub mod transparency;

use actix_web::web;

/// Registers every route. The authorization matrix test walks this same list.
/// actix tries routes in this order, matching each dynamic one with a regular expression,
/// so the public registry and its API, the most requested parts, come first; an area whose
/// routes sit at two places in that order registers each part with its own function.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    registry::configure_lists(cfg);
    certificates::configure_revocations(cfg);
    registry::configure_record(cfg);
    certificates::configure_verification(cfg);
    registry::configure_statistics(cfg);
    api::configure_registry(cfg);
    certificates::configure_keys(cfg);
    transparency::configure(cfg);
    api::configure(cfg);
    home::configure(cfg);
    session::configure(cfg);
    organisation::configure_profile(cfg);
    admin::configure(cfg);
    account::configure(cfg);
    organisation::configure_staff(cfg);
    applications::configure(cfg);
    committee::configure(cfg);
    organisation_changes::configure(cfg);
    connections::configure(cfg);
    findings::configure(cfg);
    link_cases::configure(cfg);
}
