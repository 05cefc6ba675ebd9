//! Server-only code: the database, accounts and sessions, and the state handlers share. Never used by UI code.

pub mod access;
pub mod assets;
pub mod db;
pub mod flows;
pub mod live;
pub mod notify;
pub mod outbound;
pub mod password;
pub mod password_strength;
pub mod payments;
pub mod photos;
pub mod policy;
pub mod profiles;
pub mod push;
pub mod routing;
pub mod seed;
pub mod sessions;
pub mod state;
pub mod store;
pub mod throttle;
pub mod tokens;
pub mod tracking;

pub use db::Db;
pub use state::{AppState, AuthSettings, Metrics};

use crate::domain::AppError;

/// A new time-sortable id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Database failures are logged here with their cause; the client only learns something went wrong.
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        AppError::Internal
    }
}
