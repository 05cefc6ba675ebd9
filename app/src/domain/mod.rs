//! Pure types and rules shared by server and browser. No I/O here.

pub mod account;
pub mod admin;
pub mod error;
pub mod features;
pub mod mechanic;
pub mod time;

pub use account::{Account, AccountStatus, Email, Role, SignedIn};
pub use error::AppError;
pub use features::{Feature, FeatureFlags};
