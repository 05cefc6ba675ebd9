//! Real-time events on the server: written with the change they describe,
//! fanned out to subscribers after commit, replayed to clients that reconnect.
//!
//! One path feeds every subscriber: the pump reads committed events from
//! the `events` table in id order and routes each to the streams that may
//! see it. A commit in this process wakes it directly (`db::Write::commit`);
//! on PostgreSQL, a commit in any process is announced with `pg_notify`,
//! which every instance LISTENs for. Reading back from the table keeps the
//! order and loses nothing when pokes coalesce or a notification is missed.
//!
//! - [`outbox`]: events written in the transaction that makes their change.
//! - [`replay`]: reading them back, retention.
//! - [`hub`]: this process's subscribers, the pump, LISTEN.
//! - `registry`: which open stream may see which event.
//! - `wire`: ephemeral events between instances.
//! - `typing`: how often a typing notice is passed on.

mod hub;
pub mod outbox;
mod registry;
pub mod replay;
#[cfg(test)]
mod tests;
mod typing;
mod wire;

pub use hub::{Hub, Subscription};
pub use outbox::{Pending, record};
pub use replay::{Batch, bounds, newest_about, prune, replay};
pub use typing::TypingGate;

/// The PostgreSQL channel instances announce new events on.
pub(crate) const CHANNEL: &str = "curbside_events";
/// The channel that says a user's sessions changed (a logout, a password
/// change, a suspension): every instance rechecks that user's open streams.
pub(crate) const SESSIONS_CHANNEL: &str = "curbside_sessions";
/// The channel ephemeral events (GPS fixes) travel on between instances,
/// the events themselves in the payload: they are in no table to read back.
pub(crate) const EPHEMERAL_CHANNEL: &str = "curbside_ephemeral";
/// Open streams one user may have; opening another closes their oldest.
/// A person has a few tabs and devices; more is a script holding memory.
pub const STREAMS_PER_USER: usize = 20;
/// Events one stream may have waiting before it is cut off (it then
/// reconnects and catches up by replay), so a slow reader never holds up
/// the others or grows without bound.
pub const BUFFER: usize = 1024;
/// Rows read per query, by the pump and by a replay.
pub(crate) const BATCH: i64 = 500;
