//! A job's move asks of its payment: taken at completion, let go on cancellation.

use crate::domain::JobId;
use crate::domain::UserId;
use crate::{
    backend::{
        Db,
        payments::{
            Gateway,
            store::{self, PaymentRow},
        },
    },
    domain::{AppError, Timestamp, job::JobStatus, live::EventName, payment::PaymentStatus},
};

/// What a job's move to `to` asks of its payment, decided and sent to the
/// provider before the move's transaction; [`Settled::apply`] writes it there.
pub enum Settled {
    Nothing,
    Captured {
        payment: PaymentRow,
        cents: i64,
        reason: Option<String>,
    },
    Released {
        payment: PaymentRow,
    },
}

/// Takes the payment when a job is completed, lets the hold go when it is
/// cancelled. `final_cents` lowers what is taken (with `reason`).
pub async fn before_move(
    db: &Db,
    gateway: &Gateway,
    job_id: &JobId,
    to: JobStatus,
    final_cents: Option<i64>,
    reason: Option<&str>,
) -> Result<Settled, AppError> {
    let Some(payment) = store::for_job(db, job_id).await? else {
        if final_cents.is_some() {
            return Err(AppError::invalid(
                "final_amount",
                "This job has no card payment to adjust.",
            ));
        }
        return Ok(Settled::Nothing);
    };
    if payment.status != PaymentStatus::Authorized {
        return Ok(Settled::Nothing);
    }
    let intent = payment.intent_id.clone().ok_or(AppError::Internal)?;
    match to {
        JobStatus::Completed => {
            let (amount, reason) =
                crate::domain::payment::final_amount(payment.amount(), final_cents, reason)?;
            gateway.capture(&payment.id, &intent, amount).await?;
            Ok(Settled::Captured {
                payment,
                cents: amount.cents,
                reason,
            })
        }
        JobStatus::Cancelled => {
            gateway.release(&payment.id, &intent).await?;
            Ok(Settled::Released { payment })
        }
        _ => Ok(Settled::Nothing),
    }
}

impl Settled {
    /// Writes what the provider did, in the move's transaction; returns
    /// the event to tell, if any.
    pub async fn apply(
        &self,
        tx: &mut crate::backend::db::Write,
        actor: &UserId,
        now: Timestamp,
    ) -> Result<Option<EventName>, AppError> {
        match self {
            Settled::Nothing => Ok(None),
            Settled::Captured {
                payment,
                cents,
                reason,
            } => {
                store::capture_held(&mut **tx, &payment.id, *cents, reason.as_deref(), now).await?;
                store::record(
                    &mut **tx,
                    Some(&payment.id),
                    None,
                    "captured",
                    Some(*cents),
                    reason.as_deref(),
                    Some(actor),
                    now,
                )
                .await?;
                Ok(Some(EventName::PaymentCaptured))
            }
            Settled::Released { payment } => {
                store::release_held(&mut **tx, &payment.id, now).await?;
                store::record(
                    &mut **tx,
                    Some(&payment.id),
                    None,
                    "released",
                    Some(payment.amount_cents),
                    None,
                    Some(actor),
                    now,
                )
                .await?;
                Ok(Some(EventName::PaymentReleased))
            }
        }
    }

    pub fn mechanic(&self) -> Option<&str> {
        match self {
            Settled::Nothing => None,
            Settled::Captured { payment, .. } | Settled::Released { payment } => {
                Some(&payment.mechanic_id)
            }
        }
    }
}
