//! Quoting use cases: sending, revising and withdrawing a quote, and
//! accepting one, each in one transaction with its events.

use crate::domain::QuoteId;
use crate::domain::Timestamp;
use crate::domain::{JobId, PaymentId, UserId};
use crate::{
    backend::{
        Db, access,
        db::{self, Write},
        live::{self, Pending},
        new_id,
        payments::store as payment_store,
        sessions::CurrentUser,
        store::{
            self, jobs,
            quotes::{self, by_id, decline_live, for_job},
            timeline::{self, Change},
        },
    },
    domain::{
        AppError,
        access::Action,
        job::{Actor, JobStatus},
        live::EventName,
        money::Money,
        payment::CardSummary,
        quote::{QuoteForm, QuoteStatus, QuoteView},
    },
};

/// Sends the mechanic's quote for a job, or revises their live one. The
/// total is the sum of the lines, computed here; the first quote on a
/// job moves it to "quoted".
#[tracing::instrument(skip_all, fields(user = %user.id, job = %job_id))]
pub async fn send(
    db: &Db,
    user: &CurrentUser,
    job_id: &JobId,
    form: &QuoteForm,
    now: Timestamp,
) -> Result<QuoteView, AppError> {
    let job = jobs::row(db, job_id).await?.ok_or(AppError::NotFound)?;
    access::require(db, user, &job, Action::Quote).await?;
    let quote = form.parse(now)?;
    let items = serde_json::to_string(&quote.items).map_err(|e| {
        tracing::error!(error = %e, "could not encode line items");
        AppError::Internal
    })?;
    let mut tx = db::begin_write(db).await?;
    // Writing the job row first takes its lock, so a quote cannot slip in
    // beside an acceptance: whichever commits second sees the other.
    let first = store::jobs::move_status(
        &mut *tx,
        job_id,
        JobStatus::Requested,
        JobStatus::Quoted,
        None,
        now,
    )
    .await?;
    let mut events = Vec::new();
    if first {
        events.push(Pending::status_change(
            &job,
            JobStatus::Requested,
            JobStatus::Quoted,
        )?);
        timeline::record(
            &mut *tx,
            Change {
                job_id,
                from: Some(JobStatus::Requested),
                to: JobStatus::Quoted,
                actor_id: &user.id,
                actor: Actor::QuotingMechanic,
                reason: None,
                at: now,
            },
        )
        .await?;
    } else {
        let still_open = store::jobs::touch(&mut *tx, job_id, JobStatus::Quoted, now).await?;
        if !still_open {
            return Err(AppError::conflict("This job is no longer taking quotes."));
        }
    }
    let revised = quotes::revise_live(&mut *tx, job_id, &user.id, &quote, &items, now).await?;
    let (name, quote_id) = match revised {
        Some(id) => (EventName::QuoteUpdated, id),
        None => (EventName::QuoteNew, QuoteId::from(new_id())),
    };
    if name == EventName::QuoteNew {
        quotes::insert(&mut *tx, &quote_id, job_id, &user.id, &quote, &items, now).await?;
    }
    events.push(Pending::about_quote(
        name,
        &job,
        JobStatus::Quoted,
        quote_id,
        user.id.clone(),
    ));
    live::record(&mut tx, &events, now).await?;
    tx.commit().await?;
    for_job(db, job_id, Some(&user.id), now)
        .await?
        .into_iter()
        .find(|q| q.status == QuoteStatus::Live)
        .ok_or(AppError::Internal)
}

/// Withdraws the mechanic's live quote. When it was the last one, the job
/// goes back to waiting for quotes.
#[tracing::instrument(skip_all, fields(user = %user.id, quote = %quote_id))]
pub async fn withdraw(
    db: &Db,
    user: &CurrentUser,
    quote_id: &QuoteId,
    now: Timestamp,
) -> Result<(), AppError> {
    let quote = by_id(db, quote_id, now)
        .await?
        .filter(|q| q.mechanic.id == user.id);
    let quote = quote.ok_or(AppError::NotFound)?;
    let job = jobs::row(db, &quote.job_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db::begin_write(db).await?;
    let done = quotes::set_status(
        &mut *tx,
        quote_id,
        Some(QuoteStatus::Live),
        QuoteStatus::Withdrawn,
        now,
    )
    .await?;
    if !done {
        return Err(AppError::conflict(match quote.status {
            QuoteStatus::Accepted => "This quote was accepted; the job is booked with you.",
            _ => "This quote is no longer open.",
        }));
    }
    let reopened = store::jobs::reopen_unquoted(&mut *tx, &quote.job_id, now).await?;
    let mut events = Vec::new();
    let status = if reopened {
        events.push(Pending::status_change(
            &job,
            JobStatus::Quoted,
            JobStatus::Requested,
        )?);
        JobStatus::Requested
    } else {
        job.status
    };
    if reopened {
        timeline::record(
            &mut *tx,
            Change {
                job_id: &quote.job_id,
                from: Some(JobStatus::Quoted),
                to: JobStatus::Requested,
                actor_id: &user.id,
                actor: Actor::QuotingMechanic,
                reason: Some("The last quote was withdrawn."),
                at: now,
            },
        )
        .await?;
    }
    events.push(Pending::about_quote(
        EventName::QuoteWithdrawn,
        &job,
        status,
        quote.id.clone(),
        user.id.clone(),
    ));
    live::record(&mut tx, &events, now).await?;
    tx.commit().await?;
    Ok(())
}

/// A hold on the customer's card for the quote being accepted.
pub struct Paid<'a> {
    pub payment_id: &'a PaymentId,
    pub intent_id: &'a str,
    pub amount: Money,
    pub card: Option<&'a CardSummary>,
}

/// Books the job with the mechanic behind `quote_id` and declines the
/// others, in one transaction; with `paid`, the payment becomes
/// authorized in the same transaction, and only while the quote's total
/// is still the amount held. Of several acceptances racing on one job,
/// exactly one wins; the rest change nothing.
#[tracing::instrument(skip_all, fields(user = %customer_id, quote = %quote_id))]
pub async fn accept(
    db: &Db,
    customer_id: &UserId,
    quote_id: &QuoteId,
    paid: Option<&Paid<'_>>,
    now: Timestamp,
) -> Result<JobId, AppError> {
    let quote = by_id(db, quote_id, now).await?.ok_or(AppError::NotFound)?;
    let job = jobs::row(db, &quote.job_id).await?;
    let job = job
        .filter(|j| j.customer_id == *customer_id)
        .ok_or(AppError::NotFound)?;
    let mut tx = db::begin_write(db).await?;
    // Conditional on the job still waiting and the quote still standing:
    // on PostgreSQL a racing transaction waits for this row and then finds
    // it booked; SQLite runs one writer at a time. Either way, one wins.
    let booked = store::jobs::book(
        &mut *tx,
        &job.id,
        customer_id,
        quote_id,
        &quote.mechanic.id,
        paid.map_or(quote.total.cents, |p| p.amount.cents),
        now,
    )
    .await?;
    if !booked {
        drop(tx);
        return Err(why_not_accepted(db, quote_id, &job.id, now).await?);
    }
    quotes::set_status(&mut *tx, quote_id, None, QuoteStatus::Accepted, now).await?;
    let declined = decline_live(&mut *tx, &job.id, Some(quote_id), now).await?;
    timeline::record(
        &mut *tx,
        Change {
            job_id: &job.id,
            from: Some(JobStatus::Quoted),
            to: JobStatus::Accepted,
            actor_id: customer_id,
            actor: Actor::Customer,
            reason: None,
            at: now,
        },
    )
    .await?;
    let mechanic = quote.mechanic.id.clone();
    // Rivals nearby hear the job leave the pool from this event, so it does
    // not name the winning quote: `quote:accepted` tells the two parties.
    let mut booked = Pending::status_change(&job, JobStatus::Quoted, JobStatus::Accepted)?;
    booked.audience.mechanic_id = Some(mechanic.clone());
    let mut events = vec![
        booked,
        Pending::about_quote(
            EventName::QuoteAccepted,
            &job,
            JobStatus::Accepted,
            quote_id.clone(),
            mechanic,
        ),
    ];
    events.extend(Pending::declined(&job, JobStatus::Accepted, declined));
    if let Some(paid) = paid {
        authorized(&mut tx, paid, now).await?;
        events.push(Pending::about_payment(
            EventName::PaymentAuthorized,
            &job,
            JobStatus::Accepted,
            quote.mechanic.id.clone(),
        ));
    }
    live::record(&mut tx, &events, now).await?;
    tx.commit().await?;
    Ok(job.id)
}

/// Marks the hold that booked the job, in the booking's transaction.
async fn authorized(tx: &mut Write, paid: &Paid<'_>, now: Timestamp) -> Result<(), AppError> {
    let done =
        payment_store::authorized(&mut **tx, paid.payment_id, paid.intent_id, paid.card, now)
            .await?;
    if !done {
        return Err(AppError::conflict(
            "This payment changed while the job was being booked. Reload to see where it stands.",
        ));
    }
    payment_store::record(
        &mut **tx,
        Some(paid.payment_id),
        None,
        "authorized",
        Some(paid.amount.cents),
        None,
        None,
        now,
    )
    .await?;
    Ok(())
}

/// Reads the job and quote again after a refused acceptance, to say why in words.
pub async fn why_not_accepted(
    db: &Db,
    quote_id: &QuoteId,
    job_id: &JobId,
    now: Timestamp,
) -> Result<AppError, AppError> {
    let job = jobs::row(db, job_id).await?.ok_or(AppError::NotFound)?;
    let status = job.status;
    if status == JobStatus::Cancelled {
        return Ok(AppError::conflict("This job was cancelled."));
    }
    if !status.is_open() {
        return Ok(AppError::conflict(
            "This job is already booked with a mechanic.",
        ));
    }
    let quote = by_id(db, quote_id, now).await?.ok_or(AppError::NotFound)?;
    Ok(AppError::conflict(match quote.status {
        QuoteStatus::Withdrawn => "The mechanic withdrew this quote.",
        QuoteStatus::Live if quote.expires_at <= now => {
            "This quote has expired. Ask the mechanic for a new one, or choose another."
        }
        QuoteStatus::Live => "This mechanic cannot take jobs right now. Choose another quote.",
        _ => "This quote is no longer open.",
    }))
}
