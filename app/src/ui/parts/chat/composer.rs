//! The message box under a thread.

use super::panel::Panel;
use crate::{
    api::chat::typing,
    domain::{Timestamp, chat},
};
use leptos::{ev, prelude::*, task::spawn_local};

/// The message box: Enter sends with a mouse (a phone's keyboard adds a
/// line), the count of characters left, and a typing notice at most every
/// few seconds.
#[component]
pub(super) fn Composer(panel: Panel) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let draft_error = RwSignal::new(None::<String>);
    let last_typing = StoredValue::new(Timestamp::EPOCH);
    let submit = move || match chat::parse_body(&draft.get_untracked()) {
        Ok(body) => {
            draft_error.set(None);
            draft.set(String::new());
            panel.send(body);
        }
        Err(e) => draft_error.set(Some(e.to_string())),
    };
    let on_input = move |ev: ev::Event| {
        draft.set(event_target_value(&ev));
        let now = Timestamp::now();
        if now - last_typing.get_value() >= chat::TYPING_EVERY_MS {
            last_typing.set_value(now);
            let (j, m) = panel.ids();
            spawn_local(async move {
                let _ = typing(j, Some(m)).await;
            });
        }
    };
    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() && fine_pointer() {
            ev.prevent_default();
            submit();
        }
    };
    let count = move || draft.with(|d| d.trim().chars().count());
    view! {
        <form class="chat-compose" on:submit=move |ev: ev::SubmitEvent| { ev.prevent_default(); submit(); }>
            <label class="visually-hidden" for="chat-draft">"Message"</label>
            <textarea
                id="chat-draft"
                name="body"
                rows="1"
                maxlength=chat::BODY_MAX.to_string()
                placeholder=move || format!("Message {}", panel.other_name().unwrap_or_default())
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
