//! The `payments` and `payment_events` tables: every statement on them,
//! and the only place that writes them.
//!
//! Over 450 lines because it is that one place: the attempt, the hold, its
//! capture or release, refunds (claimed, completed, dropped), webhook
//! history, and the admin console's list and detail.

use crate::{
    backend::{Db, db::Where, new_id},
    domain::{
        AppError, JobId, PaymentId, QuoteId, Timestamp, UserId,
        admin::Paging,
        mechanic::Skill,
        money::{Currency, Money},
        payment::{
            AdminPayment, CardSummary, PaymentDetail, PaymentEvent, PaymentPage, PaymentStatus,
            PaymentView,
        },
    },
};
use sqlx::{Any, Executor};

pub const COLUMNS: &str = "p.id, p.job_id, p.quote_id, p.customer_id, p.mechanic_id, p.provider, \
    p.intent_id, p.status, p.amount_cents, p.captured_cents, p.refunded_cents, p.currency, \
    p.card_brand, p.card_last4, p.failure, p.adjust_reason, p.disputed_at, p.authorized_at, \
    p.captured_at, p.created_at, p.refund_pending_cents";

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct PaymentRow {
    pub id: PaymentId,
    pub job_id: JobId,
    pub quote_id: QuoteId,
    pub customer_id: UserId,
    pub mechanic_id: UserId,
    pub provider: String,
    pub intent_id: Option<String>,
    pub status: PaymentStatus,
    pub amount_cents: i64,
    pub captured_cents: i64,
    pub refunded_cents: i64,
    pub currency: Currency,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub failure: Option<String>,
    pub adjust_reason: Option<String>,
    pub disputed_at: Option<Timestamp>,
    pub authorized_at: Option<Timestamp>,
    pub captured_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Set aside for refunds the provider is being asked for right now.
    pub refund_pending_cents: i64,
}

impl PaymentRow {
    /// What may still be refunded, counting the refunds under way.
    pub fn refundable(&self) -> Money {
        self.money((self.captured_cents - self.refunded_cents - self.refund_pending_cents).max(0))
    }

    pub fn money(&self, cents: i64) -> Money {
        Money::new(cents, self.currency)
    }

    pub fn amount(&self) -> Money {
        self.money(self.amount_cents)
    }

    pub fn view(&self) -> Result<PaymentView, AppError> {
        Ok(PaymentView {
            id: self.id.clone(),
            job_id: self.job_id.clone(),
            status: self.status,
            authorized: self.amount(),
            captured: self.money(self.captured_cents),
            refunded: self.money(self.refunded_cents),
            card: match (&self.card_brand, &self.card_last4) {
                (Some(brand), Some(last4)) => Some(CardSummary {
                    brand: brand.clone(),
                    last4: last4.clone(),
                }),
                _ => None,
            },
            demo: self.provider == "demo",
            adjust_reason: self.adjust_reason.clone(),
            disputed: self.disputed_at.is_some(),
            authorized_at: self.authorized_at,
            captured_at: self.captured_at,
        })
    }
}

/// The payment that booked the job: the one for its accepted quote.
pub async fn for_job<'e>(
    exec: impl Executor<'e, Database = Any>,
    job_id: &JobId,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments p JOIN jobs j ON j.id = p.job_id \
         WHERE p.job_id = $1 AND p.quote_id = j.accepted_quote_id AND p.status <> $2 \
         ORDER BY p.created_at DESC LIMIT 1"
    ))
    .bind(job_id)
    .bind(PaymentStatus::Failed.as_str())
    .fetch_optional(exec)
    .await
}

/// The attempt under way for a quote, if any.
pub async fn attempt(db: &Db, quote_id: &QuoteId) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments p WHERE p.attempt_key = $1"
    ))
    .bind(quote_id)
    .fetch_optional(db)
    .await
}

pub async fn by_intent<'e>(
    exec: impl Executor<'e, Database = Any>,
    intent_id: &str,
) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments p WHERE p.intent_id = $1"
    ))
    .bind(intent_id)
    .fetch_optional(exec)
    .await
}

pub async fn by_id(db: &Db, id: &PaymentId) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM payments p WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// What a new attempt is for.
pub struct NewAttempt<'a> {
    pub job_id: &'a str,
    pub quote_id: &'a str,
    pub customer_id: &'a str,
    pub mechanic_id: &'a str,
    pub provider: &'a str,
    pub amount: Money,
}

/// Starts an attempt to pay for a quote, or `None` when one is already
/// under way: of many taps at once, one reaches the provider.
pub async fn claim(
    db: &Db,
    new: &NewAttempt<'_>,
    now: Timestamp,
) -> Result<Option<PaymentId>, sqlx::Error> {
    let id = PaymentId::from(new_id());
    let claimed = sqlx::query(
        "INSERT INTO payments (id, job_id, quote_id, customer_id, mechanic_id, attempt_key, provider, \
         status, amount_cents, currency, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $3, $6, $7, $8, $9, $10, $10) ON CONFLICT (attempt_key) DO NOTHING",
    )
    .bind(&id)
    .bind(new.job_id)
    .bind(new.quote_id)
    .bind(new.customer_id)
    .bind(new.mechanic_id)
    .bind(new.provider)
    .bind(PaymentStatus::Starting.as_str())
    .bind(new.amount.cents)
    .bind(new.amount.currency)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected();
    Ok((claimed == 1).then_some(id))
}

/// Ends an attempt that cannot book the job, freeing the quote for another card.
pub async fn fail<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    status: PaymentStatus,
    failure: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET status = $1, failure = $2, attempt_key = NULL, updated_at = $3 WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(failure)
    .bind(now)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Notes the provider's id while the customer confirms with their bank.
pub async fn awaiting_action(
    db: &Db,
    id: &PaymentId,
    intent_id: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payments SET status = $1, intent_id = $2, updated_at = $3 WHERE id = $4")
        .bind(PaymentStatus::RequiresAction.as_str())
        .bind(intent_id)
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// One line of a payment's history. `event_id` (a webhook event's id, or
/// a refund request's) is unique: recording it twice fails, so the
/// second delivery changes nothing.
#[allow(clippy::too_many_arguments)]
pub async fn record<'e>(
    exec: impl Executor<'e, Database = Any>,
    payment_id: Option<&str>,
    event_id: Option<&str>,
    kind: &str,
    amount_cents: Option<i64>,
    detail: Option<&str>,
    actor_id: Option<&str>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO payment_events (id, payment_id, event_id, kind, amount_cents, detail, actor_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(payment_id)
    .bind(event_id)
    .bind(kind)
    .bind(amount_cents)
    .bind(detail)
    .bind(actor_id)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The kind of the history line with this event id, if there is one (a
/// refund request under way, `REFUND_PENDING`, or done, `refund`).
pub async fn kind_of(db: &Db, event_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT kind FROM payment_events WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(k,)| k))
}

/// A refund request's history line while the provider is being asked.
pub const REFUND_PENDING: &str = "refund_pending";

/// The provider carried out the request: its line becomes a refund.
pub async fn refund_recorded<'e>(
    exec: impl Executor<'e, Database = Any>,
    event_id: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payment_events SET kind = 'refund', at = $1 WHERE event_id = $2 AND kind = $3",
    )
    .bind(now)
    .bind(event_id)
    .bind(REFUND_PENDING)
    .execute(exec)
    .await?;
    Ok(())
}

/// The provider refused the request: its line goes, so it may be sent again.
pub async fn refund_dropped<'e>(
    exec: impl Executor<'e, Database = Any>,
    event_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM payment_events WHERE event_id = $1 AND kind = $2")
        .bind(event_id)
        .bind(REFUND_PENDING)
        .execute(exec)
        .await?;
    Ok(())
}

/// Sets `cents` aside for a refund about to be asked of the provider, when
/// that much is still left counting the refunds already under way. One
/// conditional UPDATE both checks and claims, so of refunds sent at the same
/// moment only those that fit together get through (PostgreSQL re-checks the
/// condition on the row the first writer left; SQLite has one writer).
pub async fn claim_refund<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    cents: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE payments SET refund_pending_cents = refund_pending_cents + $1, updated_at = $2 \
         WHERE id = $3 AND status IN ($4, $5) AND $1 > 0 \
         AND refunded_cents + refund_pending_cents + $1 <= captured_cents",
    )
    .bind(cents)
    .bind(now)
    .bind(id)
    .bind(PaymentStatus::Captured.as_str())
    .bind(PaymentStatus::PartiallyRefunded.as_str())
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives back a claim the provider refused (or a duplicate request's).
pub async fn release_refund<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    cents: i64,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET refund_pending_cents = refund_pending_cents - $1, updated_at = $2 \
         WHERE id = $3 AND refund_pending_cents >= $1",
    )
    .bind(cents)
    .bind(now)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Turns a claim the provider carried out into money refunded; fully
/// refunded when it reaches what was taken.
pub async fn complete_refund<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    cents: i64,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET refunded_cents = refunded_cents + $1, \
         refund_pending_cents = refund_pending_cents - $1, \
         status = CASE WHEN refunded_cents + $1 >= captured_cents THEN $2 ELSE $3 END, \
         updated_at = $4 WHERE id = $5 AND refund_pending_cents >= $1",
    )
    .bind(cents)
    .bind(PaymentStatus::Refunded.as_str())
    .bind(PaymentStatus::PartiallyRefunded.as_str())
    .bind(now)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Records a refund made outside this app (the provider's dashboard), when
/// it fits in what is left counting refunds under way; returns whether it did.
pub async fn add_refund<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    cents: i64,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE payments SET refunded_cents = refunded_cents + $1, \
         status = CASE WHEN refunded_cents + $1 >= captured_cents THEN $2 ELSE $3 END, \
         updated_at = $4 WHERE id = $5 AND $1 > 0 \
         AND refunded_cents + refund_pending_cents + $1 <= captured_cents",
    )
    .bind(cents)
    .bind(PaymentStatus::Refunded.as_str())
    .bind(PaymentStatus::PartiallyRefunded.as_str())
    .bind(now)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The hold that books a job: a starting (or bank-confirmed) attempt
/// becomes authorized. False when the attempt changed meanwhile.
pub async fn authorized<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    intent_id: &str,
    card: Option<&CardSummary>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE payments SET status = $1, intent_id = $2, card_brand = $3, card_last4 = $4, \
         authorized_at = $5, updated_at = $5 WHERE id = $6 AND status IN ($7, $8)",
    )
    .bind(PaymentStatus::Authorized.as_str())
    .bind(intent_id)
    .bind(card.map(|c| c.brand.as_str()))
    .bind(card.map(|c| c.last4.as_str()))
    .bind(now)
    .bind(id)
    .bind(PaymentStatus::Starting.as_str())
    .bind(PaymentStatus::RequiresAction.as_str())
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A held amount taken, at completion or as the provider reports it
/// (`reason` when it differs from the hold). Only an authorized payment
/// is captured: a late report changes nothing that moved on.
pub async fn capture_held<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    cents: i64,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET status = $1, captured_cents = $2, adjust_reason = $3, \
         captured_at = $4, updated_at = $4 WHERE id = $5 AND status = $6",
    )
    .bind(PaymentStatus::Captured.as_str())
    .bind(cents)
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(PaymentStatus::Authorized.as_str())
    .execute(exec)
    .await?;
    Ok(())
}

/// A hold let go (the job was cancelled); the quote may be paid for again.
pub async fn release_held<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET status = $1, attempt_key = NULL, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(PaymentStatus::Released.as_str())
    .bind(now)
    .bind(id)
    .bind(PaymentStatus::Authorized.as_str())
    .execute(exec)
    .await?;
    Ok(())
}

pub async fn set_status<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    status: PaymentStatus,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payments SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn disputed<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &PaymentId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payments SET disputed_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AdminRow {
    #[sqlx(flatten)]
    payment: PaymentRow,
    category: Skill,
    locality: String,
    customer_name: String,
    mechanic_name: String,
}

impl AdminRow {
    fn summary(self) -> Result<AdminPayment, AppError> {
        let kind = self.category.label();
        Ok(AdminPayment {
            job_title: format!("{kind}, {}", self.locality),
            customer: self.customer_name,
            mechanic: self.mechanic_name,
            created_at: self.payment.created_at,
            payment: self.payment.view()?,
        })
    }
}

const ADMIN_FROM: &str = "FROM payments p JOIN jobs j ON j.id = p.job_id \
    JOIN users c ON c.id = p.customer_id JOIN users m ON m.id = p.mechanic_id \
    LEFT JOIN mechanic_profiles mp ON mp.user_id = p.mechanic_id";

fn admin_select() -> String {
    format!(
        "SELECT {COLUMNS}, j.category, j.locality, c.name AS customer_name, \
         COALESCE(mp.display_name, m.name) AS mechanic_name {ADMIN_FROM}"
    )
}

/// Every payment (or those in `status`), newest first.
pub async fn list_all(
    db: &Db,
    status: Option<PaymentStatus>,
    paging: Paging,
) -> Result<PaymentPage, AppError> {
    let mut filter = Where::default();
    if let Some(s) = status {
        filter.and("p.status = {}", s.as_str());
    }
    let total = filter.count(db, "payments p").await?;
    let sql = format!(
        "{}{} ORDER BY p.created_at DESC, p.id DESC LIMIT {} OFFSET {}",
        admin_select(),
        filter.sql(),
        filter.next(1),
        filter.next(2),
    );
    let mut query = sqlx::query_as::<_, AdminRow>(&sql);
    for a in &filter.args {
        query = query.bind(a);
    }
    let rows = query
        .bind(i64::from(paging.per_page))
        .bind(paging.offset())
        .fetch_all(db)
        .await?;
    Ok(PaymentPage {
        payments: rows
            .into_iter()
            .map(AdminRow::summary)
            .collect::<Result<_, _>>()?,
        total,
        paging,
    })
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: Timestamp,
    kind: String,
    amount_cents: Option<i64>,
    detail: Option<String>,
    actor: Option<String>,
}

/// One payment and its history, oldest first.
pub async fn detail(db: &Db, id: &PaymentId) -> Result<Option<PaymentDetail>, AppError> {
    let row: Option<AdminRow> = sqlx::query_as(&format!("{} WHERE p.id = $1", admin_select()))
        .bind(id)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let currency = row.payment.currency;
    let events: Vec<EventRow> = sqlx::query_as(
        "SELECT e.at, e.kind, e.amount_cents, e.detail, u.name AS actor \
         FROM payment_events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.payment_id = $1 ORDER BY e.at, e.id",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(Some(PaymentDetail {
        summary: row.summary()?,
        history: events
            .into_iter()
            .map(|e| PaymentEvent {
                at: e.at,
                kind: e.kind,
                amount: e.amount_cents.map(|c| Money::new(c, currency)),
                detail: e.detail,
                actor: e.actor,
            })
            .collect(),
    }))
}
