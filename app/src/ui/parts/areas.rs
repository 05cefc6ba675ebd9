//! The greeting every area opens with.

use crate::domain::Account;
use leptos::prelude::*;

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
