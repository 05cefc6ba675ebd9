//! The `threads`, `messages` and `chat_reports` tables: their rows and
//! every statement on them.

use crate::domain::{
    AppError, JobId, MessageId, ReportId, ThreadId, Timestamp, UserId,
    chat::{ChatReport, Message, MessageKind, Unread, UnreadThread},
};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone)]
pub struct ThreadRow {
    pub id: ThreadId,
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
    job_id: &JobId,
    mechanic_id: &UserId,
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
    job_id: &JobId,
    customer_id: &UserId,
    mechanic_id: &UserId,
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
    id: MessageId,
    job_id: JobId,
    mechanic_id: UserId,
    sender_id: UserId,
    kind: MessageKind,
    body: String,
    media: Option<String>,
    created_at: Timestamp,
}

impl MessageRow {
    fn message(self) -> Message {
        Message {
            kind: self.kind,
            id: self.id,
            job: self.job_id,
            mechanic: self.mechanic_id,
            sender: self.sender_id,
            body: self.body,
            media: self.media,
            seq: self.seq,
            sent_at: self.created_at,
        }
    }
}

const MESSAGE: &str = "SELECT m.seq, m.id, t.job_id, t.mechanic_id, m.sender_id, m.kind, m.body, \
    m.media, m.created_at FROM messages m JOIN threads t ON t.id = m.thread_id";

/// The message with this client-chosen id, and the thread it is in.
pub async fn message(
    conn: &mut AnyConnection,
    id: &MessageId,
) -> Result<Option<(Message, ThreadId)>, AppError> {
    let row: Option<(ThreadId,)> = sqlx::query_as("SELECT thread_id FROM messages WHERE id = $1")
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
    Ok(Some((row.message(), thread_id)))
}

/// Up to `limit` messages of the thread before `before` (a `seq`), newest first.
pub async fn before(
    conn: &mut AnyConnection,
    thread_id: &ThreadId,
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
    Ok(rows.into_iter().map(MessageRow::message).collect())
}

/// When `sender_id`'s latest messages were sent, newest first, after `since`.
pub async fn recent_sends(
    conn: &mut AnyConnection,
    sender_id: &UserId,
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
pub async fn unread(conn: &mut AnyConnection, user_id: &UserId) -> Result<Unread, sqlx::Error> {
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
    id: ReportId,
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

/// Whose read marker moves: the customer's or the mechanic's.
#[derive(Clone, Copy)]
pub enum Reader {
    Customer,
    Mechanic,
}

impl Reader {
    fn column(self) -> &'static str {
        match self {
            Reader::Customer => "customer_read_seq",
            Reader::Mechanic => "mechanic_read_seq",
        }
    }
}

/// Stores a text message; returns its place in the thread.
pub async fn add_message(
    conn: &mut AnyConnection,
    id: &MessageId,
    thread_id: &ThreadId,
    sender_id: &UserId,
    body: &str,
    now: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO messages (id, thread_id, sender_id, kind, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
    )
    .bind(id)
    .bind(thread_id)
    .bind(sender_id)
    .bind(MessageKind::Text.as_str())
    .bind(body)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(seq)
}

/// The thread's last message is `seq`, which its sender has read.
pub async fn sent(
    conn: &mut AnyConnection,
    thread_id: &ThreadId,
    seq: i64,
    sender: Reader,
) -> Result<(), sqlx::Error> {
    let column = sender.column();
    sqlx::query(&format!(
        "UPDATE threads SET last_seq = $1, {column} = $1 WHERE id = $2"
    ))
    .bind(seq)
    .bind(thread_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves `reader`'s marker forward to `seq`; false when it was there already.
pub async fn read_up_to(
    conn: &mut AnyConnection,
    thread_id: &ThreadId,
    seq: i64,
    reader: Reader,
) -> Result<bool, sqlx::Error> {
    let column = reader.column();
    let done = sqlx::query(&format!(
        "UPDATE threads SET {column} = $1 WHERE id = $2 AND {column} < $1"
    ))
    .bind(seq)
    .bind(thread_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The two parties' ids, names and (for the mechanic) display names.
pub async fn names(
    conn: &mut AnyConnection,
    customer_id: &UserId,
    mechanic_id: &UserId,
) -> Result<Vec<(UserId, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.name, p.display_name FROM users u \
         LEFT JOIN mechanic_profiles p ON p.user_id = u.id WHERE u.id = $1 OR u.id = $2",
    )
    .bind(customer_id)
    .bind(mechanic_id)
    .fetch_all(conn)
    .await
}

/// Whether `reporter_id` has an open report on the thread.
pub async fn reported_by(
    conn: &mut AnyConnection,
    thread_id: &ThreadId,
    reporter_id: &UserId,
) -> Result<bool, sqlx::Error> {
    let (open,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM chat_reports WHERE thread_id = $1 AND reporter_id = $2 AND closed_at IS NULL",
    )
    .bind(thread_id)
    .bind(reporter_id)
    .fetch_one(conn)
    .await?;
    Ok(open > 0)
}

pub async fn add_report(
    conn: &mut AnyConnection,
    id: &ReportId,
    thread_id: &ThreadId,
    reporter_id: &UserId,
    reason: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO chat_reports (id, thread_id, reporter_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(thread_id)
    .bind(reporter_id)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stops the other party writing; the first reporter's block stands.
pub async fn block(
    conn: &mut AnyConnection,
    thread_id: &ThreadId,
    by: &UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE threads SET blocked_by = $1 WHERE id = $2 AND blocked_by IS NULL")
        .bind(by)
        .bind(thread_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn unblock(conn: &mut AnyConnection, thread_id: &ThreadId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE threads SET blocked_by = NULL WHERE id = $1")
        .bind(thread_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A report's thread, job and when it was closed (if it was).
pub async fn report(
    conn: &mut AnyConnection,
    id: &ReportId,
) -> Result<Option<(ThreadId, JobId, Option<Timestamp>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.thread_id, t.job_id, r.closed_at FROM chat_reports r \
         JOIN threads t ON t.id = r.thread_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn close_report(
    conn: &mut AnyConnection,
    id: &ReportId,
    by: &UserId,
    outcome: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE chat_reports SET closed_at = $1, closed_by = $2, outcome = $3 WHERE id = $4",
    )
    .bind(now)
    .bind(by)
    .bind(outcome)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
