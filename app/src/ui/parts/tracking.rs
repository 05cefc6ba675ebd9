//! The drive to the job, on the job page: the customer (and an admin)
//! watches the mechanic's marker; the booked mechanic shares their position.

use crate::domain::{JobId, Timestamp};
use crate::{
    domain::{
        AppError,
        geo::GeoPoint,
        tracking::{Eta, Fix, STALE_AFTER_MS, navigation_url, seen_words},
    },
    ui::{
        live::Live,
        parts::map::{AreaKind, MapView, PinKind, Shape},
    },
};
use leptos::prelude::*;

/// Milliseconds since the epoch, ticking once a second in the browser
/// (on the server: the time of the render).
pub fn clock() -> ReadSignal<Timestamp> {
    let (now, set_now) = signal(Timestamp::now());
    #[cfg(feature = "browser")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || set_now.set(Timestamp::now()),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "browser"))]
    let _ = set_now;
    now
}

/// The mechanic's position on this job as it changes: the page's own
/// (from the job view) until the stream says something newer.
fn live_position(
    job_id: String,
    initial: Option<Fix>,
    initial_eta: Option<Eta>,
) -> (Signal<Option<Fix>>, Signal<Option<Eta>>) {
    let live = Live::get();
    let position = RwSignal::new(initial);
    let eta = RwSignal::new(initial_eta);
    let job = job_id.clone();
    Effect::new(move |_| {
        if let Some(p) = live.position.get()
            && p.job == job
            && position.get_untracked().is_none_or(|f| p.fix.at > f.at)
        {
            position.set(Some(p.fix));
        }
    });
    Effect::new(move |_| {
        if let Some(e) = live.eta.get()
            && e.job == job_id
        {
            eta.set(Some(e.eta));
        }
    });
    (position.into(), eta.into())
}

/// The customer's (or an admin's) live map while the mechanic is on the way,
/// there, or at work: their car, the mechanic, how far and how long.
#[component]
pub fn Tracking(
    job_id: String,
    car: (f64, f64),
    position: Option<Fix>,
    eta: Option<Eta>,
) -> impl IntoView {
    let (position, eta) = live_position(job_id, position, eta);
    let now = clock();
    let stale = move || {
        position
            .get()
            .is_some_and(|f| now.get() - f.at > STALE_AFTER_MS)
    };
    let shapes = Signal::derive(move || {
        let mut shapes = vec![Shape::Pin {
            key: "car".into(),
            at: car,
            kind: PinKind::Car,
            label: "Your car".into(),
        }];
        if let Some(f) = position.get() {
            let is_stale = now.get() - f.at > STALE_AFTER_MS;
            shapes.push(Shape::Area {
                at: (f.lat, f.lng),
                radius_m: f.accuracy_m,
                kind: AreaKind::Accuracy,
                label: String::new(),
            });
            shapes.push(Shape::Pin {
                key: "mechanic".into(),
                at: (f.lat, f.lng),
                kind: if is_stale {
                    PinKind::MechanicStale
                } else {
                    PinKind::Mechanic
                },
                label: "Your mechanic".into(),
            });
        }
        shapes
    });
    view! {
        <section class="tracking" aria-labelledby="tracking-title">
            <h2 id="tracking-title">"On the map"</h2>
            <p class="tracking-line" role="status" data-testid="tracking-line">
                {move || match (position.get(), eta.get()) {
                    (None, _) => "Waiting for the mechanic's first position…".to_owned(),
                    (Some(f), e) => {
                        let seen = format!("last seen {}", seen_words(now.get() - f.at));
                        match e {
                            Some(e) => format!("{} · {seen}", e.words()),
                            None => seen,
                        }
                    }
                }}
            </p>
            <Show when=stale>
                <p class="hint stale-note">
                    "No position for over a minute: the mechanic may be out of signal. The marker shows where they were last seen."
                </p>
            </Show>
            <MapView label="Your car and your mechanic" shapes home=car />
            <p class="map-legend" aria-hidden="true">
                <span><span class="dot pin-car"></span>" Your car"</span>
                <span><span class="dot pin-mechanic"></span>" Your mechanic"</span>
            </p>
        </section>
    }
}

/// Why the phone is not sharing, in words for the mechanic.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "browser"), allow(dead_code))]
pub enum Problem {
    /// Not shared yet: the browser will ask the first time.
    AskFirst,
    Denied,
    NoFix,
    NoGps,
    /// While picking where the car is.
    DeniedHere,
    NoFixHere,
    Server(String),
}

impl Problem {
    fn words(&self) -> String {
        match self {
            Problem::AskFirst => "Tap “Share my location” so the customer can see you coming. Your browser asks once whether this site may use your location.".into(),
            Problem::Denied => "Location permission is off, so the customer cannot see you coming. Allow location for this site in your browser settings, or carry on with the status buttons.".into(),
            Problem::NoFix => "No GPS fix yet. Stay on this page under open sky; the status buttons work meanwhile.".into(),
            Problem::NoGps => "This browser cannot share a location. The status buttons still keep the customer up to date.".into(),
            Problem::DeniedHere => "Location permission is off. Tap the map where the car is instead.".into(),
            Problem::NoFixHere => "Your phone could not find where you are. Tap the map where the car is instead.".into(),
            Problem::Server(m) => m.clone(),
        }
    }
}

/// The booked mechanic's side: sharing starts when the job is on its way
/// (after "I'm on my way") and stops when this panel goes (the job left
/// en route, arrived and in progress) or when they tap stop.
#[component]
pub fn Sharing(job_id: JobId, car: (f64, f64)) -> impl IntoView {
    let sharing = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let last_sent = RwSignal::new(None::<Fix>);
    let delivered = RwSignal::new(None::<Fix>);
    let driving = RwSignal::new(None::<Result<(), String>>);
    let nav = RwSignal::new(
        GeoPoint::new(car.0, car.1)
            .map(|to| navigation_url("", to))
            .unwrap_or_default(),
    );
    let now = clock();
    #[cfg(feature = "browser")]
    {
        let user_agent = window().navigator().user_agent().unwrap_or_default();
        if let Some(to) = GeoPoint::new(car.0, car.1) {
            nav.set(navigation_url(&user_agent, to));
        }
        super::geolocation::share(job_id.clone(), sharing, problem, last_sent, delivered);
    }
    let toggle = move |_| {
        #[cfg(feature = "browser")]
        super::geolocation::set_stopped(&job_id, sharing.get_untracked());
        #[cfg(not(feature = "browser"))]
        let _ = &job_id;
        problem.set(None);
        sharing.update(|s| *s = !*s);
    };
    let keep_awake = move |_| {
        #[cfg(feature = "browser")]
        super::geolocation::keep_screen_on(driving);
    };
    let shapes = Signal::derive(move || {
        let mut shapes = vec![Shape::Pin {
            key: "car".into(),
            at: car,
            kind: PinKind::Car,
            label: "The customer's car".into(),
        }];
        if let Some(f) = last_sent.get() {
            shapes.push(Shape::Pin {
                key: "mechanic".into(),
                at: (f.lat, f.lng),
                kind: PinKind::Mechanic,
                label: "You".into(),
            });
        }
        shapes
    });
    view! {
        <section class="tracking" aria-labelledby="sharing-title">
            <h2 id="sharing-title">"Your location"</h2>
            <div class=move || if sharing.get() { "sharing-bar on" } else { "sharing-bar" } role="status" data-testid="sharing-bar">
                <span>{move || if sharing.get() { "Sharing your location with the customer" } else { "Not sharing your location" }}</span>
                <button type="button" class="button small" on:click=toggle>
                    {move || if sharing.get() { "Stop sharing" } else { "Share my location" }}
                </button>
            </div>
            {move || delivered.get().map(|f| view! {
                <p class="hint">"Last sent " {seen_words(now.get() - f.at)} " · accurate to " {format!("{:.0} m", f.accuracy_m)}</p>
            })}
            {move || problem.get().map(|p| match p {
                Problem::AskFirst => view! { <p class="hint">{p.words()}</p> }.into_any(),
                p => view! { <p class="form-error" role="alert">{p.words()}</p> }.into_any(),
            })}
            <div class="actions">
                <a class="button secondary" href=move || nav.get() target="_blank" rel="noopener">"Navigate"</a>
                <button type="button" class="button secondary" on:click=keep_awake>
                    "Driving mode: keep the screen on"
                </button>
            </div>
            {move || driving.get().map(|d| match d {
                Ok(()) => view! { <p class="hint">"The screen stays on while this page is open."</p> }.into_any(),
                Err(e) => view! { <p class="hint">{e}</p> }.into_any(),
            })}
            <p class="hint">
                "Phones pause location when the browser is in the background or the screen is off: keep this page open while you drive."
            </p>
            <MapView label="You and the customer's car" shapes home=car />
            <p class="map-legend" aria-hidden="true">
                <span><span class="dot pin-car"></span>" The car"</span>
                <span><span class="dot pin-mechanic"></span>" You"</span>
            </p>
        </section>
    }
}

/// Where a map opens before anything is on it: central London, where the service runs first.
const START: (f64, f64) = (51.5074, -0.1278);

/// Picks where the car is: a tap on the map or a dragged pin, or the
/// phone's own position. Sends `lat` and `lng` with the form it is in.
#[component]
pub fn PinPicker(error: Signal<Option<AppError>>) -> impl IntoView {
    let pin = RwSignal::new(None::<(f64, f64)>);
    let locating = RwSignal::new(false);
    let trouble = RwSignal::new(None::<String>);
    let pick = Callback::new(move |at: (f64, f64)| {
        trouble.set(None);
        pin.set(Some(at));
    });
    let use_location = move |_| {
        locating.set(true);
        trouble.set(None);
        #[cfg(feature = "browser")]
        super::geolocation::locate_once(move |at| {
            locating.set(false);
            match at {
                Ok(at) => pin.set(Some(at)),
                Err(p) => trouble.set(Some(p.words())),
            }
        });
    };
    let shapes = Signal::derive(move || {
        pin.get()
            .map(|at| Shape::Pin {
                key: "car".into(),
                at,
                kind: PinKind::Car,
                label: "Your car (drag to move)".into(),
            })
            .into_iter()
            .collect::<Vec<_>>()
    });
    let message = move || {
        error
            .get()
            .and_then(|e| e.for_field("lat").or_else(|| e.for_field("lng")))
    };
    view! {
        <div class="field pin-picker" class:invalid=move || message().is_some()>
            <span class="label">"Pin on the map"</span>
            <button type="button" class="button secondary" on:click=use_location disabled=move || locating.get()>
                {move || if locating.get() { "Finding you…" } else { "Use my location" }}
            </button>
            <MapView label="Map: tap where the car is" shapes home=START on_pick=pick />
            <input type="hidden" name="lat" prop:value=move || pin.get().map(|p| format!("{:.6}", p.0)).unwrap_or_default() />
            <input type="hidden" name="lng" prop:value=move || pin.get().map(|p| format!("{:.6}", p.1)).unwrap_or_default() />
            <p class="hint" role="status" data-testid="pin-status">
                {move || match pin.get() {
                    Some((lat, lng)) => format!("Pinned at {lat:.5}, {lng:.5}. Drag the pin or tap the map to move it."),
                    None => "Tap the map where the car is, or use your location.".to_owned(),
                }}
            </p>
            {move || trouble.get().map(|t| view! { <p class="field-error" role="alert">{t}</p> })}
            {move || message().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
    }
}
