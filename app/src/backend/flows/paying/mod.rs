//! Paying for a job: the hold taken when a quote is accepted (here), taken
//! at completion or let go on cancellation (`moves`), refunded by an admin
//! (`refunds`), and what the provider tells us afterwards (`webhook`).
//!
//! Calls to the provider happen outside database transactions (a write
//! transaction must not wait on the network); each is made idempotent by
//! a key derived from the payment, and the row changes after it commits
//! with the job's own change.

mod moves;
mod refunds;
mod webhook;

pub use moves::{Settled, before_move};
pub use refunds::refund;
pub use webhook::webhook;

use crate::domain::{JobId, PaymentId, QuoteId, UserId};
use crate::{
    backend::{
        Db, access,
        db::begin_write,
        flows::quoting::{self, Paid},
        payments::{
            Authorization, Gateway, GatewayError, IntentState,
            store::{self, NewAttempt},
        },
        sessions::CurrentUser,
        store::{jobs, quotes},
    },
    domain::{
        AppError, Timestamp,
        access::Action,
        job::JobStatus,
        payment::{Checkout, PaymentStatus},
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
    quote_id: &QuoteId,
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
    quote_id: &QuoteId,
    payment_method: Option<&str>,
    now: Timestamp,
) -> Result<JobId, AppError> {
    if let Some(open) = store::attempt(db, quote_id).await? {
        // Another customer learns nothing, not even that a payment exists.
        if open.customer_id != user.id {
            return Err(AppError::NotFound);
        }
        return match (open.status, open.intent_id.as_deref()) {
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
                ("payment_id", payment_id.as_str()),
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
    customer_id: &UserId,
    quote_id: &QuoteId,
    payment_id: &PaymentId,
    amount: crate::domain::money::Money,
    auth: Result<Authorization, GatewayError>,
    now: Timestamp,
) -> Result<JobId, AppError> {
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
                        tracing::error!(payment = %payment_id, error = ?e, "could not release a hold after a refused booking");
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
                payment = %payment_id,
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
    payment_id: &PaymentId,
    status: PaymentStatus,
    words: &str,
    actor: &UserId,
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
    quote_id: &QuoteId,
    now: Timestamp,
) -> Result<crate::domain::quote::QuoteView, AppError> {
    let quote = quotes::by_id(db, quote_id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let job = jobs::row(db, &quote.job_id)
        .await?
        .ok_or(AppError::NotFound)?;
    access::require(db, user, &job, Action::Accept).await?;
    if job.status != JobStatus::Quoted || quote.status != QuoteStatus::Live || quote.expired {
        return Err(quoting::why_not_accepted(db, quote_id, &job.id, now).await?);
    }
    Ok(quote)
}
