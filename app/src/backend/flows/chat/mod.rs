//! Chat use cases: sending (idempotent on the client's id, rate
//! limited), history, read receipts and typing; reporting a conversation
//! and an admin closing the report are in `reports.rs`.

mod reports;

pub use reports::{close_report, report, reports};

use crate::domain::{JobId, MessageId};
use crate::{
    backend::{
        Db,
        db::{self},
        live::{self, Hub, Pending, TypingGate},
        sessions::CurrentUser,
        store,
        store::audit,
        store::{
            chat::{Reader, ThreadRow},
            jobs::{self, JobRow},
            notifications, quotes,
        },
        throttle,
    },
    domain::{
        AppError, Role, Timestamp, UserId,
        access::{Action, rule},
        admin::AuditAction,
        chat::{self, Message, MessageKind, MessagePage, ReadData, Thread, TypingData, Unread},
        job::Actor,
        live::{Audience, EventName, LiveEvent},
        names,
    },
};
use sqlx::AnyConnection;

/// Which thread a request is about, and the caller's side of it.
struct Party {
    job: JobRow,
    mechanic: UserId,
    side: Side,
    /// The mechanic's quote on the job is live (so the thread is open before booking).
    live_quote: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Customer,
    Mechanic,
    /// Reads, never writes.
    Admin,
}

impl Party {
    /// How the caller stands to the job, as the access rules name it.
    fn actor(&self) -> Actor {
        match self.side {
            Side::Customer => Actor::Customer,
            Side::Admin => Actor::Admin,
            Side::Mechanic if self.job.mechanic_id.as_ref() == Some(&self.mechanic) => {
                Actor::AssignedMechanic
            }
            Side::Mechanic if self.live_quote => Actor::QuotingMechanic,
            Side::Mechanic => Actor::FormerQuoter,
        }
    }

    /// The thread, made now if this is its first message or report.
    async fn thread(
        &self,
        conn: &mut AnyConnection,
        now: Timestamp,
    ) -> Result<ThreadRow, AppError> {
        Ok(store::chat::ensure(
            conn,
            &self.job.id,
            &self.job.customer_id,
            &self.mechanic,
            now,
        )
        .await?)
    }

    fn audience(&self) -> Audience {
        Audience {
            customer_id: self.job.customer_id.clone(),
            mechanic_id: Some(self.mechanic.clone()),
            nearby: None,
        }
    }

    /// Why this caller may not write here now, if they may not.
    fn closed(&self, thread: Option<&ThreadRow>, me: &UserId) -> Result<Option<String>, AppError> {
        if self.side == Side::Admin {
            return Ok(Some(
                "Admins read conversations; only the customer and the mechanic write in them."
                    .into(),
            ));
        }
        let why = chat::closed_because(
            self.job.status,
            self.job.mechanic_id.as_ref(),
            &self.mechanic,
            self.live_quote,
        );
        if let Some(why) = why {
            return Ok(Some(why.into()));
        }
        Ok(match thread.and_then(|t| t.blocked_by.as_ref()) {
            Some(by) if by != me => Some(
                "This conversation was reported, so you can no longer send messages in it.".into(),
            ),
            _ => None,
        })
    }
}

/// Finds the thread the caller means. A customer names the mechanic (by
/// default their booked one); a mechanic's thread on a job is always their
/// own. Anyone else, or a mechanic who never quoted, finds nothing.
async fn party(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    job_id: &JobId,
    mechanic: Option<&UserId>,
    action: Action,
) -> Result<Party, AppError> {
    let job = jobs::row(&mut *conn, job_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mechanic = mechanic.map(|m| m.trim()).filter(|m| !m.is_empty());
    // A customer or an admin names the thread's mechanic (by default the booked one).
    let chosen = |why: &str| {
        mechanic
            .map(UserId::from)
            .or_else(|| job.mechanic_id.clone())
            .ok_or_else(|| AppError::invalid("mechanic", why))
    };
    let (side, mechanic) = if user.role == Role::Admin {
        (Side::Admin, chosen("Choose whose conversation to read.")?)
    } else if job.customer_id == user.id {
        (
            Side::Customer,
            chosen("Choose which mechanic to write to.")?,
        )
    } else if user.role == Role::Mechanic && mechanic.is_none_or(|m| m == user.id.as_str()) {
        (Side::Mechanic, user.id.clone())
    } else {
        return Err(AppError::NotFound);
    };
    let booked = job.mechanic_id.as_ref() == Some(&mechanic);
    let quoted = quotes::has_quoted(&mut *conn, &job.id, &mechanic).await?;
    if !booked && quoted.is_none() {
        return Err(AppError::NotFound);
    }
    let party = Party {
        job,
        mechanic,
        side,
        live_quote: quoted == Some(true),
    };
    // The thread itself says how the caller stands to the job: no second
    // look at their profile and quotes.
    rule(party.actor(), action, party.job.status)?;
    Ok(party)
}

/// A message as the sender's client sends it: the job, the mechanic whose
/// thread it is (a customer's choice; by default the booked one), the id
/// the client chose, and the text.
#[derive(Clone, Copy)]
pub struct Outgoing<'a> {
    pub job: &'a JobId,
    pub mechanic: Option<&'a UserId>,
    pub id: &'a MessageId,
    pub body: &'a str,
}

/// Sends a message. The client chooses its id: sending the same id again
/// (after a lost answer) returns the stored message and stores nothing.
/// One person sends at most `per_minute` messages a minute (0: no limit).
#[tracing::instrument(skip_all, fields(user = %user.id, job = %msg.job))]
pub async fn send(
    db: &Db,
    per_minute: usize,
    user: &CurrentUser,
    msg: Outgoing<'_>,
    now: Timestamp,
) -> Result<Message, AppError> {
    let id = chat::parse_message_id(msg.id)?;
    let (job_id, body) = (msg.job, msg.body);
    match insert(db, per_minute, user, Outgoing { id: &id, ..msg }, now).await {
        // Two sends of one id at once: the loser's insert fails on the
        // unique id (a database error), and it finds the winner's row.
        // Refusals (a closed thread, bad text, the limit) need no second look.
        Err(AppError::Internal) => {
            let mut conn = db.acquire().await?;
            match store::chat::message(&mut conn, &id).await? {
                Some((m, _)) => resend(m, user, job_id, body),
                None => Err(AppError::Internal),
            }
        }
        other => other,
    }
}

/// The answer to a second send of a stored message's id.
fn resend(m: Message, user: &CurrentUser, job_id: &JobId, body: &str) -> Result<Message, AppError> {
    if m.sender == user.id && m.job == *job_id && m.body == body.trim() {
        Ok(m)
    } else {
        Err(AppError::conflict(
            "That message id is already used by another message; send with a new id.",
        ))
    }
}

async fn insert(
    db: &Db,
    per_minute: usize,
    user: &CurrentUser,
    msg: Outgoing<'_>,
    now: Timestamp,
) -> Result<Message, AppError> {
    let Outgoing {
        job: job_id,
        mechanic,
        id,
        body,
    } = msg;
    let mut tx = db::begin_write(db).await?;
    if let Some((m, _)) = store::chat::message(&mut tx, id).await? {
        return resend(m, user, job_id, body);
    }
    let party = party(&mut tx, user, job_id, mechanic, Action::WriteChat).await?;
    let body = chat::parse_body(body)?;
    if per_minute > 0 {
        let recent =
            store::chat::recent_sends(&mut tx, &user.id, now - chat::SEND_WINDOW_MS, per_minute)
                .await?;
        if let Some(retry_after_secs) =
            throttle::locked_for(&recent, per_minute, chat::SEND_WINDOW_MS, now)
        {
            return Err(AppError::TooManyMessages { retry_after_secs });
        }
    }
    let thread = party.thread(&mut tx, now).await?;
    if let Some(why) = party.closed(Some(&thread), &user.id)? {
        return Err(AppError::conflict(why));
    }
    let seq = store::chat::add_message(&mut tx, id, &thread.id, &user.id, &body, now).await?;
    // Sending a message means having read the thread up to it.
    store::chat::sent(&mut tx, &thread.id, seq, reader(party.side)).await?;
    let message = Message {
        id: id.to_owned(),
        job: party.job.id.clone(),
        mechanic: party.mechanic.clone(),
        sender: user.id.clone(),
        kind: MessageKind::Text,
        body,
        media: None,
        seq,
        sent_at: now,
    };
    let event = Pending::message(&message, party.audience());
    live::record(&mut tx, &[event], now).await?;
    tx.commit().await?;
    metrics::counter!("curbside_messages_sent_total").increment(1);
    Ok(message)
}

/// Whose read marker a side moves (an admin reads without moving either).
fn reader(side: Side) -> Reader {
    match side {
        Side::Customer => Reader::Customer,
        _ => Reader::Mechanic,
    }
}

/// A page of the thread's history, newest first, before `before` (a
/// message's `seq`; none: the newest). An admin's read is audited.
#[tracing::instrument(skip_all, fields(user = %user.id, job = %job_id))]
pub async fn history(
    db: &Db,
    user: &CurrentUser,
    job_id: &JobId,
    mechanic: Option<&UserId>,
    before: Option<i64>,
    limit: Option<usize>,
    now: Timestamp,
) -> Result<MessagePage, AppError> {
    let limit = limit.unwrap_or(chat::PAGE_MAX).clamp(1, chat::PAGE_MAX) as i64;
    let mut conn = db.acquire().await?;
    let party = party(&mut conn, user, job_id, mechanic, Action::ReadChat).await?;
    if party.side == Side::Admin {
        audit::record(
            &mut *conn,
            Some(&user.id),
            AuditAction::ConversationRead,
            Some(&party.job.id),
            serde_json::json!({ "mechanic": party.mechanic, "before": before }),
            now,
        )
        .await?;
    }
    let thread = store::chat::thread(&mut conn, &party.job.id, &party.mechanic).await?;
    let mut messages = match &thread {
        Some(t) => {
            store::chat::before(&mut conn, &t.id, before.unwrap_or(i64::MAX), limit + 1).await?
        }
        None => Vec::new(),
    };
    let older = if messages.len() as i64 > limit {
        messages.truncate(limit as usize);
        messages.last().map(|m| m.seq)
    } else {
        None
    };
    let view = thread_view(&mut conn, &party, thread.as_ref(), &user.id).await?;
    Ok(MessagePage {
        thread: view,
        messages,
        older,
    })
}

async fn thread_view(
    conn: &mut AnyConnection,
    party: &Party,
    thread: Option<&ThreadRow>,
    me: &UserId,
) -> Result<Thread, AppError> {
    let people = store::chat::names(&mut *conn, &party.job.customer_id, &party.mechanic).await?;
    let person = |id: &UserId| people.iter().find(|(i, _, _)| i == id);
    let viewer = party.actor();
    let customer_name = person(&party.job.customer_id)
        .map(|(_, name, _)| names::customer_as_seen_by(name, viewer))
        .unwrap_or_default();
    let mechanic_name = person(&party.mechanic)
        .map(|(_, name, display)| names::mechanic(display.as_deref(), name))
        .unwrap_or_default();
    Ok(Thread {
        job: party.job.id.clone(),
        mechanic: party.mechanic.clone(),
        customer: party.job.customer_id.clone(),
        customer_name,
        mechanic_name,
        closed: party.closed(thread, me)?,
        customer_read: thread.map_or(0, |t| t.customer_read_seq),
        mechanic_read: thread.map_or(0, |t| t.mechanic_read_seq),
        blocked_by: thread.and_then(|t| t.blocked_by.clone()),
    })
}

/// Marks the thread read up to `seq` for the caller and tells the other
/// party (`message:read`). Reading backwards changes nothing.
#[tracing::instrument(skip_all, fields(user = %user.id, job = %job_id))]
pub async fn mark_read(
    db: &Db,
    user: &CurrentUser,
    job_id: &JobId,
    mechanic: Option<&UserId>,
    seq: i64,
    now: Timestamp,
) -> Result<i64, AppError> {
    let mut tx = db::begin_write(db).await?;
    let party = party(&mut tx, user, job_id, mechanic, Action::WriteChat).await?;
    let Some(thread) = store::chat::thread(&mut tx, &party.job.id, &party.mechanic).await? else {
        return Ok(0);
    };
    let seq = seq.min(thread.last_seq);
    let moved = store::chat::read_up_to(&mut tx, &thread.id, seq, reader(party.side)).await?;
    if moved {
        // The centre's "new message" entries about this job are read too.
        notifications::read_messages(&mut tx, &user.id, &party.job.id, now).await?;
        let data = ReadData {
            job: party.job.id.clone(),
            mechanic: party.mechanic.clone(),
            reader: user.id.clone(),
            seq,
        };
        let event = Pending::carrying(
            EventName::MessageRead,
            party.job.id.clone(),
            &data,
            party.audience(),
        );
        live::record(&mut tx, &[event], now).await?;
    }
    tx.commit().await?;
    Ok(seq)
}

/// Tells the other party the caller is typing: at most once every 3 s,
/// never stored. Returns whether this notice was passed on.
#[tracing::instrument(skip_all, fields(user = %user.id, job = %job_id))]
pub async fn typing(
    db: &Db,
    hub: &Hub,
    gate: &TypingGate,
    user: &CurrentUser,
    job_id: &JobId,
    mechanic: Option<&UserId>,
    now: Timestamp,
) -> Result<bool, AppError> {
    let mut conn = db.acquire().await?;
    let party = party(&mut conn, user, job_id, mechanic, Action::WriteChat).await?;
    let thread = store::chat::thread(&mut conn, &party.job.id, &party.mechanic).await?;
    if let Some(why) = party.closed(thread.as_ref(), &user.id)? {
        return Err(AppError::conflict(why));
    }
    if !gate.allow(&user.id, &party.job.id, &party.mechanic, now) {
        return Ok(false);
    }
    let data = TypingData {
        job: party.job.id.clone(),
        mechanic: party.mechanic.clone(),
        who: user.id.clone(),
    };
    hub.publish_ephemeral(LiveEvent {
        id: None,
        name: EventName::MessageTyping,
        job_id: party.job.id.clone(),
        data: serde_json::to_string(&data).unwrap_or_default(),
        audience: party.audience(),
    });
    Ok(true)
}

/// Unread messages for the caller, per thread.
pub async fn unread(db: &Db, user: &CurrentUser) -> Result<Unread, AppError> {
    let mut conn = db.acquire().await?;
    Ok(store::chat::unread(&mut conn, &user.id).await?)
}
