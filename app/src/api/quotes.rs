//! Open jobs and quotes: `/api/open_jobs`, `/api/send_quote`, `/api/withdraw_quote`, `/api/accept_quote`.

#[cfg(feature = "ssr")]
use crate::domain::Timestamp;
use crate::domain::{
    AppError,
    job::{JobSummary, JobView},
    quote::{LineInput, QuoteView},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::{access, flows::quoting},
        domain::{Role, quote::QuoteForm},
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
    job_id: String,
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
pub async fn withdraw_quote(id: String) -> Result<(), AppError> {
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
#[server(endpoint = "accept_quote")]
pub async fn accept_quote(id: String) -> Result<JobView, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Customer]).await?;
            let db = &guard::state().db;
            let job_id = quoting::accept(db, &user, &id, Timestamp::now()).await?;
            super::jobs::view(&user, &job_id).await
        }
        .await,
    )
}
