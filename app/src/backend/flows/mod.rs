//! Use cases that own a write transaction: the change, its timeline row
//! and audit entry, and its events, committed together.

pub mod accounts;
pub mod admin;
pub mod booking;
pub mod chat;
pub mod notifications;
pub mod paying;
pub mod photos;
pub mod quoting;
