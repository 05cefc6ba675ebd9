//! Pieces pages are built from: forms, cards, maps, the console frame.

pub mod areas;
pub mod chat;
pub mod checkout;
pub mod console;
pub mod forms;
#[cfg(feature = "browser")]
pub mod geolocation;
pub mod job_actions;
pub mod job_card;
pub mod local_time;
pub mod map;
pub mod notifications;
pub mod payment;
pub mod photos;
pub mod push;
pub mod quotes;
pub mod tracking;
#[cfg(feature = "browser")]
pub mod upstream;
pub mod vehicle_form;
