//! The form that adds a vehicle, on the garage page and inline when requesting a job.

use crate::{
    api::garage::AddVehicle,
    domain::AppError,
    ui::parts::forms::{Field, FormError},
};
use leptos::prelude::*;

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
