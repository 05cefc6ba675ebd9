//! Real-time events on the server: written with the change they describe,
//! fanned out to subscribers after commit, replayed to clients that reconnect.
//!
//! One path feeds every subscriber: the pump reads committed events from the
//! `events` table in id order and broadcasts them. A commit in this process
//! pokes it directly; on PostgreSQL, a commit in any process is announced
//! with `pg_notify`, which every instance LISTENs for. Reading back from the
//! table keeps the order and loses nothing when pokes coalesce or a
//! notification is missed.

use super::{Db, db::begin_write, jobs, sessions::CurrentUser};
use crate::domain::{
    AppError, Role,
    geo::GeoPoint,
    live::{Audience, EventData, EventName, LiveEvent, StreamFilter, Watcher},
};
use sqlx::{AnyConnection, postgres::PgListener};
use std::{sync::Arc, time::Duration};
use tokio::sync::{Notify, broadcast};

/// The PostgreSQL channel instances announce new events on.
const CHANNEL: &str = "curbside_events";
/// Events a subscriber may fall behind by before it is cut off (it then
/// reconnects and catches up by replay). Shared by all subscribers: the
/// memory is the same whether one or ten thousand are connected.
pub const BUFFER: usize = 1024;
/// Rows read per query, by the pump and by a replay.
const BATCH: i64 = 500;
/// The pump also looks for new events this often, in case a poke was missed
/// (a dropped LISTEN connection).
const SAFETY_POLL: Duration = Duration::from_secs(2);

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
}

/// Writes `events` in the caller's transaction. Call it last, after every
/// other write: on PostgreSQL it takes a lock on the events table that
/// queues other writers of events until this transaction ends, so ids
/// commit in order and a reader never sees id 11 before id 10 (a replay
/// would otherwise skip 10 for good). SQLite has one writer at a time anyway.
pub async fn record(
    conn: &mut AnyConnection,
    events: &[Pending],
    now: i64,
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let postgres = conn.backend_name() == "PostgreSQL";
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

async fn after(db: &Db, id: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(id)
    .bind(BATCH)
    .fetch_all(db)
    .await
}

/// The next batch of stored events after `id` that pass `filter`, and the
/// id the batch read up to (so the caller can ask again from there even
/// when every row was filtered out). `None` when there are no more.
pub async fn replay(
    db: &Db,
    filter: &StreamFilter,
    id: i64,
) -> Result<Option<(Vec<LiveEvent>, i64)>, sqlx::Error> {
    let mut sql = format!("SELECT {COLUMNS} WHERE id > $1");
    let mut args: Vec<&str> = Vec::new();
    if let Some(job) = &filter.job {
        args.push(job);
        sql.push_str(&format!(" AND job_id = ${}", args.len() + 1));
    }
    // Narrow the rows in SQL; the watcher's own rule decides in Rust.
    match &filter.watcher {
        Watcher::Admin => {}
        Watcher::Customer { id } => {
            args.push(id);
            sql.push_str(&format!(" AND customer_id = ${}", args.len() + 1));
        }
        Watcher::Mechanic { id, .. } => {
            args.push(id);
            sql.push_str(&format!(
                " AND (mechanic_id = ${0} OR nearby_lat IS NOT NULL)",
                args.len() + 1
            ));
        }
    }
    sql.push_str(&format!(" ORDER BY id LIMIT ${}", args.len() + 2));
    let mut query = sqlx::query_as::<_, EventRow>(&sql).bind(id);
    for a in args {
        query = query.bind(a);
    }
    let rows = query.bind(BATCH).fetch_all(db).await?;
    let Some(read_to) = rows.last().map(|r| r.id) else {
        return Ok(None);
    };
    let events = rows
        .into_iter()
        .filter_map(EventRow::event)
        .filter(|e| filter.passes(e))
        .collect();
    Ok(Some((events, read_to)))
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

/// The in-process hub: one broadcast channel every subscriber reads from.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    poke: Notify,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(BUFFER)
    }
}

impl Hub {
    pub fn new(buffer: usize) -> Self {
        let (sender, _) = broadcast::channel(buffer);
        Self {
            inner: Arc::new(Inner {
                sender,
                poke: Notify::new(),
            }),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.inner.sender.subscribe()
    }

    /// How many streams are open in this process.
    pub fn subscribers(&self) -> usize {
        self.inner.sender.receiver_count()
    }

    /// Tells the pump that events were committed. Cheap; pokes coalesce.
    pub fn committed(&self) {
        self.inner.poke.notify_one();
    }

    /// Sends an event that is not stored (typing, a GPS tick) to this
    /// process's subscribers. Missed ones are not replayed.
    pub fn publish_ephemeral(&self, event: LiveEvent) {
        debug_assert!(event.id.is_none(), "durable events go through the table");
        let _ = self.inner.sender.send(Arc::new(event));
    }

    /// Starts the pump (and, on PostgreSQL, the listener that pokes it).
    pub async fn start(&self, db: Db, postgres_url: Option<&str>) -> Result<(), sqlx::Error> {
        let (_, mut last) = bounds(&db).await?;
        if let Some(url) = postgres_url {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_lazy(url)?;
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            let hub = self.clone();
            tokio::spawn(async move {
                loop {
                    match listener.recv().await {
                        Ok(_) => hub.committed(),
                        Err(e) => {
                            // recv reconnects on the next call; what was
                            // announced meanwhile is found by the catch-up read.
                            tracing::warn!(error = %e, "event listener lost its connection");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            hub.committed();
                        }
                    }
                }
            });
        }
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                let _ = tokio::time::timeout(SAFETY_POLL, hub.inner.poke.notified()).await;
                loop {
                    match after(&db, last).await {
                        Ok(rows) => {
                            let full = rows.len() as i64 == BATCH;
                            for row in rows {
                                last = row.id;
                                if let Some(e) = row.event() {
                                    let _ = hub.inner.sender.send(Arc::new(e));
                                }
                            }
                            if !full {
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
