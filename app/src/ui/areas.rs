//! The home of each role's area: `/customer`, `/mechanic`, `/admin`.

use crate::{
    api::admin::admin_overview,
    domain::{Account, AccountStatus},
    ui::session::RequireSignIn,
};
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
pub fn MechanicHome() -> impl IntoView {
    view! {
        <Title text="Mechanic dashboard" />
        <RequireSignIn>
            <Greeting />
            <ApprovalState />
            <section class="empty">
                <h2>"No jobs yet"</h2>
                <p>"Open jobs near you will appear here once your account is approved."</p>
            </section>
        </RequireSignIn>
    }
}

#[component]
pub fn AdminHome() -> impl IntoView {
    let overview = Resource::new(|| (), |_| admin_overview());
    view! {
        <Title text="Admin console" />
        <RequireSignIn>
            <Greeting />
            <h2>"Accounts"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! {
                            <ul class="stats">
                                <li><strong>{o.customers}</strong>" customers"</li>
                                <li><strong>{o.mechanics}</strong>" mechanics"</li>
                                <li><strong>{o.mechanics_pending}</strong>" mechanics awaiting approval"</li>
                                <li><strong>{o.suspended}</strong>" suspended"</li>
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <section class="empty">
                <h2>"No live jobs"</h2>
                <p>"Jobs in progress will be listed here, with every mechanic on a map."</p>
            </section>
        </RequireSignIn>
    }
}

#[component]
fn Greeting() -> impl IntoView {
    let account = expect_context::<Account>();
    view! {
        <div class="greeting">
            <h1>"Hello, " {account.name}</h1>
            <a href="/account">"My account"</a>
        </div>
    }
}

#[component]
fn ApprovalState() -> impl IntoView {
    let account = expect_context::<Account>();
    match account.status {
        AccountStatus::PendingApproval => view! {
            <p class="banner pending" role="status">
                <strong>"Your account is pending approval."</strong>
                " Someone on our team will review your details. You can quote for jobs once you are approved."
            </p>
        }
        .into_any(),
        AccountStatus::Active => view! {
            <p class="banner ok" role="status">"Your account is approved."</p>
        }
        .into_any(),
        AccountStatus::Suspended => view! {
            <p class="banner" role="status">"Your account is suspended."</p>
        }
        .into_any(),
    }
}
