//! The admin console's use cases: list users, review accounts, read the audit log.

use crate::backend::{
    AppState,
    db::Where,
    profiles, sessions,
    sessions::CurrentUser,
    store::{audit, users},
};
use crate::domain::Timestamp;
use crate::domain::{
    AppError, JobId, UserId,
    admin::{
        AuditAction, AuditEntry, AuditFilter, AuditPage, Paging, Party, ReviewAction, ReviewTarget,
        Subject, SubjectKind, UserDetail, UserFilter, UserPage, review,
    },
    mechanic::Skill,
};
use serde_json::json;

pub async fn list_users(
    state: &AppState,
    filter: &UserFilter,
    paging: Paging,
) -> Result<UserPage, AppError> {
    let (rows, total) = users::search(&state.db, filter, paging).await?;
    let users = rows.iter().map(users::UserRow::account).collect();
    Ok(UserPage {
        users,
        total,
        paging,
    })
}

/// How many audit entries a user's page shows.
const HISTORY_LEN: u32 = 20;

pub async fn user_detail(state: &AppState, id: &UserId) -> Result<UserDetail, AppError> {
    let row = users::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = row.account();
    let (profile, approved_at) = match profiles::get(&state.db, id).await? {
        Some((p, approved)) => (Some(p), approved),
        None => (None, None),
    };
    let mut about = Where::default();
    about.and("a.subject = {}", id.as_str());
    let history = audit_entries(
        state,
        &about,
        Paging {
            page: 1,
            per_page: HISTORY_LEN,
        },
    )
    .await?;
    Ok(UserDetail {
        status_reason: row.status_reason,
        account,
        profile,
        approved_at,
        history,
    })
}

/// Applies a review to an account: the status change, the end of its
/// sessions when access is withdrawn, and the audit row, in one transaction.
#[tracing::instrument(skip_all, fields(admin = %admin.id))]
pub async fn review_account(
    state: &AppState,
    admin: &CurrentUser,
    target_id: &UserId,
    action: ReviewAction,
    reason: &str,
    now: Timestamp,
) -> Result<UserDetail, AppError> {
    let mut tx = crate::backend::db::begin_write(&state.db).await?;
    let row = users::by_id(&mut *tx, target_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = profiles::get(&mut *tx, target_id).await?;
    let target = ReviewTarget {
        id: row.id.clone(),
        role: row.role,
        status: row.status,
        has_profile: profile.is_some(),
        was_approved: profile.as_ref().is_some_and(|(_, at)| at.is_some()),
    };
    let decision = review(action, &admin.id, &target, reason)?;
    // Two admins acting at once: only the one who saw the current status wins.
    let changed = users::change_status(
        &mut *tx,
        target_id,
        target.status,
        decision.status,
        decision.reason.as_deref(),
        now,
    )
    .await?;
    if !changed {
        return Err(AppError::conflict(
            "Someone else changed this account just now. Reload to see its current state.",
        ));
    }
    if action == ReviewAction::Approve {
        profiles::mark_approved(&mut *tx, target_id, now).await?;
    }
    let sessions_ended = if decision.ends_sessions {
        sessions::revoke_all(&mut *tx, target_id, None, now).await?
    } else {
        0
    };
    audit::record(
        &mut *tx,
        Some(&admin.id),
        action.audit_action(),
        Some(target_id),
        json!({
            "from": target.status.as_str(),
            "to": decision.status.as_str(),
            "reason": decision.reason,
            "sessions_ended": sessions_ended,
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    if decision.ends_sessions {
        state.live.sessions_changed(&state.db, target_id).await;
    }
    tracing::info!(admin = %admin.id, user = %target_id, action = action.as_str(), "account reviewed");
    user_detail(state, target_id).await
}

pub async fn audit_log(
    state: &AppState,
    filter: &AuditFilter,
    paging: Paging,
) -> Result<AuditPage, AppError> {
    let mut w = Where::default();
    let actor_email = filter.actor_email.trim().to_lowercase();
    if !actor_email.is_empty() {
        // The actor's id first, so the log is read through its (actor, at) index.
        let Some(actor) = users::by_email(&state.db, &actor_email).await? else {
            return Ok(AuditPage {
                entries: vec![],
                total: 0,
                paging,
            });
        };
        w.and("a.actor = {}", actor.id);
    }
    if !filter.action.trim().is_empty() {
        w.and("a.action = {}", filter.action.trim());
    }
    let total = w.count(&state.db, "audit_log a").await?;
    let entries = audit_entries(state, &w, paging).await?;
    Ok(AuditPage {
        entries,
        total,
        paging,
    })
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: String,
    at: Timestamp,
    action: String,
    detail: String,
    actor_id: Option<String>,
    actor_name: Option<String>,
    actor_email: Option<String>,
    subject_id: Option<String>,
    subject_name: Option<String>,
    subject_email: Option<String>,
    job_category: Option<String>,
    job_locality: Option<String>,
}

/// Audit entries matching `filter` (over the log as `a`), newest first, with names joined in.
async fn audit_entries(
    state: &AppState,
    filter: &Where,
    paging: Paging,
) -> Result<Vec<AuditEntry>, AppError> {
    let sql = format!(
        "SELECT a.id, a.at, a.action, a.detail, \
         a.actor AS actor_id, actor_user.name AS actor_name, actor_user.email AS actor_email, \
         a.subject AS subject_id, subject_user.name AS subject_name, subject_user.email AS subject_email, \
         subject_job.category AS job_category, subject_job.locality AS job_locality \
         FROM audit_log a \
         LEFT JOIN users actor_user ON actor_user.id = a.actor \
         LEFT JOIN users subject_user ON subject_user.id = a.subject \
         LEFT JOIN jobs subject_job ON subject_job.id = a.subject \
         {} ORDER BY a.at DESC, a.id DESC LIMIT {} OFFSET {}",
        filter.sql(),
        filter.next(1),
        filter.next(2)
    );
    let mut query = sqlx::query_as::<_, AuditRow>(&sql);
    for a in &filter.args {
        query = query.bind(a);
    }
    let rows = query
        .bind(i64::from(paging.per_page))
        .bind(paging.offset())
        .fetch_all(&state.db)
        .await?;
    Ok(rows.into_iter().map(AuditRow::entry).collect())
}

impl AuditRow {
    fn entry(self) -> AuditEntry {
        let party = |id: String, name: Option<String>, email: Option<String>| Party {
            // A user deleted since still shows, by id.
            name: name.unwrap_or_else(|| id.clone()),
            email: email.unwrap_or_default(),
            id: UserId::from(id),
        };
        // Read leniently, unlike other rows: the log keeps what older
        // versions wrote, and an action or category since renamed still shows.
        let kind = AuditAction::parse(&self.action).map(AuditAction::subject_kind);
        let subject = self.subject_id.map(|id| match kind {
            Some(SubjectKind::Job) => {
                let category = self
                    .job_category
                    .as_deref()
                    .and_then(Skill::parse)
                    .map(Skill::label);
                let title = match (category, self.job_locality.as_deref()) {
                    (Some(c), Some(l)) if !l.is_empty() => format!("{c}, {l}"),
                    (Some(c), _) => c.to_owned(),
                    _ => format!("Job {id}"),
                };
                Subject::Job {
                    id: JobId::from(id),
                    title,
                }
            }
            _ => Subject::User(party(id, self.subject_name, self.subject_email)),
        });
        let reason = serde_json::from_str::<serde_json::Value>(&self.detail)
            .ok()
            .and_then(|d| d.get("reason")?.as_str().map(str::to_owned));
        AuditEntry {
            id: self.id,
            at: self.at,
            actor: self
                .actor_id
                .map(|id| party(id, self.actor_name, self.actor_email)),
            action: self.action,
            subject,
            reason,
            detail: self.detail,
        }
    }
}
