//! The header with its phone menu, the footer, and the not-found page.

use crate::ui::{SiteFeatures, live::LinkStatus, session::Session};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Header() -> impl IntoView {
    let features = expect_context::<SiteFeatures>();
    let session = Session::get();
    let open = RwSignal::new(false);
    let close = move |_| open.set(false);
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a href="/" class="brand">
                <img class="logo" src="/icon.svg" alt="" width="28" height="28" />
                "Curbside"
            </a>
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
            <nav id="site-nav" aria-label="Main" class:open=move || open.get()>
                <a href="/#how" on:click=close>"How it works"</a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let flags = features.get().await;
                        view! {
                            {flags.realtime_tracking.then(|| view! { <a href="/#tracking" on:click=close>"Live tracking"</a> })}
                            {flags.payments.then(|| view! { <a href="/#payments" on:click=close>"Payments"</a> })}
                        }
                    })}
                </Suspense>
                <a href="/#mechanics" on:click=close>"For mechanics"</a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.0.await {
                            Some(account) => view! {
                                <a href=account.role.home() class="nav-strong" on:click=close>
                                    {account.role.area_name()}
                                </a>
                                <a href="/account" on:click=close>"Account"</a>
                            }.into_any(),
                            None => view! {
                                <a href="/login" on:click=close>"Log in"</a>
                                <a href="/register" class="nav-strong" on:click=close>"Sign up"</a>
                            }.into_any(),
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
