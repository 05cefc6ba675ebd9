//! One file per table (or a table and the ones that only hang off it):
//! its row type and every statement on it. Use cases that change several
//! tables at once live in `flows`, and call these.

use crate::domain::AppError;

pub mod audit;
pub mod chat;
pub mod fixes;
pub mod jobs;
pub mod notifications;
pub mod photos;
pub mod push;
pub mod quotes;
pub mod timeline;
pub mod users;
pub mod vehicles;

/// A stored value this build cannot read (a hand edit, a newer version's
/// value): logged with where it is; the caller only learns that something
/// went wrong.
pub fn corrupt(table: &str, row: &str, column: &str) -> AppError {
    tracing::error!(table, row, column, "unreadable stored value");
    AppError::Internal
}
