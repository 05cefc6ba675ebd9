//! "My account": details, edit name and phone, change password,
//! notifications on this device, log out (here or everywhere).

use crate::{
    api::auth::{ChangePassword, Logout, LogoutEverywhere, UpdateProfile},
    domain::{Account, AppError, account::PASSWORD_MIN_CHARS},
    ui::{
        parts::forms::{Field, FormError},
        session::{RequireSignIn, go_to},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="My account" />
        <section class="page narrow">
            <h1>"My account"</h1>
            <RequireSignIn>
                <AccountDetails />
            </RequireSignIn>
        </section>
    }
}

#[component]
fn AccountDetails() -> impl IntoView {
    let initial = expect_context::<Account>();
    let update = ServerAction::<UpdateProfile>::new();
    // The newest saved version: what the server answered last, else the page's.
    let account = Signal::derive({
        let initial = initial.clone();
        move || match update.value().get() {
            Some(Ok(saved)) => saved,
            _ => initial.clone(),
        }
    });
    let update_error = Signal::derive(move || update.value().get().and_then(Result::err));
    let saved = move || matches!(update.value().get(), Some(Ok(_)));

    let change = ServerAction::<ChangePassword>::new();
    let change_error = Signal::derive(move || change.value().get().and_then(Result::err));
    let changed = move || matches!(change.value().get(), Some(Ok(())));

    view! {
        <dl class="details">
            <dt>"Name"</dt>
            <dd>{move || account.get().name}</dd>
            <dt>"Email"</dt>
            <dd>{move || account.get().email}</dd>
            <dt>"Phone"</dt>
            <dd>{move || account.get().phone.unwrap_or_else(|| "—".into())}</dd>
            <dt>"Account type"</dt>
            <dd>{initial.role.label()}</dd>
            <dt>"Status"</dt>
            <dd>{initial.status.label()}</dd>
        </dl>

        <h2>"Edit your details"</h2>
        <ActionForm action=update>
            <FormError error=update_error />
            <Field label="Name" name="name" autocomplete="name" value=initial.name.clone() error=update_error />
            <Field
                label="Phone"
                name="phone"
                kind="tel"
                autocomplete="tel"
                required=false
                value=initial.phone.clone().unwrap_or_default()
                error=update_error
            />
            <button type="submit" class="button" disabled=move || update.pending().get()>"Save details"</button>
            {move || saved().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
        </ActionForm>

        <h2>"Change password"</h2>
        <ActionForm action=change>
            <FormError error=change_error />
            <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" error=change_error />
            <Field
                label="New password"
                name="new_password"
                kind="password"
                autocomplete="new-password"
                minlength=PASSWORD_MIN_CHARS as u32
                hint="At least 10 characters."
                error=change_error
            />
            <button type="submit" class="button" disabled=move || change.pending().get()>"Change password"</button>
            {move || changed().then(|| view! {
                <p class="notice" role="status">"Password changed. Your other devices have been logged out."</p>
            })}
        </ActionForm>

        <crate::ui::parts::push::PushPanel />

        <h2>"Sessions"</h2>
        <div class="actions">
            <LogoutButton />
            <LogoutEverywhereButton />
        </div>
    }
}

/// Ends this session, then reloads at the start page.
#[component]
pub fn LogoutButton() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            go_to("/");
        }
    });
    let error = Signal::derive(move || logout.value().get().and_then(Result::err));
    view! {
        <ActionForm action=logout>
            <FormError error />
            <button type="submit" class="button secondary" disabled=move || logout.pending().get()>"Log out"</button>
        </ActionForm>
    }
}

#[component]
fn LogoutEverywhereButton() -> impl IntoView {
    let logout = ServerAction::<LogoutEverywhere>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            go_to("/login");
        }
    });
    let error: Signal<Option<AppError>> =
        Signal::derive(move || logout.value().get().and_then(Result::err));
    view! {
        <ActionForm action=logout>
            <FormError error />
            <button type="submit" class="button secondary" disabled=move || logout.pending().get()>
                "Log out on every device"
            </button>
        </ActionForm>
    }
}
