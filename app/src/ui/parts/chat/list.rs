//! A thread's history as the panel shows it.

use super::{Delivery, panel::Panel, receipt};
use crate::domain::{
    Timestamp,
    chat::{self, Segment},
};
use leptos::prelude::*;

/// The history: a day line between days, the viewer's own messages with
/// their receipts (a failed one is its own retry button).
#[component]
pub(super) fn MessageList(panel: Panel) -> impl IntoView {
    let Panel {
        items,
        thread,
        older,
        loading_older,
        list_ref,
        read_only,
        ..
    } = panel;
    let me = panel.me.get_value();
    let rows = move || {
        let read_to = thread.with(|t| t.as_ref().map_or(0, |t| t.read_by_other(&me)));
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
                    let mine = i.message.sender == me;
                    let id = i.message.id.clone();
                    let status = mine.then(|| match &i.delivery {
                        Delivery::Failed(why) => view! {
                            <button type="button" class="chat-retry" title=why.clone() on:click=move |_| panel.retry(id.clone())>
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
                        <li class="chat-msg" class:mine=mine data-id=i.message.id.to_string()>
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
    let on_scroll = move |_| {
        if list_ref
            .get_untracked()
            .is_some_and(|l| l.scroll_top() < 40)
        {
            panel.load_older();
        }
    };
    view! {
        <ol class="chat-list" node_ref=list_ref on:scroll=on_scroll aria-live="polite">
            {move || older.get().map(|_| {
                view! {
                    <li class="chat-older">
                        <button type="button" class="link" on:click=move |_| panel.load_older() disabled=move || loading_older.get()>
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
    }
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
