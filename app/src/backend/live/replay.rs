//! The read side: stored events read back in id order, for the pump and
//! for a client that reconnects, and their retention.

use super::BATCH;
use crate::domain::Timestamp;
use crate::domain::{JobId, UserId};
use crate::{
    backend::{
        Db,
        db::{Where, begin_write},
    },
    domain::{
        geo::GeoPoint,
        live::{Audience, EventName, LiveEvent, StreamFilter, Watcher},
    },
};

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
            job_id: JobId::from(self.job_id),
            data: self.data,
            audience: Audience {
                customer_id: UserId::from(self.customer_id),
                mechanic_id: self.mechanic_id.map(UserId::from),
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
        Watcher::Everything | Watcher::Admin => {}
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

/// The newest event about `job_id` (0 for none). Read before the job
/// itself: whatever commits later has a larger id, because every flow that
/// records an event about a job first writes (and so locks) its row.
pub async fn newest_about(db: &Db, job_id: &JobId) -> Result<i64, sqlx::Error> {
    let (newest,): (i64,) =
        sqlx::query_as("SELECT COALESCE(MAX(id), 0) FROM events WHERE job_id = $1")
            .bind(job_id)
            .fetch_one(db)
            .await?;
    Ok(newest)
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
pub async fn prune(db: &Db, cutoff: Timestamp) -> Result<u64, sqlx::Error> {
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
