//! One file per table: the row structs and the queries on them.

pub mod organisation;
pub mod session;
pub mod user;
