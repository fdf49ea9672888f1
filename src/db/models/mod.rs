//! One file per table (or per group of tables used together): the row structs and the
//! queries on them.

pub mod api_client;
pub mod application;
pub mod attachment;
pub mod certificate;
pub mod committee;
pub mod connection;
pub mod information_request;
pub mod link_case;
pub mod organisation;
pub mod organisation_change;
pub mod outbox;
pub mod routing;
pub mod sequence;
pub mod session;
pub mod token;
pub mod transparency;
pub mod two_factor;
pub mod user;
