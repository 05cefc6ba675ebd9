//! Slows password guessing and mass sign-ups: attempts per email and per client address, kept in the database.

use super::db::{self, Db};
use crate::domain::AppError;
use crate::domain::Timestamp;

/// Failures counted over this window.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures on one email within the window before it is locked.
pub const EMAIL_LIMIT: usize = 5;
/// One address may be a whole office or a phone carrier's NAT, so it gets more room.
pub const IP_LIMIT: usize = 20;
/// Registrations from one address are counted over this window.
pub const SIGNUP_WINDOW_MS: i64 = 60 * 60 * 1000;

/// When `limit` attempts (newest first) fall inside the window, the lock
/// lasts until the oldest of them leaves it. Returns the seconds left, if locked.
pub fn locked_for(
    recent_desc: &[Timestamp],
    limit: usize,
    window_ms: i64,
    now: Timestamp,
) -> Option<u64> {
    let oldest_counted = *recent_desc.get(limit.checked_sub(1)?)?;
    let until = oldest_counted + window_ms;
    (until > now).then(|| ((until - now) as u64).div_ceil(1000))
}

/// Where attempts of one kind are kept: table and key column, constants
/// below, never input (they are formatted into the SQL).
#[derive(Clone, Copy)]
struct Counter {
    table: &'static str,
    column: &'static str,
    limit: usize,
    window_ms: i64,
    /// Which rows count toward the limit (SQL, a constant).
    counted: &'static str,
}

const BY_EMAIL: Counter = Counter {
    table: "login_failures",
    column: "email_lower",
    limit: EMAIL_LIMIT,
    window_ms: WINDOW_MS,
    counted: "state = 'failed'",
};
const BY_IP: Counter = Counter {
    table: "login_failures",
    column: "ip",
    limit: IP_LIMIT,
    window_ms: WINDOW_MS,
    counted: "state = 'failed'",
};

/// How long one password check may take: a `checking` row older than this
/// was abandoned (the process stopped) and no longer holds a place.
const CHECK_MS: i64 = 30_000;
/// How long a login waits for checks ahead of it before it is told to retry.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
const QUEUE_POLL: std::time::Duration = std::time::Duration::from_millis(40);

impl Counter {
    /// Seconds `key` stays locked, counting the window's counted rows but `except`.
    async fn lock_left(
        self,
        conn: &mut sqlx::AnyConnection,
        key: &str,
        except: &str,
        now: Timestamp,
    ) -> Result<Option<u64>, sqlx::Error> {
        let (table, column, limit, counted) = (self.table, self.column, self.limit, self.counted);
        let rows: Vec<(Timestamp,)> = sqlx::query_as(&format!(
            "SELECT at FROM {table} WHERE {column} = $1 AND at > $2 AND id <> $3 AND {counted} \
             ORDER BY at DESC LIMIT {limit}"
        ))
        .bind(key)
        .bind(now - self.window_ms)
        .bind(except)
        .fetch_all(&mut *conn)
        .await?;
        let recent: Vec<Timestamp> = rows.into_iter().map(|(at,)| at).collect();
        Ok(locked_for(&recent, limit, self.window_ms, now))
    }

    /// Failures in the window and checks still in flight for `key`.
    async fn taken(
        self,
        conn: &mut sqlx::AnyConnection,
        key: &str,
        now: Timestamp,
    ) -> Result<usize, sqlx::Error> {
        let (table, column) = (self.table, self.column);
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM {table} WHERE {column} = $1 AND at > $2 \
             AND (state = 'failed' OR at > $3)"
        ))
        .bind(key)
        .bind(now - self.window_ms)
        .bind(now - CHECK_MS)
        .fetch_one(&mut *conn)
        .await?;
        Ok(n.max(0) as usize)
    }
}

async fn delete(db: &sqlx::AnyPool, table: &str, id: &str) -> Result<(), AppError> {
    sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The longer of the email's and the address's locks by failures.
async fn login_lock_left(
    conn: &mut sqlx::AnyConnection,
    email_lower: &str,
    ip: &str,
    now: Timestamp,
) -> Result<Option<u64>, AppError> {
    let by_email = BY_EMAIL.lock_left(conn, email_lower, "", now).await?;
    let by_ip = BY_IP.lock_left(conn, ip, "", now).await?;
    Ok(by_email.max(by_ip))
}

/// What one look at the counters decided.
enum Admission {
    Checking(String),
    Locked(u64),
    Full,
}

/// Decides under the keys' locks, so two logins cannot both see the last
/// free place: the count and the insert of the `checking` row are one
/// step. (Ordering attempts by id instead let a row whose id was made
/// first but written last slip past five others: six checks in CI.)
async fn admit(
    db: &Db,
    email_lower: &str,
    ip: &str,
    now: Timestamp,
) -> Result<Admission, AppError> {
    let mut tx = db::begin_write(db).await?;
    db::lock_key(&mut tx, db::KeyLock::LoginEmail, email_lower).await?;
    db::lock_key(&mut tx, db::KeyLock::LoginIp, ip).await?;
    if let Some(secs) = login_lock_left(&mut tx, email_lower, ip, now).await? {
        return Ok(Admission::Locked(secs));
    }
    if BY_EMAIL.taken(&mut tx, email_lower, now).await? >= EMAIL_LIMIT
        || BY_IP.taken(&mut tx, ip, now).await? >= IP_LIMIT
    {
        return Ok(Admission::Full);
    }
    let id = super::new_id();
    sqlx::query(
        "INSERT INTO login_failures (id, at, email_lower, ip, state) VALUES ($1, $2, $3, $4, 'checking')",
    )
    .bind(&id)
    .bind(now)
    .bind(email_lower)
    .bind(ip)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Admission::Checking(id))
}

/// A password check that has been let through: it holds a place until
/// [`Attempt::signed_in`], [`Attempt::failed`] or [`Attempt::withdrawn`]
/// settles it.
#[must_use = "an attempt holds a place until it is settled"]
pub struct Attempt {
    id: String,
    email_lower: String,
    ip: String,
    now: Timestamp,
}

/// Lets one password check through unless the email or the address is
/// locked by failures. A check holds a place from the moment it is let
/// through, and at most the limit of failures and checks in flight are
/// let through: of any number of parallel guesses at most the limit are
/// checked, and the rest wait for those to settle. Waiting ends in a check
/// (the earlier ones were right), a lock-out (they were wrong: "too many
/// failed attempts" is then true), or, past [`QUEUE_WAIT`], busy.
pub async fn reserve(db: &Db, email_lower: &str, ip: &str) -> Result<Attempt, AppError> {
    let deadline = tokio::time::Instant::now() + QUEUE_WAIT;
    loop {
        let now = Timestamp::now();
        match admit(db, email_lower, ip, now).await? {
            Admission::Checking(id) => {
                return Ok(Attempt {
                    id,
                    email_lower: email_lower.to_owned(),
                    ip: ip.to_owned(),
                    now,
                });
            }
            // A refused attempt is not a guess and leaves no row: keeping
            // it would let anyone hold an account locked for ever by
            // knocking on it.
            Admission::Locked(retry_after_secs) => {
                return Err(AppError::TooManyAttempts { retry_after_secs });
            }
            Admission::Full if tokio::time::Instant::now() >= deadline => {
                return Err(AppError::Busy {
                    retry_after_secs: 5,
                });
            }
            Admission::Full => tokio::time::sleep(QUEUE_POLL).await,
        }
    }
}

impl Attempt {
    /// The check settled nothing about the password (the right one for a
    /// suspended account, or the check could not run): it stops counting,
    /// earlier failures stay.
    pub async fn withdrawn(self, db: &sqlx::AnyPool) -> Result<(), AppError> {
        delete(db, "login_failures", &self.id).await
    }

    /// The user signed in: the email's failures and this attempt are
    /// forgiven (the address's others, and checks in flight, are not).
    pub async fn signed_in(self, db: &sqlx::AnyPool) -> Result<(), AppError> {
        sqlx::query(
            "DELETE FROM login_failures WHERE (email_lower = $1 AND state = 'failed') OR id = $2",
        )
        .bind(&self.email_lower)
        .bind(&self.id)
        .execute(db)
        .await?;
        Ok(())
    }

    /// The password was wrong: the attempt stays, as a failure. Returns the
    /// lock-out when this failure reached a limit (the caller audits it and
    /// answers with it).
    pub async fn failed(self, db: &sqlx::AnyPool) -> Result<Option<AppError>, AppError> {
        sqlx::query("UPDATE login_failures SET state = 'failed' WHERE id = $1")
            .bind(&self.id)
            .execute(db)
            .await?;
        // Old rows are useless; clear this key's as we go rather than in a job.
        sqlx::query("DELETE FROM login_failures WHERE (email_lower = $1 OR ip = $2) AND at <= $3")
            .bind(&self.email_lower)
            .bind(&self.ip)
            .bind(self.now - WINDOW_MS)
            .execute(db)
            .await?;
        let mut conn = db.acquire().await?;
        let locked =
            login_lock_left(&mut conn, &self.email_lower, &self.ip, Timestamp::now()).await?;
        Ok(locked.map(|retry_after_secs| AppError::TooManyAttempts { retry_after_secs }))
    }
}

/// Counts a registration attempt from `ip`, whatever its outcome, and
/// refuses it past `limit` in the window. Written before counting, like a
/// login attempt, so parallel requests cannot all slip under the limit.
pub async fn reserve_signup(
    db: &sqlx::AnyPool,
    ip: &str,
    limit: usize,
    now: Timestamp,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM signup_attempts WHERE ip = $1 AND at <= $2")
        .bind(ip)
        .bind(now - SIGNUP_WINDOW_MS)
        .execute(db)
        .await?;
    let id = super::new_id();
    sqlx::query("INSERT INTO signup_attempts (id, at, ip) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(now)
        .bind(ip)
        .execute(db)
        .await?;
    let by_ip = Counter {
        table: "signup_attempts",
        column: "ip",
        limit,
        window_ms: SIGNUP_WINDOW_MS,
        counted: "1 = 1",
    };
    let mut conn = db.acquire().await?;
    if let Some(retry_after_secs) = by_ip.lock_left(&mut conn, ip, &id, now).await? {
        drop(conn);
        delete(db, "signup_attempts", &id).await?;
        return Err(AppError::TooManySignups { retry_after_secs });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_the_window_lock_until_the_oldest_leaves_it() {
        let now = Timestamp::from_millis(10_000_000);
        let minute = 60_000;
        // newest first: 0, 1, 2, 3, 4 minutes ago
        let five: Vec<Timestamp> = (0..5).map(|m| now - m * minute).collect();
        assert_eq!(locked_for(&five, 5, WINDOW_MS, now), Some(11 * 60));
        assert_eq!(locked_for(&five[..4], 5, WINDOW_MS, now), None);
        // the oldest counted failure is 15 minutes old: free again
        let old: Vec<Timestamp> = (0..5).map(|m| now - (11 + m) * minute).collect();
        assert_eq!(locked_for(&old, 5, WINDOW_MS, now), None);
        assert_eq!(locked_for(&five, 0, WINDOW_MS, now), None);
    }

    #[test]
    fn a_partial_second_rounds_up() {
        let now = Timestamp::from_millis(1_000_000);
        let recent = [now - WINDOW_MS + 1];
        assert_eq!(locked_for(&recent, 1, WINDOW_MS, now), Some(1));
    }
}
