//! The customer's area: their jobs, and asking for a mechanic.

use crate::ui::json::load;
use crate::{
    api::{
        garage::{AddVehicle, my_vehicles},
        jobs::{RequestJob, my_jobs},
    },
    domain::{
        AppError,
        job::{DESCRIPTION_MAX_CHARS, JobForm},
        mechanic::Skill,
    },
    ui::live::Live,
    ui::{
        parts::areas::Greeting,
        parts::forms::{Field, FormError, Select, TextArea},
        parts::job_card::JobCard,
        parts::local_time::LocalDateTimeField,
        parts::tracking::PinPicker,
        parts::vehicle_form::VehicleForm,
        session::RequireSignIn,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
pub fn CustomerHome() -> impl IntoView {
    let changed = Live::get().any_version();
    let jobs = load(move || changed.get(), |_| my_jobs());
    view! {
        <Title text="My jobs" />
        <RequireSignIn>
            <Greeting />
            <div class="actions">
                <a class="button" href="/customer/request">"Ask for a mechanic"</a>
                <a class="button secondary" href="/customer/garage">"My garage"</a>
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(list) if list.is_empty() => view! {
                            <section class="empty">
                                <h2>"No jobs yet"</h2>
                                <p>"Tell us what is wrong and where the vehicle is. Nearby mechanics send quotes; you compare them and choose."</p>
                            </section>
                        }.into_any(),
                        Ok(list) => view! {
                            <section>
                                <h2>"My jobs"</h2>
                                <ul class="job-list">
                                    {list.into_iter().map(|job| view! { <JobCard job href_base="/customer/jobs" /> }).collect_view()}
                                </ul>
                            </section>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireSignIn>
    }
}

#[component]
pub fn RequestPage() -> impl IntoView {
    let add = ServerAction::<AddVehicle>::new();
    let vehicles = load(move || add.version().get(), |_| my_vehicles());
    view! {
        <Title text="Ask for a mechanic" />
        <section class="page narrow">
            <p><a href="/customer">"← My jobs"</a></p>
            <h1>"Ask for a mechanic"</h1>
            <RequireSignIn>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match vehicles.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="hint">"First, the vehicle that needs work. It is kept in your garage for next time."</p>
                                <VehicleForm add />
                            }.into_any(),
                            Ok(list) => {
                                let options = list.iter().map(|v| (v.id.to_string(), format!("{} · {}", v.title(), v.plate))).collect();
                                view! { <RequestForm vehicles=options /> }.into_any()
                            }
                            Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </RequireSignIn>
        </section>
    }
}

#[component]
fn RequestForm(vehicles: Vec<(String, String)>) -> impl IntoView {
    let request = ServerAction::<RequestJob>::new();
    let error: Signal<Option<AppError>> =
        Signal::derive(move || request.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(job)) = request.value().get() {
            navigate(&format!("/customer/jobs/{}", job.id), Default::default());
        }
    });
    let only = (vehicles.len() == 1).then(|| vehicles[0].0.clone());
    let categories = Skill::ALL
        .into_iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect();
    let urgency_error = move || error.get().and_then(|e| e.for_field("urgency"));
    let form = JobForm::default();
    view! {
        <ActionForm action=request>
            <FormError error />
            <Select label="Vehicle" name="vehicle_id" options=vehicles selected=only.unwrap_or_default() placeholder="Choose a vehicle" error />
            <p class="hint"><a href="/customer/garage">"Add or remove vehicles"</a></p>
            <Select label="What needs doing" name="category" options=categories placeholder="Choose the kind of problem" error />
            <TextArea
                label="Describe the problem"
                name="description"
                value=form.description
                maxlength=DESCRIPTION_MAX_CHARS as u32
                required=true
                hint="What happens, since when, any warning lights. Mechanics quote from this; you can add photos of it on the next page."
                error
            />
            <h2>"Where is the vehicle?"</h2>
            <Field
                label="Address"
                name="address"
                autocomplete="street-address"
                hint="Street and number, or a landmark. Only the mechanic you book sees it."
                error
            />
            <Field
                label="Area"
                name="locality"
                autocomplete="address-level2"
                hint="e.g. Camden, London. Mechanics see this before you book."
                error
            />
            <PinPicker error />
            <fieldset class="choice" class:invalid=move || urgency_error().is_some()>
                <legend>"When"</legend>
                <label><input type="radio" name="urgency" value="asap" checked=true />"As soon as possible"</label>
                <label><input type="radio" name="urgency" value="window" />"In a time window (below)"</label>
                {move || urgency_error().map(|m| view! { <p class="field-error">{m}</p> })}
            </fieldset>
            <LocalDateTimeField label="Window from" name="window_start" hint="In your own time zone." error />
            <LocalDateTimeField label="Window until" name="window_end" error />
            <button type="submit" class="button wide" disabled=move || request.pending().get()>
                {move || if request.pending().get() { "Sending…" } else { "Ask for quotes" }}
            </button>
        </ActionForm>
    }
}
