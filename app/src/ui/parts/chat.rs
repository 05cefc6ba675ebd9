//! A job's conversations: the thread list (one per quoting mechanic for a
//! customer), and the chat panel with its bubbles, receipts, typing notice,
//! composer and report form. Rendered in the browser only, after hydration.

use crate::{
    api::chat::{mark_read, messages, report_conversation, send_message, typing, unread_counts},
    domain::{
        Account, AppError, JobId, Timestamp, UserId,
        chat::{self, Message, MessageKind, Segment, Thread, Unread},
        job::Actor,
    },
    ui::live::{ChatEvent, Live},
};
use leptos::{ev, html, prelude::*, task::spawn_local};

/// Where a job's conversations are and who may be talked to: set by the
/// job page from its view.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatPlace {
    pub job: JobId,
    pub viewer: Actor,
    /// The mechanics with a thread on this job (quoted or booked), and their names.
    pub mechanics: Vec<(UserId, String)>,
    pub booked: Option<UserId>,
}

/// A message as this page shows it: delivered, on its way, or failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub message: Message,
    pub delivery: Delivery,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Sending,
    Sent,
    /// Not stored; the reason, and the message keeps its id for the retry.
    Failed(String),
}

/// Puts a stored message in place: replaces the one with its id (a
/// pending send, or a repeat), else goes in `seq` order before any still
/// unsent. Keeps every id once.
pub fn merge(items: &mut Vec<Item>, message: Message) {
    items.retain(|i| i.message.id != message.id);
    let at = items
        .iter()
        .position(|i| i.delivery != Delivery::Sent || i.message.seq > message.seq)
        .unwrap_or(items.len());
    items.insert(
        at,
        Item {
            message,
            delivery: Delivery::Sent,
        },
    );
}

/// The words under one of the viewer's own messages.
pub fn receipt(delivery: &Delivery, seq: i64, read_to: i64) -> &'static str {
    match delivery {
        Delivery::Sending => "Sending…",
        Delivery::Failed(_) => "Not sent, tap to retry",
        Delivery::Sent if read_to >= seq => "Read",
        Delivery::Sent => "Sent",
    }
}

/// The job's conversations: tabs per mechanic where there are several,
/// then the chosen thread.
#[component]
pub fn Conversations(place: ChatPlace) -> impl IntoView {
    let me = expect_context::<Account>();
    let single = matches!(
        place.viewer,
        Actor::QuotingMechanic | Actor::AssignedMechanic
    );
    let first = if single {
        Some(me.id.clone())
    } else {
        place
            .booked
            .clone()
            .or_else(|| place.mechanics.first().map(|(id, _)| id.clone()))
    };
    let chosen = RwSignal::new(first);
    let admin = place.viewer == Actor::Admin;
    // An admin's read is recorded; it starts only when they ask.
    let opened = RwSignal::new(!admin);
    let tabs = (!single && place.mechanics.len() > 1).then(|| {
        place
            .mechanics
            .iter()
            .map(|(id, name)| {
                let (id, name) = (id.clone(), name.clone());
                let this = id.clone();
                view! {
                    <button
                        type="button"
                        class="chat-tab"
                        aria-pressed=move || (chosen.get().as_ref() == Some(&this)).to_string()
                        on:click=move |_| chosen.set(Some(id.clone()))
                    >
                        {name}
                    </button>
                }
            })
            .collect_view()
    });
    let job = place.job.clone();
    view! {
        <section class="chat" aria-label="Messages">
            <h2>"Messages"</h2>
            {tabs.map(|t| view! { <div class="chat-tabs" role="group" aria-label="Conversations">{t}</div> })}
            {move || match (opened.get(), chosen.get()) {
                (false, _) => view! {
                    <button type="button" class="button secondary" on:click=move |_| opened.set(true)>
                        "Read the conversation (recorded in the audit log)"
                    </button>
                }.into_any(),
                (true, Some(mechanic)) => view! {
                    <ChatPanel job=job.clone() mechanic read_only=admin />
                }.into_any(),
                (true, None) => view! {
                    <p class="hint">"No conversations yet."</p>
                }.into_any(),
            }}
        </section>
    }
}

/// A new message id: a random UUID from the browser.
fn new_message_id() -> String {
    #[cfg(feature = "browser")]
    {
        window()
            .crypto()
            .map(|c| c.random_uuid())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "browser"))]
    String::new()
}

/// One thread: its history, the composer and the report form.
#[component]
fn ChatPanel(job: JobId, mechanic: UserId, read_only: bool) -> impl IntoView {
    let me = expect_context::<Account>().id;
    let live = Live::get();
    let thread = RwSignal::new(None::<Thread>);
    let items = RwSignal::new(Vec::<Item>::new());
    let older = RwSignal::new(None::<i64>);
    let load_error = RwSignal::new(None::<String>);
    let loading_older = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let draft_error = RwSignal::new(None::<String>);
    let typing_shown = RwSignal::new(false);
    let typing_n = StoredValue::new(0_u64);
    let last_typing = StoredValue::new(Timestamp::EPOCH);
    let feed_read = StoredValue::new(live.chat.get_untracked().end());
    let list_ref = NodeRef::<html::Ol>::new();

    let job_s = job.to_string();
    let mechanic_s = mechanic.to_string();
    // Copied into every callback below (a StoredValue is Copy).
    let ids = StoredValue::new((job_s.clone(), mechanic_s.clone()));
    let me_sv = StoredValue::new(me.clone());
    // Tells the server the viewer has read up to the newest message from the other side.
    let read_newest = move || {
        if read_only {
            return;
        }
        let me_read = me_sv.get_value();
        let newest = items.with_untracked(|v| {
            v.iter()
                .rev()
                .find(|i| i.delivery == Delivery::Sent && i.message.sender != me_read)
                .map(|i| i.message.seq)
        });
        let read_to = thread.with_untracked(|t| t.as_ref().map_or(0, |t| t.read_by(&me_read)));
        if let Some(seq) = newest.filter(|s| *s > read_to) {
            thread.update(|t| {
                if let Some(t) = t {
                    if t.customer == me_read {
                        t.customer_read = seq;
                    } else {
                        t.mechanic_read = seq;
                    }
                }
            });
            let (j, m) = ids.get_value();
            spawn_local(async move {
                let _ = mark_read(j, Some(m), seq).await;
            });
        }
    };
    let scroll_to_end = move || {
        if let Some(list) = list_ref.get_untracked() {
            list.set_scroll_top(list.scroll_height());
        }
    };
    let load_newest = move || {
        let (j, m) = ids.get_value();
        spawn_local(async move {
            match messages(j, Some(m), None, None).await {
                Ok(page) => {
                    thread.set(Some(page.thread));
                    items.update(|v| {
                        for msg in page.messages {
                            merge(v, msg);
                        }
                    });
                    if older.get_untracked().is_none() {
                        older.set(page.older);
                    }
                    load_error.set(None);
                    read_newest();
                    request_animation_frame(scroll_to_end);
                }
                Err(e) => load_error.set(Some(e.to_string())),
            }
        });
    };
    load_newest();
    // A reset or a stream opened afresh may have missed messages: read them again.
    let refetch = load_newest;
    let heard = live.heard;
    Effect::new(move |previous: Option<u64>| {
        let h = heard.get();
        if previous.is_some_and(|p| p != h.n) && h.jobs.is_none() {
            refetch();
        }
        h.n
    });
    let (job_id, thread_mechanic, me_feed) = (job.clone(), mechanic.clone(), me.clone());
    Effect::new(move |_| {
        let feed = live.chat.get();
        let from = feed_read.get_value();
        feed_read.set_value(feed.end());
        let mut heard_new = false;
        for e in feed.since(from) {
            match e {
                ChatEvent::New(msg) if msg.job == job_id && msg.mechanic == thread_mechanic => {
                    items.update(|v| merge(v, msg.clone()));
                    if msg.sender != me_feed {
                        heard_new = true;
                        typing_shown.set(false);
                    }
                }
                ChatEvent::Read(r) if r.job == job_id && r.mechanic == thread_mechanic => {
                    thread.update(|t| {
                        if let Some(t) = t {
                            if r.reader == t.customer {
                                t.customer_read = t.customer_read.max(r.seq);
                            } else {
                                t.mechanic_read = t.mechanic_read.max(r.seq);
                            }
                        }
                    });
                }
                ChatEvent::Typing(t)
                    if t.job == job_id && t.mechanic == thread_mechanic && t.who != me_feed =>
                {
                    typing_shown.set(true);
                    let n = typing_n.get_value() + 1;
                    typing_n.set_value(n);
                    set_timeout(
                        move || {
                            if typing_n.get_value() == n {
                                typing_shown.set(false);
                            }
                        },
                        std::time::Duration::from_secs(4),
                    );
                }
                _ => {}
            }
        }
        if heard_new {
            read_newest();
            request_animation_frame(scroll_to_end);
        }
    });

    let load_older = move || {
        let Some(before) = older.get_untracked() else {
            return;
        };
        if loading_older.get_untracked() {
            return;
        }
        loading_older.set(true);
        let (j, m) = ids.get_value();
        spawn_local(async move {
            if let Ok(page) = messages(j, Some(m), Some(before), None).await {
                let height = list_ref.get_untracked().map(|l| l.scroll_height());
                items.update(|v| {
                    for msg in page.messages {
                        merge(v, msg);
                    }
                });
                older.set(page.older);
                // Keep the message the reader was looking at where it was.
                if let Some(h) = height {
                    request_animation_frame(move || {
                        if let Some(list) = list_ref.get_untracked() {
                            list.set_scroll_top(list.scroll_height() - h);
                        }
                    });
                }
            }
            loading_older.set(false);
        });
    };
    let on_scroll = {
        move |_| {
            if list_ref
                .get_untracked()
                .is_some_and(|l| l.scroll_top() < 40)
            {
                load_older();
            }
        }
    };

    let deliver = move |id: String, body: String| {
        let (j, m) = ids.get_value();
        spawn_local(async move {
            match send_message(j, Some(m), id.clone(), body).await {
                Ok(msg) => items.update(|v| merge(v, msg)),
                Err(e) => {
                    let why = match e {
                        AppError::Request { .. } => "No connection.".to_owned(),
                        e => e.to_string(),
                    };
                    items.update(|v| {
                        if let Some(i) = v.iter_mut().find(|i| i.message.id == id) {
                            i.delivery = Delivery::Failed(why.clone());
                        }
                    });
                }
            }
        });
    };
    let (job_for_send, mech_for_send, me_send) = (job.clone(), mechanic.clone(), me.clone());
    let submit = {
        move || {
            let body = match chat::parse_body(&draft.get_untracked()) {
                Ok(b) => b,
                Err(e) => {
                    draft_error.set(Some(e.to_string()));
                    return;
                }
            };
            draft_error.set(None);
            let id = new_message_id();
            items.update(|v| {
                v.push(Item {
                    message: Message {
                        id: id.clone(),
                        job: job_for_send.clone(),
                        mechanic: mech_for_send.clone(),
                        sender: me_send.clone(),
                        kind: MessageKind::Text,
                        body: body.clone(),
                        media: None,
                        seq: i64::MAX,
                        sent_at: Timestamp::now(),
                    },
                    delivery: Delivery::Sending,
                })
            });
            draft.set(String::new());
            request_animation_frame(scroll_to_end);
            deliver(id, body);
        }
    };
    let retry = move |id: String| {
        let body = items.with_untracked(|v| {
            v.iter()
                .find(|i| i.message.id == id)
                .map(|i| i.message.body.clone())
        });
        if let Some(body) = body {
            items.update(|v| {
                if let Some(i) = v.iter_mut().find(|i| i.message.id == id) {
                    i.delivery = Delivery::Sending;
                }
            });
            deliver(id, body);
        }
    };
    let on_input = move |ev: ev::Event| {
        draft.set(event_target_value(&ev));
        let now = Timestamp::now();
        if now - last_typing.get_value() >= chat::TYPING_EVERY_MS {
            last_typing.set_value(now);
            let (j, m) = ids.get_value();
            spawn_local(async move {
                let _ = typing(j, Some(m)).await;
            });
        }
    };
    let submit_key = submit.clone();
    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() && fine_pointer() {
            ev.prevent_default();
            submit_key();
        }
    };
    let submit_form = submit.clone();

    let me_view = me.clone();
    let rows = move || {
        let read_to = thread.with(|t| t.as_ref().map_or(0, |t| t.read_by_other(&me_view)));
        let offset = Timestamp::now().offset_here();
        let mut day = String::new();
        items.with(|v| {
            v.iter()
                .map(|i| {
                    let this_day = i.message.sent_at.format_day_at(offset);
                    let separator = (this_day != day).then(|| {
                        day = this_day.clone();
                        view! { <li class="chat-day">{this_day}</li> }
                    });
                    let mine = i.message.sender == me_view;
                    let id = i.message.id.clone();
                    let status = mine.then(|| match &i.delivery {
                        Delivery::Failed(why) => view! {
                            <button type="button" class="chat-retry" title=why.clone() on:click=move |_| retry(id.clone())>
                                {receipt(&i.delivery, i.message.seq, read_to)}
                            </button>
                        }.into_any(),
                        d => view! { <span class="chat-receipt">{receipt(d, i.message.seq, read_to)}</span> }.into_any(),
                    });
                    let failed_reason = match &i.delivery {
                        Delivery::Failed(why) => Some(view! { <span class="chat-why">{why.clone()}</span> }),
                        _ => None,
                    };
                    view! {
                        {separator}
                        <li class="chat-msg" class:mine=mine data-id=i.message.id.clone()>
                            <p class="chat-body">{body_view(&i.message.body)}</p>
                            <span class="chat-meta">
                                <time datetime=i.message.sent_at.format_iso_minutes()>
                                    {i.message.sent_at.format_clock_at(offset)}
                                </time>
                                {status}
                            </span>
                            {failed_reason}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let other_name = move || {
        let me = me_sv.get_value();
        thread.with(|t| {
            t.as_ref().map(|t| {
                if t.customer == me {
                    t.mechanic_name.clone()
                } else {
                    t.customer_name.clone()
                }
            })
        })
    };
    let count = move || draft.with(|d| d.trim().chars().count());
    view! {
        <div class="chat-panel">
            {move || load_error.get().map(|e| view! { <p class="form-error">{e}</p> })}
            <ol class="chat-list" node_ref=list_ref on:scroll=on_scroll aria-live="polite">
                {move || older.get().map(|_| {
                                        view! {
                        <li class="chat-older">
                            <button type="button" class="link" on:click=move |_| load_older() disabled=move || loading_older.get()>
                                "Load older messages"
                            </button>
                        </li>
                    }
                })}
                {rows}
                {move || (thread.with(|t| t.is_some()) && items.with(|v| v.is_empty())).then(|| view! {
                    <li class="chat-empty hint">
                        {if read_only { "No messages in this conversation." } else { "No messages yet. Ask about the quote, the car or the time." }}
                    </li>
                })}
            </ol>
            <p class="chat-typing" role="status">
                {move || typing_shown.get().then(|| format!("{} is typing…", other_name().unwrap_or_default()))}
            </p>
            {move || thread.get().and_then(|t| t.closed).map(|why| view! {
                <p class="banner chat-closed" role="status">{why}</p>
            })}
            {move || {
                let open = thread.with(|t| t.as_ref().is_some_and(|t| t.closed.is_none()));
                let submit_form = submit_form.clone();
                                let on_keydown = on_keydown.clone();
                (open && !read_only).then(|| view! {
                    <form class="chat-compose" on:submit=move |ev: ev::SubmitEvent| { ev.prevent_default(); submit_form(); }>
                        <label class="visually-hidden" for="chat-draft">"Message"</label>
                        <textarea
                            id="chat-draft"
                            name="body"
                            rows="1"
                            maxlength=chat::BODY_MAX.to_string()
                            placeholder=move || format!("Message {}", other_name().unwrap_or_default())
                            prop:value=move || draft.get()
                            on:input=on_input
                            on:keydown=on_keydown
                        ></textarea>
                        <button type="submit" class="button">"Send"</button>
                        <span class="chat-count" class:near=move || { count() > chat::BODY_MAX - 200 }>
                            {move || format!("{} / 2000", count())}
                        </span>
                        {move || draft_error.get().map(|e| view! { <span class="form-error">{e}</span> })}
                    </form>
                })
            }}
            {(!read_only).then(|| view! { <ReportForm job=job_s.clone() mechanic=mechanic_s.clone() thread /> })}
        </div>
    }
}

/// Whether the main pointer is a mouse: Enter sends there, and adds a
/// line on a phone's keyboard.
fn fine_pointer() -> bool {
    #[cfg(feature = "browser")]
    {
        window()
            .match_media("(pointer: fine)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches())
    }
    #[cfg(not(feature = "browser"))]
    false
}

/// A message's text: always text nodes, never parsed as HTML; http(s)
/// addresses become links that open in a new tab.
fn body_view(body: &str) -> impl IntoView + use<> {
    chat::segments(body)
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => t.to_owned().into_any(),
            Segment::Link(href) => view! {
                <a href=href.to_owned() target="_blank" rel="noopener noreferrer nofollow">{href.to_owned()}</a>
            }
            .into_any(),
        })
        .collect_view()
}

/// "Report this conversation": a reason, then the other side can no longer write.
#[component]
fn ReportForm(job: String, mechanic: String, thread: RwSignal<Option<Thread>>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let send = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let (j, m, r) = (job.clone(), mechanic.clone(), reason.get_untracked());
        spawn_local(async move {
            match report_conversation(j.clone(), Some(m.clone()), r).await {
                Ok(()) => {
                    outcome.set(Some(Ok(())));
                    if let Ok(page) = messages(j, Some(m), None, Some(1)).await {
                        thread.set(Some(page.thread));
                    }
                }
                Err(e) => outcome.set(Some(Err(e.to_string()))),
            }
        });
    };
    view! {
        <details class="chat-report">
            <summary>"Report this conversation"</summary>
            {move || match outcome.get() {
                Some(Ok(())) => view! {
                    <p role="status">"Reported. Our team will read this conversation; the other person can no longer message you here."</p>
                }.into_any(),
                other => view! {
                    <form on:submit=send.clone()>
                        <label for="chat-report-reason">"What happened?"</label>
                        <textarea id="chat-report-reason" name="reason" rows="2" maxlength="500"
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                        {other.and_then(Result::err).map(|e| view! { <p class="form-error">{e}</p> })}
                        <button type="submit" class="button danger">"Report"</button>
                    </form>
                }.into_any(),
            }}
        </details>
    }
}

/// The signed-in user's unread messages, kept current from the stream:
/// the navigation's badge and the job lists read it.
#[derive(Clone, Copy)]
pub struct UnreadCounts(pub RwSignal<Unread>);

impl UnreadCounts {
    /// Provides the counts and, in the browser, fetches them when someone
    /// signs in and again when a message arrives or the viewer reads one.
    pub fn provide() {
        let counts = UnreadCounts(RwSignal::new(Unread::default()));
        provide_context(counts);
        let live = Live::get();
        let session = crate::ui::session::Session::get();
        let read_from = StoredValue::new(0_usize);
        Effect::new(move |_| {
            let Some(Some(account)) = session.0.get() else {
                return;
            };
            let feed = live.chat.get();
            let from = read_from.get_value();
            read_from.set_value(feed.end());
            let first = from == 0;
            let changed = feed.since(from).iter().any(|e| match e {
                ChatEvent::New(m) => m.sender != account.id,
                ChatEvent::Read(r) => r.reader == account.id,
                ChatEvent::Typing(_) => false,
            });
            if first || changed {
                spawn_local(async move {
                    if let Ok(u) = unread_counts().await {
                        counts.0.set(u);
                    }
                });
            }
        });
    }
}

/// The count of unread messages, everywhere or on one job; nothing when none.
#[component]
pub fn UnreadBadge(#[prop(optional, into)] job: Option<String>) -> impl IntoView {
    let counts = use_context::<UnreadCounts>();
    let mounted = crate::ui::ready::mounted();
    let n = move || {
        if !mounted.get() {
            return 0;
        }
        counts.map_or(0, |c| {
            c.0.with(|u| match &job {
                Some(j) => u.of_job(j),
                None => u.total,
            })
        })
    };
    move || {
        let n = n();
        (n > 0).then(|| {
            let label = if n == 1 {
                "1 unread message".to_owned()
            } else {
                format!("{n} unread messages")
            };
            view! { <span class="unread" aria-label=label.clone() title=label>{n}</span> }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, seq: i64) -> Message {
        Message {
            id: id.into(),
            job: "j".into(),
            mechanic: "m".into(),
            sender: "c".into(),
            kind: MessageKind::Text,
            body: id.into(),
            media: None,
            seq,
            sent_at: Timestamp::EPOCH,
        }
    }

    fn ids(items: &[Item]) -> Vec<&str> {
        items.iter().map(|i| i.message.id.as_str()).collect()
    }

    #[test]
    fn a_message_lands_once_in_order_and_before_unsent_ones() {
        let mut v = Vec::new();
        merge(&mut v, msg("b", 2));
        merge(&mut v, msg("a", 1));
        v.push(Item {
            message: msg("p", i64::MAX),
            delivery: Delivery::Sending,
        });
        merge(&mut v, msg("c", 3));
        assert_eq!(ids(&v), ["a", "b", "c", "p"]);
        merge(&mut v, msg("b", 2));
        assert_eq!(ids(&v), ["a", "b", "c", "p"], "a replay changes nothing");
        merge(&mut v, msg("p", 4));
        assert_eq!(ids(&v), ["a", "b", "c", "p"]);
        assert_eq!(v[3].delivery, Delivery::Sent, "the pending one is now sent");
        assert_eq!(v[3].message.seq, 4);
    }

    #[test]
    fn receipts_say_sending_sent_read_or_retry() {
        assert_eq!(receipt(&Delivery::Sending, i64::MAX, 9), "Sending…");
        assert_eq!(receipt(&Delivery::Sent, 5, 4), "Sent");
        assert_eq!(receipt(&Delivery::Sent, 5, 5), "Read");
        assert_eq!(
            receipt(&Delivery::Failed("x".into()), i64::MAX, 0),
            "Not sent, tap to retry"
        );
    }
}
