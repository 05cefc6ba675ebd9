//! The `quotes` table: its row, and the reads and bulk changes other flows share.

use crate::domain::JobId;
use crate::domain::Timestamp;
use crate::domain::{QuoteId, UserId};
use crate::{
    backend::Db,
    domain::{
        AppError,
        mechanic::MechanicProfile,
        money::{Currency, Money},
        quote::{LineItem, MechanicCard, NewQuote, QuoteStatus, QuoteView},
    },
};
use sqlx::{Any, Executor};

#[derive(sqlx::FromRow)]
struct QuoteRow {
    id: QuoteId,
    job_id: JobId,
    mechanic_id: UserId,
    status: QuoteStatus,
    items: String,
    total_cents: i64,
    currency: Currency,
    note: Option<String>,
    arrival_minutes: i64,
    expires_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    display_name: String,
    skills: String,
    years_experience: i64,
}

impl QuoteRow {
    fn view(self, now: Timestamp) -> Result<QuoteView, AppError> {
        let id = self.id.clone();
        let corrupt = |column: &str| super::corrupt("quotes", &id, column);
        let status = self.status;
        Ok(QuoteView {
            status,
            expired: status == QuoteStatus::Live && self.expires_at <= now,
            items: serde_json::from_str::<Vec<LineItem>>(&self.items)
                .map_err(|_| corrupt("items"))?,
            total: Money::new(self.total_cents, self.currency),
            arrival_minutes: u32::try_from(self.arrival_minutes)
                .map_err(|_| corrupt("arrival_minutes"))?,
            mechanic: MechanicCard {
                skills: MechanicProfile::skills_from_column(&self.skills)
                    .ok_or_else(|| corrupt("skills"))?,
                years_experience: u32::try_from(self.years_experience)
                    .map_err(|_| corrupt("years_experience"))?,
                id: self.mechanic_id,
                display_name: self.display_name,
            },
            id: self.id,
            job_id: self.job_id,
            note: self.note,
            expires_at: self.expires_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const SELECT: &str = "SELECT q.id, q.job_id, q.mechanic_id, q.status, q.items, q.total_cents, \
    q.currency, q.note, q.arrival_minutes, q.expires_at, q.created_at, q.updated_at, \
    p.display_name, p.skills, p.years_experience \
    FROM quotes q JOIN mechanic_profiles p ON p.user_id = q.mechanic_id";

/// A job's quotes, cheapest first: every one but the withdrawn, or all of one mechanic's.
pub async fn for_job(
    db: &Db,
    job_id: &JobId,
    only_mechanic: Option<&str>,
    now: Timestamp,
) -> Result<Vec<QuoteView>, AppError> {
    let rows: Vec<QuoteRow> = match only_mechanic {
        None => {
            sqlx::query_as(&format!(
                "{SELECT} WHERE q.job_id = $1 AND q.status <> $2 ORDER BY q.total_cents, q.id"
            ))
            .bind(job_id)
            .bind(QuoteStatus::Withdrawn.as_str())
            .fetch_all(db)
            .await?
        }
        Some(mechanic) => {
            sqlx::query_as(&format!(
                "{SELECT} WHERE q.job_id = $1 AND q.mechanic_id = $2 ORDER BY q.created_at DESC, q.id DESC"
            ))
            .bind(job_id)
            .bind(mechanic)
            .fetch_all(db)
            .await?
        }
    };
    rows.into_iter().map(|r| r.view(now)).collect()
}

pub async fn by_id(db: &Db, id: &QuoteId, now: Timestamp) -> Result<Option<QuoteView>, AppError> {
    let row: Option<QuoteRow> = sqlx::query_as(&format!("{SELECT} WHERE q.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(|r| r.view(now)).transpose()
}

pub async fn has_quoted<'e>(
    exec: impl Executor<'e, Database = Any>,
    job_id: &JobId,
    mechanic_id: &UserId,
) -> Result<Option<bool>, sqlx::Error> {
    let (n, live): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(CASE WHEN status = $3 THEN 1 END) FROM quotes \
         WHERE job_id = $1 AND mechanic_id = $2",
    )
    .bind(job_id)
    .bind(mechanic_id)
    .bind(QuoteStatus::Live.as_str())
    .fetch_one(exec)
    .await?;
    Ok((n > 0).then_some(live > 0))
}

/// Declines every live quote on the job but `except`; returns each
/// declined quote's id and mechanic.
pub async fn decline_live<'e>(
    exec: impl Executor<'e, Database = Any>,
    job_id: &JobId,
    except: Option<&str>,
    now: Timestamp,
) -> Result<Vec<(QuoteId, UserId)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE quotes SET status = $4, updated_at = $1 \
         WHERE job_id = $2 AND status = $5 AND id <> $3 RETURNING id, mechanic_id",
    )
    .bind(now)
    .bind(job_id)
    .bind(except.unwrap_or_default())
    .bind(QuoteStatus::Declined.as_str())
    .bind(QuoteStatus::Live.as_str())
    .fetch_all(exec)
    .await
}

/// Revises the mechanic's live quote on the job; its id, or none when
/// they have no live quote there.
pub async fn revise_live<'e>(
    exec: impl Executor<'e, Database = Any>,
    job_id: &JobId,
    mechanic_id: &UserId,
    quote: &NewQuote,
    items: &str,
    now: Timestamp,
) -> Result<Option<QuoteId>, sqlx::Error> {
    let revised: Option<(QuoteId,)> = sqlx::query_as(
        "UPDATE quotes SET items = $1, total_cents = $2, note = $3, arrival_minutes = $4, \
         expires_at = $5, updated_at = $6 WHERE job_id = $7 AND mechanic_id = $8 AND status = $9 \
         RETURNING id",
    )
    .bind(items)
    .bind(quote.total.cents)
    .bind(quote.note.as_deref())
    .bind(i64::from(quote.arrival_minutes))
    .bind(quote.expires_at)
    .bind(now)
    .bind(job_id)
    .bind(mechanic_id)
    .bind(QuoteStatus::Live.as_str())
    .fetch_optional(exec)
    .await?;
    Ok(revised.map(|(id,)| id))
}

/// Stores a new live quote; `items` is its lines as JSON.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &QuoteId,
    job_id: &JobId,
    mechanic_id: &UserId,
    quote: &NewQuote,
    items: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quotes (id, job_id, mechanic_id, status, items, total_cents, currency, note, \
         arrival_minutes, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $11, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(id)
    .bind(job_id)
    .bind(mechanic_id)
    .bind(items)
    .bind(quote.total.cents)
    .bind(quote.total.currency)
    .bind(quote.note.as_deref())
    .bind(i64::from(quote.arrival_minutes))
    .bind(quote.expires_at)
    .bind(now)
    .bind(QuoteStatus::Live.as_str())
    .execute(exec)
    .await?;
    Ok(())
}

/// Sets a quote's status (only while it is `from`, when given); false
/// when it was not.
pub async fn set_status<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &QuoteId,
    from: Option<QuoteStatus>,
    to: QuoteStatus,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE quotes SET status = $1, updated_at = $2 WHERE id = $3 AND ($4 IS NULL OR status = $4)",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(id)
    .bind(from.map(|s| s.as_str()))
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}
