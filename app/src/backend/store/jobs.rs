//! The `jobs` table: its row and every statement on it.

use crate::domain::QuoteId;
use crate::domain::Timestamp;
use crate::domain::{JobId, UserId, VehicleId};
use crate::{
    backend::Db,
    backend::db::Where,
    domain::{
        AppError,
        admin::{AdminJob, JobPage, Paging},
        geo::GeoPoint,
        job::{JobStatus, JobSummary, NewJob, Urgency},
        mechanic::Skill,
        money::{Currency, Money},
        quote::QuoteStatus,
        vehicle,
    },
};
use sqlx::{Any, Executor};

/// A customer may have this many unfinished jobs at once.
pub const OPEN_JOBS_MAX: i64 = 10;
/// Lists stop here; older jobs are still on their own pages.
pub const LIST_LIMIT: i64 = 100;

#[derive(sqlx::FromRow)]
pub struct JobRow {
    pub id: JobId,
    pub customer_id: UserId,
    pub vehicle_id: VehicleId,
    pub category: Skill,
    pub description: String,
    pub lat: f64,
    pub lng: f64,
    pub address: String,
    pub locality: String,
    pub urgency: String,
    pub window_start: Option<Timestamp>,
    pub window_end: Option<Timestamp>,
    pub status: JobStatus,
    pub mechanic_id: Option<UserId>,
    pub cancel_reason: Option<String>,
    pub created_at: Timestamp,
}

fn corrupt(job: &JobId, column: &str) -> AppError {
    super::corrupt("jobs", job, column)
}

fn read_urgency(kind: &str, start: Option<Timestamp>, end: Option<Timestamp>) -> Option<Urgency> {
    match (kind, start, end) {
        ("asap", _, _) => Some(Urgency::Asap),
        ("window", Some(start), Some(end)) => Some(Urgency::Window { start, end }),
        _ => None,
    }
}

impl JobRow {
    pub fn point(&self) -> Result<GeoPoint, AppError> {
        GeoPoint::new(self.lat, self.lng).ok_or_else(|| corrupt(&self.id, "lat/lng"))
    }

    pub fn urgency(&self) -> Result<Urgency, AppError> {
        read_urgency(&self.urgency, self.window_start, self.window_end)
            .ok_or_else(|| corrupt(&self.id, "urgency"))
    }
}

pub async fn row<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &JobId,
) -> Result<Option<JobRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, customer_id, vehicle_id, category, description, lat, lng, address, locality, \
         urgency, window_start, window_end, status, mechanic_id, cancel_reason, created_at \
         FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

#[derive(sqlx::FromRow)]
struct AdminRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    customer_name: String,
    mechanic_name: Option<String>,
}

/// Every job, newest first, optionally of one status: the admin's list.
pub async fn list_all(
    db: &Db,
    status: Option<JobStatus>,
    paging: Paging,
    now: Timestamp,
) -> Result<JobPage, AppError> {
    let mut filter = Where::default();
    if let Some(s) = status {
        filter.and("j.status = {}", s.as_str());
    }
    let total = filter.count(db, "jobs j").await?;
    let sql = format!(
        "SELECT {SUMMARY}, (SELECT COUNT(*) FROM quotes q WHERE q.job_id = j.id AND q.status = {} \
         AND q.expires_at > {}) AS live_quotes, CAST(NULL AS BIGINT) AS my_quote_cents, \
         c.name AS customer_name, COALESCE(p.display_name, m.name) AS mechanic_name \
         FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id JOIN users c ON c.id = j.customer_id \
         LEFT JOIN users m ON m.id = j.mechanic_id LEFT JOIN mechanic_profiles p ON p.user_id = j.mechanic_id{} \
         ORDER BY j.created_at DESC, j.id DESC LIMIT {} OFFSET {}",
        filter.next(4),
        filter.next(1),
        filter.sql(),
        filter.next(2),
        filter.next(3),
    );
    let mut query = sqlx::query_as::<_, AdminRow>(&sql);
    for a in &filter.args {
        query = query.bind(a);
    }
    let rows = query
        .bind(now)
        .bind(i64::from(paging.per_page))
        .bind(paging.offset())
        .bind(QuoteStatus::Live.as_str())
        .fetch_all(db)
        .await?;
    let jobs = rows
        .into_iter()
        .map(|r| {
            Ok(AdminJob {
                job: r.summary.summary(None)?,
                customer: r.customer_name,
                mechanic: r.mechanic_name,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(JobPage {
        jobs,
        total,
        paging,
    })
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: JobId,
    status: JobStatus,
    category: Skill,
    locality: String,
    urgency: String,
    window_start: Option<Timestamp>,
    window_end: Option<Timestamp>,
    created_at: Timestamp,
    lat: f64,
    lng: f64,
    year: i64,
    make: String,
    model: String,
    trim: Option<String>,
    live_quotes: Option<i64>,
    my_quote_cents: Option<i64>,
}

const SUMMARY: &str = "j.id, j.status, j.category, j.locality, j.urgency, j.window_start, \
    j.window_end, j.created_at, j.lat, j.lng, v.year, v.make, v.model, v.trim";

impl SummaryRow {
    pub fn summary(self, from: Option<GeoPoint>) -> Result<JobSummary, AppError> {
        let vehicle = vehicle::title(self.year, &self.make, &self.model, self.trim.as_deref());
        let at = GeoPoint::new(self.lat, self.lng).ok_or_else(|| corrupt(&self.id, "lat/lng"))?;
        Ok(JobSummary {
            status: self.status,
            category: self.category,
            urgency: read_urgency(&self.urgency, self.window_start, self.window_end)
                .ok_or_else(|| corrupt(&self.id, "urgency"))?,
            vehicle,
            locality: self.locality,
            created_at: self.created_at,
            live_quotes: self.live_quotes,
            my_quote: self
                .my_quote_cents
                .map(|c| Money::new(c, Currency::PLATFORM)),
            distance_km: from.map(|f| f.distance_km(at)),
            area: None,
            id: self.id,
        })
    }
}

/// The customer's jobs, newest first, with how many quotes they can accept now.
pub async fn for_customer(
    db: &Db,
    customer_id: &UserId,
    now: Timestamp,
) -> Result<Vec<JobSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY}, (SELECT COUNT(*) FROM quotes q WHERE q.job_id = j.id AND q.status = $4 \
         AND q.expires_at > $2) AS live_quotes, CAST(NULL AS BIGINT) AS my_quote_cents \
         FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id \
         WHERE j.customer_id = $1 ORDER BY j.created_at DESC, j.id DESC LIMIT $3"
    ))
    .bind(customer_id)
    .bind(now)
    .bind(LIST_LIMIT)
    .bind(QuoteStatus::Live.as_str())
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|r| r.summary(None)).collect()
}

/// The jobs booked with this mechanic: unfinished first, then the latest.
/// Distances are from `base`, the mechanic's, when they have one.
pub async fn for_mechanic(
    db: &Db,
    mechanic_id: &UserId,
    base: Option<GeoPoint>,
) -> Result<Vec<JobSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY}, CAST(NULL AS BIGINT) AS live_quotes, CAST(NULL AS BIGINT) AS my_quote_cents \
         FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id WHERE j.mechanic_id = $1 \
         ORDER BY CASE WHEN j.status IN ($3, $4) THEN 1 ELSE 0 END, j.updated_at DESC \
         LIMIT $2"
    ))
    .bind(mechanic_id)
    .bind(LIST_LIMIT)
    .bind(JobStatus::Completed.as_str())
    .bind(JobStatus::Cancelled.as_str())
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|r| r.summary(base)).collect()
}

/// Requested and quoted jobs within `radius_km` of `base` (not the
/// mechanic's own), each with the mechanic's own live quote if they sent
/// one, and where each job is. In no particular order.
pub async fn open_near(
    db: &Db,
    mechanic_id: &UserId,
    base: GeoPoint,
    radius_km: u32,
) -> Result<Vec<(JobSummary, GeoPoint)>, AppError> {
    // A box around the radius narrows the rows (by an index on status and
    // latitude); the database orders them by a flat-earth distance (plain
    // arithmetic, the same in both dialects, and at city scale the same
    // order as the true one) and sends only the nearest candidates; the
    // haversine distance decides. Where the box wraps (near a pole, or the
    // 180th meridian) the flat distance is wrong, so every row is sent.
    let bbox = base.bounding_box(f64::from(radius_km));
    let wraps = bbox.min_lng <= -180.0 && bbox.max_lng >= 180.0;
    let (lng_scale, candidates) = if wraps {
        (0.0, i64::MAX)
    } else {
        (base.lat().to_radians().cos(), 2 * LIST_LIMIT)
    };
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY}, CAST(NULL AS BIGINT) AS live_quotes, q.total_cents AS my_quote_cents \
         FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id \
         LEFT JOIN quotes q ON q.job_id = j.id AND q.mechanic_id = $1 AND q.status = $10 \
         WHERE j.status IN ($11, $12) AND j.lat BETWEEN $2 AND $3 \
         AND j.lng BETWEEN $4 AND $5 AND j.customer_id <> $1 \
         ORDER BY (j.lat - $6) * (j.lat - $6) + (j.lng - $7) * $8 * (j.lng - $7) * $8, j.id \
         LIMIT $9"
    ))
    .bind(mechanic_id)
    .bind(bbox.min_lat)
    .bind(bbox.max_lat)
    .bind(bbox.min_lng)
    .bind(bbox.max_lng)
    .bind(base.lat())
    .bind(base.lng())
    .bind(lng_scale)
    .bind(candidates)
    .bind(QuoteStatus::Live.as_str())
    .bind(JobStatus::Requested.as_str())
    .bind(JobStatus::Quoted.as_str())
    .fetch_all(db)
    .await?;
    let mut jobs = Vec::new();
    for r in rows {
        let at = GeoPoint::new(r.lat, r.lng).ok_or_else(|| corrupt(&r.id, "lat/lng"))?;
        if base.within(at, radius_km) {
            jobs.push((r.summary(None)?, at));
        }
    }
    Ok(jobs)
}

/// How many of the customer's jobs are neither completed nor cancelled.
pub async fn unfinished<'e>(
    exec: impl Executor<'e, Database = Any>,
    customer_id: &UserId,
) -> Result<i64, sqlx::Error> {
    let (open,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM jobs WHERE customer_id = $1 AND status NOT IN ($2, $3)",
    )
    .bind(customer_id)
    .bind(JobStatus::Completed.as_str())
    .bind(JobStatus::Cancelled.as_str())
    .fetch_one(exec)
    .await?;
    Ok(open)
}

/// Stores a checked request as a new job waiting for quotes.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &JobId,
    customer_id: &UserId,
    job: &NewJob,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let (kind, start, end) = match job.urgency {
        Urgency::Asap => ("asap", None, None),
        Urgency::Window { start, end } => ("window", Some(start), Some(end)),
    };
    sqlx::query(
        "INSERT INTO jobs (id, customer_id, vehicle_id, category, description, lat, lng, address, \
         locality, urgency, window_start, window_end, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
    )
    .bind(id)
    .bind(customer_id)
    .bind(&job.vehicle_id)
    .bind(job.category.as_str())
    .bind(&job.description)
    .bind(job.at.lat())
    .bind(job.at.lng())
    .bind(&job.address)
    .bind(&job.locality)
    .bind(kind)
    .bind(start)
    .bind(end)
    .bind(JobStatus::Requested.as_str())
    .bind(now)
    .execute(exec)
    .await?;
    Ok(())
}

/// Moves the job from `from` to `to` (keeping a cancellation's reason);
/// false when it is no longer at `from`.
pub async fn move_status<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &JobId,
    from: JobStatus,
    to: JobStatus,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE jobs SET status = $1, cancel_reason = COALESCE($2, cancel_reason), updated_at = $3 \
         WHERE id = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a job still at `status` as changed now; false when it moved on.
pub async fn touch<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &JobId,
    status: JobStatus,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE jobs SET updated_at = $1 WHERE id = $2 AND status = $3")
        .bind(now)
        .bind(id)
        .bind(status.as_str())
        .execute(exec)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A quoted job with no live quote left waits for quotes again; false
/// when it was not quoted or a live quote remains.
pub async fn reopen_unquoted<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &JobId,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE jobs SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4 \
         AND NOT EXISTS (SELECT 1 FROM quotes WHERE job_id = $3 AND status = $5)",
    )
    .bind(JobStatus::Requested.as_str())
    .bind(now)
    .bind(id)
    .bind(JobStatus::Quoted.as_str())
    .bind(QuoteStatus::Live.as_str())
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Books a quoted job of `customer_id` with the mechanic behind
/// `quote_id`, only while that quote is live, unexpired, from an active
/// mechanic and still `total_cents`; false when anything of that changed.
#[allow(clippy::too_many_arguments)]
pub async fn book<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &JobId,
    customer_id: &UserId,
    quote_id: &QuoteId,
    mechanic_id: &UserId,
    total_cents: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE jobs SET status = $6, mechanic_id = $1, accepted_quote_id = $2, updated_at = $3 \
         WHERE id = $4 AND customer_id = $5 AND status = $7 AND EXISTS ( \
           SELECT 1 FROM quotes q JOIN users u ON u.id = q.mechanic_id \
           WHERE q.id = $2 AND q.job_id = $4 AND q.status = $8 AND q.expires_at > $3 \
           AND u.status = $9 AND q.total_cents = $10)",
    )
    .bind(mechanic_id)
    .bind(quote_id)
    .bind(now)
    .bind(id)
    .bind(customer_id)
    .bind(JobStatus::Accepted.as_str())
    .bind(JobStatus::Quoted.as_str())
    .bind(QuoteStatus::Live.as_str())
    .bind(crate::domain::AccountStatus::Active.as_str())
    .bind(total_cents)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}
