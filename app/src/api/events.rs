//! `GET /api/events`: the caller's real-time stream, as server-sent events.
//!
//! A stream subscribes to the hub first, then replays what the client
//! missed from the table, then goes live; an event both replayed and
//! broadcast is sent once, by its id.

use super::caller::CurrentUser;
use crate::domain::Timestamp;
use crate::{
    backend::{
        AppState, Db, access,
        live::{self, Subscription},
        sessions,
    },
    domain::{
        AppError, JobId,
        live::{LiveEvent, Resume, StreamFilter, parse_event_id, resume},
    },
};
use axum::{
    extract::{Query, State},
    http::HeaderMap,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::stream::{self, Stream};
use serde::Deserialize;
use std::{collections::VecDeque, convert::Infallible, pin::Pin, sync::Arc, time::Duration};
use tokio::time::Sleep;

pub const EVENTS: &str = "/api/events";

/// Where a page rendered now resumes its stream from (see
/// [`live::Hub::cursor`]); written into the page so a freshly hydrated page
/// need not refetch what it was rendered with.
pub fn page_cursor() -> Option<i64> {
    leptos::prelude::use_context::<AppState>().map(|s| s.live.cursor())
}

/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Deserialize)]
pub struct Params {
    job: Option<JobId>,
    /// For clients that cannot set the `Last-Event-ID` header.
    #[serde(rename = "lastEventId")]
    last_event_id: Option<String>,
}

pub async fn events(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(params): Query<Params>,
) -> Response {
    match open(&state, user, &headers, params).await {
        Ok(stream) => {
            tracing::debug!(streams = state.live.subscribers(), "event stream opened");
            Sse::new(stream)
                .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
                .into_response()
        }
        Err(e) => {
            tracing::debug!(error = %e, "event stream refused");
            e.into_response()
        }
    }
}

async fn open(
    state: &AppState,
    user: CurrentUser,
    headers: &HeaderMap,
    params: Params,
) -> Result<impl Stream<Item = Result<Event, Infallible>> + use<>, AppError> {
    if let Some(job) = &params.job {
        access::check_visible(&state.db, &user, job).await?;
    }
    let filter = StreamFilter {
        watcher: access::watcher(&state.db, &user).await?,
        job: params.job,
        features: state.features,
    };
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(params.last_event_id.as_deref())
        .and_then(parse_event_id);
    // Subscribe before reading where the table ends: whatever commits after
    // that read is then queued for this stream, so nothing falls between.
    let subscription = state.live.subscribe(filter.clone(), &user.id);
    let (pruned, newest) = live::bounds(&state.db).await?;
    let left = user.session_left(Timestamp::now());
    let mut feed = Feed {
        db: state.db.clone(),
        filter,
        subscription,
        session_id: user.session_id,
        session_ends: Box::pin(tokio::time::sleep(left)),
        queue: VecDeque::new(),
        cursor: 0,
        replay_from: None,
    };
    match resume(last, pruned, newest) {
        // What committed before this point is in whatever the client
        // fetched next; from here on, the stream carries it.
        Resume::Live => feed.cursor = newest,
        Resume::After(id) => {
            feed.cursor = id;
            feed.replay_from = Some(id);
        }
        Resume::Reset => {
            feed.cursor = newest;
            feed.queue.push_back(Arc::new(LiveEvent::reset(newest)));
        }
    }
    Ok(stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(sse(&event)), feed))
    }))
}

fn sse(e: &LiveEvent) -> Event {
    let event = Event::default().event(e.name.as_str()).data(&e.data);
    match e.id {
        Some(id) => event.id(id.to_string()),
        None => event,
    }
}

/// One subscriber's stream: replay first, then the hub.
struct Feed {
    db: Db,
    filter: StreamFilter,
    subscription: Subscription,
    /// The session the stream was opened with: the stream ends with it.
    session_id: String,
    session_ends: Pin<Box<Sleep>>,
    queue: VecDeque<Arc<LiveEvent>>,
    /// The newest durable id sent (or skipped as already known).
    cursor: i64,
    /// Replaying the table from after this id.
    replay_from: Option<i64>,
}

impl Feed {
    /// The next event to send; `None` ends the stream (the client reconnects and replays).
    async fn next(&mut self) -> Option<Arc<LiveEvent>> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                if let Some(id) = e.id {
                    self.cursor = self.cursor.max(id);
                }
                return Some(e);
            }
            if let Some(from) = self.replay_from {
                // Boxed: inline, the query's large state would stay in
                // every idle stream's future long after its replay.
                match Box::pin(live::replay(&self.db, &self.filter, from)).await {
                    Ok(batch) => {
                        self.queue.extend(batch.events.into_iter().map(Arc::new));
                        self.replay_from = batch.more.then_some(batch.read_to);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event replay failed");
                        return None;
                    }
                }
                continue;
            }
            // The hub sent only what passes this stream's filter. `None`:
            // it fell too far behind (or its owner opened too many) and was
            // let go; the client resumes from its last id by replay.
            // Biased to what the hub already handed over: a stream whose
            // session ended still sends every event dispatched before the
            // end, so its end comes after them in order, as its events do.
            let e = tokio::select! {
                biased;
                e = self.subscription.events.recv() => e?,
                () = self.subscription.recheck.notified() => {
                    match sessions::still_open(&self.db, &self.session_id, Timestamp::now()).await {
                        Ok(true) => continue,
                        // Ended, or cannot tell: the client reconnects and
                        // is asked who it is again.
                        _ => return None,
                    }
                }
                // The session expired: a reconnect is refused with 401.
                () = &mut self.session_ends => return None,
            };
            if e.id.is_none_or(|id| id > self.cursor) {
                self.queue.push_back(e);
            }
        }
    }
}
