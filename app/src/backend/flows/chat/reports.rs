//! Reporting a conversation, and an admin closing the report.

use super::party;
use crate::domain::{JobId, ReportId, UserId};
use crate::{
    backend::{
        Db,
        db::{self},
        new_id,
        sessions::CurrentUser,
        store,
        store::audit,
    },
    domain::{
        AppError, Timestamp,
        access::Action,
        admin::AuditAction,
        chat::{self, ChatReport},
    },
};

/// Reports the conversation: admins see it, and the other party can no
/// longer send in it. Reporting again while a report is open changes nothing.
#[tracing::instrument(skip_all, fields(user = %user.id, job = %job_id))]
pub async fn report(
    db: &Db,
    user: &CurrentUser,
    job_id: &JobId,
    mechanic: Option<&UserId>,
    reason: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let mut tx = db::begin_write(db).await?;
    let party = party(&mut tx, user, job_id, mechanic, Action::WriteChat).await?;
    let reason = chat::parse_reason(reason)?;
    let thread = party.thread(&mut tx, now).await?;
    if !store::chat::reported_by(&mut tx, &thread.id, &user.id).await? {
        store::chat::add_report(
            &mut tx,
            &ReportId::from(new_id()),
            &thread.id,
            &user.id,
            &reason,
            now,
        )
        .await?;
    }
    store::chat::block(&mut tx, &thread.id, &user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Reports for admins: the open ones, or all.
pub async fn reports(db: &Db, open_only: bool) -> Result<Vec<ChatReport>, AppError> {
    let mut conn = db.acquire().await?;
    Ok(store::chat::reports(&mut conn, open_only).await?)
}

/// An admin closes a report with what they decided; `unblock` lets the
/// reported party write again. Audited.
#[tracing::instrument(skip_all, fields(admin = %admin.id, report = %id))]
pub async fn close_report(
    db: &Db,
    admin: &CurrentUser,
    id: &ReportId,
    outcome: &str,
    unblock: bool,
    now: Timestamp,
) -> Result<(), AppError> {
    let outcome = chat::parse_reason(outcome)
        .map_err(|_| AppError::invalid("outcome", "Say what you decided, for the record."))?;
    let mut tx = db::begin_write(db).await?;
    let (thread_id, job_id, closed_at) = store::chat::report(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if closed_at.is_some() {
        return Err(AppError::conflict("This report is already closed."));
    }
    store::chat::close_report(&mut tx, id, &admin.id, &outcome, now).await?;
    if unblock {
        store::chat::unblock(&mut tx, &thread_id).await?;
    }
    audit::record(
        &mut *tx,
        Some(&admin.id),
        AuditAction::ChatReportClosed,
        Some(&job_id),
        serde_json::json!({ "report": id, "outcome": outcome, "unblocked": unblock }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
