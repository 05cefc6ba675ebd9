//! The write side: events recorded in the transaction that makes their change.

use super::CHANNEL;
use crate::domain::Timestamp;
use crate::domain::{JobId, QuoteId, UserId};
use crate::{
    backend::{
        db::{Backend, Write},
        store::jobs::JobRow,
    },
    domain::{
        AppError,
        chat::Message,
        job::JobStatus,
        live::{Audience, EventData, EventName},
    },
};
use sqlx::AnyConnection;

/// An event to write in the transaction that makes its change.
pub struct Pending {
    pub name: EventName,
    pub job: JobId,
    /// What the event carries, as the JSON sent to clients.
    pub data: String,
    pub audience: Audience,
    /// What decides who is told (`notify`), typed here rather than read
    /// back out of `data`: the status the job stands at, who wrote.
    pub status: Option<JobStatus>,
    pub sender: Option<UserId>,
}

impl Pending {
    pub fn new(name: EventName, data: EventData, audience: Audience) -> Self {
        Self {
            status: Some(data.status),
            ..Self::carrying(name, data.job.clone(), &data, audience)
        }
    }

    /// `message:new`, told to the thread's two parties.
    pub fn message(message: &Message, audience: Audience) -> Self {
        Self {
            sender: Some(message.sender.clone()),
            ..Self::carrying(
                EventName::MessageNew,
                message.job.clone(),
                message,
                audience,
            )
        }
    }

    /// An event about `job` that carries `data` (a message, a read receipt).
    pub fn carrying(
        name: EventName,
        job: JobId,
        data: &impl serde::Serialize,
        audience: Audience,
    ) -> Self {
        Self {
            name,
            job,
            // Plain structs of strings and numbers: serializing cannot fail.
            data: serde_json::to_string(data).unwrap_or_else(|_| "{}".to_owned()),
            audience,
            status: None,
            sender: None,
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
        quote: QuoteId,
        mechanic: UserId,
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

    /// Something that happened to the payment of `job` (standing at
    /// `status`), told to its customer and the payment's mechanic.
    pub fn about_payment(
        name: EventName,
        job: &JobRow,
        status: JobStatus,
        mechanic: UserId,
    ) -> Self {
        Self::new(
            name,
            EventData {
                job: job.id.clone(),
                status,
                from: None,
                quote: None,
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
        declined: Vec<(QuoteId, UserId)>,
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
pub async fn record(tx: &mut Write, events: &[Pending], now: Timestamp) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    // Before the lock below: the notifications' reads and writes need not queue other writers.
    let told = crate::backend::notify::enqueue(tx, events, now).await?;
    tx.recorded_events(events.len() + told.len());
    let postgres = tx.backend() == Backend::Postgres;
    let conn: &mut AnyConnection = tx;
    if postgres {
        sqlx::query("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
    }
    let mut last = 0;
    for e in events.iter().chain(&told) {
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
            .bind(&e.job)
            .bind(&e.data)
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
