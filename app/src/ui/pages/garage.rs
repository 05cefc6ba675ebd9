//! The customer's garage: their vehicles, and the form to add one.

use crate::ui::json::load;
use crate::ui::parts::vehicle_form::VehicleForm;
use crate::{
    api::garage::{AddVehicle, RemoveVehicle, my_vehicles},
    domain::vehicle::Vehicle,
    ui::{parts::forms::FormError, session::RequireSignIn},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn GaragePage() -> impl IntoView {
    let add = ServerAction::<AddVehicle>::new();
    let remove = ServerAction::<RemoveVehicle>::new();
    let vehicles = load(
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
                <input type="hidden" name="id" value=v.id.to_string() />
                <button type="submit" class="button secondary small">"Remove"</button>
            </ActionForm>
        </li>
    }
}
