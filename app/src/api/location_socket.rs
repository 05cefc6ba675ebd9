//! `GET /api/location_socket`: a phone's fixes over one WebSocket.
//!
//! The mechanic's page sends every fix of a drive over one connection,
//! authenticated once when it opens, instead of one HTTP request (with its
//! session read and form) per fix. Each fix goes through the same rules as
//! `POST /api/share_location` ([`crate::backend::tracking::Tracker::post`]),
//! and gets one answer frame, in order. The connection ends at once when
//! its session does (logout, a new password, a suspension, expiry): the
//! hub's sessions-changed signal wakes it to check, on every instance.

use super::caller::CurrentUser;
use crate::{
    backend::{AppState, sessions},
    domain::{
        AppError, Feature, Timestamp,
        account::Role,
        tracking::{FixAnswer, SocketFix},
    },
};
use axum::{
    extract::{
        State,
        ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
    },
    response::{IntoResponse, Response},
};
use tokio::sync::broadcast::error::RecvError;

pub use crate::domain::tracking::LOCATION_SOCKET;

/// A fix is a few hundred bytes; anything much larger is not one.
const MAX_FRAME: usize = 4 * 1024;
/// Close code when the session ended: the page signs in again (4000–4999
/// are the application's; 4401 echoes HTTP's 401).
const SIGNED_OUT: u16 = 4401;

pub async fn location_socket(
    State(state): State<AppState>,
    user: CurrentUser,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !state.features.enabled(Feature::RealtimeTracking) {
        return AppError::feature_off(Feature::RealtimeTracking).into_response();
    }
    if user.role != Role::Mechanic {
        return AppError::Forbidden.into_response();
    }
    upgrade
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .on_upgrade(move |socket| serve(state, user, socket))
}

async fn serve(state: AppState, user: CurrentUser, mut socket: WebSocket) {
    let mut changes = state.live.session_changes();
    let left = user.session_left(Timestamp::now());
    let session_ends = tokio::time::sleep(left);
    tokio::pin!(session_ends);
    loop {
        tokio::select! {
            frame = socket.recv() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(_))) => {
                        let refused = FixAnswer::of(Timestamp::EPOCH, Err(not_a_fix()));
                        if send(&mut socket, &refused).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    // axum answers pings itself.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                };
                let answer = post(&state, &user, &text).await;
                if send(&mut socket, &answer).await.is_err() {
                    return;
                }
            }
            changed = changes.recv() => {
                let mine = match changed {
                    Ok(Some(who)) => *who == *user.id.as_str(),
                    Ok(None) | Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => return,
                };
                if mine && !matches!(
                    sessions::still_open(&state.db, &user.session_id, Timestamp::now()).await,
                    Ok(true)
                ) {
                    return close(socket, "Your session ended. Log in again.").await;
                }
            }
            () = &mut session_ends => {
                return close(socket, "Your session expired. Log in again.").await;
            }
        }
    }
}

/// Checks and delivers one fix, as `POST /api/share_location` does.
async fn post(state: &AppState, user: &CurrentUser, text: &str) -> FixAnswer {
    let fix: SocketFix = match serde_json::from_str(text) {
        Ok(fix) => fix,
        Err(_) => return FixAnswer::of(Timestamp::EPOCH, Err(not_a_fix())),
    };
    let outcome = state
        .tracker
        .post(
            &state.db,
            &state.live,
            user,
            &fix.job,
            fix.raw(),
            Timestamp::now(),
        )
        .await;
    FixAnswer::of(fix.at, outcome)
}

fn not_a_fix() -> AppError {
    AppError::invalid(
        "fix",
        "Send each fix as JSON text: {\"job\", \"lat\", \"lng\", \"accuracy\", \"at\"}, \
         with \"heading\" and \"speed\" when known.",
    )
}

async fn send(socket: &mut WebSocket, answer: &FixAnswer) -> Result<(), axum::Error> {
    let text = serde_json::to_string(answer).unwrap_or_default();
    socket.send(Message::Text(text.into())).await
}

async fn close(mut socket: WebSocket, why: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: SIGNED_OUT,
            reason: why.into(),
        })))
        .await;
}
