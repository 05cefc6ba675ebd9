//! One file per table group: its row type and the SQL that reads it.
//! Use cases that change several tables at once live in `flows`.

use crate::domain::AppError;

pub mod chat;
pub mod fixes;
pub mod jobs;
pub mod notifications;
pub mod photos;
pub mod quotes;

/// A stored value this build cannot read (a hand edit, a newer version's
/// value): logged with where it is; the caller only learns that something
/// went wrong.
pub fn corrupt(table: &str, row: &str, column: &str) -> AppError {
    tracing::error!(table, row, column, "unreadable stored value");
    AppError::Internal
}
