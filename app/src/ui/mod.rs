//! Components and pages: the HTML shell, the router, and the site-wide context.
//! `pages/` holds what each route shows, `parts/` what pages are built from.

mod descriptors;
mod json;
mod layout;
pub mod live;
mod pages;
mod parts;
mod ready;
pub mod session;

use crate::{api::site::site_config, domain::FeatureFlags};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy,
    components::{Route, Router, Routes},
    path,
};
use pages::lazy;

/// The features this installation has switched on, fetched once per page load.
#[derive(Clone, Copy)]
pub struct SiteFeatures(pub json::Loaded<Result<FeatureFlags, ServerFnError>>);

impl SiteFeatures {
    /// Waits for the flags; when the server cannot say, optional features stay hidden.
    pub async fn get(self) -> FeatureFlags {
        self.0.await.unwrap_or_else(|_| FeatureFlags::none())
    }
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::backend::policy::apply_to_page();
    // Read before the page's data: the stream resumes from here.
    #[cfg(feature = "ssr")]
    let live_from = crate::api::events::page_cursor();
    #[cfg(not(feature = "ssr"))]
    let live_from: Option<i64> = None;
    #[cfg(feature = "ssr")]
    let (css, start) = use_context::<crate::backend::AppState>()
        .map(|s| (s.assets.css.clone(), s.assets.start_script().to_owned()))
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let (css, start) = (String::new(), String::new());
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover, interactive-widget=resizes-content" />
                <AutoReload options />
                // Instead of leptos's HydrationScripts: the bundle is fetched once
                // the page has painted (see BuildAssets::start_script).
                <script type="module" nonce=nonce>{start}</script>
                // `id="leptos"`: where `cargo leptos watch` swaps in new CSS.
                <link rel="stylesheet" id="leptos" href=css />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" href="/icon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon-180.png" />
                <meta name="theme-color" content="#0f766e" />
                <meta name="description" content="Curbside: a vetted mobile mechanic comes to you." />
                // The service worker, the "Updated" notice and the iPhone install guide.
                <script type="module" src="/pwa.js"></script>
                {live_from.map(|n| view! { <meta name="live-from" content=n.to_string() /> })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(SiteFeatures(json::load(|| (), |_| site_config())));
    session::Session::provide();
    live::Live::provide();
    parts::chat::UnreadCounts::provide();
    parts::notifications::NotificationCount::provide();
    parts::local_time::LocalClock::provide();

    descriptors::keep_in_main();

    // Effects run only in the browser, after hydration.
    Effect::new(|_| {
        ready::app_hydrated();
        parts::local_time::LocalClock::start();
    });

    view! {
        <Title formatter=|t: String| if t.is_empty() { "Curbside".to_owned() } else { format!("{t} · Curbside") } />
        <Router>
            <layout::Header />
            <main id="main">
                <Routes fallback=layout::NotFound>
                    <Route path=path!("/") view=pages::landing::Landing />
                    <Route path=path!("/login") view=pages::auth::LoginPage />
                    <Route path=path!("/register") view={Lazy::<lazy::Public>::new()} />
                    <Route path=path!("/account") view={Lazy::<lazy::Me>::new()} />
                    <Route path=path!("/notifications") view={Lazy::<lazy::Me>::new()} />
                    <Route path=path!("/customer") view={Lazy::<lazy::Customer>::new()} />
                    <Route path=path!("/customer/request") view={Lazy::<lazy::Customer>::new()} />
                    <Route path=path!("/customer/garage") view={Lazy::<lazy::Customer>::new()} />
                    <Route path=path!("/customer/jobs/:id") view={Lazy::<lazy::Customer>::new()} />
                    <Route path=path!("/mechanic") view={Lazy::<lazy::Mechanic>::new()} />
                    <Route path=path!("/mechanic/jobs/:id") view={Lazy::<lazy::Mechanic>::new()} />
                    <Route path=path!("/mechanic/profile") view={Lazy::<lazy::Mechanic>::new()} />
                    <Route path=path!("/admin") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/users") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/users/:id") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/audit") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/jobs") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/map") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/payments") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/payments/:id") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/reports") view={Lazy::<lazy::Console>::new()} />
                    <Route path=path!("/admin/jobs/:id") view={Lazy::<lazy::Console>::new()} />
                </Routes>
            </main>
            <layout::Footer />
        </Router>
    }
}
