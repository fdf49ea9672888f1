//! Pure rules: validated types, roles, the audit chain's hashing. No diesel, no actix:
//! everything here is plain data and functions, tested without a database or a server.

pub mod account;
pub mod application;
pub mod application_form;
pub mod audit;
pub mod certificate;
pub mod clock;
pub mod committee;
pub mod connection;
pub mod country;
pub mod file;
pub mod language;
pub mod notification;
pub mod organisation_change;
pub mod role;
pub mod routing;
pub mod rules;
pub mod stored;
pub mod transparency;
pub mod validation;
