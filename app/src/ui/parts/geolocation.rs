//! The browser's geolocation, watched while a mechanic shares their position (hydrate only).

use super::{tracking::Problem, upstream::Upstream};
use crate::domain::{
    AppError,
    geo::GeoPoint,
    tracking::{Fix, should_send},
};
use crate::domain::{JobId, Timestamp};
use leptos::{
    prelude::*,
    wasm_bindgen::{JsCast, JsValue, closure::Closure},
    web_sys::{
        PermissionDescriptor, PermissionName, PermissionState, PermissionStatus, Position,
        PositionError, PositionOptions,
    },
};
use std::{cell::RefCell, collections::HashSet};
use wasm_bindgen_futures::JsFuture;

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
/// when `should_send` says so: over the location socket, or HTTP while
/// that cannot be opened.
pub fn share(
    job_id: JobId,
    sharing: RwSignal<bool>,
    problem: RwSignal<Option<Problem>>,
    last_sent: RwSignal<Option<Fix>>,
    delivered: RwSignal<Option<Fix>>,
) {
    // Sharing starts by itself only where the browser will not ask: a page
    // that prompts for the location the moment it opens is one people learn
    // to refuse. Otherwise the mechanic's tap on "Share my location" asks.
    let stopped = STOPPED.with(|s| s.borrow().contains(job_id.as_str()));
    sharing.set(false);
    if !stopped {
        leptos::task::spawn_local(async move {
            match permission().await {
                Some(PermissionState::Granted) => _ = sharing.try_set(true),
                Some(PermissionState::Denied) => _ = problem.try_set(Some(Problem::Denied)),
                _ => _ = problem.try_set(Some(Problem::AskFirst)),
            }
        });
    }
    let watch = StoredValue::new(None::<i32>);
    let upstream = StoredValue::new_local(Upstream::new(move |fix, sent| match sent {
        Ok(()) => delivered.set(Some(fix)),
        // The job moved on: the page will refetch and drop this panel.
        Err(AppError::Conflict { message }) => {
            sharing.set(false);
            problem.set(Some(Problem::Server(message)));
        }
        Err(e) => problem.set(Some(Problem::Server(e.to_string()))),
    }));
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
            upstream.with_value(Upstream::close);
            return;
        }
        // Open before the first fix, so that it need not go over HTTP.
        upstream.with_value(Upstream::connect);
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
                at: Timestamp::from_millis(p.timestamp() as i64),
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
            upstream.try_with_value(|u| u.send(&job, fix));
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
        upstream.try_with_value(Upstream::close);
    });
}

/// Whether this site may read the position without the browser asking
/// (None where the browser cannot say).
async fn permission() -> Option<PermissionState> {
    let permissions = window().navigator().permissions().ok()?;
    let query = permissions
        .query(&PermissionDescriptor::new(PermissionName::Geolocation))
        .ok()?;
    let status: PermissionStatus = JsFuture::from(query).await.ok()?.unchecked_into();
    Some(status.state())
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
