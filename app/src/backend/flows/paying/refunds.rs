//! An admin gives back all or part of a captured payment, once per request.

use crate::domain::PaymentId;
use crate::{
    backend::{
        Db,
        db::begin_write,
        live::{self, Pending},
        payments::{
            Gateway,
            store::{self},
        },
        sessions::CurrentUser,
        store::{audit, jobs},
    },
    domain::{
        AppError, Timestamp,
        admin::AuditAction,
        live::EventName,
        payment::{PaymentView, refund_amount},
    },
};

/// Gives back `requested_cents` (all that is left when `None`) of a
/// captured payment. `request_id` names the admin's request: sent twice
/// (a double click, a retry), it refunds once.
#[tracing::instrument(skip_all, fields(admin = %admin.id, payment = %payment_id))]
#[allow(clippy::too_many_arguments)]
pub async fn refund(
    db: &Db,
    gateway: &Gateway,
    admin: &CurrentUser,
    payment_id: &PaymentId,
    requested_cents: Option<i64>,
    reason: &str,
    request_id: &str,
    now: Timestamp,
) -> Result<PaymentView, AppError> {
    let request_id = request_id.trim();
    if request_id.is_empty() || request_id.len() > 64 {
        return Err(AppError::invalid(
            "request_id",
            "A refund needs a request id (up to 64 characters).",
        ));
    }
    let event_id = format!("refund:{payment_id}:{request_id}");
    let payment = store::by_id(db, payment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let under_way = || {
        AppError::conflict(
            "Another refund of this payment is under way. Wait a moment, then reload.",
        )
    };
    match store::kind_of(db, &event_id).await?.as_deref() {
        Some(store::REFUND_PENDING) => return Err(under_way()),
        Some(_) => return payment.view(),
        None => {}
    }
    if !payment.status.is_paid() {
        return Err(AppError::conflict(
            "Only a payment that was taken can be refunded.",
        ));
    }
    let (amount, reason) = refund_amount(payment.refundable(), requested_cents, reason)?;
    // The request and its share are claimed together before the provider is
    // asked: the same request sent twice at once gets through once (the
    // request's line is unique), and other refunds sent at the same moment
    // see this one's share as gone (docs/SECURITY.md, "Refunds"). Neither
    // leans on the provider honouring the idempotency key.
    let mut tx = begin_write(db).await?;
    let mine = store::record(
        &mut *tx,
        Some(payment_id),
        Some(&event_id),
        store::REFUND_PENDING,
        Some(amount.cents),
        Some(&reason),
        Some(&admin.id),
        now,
    )
    .await?;
    if !mine {
        return Err(under_way());
    }
    if !store::claim_refund(&mut *tx, payment_id, amount.cents, now).await? {
        drop(tx);
        let fresh = store::by_id(db, payment_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if fresh.refund_pending_cents > 0 {
            return Err(under_way());
        }
        refund_amount(fresh.refundable(), requested_cents, &reason)?;
        return Err(AppError::conflict(
            "This payment changed meanwhile. Reload it and try again.",
        ));
    }
    tx.commit().await?;
    let intent = payment.intent_id.as_deref().ok_or(AppError::Internal)?;
    let refund_id = match gateway
        .refund(&format!("{payment_id}-{request_id}"), intent, amount)
        .await
    {
        Ok(id) => id,
        Err(e) => {
            let mut tx = begin_write(db).await?;
            store::refund_dropped(&mut *tx, &event_id).await?;
            store::release_refund(&mut *tx, payment_id, amount.cents, now).await?;
            tx.commit().await?;
            return Err(e.into());
        }
    };
    let job = jobs::row(db, &payment.job_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = begin_write(db).await?;
    store::refund_recorded(&mut *tx, &event_id, now).await?;
    store::complete_refund(&mut *tx, payment_id, amount.cents, now).await?;
    audit::record(
        &mut *tx,
        Some(&admin.id),
        AuditAction::PaymentRefunded,
        Some(&payment.job_id),
        serde_json::json!({
            "payment": payment_id,
            "amount_cents": amount.cents,
            "currency": amount.currency,
            "reason": reason,
            "refund": refund_id,
        }),
        now,
    )
    .await?;
    let event = Pending::about_payment(
        EventName::PaymentRefunded,
        &job,
        job.status,
        payment.mechanic_id.clone(),
    );
    live::record(&mut tx, &[event], now).await?;
    tx.commit().await?;
    store::by_id(db, payment_id)
        .await?
        .ok_or(AppError::NotFound)?
        .view()
}
