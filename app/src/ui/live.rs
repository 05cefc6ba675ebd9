//! The tab's one real-time stream: an EventSource on `/api/events` that
//! turns events into signals pages refetch on, and the indicator that
//! shows when it is down.

use crate::{
    domain::live::{EtaData, EventData, PositionData},
    ui::session::Session,
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

/// The last thing the stream said, for pages to react to.
#[derive(Debug, Clone, PartialEq)]
pub struct Heard {
    /// Counts every event, so two alike still differ.
    pub n: u64,
    /// The job it was about; `None` means "refetch everything" (a
    /// `reset`, or a stream just (re)opened without a replay).
    pub job: Option<String>,
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
}

impl Live {
    /// Provides the context and, in the browser, opens the stream once the
    /// session says someone is signed in.
    pub fn provide() {
        let live = Live {
            link: RwSignal::new(Link::Off),
            heard: RwSignal::new(Heard { n: 0, job: None }),
            position: RwSignal::new(None),
            eta: RwSignal::new(None),
        };
        provide_context(live);
        let session = Session::get();
        let started = StoredValue::new(false);
        Effect::new(move |_| {
            if let Some(Some(_account)) = session.0.get()
                && !started.get_value()
            {
                started.set_value(true);
                #[cfg(feature = "hydrate")]
                browser::connect(live);
            }
        });
        // Browser tests wait for this before acting on live pages.
        Effect::new(move |_| {
            let link = live.link.get();
            #[cfg(feature = "hydrate")]
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-live", link.as_str());
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = link;
        });
    }

    pub fn get() -> Self {
        expect_context()
    }

    /// Changes whenever something may have changed about `job`: a key for its page's resource.
    pub fn job_version(self, job: impl Fn() -> String + Send + Sync + 'static) -> Memo<u64> {
        let heard = self.heard;
        Memo::new(move |previous: Option<&u64>| {
            let h = heard.get();
            let mine = h.job.as_ref().is_none_or(|j| *j == job());
            match previous {
                Some(p) if !mine => *p,
                _ => h.n,
            }
        })
    }

    /// Changes with every event: a key for lists of jobs.
    pub fn any_version(self) -> Memo<u64> {
        let heard = self.heard;
        Memo::new(move |_| heard.get().n)
    }

    pub fn hear(self, job: Option<String>) {
        self.heard.update(|h| {
            h.n += 1;
            h.job = job;
        });
    }
}

/// Reads the job id out of an event's JSON.
pub fn job_of(data: &str) -> Option<String> {
    serde_json::from_str::<EventData>(data)
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

#[cfg(feature = "hydrate")]
mod browser {
    use super::{Link, Live, job_of};
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
    }

    pub fn connect(live: Live) {
        open(Rc::new(RefCell::new(Conn::default())), live);
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
                let mut c = conn.borrow_mut();
                c.failures = 0;
                live.link.set(Link::Open);
                // Without a replay, whatever changed before the stream
                // opened (while the page loaded) is only seen by fetching again.
                if c.last_id.is_none() {
                    live.hear(None);
                }
            });
            source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            handlers.push(on_open);
        }
        for name in EventName::ALL {
            let conn = conn.clone();
            let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let id = e.last_event_id();
                if !id.is_empty() {
                    conn.borrow_mut().last_id = Some(id);
                }
                let data = e.data().as_string().unwrap_or_default();
                match name {
                    EventName::JobLocationUpdated => {
                        if let Ok(p) = serde_json::from_str(&data) {
                            live.position.set(Some(p));
                        }
                    }
                    EventName::JobEtaUpdated => {
                        if let Ok(eta) = serde_json::from_str(&data) {
                            live.eta.set(Some(eta));
                        }
                    }
                    EventName::Reset => live.hear(None),
                    _ => live.hear(job_of(&data)),
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
}
