//! A job's conversations: the thread list (one per quoting mechanic for a
//! customer), the chat panel (`panel.rs`: bubbles, receipts, typing notice,
//! composer), the report form and the unread counts. Rendered in the
//! browser only, after hydration.

mod composer;
mod list;
mod panel;

use panel::ChatPanel;

use crate::{
    api::chat::{messages, report_conversation, unread_counts},
    domain::{
        Account, JobId, UserId,
        chat::{Message, Thread, Unread},
        job::Actor,
    },
    ui::live::{ChatEvent, Live},
};
use leptos::{ev, prelude::*, task::spawn_local};

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

/// "Report this conversation": a reason, then the other side can no longer write.
#[component]
fn ReportForm(job: JobId, mechanic: UserId, thread: RwSignal<Option<Thread>>) -> impl IntoView {
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
    use crate::domain::{Timestamp, chat::MessageKind};

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
