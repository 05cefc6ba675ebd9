//! The `job_timeline` table: one row per status change, written with the change.

use crate::backend::new_id;
use crate::domain::JobId;
use crate::domain::Timestamp;
use crate::domain::{
    AppError, UserId,
    job::{Actor, JobStatus, TimelineEntry},
    names,
};
use sqlx::{Any, Executor};

/// One status change, to be written in the transaction that makes it.
pub struct Change<'a> {
    pub job_id: &'a str,
    pub from: Option<JobStatus>,
    pub to: JobStatus,
    pub actor_id: &'a str,
    pub actor: Actor,
    pub reason: Option<&'a str>,
    pub at: Timestamp,
}

pub async fn record<'e>(
    exec: impl Executor<'e, Database = Any>,
    c: Change<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO job_timeline (id, job_id, at, from_status, to_status, actor_id, actor_role, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(c.job_id)
    .bind(c.at)
    .bind(c.from.map(JobStatus::as_str))
    .bind(c.to.as_str())
    .bind(c.actor_id)
    .bind(c.actor.as_str())
    .bind(c.reason)
    .execute(exec)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    at: Timestamp,
    from_status: Option<JobStatus>,
    to_status: JobStatus,
    actor_id: Option<UserId>,
    actor_role: Actor,
    reason: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
}

/// The job's timeline, oldest first, with names as `viewer` may see them:
/// mechanics do not learn who else quoted, nor a customer's full name.
pub async fn for_job<'e>(
    exec: impl Executor<'e, Database = Any>,
    job_id: &JobId,
    viewer_id: &UserId,
    viewer: Actor,
) -> Result<Vec<TimelineEntry>, AppError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.at, t.from_status, t.to_status, t.actor_id, t.actor_role, t.reason, u.name, p.display_name \
         FROM job_timeline t LEFT JOIN users u ON u.id = t.actor_id \
         LEFT JOIN mechanic_profiles p ON p.user_id = t.actor_id \
         WHERE t.job_id = $1 ORDER BY t.at, t.id",
    )
    .bind(job_id)
    .fetch_all(exec)
    .await?;
    let sees_everyone = matches!(viewer, Actor::Customer | Actor::Admin);
    rows.into_iter()
        .map(|r| {
            let actor = r.actor_role;
            let is_self = r.actor_id.as_deref() == Some(viewer_id);
            let actor_name = match actor {
                Actor::Admin if viewer == Actor::Admin => r.name.unwrap_or_default(),
                Actor::Admin => "Curbside support".to_owned(),
                Actor::Customer => {
                    names::customer_as_seen_by(r.name.as_deref().unwrap_or_default(), viewer)
                }
                _ if sees_everyone || is_self => names::mechanic(
                    r.display_name.as_deref(),
                    r.name.as_deref().unwrap_or_default(),
                ),
                _ => "A mechanic".to_owned(),
            };
            Ok(TimelineEntry {
                at: r.at,
                from: r.from_status,
                to: r.to_status,
                actor_role: actor,
                actor_name,
                reason: r.reason,
            })
        })
        .collect()
}
