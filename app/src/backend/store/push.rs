//! The `push_subscriptions` (a user's devices) and `push_outbox` tables.
//! The outbox's writes (`claim`, `delivered`, `retry_at`, …) run outside
//! any request, for the push sender, one statement each on `&Db`.

use crate::backend::db::{Backend, Db, Write};
use crate::domain::{
    DeviceId, JobId, NotificationId, Timestamp, UserId,
    notification::{self, Notice, NoticeKind, PushDevice},
};
use sqlx::AnyConnection;

/// One push of notification `id` for each of `user`'s devices, due now.
pub async fn queue_pushes(
    conn: &mut AnyConnection,
    id: &NotificationId,
    user: &UserId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO push_outbox (notification_id, subscription_id, attempts, next_at) \
         SELECT $1, id, 0, $2 FROM push_subscriptions WHERE user_id = $3",
    )
    .bind(id)
    .bind(now)
    .bind(user.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn devices(db: &Db, user: &UserId) -> Result<Vec<PushDevice>, sqlx::Error> {
    let rows: Vec<(DeviceId, String, Timestamp, Option<Timestamp>)> = sqlx::query_as(
        "SELECT id, label, created_at, last_used_at FROM push_subscriptions \
         WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user.as_str())
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, label, created_at, last_used_at)| PushDevice {
            id,
            label,
            created_at,
            last_used_at,
        })
        .collect())
}

/// A device's subscription as the browser gave it.
pub struct NewSubscription<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub label: &'a str,
}

/// Stores `s` for `user`: the same device subscribing again keeps its row
/// with the new keys. `None` when the endpoint is another account's (the
/// browser must drop that subscription and make a new one). Keeps at most
/// `DEVICES_PER_USER`.
pub async fn subscribe(
    tx: &mut Write,
    id: &DeviceId,
    user: &UserId,
    s: &NewSubscription<'_>,
    now: Timestamp,
) -> Result<Option<DeviceId>, sqlx::Error> {
    let known: Option<(DeviceId, UserId)> =
        sqlx::query_as("SELECT id, user_id FROM push_subscriptions WHERE endpoint = $1")
            .bind(s.endpoint)
            .fetch_optional(&mut **tx)
            .await?;
    let id = match known {
        // Another account's device: knowing its endpoint must not move it.
        Some((_, owner)) if owner != *user => return Ok(None),
        Some((known, _)) => {
            sqlx::query(
                "UPDATE push_subscriptions SET user_id = $1, p256dh = $2, auth = $3, label = $4 WHERE id = $5",
            )
            .bind(user.as_str())
            .bind(s.p256dh)
            .bind(s.auth)
            .bind(s.label)
            .bind(&known)
            .execute(&mut **tx)
            .await?;
            known
        }
        None => {
            sqlx::query(
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, label, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(user.as_str())
            .bind(s.endpoint)
            .bind(s.p256dh)
            .bind(s.auth)
            .bind(s.label)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            id.clone()
        }
    };
    sqlx::query(
        "DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN \
         (SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)",
    )
    .bind(user.as_str())
    .bind(notification::DEVICES_PER_USER)
    .execute(&mut **tx)
    .await?;
    Ok(Some(id))
}

/// Removes one of the user's devices; false when they have no such one.
pub async fn remove_device(db: &Db, user: &UserId, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user.as_str())
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A push to send: the outbox row, the device and what to tell it.
pub struct Due {
    pub outbox: i64,
    pub attempts: i64,
    pub subscription: DeviceId,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub notice: Notice,
    pub notification: NotificationId,
    pub created_at: Timestamp,
}

type DueRow = (
    i64,
    i64,
    DeviceId,
    String,
    String,
    String,
    UserId,
    NotificationId,
    String,
    JobId,
    String,
    String,
    String,
    Timestamp,
);

/// Claims up to `limit` pushes that are due and not claimed by a live
/// sender, until `until`; a sender that dies lets its claim run out and
/// another (or this one, restarted) takes the rows again.
pub async fn claim(
    db: &Db,
    claim: &str,
    now: Timestamp,
    until: Timestamp,
    limit: i64,
) -> Result<Vec<Due>, sqlx::Error> {
    // PostgreSQL: two instances never claim one row (SKIP LOCKED); SQLite
    // has one writer at a time anyway.
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    sqlx::query(&format!(
        "UPDATE push_outbox SET claim = $1, claimed_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM push_outbox WHERE next_at <= $3 \
           AND (claimed_until IS NULL OR claimed_until <= $3) ORDER BY id LIMIT $4 {lock})"
    ))
    .bind(claim)
    .bind(until)
    .bind(now)
    .bind(limit)
    .execute(db)
    .await?;
    let rows: Vec<DueRow> = sqlx::query_as(
        "SELECT o.id, o.attempts, s.id, s.endpoint, s.p256dh, s.auth, s.user_id, \
                n.id, n.kind, n.job_id, n.title, n.body, n.link, n.created_at \
         FROM push_outbox o \
         JOIN push_subscriptions s ON s.id = o.subscription_id \
         JOIN notifications n ON n.id = o.notification_id \
         WHERE o.claim = $1 ORDER BY o.id",
    )
    .bind(claim)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                outbox,
                attempts,
                subscription,
                endpoint,
                p256dh,
                auth,
                user,
                nid,
                kind,
                job,
                title,
                body,
                link,
                created_at,
            )| Due {
                outbox,
                attempts,
                subscription,
                endpoint,
                p256dh,
                auth,
                notice: Notice {
                    user,
                    // Read leniently, unlike other rows: a kind written by a
                    // newer instance must not stall every push behind it, and
                    // an unknown kind goes out like one that cannot be muted.
                    kind: NoticeKind::parse(&kind).unwrap_or(NoticeKind::Security),
                    job,
                    title,
                    body,
                    link,
                },
                notification: nid,
                created_at,
            },
        )
        .collect())
}

/// The push service took it: it is done, and the device is alive.
pub async fn delivered(db: &Db, due: &Due, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM push_outbox WHERE id = $1")
        .bind(due.outbox)
        .execute(db)
        .await?;
    sqlx::query("UPDATE push_subscriptions SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&due.subscription)
        .execute(db)
        .await?;
    Ok(())
}

/// The device is gone: so are its subscription and every push queued for it.
pub async fn gone(db: &Db, subscription: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
        .bind(subscription)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn drop_push(db: &Db, outbox: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM push_outbox WHERE id = $1")
        .bind(outbox)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn retry_at(db: &Db, outbox: i64, at: Timestamp, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE push_outbox SET next_at = $1, claimed_until = NULL, claim = NULL, last_error = $2 WHERE id = $3",
    )
    .bind(at)
    .bind(error)
    .bind(outbox)
    .execute(db)
    .await?;
    Ok(())
}
