//! The `notifications` (the centre) and `notification_settings` tables.

use crate::backend::db::{Db, Write};
use crate::domain::{
    AppError, JobId, NotificationId, Timestamp, UserId,
    mechanic::Skill,
    notification::{Names, Notice, NoticeKind, Notification, NotificationPrefs, QuietHours},
};
use sqlx::AnyConnection;

/// The job's kind of work and the people a notice about it names.
pub async fn names(
    conn: &mut AnyConnection,
    job: &JobId,
    mechanic: Option<&UserId>,
) -> Result<Names, sqlx::Error> {
    let row: Option<(Skill, String)> = sqlx::query_as(
        "SELECT j.category, c.name FROM jobs j JOIN users c ON c.id = j.customer_id WHERE j.id = $1",
    )
    .bind(job.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let (category, customer) = row.unzip();
    let customer = customer.unwrap_or_default();
    let mechanic = match mechanic {
        Some(m) => {
            let row: Option<(String,)> = sqlx::query_as(
                "SELECT COALESCE(p.display_name, u.name) FROM users u \
                 LEFT JOIN mechanic_profiles p ON p.user_id = u.id WHERE u.id = $1",
            )
            .bind(m.as_str())
            .fetch_optional(&mut *conn)
            .await?;
            row.map(|r| r.0).unwrap_or_default()
        }
        None => String::new(),
    };
    Ok(Names {
        job: category.map(|s| s.label().to_owned()).unwrap_or_default(),
        // The least the rule allows anyone: a lock screen is seen by others.
        customer: crate::domain::names::initialled(&customer),
        mechanic,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    id: &NotificationId,
    n: &Notice,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, job_id, title, body, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(n.user.as_str())
    .bind(n.kind.as_str())
    .bind(n.job.as_str())
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.link)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The centre's entry for a notice just written.
pub fn entry(id: &NotificationId, n: &Notice, now: Timestamp) -> Notification {
    Notification {
        id: id.clone(),
        kind: n.kind,
        title: n.title.clone(),
        body: n.body.clone(),
        link: n.link.clone(),
        created_at: now,
        read: false,
    }
}

type EntryRow = (
    NotificationId,
    NoticeKind,
    String,
    String,
    String,
    Timestamp,
    Option<i64>,
);

/// The user's newest notifications.
pub async fn page(db: &Db, user: &UserId, limit: i64) -> Result<Vec<Notification>, AppError> {
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user.as_str())
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, title, body, link, created_at, read_at)| Notification {
                kind,
                id,
                title,
                body,
                link,
                created_at,
                read: read_at.is_some(),
            },
        )
        .collect())
}

pub async fn unread(db: &Db, user: &UserId) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.as_str())
            .fetch_one(db)
            .await?;
    Ok(n)
}

/// Marks one of the user's notifications read; false when they have no such one.
pub async fn mark_read(
    db: &Db,
    user: &UserId,
    id: &NotificationId,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let found: Option<(String,)> = sqlx::query_as(
        "UPDATE notifications SET read_at = COALESCE(read_at, $1) \
         WHERE id = $2 AND user_id = $3 RETURNING id",
    )
    .bind(now)
    .bind(id)
    .bind(user.as_str())
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Marks `user`'s message notifications about `job` read: they read the chat.
pub async fn read_messages(
    conn: &mut AnyConnection,
    user: &UserId,
    job: &JobId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE notifications SET read_at = $1 \
         WHERE user_id = $2 AND job_id = $3 AND kind = 'message' AND read_at IS NULL",
    )
    .bind(now)
    .bind(user.as_str())
    .bind(job.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_all_read(db: &Db, user: &UserId, now: Timestamp) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now)
            .bind(user.as_str())
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}

type PrefsRow = (String, Option<i64>, Option<i64>, String);

pub async fn prefs(
    conn: &mut AnyConnection,
    user: &UserId,
) -> Result<Option<NotificationPrefs>, sqlx::Error> {
    let row: Option<PrefsRow> = sqlx::query_as(
        "SELECT muted, quiet_start, quiet_end, time_zone FROM notification_settings WHERE user_id = $1",
    )
    .bind(user.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(muted, start, end, time_zone)| NotificationPrefs {
        // Stored by this code: an unknown kind (a newer build's) is skipped.
        muted: muted
            .split(',')
            .filter_map(NoticeKind::parse)
            .filter(|k| k.optional())
            .collect(),
        quiet: match (start, end) {
            (Some(s), Some(e)) => Some(QuietHours {
                start: s.clamp(0, 1439) as u16,
                end: e.clamp(0, 1439) as u16,
            }),
            _ => None,
        },
        time_zone,
    }))
}

pub async fn save_prefs(
    tx: &mut Write,
    user: &UserId,
    p: &NotificationPrefs,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM notification_settings WHERE user_id = $1")
        .bind(user.as_str())
        .execute(&mut **tx)
        .await?;
    let quiet = |f: fn(&QuietHours) -> u16| p.quiet.as_ref().map(|q| i64::from(f(q)));
    sqlx::query(
        "INSERT INTO notification_settings (user_id, muted, quiet_start, quiet_end, time_zone, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user.as_str())
    .bind(p.muted_text())
    .bind(quiet(|q| q.start))
    .bind(quiet(|q| q.end))
    .bind(&p.time_zone)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
