//! The drive to the job, on the job page: the customer (and an admin)
//! watches the mechanic's marker; the booked mechanic shares their position.

use crate::{
    domain::{
        AppError,
        geo::GeoPoint,
        tracking::{Eta, Fix, STALE_AFTER_MS, navigation_url, seen_words},
    },
    ui::{
        live::Live,
        map::{AreaKind, MapView, PinKind, Shape},
    },
};
use leptos::prelude::*;

/// Milliseconds since the epoch, ticking once a second in the browser
/// (on the server: the time of the render).
pub(super) fn clock() -> ReadSignal<i64> {
    let (now, set_now) = signal(js_now());
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || set_now.set(js_now()),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_now;
    now
}

fn js_now() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
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
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Problem {
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
pub fn Sharing(job_id: String, car: (f64, f64)) -> impl IntoView {
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
    #[cfg(feature = "hydrate")]
    {
        let user_agent = window().navigator().user_agent().unwrap_or_default();
        if let Some(to) = GeoPoint::new(car.0, car.1) {
            nav.set(navigation_url(&user_agent, to));
        }
        browser::share(job_id.clone(), sharing, problem, last_sent, delivered);
    }
    let toggle = move |_| {
        #[cfg(feature = "hydrate")]
        browser::set_stopped(&job_id, sharing.get_untracked());
        #[cfg(not(feature = "hydrate"))]
        let _ = &job_id;
        sharing.update(|s| *s = !*s);
    };
    let keep_awake = move |_| {
        #[cfg(feature = "hydrate")]
        browser::keep_screen_on(driving);
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
            {move || problem.get().map(|p| view! { <p class="form-error" role="alert">{p.words()}</p> })}
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
        #[cfg(feature = "hydrate")]
        browser::locate_once(move |at| {
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

#[cfg(feature = "hydrate")]
mod browser {
    use super::Problem;
    use crate::{
        api::jobs::share_location,
        domain::{
            AppError,
            geo::GeoPoint,
            tracking::{Fix, should_send},
        },
    };
    use leptos::{
        prelude::*,
        task::spawn_local,
        wasm_bindgen::{JsCast, JsValue, closure::Closure},
        web_sys::{Position, PositionError, PositionOptions},
    };
    use std::{cell::RefCell, collections::HashSet};

    thread_local! {
        /// Jobs whose mechanic tapped "stop" in this tab: a re-render of
        /// the page does not start sharing again behind their back.
        static STOPPED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    }

    pub fn set_stopped(job: &str, stop: bool) {
        STOPPED.with(|s| {
            let mut s = s.borrow_mut();
            if stop {
                s.insert(job.to_owned());
            } else {
                s.remove(job);
            }
        });
    }

    /// Watches the phone's position while `sharing` is on, and sends a fix
    /// when `should_send` says so.
    pub fn share(
        job_id: String,
        sharing: RwSignal<bool>,
        problem: RwSignal<Option<Problem>>,
        last_sent: RwSignal<Option<Fix>>,
        delivered: RwSignal<Option<Fix>>,
    ) {
        let stopped = STOPPED.with(|s| s.borrow().contains(&job_id));
        sharing.set(!stopped);
        let watch = StoredValue::new(None::<i32>);
        Effect::new(move |_| {
            let on = sharing.get();
            let Some(geo) = window().navigator().geolocation().ok() else {
                problem.set(Some(Problem::NoGps));
                return;
            };
            if let Some(id) = watch.get_value() {
                geo.clear_watch(id);
                watch.set_value(None);
            }
            if !on {
                return;
            }
            let job = job_id.clone();
            let on_fix = Closure::<dyn Fn(JsValue)>::new(move |p: JsValue| {
                let p: Position = p.unchecked_into();
                let c = p.coords();
                let fix = Fix {
                    lat: c.latitude(),
                    lng: c.longitude(),
                    accuracy_m: c.accuracy(),
                    heading: c.heading().filter(|h| h.is_finite()),
                    speed_mps: c.speed().filter(|s| s.is_finite()),
                    at: p.timestamp() as i64,
                };
                let Some(here) = GeoPoint::new(fix.lat, fix.lng) else {
                    return;
                };
                let last = last_sent
                    .get_untracked()
                    .and_then(|f| GeoPoint::new(f.lat, f.lng).map(|at| (f.at, at)));
                if !should_send(last, fix.at, here) {
                    return;
                }
                last_sent.set(Some(fix));
                problem.set(None);
                let job = job.clone();
                spawn_local(async move {
                    let sent = share_location(
                        job,
                        fix.lat.to_string(),
                        fix.lng.to_string(),
                        fix.accuracy_m.to_string(),
                        fix.at.to_string(),
                        fix.heading.map(|h| h.to_string()),
                        fix.speed_mps.map(|s| s.to_string()),
                    )
                    .await;
                    match sent {
                        Ok(_) => delivered.set(Some(fix)),
                        // The job moved on: the page will refetch and drop this panel.
                        Err(AppError::Conflict { message }) => {
                            sharing.set(false);
                            problem.set(Some(Problem::Server(message)));
                        }
                        Err(e) => problem.set(Some(Problem::Server(e.to_string()))),
                    }
                });
            });
            let on_error = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
                let e: PositionError = e.unchecked_into();
                problem.set(Some(if e.code() == PositionError::PERMISSION_DENIED {
                    sharing.set(false);
                    Problem::Denied
                } else {
                    Problem::NoFix
                }));
            });
            let options = PositionOptions::new();
            options.set_enable_high_accuracy(true);
            options.set_maximum_age(5_000);
            options.set_timeout(30_000);
            match geo.watch_position_with_error_callback_and_options(
                on_fix.as_ref().unchecked_ref(),
                Some(on_error.as_ref().unchecked_ref()),
                &options,
            ) {
                Ok(id) => watch.set_value(Some(id)),
                Err(_) => problem.set(Some(Problem::NoGps)),
            }
            // The watch lives until cleared; its callbacks must too.
            on_fix.forget();
            on_error.forget();
        });
        on_cleanup(move || {
            if let (Some(id), Ok(geo)) = (watch.get_value(), window().navigator().geolocation()) {
                geo.clear_watch(id);
            }
        });
    }

    /// The phone's position, once.
    pub fn locate_once(done: impl Fn(Result<(f64, f64), Problem>) + Clone + 'static) {
        let Ok(geo) = window().navigator().geolocation() else {
            done(Err(Problem::NoGps));
            return;
        };
        let ok = {
            let done = done.clone();
            Closure::once_into_js(move |p: JsValue| {
                let c = p.unchecked_into::<Position>().coords();
                done(Ok((c.latitude(), c.longitude())));
            })
        };
        let failed = {
            let done = done.clone();
            Closure::once_into_js(move |e: JsValue| {
                let e: PositionError = e.unchecked_into();
                done(Err(if e.code() == PositionError::PERMISSION_DENIED {
                    Problem::DeniedHere
                } else {
                    Problem::NoFixHere
                }));
            })
        };
        let options = PositionOptions::new();
        options.set_enable_high_accuracy(true);
        options.set_timeout(20_000);
        if geo
            .get_current_position_with_error_callback_and_options(
                ok.unchecked_ref(),
                Some(failed.unchecked_ref()),
                &options,
            )
            .is_err()
        {
            done(Err(Problem::NoGps));
        }
    }

    /// Asks the browser to keep the screen on (Screen Wake Lock API).
    pub fn keep_screen_on(result: RwSignal<Option<Result<(), String>>>) {
        let navigator: JsValue = window().navigator().into();
        let lock = js_sys::Reflect::get(&navigator, &"wakeLock".into())
            .ok()
            .filter(|l| !l.is_undefined());
        let Some(lock) = lock else {
            result.set(Some(Err("This browser cannot keep the screen on; set the screen timeout in the phone's settings instead.".into())));
            return;
        };
        let request = js_sys::Reflect::get(&lock, &"request".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let Some(request) = request else { return };
        match request.call1(&lock, &"screen".into()) {
            Ok(promise) => {
                let promise: js_sys::Promise = promise.unchecked_into();
                let ok = Closure::<dyn FnMut(JsValue)>::new(move |_| result.set(Some(Ok(()))));
                let failed = Closure::<dyn FnMut(JsValue)>::new(move |_| {
                    result.set(Some(Err(
                        "The browser refused to keep the screen on (battery saver?).".into(),
                    )))
                });
                let _ = promise.then2(&ok, &failed);
                ok.forget();
                failed.forget();
            }
            Err(_) => result.set(Some(Err(
                "The browser refused to keep the screen on.".into()
            ))),
        }
    }
}
