//! Server-only code: the database and the state handlers share. Never used by UI code.

pub mod db;
pub mod state;

pub use state::AppState;
