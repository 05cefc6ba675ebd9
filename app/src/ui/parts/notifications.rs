//! The header's bell: the signed-in user's unread notifications, kept
//! current from the stream (`notification:new`) and by the centre's page.

use crate::{
    api::notifications::notifications,
    domain::NotificationId,
    ui::live::{ChatEvent, Live},
};
use leptos::{prelude::*, task::spawn_local};

/// Unread notifications of the signed-in user.
#[derive(Clone, Copy)]
pub struct NotificationCount(pub RwSignal<i64>);

impl NotificationCount {
    /// Provides the count and, in the browser, fetches it when someone
    /// signs in and again whenever a notification for them arrives.
    pub fn provide() {
        let count = NotificationCount(RwSignal::new(0));
        provide_context(count);
        let live = Live::get();
        let session = crate::ui::session::Session::get();
        let read_from = StoredValue::new(0_usize);
        let seen_notice = StoredValue::new(None::<NotificationId>);
        let started = StoredValue::new(false);
        Effect::new(move |_| {
            let Some(Some(account)) = session.0.get() else {
                return;
            };
            let first = !started.get_value();
            started.set_value(true);
            // Admins' streams see every notification: count only one's own.
            let notice = live.notice.get();
            let new_notice = notice.as_ref().is_some_and(|n| {
                n.user == account.id
                    && seen_notice.with_value(|s| s.as_deref() != Some(n.notification.id.as_str()))
            });
            if let Some(n) = notice {
                seen_notice.set_value(Some(n.notification.id));
            }
            // Reading a chat reads its "new message" notifications too.
            let feed = live.chat.get();
            let from = read_from.get_value();
            read_from.set_value(feed.end());
            let read_chat = feed
                .since(from)
                .iter()
                .any(|e| matches!(e, ChatEvent::Read(r) if r.reader == account.id));
            if first || new_notice || read_chat {
                spawn_local(async move {
                    if let Ok(page) = notifications().await {
                        count.0.set(page.unread);
                    }
                });
            }
        });
    }

    pub fn get() -> Option<Self> {
        use_context()
    }
}

/// The bell that opens the notification centre, with the unread count.
#[component]
pub fn Bell(#[prop(into)] on_click: Callback<()>) -> impl IntoView {
    let count = NotificationCount::get();
    let mounted = crate::ui::ready::mounted();
    let n = move || {
        if mounted.get() {
            count.map_or(0, |c| c.0.get())
        } else {
            0
        }
    };
    let label = move || match n() {
        0 => "Notifications".to_owned(),
        1 => "Notifications, 1 unread".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <a href="/notifications" class="bell" aria-label=label title=label on:click=move |_| on_click.run(())>
            <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
                <path
                    fill="currentColor"
                    d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"
                />
            </svg>
            {move || (n() > 0).then(|| view! { <span class="unread" data-testid="bell-count">{n()}</span> })}
        </a>
    }
}
