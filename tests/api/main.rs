//! Black-box tests: each spawns the real application on 127.0.0.1:0 with a database of its
//! own (a SQLite file, or a fresh PostgreSQL database when `TEST_DATABASE_URL` is set) and
//! talks to it over HTTP.

mod helpers;
mod workflow_helpers;

mod actions;
mod admin;
mod api_v1;
mod audit;
mod audit_checkpoints;
mod authorization;
mod certificates;
mod cli;
mod committee_integrity;
mod csrf;
mod draft_form;
mod errors;
mod findings;
mod hostile;
mod identity_changes;
mod language;
mod link_cases;
mod load;
mod mail;
mod metrics;
mod monitoring;
mod notices;
mod organisation;
mod paging;
mod passwords;
mod provider;
mod proxies;
mod queries;
mod registry;
mod registry_freshness;
mod resilience;
mod secret_key;
mod sessions;
mod smtp_sink;
mod transparency;
mod two_factor;
mod workflow;
