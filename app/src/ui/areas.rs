//! The customer's home page, and the greeting every area opens with.

use crate::{domain::Account, ui::session::RequireSignIn};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CustomerHome() -> impl IntoView {
    view! {
        <Title text="My jobs" />
        <RequireSignIn>
            <Greeting />
            <section class="empty">
                <h2>"No jobs yet"</h2>
                <p>"When you ask for a mechanic, your jobs, their quotes and each mechanic's progress will appear here."</p>
                <p class="hint">"Booking opens soon."</p>
            </section>
        </RequireSignIn>
    }
}

#[component]
pub fn Greeting() -> impl IntoView {
    let account = expect_context::<Account>();
    view! {
        <div class="greeting">
            <h1>"Hello, " {account.name}</h1>
            <a href="/account">"My account"</a>
        </div>
    }
}
