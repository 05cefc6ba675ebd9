//! The notification centre (`/notifications`): what happened, newest first.

use crate::{
    api::notifications::{notifications, read_all_notifications, read_notification},
    domain::{AppError, notification::Notification},
    ui::{
        json,
        live::Live,
        parts::{forms::FormError, local_time::LocalTime, notifications::NotificationCount},
        session::RequireSignIn,
    },
};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Title text="Notifications" />
        <section class="page narrow">
            <RequireSignIn>
                <Centre />
            </RequireSignIn>
        </section>
    }
}

#[component]
fn Centre() -> impl IntoView {
    let live = Live::get();
    let count = NotificationCount::get();
    // Bumped after marking read here; the stream bumps `live.notice`.
    let version = RwSignal::new(0_u32);
    let page = json::load(
        move || {
            (
                live.notice
                    .with(|n| n.as_ref().map(|n| n.notification.id.clone())),
                version.get(),
            )
        },
        |_| notifications(),
    );
    let error = RwSignal::new(None::<AppError>);
    let navigate = use_navigate();
    let open = Callback::new(move |n: Notification| {
        let navigate = navigate.clone();
        spawn_local(async move {
            if !n.read
                && let Ok(unread) = read_notification(n.id.clone()).await
                && let Some(c) = count
            {
                c.0.set(unread);
            }
            navigate(&n.link, Default::default());
        });
    });
    let read_all = move |_| {
        spawn_local(async move {
            match read_all_notifications().await {
                Ok(unread) => {
                    if let Some(c) = count {
                        c.0.set(unread);
                    }
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <div class="heading-row">
            <h1>"Notifications"</h1>
            <button type="button" class="button secondary" on:click=read_all>"Mark all read"</button>
        </div>
        <FormError error=error.into() />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) if p.items.is_empty() => view! {
                        <p class="empty">"Nothing yet. Quotes, bookings and your mechanic's progress show up here."</p>
                    }
                    .into_any(),
                    Ok(p) => view! {
                        <ul class="notices" aria-label="Notifications">
                            {p.items.into_iter().map(|n| view! { <Entry n open /> }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <p class="hint">
            "Choose what reaches your phone in " <a href="/account#notifications">"your account"</a> "."
        </p>
    }
}

#[component]
fn Entry(n: Notification, open: Callback<Notification>) -> impl IntoView {
    let unread = !n.read;
    let (title, body, at, link) = (
        n.title.clone(),
        n.body.clone(),
        n.created_at,
        n.link.clone(),
    );
    let kind = n.kind.as_str();
    view! {
        <li class="notice-entry" class:unread-entry=unread data-kind=kind>
            <a
                href=link
                on:click=move |e| {
                    e.prevent_default();
                    open.run(n.clone());
                }
            >
                <strong>{title}</strong>
                {unread.then(|| view! { <span class="visually-hidden">" (unread)"</span> })}
                <span class="notice-body">{body}</span>
                <LocalTime at />
            </a>
        </li>
    }
}
