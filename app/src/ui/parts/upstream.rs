//! Where a mechanic's fixes go: one WebSocket for the drive
//! (`/api/location_socket`), or `POST /api/share_location` while the socket
//! cannot be opened (a proxy that refuses upgrades, a dropped connection).
//! Hydrate only.

use crate::{
    api::jobs::share_location,
    domain::{
        AppError, JobId, Timestamp,
        tracking::{Fix, FixAnswer, LOCATION_SOCKET, SocketFix},
    },
};
use leptos::{
    prelude::*,
    task::spawn_local,
    wasm_bindgen::{JsCast, closure::Closure},
    web_sys::{MessageEvent, WebSocket},
};
use std::{cell::RefCell, collections::VecDeque, rc::Rc};

/// After a socket failed to open, fixes go over HTTP for this long before
/// the socket is tried again.
const RETRY_AFTER_MS: i64 = 60_000;

/// What became of a fix: delivered, or refused with the reason.
type Answered = Rc<dyn Fn(Fix, Result<(), AppError>)>;

#[derive(Clone)]
pub struct Upstream {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    socket: Option<Open>,
    /// Fixes sent on the socket and not yet answered, oldest first.
    waiting: VecDeque<Fix>,
    /// No socket before this (the last one failed to open).
    not_before: Timestamp,
    answered: Answered,
}

/// A socket and its callbacks, which live as long as it does.
struct Open {
    socket: WebSocket,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut()>,
    _on_open: Closure<dyn FnMut()>,
}

impl Upstream {
    pub fn new(answered: impl Fn(Fix, Result<(), AppError>) + 'static) -> Self {
        Self {
            inner: Rc::new(RefCell::new(Inner {
                socket: None,
                waiting: VecDeque::new(),
                not_before: Timestamp::EPOCH,
                answered: Rc::new(answered),
            })),
        }
    }

    /// Sends `fix` on the socket when it is open; otherwise over HTTP, and
    /// opens the socket for the next one.
    pub fn send(&self, job: &JobId, fix: Fix) {
        let text = serde_json::to_string(&SocketFix {
            job: job.clone(),
            lat: fix.lat,
            lng: fix.lng,
            accuracy: fix.accuracy_m,
            at: fix.at,
            heading: fix.heading,
            speed: fix.speed_mps,
        })
        .unwrap_or_default();
        let mut inner = self.inner.borrow_mut();
        if let Some(open) = &inner.socket
            && open.socket.ready_state() == WebSocket::OPEN
            && open.socket.send_with_str(&text).is_ok()
        {
            inner.waiting.push_back(fix);
            return;
        }
        let answered = inner.answered.clone();
        drop(inner);
        self.connect();
        let job = job.clone();
        spawn_local(async move {
            let sent = share_location(
                job,
                fix.lat.into(),
                fix.lng.into(),
                fix.accuracy_m.into(),
                fix.at.millis().into(),
                fix.heading.map(Into::into),
                fix.speed_mps.map(Into::into),
            )
            .await;
            answered(fix, sent.map(|_| ()));
        });
    }

    /// Opens the socket unless it is open or opening, or failed a moment ago.
    pub fn connect(&self) {
        let mut inner = self.inner.borrow_mut();
        let idle = inner
            .socket
            .as_ref()
            .is_none_or(|o| o.socket.ready_state() >= WebSocket::CLOSING);
        if idle && Timestamp::now() >= inner.not_before {
            inner.socket = self.open();
        }
    }

    /// Ends the socket (sharing stopped, or the page went away).
    pub fn close(&self) {
        let mut inner = self.inner.borrow_mut();
        if let Some(open) = inner.socket.take() {
            let _ = open.socket.close();
        }
        inner.waiting.clear();
    }

    fn open(&self) -> Option<Open> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        let url = format!("{scheme}://{}{LOCATION_SOCKET}", location.host().ok()?);
        let socket = WebSocket::new(&url).ok()?;
        let opened = Rc::new(RefCell::new(false));
        let on_open = {
            let opened = opened.clone();
            Closure::<dyn FnMut()>::new(move || *opened.borrow_mut() = true)
        };
        let on_message = {
            let inner = Rc::downgrade(&self.inner);
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let (Some(inner), Some(text)) = (inner.upgrade(), e.data().as_string()) else {
                    return;
                };
                let Ok(answer) = serde_json::from_str::<FixAnswer>(&text) else {
                    return;
                };
                // Answers come in the order the fixes went.
                let (fix, answered) = {
                    let mut inner = inner.borrow_mut();
                    (inner.waiting.pop_front(), inner.answered.clone())
                };
                if let Some(fix) = fix {
                    answered(fix, answer.error.map_or(Ok(()), Err));
                }
            })
        };
        let on_close = {
            let inner = Rc::downgrade(&self.inner);
            Closure::<dyn FnMut()>::new(move || {
                let Some(inner) = inner.upgrade() else { return };
                let mut inner = inner.borrow_mut();
                // Unanswered fixes are not sent again: the next fix is newer.
                inner.waiting.clear();
                if !*opened.borrow() {
                    inner.not_before = Timestamp::now() + RETRY_AFTER_MS;
                }
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Some(Open {
            socket,
            _on_message: on_message,
            _on_close: on_close,
            _on_open: on_open,
        })
    }
}
