//! The header with its phone menu, the footer, and the not-found page.

use crate::{
    domain::Role,
    ui::{
        SiteFeatures,
        live::LinkStatus,
        parts::{chat::UnreadBadge, notifications::Bell},
        session::Session,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// The admin console's payments, listed while card payments are on.
const PAYMENTS: &str = "/admin/payments";
/// Reported conversations, listed while messaging is on.
const REPORTS: &str = "/admin/reports";

/// What a signed-in user's header offers: their area's pages, then their account.
fn area_links(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Customer => &[
            ("/customer", "My jobs"),
            ("/customer/request", "Ask for a mechanic"),
            ("/customer/garage", "Garage"),
            ("/account", "Account"),
        ],
        Role::Mechanic => &[
            ("/mechanic", "Dashboard"),
            ("/mechanic/profile", "Profile"),
            ("/account", "Account"),
        ],
        Role::Admin => &[
            ("/admin", "Overview"),
            ("/admin/users", "Users"),
            ("/admin/jobs", "Jobs"),
            ("/admin/map", "Live map"),
            (PAYMENTS, "Payments"),
            (REPORTS, "Reports"),
            ("/admin/audit", "Audit log"),
            ("/account", "Account"),
        ],
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let features = expect_context::<SiteFeatures>();
    let session = Session::get();
    let open = RwSignal::new(false);
    let close = move |_| open.set(false);
    let location = use_location();
    // An area's home is current only on itself; its other links on every page below them.
    let here = move |href: &str| {
        let path = location.pathname.get();
        if Role::ALL.iter().any(|r| r.home() == href) {
            path == href
        } else {
            path.starts_with(href)
        }
    };
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a href="/" class="brand">
                <img class="logo" src="/icon.svg" alt="" width="28" height="28" />
                "Curbside"
            </a>
            <div class="topbar-actions">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        session.0.await.map(|_| view! { <Bell on_click=move |_| open.set(false) /> })
                    })}
                </Suspense>
                <button
                    type="button"
                    class="menu-toggle"
                    aria-controls="site-nav"
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    <span class="bars" aria-hidden="true"></span>
                    "Menu"
                </button>
            </div>
            <nav id="site-nav" aria-label="Main" class:open=move || open.get()>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.0.await {
                            Some(account) => {
                                let flags = features.get().await;
                                area_links(account.role)
                                    .iter()
                                    .filter(|(href, _)| flags.payments || *href != PAYMENTS)
                                    .filter(|(href, _)| flags.messaging || *href != REPORTS)
                                    .map(|&(href, label)| {
                                        view! {
                                            <a
                                                href=href
                                                aria-current=move || here(href).then_some("page")
                                                on:click=close
                                            >
                                                {label}
                                                {(href == account.role.home()).then(|| view! { <UnreadBadge /> })}
                                            </a>
                                        }
                                    })
                                    .collect_view()
                                    .into_any()
                            }
                            None => {
                                let tracking = features.get().await.realtime_tracking;
                                view! {
                                    <a href="/#how" on:click=close>"How it works"</a>
                                    {tracking.then(|| view! { <a href="/#tracking" on:click=close>"Live tracking"</a> })}
                                    <a href="/#mechanics" on:click=close>"For mechanics"</a>
                                    <a href="/login" on:click=close>"Log in"</a>
                                    <a href="/register" class="nav-strong" on:click=close>"Sign up"</a>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Suspense>
            </nav>
        </header>
        <LinkStatus />
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="footer">
            <p>"Curbside · mobile mechanics who come to you"</p>
        </footer>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="page narrow">
            <h1>"Page not found"</h1>
            <p>"That page does not exist. " <a href="/">"Go to the start page"</a> "."</p>
        </section>
    }
}
