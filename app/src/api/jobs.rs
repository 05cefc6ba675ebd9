//! Jobs: `/api/request_job`, `/api/my_jobs`, `/api/job`, `/api/update_job_status`,
//! `/api/cancel_job`, and the booked mechanic's `/api/share_location`.

// One argument per form field keeps the wire format a plain form post; the
// macro-generated client function inherits the count.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use crate::domain::Timestamp;
use crate::domain::{
    AppError, JobId,
    field::Reading,
    job::{JobSummary, JobView},
    tracking::Eta,
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::{
            access,
            flows::booking::{self, Move},
            live,
            payments::store as payment_store,
            profiles,
            sessions::CurrentUser,
            store,
        },
        domain::{
            Feature, Role,
            job::{Actor, JobForm, JobStatus},
            money::{Currency, Money},
            tracking::RawFix,
        },
    },
};

/// `POST /api/request_job`: a customer asks for a mechanic. Answers the new job.
/// `urgency` is `asap` (the default) or `window` with `window_start`/`window_end`
/// as `YYYY-MM-DDTHH:MM` in UTC.
#[server(endpoint = "request_job")]
pub async fn request_job(
    vehicle_id: String,
    category: String,
    description: String,
    lat: String,
    lng: String,
    address: String,
    locality: String,
    urgency: Option<String>,
    window_start: Option<String>,
    window_end: Option<String>,
) -> Result<JobView, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Customer]).await?;
            let form = JobForm {
                vehicle_id,
                category,
                description,
                lat,
                lng,
                address,
                locality,
                urgency: urgency.unwrap_or_default(),
                window_start: window_start.unwrap_or_default(),
                window_end: window_end.unwrap_or_default(),
            };
            let db = &guard::state().db;
            let id = booking::request(db, &user, &form, Timestamp::now()).await?;
            view(&user, &id).await
        }
        .await,
    )
}

/// `GET /api/my_jobs`: a customer's jobs (newest first), or the jobs booked
/// with a mechanic (unfinished first).
#[server(endpoint = "my_jobs", input = GetUrl)]
pub async fn my_jobs() -> Result<Vec<JobSummary>, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Customer, Role::Mechanic]).await?;
            let db = &guard::state().db;
            match user.role {
                Role::Customer => store::jobs::for_customer(db, &user.id, Timestamp::now()).await,
                _ => {
                    let base = profiles::get(db, &user.id).await?.map(|(p, _)| p.base);
                    store::jobs::for_mechanic(db, &user.id, base).await
                }
            }
        }
        .await,
    )
}

/// `GET /api/job?id=…`: one job as the caller may see it. A job the caller
/// may not see answers 404, the same as one that does not exist.
#[server(endpoint = "job", input = GetUrl)]
pub async fn job(id: JobId) -> Result<JobView, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            view(&user, &id).await
        }
        .await,
    )
}

/// `POST /api/update_job_status`: one legal move for the caller, e.g. the
/// booked mechanic's `en_route`. `reason` is required for `cancelled`.
/// Completing takes the held card payment: `final_amount` (pounds, e.g.
/// `72.50`) with `adjust_reason` takes less than was authorized, never more.
#[server(endpoint = "update_job_status")]
pub async fn update_job_status(
    id: JobId,
    status: String,
    reason: Option<String>,
    final_amount: Option<String>,
    adjust_reason: Option<String>,
) -> Result<JobView, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            let to = JobStatus::parse(&status).ok_or_else(|| {
                AppError::invalid("status", format!("{status:?} is not a job status."))
            })?;
            let final_cents = match final_amount.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(raw) => Some(
                    Money::parse(raw, Currency::PLATFORM)
                        .map_err(|_| {
                            AppError::invalid(
                                "final_amount",
                                "Enter the final amount in pounds, like 72.50.",
                            )
                        })?
                        .cents,
                ),
            };
            let state = guard::state();
            booking::change_status(
                &state.db,
                &state.tracker,
                payments(&state),
                &user,
                &id,
                Move {
                    to,
                    reason: reason.as_deref(),
                    final_cents,
                    adjust_reason: adjust_reason.as_deref(),
                },
                Timestamp::now(),
            )
            .await?;
            view(&user, &id).await
        }
        .await,
    )
}

/// `POST /api/cancel_job`: the customer (or an admin) cancels before work starts.
#[server(endpoint = "cancel_job")]
pub async fn cancel_job(id: JobId, reason: String) -> Result<JobView, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Customer, Role::Admin]).await?;
            let state = guard::state();
            booking::change_status(
                &state.db,
                &state.tracker,
                payments(&state),
                &user,
                &id,
                Move::to(JobStatus::Cancelled, Some(&reason)),
                Timestamp::now(),
            )
            .await?;
            view(&user, &id).await
        }
        .await,
    )
}

/// The payment provider, while payments are switched on.
#[cfg(feature = "ssr")]
pub(crate) fn payments(
    state: &crate::backend::AppState,
) -> Option<&crate::backend::payments::Gateway> {
    state
        .features
        .enabled(Feature::Payments)
        .then_some(&state.payments)
}

/// One job as `user` may see it, with the booked mechanic's position when they may see that.
#[cfg(feature = "ssr")]
pub(crate) async fn view(user: &CurrentUser, id: &JobId) -> Result<JobView, AppError> {
    let state = guard::state();
    // First: an event that commits while the view is read then counts as unseen.
    let last_event_id = live::newest_about(&state.db, id).await?;
    let mut view = access::view(&state.db, user, id, Timestamp::now()).await?;
    view.last_event_id = last_event_id;
    if state.features.enabled(Feature::RealtimeTracking) {
        state.tracker.attach(&state.db, &mut view).await?;
    }
    // Rival mechanics never see what the customer pays the booked one.
    let party = matches!(
        view.viewer,
        Actor::Customer | Actor::AssignedMechanic | Actor::Admin
    );
    if party && state.features.enabled(Feature::Payments) {
        view.payment = payment_store::for_job(&state.db, id)
            .await?
            .map(|p| p.view())
            .transpose()?;
    }
    Ok(view)
}

/// `POST /api/share_location`: the booked mechanic's position on the way
/// to the job (`en_route`, `arrived` or `in_progress`). `at` is when the
/// phone took the fix, in ms since the epoch; `heading` (degrees) and
/// `speed` (m/s) are sent when known. Answers the estimate the customer sees.
#[server(endpoint = "share_location")]
pub async fn share_location(
    job: JobId,
    lat: Reading<f64>,
    lng: Reading<f64>,
    accuracy: Reading<f64>,
    at: Reading<i64>,
    heading: Option<Reading<f64>>,
    speed: Option<Reading<f64>>,
) -> Result<Eta, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::RealtimeTracking)?;
            let user = guard::require_role(&[Role::Mechanic]).await?;
            let raw = RawFix {
                lat: lat.number("lat")?,
                lng: lng.number("lng")?,
                accuracy_m: accuracy.number("accuracy")?,
                heading: Reading::optional(heading, "heading")?,
                speed_mps: Reading::optional(speed, "speed")?,
                at: at.millis("at")?,
            };
            let state = guard::state();
            state
                .tracker
                .post(&state.db, &state.live, &user, &job, raw, Timestamp::now())
                .await
        }
        .await,
    )
}
