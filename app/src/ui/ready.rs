//! When the page in front of the user is interactive: the app has hydrated
//! and so has the page's own lazily loaded piece, which arrives later.
//! `<body data-hydrated="true">` says so; browser tests wait for it before
//! they tap anything.

#[cfg(feature = "browser")]
use std::cell::Cell;

#[cfg(feature = "browser")]
thread_local! {
    static APP_READY: Cell<bool> = const { Cell::new(false) };
    static PAGES_LOADING: Cell<u32> = const { Cell::new(0) };
}

/// The app's own effects have run (called from an effect in `App`).
pub fn app_hydrated() {
    #[cfg(feature = "browser")]
    {
        APP_READY.set(true);
        mark_if_ready();
    }
}

/// A lazy page was matched; its piece is loading.
pub fn page_loading() {
    #[cfg(feature = "browser")]
    PAGES_LOADING.set(PAGES_LOADING.get() + 1);
}

/// A lazy page's view exists; call from an effect so that it has hydrated.
pub fn page_ready() {
    #[cfg(feature = "browser")]
    {
        PAGES_LOADING.set(PAGES_LOADING.get().saturating_sub(1));
        mark_if_ready();
    }
}

#[cfg(feature = "browser")]
fn mark_if_ready() {
    if APP_READY.get()
        && PAGES_LOADING.get() == 0
        && let Some(body) = leptos::prelude::document().body()
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// False while the calling component is drawn (on the server, and while it
/// hydrates), true once it is in the page. For what only the browser knows,
/// such as counts it fetched: the server drew nothing there, and a part
/// hydrating after the browser learned them (inside a Suspense) must find
/// the same nothing, or hydration fails.
pub fn mounted() -> leptos::prelude::Signal<bool> {
    use leptos::prelude::*;
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    mounted.into()
}
