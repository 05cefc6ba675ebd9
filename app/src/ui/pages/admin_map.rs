//! The admin's live map (desktop): every unfinished job and every mechanic
//! sharing their position, moving as fixes arrive, without a reload.

use crate::ui::json::load;
use crate::{
    api::admin::admin_live_map,
    domain::{
        admin::MapJob,
        tracking::{Fix, STALE_AFTER_MS, seen_words},
    },
    ui::{
        live::Live,
        parts::console::Console,
        parts::job_card::StatusPill,
        parts::map::{MapView, PinKind, Shape},
        parts::tracking::clock,
    },
};
use leptos::prelude::*;
use std::collections::HashMap;

#[component]
pub fn LiveMapPage() -> impl IntoView {
    let live = Live::get();
    let changed = live.any_version();
    let jobs = load(move || changed.get(), |_| admin_live_map());
    // Positions heard since the page loaded, by job: they move the markers
    // without fetching the list again.
    let heard = RwSignal::new(HashMap::<String, Fix>::new());
    Effect::new(move |_| {
        if let Some(p) = live.position.get() {
            heard.update(|h| {
                h.insert(String::from(p.job), p.fix);
            });
        }
    });
    view! {
        <Console title="Live map">
            <h1>"Live map"</h1>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(list) => view! { <LiveMap jobs=list heard /> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </Console>
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
fn LiveMap(jobs: Vec<MapJob>, heard: RwSignal<HashMap<String, Fix>>) -> impl IntoView {
    let now = clock();
    let list = StoredValue::new(jobs);
    let positions = Memo::new(move |_| {
        let heard = heard.get();
        list.with_value(|jobs| {
            jobs.iter()
                .filter(|j| j.status.shares_location())
                .filter_map(|j| {
                    Fix::newest(j.position, heard.get(j.id.as_str()).copied())
                        .map(|f| (j.id.to_string(), f))
                })
                .collect::<HashMap<_, _>>()
        })
    });
    let shapes = Signal::derive(move || {
        let positions = positions.get();
        let now = now.get();
        list.with_value(|jobs| {
            let mut shapes = Vec::new();
            for j in jobs {
                shapes.push(Shape::Pin {
                    key: String::from(j.id.clone()),
                    at: (j.at.lat(), j.at.lng()),
                    kind: if j.status.is_open() {
                        PinKind::Job
                    } else {
                        PinKind::Car
                    },
                    label: format!(
                        "{} · {} · {}",
                        j.category.label(),
                        j.locality,
                        j.status.label()
                    ),
                });
                if let Some(f) = positions.get(j.id.as_str()) {
                    shapes.push(Shape::Pin {
                        key: format!("mechanic-{}", j.id),
                        at: (f.lat, f.lng),
                        kind: if now - f.at > STALE_AFTER_MS {
                            PinKind::MechanicStale
                        } else {
                            PinKind::Mechanic
                        },
                        label: format!(
                            "{} on the way to {}",
                            j.mechanic.clone().unwrap_or_default(),
                            j.locality
                        ),
                    });
                }
            }
            shapes
        })
    });
    let total = list.with_value(Vec::len);
    view! {
        <p class="hint" role="status">
            {count(total, "unfinished job", "unfinished jobs")} " · "
            {move || count(positions.get().len(), "mechanic sharing their position", "mechanics sharing their position")}
        </p>
        <div class="admin-map">
            <MapView label="Live map of unfinished jobs and sharing mechanics" shapes follow=false />
        </div>
        <p class="map-legend" aria-hidden="true">
            <span><span class="dot pin-job"></span>" Open to quotes"</span>
            <span><span class="dot pin-car"></span>" Booked"</span>
            <span><span class="dot pin-mechanic"></span>" Mechanic sharing"</span>
            <span><span class="dot pin-mechanic stale"></span>" Not heard from for a minute"</span>
        </p>
        <table class="grid">
            <thead>
                <tr><th>"Job"</th><th>"Area"</th><th>"Mechanic"</th><th>"Last position"</th><th>"Status"</th></tr>
            </thead>
            <tbody>
                {list.get_value().into_iter().map(|j| {
                    let id = j.id.clone();
                    view! {
                        <tr>
                            <td><a href=format!("/admin/jobs/{}", j.id)>{j.category.label()}</a></td>
                            <td>{j.locality}</td>
                            <td>{j.mechanic.unwrap_or_else(|| "—".to_owned())}</td>
                            <td data-testid="last-position">{move || positions.with(|p| p.get(id.as_str()).map_or_else(|| "—".to_owned(), |f| seen_words(now.get() - f.at)))}</td>
                            <td><StatusPill status=j.status /></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
