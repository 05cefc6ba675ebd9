//! Real-time events on the server: written with the change they describe,
//! fanned out to subscribers after commit, replayed to clients that reconnect.
//!
//! One path feeds every subscriber: the pump reads committed events from
//! the `events` table in id order and routes each to the streams that may
//! see it. A commit in this process pokes it directly; on PostgreSQL, a
//! commit in any process is announced with `pg_notify`, which every
//! instance LISTENs for. Reading back from the table keeps the order and
//! loses nothing when pokes coalesce or a notification is missed.

use super::{
    Db,
    db::{Backend, Where, Write, begin_write},
    jobs::{self, JobRow},
    sessions::CurrentUser,
};
use crate::domain::{
    AppError, Role,
    geo::GeoPoint,
    job::JobStatus,
    live::{Audience, EventData, EventName, LiveEvent, StreamFilter, Watcher},
};
use sqlx::{AnyConnection, postgres::PgListener};
use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use tokio::sync::{
    Notify,
    mpsc::{self, error::TrySendError},
};

/// The PostgreSQL channel instances announce new events on.
const CHANNEL: &str = "curbside_events";
/// The channel that says a user's sessions changed (a logout, a password
/// change, a suspension): every instance rechecks that user's open streams.
const SESSIONS_CHANNEL: &str = "curbside_sessions";
/// The channel ephemeral events (GPS fixes) travel on between instances,
/// the events themselves in the payload: they are in no table to read back.
const EPHEMERAL_CHANNEL: &str = "curbside_ephemeral";
/// Open streams one user may have; opening another closes their oldest.
/// A person has a few tabs and devices; more is a script holding memory.
pub const STREAMS_PER_USER: usize = 20;
/// Events one stream may have waiting before it is cut off (it then
/// reconnects and catches up by replay), so a slow reader never holds up
/// the others or grows without bound.
pub const BUFFER: usize = 1024;
/// Rows read per query, by the pump and by a replay.
const BATCH: i64 = 500;

/// An event to write in the transaction that makes its change.
pub struct Pending {
    pub name: EventName,
    pub data: EventData,
    pub audience: Audience,
}

impl Pending {
    pub fn new(name: EventName, data: EventData, audience: Audience) -> Self {
        Self {
            name,
            data,
            audience,
        }
    }

    /// `job` moving from `from` to `to`, told to its customer and booked
    /// mechanic, and to mechanics near it when it leaves the pool of open
    /// jobs (so it leaves their lists).
    pub fn status_change(job: &JobRow, from: JobStatus, to: JobStatus) -> Result<Self, AppError> {
        let leaves_pool = from.is_open() && !to.is_open();
        Ok(Self::new(
            EventName::for_status(to),
            EventData {
                job: job.id.clone(),
                status: to,
                from: Some(from),
                quote: None,
            },
            Audience {
                customer_id: job.customer_id.clone(),
                mechanic_id: job.mechanic_id.clone(),
                nearby: if leaves_pool {
                    Some(job.point()?)
                } else {
                    None
                },
            },
        ))
    }

    /// Something that happened to `quote` (by `mechanic`) on `job`, which now stands at `status`.
    pub fn about_quote(
        name: EventName,
        job: &JobRow,
        status: JobStatus,
        quote: String,
        mechanic: String,
    ) -> Self {
        Self::new(
            name,
            EventData {
                job: job.id.clone(),
                status,
                from: None,
                quote: Some(quote),
            },
            Audience {
                customer_id: job.customer_id.clone(),
                mechanic_id: Some(mechanic),
                nearby: None,
            },
        )
    }

    /// A `quote:declined` for each `(quote, mechanic)` declined on `job`.
    pub fn declined(
        job: &JobRow,
        status: JobStatus,
        declined: Vec<(String, String)>,
    ) -> impl Iterator<Item = Self> {
        declined.into_iter().map(move |(quote, mechanic)| {
            Self::about_quote(EventName::QuoteDeclined, job, status, quote, mechanic)
        })
    }
}

/// Writes `events` in the caller's transaction. Call it last, after every
/// other write: on PostgreSQL it takes a lock on the events table that
/// queues other writers of events until this transaction ends, so ids
/// commit in order and a reader never sees id 11 before id 10 (a replay
/// would otherwise skip 10 for good). SQLite has one writer at a time anyway.
pub async fn record(tx: &mut Write, events: &[Pending], now: i64) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    tx.recorded_events();
    let postgres = tx.backend() == Backend::Postgres;
    let conn: &mut AnyConnection = tx;
    if postgres {
        sqlx::query("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
    }
    let mut last = 0;
    for e in events {
        let data = serde_json::to_string(&e.data).map_err(|e| sqlx::Error::Encode(e.into()))?;
        // Two statements rather than binding a NULL coordinate: the Any
        // driver types a bound None differently from a float, and a cached
        // statement prepared with one refuses the other on PostgreSQL.
        let query = match e.audience.nearby {
            Some(_) => sqlx::query_as::<_, (i64,)>(
                "INSERT INTO events (name, job_id, data, customer_id, mechanic_id, created_at, nearby_lat, nearby_lng) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            ),
            None => sqlx::query_as::<_, (i64,)>(
                "INSERT INTO events (name, job_id, data, customer_id, mechanic_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            ),
        };
        let mut query = query
            .bind(e.name.as_str())
            .bind(&e.data.job)
            .bind(data)
            .bind(&e.audience.customer_id)
            .bind(e.audience.mechanic_id.as_deref())
            .bind(now);
        if let Some(at) = e.audience.nearby {
            query = query.bind(at.lat()).bind(at.lng());
        }
        let (id,) = query.fetch_one(&mut *conn).await?;
        last = id;
    }
    if postgres {
        // Delivered to listeners only when (and if) this transaction commits.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(last.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    name: String,
    job_id: String,
    data: String,
    customer_id: String,
    mechanic_id: Option<String>,
    nearby_lat: Option<f64>,
    nearby_lng: Option<f64>,
}

impl EventRow {
    fn event(self) -> Option<LiveEvent> {
        let Some(name) = EventName::parse(&self.name) else {
            tracing::error!(
                id = self.id,
                name = self.name,
                "unknown event name in events"
            );
            return None;
        };
        let nearby = match (self.nearby_lat, self.nearby_lng) {
            (Some(lat), Some(lng)) => GeoPoint::new(lat, lng),
            _ => None,
        };
        Some(LiveEvent {
            id: Some(self.id),
            name,
            job_id: self.job_id,
            data: self.data,
            audience: Audience {
                customer_id: self.customer_id,
                mechanic_id: self.mechanic_id,
                nearby,
            },
        })
    }
}

const COLUMNS: &str =
    "id, name, job_id, data, customer_id, mechanic_id, nearby_lat, nearby_lng FROM events";

/// One read of stored events: those after the asked id that passed the
/// filter, the id the read got up to (ask again from there, even when
/// every row was filtered out), and whether there may be more.
pub struct Batch {
    pub events: Vec<LiveEvent>,
    pub read_to: i64,
    pub more: bool,
}

/// The next stored events after `id` that pass `filter`, oldest first.
pub async fn replay(db: &Db, filter: &StreamFilter, id: i64) -> Result<Batch, sqlx::Error> {
    // Narrow the rows in SQL; the watcher's own rule decides in Rust.
    let mut narrow = Where::default();
    if let Some(job) = &filter.job {
        narrow.and("job_id = {}", job.as_str());
    }
    match &filter.watcher {
        Watcher::Admin => {}
        Watcher::Customer { id } => narrow.and("customer_id = {}", id.as_str()),
        Watcher::Mechanic { id, .. } => {
            narrow.and("(mechanic_id = {} OR nearby_lat IS NOT NULL)", id.as_str());
        }
    }
    let sql = format!(
        "SELECT {COLUMNS}{} {} id > {} ORDER BY id LIMIT {}",
        narrow.sql(),
        if narrow.args.is_empty() {
            "WHERE"
        } else {
            "AND"
        },
        narrow.next(1),
        narrow.next(2),
    );
    let mut query = sqlx::query_as::<_, EventRow>(&sql);
    for a in &narrow.args {
        query = query.bind(a);
    }
    let rows = query.bind(id).bind(BATCH).fetch_all(db).await?;
    Ok(Batch {
        more: rows.len() as i64 == BATCH,
        read_to: rows.last().map_or(id, |r| r.id),
        events: rows
            .into_iter()
            .filter_map(EventRow::event)
            .filter(|e| filter.passes(e))
            .collect(),
    })
}

/// The newest id removed by retention and the newest id stored.
pub async fn bounds(db: &Db) -> Result<(i64, i64), sqlx::Error> {
    let (pruned, newest): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT through_id FROM events_pruned WHERE one = 1), \
         (SELECT COALESCE(MAX(id), 0) FROM events)",
    )
    .fetch_one(db)
    .await?;
    // With every row pruned, the newest id there was is the last one removed.
    Ok((pruned, newest.max(pruned)))
}

/// Removes events older than `cutoff` and remembers the newest id removed.
/// Returns how many rows went.
pub async fn prune(db: &Db, cutoff: i64) -> Result<u64, sqlx::Error> {
    let mut tx = begin_write(db).await?;
    let (through,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(id) FROM events WHERE created_at < $1")
            .bind(cutoff)
            .fetch_one(&mut *tx)
            .await?;
    let Some(through) = through else {
        return Ok(0);
    };
    let gone = sqlx::query("DELETE FROM events WHERE id <= $1")
        .bind(through)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("UPDATE events_pruned SET through_id = $1 WHERE one = 1 AND through_id < $1")
        .bind(through)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(gone)
}

/// Who is subscribing, as far as what they may see goes.
pub async fn watcher(db: &Db, user: &CurrentUser) -> Result<Watcher, AppError> {
    Ok(match user.role {
        Role::Admin => Watcher::Admin,
        Role::Customer => Watcher::Customer {
            id: user.id.clone(),
        },
        Role::Mechanic => {
            let reach = match jobs::reach(db, user).await {
                Ok(r) => Some((r.base, r.radius_km)),
                Err(AppError::Internal) => return Err(AppError::Internal),
                Err(_) => None,
            };
            Watcher::Mechanic {
                id: user.id.clone(),
                reach,
            }
        }
    })
}

/// The in-process hub: who is subscribed, and the routing of each event to
/// just the streams that may see it.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Mutex<Registry>,
    poke: Notify,
    buffer: usize,
    /// Session changes are announced to the other instances too.
    postgres: AtomicBool,
    /// This process, so it can ignore its own ephemeral notifications.
    instance: String,
    /// Ephemeral events waiting to be told to the other instances.
    outgoing: Mutex<Vec<Wire>>,
    send_poke: Notify,
}

/// An ephemeral event as told to the other instances through NOTIFY.
#[derive(serde::Serialize, serde::Deserialize)]
struct Wire {
    name: String,
    job: String,
    data: String,
    customer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mechanic: Option<String>,
}

impl Wire {
    fn of(e: &LiveEvent) -> Self {
        Wire {
            name: e.name.as_str().to_owned(),
            job: e.job_id.clone(),
            data: e.data.clone(),
            customer: e.audience.customer_id.clone(),
            mechanic: e.audience.mechanic_id.clone(),
        }
    }

    fn event(self) -> Option<LiveEvent> {
        Some(LiveEvent {
            id: None,
            name: EventName::parse(&self.name)?,
            job_id: self.job,
            data: self.data,
            audience: Audience {
                customer_id: self.customer,
                mechanic_id: self.mechanic,
                nearby: None,
            },
        })
    }
}

/// Several ephemeral events in one notification, from one instance.
#[derive(serde::Serialize, serde::Deserialize)]
struct WireBatch {
    from: String,
    events: Vec<Wire>,
}

/// PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
const NOTIFY_PAYLOAD_MAX: usize = 7_000;

/// Packs `events` into as few payloads under the limit as it can; an
/// event too big for one alone is dropped (ephemeral events are small).
fn pack(from: &str, events: Vec<Wire>) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch = WireBatch {
        from: from.to_owned(),
        events: Vec::new(),
    };
    let mut size = 0;
    for e in events {
        let len = serde_json::to_string(&e).map_or(usize::MAX, |j| j.len() + 1);
        if len > NOTIFY_PAYLOAD_MAX - 100 {
            tracing::warn!(name = e.name, "ephemeral event too big for other instances");
            continue;
        }
        if size + len > NOTIFY_PAYLOAD_MAX - 100 {
            out.extend(serde_json::to_string(&batch).ok());
            batch.events.clear();
            size = 0;
        }
        size += len;
        batch.events.push(e);
    }
    if !batch.events.is_empty() {
        out.extend(serde_json::to_string(&batch).ok());
    }
    out
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
            }),
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A panic while routing leaves the maps consistent enough to go on.
        self.inner
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Subscribes a stream of `owner`'s (the signed-in user, whatever the filter).
    pub fn subscribe(&self, filter: StreamFilter, owner: &str) -> Subscription {
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
    pub async fn sessions_changed(&self, db: &Db, user_id: &str) {
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

    fn recheck_streams_of(&self, user_id: &str) {
        let registry = self.registry();
        for key in registry.owned.get(user_id).into_iter().flatten() {
            if let Some(sub) = registry.subs.get(key) {
                sub.recheck.notify_one();
            }
        }
    }

    /// After a lost LISTEN connection, session changes may have been missed.
    fn recheck_all(&self) {
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
    fn heard_ephemeral(&self, payload: &str) {
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
                            hub.recheck_streams_of(n.payload());
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
            watcher: Watcher::Admin,
            job: None,
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
                let cutoff = super::now_ms() - retention.as_millis() as i64;
                match prune(&db, cutoff).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "old events removed"),
                    Err(e) => tracing::warn!(error = %e, "could not remove old events"),
                }
            }
        });
    }
}

struct Subscriber {
    filter: StreamFilter,
    owner: String,
    sender: mpsc::Sender<Arc<LiveEvent>>,
    recheck: Arc<Notify>,
}

/// The open streams, indexed by who may receive what, so an event costs
/// work for its recipients only, not for every stream in the process.
#[derive(Default)]
struct Registry {
    next_key: u64,
    subs: HashMap<u64, Subscriber>,
    /// Customers' and mechanics' streams, by user id.
    by_user: HashMap<String, HashSet<u64>>,
    admins: HashSet<u64>,
    /// Mechanics who may be offered new jobs near them.
    reaching: HashSet<u64>,
    /// Every stream by the user who opened it, oldest (smallest key) first.
    owned: HashMap<String, BTreeSet<u64>>,
    /// Shutting down: no new subscribers.
    closed: bool,
}

impl Registry {
    fn add(
        &mut self,
        filter: StreamFilter,
        owner: &str,
        sender: mpsc::Sender<Arc<LiveEvent>>,
        recheck: Arc<Notify>,
    ) -> u64 {
        self.next_key += 1;
        let key = self.next_key;
        if self.closed {
            return key; // the sender is dropped: the stream ends at once
        }
        let mine = self.owned.entry(owner.to_owned()).or_default();
        let excess = (mine.len() + 1).saturating_sub(STREAMS_PER_USER);
        let oldest: Vec<u64> = mine.iter().take(excess).copied().collect();
        for old in oldest {
            self.remove(old);
        }
        self.owned.entry(owner.to_owned()).or_default().insert(key);
        match &filter.watcher {
            Watcher::Admin => {
                self.admins.insert(key);
            }
            Watcher::Customer { id } => {
                self.by_user.entry(id.clone()).or_default().insert(key);
            }
            Watcher::Mechanic { id, reach } => {
                self.by_user.entry(id.clone()).or_default().insert(key);
                if reach.is_some() {
                    self.reaching.insert(key);
                }
            }
        }
        self.subs.insert(
            key,
            Subscriber {
                filter,
                owner: owner.to_owned(),
                sender,
                recheck,
            },
        );
        key
    }

    fn remove(&mut self, key: u64) {
        let Some(sub) = self.subs.remove(&key) else {
            return;
        };
        self.admins.remove(&key);
        self.reaching.remove(&key);
        if let Some(keys) = self.owned.get_mut(&sub.owner) {
            keys.remove(&key);
            if keys.is_empty() {
                self.owned.remove(&sub.owner);
            }
        }
        if let Watcher::Customer { id } | Watcher::Mechanic { id, .. } = &sub.filter.watcher
            && let Some(keys) = self.by_user.get_mut(id)
        {
            keys.remove(&key);
            if keys.is_empty() {
                self.by_user.remove(id);
            }
        }
    }

    /// Queues `e` on every stream that may see it; a stream whose queue is
    /// full is dropped from the hub (its sender goes, so it ends once it
    /// has read what it has). Returns how many streams got it.
    fn dispatch(&mut self, e: &Arc<LiveEvent>) -> usize {
        let mut keys: Vec<u64> = self.admins.iter().copied().collect();
        let users = [
            Some(&e.audience.customer_id),
            e.audience.mechanic_id.as_ref(),
        ];
        for user in users.into_iter().flatten() {
            if let Some(k) = self.by_user.get(user) {
                keys.extend(k);
            }
        }
        if e.audience.nearby.is_some() {
            keys.extend(&self.reaching);
        }
        keys.sort_unstable();
        keys.dedup();
        let mut sent = 0;
        let mut gone = Vec::new();
        for key in keys {
            let Some(sub) = self.subs.get(&key) else {
                continue;
            };
            if !sub.filter.passes(e) {
                continue;
            }
            match sub.sender.try_send(e.clone()) {
                Ok(()) => sent += 1,
                Err(TrySendError::Full(_)) => {
                    tracing::info!(
                        "dropping a stream that fell behind; it will catch up by replay"
                    );
                    gone.push(key);
                }
                Err(TrySendError::Closed(_)) => gone.push(key),
            }
        }
        for key in gone {
            self.remove(key);
        }
        sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::live::EventName;

    fn event(customer: &str, mechanic: Option<&str>, nearby: Option<GeoPoint>) -> LiveEvent {
        LiveEvent {
            id: Some(1),
            name: EventName::JobCreated,
            job_id: "j1".into(),
            data: "{}".into(),
            audience: Audience {
                customer_id: customer.into(),
                mechanic_id: mechanic.map(Into::into),
                nearby,
            },
        }
    }

    fn all(watcher: Watcher) -> StreamFilter {
        StreamFilter { watcher, job: None }
    }

    fn received(s: &mut Subscription) -> usize {
        let mut n = 0;
        while s.events.try_recv().is_ok() {
            n += 1;
        }
        n
    }

    #[test]
    fn events_reach_only_the_streams_that_may_see_them() {
        let hub = Hub::new(8);
        let camden = GeoPoint::new(51.539, -0.1426).unwrap();
        let mut priya = hub.subscribe(all(Watcher::Customer { id: "c1".into() }), "c1");
        let mut ben = hub.subscribe(all(Watcher::Customer { id: "c2".into() }), "c2");
        let mut admin = hub.subscribe(all(Watcher::Admin), "a1");
        let mut dan = hub.subscribe(
            all(Watcher::Mechanic {
                id: "m1".into(),
                reach: Some((camden, 10)),
            }),
            "m1",
        );
        let mut off = hub.subscribe(
            all(Watcher::Mechanic {
                id: "m2".into(),
                reach: None,
            }),
            "m2",
        );
        let delivered = hub
            .registry()
            .dispatch(&Arc::new(event("c1", None, Some(camden))));
        assert_eq!(delivered, 3);
        hub.registry()
            .dispatch(&Arc::new(event("c1", Some("m2"), None)));
        assert_eq!(
            [&mut priya, &mut ben, &mut admin, &mut dan, &mut off].map(received),
            [2, 0, 2, 1, 1]
        );
    }

    #[test]
    fn a_stream_that_falls_behind_is_cut_off_and_a_dropped_one_unsubscribes() {
        let hub = Hub::new(2);
        let mut slow = hub.subscribe(all(Watcher::Admin), "a1");
        let mut quick = hub.subscribe(all(Watcher::Admin), "a1");
        for _ in 0..3 {
            hub.registry().dispatch(&Arc::new(event("c1", None, None)));
            received(&mut quick);
        }
        // The slow one keeps what it had, then ends; the quick one got all three.
        assert_eq!(hub.subscribers(), 1);
        assert_eq!(received(&mut slow), 2);
        assert!(matches!(
            slow.events.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        drop(quick);
        assert_eq!(hub.subscribers(), 0);
    }

    #[test]
    fn closing_ends_open_streams_and_refuses_new_ones() {
        let hub = Hub::new(8);
        let mut open = hub.subscribe(all(Watcher::Admin), "a1");
        hub.close_all();
        let mut late = hub.subscribe(all(Watcher::Admin), "a1");
        for s in [&mut open, &mut late] {
            assert!(matches!(
                s.events.try_recv(),
                Err(mpsc::error::TryRecvError::Disconnected)
            ));
        }
    }

    #[test]
    fn opening_one_stream_too_many_closes_the_owners_oldest() {
        let hub = Hub::new(8);
        let mut first = hub.subscribe(all(Watcher::Customer { id: "c1".into() }), "c1");
        let mut rest: Vec<Subscription> = (1..STREAMS_PER_USER)
            .map(|_| hub.subscribe(all(Watcher::Customer { id: "c1".into() }), "c1"))
            .collect();
        let _other = hub.subscribe(all(Watcher::Admin), "a1");
        assert_eq!(hub.subscribers(), STREAMS_PER_USER + 1);
        assert!(
            first
                .events
                .try_recv()
                .is_err_and(|e| e == mpsc::error::TryRecvError::Empty)
        );
        let _newest = hub.subscribe(all(Watcher::Customer { id: "c1".into() }), "c1");
        assert_eq!(hub.subscribers(), STREAMS_PER_USER + 1);
        assert!(matches!(
            first.events.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        assert!(matches!(
            rest[0].events.try_recv(),
            Err(mpsc::error::TryRecvError::Empty)
        ));
    }

    #[test]
    fn ephemeral_events_pack_into_notifications_under_the_limit() {
        let wire = |n: usize| Wire {
            name: "job:location-updated".into(),
            job: format!("job-{n}"),
            data: format!(r#"{{"job":"job-{n}","lat":51.5,"lng":-0.12,"accuracy_m":10.0,"at":1}}"#),
            customer: "c1".into(),
            mechanic: None,
        };
        let payloads = pack("me", (0..100).map(wire).collect());
        assert!(payloads.len() > 1, "100 fixes do not fit one notification");
        let mut seen = Vec::new();
        for p in &payloads {
            assert!(p.len() < NOTIFY_PAYLOAD_MAX, "{}", p.len());
            let batch: WireBatch = serde_json::from_str(p).unwrap();
            assert_eq!(batch.from, "me");
            seen.extend(batch.events.into_iter().map(|e| e.event().unwrap().job_id));
        }
        let want: Vec<String> = (0..100).map(|n| format!("job-{n}")).collect();
        assert_eq!(seen, want, "every event once, in order");
        // An instance ignores what it sent itself.
        let hub = Hub::new(8);
        let mut admin = hub.subscribe(all(Watcher::Admin), "a1");
        for p in pack(&hub.inner.instance, vec![wire(1)]) {
            hub.heard_ephemeral(&p);
        }
        assert_eq!(received(&mut admin), 0);
        for p in pack("another", vec![wire(1), wire(2)]) {
            hub.heard_ephemeral(&p);
        }
        assert_eq!(received(&mut admin), 2);
    }

    #[tokio::test]
    async fn a_sessions_change_wakes_only_that_users_streams() {
        let hub = Hub::new(8);
        let ann = hub.subscribe(all(Watcher::Customer { id: "c1".into() }), "c1");
        let ben = hub.subscribe(all(Watcher::Customer { id: "c2".into() }), "c2");
        hub.recheck_streams_of("c1");
        let woke = |s: &Subscription| {
            let n = s.recheck.clone();
            async move {
                tokio::time::timeout(Duration::from_millis(50), n.notified())
                    .await
                    .is_ok()
            }
        };
        assert!(woke(&ann).await);
        assert!(!woke(&ben).await);
    }
}
