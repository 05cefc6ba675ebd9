//! `trunk serve` (Trunk.toml): the app rendered in the browser alone, talking
//! to a running server's API through Trunk's proxy. For UI work; what users
//! get is the server-rendered, hydrated app (`src/lib.rs`).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
