//! Applying what the payment provider tells us afterwards, in the app's own words.

use super::settle;
use crate::backend::payments::events::{Change, ProviderEvent};
use crate::{
    backend::{
        Db,
        db::begin_write,
        live::{self, Pending},
        payments::{
            Gateway,
            store::{self},
        },
        store::{audit, jobs},
    },
    domain::{AppError, Timestamp, admin::AuditAction, live::EventName, payment::PaymentStatus},
};

/// Applies a verified provider event once: the event's id is stored in the
/// same transaction as its effect, so a replay (Stripe retries, or
/// someone resends a captured request) finds it and changes nothing.
/// Returns whether this delivery was the first.
#[tracing::instrument(skip_all, fields(event = %event.id, kind = %event.kind))]
pub async fn webhook(
    db: &Db,
    gateway: &Gateway,
    event: &ProviderEvent,
    now: Timestamp,
) -> Result<bool, AppError> {
    let payment = match &event.intent {
        Some(id) => store::by_intent(db, id).await?,
        None => None,
    };
    let job = match &payment {
        Some(p) => jobs::row(db, &p.job_id).await?,
        None => None,
    };
    let mut tx = begin_write(db).await?;
    let first = store::record(
        &mut *tx,
        payment.as_ref().map(|p| p.id.as_str()),
        Some(&event.id),
        &event.kind,
        event.amount_cents,
        event.detail.as_deref(),
        None,
        now,
    )
    .await?;
    if !first {
        return Ok(false);
    }
    let (Some(payment), Some(job)) = (payment, job) else {
        // Not one of ours (another app on the account), or not yet known:
        // kept in the history, nothing to change.
        tx.commit().await?;
        return Ok(true);
    };
    let status = payment.status;
    // A signed event is Stripe's word on what happened, but its amounts are
    // checked against ours: a capture can never exceed the hold, refunds
    // never what was taken. One that disagrees is kept as history and shown
    // to admins, never applied.
    let mut mismatch: Option<String> = None;
    let changed = match &event.change {
        Change::Captured { taken_cents } if status == PaymentStatus::Authorized => {
            match *taken_cents {
                Some(taken) if taken <= 0 || taken > payment.amount_cents => {
                    mismatch = Some(format!(
                        "Stripe reports {} taken on a hold of {}",
                        payment.money(taken),
                        payment.amount()
                    ));
                    None
                }
                taken => {
                    let taken = taken.unwrap_or(payment.amount_cents);
                    store::capture_held(&mut *tx, &payment.id, taken, None, now).await?;
                    Some(EventName::PaymentCaptured)
                }
            }
        }
        Change::Released if status == PaymentStatus::Authorized => {
            store::set_status(&mut *tx, &payment.id, PaymentStatus::Released, now).await?;
            Some(EventName::PaymentReleased)
        }
        Change::Failed { message }
            if matches!(
                status,
                PaymentStatus::Starting | PaymentStatus::RequiresAction
            ) =>
        {
            store::fail(&mut *tx, &payment.id, PaymentStatus::Failed, message, now).await?;
            Some(EventName::PaymentFailed)
        }
        Change::Refunded { total_cents } if status.is_paid() => {
            // The provider's total refunded; the part beyond what we refunded
            // or are refunding now was made outside the app (its dashboard).
            let reported = *total_cents;
            let known = payment.refunded_cents + payment.refund_pending_cents;
            let outside = reported - known;
            if outside <= 0 {
                None
            } else if store::add_refund(&mut *tx, &payment.id, outside, now).await? {
                Some(EventName::PaymentRefunded)
            } else {
                mismatch = Some(format!(
                    "Stripe reports {} refunded; {} was taken and {} refunded here",
                    payment.money(reported),
                    payment.money(payment.captured_cents),
                    payment.money(known)
                ));
                None
            }
        }
        Change::Disputed if payment.disputed_at.is_none() => {
            store::disputed(&mut *tx, &payment.id, now).await?;
            Some(EventName::PaymentDisputed)
        }
        // The rest: history only.
        _ => None,
    };
    if let Some(words) = &mismatch {
        tracing::warn!(payment = %payment.id, event = %event.id, words, "a payment event disagreed with our records");
        store::record(
            &mut *tx,
            Some(&payment.id),
            None,
            "mismatch",
            None,
            Some(words),
            None,
            now,
        )
        .await?;
        audit::record(
            &mut *tx,
            None,
            AuditAction::PaymentMismatch,
            Some(&payment.job_id),
            serde_json::json!({
                "payment": payment.id,
                "event": event.id,
                "kind": event.kind,
                "detail": words,
            }),
            now,
        )
        .await?;
    }
    if let Some(name) = changed {
        let event = Pending::about_payment(name, &job, job.status, payment.mechanic_id.clone());
        live::record(&mut tx, &[event], now).await?;
    }
    tx.commit().await?;
    // The bank confirmed a hold whose page is gone (closed after the 3-D
    // Secure check): book the job now, as the page would have.
    if event.change == Change::HoldConfirmed
        && status == PaymentStatus::RequiresAction
        && let Some(intent) = event.intent.as_deref()
    {
        let auth = gateway.lookup(intent).await;
        let booked = settle(
            db,
            gateway,
            &payment.customer_id,
            &payment.quote_id,
            &payment.id,
            payment.amount(),
            auth,
            now,
        )
        .await;
        if let Err(e) = booked {
            tracing::warn!(payment = %payment.id, error = %e, "a confirmed hold could not book its job");
        }
    }
    Ok(true)
}
