//! The `jobs` table: requesting a job, who may see it and how much of it, and moving it along.

use super::db::Where;
use super::{
    Db, audit,
    live::{self, Pending},
    new_id, profiles, quotes,
    sessions::CurrentUser,
    timeline::{self, Change},
    tracking::{self, Tracker},
    vehicles,
};
use crate::domain::{
    AccountStatus, AppError, Role,
    admin::{AdminJob, JobPage, Paging},
    geo::GeoPoint,
    job::{
        Actor, JobForm, JobStatus, JobSummary, JobView, Location, NewJob, Urgency, Via,
        parse_cancel_reason,
    },
    live::{Audience, EventData, EventName},
    mechanic::{MechanicProfile, Skill},
    money::{Currency, Money},
    vehicle,
};
use sqlx::{Any, Executor};

/// A customer may have this many unfinished jobs at once.
pub const OPEN_JOBS_MAX: i64 = 10;
/// Lists stop here; older jobs are still on their own pages.
const LIST_LIMIT: i64 = 100;

#[derive(sqlx::FromRow)]
pub struct JobRow {
    pub id: String,
    pub customer_id: String,
    pub vehicle_id: String,
    category: String,
    description: String,
    lat: f64,
    lng: f64,
    address: String,
    locality: String,
    urgency: String,
    window_start: Option<i64>,
    window_end: Option<i64>,
    status: String,
    pub mechanic_id: Option<String>,
    cancel_reason: Option<String>,
    created_at: i64,
}

fn corrupt(job: &str, column: &str) -> AppError {
    tracing::error!(job, column, "unreadable job row");
    AppError::Internal
}

fn read_urgency(kind: &str, start: Option<i64>, end: Option<i64>) -> Option<Urgency> {
    match (kind, start, end) {
        ("asap", _, _) => Some(Urgency::Asap),
        ("window", Some(start), Some(end)) => Some(Urgency::Window { start, end }),
        _ => None,
    }
}

impl JobRow {
    pub fn status(&self) -> Result<JobStatus, AppError> {
        JobStatus::parse(&self.status).ok_or_else(|| corrupt(&self.id, "status"))
    }

    pub fn point(&self) -> Result<GeoPoint, AppError> {
        GeoPoint::new(self.lat, self.lng).ok_or_else(|| corrupt(&self.id, "lat/lng"))
    }

    fn category(&self) -> Result<Skill, AppError> {
        Skill::parse(&self.category).ok_or_else(|| corrupt(&self.id, "category"))
    }

    fn urgency(&self) -> Result<Urgency, AppError> {
        read_urgency(&self.urgency, self.window_start, self.window_end)
            .ok_or_else(|| corrupt(&self.id, "urgency"))
    }
}

pub async fn row<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &str,
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

/// Where a mechanic works from and how far they go, once they may take work.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    pub base: GeoPoint,
    pub radius_km: u32,
}

/// The mechanic's reach, or why they cannot see open jobs yet.
pub async fn reach(db: &Db, user: &CurrentUser) -> Result<Reach, AppError> {
    let profile = profiles::get(db, &user.id).await?.map(|(p, _)| p);
    reach_of(user, profile.as_ref())
}

/// [`reach`] from a profile already read.
fn reach_of(user: &CurrentUser, profile: Option<&MechanicProfile>) -> Result<Reach, AppError> {
    if user.role != Role::Mechanic {
        return Err(AppError::Forbidden);
    }
    if user.status != AccountStatus::Active {
        return Err(AppError::conflict(
            "Your account is pending approval. You can see and quote for jobs once an admin approves it.",
        ));
    }
    match profile {
        None => Err(AppError::conflict(
            "Fill in your profile (where you work and how far you travel) to see jobs near you.",
        )),
        Some(p) if !p.available => Err(AppError::conflict(
            "You are marked as not taking new jobs. Switch on \"Available for new jobs\" in your profile to see them.",
        )),
        Some(p) => Ok(Reach {
            base: p.base,
            radius_km: p.radius_km,
        }),
    }
}

/// The distance a mechanic who is not booked is told: from the job's
/// blurred position, to 100 m. An exact figure would let a mechanic who
/// moves their base a few times work out the address.
fn shown_distance(base: GeoPoint, job: GeoPoint) -> f64 {
    (base.distance_km(job.approximate()) * 10.0).round() / 10.0
}

/// How `user` stands to `job`, and how far it is from their base. A job
/// the user may not see is "not found", so its existence is not given away.
async fn standing(
    db: &Db,
    user: &CurrentUser,
    job: &JobRow,
) -> Result<(Actor, Option<f64>), AppError> {
    match user.role {
        Role::Admin => Ok((Actor::Admin, None)),
        Role::Customer if job.customer_id == user.id => Ok((Actor::Customer, None)),
        Role::Customer => Err(AppError::NotFound),
        Role::Mechanic => {
            let profile = profiles::get(db, &user.id).await?.map(|(p, _)| p);
            let base = profile.as_ref().map(|p| p.base);
            let at = job.point()?;
            if job.mechanic_id.as_deref() == Some(&user.id) {
                return Ok((Actor::AssignedMechanic, base.map(|b| b.distance_km(at))));
            }
            let distance = base.map(|b| shown_distance(b, at));
            if job.status()?.is_open()
                && let Ok(reach) = reach_of(user, profile.as_ref())
                && reach.base.within(at, reach.radius_km)
            {
                return Ok((Actor::QuotingMechanic, distance));
            }
            // A mechanic who quoted keeps sight of the job (and their quote's fate).
            if quotes::has_quoted(db, &job.id, &user.id).await? {
                return Ok((Actor::QuotingMechanic, distance));
            }
            Err(AppError::NotFound)
        }
    }
}

/// A mechanic may quote only on an open job within their reach.
pub async fn check_may_quote(db: &Db, user: &CurrentUser, job: &JobRow) -> Result<(), AppError> {
    let reach = reach(db, user).await?;
    if job.customer_id == user.id || !reach.base.within(job.point()?, reach.radius_km) {
        return Err(AppError::NotFound);
    }
    if !job.status()?.is_open() {
        return Err(AppError::conflict("This job is no longer taking quotes."));
    }
    Ok(())
}

/// Checks the request and stores it with its first timeline row.
pub async fn request(
    db: &Db,
    customer: &CurrentUser,
    form: &JobForm,
    now: i64,
) -> Result<String, AppError> {
    let job = form.parse(now)?;
    if vehicles::owned(db, &customer.id, &job.vehicle_id)
        .await?
        .is_none()
    {
        return Err(AppError::invalid(
            "vehicle_id",
            "Choose one of the vehicles in your garage.",
        ));
    }
    let mut tx = super::db::begin_write(db).await?;
    super::db::lock_user(&mut tx, &customer.id).await?;
    let (open,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM jobs WHERE customer_id = $1 AND status NOT IN ('completed', 'cancelled')",
    )
    .bind(&customer.id)
    .fetch_one(&mut *tx)
    .await?;
    if open >= OPEN_JOBS_MAX {
        return Err(AppError::conflict(format!(
            "You have {OPEN_JOBS_MAX} jobs under way. Finish or cancel one before asking for another."
        )));
    }
    let id = insert(&mut tx, &customer.id, &job, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Stores a checked request, its first timeline row and its event in the
/// caller's transaction.
pub async fn insert(
    tx: &mut super::db::Write,
    customer_id: &str,
    job: &NewJob,
    now: i64,
) -> Result<String, AppError> {
    let (kind, start, end) = match job.urgency {
        Urgency::Asap => ("asap", None, None),
        Urgency::Window { start, end } => ("window", Some(start), Some(end)),
    };
    let id = new_id();
    sqlx::query(
        "INSERT INTO jobs (id, customer_id, vehicle_id, category, description, lat, lng, address, \
         locality, urgency, window_start, window_end, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
    )
    .bind(&id)
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
    .execute(&mut **tx)
    .await?;
    timeline::record(
        &mut **tx,
        Change {
            job_id: &id,
            from: None,
            to: JobStatus::Requested,
            actor_id: customer_id,
            actor: Actor::Customer,
            reason: None,
            at: now,
        },
    )
    .await?;
    let created = Pending::new(
        EventName::JobCreated,
        EventData {
            job: id.clone(),
            status: JobStatus::Requested,
            from: None,
            quote: None,
        },
        Audience {
            customer_id: customer_id.to_owned(),
            mechanic_id: None,
            nearby: Some(job.at),
        },
    );
    live::record(tx, &[created], now).await?;
    Ok(id)
}

/// One job as `user` may see it: the exact address only for its customer,
/// its booked mechanic and admins; quotes of others only for the customer and admins.
pub async fn view(db: &Db, user: &CurrentUser, id: &str, now: i64) -> Result<JobView, AppError> {
    let job = row(db, id).await?.ok_or(AppError::NotFound)?;
    let (viewer, distance_km) = standing(db, user, &job).await?;
    let at = job.point()?;
    let location = match viewer {
        Actor::Customer | Actor::AssignedMechanic | Actor::Admin => {
            Location::exact(at, job.address.clone(), job.locality.clone())
        }
        Actor::QuotingMechanic => Location::approximate(at, job.locality.clone()),
    };
    let mut vehicle = vehicles::by_id(db, &job.vehicle_id).await?;
    if viewer == Actor::QuotingMechanic {
        // The plate and VIN would point at the car itself; the booked mechanic gets them.
        vehicle.plate.clear();
        vehicle.vin = None;
    }
    let customer_name = match viewer {
        Actor::AssignedMechanic | Actor::Admin => super::users::by_id(db, &job.customer_id)
            .await?
            .map(|u| u.name),
        _ => None,
    };
    let quotes = match viewer {
        Actor::Customer | Actor::Admin => quotes::for_job(db, id, None, now).await?,
        _ => quotes::for_job(db, id, Some(&user.id), now).await?,
    };
    Ok(JobView {
        id: job.id.clone(),
        status: job.status()?,
        viewer,
        category: job.category()?,
        description: job.description.clone(),
        vehicle,
        location,
        urgency: job.urgency()?,
        created_at: job.created_at,
        customer_name,
        distance_km,
        quotes,
        timeline: timeline::for_job(db, id, &user.id, viewer).await?,
        cancel_reason: job.cancel_reason.clone(),
        position: None,
        eta: None,
    })
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
    now: i64,
) -> Result<JobPage, AppError> {
    let mut filter = Where::default();
    if let Some(s) = status {
        filter.and("j.status = {}", s.as_str());
    }
    let total = filter.count(db, "jobs j").await?;
    let sql = format!(
        "SELECT {SUMMARY}, (SELECT COUNT(*) FROM quotes q WHERE q.job_id = j.id AND q.status = 'live' \
         AND q.expires_at > {}) AS live_quotes, CAST(NULL AS BIGINT) AS my_quote_cents, \
         c.name AS customer_name, COALESCE(p.display_name, m.name) AS mechanic_name \
         FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id JOIN users c ON c.id = j.customer_id \
         LEFT JOIN users m ON m.id = j.mechanic_id LEFT JOIN mechanic_profiles p ON p.user_id = j.mechanic_id{} \
         ORDER BY j.created_at DESC, j.id DESC LIMIT {} OFFSET {}",
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
    id: String,
    status: String,
    category: String,
    locality: String,
    urgency: String,
    window_start: Option<i64>,
    window_end: Option<i64>,
    created_at: i64,
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
    fn summary(self, from: Option<GeoPoint>) -> Result<JobSummary, AppError> {
        let vehicle = vehicle::title(self.year, &self.make, &self.model, self.trim.as_deref());
        let at = GeoPoint::new(self.lat, self.lng).ok_or_else(|| corrupt(&self.id, "lat/lng"))?;
        Ok(JobSummary {
            status: JobStatus::parse(&self.status).ok_or_else(|| corrupt(&self.id, "status"))?,
            category: Skill::parse(&self.category).ok_or_else(|| corrupt(&self.id, "category"))?,
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
    customer_id: &str,
    now: i64,
) -> Result<Vec<JobSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY}, (SELECT COUNT(*) FROM quotes q WHERE q.job_id = j.id AND q.status = 'live' \
         AND q.expires_at > $2) AS live_quotes, CAST(NULL AS BIGINT) AS my_quote_cents \
         FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id \
         WHERE j.customer_id = $1 ORDER BY j.created_at DESC, j.id DESC LIMIT $3"
    ))
    .bind(customer_id)
    .bind(now)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(|r| r.summary(None)).collect()
}

/// The jobs booked with this mechanic: unfinished first, then the latest.
pub async fn for_mechanic(db: &Db, mechanic_id: &str) -> Result<Vec<JobSummary>, AppError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY}, CAST(NULL AS BIGINT) AS live_quotes, CAST(NULL AS BIGINT) AS my_quote_cents \
         FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id WHERE j.mechanic_id = $1 \
         ORDER BY CASE WHEN j.status IN ('completed', 'cancelled') THEN 1 ELSE 0 END, j.updated_at DESC \
         LIMIT $2"
    ))
    .bind(mechanic_id)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await?;
    let base = profiles::get(db, mechanic_id).await?.map(|(p, _)| p.base);
    rows.into_iter().map(|r| r.summary(base)).collect()
}

/// Requested and quoted jobs within the mechanic's radius, nearest first,
/// each with the mechanic's own live quote if they sent one.
pub async fn open_near(db: &Db, user: &CurrentUser) -> Result<Vec<JobSummary>, AppError> {
    let reach = reach(db, user).await?;
    // A box around the radius narrows the rows (by an index on status and
    // latitude); the database orders them by a flat-earth distance (plain
    // arithmetic, the same in both dialects, and at city scale the same
    // order as the true one) and sends only the nearest candidates; the
    // haversine distance decides. Where the box wraps (near a pole, or the
    // 180th meridian) the flat distance is wrong, so every row is sent.
    let bbox = reach.base.bounding_box(f64::from(reach.radius_km));
    let wraps = bbox.min_lng <= -180.0 && bbox.max_lng >= 180.0;
    let (lng_scale, candidates) = if wraps {
        (0.0, i64::MAX)
    } else {
        (reach.base.lat().to_radians().cos(), 2 * LIST_LIMIT)
    };
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY}, CAST(NULL AS BIGINT) AS live_quotes, q.total_cents AS my_quote_cents \
         FROM jobs j JOIN vehicles v ON v.id = j.vehicle_id \
         LEFT JOIN quotes q ON q.job_id = j.id AND q.mechanic_id = $1 AND q.status = 'live' \
         WHERE j.status IN ('requested', 'quoted') AND j.lat BETWEEN $2 AND $3 \
         AND j.lng BETWEEN $4 AND $5 AND j.customer_id <> $1 \
         ORDER BY (j.lat - $6) * (j.lat - $6) + (j.lng - $7) * $8 * (j.lng - $7) * $8, j.id \
         LIMIT $9"
    ))
    .bind(&user.id)
    .bind(bbox.min_lat)
    .bind(bbox.max_lat)
    .bind(bbox.min_lng)
    .bind(bbox.max_lng)
    .bind(reach.base.lat())
    .bind(reach.base.lng())
    .bind(lng_scale)
    .bind(candidates)
    .fetch_all(db)
    .await?;
    let mut jobs = Vec::new();
    for r in rows {
        let at = GeoPoint::new(r.lat, r.lng).ok_or_else(|| corrupt(&r.id, "lat/lng"))?;
        if reach.base.within(at, reach.radius_km) {
            let mut job = r.summary(None)?;
            job.distance_km = Some(shown_distance(reach.base, at));
            job.area = Some(at.approximate());
            jobs.push(job);
        }
    }
    jobs.sort_by(|a, b| {
        a.distance_km
            .unwrap_or(f64::MAX)
            .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
    });
    jobs.truncate(LIST_LIMIT as usize);
    Ok(jobs)
}

/// A one-tap move (en route, arrived, started, completed) or a cancellation,
/// checked against the transition table for the caller's standing.
pub async fn change_status(
    db: &Db,
    tracker: &Tracker,
    user: &CurrentUser,
    id: &str,
    to: JobStatus,
    reason: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    let job = row(db, id).await?.ok_or(AppError::NotFound)?;
    let (actor, _) = standing(db, user, &job).await?;
    let from = job.status()?;
    from.check_move(to, actor, Via::Button)?;
    let reason = match to {
        JobStatus::Cancelled => Some(parse_cancel_reason(reason.unwrap_or_default())?),
        _ => None,
    };
    let mut tx = super::db::begin_write(db).await?;
    // The status we checked must still be the status we change: a second
    // tab, or the customer cancelling meanwhile, makes this touch no row.
    let done = sqlx::query(
        "UPDATE jobs SET status = $1, cancel_reason = COALESCE($2, cancel_reason), updated_at = $3 \
         WHERE id = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(reason.as_deref())
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::conflict(
            "This job changed while you were looking at it. Reload to see where it stands.",
        ));
    }
    let declined = if to == JobStatus::Cancelled {
        quotes::decline_live(&mut *tx, id, None, now).await?
    } else {
        Vec::new()
    };
    timeline::record(
        &mut *tx,
        Change {
            job_id: id,
            from: Some(from),
            to,
            actor_id: &user.id,
            actor,
            reason: reason.as_deref(),
            at: now,
        },
    )
    .await?;
    if actor == Actor::Admin && to == JobStatus::Cancelled {
        audit::record(
            &mut *tx,
            Some(&user.id),
            audit::action::JOB_CANCELLED,
            Some(id),
            serde_json::json!({ "from": from.as_str(), "reason": reason, "customer": job.customer_id }),
            now,
        )
        .await?;
    }
    if to.is_finished() {
        tracking::job_ended(&mut tx, id, tracker.trail()).await?;
    }
    let mut events = vec![Pending::status_change(&job, from, to)?];
    events.extend(Pending::declined(&job, to, declined));
    live::record(&mut tx, &events, now).await?;
    tx.commit().await?;
    tracker.job_changed(id, to);
    Ok(())
}

/// Whether `user` may see the job (and so subscribe to its events).
pub async fn check_visible(db: &Db, user: &CurrentUser, id: &str) -> Result<(), AppError> {
    let job = row(db, id).await?.ok_or(AppError::NotFound)?;
    standing(db, user, &job).await.map(|_| ())
}
