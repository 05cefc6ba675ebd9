//! Appends to the audit log: who did what to whom, and when.

use crate::domain::Timestamp;
use crate::domain::admin::AuditAction;
use sqlx::{Any, Executor};

/// Writes one row. Takes an executor so the row commits with the change it describes.
pub async fn record<'e>(
    exec: impl Executor<'e, Database = Any>,
    actor: Option<&str>,
    action: AuditAction,
    subject: Option<&str>,
    detail: serde_json::Value,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(crate::backend::new_id())
    .bind(now)
    .bind(actor)
    .bind(action.as_str())
    .bind(subject)
    .bind(detail.to_string())
    .execute(exec)
    .await?;
    Ok(())
}
