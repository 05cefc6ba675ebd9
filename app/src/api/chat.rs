//! Conversations about a job: `/api/send_message`, `/api/messages`,
//! `/api/mark_read`, `/api/typing`, `/api/report_conversation`,
//! `/api/unread`, and for admins `/api/chat_reports`, `/api/close_chat_report`.
//!
//! A thread is named by its job and its mechanic: a customer passes
//! `mechanic` (by default the booked one); a mechanic's is always their own.

use crate::domain::{
    AppError, JobId, MessageId, ReportId, UserId,
    chat::{ChatReport, Message, MessagePage, Unread},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::flows,
        domain::{Feature, Role, Timestamp},
    },
};

/// `POST /api/send_message`: sends `body` with the client's own `id` (a
/// UUID). Sending the same id again returns the stored message.
#[server(endpoint = "send_message")]
pub async fn send_message(
    job_id: JobId,
    mechanic: Option<UserId>,
    id: MessageId,
    body: String,
) -> Result<Message, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Messaging)?;
            let user = guard::require_user().await?;
            let state = guard::state();
            flows::chat::send(
                &state.db,
                state.messages_per_minute,
                &user,
                flows::chat::Outgoing {
                    job: &job_id,
                    mechanic: mechanic.as_ref(),
                    id: &id,
                    body: &body,
                },
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `GET /api/messages?job_id=…[&mechanic=…][&before=SEQ][&limit=N]`: a page
/// of history, newest first; `older` is the `before` of the next page.
#[server(endpoint = "messages", input = GetUrl)]
pub async fn messages(
    job_id: JobId,
    mechanic: Option<UserId>,
    before: Option<i64>,
    limit: Option<usize>,
) -> Result<MessagePage, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Messaging)?;
            let user = guard::require_user().await?;
            flows::chat::history(
                &guard::state().db,
                &user,
                &job_id,
                mechanic.as_ref(),
                before,
                limit,
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `POST /api/mark_read`: the caller has read the thread up to `seq`.
#[server(endpoint = "mark_read")]
pub async fn mark_read(job_id: JobId, mechanic: Option<UserId>, seq: i64) -> Result<i64, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Messaging)?;
            let user = guard::require_user().await?;
            flows::chat::mark_read(
                &guard::state().db,
                &user,
                &job_id,
                mechanic.as_ref(),
                seq,
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `POST /api/typing`: the caller is typing. Passed on at most every 3 s;
/// answers whether this one was.
#[server(endpoint = "typing")]
pub async fn typing(job_id: JobId, mechanic: Option<UserId>) -> Result<bool, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Messaging)?;
            let user = guard::require_user().await?;
            let state = guard::state();
            flows::chat::typing(
                &state.db,
                &state.live,
                &state.typing,
                &user,
                &job_id,
                mechanic.as_ref(),
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `POST /api/report_conversation`: reports the thread to admins; the
/// other party can no longer send in it.
#[server(endpoint = "report_conversation")]
pub async fn report_conversation(
    job_id: JobId,
    mechanic: Option<UserId>,
    reason: String,
) -> Result<(), AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Messaging)?;
            let user = guard::require_user().await?;
            flows::chat::report(
                &guard::state().db,
                &user,
                &job_id,
                mechanic.as_ref(),
                &reason,
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `GET /api/unread`: the caller's unread messages, per thread.
#[server(endpoint = "unread", input = GetUrl)]
pub async fn unread_counts() -> Result<Unread, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Messaging)?;
            let user = guard::require_user().await?;
            flows::chat::unread(&guard::state().db, &user).await
        }
        .await,
    )
}

/// `GET /api/chat_reports[?all=true]`: reported conversations, open ones
/// unless `all`. Admins only.
#[server(endpoint = "chat_reports", input = GetUrl)]
pub async fn chat_reports(all: Option<bool>) -> Result<Vec<ChatReport>, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Messaging)?;
            guard::require_role(&[Role::Admin]).await?;
            flows::chat::reports(&guard::state().db, !all.unwrap_or(false)).await
        }
        .await,
    )
}

/// `POST /api/close_chat_report`: closes a report with the admin's
/// `outcome`; `unblock=true` lets the reported party write again.
#[server(endpoint = "close_chat_report")]
pub async fn close_chat_report(
    id: ReportId,
    outcome: String,
    unblock: Option<String>,
) -> Result<(), AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Messaging)?;
            let admin = guard::require_role(&[Role::Admin]).await?;
            let unblock = matches!(unblock.as_deref(), Some("true" | "on" | "1"));
            flows::chat::close_report(
                &guard::state().db,
                &admin,
                &id,
                &outcome,
                unblock,
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}
