//! Pure types and rules shared by server and browser. No I/O here.

pub mod access;
pub mod account;
pub mod admin;
pub mod chat;
pub mod error;
pub mod features;
pub mod field;
pub mod geo;
pub mod ids;
pub mod job;
pub mod live;
pub mod map;
pub mod mechanic;
pub mod money;
pub mod names;
pub mod notification;
pub mod payment;
pub mod photo;
pub mod quote;
pub mod text;
mod text_enum;
pub mod time;
pub mod tracking;
pub mod vehicle;

pub use account::{Account, AccountStatus, Email, Role, SignedIn};
pub use error::AppError;
pub use features::{Feature, FeatureFlags};
pub use ids::{
    DeviceId, JobId, MessageId, NotificationId, PaymentId, PhotoId, QuoteId, ReportId, ThreadId,
    UserId, VehicleId,
};
pub use time::Timestamp;
