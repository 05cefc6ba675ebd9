//! Paying for a job: the hold taken when a quote is accepted, taken at
//! completion, let go on cancellation, refunded by an admin.
//!
//! Calls to the provider happen outside database transactions (a write
//! transaction must not wait on the network); each is made idempotent by
//! a key derived from the payment, and the row changes after it commits
//! with the job's own change.

use crate::{
    backend::{
        Db, access, audit,
        db::begin_write,
        flows::quoting::{self, Paid},
        live::{self, Pending},
        payments::{
            Authorization, Gateway, GatewayError, IntentState,
            store::{self, NewAttempt, PaymentRow},
        },
        sessions::CurrentUser,
        store::{jobs, quotes},
    },
    domain::{
        AppError, Timestamp, UserId,
        access::Action,
        admin::AuditAction,
        job::JobStatus,
        live::EventName,
        payment::{Checkout, PaymentStatus, PaymentView, refund_amount},
        quote::QuoteStatus,
    },
};

/// What the page needs to take a card for `quote_id`, after checking the
/// quote can still be accepted (no card form for a quote that cannot).
#[tracing::instrument(skip_all, fields(user = %user.id, quote = %quote_id))]
pub async fn checkout(
    db: &Db,
    gateway: &Gateway,
    user: &CurrentUser,
    quote_id: &str,
    now: Timestamp,
) -> Result<Checkout, AppError> {
    let quote = acceptable(db, user, quote_id, now).await?;
    gateway.checkout(quote.total).await
}

/// Accepts the quote once its amount is held on the customer's card
/// (`payment_method`, from the card form; none in demo mode). Declined:
/// nothing is booked and the quote stays open for another card.
#[tracing::instrument(skip_all, fields(user = %user.id, quote = %quote_id))]
pub async fn accept(
    db: &Db,
    gateway: &Gateway,
    user: &CurrentUser,
    quote_id: &str,
    payment_method: Option<&str>,
    now: Timestamp,
) -> Result<String, AppError> {
    if let Some(open) = store::attempt(db, quote_id).await? {
        // Another customer learns nothing, not even that a payment exists.
        if open.customer_id != user.id {
            return Err(AppError::NotFound);
        }
        return match (open.status()?, open.intent_id.as_deref()) {
            // Back from confirming with the bank: where does it stand now?
            (PaymentStatus::RequiresAction, Some(intent)) => {
                let auth = gateway.lookup(intent).await;
                settle(
                    db,
                    gateway,
                    &user.id,
                    &open.quote_id,
                    &open.id,
                    open.amount(),
                    auth,
                    now,
                )
                .await
            }
            _ => Err(AppError::conflict(
                "A payment for this quote is already under way. Wait a moment, then reload.",
            )),
        };
    }
    let quote = acceptable(db, user, quote_id, now).await?;
    let claimed = store::claim(
        db,
        &NewAttempt {
            job_id: &quote.job_id,
            quote_id,
            customer_id: &user.id,
            mechanic_id: &quote.mechanic.id,
            provider: gateway.provider(),
            amount: quote.total,
        },
        now,
    )
    .await?;
    let Some(payment_id) = claimed else {
        return Err(AppError::conflict(
            "A payment for this quote is already under way. Wait a moment, then reload.",
        ));
    };
    let auth = gateway
        .authorize(
            &payment_id,
            quote.total,
            payment_method,
            &[
                ("payment_id", &payment_id),
                ("job_id", &quote.job_id),
                ("quote_id", quote_id),
            ],
        )
        .await;
    settle(
        db,
        gateway,
        &user.id,
        quote_id,
        &payment_id,
        quote.total,
        auth,
        now,
    )
    .await
}

/// Books the job with a held payment, or ends the attempt with the reason.
#[allow(clippy::too_many_arguments)]
async fn settle(
    db: &Db,
    gateway: &Gateway,
    customer_id: &str,
    quote_id: &str,
    payment_id: &str,
    amount: crate::domain::money::Money,
    auth: Result<Authorization, GatewayError>,
    now: Timestamp,
) -> Result<String, AppError> {
    let auth = match auth {
        Ok(auth) => auth,
        Err(e) => {
            let words = match &e {
                GatewayError::Declined(m) => m.clone(),
                GatewayError::Unavailable => "The payment service could not be reached.".into(),
            };
            end_attempt(
                db,
                payment_id,
                PaymentStatus::Failed,
                &words,
                customer_id,
                now,
            )
            .await?;
            return Err(e.into());
        }
    };
    match auth.state {
        IntentState::Held => {
            let paid = Paid {
                payment_id,
                intent_id: &auth.intent_id,
                amount,
                card: auth.card.as_ref(),
            };
            match quoting::accept(db, customer_id, quote_id, Some(&paid), now).await {
                Ok(job_id) => Ok(job_id),
                Err(refused) => {
                    // Another quote won, or the job was cancelled meanwhile:
                    // the customer must not be left with money held.
                    let words = refused.to_string();
                    let released = gateway.release(payment_id, &auth.intent_id).await;
                    if let Err(e) = &released {
                        tracing::error!(payment = payment_id, error = ?e, "could not release a hold after a refused booking");
                    }
                    end_attempt(
                        db,
                        payment_id,
                        PaymentStatus::Released,
                        &words,
                        customer_id,
                        now,
                    )
                    .await?;
                    Err(refused)
                }
            }
        }
        IntentState::NeedsAction { client_secret } => {
            store::awaiting_action(db, payment_id, &auth.intent_id, now).await?;
            Err(AppError::PaymentActionRequired { client_secret })
        }
        IntentState::Refused { message } => {
            end_attempt(
                db,
                payment_id,
                PaymentStatus::Failed,
                &message,
                customer_id,
                now,
            )
            .await?;
            Err(AppError::PaymentDeclined { message })
        }
        IntentState::Other(status) => {
            tracing::error!(
                payment = payment_id,
                status,
                "unexpected payment state while booking"
            );
            end_attempt(
                db,
                payment_id,
                PaymentStatus::Failed,
                &status,
                customer_id,
                now,
            )
            .await?;
            Err(AppError::PaymentUnavailable)
        }
    }
}

async fn end_attempt(
    db: &Db,
    payment_id: &str,
    status: PaymentStatus,
    words: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let mut tx = begin_write(db).await?;
    store::fail(&mut *tx, payment_id, status, words, now).await?;
    store::record(
        &mut *tx,
        Some(payment_id),
        None,
        status.as_str(),
        None,
        Some(words),
        Some(actor),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The quote, when this customer may accept it now; otherwise why not.
async fn acceptable(
    db: &Db,
    user: &CurrentUser,
    quote_id: &str,
    now: Timestamp,
) -> Result<crate::domain::quote::QuoteView, AppError> {
    let quote = quotes::by_id(db, quote_id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let job = jobs::row(db, &quote.job_id)
        .await?
        .ok_or(AppError::NotFound)?;
    access::require(db, user, &job, Action::Accept).await?;
    if job.status()? != JobStatus::Quoted || quote.status != QuoteStatus::Live || quote.expired {
        return Err(quoting::why_not_accepted(db, quote_id, &job.id, now).await?);
    }
    Ok(quote)
}

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
    job_id: &str,
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
    if payment.status()? != PaymentStatus::Authorized {
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
        actor: &str,
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

/// Gives back `requested_cents` (all that is left when `None`) of a
/// captured payment. `request_id` names the admin's request: sent twice
/// (a double click, a retry), it refunds once.
#[tracing::instrument(skip_all, fields(admin = %admin.id, payment = %payment_id))]
#[allow(clippy::too_many_arguments)]
pub async fn refund(
    db: &Db,
    gateway: &Gateway,
    admin: &CurrentUser,
    payment_id: &str,
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
    if !payment.status()?.is_paid() {
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
            "currency": amount.currency.code(),
            "reason": reason,
            "refund": refund_id,
        }),
        now,
    )
    .await?;
    let event = Pending::about_payment(
        EventName::PaymentRefunded,
        &job,
        job.status()?,
        UserId::from(payment.mechanic_id.clone()),
    );
    live::record(&mut tx, &[event], now).await?;
    tx.commit().await?;
    store::by_id(db, payment_id)
        .await?
        .ok_or(AppError::NotFound)?
        .view()
}

/// A Stripe event, as much of it as this app reads.
#[derive(Debug, serde::Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: StripeEventData,
}

#[derive(Debug, serde::Deserialize)]
pub struct StripeEventData {
    pub object: serde_json::Value,
}

/// Applies a verified webhook event once: the event's id is stored in the
/// same transaction as its effect, so a replay (Stripe retries, or
/// someone resends a captured request) finds it and changes nothing.
/// Returns whether this delivery was the first.
#[tracing::instrument(skip_all, fields(event = %event.id, kind = %event.kind))]
pub async fn webhook(
    db: &Db,
    gateway: &Gateway,
    event: &StripeEvent,
    now: Timestamp,
) -> Result<bool, AppError> {
    let object = &event.data.object;
    let text = |key: &str| object.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let cents = |key: &str| object.get(key).and_then(|v| v.as_i64());
    let intent = if event.kind.starts_with("payment_intent.") {
        text("id")
    } else {
        text("payment_intent")
    };
    let payment = match &intent {
        Some(id) => store::by_intent(db, id).await?,
        None => None,
    };
    let job = match &payment {
        Some(p) => jobs::row(db, &p.job_id).await?,
        None => None,
    };
    // What the history shows beside the event's type.
    let detail = match event.kind.as_str() {
        // `automatic`: the card issuer's hold lapsed (Stripe's 7 days).
        "payment_intent.canceled" => text("cancellation_reason").map(|r| format!("cancelled: {r}")),
        "payment_intent.payment_failed" => object
            .pointer("/last_payment_error/message")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        "charge.dispute.created" => text("reason").map(|r| format!("dispute: {r}")),
        _ => None,
    }
    .or_else(|| intent.clone());
    let mut tx = begin_write(db).await?;
    let first = store::record(
        &mut *tx,
        payment.as_ref().map(|p| p.id.as_str()),
        Some(&event.id),
        &event.kind,
        cents("amount"),
        detail.as_deref(),
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
    let status = payment.status()?;
    // A signed event is Stripe's word on what happened, but its amounts are
    // checked against ours: a capture can never exceed the hold, refunds
    // never what was taken. One that disagrees is kept as history and shown
    // to admins, never applied.
    let mut mismatch: Option<String> = None;
    let changed = match event.kind.as_str() {
        "payment_intent.succeeded" if status == PaymentStatus::Authorized => {
            match cents("amount_received") {
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
                    store::captured(&mut *tx, &payment.id, taken, now).await?;
                    Some(EventName::PaymentCaptured)
                }
            }
        }
        "payment_intent.canceled" if status == PaymentStatus::Authorized => {
            store::set_status(&mut *tx, &payment.id, PaymentStatus::Released, now).await?;
            Some(EventName::PaymentReleased)
        }
        "payment_intent.payment_failed"
            if matches!(
                status,
                PaymentStatus::Starting | PaymentStatus::RequiresAction
            ) =>
        {
            let words = object
                .pointer("/last_payment_error/message")
                .and_then(|v| v.as_str())
                .unwrap_or("The payment failed.");
            store::fail(&mut *tx, &payment.id, PaymentStatus::Failed, words, now).await?;
            Some(EventName::PaymentFailed)
        }
        "charge.refunded" if status.is_paid() => {
            // Stripe's total refunded; the part beyond what we refunded or
            // are refunding now was made outside the app (its dashboard).
            let reported = cents("amount_refunded").unwrap_or(0);
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
        "charge.dispute.created" if payment.disputed_at.is_none() => {
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
        let event = Pending::about_payment(
            name,
            &job,
            job.status()?,
            UserId::from(payment.mechanic_id.clone()),
        );
        live::record(&mut tx, &[event], now).await?;
    }
    tx.commit().await?;
    // The bank confirmed a hold whose page is gone (closed after the 3-D
    // Secure check): book the job now, as the page would have.
    if event.kind == "payment_intent.amount_capturable_updated"
        && status == PaymentStatus::RequiresAction
        && let Some(intent) = intent.as_deref()
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
