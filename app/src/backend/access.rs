//! Who may see a job and how much of it: a mechanic's reach, a caller's
//! standing to a job, the one check every flow makes ([`require`], whose
//! rules are the table in `domain::access`), and the views each standing gets.

use super::{
    Db, profiles,
    sessions::CurrentUser,
    store::{self, jobs::JobRow, quotes, timeline, users, vehicles},
};
use crate::domain::JobId;
use crate::domain::Timestamp;
use crate::domain::{
    AccountStatus, AppError, Role,
    access::{self, Action},
    geo::GeoPoint,
    job::{Actor, JobSummary, JobView, Location},
    live::Watcher,
    mechanic::MechanicProfile,
    names,
};
use sqlx::AnyConnection;

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

/// How `user` stands to `job`, once they may do `action` to it; otherwise
/// the error the rules give (a job they may not see is "not found").
pub async fn require(
    db: &Db,
    user: &CurrentUser,
    job: &JobRow,
    action: Action,
) -> Result<Actor, AppError> {
    let mut conn = db.acquire().await?;
    let actor = match action {
        // A quote is sent from within reach, whatever came before.
        Action::Quote => quoting(&mut conn, user, job).await?,
        _ => standing(&mut conn, user, job).await?.0,
    };
    access::rule(actor, action, job.status)?;
    Ok(actor)
}

/// A mechanic who may take work and whose reach covers the job stands to
/// it as a quoting mechanic; anyone else is not told it exists.
async fn quoting(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    job: &JobRow,
) -> Result<Actor, AppError> {
    let profile = profiles::get(&mut *conn, &user.id).await?.map(|(p, _)| p);
    let reach = reach_of(user, profile.as_ref())?;
    if job.customer_id == user.id || !reach.base.within(job.point()?, reach.radius_km) {
        return Err(AppError::NotFound);
    }
    Ok(Actor::QuotingMechanic)
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
    conn: &mut AnyConnection,
    user: &CurrentUser,
    job: &JobRow,
) -> Result<(Actor, Option<f64>), AppError> {
    match user.role {
        Role::Admin => Ok((Actor::Admin, None)),
        Role::Customer if job.customer_id == user.id => Ok((Actor::Customer, None)),
        Role::Customer => Err(AppError::NotFound),
        Role::Mechanic => {
            let profile = profiles::get(&mut *conn, &user.id).await?.map(|(p, _)| p);
            let base = profile.as_ref().map(|p| p.base);
            let at = job.point()?;
            if job.mechanic_id.as_deref() == Some(&user.id) {
                return Ok((Actor::AssignedMechanic, base.map(|b| b.distance_km(at))));
            }
            let distance = base.map(|b| shown_distance(b, at));
            if job.status.is_open()
                && let Ok(reach) = reach_of(user, profile.as_ref())
                && reach.base.within(at, reach.radius_km)
            {
                return Ok((Actor::QuotingMechanic, distance));
            }
            // A mechanic who quoted keeps sight of the job (and their
            // quote's fate); what quoting needs only while the quote is live.
            match quotes::has_quoted(&mut *conn, &job.id, &user.id).await? {
                Some(true) => Ok((Actor::QuotingMechanic, distance)),
                Some(false) => Ok((Actor::FormerQuoter, distance)),
                None => Err(AppError::NotFound),
            }
        }
    }
}

/// One job as `user` may see it: the exact address only for its customer,
/// its booked mechanic and admins; quotes of others only for the customer and admins.
pub async fn view(
    db: &Db,
    user: &CurrentUser,
    id: &JobId,
    now: Timestamp,
) -> Result<JobView, AppError> {
    let job = store::jobs::row(db, id).await?.ok_or(AppError::NotFound)?;
    let (viewer, distance_km) = {
        let mut conn = db.acquire().await?;
        standing(&mut conn, user, &job).await?
    };
    let at = job.point()?;
    let location = match viewer {
        Actor::Customer | Actor::AssignedMechanic | Actor::Admin => {
            Location::exact(at, job.address.clone(), job.locality.clone())
        }
        Actor::QuotingMechanic | Actor::FormerQuoter => {
            Location::approximate(at, job.locality.clone())
        }
    };
    let mut vehicle = vehicles::by_id(db, &job.vehicle_id).await?;
    if matches!(viewer, Actor::QuotingMechanic | Actor::FormerQuoter) {
        // The plate and VIN would point at the car itself; the booked mechanic gets them.
        vehicle.plate.clear();
        vehicle.vin = None;
    }
    // Quoting mechanics meet the customer in the conversation (by the
    // same rule); the page names them only to whoever the job is booked with.
    let customer_name = match viewer {
        Actor::AssignedMechanic | Actor::Admin => users::by_id(db, &job.customer_id)
            .await?
            .map(|u| names::customer_as_seen_by(&u.name, viewer)),
        _ => None,
    };
    let quotes = match viewer {
        Actor::Customer | Actor::Admin => quotes::for_job(db, id, None, now).await?,
        _ => quotes::for_job(db, id, Some(&user.id), now).await?,
    };
    Ok(JobView {
        id: job.id.clone(),
        status: job.status,
        viewer,
        category: job.category,
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
        // Set by the caller, who reads it before the job.
        last_event_id: 0,
        payment: None,
    })
}

/// Requested and quoted jobs within the mechanic's radius, nearest first,
/// each with the mechanic's own live quote if they sent one.
pub async fn open_near(db: &Db, user: &CurrentUser) -> Result<Vec<JobSummary>, AppError> {
    let reach = reach(db, user).await?;
    let mut jobs: Vec<JobSummary> =
        store::jobs::open_near(db, &user.id, reach.base, reach.radius_km)
            .await?
            .into_iter()
            .map(|(mut job, at)| {
                job.distance_km = Some(shown_distance(reach.base, at));
                job.area = Some(at.approximate());
                job
            })
            .collect();
    jobs.sort_by(|a, b| {
        a.distance_km
            .unwrap_or(f64::MAX)
            .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
    });
    jobs.truncate(store::jobs::LIST_LIMIT as usize);
    Ok(jobs)
}

/// Whether `user` may see job `id` at all (its page, its API).
pub async fn may_see(db: &Db, user: &CurrentUser, id: &JobId) -> Result<bool, AppError> {
    let Some(job) = store::jobs::row(db, id).await? else {
        return Ok(false);
    };
    match require(db, user, &job, Action::See).await {
        Ok(_) => Ok(true),
        Err(AppError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether `user` may follow the job's events: not once their quote is
/// out of the running.
pub async fn check_visible(db: &Db, user: &CurrentUser, id: &JobId) -> Result<(), AppError> {
    let job = store::jobs::row(db, id).await?.ok_or(AppError::NotFound)?;
    require(db, user, &job, Action::Follow).await.map(drop)
}

/// Who is subscribing, as far as what they may see goes.
pub async fn watcher(db: &Db, user: &CurrentUser) -> Result<Watcher, AppError> {
    Ok(match user.role {
        Role::Admin => Watcher::Admin,
        Role::Customer => Watcher::Customer {
            id: user.id.clone(),
        },
        Role::Mechanic => {
            let reach = match reach(db, user).await {
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
