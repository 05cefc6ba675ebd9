//! Open jobs and quotes: `/api/open_jobs`, `/api/send_quote`, `/api/withdraw_quote`, `/api/checkout`, `/api/accept_quote`.

#[cfg(feature = "ssr")]
use crate::domain::Timestamp;
use crate::domain::{
    AppError, JobId, QuoteId,
    job::{JobSummary, JobView},
    payment::Checkout,
    quote::{LineInput, QuoteView},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::{
            access,
            flows::{paying, quoting},
        },
        domain::{Feature, Role, quote::QuoteForm},
    },
};

/// `GET /api/open_jobs`: requested and quoted jobs within the mechanic's
/// radius, nearest first, with only their approximate area.
#[server(endpoint = "open_jobs", input = GetUrl)]
pub async fn open_jobs() -> Result<Vec<JobSummary>, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Mechanic]).await?;
            access::open_near(&guard::state().db, &user).await
        }
        .await,
    )
}

/// `POST /api/send_quote`: sends a quote, or revises the mechanic's live one.
/// Lines are `items[0][kind]` (`labour`, `parts`, `fee`), `items[0][description]`
/// and `items[0][amount]` (pounds, e.g. `45.50`); the total is computed here.
#[server(endpoint = "send_quote")]
pub async fn send_quote(
    job_id: JobId,
    items: Option<Vec<LineInput>>,
    note: Option<String>,
    arrival_minutes: String,
    valid_hours: String,
) -> Result<QuoteView, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Mechanic]).await?;
            let form = QuoteForm {
                items: items.unwrap_or_default(),
                note: note.unwrap_or_default(),
                arrival_minutes,
                valid_hours,
            };
            let quote =
                quoting::send(&guard::state().db, &user, &job_id, &form, Timestamp::now()).await?;
            Ok(quote)
        }
        .await,
    )
}

/// `POST /api/withdraw_quote`: withdraws the mechanic's live quote.
#[server(endpoint = "withdraw_quote")]
pub async fn withdraw_quote(id: QuoteId) -> Result<(), AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Mechanic]).await?;
            quoting::withdraw(&guard::state().db, &user, &id, Timestamp::now()).await?;
            Ok(())
        }
        .await,
    )
}

/// `POST /api/accept_quote`: the customer books the quote's mechanic; every
/// other quote on the job is declined. Answers the booked job.
///
/// With payments on, the quote's total is first held on the card:
/// `payment_method` is the Stripe PaymentMethod the card form made (from
/// `/api/checkout`; none in demo mode). A refused card answers 402
/// `payment_declined` and books nothing; 402 `payment_action_required`
/// carries a `client_secret` for Stripe.js's `confirmCardPayment`, after
/// which the same call (without `payment_method`) finishes the booking.
#[server(endpoint = "accept_quote")]
pub async fn accept_quote(
    id: QuoteId,
    payment_method: Option<String>,
) -> Result<JobView, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Customer]).await?;
            let state = guard::state();
            let now = Timestamp::now();
            let job_id = match super::jobs::payments(&state) {
                Some(gateway) => {
                    let pm =
                        crate::domain::payment::parse_payment_method(payment_method.as_deref())?;
                    paying::accept(&state.db, gateway, &user, &id, pm, now).await?
                }
                None => quoting::accept(&state.db, &user.id, &id, None, now).await?,
            };
            super::jobs::view(&user, &job_id).await
        }
        .await,
    )
}

/// `POST /api/checkout`: what the customer's page needs to take a card for
/// quote `id`: Stripe's publishable key, Stripe.js's address and a
/// SetupIntent's client secret for the card form, or the demo mode.
#[server(endpoint = "checkout")]
pub async fn start_checkout(id: QuoteId) -> Result<Checkout, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Payments)?;
            let user = guard::require_role(&[Role::Customer]).await?;
            let state = guard::state();
            paying::checkout(&state.db, &state.payments, &user, &id, Timestamp::now()).await
        }
        .await,
    )
}
