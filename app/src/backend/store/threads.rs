//! The `threads`, `messages` and `chat_reports` tables: rows and the reads
//! the messaging flows share.

use crate::domain::{
    AppError, JobId, Timestamp, UserId,
    chat::{ChatReport, Message, MessageKind, Unread, UnreadThread},
};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone)]
pub struct ThreadRow {
    pub id: String,
    pub job_id: JobId,
    pub customer_id: UserId,
    pub mechanic_id: UserId,
    pub customer_read_seq: i64,
    pub mechanic_read_seq: i64,
    pub last_seq: i64,
    pub blocked_by: Option<UserId>,
}

const THREAD: &str = "SELECT id, job_id, customer_id, mechanic_id, customer_read_seq, \
    mechanic_read_seq, last_seq, blocked_by FROM threads";

pub async fn thread(
    conn: &mut AnyConnection,
    job_id: &str,
    mechanic_id: &str,
) -> Result<Option<ThreadRow>, sqlx::Error> {
    sqlx::query_as(&format!("{THREAD} WHERE job_id = $1 AND mechanic_id = $2"))
        .bind(job_id)
        .bind(mechanic_id)
        .fetch_optional(conn)
        .await
}

/// The thread between the job's customer and `mechanic_id`, made if it is new.
pub async fn ensure(
    conn: &mut AnyConnection,
    job_id: &str,
    customer_id: &str,
    mechanic_id: &str,
    now: Timestamp,
) -> Result<ThreadRow, sqlx::Error> {
    // Most sends are to a thread that exists: a read, and no write, finds it.
    if let Some(t) = thread(&mut *conn, job_id, mechanic_id).await? {
        return Ok(t);
    }
    sqlx::query(
        "INSERT INTO threads (id, job_id, customer_id, mechanic_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id, mechanic_id) DO NOTHING",
    )
    .bind(crate::backend::new_id())
    .bind(job_id)
    .bind(customer_id)
    .bind(mechanic_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    thread(conn, job_id, mechanic_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    seq: i64,
    id: String,
    job_id: JobId,
    mechanic_id: UserId,
    sender_id: UserId,
    kind: String,
    body: String,
    media: Option<String>,
    created_at: Timestamp,
}

impl MessageRow {
    fn message(self) -> Result<Message, AppError> {
        Ok(Message {
            kind: MessageKind::parse(&self.kind)
                .ok_or_else(|| super::corrupt("messages", &self.id, "kind"))?,
            id: self.id,
            job: self.job_id,
            mechanic: self.mechanic_id,
            sender: self.sender_id,
            body: self.body,
            media: self.media,
            seq: self.seq,
            sent_at: self.created_at,
        })
    }
}

const MESSAGE: &str = "SELECT m.seq, m.id, t.job_id, t.mechanic_id, m.sender_id, m.kind, m.body, \
    m.media, m.created_at FROM messages m JOIN threads t ON t.id = m.thread_id";

/// The message with this client-chosen id, and the thread it is in.
pub async fn message(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(Message, String)>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT thread_id FROM messages WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((thread_id,)) = row else {
        return Ok(None);
    };
    let row: MessageRow = sqlx::query_as(&format!("{MESSAGE} WHERE m.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(Some((row.message()?, thread_id)))
}

/// Up to `limit` messages of the thread before `before` (a `seq`), newest first.
pub async fn before(
    conn: &mut AnyConnection,
    thread_id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<Message>, AppError> {
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE} WHERE m.thread_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT {limit}"
    ))
    .bind(thread_id)
    .bind(before)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(MessageRow::message).collect()
}

/// When `sender_id`'s latest messages were sent, newest first, after `since`.
pub async fn recent_sends(
    conn: &mut AnyConnection,
    sender_id: &str,
    since: Timestamp,
    limit: usize,
) -> Result<Vec<Timestamp>, sqlx::Error> {
    let rows: Vec<(Timestamp,)> = sqlx::query_as(&format!(
        "SELECT created_at FROM messages WHERE sender_id = $1 AND created_at > $2 \
         ORDER BY created_at DESC LIMIT {limit}"
    ))
    .bind(sender_id)
    .bind(since)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(at,)| at).collect())
}

/// Messages from the other party that `user_id` has not read, per thread.
pub async fn unread(conn: &mut AnyConnection, user_id: &str) -> Result<Unread, sqlx::Error> {
    let rows: Vec<(JobId, UserId, i64)> = sqlx::query_as(
        "SELECT t.job_id, t.mechanic_id, COUNT(m.seq) FROM threads t \
         JOIN messages m ON m.thread_id = t.id AND m.sender_id <> $1 \
         WHERE (t.customer_id = $1 AND m.seq > t.customer_read_seq) \
            OR (t.mechanic_id = $1 AND m.seq > t.mechanic_read_seq) \
         GROUP BY t.job_id, t.mechanic_id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    let threads: Vec<UnreadThread> = rows
        .into_iter()
        .map(|(job, mechanic, count)| UnreadThread {
            job,
            mechanic,
            count,
        })
        .collect();
    Ok(Unread {
        total: threads.iter().map(|t| t.count).sum(),
        threads,
    })
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: String,
    job_id: JobId,
    mechanic_id: UserId,
    reporter_id: UserId,
    reporter_name: String,
    reason: String,
    created_at: Timestamp,
    closed_at: Option<Timestamp>,
    closed_by_name: Option<String>,
    outcome: Option<String>,
}

/// Reports, newest first: the open ones, or every one.
pub async fn reports(
    conn: &mut AnyConnection,
    open_only: bool,
) -> Result<Vec<ChatReport>, sqlx::Error> {
    let filter = if open_only {
        "WHERE r.closed_at IS NULL"
    } else {
        ""
    };
    let rows: Vec<ReportRow> = sqlx::query_as(&format!(
        "SELECT r.id, t.job_id, t.mechanic_id, r.reporter_id, u.name AS reporter_name, r.reason, \
         r.created_at, r.closed_at, c.name AS closed_by_name, r.outcome \
         FROM chat_reports r JOIN threads t ON t.id = r.thread_id \
         JOIN users u ON u.id = r.reporter_id LEFT JOIN users c ON c.id = r.closed_by \
         {filter} ORDER BY r.created_at DESC, r.id DESC LIMIT 200"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChatReport {
            id: r.id,
            job: r.job_id,
            mechanic: r.mechanic_id,
            reporter: r.reporter_id,
            reporter_name: r.reporter_name,
            reason: r.reason,
            created_at: r.created_at,
            closed_at: r.closed_at,
            closed_by_name: r.closed_by_name,
            outcome: r.outcome,
        })
        .collect())
}
