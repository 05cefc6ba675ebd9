//! The log-in and sign-up pages.

use crate::{
    api::auth::{Login, Register},
    domain::{
        AppError, Role, SignedIn,
        account::{PASSWORD_MIN_CHARS, after_login, encode_query_value},
    },
    ui::{
        parts::forms::{Field, FormError},
        session::{Session, go_to},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next");
    let error = Signal::derive(move || login.value().get().and_then(Result::err));
    land_when_signed_in(login.value(), next);
    view! {
        <Title text="Log in" />
        <section class="page narrow">
            <h1>"Log in"</h1>
            <AlreadySignedIn />
            <ActionForm action=login>
                <FormError error />
                <input type="hidden" name="next" value=next />
                <Field label="Email" name="email" kind="email" autocomplete="username" error />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error />
                <button type="submit" class="button wide" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p class="aside">
                "New to Curbside? "
                <a href=move || match next() {
                    Some(n) => format!("/register?next={}", encode_query_value(&n)),
                    None => "/register".into(),
                }>"Create an account"</a>
            </p>
        </section>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let query = use_query_map();
    let next = move || query.read().get("next");
    let as_mechanic = move || query.read().get("as").as_deref() == Some("mechanic");
    let role = RwSignal::new(Role::Customer);
    // Follows `?as=mechanic` on first render, then the user's choice.
    Effect::new(move |_| {
        if as_mechanic() {
            role.set(Role::Mechanic);
        }
    });
    let error = Signal::derive(move || register.value().get().and_then(Result::err));
    land_when_signed_in(register.value(), next);
    let role_error = move || error.get().and_then(|e: AppError| e.for_field("role"));
    view! {
        <Title text="Create an account" />
        <section class="page narrow">
            <h1>"Create an account"</h1>
            <AlreadySignedIn />
            <ActionForm action=register>
                <FormError error />
                <input type="hidden" name="next" value=next />
                <fieldset class="choice">
                    <legend>"I want to"</legend>
                    <label>
                        <input
                            type="radio"
                            name="role"
                            value="customer"
                            prop:checked=move || role.get() == Role::Customer
                            checked=move || !as_mechanic()
                            on:change=move |_| role.set(Role::Customer)
                        />
                        <span>"Get my vehicle fixed"</span>
                    </label>
                    <label>
                        <input
                            type="radio"
                            name="role"
                            value="mechanic"
                            prop:checked=move || role.get() == Role::Mechanic
                            checked=as_mechanic
                            on:change=move |_| role.set(Role::Mechanic)
                        />
                        <span>"Work as a mechanic"</span>
                    </label>
                    {move || role_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                <Field label="Your name" name="name" autocomplete="name" error />
                <Field label="Email" name="email" kind="email" autocomplete="email" error />
                <Field
                    label="Phone"
                    name="phone"
                    kind="tel"
                    autocomplete="tel"
                    required=false
                    hint="Optional for customers. Mechanics need one so customers can reach them."
                    error
                />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    minlength=PASSWORD_MIN_CHARS as u32
                    hint="At least 10 characters. A short phrase is easy to remember."
                    error
                />
                {move || (role.get() == Role::Mechanic).then(|| view! {
                    <p class="hint">"A person on our team approves every mechanic before they can quote."</p>
                })}
                <button type="submit" class="button wide" disabled=move || register.pending().get()>
                    {move || if register.pending().get() { "Creating your account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="aside">"Already have an account? " <a href="/login">"Log in"</a></p>
        </section>
    }
}

/// Once sign-in (or sign-up) succeeds, loads the page to go to, so the server
/// renders it for the new session.
fn land_when_signed_in(
    value: impl Get<Value = Option<Result<SignedIn, AppError>>> + Send + Sync + 'static,
    next: impl Fn() -> Option<String> + Send + Sync + 'static,
) {
    Effect::new(move |_| {
        if let Some(Ok(signed_in)) = value.get() {
            go_to(&after_login(signed_in.account.role, next().as_deref()));
        }
    });
}

/// Someone signed in who opens log-in or sign-up is probably looking for their area.
#[component]
fn AlreadySignedIn() -> impl IntoView {
    let session = Session::get();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                session.0.await.map(|account| view! {
                    <p class="notice" role="status">
                        "You are logged in as " {account.name} ". "
                        <a href=account.role.home()>"Continue to " {account.role.area_name()}</a> "."
                    </p>
                })
            })}
        </Suspense>
    }
}
