//! The browser entry point: hydrates the server-rendered page.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The lazy variant: the admin console's and the mechanic's pages are
    // separate wasm pieces (`--split`), loaded before their page hydrates.
    leptos::mount::hydrate_lazy(app::App);
}
