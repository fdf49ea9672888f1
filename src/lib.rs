//! Interconnect Registry: approve, record and revoke international network connections.

pub mod auth;
pub mod background;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod routes;
pub mod routing;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod trusted_proxies;
pub mod verify_log;
pub mod views;
pub mod web;
pub mod workflows;
