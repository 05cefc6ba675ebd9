//! Booking use cases: requesting a job and moving it along, each in one
//! transaction with its timeline row and its events.

use crate::domain::Timestamp;
use crate::domain::access::Action;
use crate::domain::admin::AuditAction;
use crate::domain::{JobId, UserId};
use crate::{
    backend::{
        Db, access,
        db::{self, Write},
        flows::paying::{self, Settled},
        live::{self, Pending},
        new_id,
        payments::Gateway,
        sessions::CurrentUser,
        store::{
            self, audit, fixes,
            jobs::OPEN_JOBS_MAX,
            quotes,
            timeline::{self, Change},
            vehicles,
        },
        tracking::Tracker,
    },
    domain::{
        AppError,
        job::{Actor, JobForm, JobStatus, NewJob, parse_cancel_reason},
        live::{Audience, EventData, EventName},
    },
};

/// Checks the request and stores it with its first timeline row.
#[tracing::instrument(skip_all, fields(user = %customer.id))]
pub async fn request(
    db: &Db,
    customer: &CurrentUser,
    form: &JobForm,
    now: Timestamp,
) -> Result<JobId, AppError> {
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
    let mut tx = db::begin_write(db).await?;
    db::lock_user(&mut tx, &customer.id).await?;
    let open = store::jobs::unfinished(&mut *tx, &customer.id).await?;
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
    tx: &mut Write,
    customer_id: &UserId,
    job: &NewJob,
    now: Timestamp,
) -> Result<JobId, AppError> {
    let id = JobId::from(new_id());
    store::jobs::insert(&mut **tx, &id, customer_id, job, now).await?;
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
            customer_id: customer_id.clone(),
            mechanic_id: None,
            nearby: Some(job.at),
        },
    );
    live::record(tx, &[created], now).await?;
    Ok(id)
}

/// A move a person asks for, with what it may carry.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub to: JobStatus,
    /// Required when cancelling.
    pub reason: Option<&'a str>,
    /// At completion: take less than was authorized (with `adjust_reason`).
    pub final_cents: Option<i64>,
    pub adjust_reason: Option<&'a str>,
}

impl<'a> Move<'a> {
    pub fn to(to: JobStatus, reason: Option<&'a str>) -> Self {
        Move {
            to,
            reason,
            final_cents: None,
            adjust_reason: None,
        }
    }
}

/// A one-tap move (en route, arrived, started, completed) or a cancellation,
/// checked against the transition table for the caller's standing. With
/// `payments`, completing takes the held payment and cancelling lets it go.
#[tracing::instrument(skip_all, fields(user = %user.id, id = %id, to = %step.to))]
pub async fn change_status(
    db: &Db,
    tracker: &Tracker,
    payments: Option<&Gateway>,
    user: &CurrentUser,
    id: &JobId,
    step: Move<'_>,
    now: Timestamp,
) -> Result<(), AppError> {
    let to = step.to;
    let job = store::jobs::row(db, id).await?.ok_or(AppError::NotFound)?;
    let actor = access::require(db, user, &job, Action::Move(to)).await?;
    let from = job.status;
    let reason = match to {
        JobStatus::Cancelled => Some(parse_cancel_reason(step.reason.unwrap_or_default())?),
        _ => None,
    };
    let settled = match payments {
        Some(gateway) if to.is_finished() => {
            paying::before_move(db, gateway, id, to, step.final_cents, step.adjust_reason).await?
        }
        _ => Settled::Nothing,
    };
    let mut tx = db::begin_write(db).await?;
    // The status we checked must still be the status we change: a second
    // tab, or the customer cancelling meanwhile, makes this touch no row.
    let done = store::jobs::move_status(&mut *tx, id, from, to, reason.as_deref(), now).await?;
    if !done {
        if !matches!(settled, Settled::Nothing) {
            tracing::error!(
                job = %id,
                "the payment was settled but the job changed meanwhile; Stripe's webhook reconciles it"
            );
        }
        return Err(AppError::conflict(
            "This job changed while you were looking at it. Reload to see where it stands.",
        ));
    }
    let paid_event = settled.apply(&mut tx, &user.id, now).await?;
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
            AuditAction::JobCancelled,
            Some(id),
            serde_json::json!({ "from": from.as_str(), "reason": reason, "customer": job.customer_id }),
            now,
        )
        .await?;
    }
    if to.is_finished() {
        fixes::job_ended(&mut tx, id, tracker.trail()).await?;
    }
    let mut events = vec![Pending::status_change(&job, from, to)?];
    events.extend(Pending::declined(&job, to, declined));
    if let (Some(name), Some(mechanic)) = (paid_event, settled.mechanic()) {
        events.push(Pending::about_payment(
            name,
            &job,
            to,
            UserId::from(mechanic),
        ));
    }
    live::record(&mut tx, &events, now).await?;
    tx.commit().await?;
    tracker.job_changed(id, to);
    Ok(())
}
