//! One thread on the page: its history (loaded, kept current from the
//! stream, older pages on scroll), the composer with its optimistic sends
//! and retries, the typing notice and the closed banner.

use super::{Delivery, Item, ReportForm, composer::Composer, list::MessageList, merge};
use crate::{
    api::chat::{mark_read, messages, send_message},
    domain::{
        Account, AppError, JobId, MessageId, Timestamp, UserId,
        chat::{Message, MessageKind, Thread},
    },
    ui::live::{ChatEvent, Live},
};
use leptos::{html, prelude::*, task::spawn_local};

/// What the panel's parts share: every field is a handle, so the panel
/// is `Copy` into each callback.
#[derive(Clone, Copy)]
pub(super) struct Panel {
    pub(super) me: StoredValue<UserId>,
    pub(super) job: StoredValue<JobId>,
    pub(super) mechanic: StoredValue<UserId>,
    pub(super) read_only: bool,
    pub(super) thread: RwSignal<Option<Thread>>,
    pub(super) items: RwSignal<Vec<Item>>,
    /// The `seq` to load older messages before; none when all are here.
    pub(super) older: RwSignal<Option<i64>>,
    pub(super) loading_older: RwSignal<bool>,
    pub(super) load_error: RwSignal<Option<String>>,
    pub(super) typing_shown: RwSignal<bool>,
    /// Counts typing notices, so only the newest one's timer hides it.
    pub(super) typing_n: StoredValue<u64>,
    pub(super) list_ref: NodeRef<html::Ol>,
}

impl Panel {
    pub(super) fn ids(self) -> (JobId, UserId) {
        (self.job.get_value(), self.mechanic.get_value())
    }

    /// Tells the server the viewer has read up to the newest message from the other side.
    fn read_newest(self) {
        if self.read_only {
            return;
        }
        let me = self.me.get_value();
        let newest = self.items.with_untracked(|v| {
            v.iter()
                .rev()
                .find(|i| i.delivery == Delivery::Sent && i.message.sender != me)
                .map(|i| i.message.seq)
        });
        let read_to = self
            .thread
            .with_untracked(|t| t.as_ref().map_or(0, |t| t.read_by(&me)));
        if let Some(seq) = newest.filter(|s| *s > read_to) {
            self.thread.update(|t| {
                if let Some(t) = t {
                    if t.customer == me {
                        t.customer_read = seq;
                    } else {
                        t.mechanic_read = seq;
                    }
                }
            });
            let (j, m) = self.ids();
            spawn_local(async move {
                let _ = mark_read(j, Some(m), seq).await;
            });
        }
    }

    fn scroll_to_end(self) {
        if let Some(list) = self.list_ref.get_untracked() {
            list.set_scroll_top(list.scroll_height());
        }
    }

    fn load_newest(self) {
        let (j, m) = self.ids();
        spawn_local(async move {
            match messages(j, Some(m), None, None).await {
                Ok(page) => {
                    self.thread.set(Some(page.thread));
                    self.items.update(|v| {
                        for msg in page.messages {
                            merge(v, msg);
                        }
                    });
                    if self.older.get_untracked().is_none() {
                        self.older.set(page.older);
                    }
                    self.load_error.set(None);
                    self.read_newest();
                    request_animation_frame(move || self.scroll_to_end());
                }
                Err(e) => self.load_error.set(Some(e.to_string())),
            }
        });
    }

    pub(super) fn load_older(self) {
        let Some(before) = self.older.get_untracked() else {
            return;
        };
        if self.loading_older.get_untracked() {
            return;
        }
        self.loading_older.set(true);
        let (j, m) = self.ids();
        spawn_local(async move {
            if let Ok(page) = messages(j, Some(m), Some(before), None).await {
                let height = self.list_ref.get_untracked().map(|l| l.scroll_height());
                self.items.update(|v| {
                    for msg in page.messages {
                        merge(v, msg);
                    }
                });
                self.older.set(page.older);
                // Keep the message the reader was looking at where it was.
                if let Some(h) = height {
                    request_animation_frame(move || {
                        if let Some(list) = self.list_ref.get_untracked() {
                            list.set_scroll_top(list.scroll_height() - h);
                        }
                    });
                }
            }
            self.loading_older.set(false);
        });
    }

    /// Takes in what the stream says about this thread.
    fn hear(self, events: &[ChatEvent]) {
        let (job, mechanic, me) = (
            self.job.get_value(),
            self.mechanic.get_value(),
            self.me.get_value(),
        );
        let mut heard_new = false;
        for e in events {
            match e {
                ChatEvent::New(msg) if msg.job == job && msg.mechanic == mechanic => {
                    self.items.update(|v| merge(v, msg.clone()));
                    if msg.sender != me {
                        heard_new = true;
                        self.typing_shown.set(false);
                    }
                }
                ChatEvent::Read(r) if r.job == job && r.mechanic == mechanic => {
                    self.thread.update(|t| {
                        if let Some(t) = t {
                            if r.reader == t.customer {
                                t.customer_read = t.customer_read.max(r.seq);
                            } else {
                                t.mechanic_read = t.mechanic_read.max(r.seq);
                            }
                        }
                    });
                }
                ChatEvent::Typing(t) if t.job == job && t.mechanic == mechanic && t.who != me => {
                    self.typing_shown.set(true);
                    let n = self.typing_n.get_value() + 1;
                    self.typing_n.set_value(n);
                    set_timeout(
                        move || {
                            if self.typing_n.get_value() == n {
                                self.typing_shown.set(false);
                            }
                        },
                        std::time::Duration::from_secs(4),
                    );
                }
                _ => {}
            }
        }
        if heard_new {
            self.read_newest();
            request_animation_frame(move || self.scroll_to_end());
        }
    }

    /// Sends a message already shown as sending; a failure stays on it for the retry.
    fn deliver(self, id: MessageId, body: String) {
        let (j, m) = self.ids();
        spawn_local(async move {
            match send_message(j, Some(m), id.clone(), body).await {
                Ok(msg) => self.items.update(|v| merge(v, msg)),
                Err(e) => {
                    let why = match e {
                        AppError::Request { .. } => "No connection.".to_owned(),
                        e => e.to_string(),
                    };
                    self.items.update(|v| {
                        if let Some(i) = v.iter_mut().find(|i| i.message.id == id) {
                            i.delivery = Delivery::Failed(why.clone());
                        }
                    });
                }
            }
        });
    }

    /// Shows the message at once, then sends it.
    pub(super) fn send(self, body: String) {
        let id = new_message_id();
        self.items.update(|v| {
            v.push(Item {
                message: Message {
                    id: id.clone(),
                    job: self.job.get_value(),
                    mechanic: self.mechanic.get_value(),
                    sender: self.me.get_value(),
                    kind: MessageKind::Text,
                    body: body.clone(),
                    media: None,
                    seq: i64::MAX,
                    sent_at: Timestamp::now(),
                },
                delivery: Delivery::Sending,
            })
        });
        request_animation_frame(move || self.scroll_to_end());
        self.deliver(id, body);
    }

    /// Sends a failed message again, with the same id (so it is stored once).
    pub(super) fn retry(self, id: MessageId) {
        let body = self.items.with_untracked(|v| {
            v.iter()
                .find(|i| i.message.id == id)
                .map(|i| i.message.body.clone())
        });
        if let Some(body) = body {
            self.items.update(|v| {
                if let Some(i) = v.iter_mut().find(|i| i.message.id == id) {
                    i.delivery = Delivery::Sending;
                }
            });
            self.deliver(id, body);
        }
    }

    pub(super) fn other_name(self) -> Option<String> {
        let me = self.me.get_value();
        self.thread.with(|t| {
            t.as_ref().map(|t| {
                if t.customer == me {
                    t.mechanic_name.clone()
                } else {
                    t.customer_name.clone()
                }
            })
        })
    }
}

/// A new message id: a random UUID from the browser.
fn new_message_id() -> MessageId {
    #[cfg(feature = "browser")]
    {
        window()
            .crypto()
            .map(|c| MessageId::from(c.random_uuid()))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "browser"))]
    MessageId::default()
}

/// One thread: its history, the composer and the report form.
#[component]
pub(super) fn ChatPanel(job: JobId, mechanic: UserId, read_only: bool) -> impl IntoView {
    let live = Live::get();
    let (job_s, mechanic_s) = (job.clone(), mechanic.clone());
    let panel = Panel {
        me: StoredValue::new(expect_context::<Account>().id),
        job: StoredValue::new(job),
        mechanic: StoredValue::new(mechanic),
        read_only,
        thread: RwSignal::new(None),
        items: RwSignal::new(Vec::new()),
        older: RwSignal::new(None),
        loading_older: RwSignal::new(false),
        load_error: RwSignal::new(None),
        typing_shown: RwSignal::new(false),
        typing_n: StoredValue::new(0),
        list_ref: NodeRef::new(),
    };
    panel.load_newest();
    // A reset or a stream opened afresh may have missed messages: read them again.
    let heard = live.heard;
    Effect::new(move |previous: Option<u64>| {
        let h = heard.get();
        if previous.is_some_and(|p| p != h.n) && h.jobs.is_none() {
            panel.load_newest();
        }
        h.n
    });
    let feed_read = StoredValue::new(live.chat.get_untracked().end());
    Effect::new(move |_| {
        let feed = live.chat.get();
        let from = feed_read.get_value();
        feed_read.set_value(feed.end());
        panel.hear(feed.since(from));
    });
    let thread = panel.thread;
    let open = Memo::new(move |_| thread.with(|t| t.as_ref().is_some_and(|t| t.closed.is_none())));
    view! {
        <div class="chat-panel">
            {move || panel.load_error.get().map(|e| view! { <p class="form-error">{e}</p> })}
            <MessageList panel />
            <p class="chat-typing" role="status">
                {move || panel.typing_shown.get().then(|| format!("{} is typing…", panel.other_name().unwrap_or_default()))}
            </p>
            {move || thread.get().and_then(|t| t.closed).map(|why| view! {
                <p class="banner chat-closed" role="status">{why}</p>
            })}
            // Only opening or closing the thread rebuilds the composer (and its draft).
            {move || (open.get() && !read_only).then(|| view! { <Composer panel /> })}
            {(!read_only).then(|| view! { <ReportForm job=job_s.clone() mechanic=mechanic_s.clone() thread /> })}
        </div>
    }
}
