//! One module per page (or per area whose pages share their frame): what a route shows.

pub mod account;
pub mod admin;
pub mod admin_map;
pub mod admin_payments;
pub mod admin_reports;
pub mod auth;
pub mod customer;
pub mod garage;
pub mod job;
pub mod landing;
pub mod lazy;
pub mod mechanic;
pub mod notifications;
