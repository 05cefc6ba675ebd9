//! The customer's garage: their vehicles, and the form to add one.

use crate::{
    api::garage::{AddVehicle, RemoveVehicle, my_vehicles},
    domain::{AppError, vehicle::Vehicle},
    ui::{
        forms::{Field, FormError},
        session::RequireSignIn,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn GaragePage() -> impl IntoView {
    let add = ServerAction::<AddVehicle>::new();
    let remove = ServerAction::<RemoveVehicle>::new();
    let vehicles = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| my_vehicles(),
    );
    view! {
        <Title text="My garage" />
        <section class="page narrow">
            <p><a href="/customer">"← My jobs"</a></p>
            <h1>"My garage"</h1>
            <RequireSignIn>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match vehicles.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="hint">"Add the vehicles you want looked after. You pick one each time you ask for a mechanic."</p>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="vehicles">
                                    {list.into_iter().map(|v| view! { <VehicleRow vehicle=v remove /> }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
                <FormError error=Signal::derive(move || remove.value().get().and_then(Result::err)) />
                <h2>"Add a vehicle"</h2>
                <VehicleForm add />
            </RequireSignIn>
        </section>
    }
}

#[component]
fn VehicleRow(vehicle: Vehicle, remove: ServerAction<RemoveVehicle>) -> impl IntoView {
    let v = vehicle;
    view! {
        <li class="vehicle">
            <div>
                <strong>{v.title()}</strong>
                <span class="muted">{format!("{} · {}", v.colour, v.plate)}</span>
                {v.vin.clone().map(|vin| view! { <span class="muted small">"VIN " {vin}</span> })}
            </div>
            <ActionForm action=remove>
                <input type="hidden" name="id" value=v.id.clone() />
                <button type="submit" class="button secondary small">"Remove"</button>
            </ActionForm>
        </li>
    }
}

/// The add-a-vehicle form; `add` tells the page when a vehicle was added.
#[component]
pub fn VehicleForm(add: ServerAction<AddVehicle>) -> impl IntoView {
    let error: Signal<Option<AppError>> =
        Signal::derive(move || add.value().get().and_then(Result::err));
    // An added vehicle shows in the list; the form empties for the next one.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get()
            && let Some(form) = form.get()
        {
            form.reset();
        }
    });
    view! {
        <ActionForm action=add node_ref=form>
            <FormError error />
            <div class="pair">
                <Field label="Year" name="year" inputmode="numeric" hint="e.g. 2016" error />
                <Field label="Make" name="make" hint="e.g. Ford" error />
            </div>
            <div class="pair">
                <Field label="Model" name="model" hint="e.g. Focus" error />
                <Field label="Trim" name="trim" required=false hint="Optional, e.g. Zetec" error />
            </div>
            <div class="pair">
                <Field label="Colour" name="colour" error />
                <Field label="Number plate" name="plate" autocomplete="off" error />
            </div>
            <Field
                label="VIN"
                name="vin"
                required=false
                autocomplete="off"
                hint="Optional. 17 characters, on the windscreen or the V5C."
                error
            />
            <button type="submit" class="button wide" disabled=move || add.pending().get()>
                {move || if add.pending().get() { "Adding…" } else { "Add vehicle" }}
            </button>
        </ActionForm>
    }
}
