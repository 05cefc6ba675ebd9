//! This process's hub: open streams subscribe here; the pump feeds them
//! from the table, the listener hears the other instances.

use super::{
    BUFFER, CHANNEL, EPHEMERAL_CHANNEL, SESSIONS_CHANNEL,
    registry::Registry,
    replay::{bounds, prune, replay},
    wire::{Wire, WireBatch, from_self, pack},
};
use crate::domain::UserId;
use crate::domain::{FeatureFlags, Timestamp};
use crate::{
    backend::Db,
    domain::live::{LiveEvent, StreamFilter, Watcher},
};
use sqlx::postgres::PgListener;
use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};
use tokio::sync::{Notify, broadcast, mpsc};

/// The in-process hub: who is subscribed, and the routing of each event to
/// just the streams that may see it.
#[derive(Clone)]
pub struct Hub {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    registry: Mutex<Registry>,
    poke: Notify,
    buffer: usize,
    /// Session changes are announced to the other instances too.
    postgres: AtomicBool,
    /// This process, so it can ignore its own ephemeral notifications.
    pub(super) instance: String,
    /// Ephemeral events waiting to be told to the other instances.
    outgoing: Mutex<Vec<Wire>>,
    send_poke: Notify,
    /// How far the pump has read the table: every event up to here has
    /// been handed to the streams open at the time.
    pumped: AtomicI64,
    /// Whose sessions changed (`None`: anyone's may have), for connections
    /// that are not streams (a phone's location socket).
    session_changes: broadcast::Sender<Option<Arc<str>>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(BUFFER)
    }
}

/// One open stream's end of the hub. Dropping it unsubscribes.
pub struct Subscription {
    hub: Hub,
    key: u64,
    /// Ends (`None`) when the stream fell `BUFFER` events behind, or was
    /// closed because its owner opened too many.
    pub events: mpsc::Receiver<Arc<LiveEvent>>,
    /// Woken when the owner's sessions changed: the stream checks that its
    /// own session is still open, and ends if not.
    pub recheck: Arc<Notify>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.registry().remove(self.key);
    }
}

impl Hub {
    /// `buffer`: how many events one stream may have waiting before it is cut off.
    pub fn new(buffer: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                registry: Mutex::new(Registry::default()),
                poke: Notify::new(),
                buffer,
                postgres: AtomicBool::new(false),
                instance: uuid::Uuid::now_v7().to_string(),
                outgoing: Mutex::new(Vec::new()),
                send_poke: Notify::new(),
                pumped: AtomicI64::new(0),
                session_changes: broadcast::channel(64).0,
            }),
        }
    }

    pub(super) fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A panic while routing leaves the maps consistent enough to go on.
        self.inner
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Subscribes a stream of `owner`'s (the signed-in user, whatever the filter).
    pub fn subscribe(&self, filter: StreamFilter, owner: &UserId) -> Subscription {
        let (sender, events) = mpsc::channel(self.inner.buffer);
        let recheck = Arc::new(Notify::new());
        let key = self.registry().add(filter, owner, sender, recheck.clone());
        Subscription {
            hub: self.clone(),
            key,
            events,
            recheck,
        }
    }

    /// Says that sessions of `user_id` ended (logout, logout everywhere, a
    /// new password, a suspension): each of their open streams, in every
    /// instance, checks its own session and ends if that one is gone.
    /// Call it after the change committed.
    pub async fn sessions_changed(&self, db: &Db, user_id: &UserId) {
        self.recheck_streams_of(user_id);
        if self.inner.postgres.load(Ordering::Relaxed)
            && let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(SESSIONS_CHANNEL)
                .bind(user_id)
                .execute(db)
                .await
        {
            tracing::warn!(error = %e, "could not tell other instances that sessions ended");
        }
    }

    /// Hears whose sessions changed, in this instance or another:
    /// `Some(user)`, or `None` when anyone's may have (a lost listener, or
    /// this receiver fell behind: `Lagged`, which means the same).
    pub fn session_changes(&self) -> broadcast::Receiver<Option<Arc<str>>> {
        self.inner.session_changes.subscribe()
    }

    pub(super) fn recheck_streams_of(&self, user_id: &UserId) {
        // No receivers is not an error: nobody holds a socket.
        let _ = self
            .inner
            .session_changes
            .send(Some(user_id.as_str().into()));
        let registry = self.registry();
        for key in registry.owned.get(user_id).into_iter().flatten() {
            if let Some(sub) = registry.subs.get(key) {
                sub.recheck.notify_one();
            }
        }
    }

    /// After a lost LISTEN connection, session changes may have been missed.
    fn recheck_all(&self) {
        let _ = self.inner.session_changes.send(None);
        for sub in self.registry().subs.values() {
            sub.recheck.notify_one();
        }
    }

    /// Ends every open stream and every later one: the server is stopping,
    /// and a graceful shutdown waits for responses to finish. Clients
    /// reconnect (to another instance, or this one restarted) and replay.
    pub fn close_all(&self) {
        let mut registry = self.registry();
        registry.closed = true;
        let keys: Vec<u64> = registry.subs.keys().copied().collect();
        for key in keys {
            registry.remove(key);
        }
    }

    /// Where a page rendered now should resume its stream from: a stream
    /// opened with this as its last id replays every event the page's data
    /// may not include. It may trail the table (then a page hears an event
    /// it already shows, and refetches once), never lead it.
    pub fn cursor(&self) -> i64 {
        self.inner.pumped.load(Ordering::Acquire)
    }

    /// How many streams are open in this process.
    pub fn subscribers(&self) -> usize {
        self.registry().subs.len()
    }

    /// Tells the pump that another instance committed events. Cheap; pokes coalesce.
    fn committed(&self) {
        self.inner.poke.notify_one();
    }

    /// Sends an event that is not stored (typing, a GPS tick) to this
    /// process's subscribers. Missed ones are not replayed.
    /// On PostgreSQL the other instances get it too, through NOTIFY,
    /// batched: one statement carries every event queued meanwhile.
    pub fn publish_ephemeral(&self, event: LiveEvent) {
        debug_assert!(event.id.is_none(), "durable events go through the table");
        if self.inner.postgres.load(Ordering::Relaxed) {
            self.inner
                .outgoing
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Wire::of(&event));
            self.inner.send_poke.notify_one();
        }
        self.registry().dispatch(&Arc::new(event));
    }

    /// Routes ephemeral events another instance published.
    pub(super) fn heard_ephemeral(&self, payload: &str) {
        // Every instance hears its own, and with one instance that is all of them.
        if from_self(payload, &self.inner.instance) {
            return;
        }
        let Ok(batch) = serde_json::from_str::<WireBatch>(payload) else {
            tracing::warn!("unreadable ephemeral notification");
            return;
        };
        if batch.from == self.inner.instance {
            return;
        }
        let mut registry = self.registry();
        for e in batch.events.into_iter().filter_map(Wire::event) {
            registry.dispatch(&Arc::new(e));
        }
    }

    /// Sends queued ephemeral events to the other instances as soon as
    /// there are any; while one send is in flight, the next ones gather.
    fn start_sending(&self, db: Db) {
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                hub.inner.send_poke.notified().await;
                let events = std::mem::take(
                    &mut *hub.inner.outgoing.lock().unwrap_or_else(|p| p.into_inner()),
                );
                for payload in pack(&hub.inner.instance, events) {
                    if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(EPHEMERAL_CHANNEL)
                        .bind(payload)
                        .execute(&db)
                        .await
                    {
                        tracing::warn!(error = %e, "could not tell other instances an ephemeral event");
                    }
                }
            }
        });
    }

    /// Starts the pump (and, on PostgreSQL, the listener that pokes it).
    /// The pump also reads the table every `safety_poll`, in case a poke
    /// was missed (a dropped LISTEN connection).
    pub async fn start(
        &self,
        db: Db,
        postgres_url: Option<&str>,
        safety_poll: Duration,
    ) -> Result<(), sqlx::Error> {
        let (_, mut last) = bounds(&db).await?;
        self.inner.pumped.store(last, Ordering::Release);
        if let Some(url) = postgres_url {
            self.inner.postgres.store(true, Ordering::Relaxed);
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_lazy(url)?;
            let mut listener = PgListener::connect_with(&pool).await?;
            listener
                .listen_all([CHANNEL, SESSIONS_CHANNEL, EPHEMERAL_CHANNEL])
                .await?;
            self.start_sending(db.clone());
            let hub = self.clone();
            tokio::spawn(async move {
                loop {
                    match listener.recv().await {
                        Ok(n) if n.channel() == SESSIONS_CHANNEL => {
                            hub.recheck_streams_of(&UserId::from(n.payload()));
                        }
                        Ok(n) if n.channel() == EPHEMERAL_CHANNEL => {
                            hub.heard_ephemeral(n.payload());
                        }
                        Ok(_) => hub.committed(),
                        Err(e) => {
                            // recv reconnects on the next call; events
                            // announced meanwhile are found by the catch-up
                            // read, ended sessions by every stream rechecking.
                            tracing::warn!(error = %e, "event listener lost its connection");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            hub.committed();
                            hub.recheck_all();
                        }
                    }
                }
            });
        }
        let hub = self.clone();
        let everything = StreamFilter {
            watcher: Watcher::Everything,
            job: None,
            features: FeatureFlags::default(),
        };
        // Commits in this process (through `Write::commit`) wake the pump directly.
        let mut commits = db.commits();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = hub.inner.poke.notified() => {}
                    _ = commits.changed() => {}
                    () = tokio::time::sleep(safety_poll) => {}
                }
                loop {
                    match replay(&db, &everything, last).await {
                        Ok(batch) => {
                            last = batch.read_to;
                            let mut registry = hub.registry();
                            for e in batch.events {
                                registry.dispatch(&Arc::new(e));
                            }
                            drop(registry);
                            hub.inner.pumped.store(last, Ordering::Release);
                            if !batch.more {
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "could not read new events");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            break;
                        }
                    }
                }
            }
        });
        Ok(())
    }

    /// Removes events older than `retention` once an hour.
    pub fn start_pruning(db: Db, retention: Duration) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let cutoff = Timestamp::now() - retention;
                match prune(&db, cutoff).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "old events removed"),
                    Err(e) => tracing::warn!(error = %e, "could not remove old events"),
                }
            }
        });
    }
}
