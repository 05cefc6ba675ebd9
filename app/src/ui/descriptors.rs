//! Keeps every JS callback and cast type that lazily loaded code uses in the
//! main wasm.
//!
//! wasm-bindgen describes each callback type (`Closure<dyn FnMut(Event)>`)
//! and each Rust-to-JS cast (`JsValue::from(f64)`) with a descriptor
//! function, one per type, that it finds, interprets and rewrites in the
//! wasm. cargo-leptos runs it on the main wasm only, after the splitter has
//! taken the lazy pieces out: a type used only by lazy code has its
//! descriptor in a piece, where it is never rewritten, and its descriptor
//! imports stay in the main wasm, which then fails to instantiate on every
//! page. Naming the type here puts its one descriptor in the main wasm,
//! which the pieces call. The bodies behind it stay in their pieces.
//!
//! `scripts/check-split.mjs` (run by `make test`) fails the build when a
//! piece holds a descriptor, and says which type to add.

/// Called once from the app; never runs the code it names.
pub fn keep_in_main() {
    #[cfg(feature = "hydrate")]
    if std::hint::black_box(false) {
        keep();
    }
}

#[cfg(feature = "hydrate")]
#[inline(never)]
fn keep() {
    use wasm_bindgen::{JsValue, closure::Closure};
    use web_sys::ProgressEvent;

    // The map's tile-load and click callbacks (leaflet's `on_mouse_click`).
    Closure::<dyn Fn(JsValue)>::new(|_| {}).forget();
    Closure::<dyn Fn(leaflet::MouseEvent)>::wrap(Box::new(|_| {})).forget();
    // The photo upload's progress.
    Closure::<dyn FnMut(ProgressEvent)>::new(|_| {}).forget();
    // The location socket's open and close.
    Closure::<dyn FnMut()>::new(|| {}).forget();
    // Timers: the job page's ticking clock (and tachys' microtasks, which
    // share its instance of the same callback type).
    let _ = leptos::prelude::set_interval_with_handle(|| {}, std::time::Duration::ZERO);
    // Numbers handed to JS (the map's coordinates).
    std::hint::black_box(JsValue::from(std::hint::black_box(0.0_f64)));
}
