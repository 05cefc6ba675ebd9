//! The tab's one real-time stream: an EventSource on `/api/events` that
//! turns events into signals pages refetch on, and the indicator that
//! shows when it is down.
//!
//! Over 450 lines only with its unit tests (the module at the end), which
//! sit beside the rules they pin down.

use crate::{
    domain::{
        chat::{Message, ReadData, TypingData},
        live::{EtaData, EventData, PositionData},
        notification::NotificationAdded,
        photo::PhotoAdded,
    },
    ui::{json, session::Session},
};
use leptos::prelude::*;

/// Where the stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Not signed in, or not started (on the server, before hydration).
    Off,
    Open,
    /// Lost; the next attempt is scheduled.
    Reconnecting,
}

impl Link {
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Off => "off",
            Link::Open => "open",
            Link::Reconnecting => "reconnecting",
        }
    }
}

/// The last batch of events the stream delivered, for pages to react to.
/// Events that arrive together (an acceptance declines every other quote)
/// come as one batch, so a page refetches once for all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    /// Counts batches, so two alike still differ.
    pub n: u64,
    /// Each job the batch was about, with the newest event id heard for
    /// it; `None` means "refetch everything" (a `reset`, or a stream
    /// opened without knowing where to resume).
    pub jobs: Option<Vec<(String, i64)>>,
}

impl Heard {
    /// Whether this batch holds news about `job` past the event `seen`.
    pub fn about(&self, job: &str, seen: i64) -> bool {
        self.jobs
            .as_ref()
            .is_none_or(|list| list.iter().any(|(j, id)| j == job && *id > seen))
    }
}

/// Gathers events until the batch is handed over; keeps, per job, the newest id.
#[derive(Debug, Default)]
pub struct Batch {
    jobs: Vec<(String, i64)>,
    everything: bool,
}

impl Batch {
    /// An event about `job` (`None`: unknown, so everything), with its id.
    pub fn add(&mut self, job: Option<String>, id: i64) {
        match job {
            None => self.everything = true,
            Some(job) => match self.jobs.iter_mut().find(|(j, _)| *j == job) {
                Some((_, newest)) => *newest = (*newest).max(id),
                None => self.jobs.push((job, id)),
            },
        }
    }

    pub fn everything(&mut self) {
        self.everything = true;
    }

    /// What to tell pages, if anything, emptying the batch.
    pub fn take(&mut self) -> Option<Option<Vec<(String, i64)>>> {
        let batch = std::mem::take(self);
        if batch.everything {
            Some(None)
        } else if batch.jobs.is_empty() {
            None
        } else {
            Some(Some(batch.jobs))
        }
    }
}

/// What a conversation heard from the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    New(Message),
    Read(ReadData),
    Typing(TypingData),
}

/// Conversation events as they arrive, numbered from the first: a chat
/// panel remembers the number it has read up to, so none is missed when
/// several arrive before it runs. Only the newest [`ChatFeed::KEEP`] are kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatFeed {
    /// The number of `events[0]`.
    pub first: usize,
    pub events: Vec<ChatEvent>,
}

impl ChatFeed {
    pub const KEEP: usize = 500;

    /// The number the next event will get.
    pub fn end(&self) -> usize {
        self.first + self.events.len()
    }

    pub fn push(&mut self, e: ChatEvent) {
        self.events.push(e);
        if self.events.len() > Self::KEEP {
            let drop = self.events.len() - Self::KEEP;
            self.events.drain(..drop);
            self.first += drop;
        }
    }

    /// The events from number `from` on.
    pub fn since(&self, from: usize) -> &[ChatEvent] {
        &self.events[from.saturating_sub(self.first).min(self.events.len())..]
    }
}

#[derive(Clone, Copy)]
pub struct Live {
    pub link: RwSignal<Link>,
    pub heard: RwSignal<Heard>,
    /// The newest mechanic position heard, of whichever job: pages compare
    /// the job id. Positions change no page data, so they refetch nothing.
    pub position: RwSignal<Option<PositionData>>,
    /// The newest arrival estimate heard.
    pub eta: RwSignal<Option<EtaData>>,
    /// Conversation events. They change no page data, so they refetch nothing.
    pub chat: RwSignal<ChatFeed>,
    /// The newest `photo:added` heard: a gallery of its job fetches again.
    pub photo: RwSignal<Option<PhotoAdded>>,
    /// The newest `notification:new` heard: the bell's count and the
    /// notification centre fetch again.
    pub notice: RwSignal<Option<NotificationAdded>>,
}

impl Live {
    /// Provides the context and, in the browser, opens the stream once the
    /// session says someone is signed in.
    pub fn provide() {
        let live = Live {
            link: RwSignal::new(Link::Off),
            heard: RwSignal::new(Heard { n: 0, jobs: None }),
            position: RwSignal::new(None),
            eta: RwSignal::new(None),
            chat: RwSignal::new(ChatFeed::default()),
            photo: RwSignal::new(None),
            notice: RwSignal::new(None),
        };
        provide_context(live);
        let session = Session::get();
        let started = StoredValue::new(false);
        Effect::new(move |_| {
            if let Some(Some(_account)) = session.0.get()
                && !started.get_value()
            {
                started.set_value(true);
                #[cfg(feature = "browser")]
                browser::connect(live);
            }
        });
        // Browser tests wait for this before acting on live pages.
        Effect::new(move |_| {
            let link = live.link.get();
            #[cfg(feature = "browser")]
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-live", link.as_str());
            }
            #[cfg(not(feature = "browser"))]
            let _ = link;
        });
    }

    pub fn get() -> Self {
        expect_context()
    }

    /// Changes whenever something may have changed about `job` since the
    /// event `seen` (read untracked: the id of the newest event the page
    /// already shows): a key for its page's resource.
    pub fn job_version(
        self,
        job: impl Fn() -> String + Send + Sync + 'static,
        seen: impl Fn() -> i64 + Send + Sync + 'static,
    ) -> Memo<u64> {
        let heard = self.heard;
        Memo::new(move |previous: Option<&u64>| {
            let h = heard.get();
            match previous {
                Some(p) if !h.about(&job(), seen()) => *p,
                _ => h.n,
            }
        })
    }

    /// Changes with every batch of events: a key for lists of jobs.
    pub fn any_version(self) -> Memo<u64> {
        let heard = self.heard;
        Memo::new(move |_| heard.get().n)
    }

    pub fn hear(self, jobs: Option<Vec<(String, i64)>>) {
        self.heard.update(|h| {
            h.n += 1;
            h.jobs = jobs;
        });
    }
}

/// Reads the job id out of an event's JSON.
pub fn job_of(data: &str) -> Option<String> {
    json::decode::<EventData>(data)
        .ok()
        .map(|d| d.job)
        .map(String::from)
}

/// A small notice while the stream is down; nothing while it is fine.
#[component]
pub fn LinkStatus() -> impl IntoView {
    let live = Live::get();
    view! {
        <Show when=move || live.link.get() == Link::Reconnecting>
            <p class="live-status" role="status">"Reconnecting to live updates…"</p>
        </Show>
    }
}

#[cfg(feature = "browser")]
mod browser {
    use super::{Batch, ChatEvent, Link, Live, job_of, json};
    use crate::domain::live::EventName;
    use leptos::{
        prelude::*,
        wasm_bindgen::{JsCast, closure::Closure},
        web_sys::{EventSource, MessageEvent},
    };
    use std::{cell::RefCell, rc::Rc, time::Duration};

    /// The open source and its handlers (dropped with it), the last event
    /// id, and how many attempts in a row have failed.
    #[derive(Default)]
    struct Conn {
        source: Option<EventSource>,
        handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
        last_id: Option<String>,
        failures: u32,
        /// Events heard and not yet handed to pages.
        batch: Batch,
        flush_scheduled: bool,
    }

    /// How long events gather before pages hear them: those one change
    /// sends arrive within a few milliseconds of each other.
    const GATHER: Duration = Duration::from_millis(30);

    pub fn connect(live: Live) {
        // The page was rendered with what the server had up to this event.
        let rendered_at = document()
            .query_selector("meta[name=live-from]")
            .ok()
            .flatten()
            .and_then(|m| m.get_attribute("content"));
        let conn = Conn {
            last_id: rendered_at,
            ..Conn::default()
        };
        open(Rc::new(RefCell::new(conn)), live);
    }

    /// Adds to the batch and makes sure it is handed over shortly.
    fn gather(conn: &Rc<RefCell<Conn>>, live: Live, add: impl FnOnce(&mut Batch)) {
        let mut c = conn.borrow_mut();
        add(&mut c.batch);
        if c.flush_scheduled {
            return;
        }
        c.flush_scheduled = true;
        let conn = conn.clone();
        set_timeout(
            move || {
                let taken = {
                    let mut c = conn.borrow_mut();
                    c.flush_scheduled = false;
                    c.batch.take()
                };
                if let Some(jobs) = taken {
                    live.hear(jobs);
                }
            },
            GATHER,
        );
    }

    fn open(conn: Rc<RefCell<Conn>>, live: Live) {
        let url = match &conn.borrow().last_id {
            Some(id) => format!("/api/events?lastEventId={id}"),
            None => "/api/events".to_owned(),
        };
        let Ok(source) = EventSource::new(&url) else {
            retry(conn, live);
            return;
        };
        let mut handlers = Vec::new();
        {
            let conn = conn.clone();
            let on_open = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
                let fresh = {
                    let mut c = conn.borrow_mut();
                    c.failures = 0;
                    c.last_id.is_none()
                };
                live.link.set(Link::Open);
                // Without a replay, whatever changed before the stream
                // opened (while the page loaded) is only seen by fetching again.
                if fresh {
                    gather(&conn, live, Batch::everything);
                }
            });
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            handlers.push(on_open);
        }
        for name in EventName::ALL {
            let conn = conn.clone();
            let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let id = e.last_event_id();
                // An event without an id is newer than anything a page shows.
                let number = id.parse::<i64>().unwrap_or(i64::MAX);
                if !id.is_empty() {
                    conn.borrow_mut().last_id = Some(id);
                }
                let data = e.data().as_string().unwrap_or_default();
                match name {
                    EventName::JobLocationUpdated => {
                        if let Ok(p) = json::decode(&data) {
                            live.position.set(Some(p));
                        }
                    }
                    EventName::JobEtaUpdated => {
                        if let Ok(eta) = json::decode(&data) {
                            live.eta.set(Some(eta));
                        }
                    }
                    EventName::MessageNew => {
                        if let Ok(m) = json::decode(&data) {
                            live.chat.update(|f| f.push(ChatEvent::New(m)));
                        }
                    }
                    EventName::MessageRead => {
                        if let Ok(r) = json::decode(&data) {
                            live.chat.update(|f| f.push(ChatEvent::Read(r)));
                        }
                    }
                    EventName::MessageTyping => {
                        if let Ok(t) = json::decode(&data) {
                            live.chat.update(|f| f.push(ChatEvent::Typing(t)));
                        }
                    }
                    EventName::PhotoAdded => {
                        if let Ok(p) = json::decode(&data) {
                            live.photo.set(Some(p));
                        }
                    }
                    EventName::NotificationNew => {
                        if let Ok(n) = json::decode(&data) {
                            live.notice.set(Some(n));
                        }
                    }
                    EventName::Reset => gather(&conn, live, Batch::everything),
                    _ => gather(&conn, live, |b| b.add(job_of(&data), number)),
                }
            });
            let _ = source
                .add_event_listener_with_callback(name.as_str(), handler.as_ref().unchecked_ref());
            handlers.push(handler);
        }
        {
            let conn = conn.clone();
            let on_error = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
                // Close rather than let the browser retry at its fixed
                // pace: ours backs off, and resumes from the last id.
                if let Some(s) = conn.borrow_mut().source.take() {
                    s.close();
                }
                retry(conn.clone(), live);
            });
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            handlers.push(on_error);
        }
        let mut c = conn.borrow_mut();
        c.source = Some(source);
        c.handlers = handlers;
    }

    /// Tries again after 1 s, 2 s, 4 s … up to 30 s.
    fn retry(conn: Rc<RefCell<Conn>>, live: Live) {
        live.link.set(Link::Reconnecting);
        let failures = {
            let mut c = conn.borrow_mut();
            c.failures += 1;
            c.failures
        };
        let delay = Duration::from_secs((1u64 << failures.min(5).saturating_sub(1)).min(30));
        // The closed source's handlers (one of them may be running this)
        // are dropped only when the next source replaces them.
        set_timeout(move || open(conn, live), delay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_is_read_from_event_data() {
        assert_eq!(
            job_of(r#"{"job":"j1","status":"quoted"}"#),
            Some("j1".to_owned())
        );
        assert_eq!(job_of("not json"), None);
    }

    #[test]
    fn events_that_arrive_together_are_one_batch_with_each_jobs_newest_id() {
        let mut b = Batch::default();
        assert_eq!(b.take(), None);
        b.add(Some("j1".into()), 7);
        b.add(Some("j1".into()), 9);
        b.add(Some("j2".into()), 8);
        b.add(Some("j1".into()), 8);
        assert_eq!(
            b.take(),
            Some(Some(vec![("j1".into(), 9), ("j2".into(), 8)]))
        );
        assert_eq!(b.take(), None, "taking empties it");
        b.add(Some("j1".into()), 10);
        b.add(None, 11);
        assert_eq!(b.take(), Some(None), "an unknown job means everything");
    }

    #[test]
    fn the_chat_feed_numbers_events_and_keeps_the_newest() {
        let typing = |who: &str| {
            ChatEvent::Typing(TypingData {
                job: "j".into(),
                mechanic: "m".into(),
                who: who.into(),
            })
        };
        let mut f = ChatFeed::default();
        f.push(typing("a"));
        f.push(typing("b"));
        assert_eq!(f.since(1), &[typing("b")]);
        assert_eq!(f.end(), 2);
        for _ in 0..ChatFeed::KEEP {
            f.push(typing("c"));
        }
        assert_eq!(f.events.len(), ChatFeed::KEEP);
        assert_eq!(f.end(), ChatFeed::KEEP + 2);
        assert_eq!(f.since(0).len(), ChatFeed::KEEP, "what was dropped is gone");
        assert!(f.since(f.end()).is_empty());
    }

    #[test]
    fn a_page_ignores_events_it_already_shows() {
        let heard = Heard {
            n: 1,
            jobs: Some(vec![("j1".into(), 9)]),
        };
        assert!(heard.about("j1", 8));
        assert!(!heard.about("j1", 9), "the page's view includes event 9");
        assert!(!heard.about("j2", 0), "another job's news");
        assert!(Heard { n: 2, jobs: None }.about("j1", 100));
    }
}
