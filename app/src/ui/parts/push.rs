//! Push on this device, on "my account": turning it on after saying why,
//! the devices that get pushes, and which kinds and hours they get them.

use crate::{
    api::notifications::{
        SaveNotificationPrefs, get_push_settings, push_subscribe, push_unsubscribe,
    },
    domain::{
        AppError, DeviceId,
        notification::{NoticeKind, PushDevice, PushSettings, QuietHours},
    },
    ui::{
        json,
        parts::{forms::FormError, local_time::LocalTime},
    },
};
use leptos::{prelude::*, task::spawn_local};

/// How push stands in this browser, as /pwa.js's `curbsidePush.state()` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only the browser finds out anything but `Checking`.
#[cfg_attr(not(feature = "browser"), allow(dead_code))]
enum Support {
    /// Not known yet (on the server, before hydration).
    Checking,
    /// No service worker or Push API here.
    Unsupported,
    /// iPhone or iPad in Safari: push works only from the home screen app.
    InstallFirst,
    /// The user blocked notifications for this site.
    Denied,
    /// May ask.
    Ready,
}

/// "My account"'s push section.
#[component]
pub fn PushPanel() -> impl IntoView {
    let settings = json::load(|| (), |_| get_push_settings());
    let support = RwSignal::new(Support::Checking);
    // This browser's own device id while it is still subscribed, to mark
    // it in the list (and unsubscribe it when it is removed).
    let this_device = RwSignal::new(None::<DeviceId>);
    Effect::new(move |_| {
        support.set(browser::support());
        spawn_local(async move { this_device.set(browser::device().await.map(DeviceId::from)) });
    });
    view! {
        <h2 id="notifications">"Notifications"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => view! { <PushSection s support this_device /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PushSection(
    s: PushSettings,
    support: RwSignal<Support>,
    this_device: RwSignal<Option<DeviceId>>,
) -> impl IntoView {
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let key = s.public_key.clone();
    let devices = RwSignal::new(s.devices.clone());
    let turn_on = move |_| {
        let Some(key) = key.clone() else { return };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let fresh = || async {
                let sub = browser::subscribe(&key)
                    .await
                    .map_err(|message| AppError::Conflict { message })?;
                push_subscribe(sub.endpoint, sub.p256dh, sub.auth, sub.label).await
            };
            let answer = match fresh().await {
                // This browser's subscription is another account's (signed
                // in here before): a new one is this account's alone.
                Err(AppError::Conflict { .. }) => {
                    browser::unsubscribe().await;
                    fresh().await
                }
                other => other,
            };
            let done = answer.map(|s| {
                browser::remember(&s.device);
                this_device.set(Some(s.device));
                devices.set(s.devices);
            });
            if let Err(e) = done {
                error.set(Some(e));
            }
            support.set(browser::support());
            busy.set(false);
        });
    };
    let on = Signal::derive(move || {
        this_device.with(|d| {
            d.as_ref()
                .is_some_and(|d| devices.with(|l| l.iter().any(|x| x.id == *d)))
        })
    });
    let intro = view! {
        <p>
            "Get a notification on this device when a quote comes in, your booking is confirmed, your mechanic is on the way or has arrived, and when the job is done, even with Curbside closed. "
            "Everything is also listed under " <a href="/notifications">"Notifications"</a> "."
        </p>
    };
    let push_on = s.public_key.is_some();
    let offer = move || {
        if !push_on {
            return view! { <p class="hint">"Push notifications are switched off on this server."</p> }.into_any();
        }
        match support.get() {
            Support::Checking => ().into_any(),
            Support::Unsupported => view! {
                <p class="hint">"This browser cannot receive push notifications. Try Chrome, Edge, Firefox or Safari."</p>
            }
            .into_any(),
            Support::InstallFirst => view! {
                <div class="guide" data-testid="ios-guide">
                    <p><strong>"On iPhone and iPad, notifications work from the home screen app."</strong></p>
                    <ol>
                        <li>"Tap the Share button in Safari."</li>
                        <li>"Choose " <q>"Add to Home Screen"</q> "."</li>
                        <li>"Open Curbside from your home screen and turn notifications on here."</li>
                    </ol>
                </div>
            }
            .into_any(),
            Support::Denied => view! {
                <p class="hint">"Notifications are blocked for this site. Allow them in your browser's site settings, then come back."</p>
            }
            .into_any(),
            Support::Ready => {
                let turn_on = turn_on.clone();
                (move || {
                    if on.get() {
                        view! { <p class="notice" role="status">"Notifications are on for this device."</p> }.into_any()
                    } else {
                        view! {
                            <button type="button" class="button" on:click=turn_on.clone() disabled=move || busy.get()>
                                "Turn on notifications"
                            </button>
                        }
                        .into_any()
                    }
                })
                .into_any()
            }
        }
    };
    let remove = Callback::new(move |d: PushDevice| {
        spawn_local(async move {
            match push_unsubscribe(d.id.clone()).await {
                Ok(list) => {
                    // This browser itself: its subscription goes too.
                    if this_device.get_untracked().as_ref() == Some(&d.id) {
                        browser::unsubscribe().await;
                        this_device.set(None);
                    }
                    devices.set(list);
                }
                Err(e) => error.set(Some(e)),
            }
        })
    });
    view! {
        {intro}
        <FormError error=error.into() />
        {offer}
        <Show when=move || push_on>
            <DeviceList devices this_device remove />
            <Prefs s=s.clone() />
        </Show>
    }
}

#[component]
fn DeviceList(
    devices: RwSignal<Vec<PushDevice>>,
    this_device: RwSignal<Option<DeviceId>>,
    remove: Callback<PushDevice>,
) -> impl IntoView {
    view! {
        <h3>"Devices that get notifications"</h3>
        {move || {
            let list = devices.get();
            if list.is_empty() {
                view! { <p class="empty">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="devices">
                            {list
                            .into_iter()
                            .map(|d| {
                                let mine = this_device.with(|t| t.as_ref() == Some(&d.id));
                                view! { <Device d mine remove /> }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }
        }}
    }
}

#[component]
fn Device(d: PushDevice, mine: bool, remove: Callback<PushDevice>) -> impl IntoView {
    let label = d.label.clone();
    let (created, used) = (d.created_at, d.last_used_at);
    view! {
        <li>
            <span>
                <strong>{label}</strong>
                {mine.then_some(" (this device)")}
                <span class="hint">
                    " · added " <LocalTime at=created />
                    {used.map(|at| view! { " · last notified " <LocalTime at /> })}
                </span>
            </span>
            <button type="button" class="button secondary" on:click=move |_| remove.run(d.clone())>
                "Remove this device"
            </button>
        </li>
    }
}

#[component]
fn Prefs(s: PushSettings) -> impl IntoView {
    let save = ServerAction::<SaveNotificationPrefs>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    let prefs = s.prefs.clone();
    // The browser's zone, so quiet hours follow the user; the stored one until it is known.
    let zone = RwSignal::new(prefs.time_zone.clone());
    Effect::new(move |_| zone.set(browser::time_zone()));
    let muted = RwSignal::new(prefs.muted.clone());
    let muted_text =
        move || muted.with(|m| m.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","));
    let (start, end) = prefs
        .quiet
        .map(|q| (QuietHours::format(q.start), QuietHours::format(q.end)))
        .unwrap_or_default();
    view! {
        <h3>"What reaches your devices"</h3>
        <ActionForm action=save attr:class="prefs">
            <FormError error />
            <fieldset>
                <legend>"Notify me about"</legend>
                {NoticeKind::ALL
                    .into_iter()
                    .map(|k| {
                        let checked = move || !muted.with(|m| m.contains(&k));
                        view! {
                            <label class="check">
                                <input
                                    type="checkbox"
                                    prop:checked=checked
                                    disabled=!k.optional()
                                    on:change=move |_| {
                                        muted.update(|m| {
                                            if let Some(i) = m.iter().position(|x| *x == k) {
                                                m.remove(i);
                                            } else {
                                                m.push(k);
                                            }
                                        })
                                    }
                                />
                                {k.label()}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <input type="hidden" name="muted" prop:value=muted_text />
            <fieldset>
                <legend>"Quiet hours"</legend>
                <p class="hint">"No notifications on your devices between these times (security messages still come). Leave both empty for none."</p>
                <div class="row">
                    <label>"From " <input type="time" name="quiet_start" value=start /></label>
                    <label>"to " <input type="time" name="quiet_end" value=end /></label>
                </div>
                <p class="hint">"Times in " {move || zone.get()} "."</p>
                <input type="hidden" name="time_zone" prop:value=move || zone.get() />
            </fieldset>
            <button type="submit" class="button" disabled=move || save.pending().get()>"Save preferences"</button>
            {move || saved().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
        </ActionForm>
    }
}

/// A subscription as the browser made it.
struct BrowserSubscription {
    endpoint: String,
    p256dh: String,
    auth: String,
    label: String,
}

/// Calls into /pwa.js's `curbsidePush`, which wraps the Push API (plain
/// JS: the promise plumbing costs more in wasm than it is worth).
#[cfg(feature = "browser")]
mod browser {
    use super::{BrowserSubscription, Support};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = curbsidePush, js_name = state, catch)]
        fn js_state() -> Result<String, JsValue>;
        #[wasm_bindgen(js_namespace = curbsidePush, js_name = subscribe, catch)]
        fn js_subscribe(key: &str) -> Result<js_sys::Promise, JsValue>;
        #[wasm_bindgen(js_namespace = curbsidePush, js_name = device, catch)]
        fn js_device() -> Result<js_sys::Promise, JsValue>;
        #[wasm_bindgen(js_namespace = curbsidePush, js_name = remember, catch)]
        fn js_remember(id: &str) -> Result<(), JsValue>;
        #[wasm_bindgen(js_namespace = curbsidePush, js_name = unsubscribe, catch)]
        fn js_unsubscribe() -> Result<js_sys::Promise, JsValue>;
        #[wasm_bindgen(js_namespace = curbsidePush, js_name = timeZone, catch)]
        fn js_time_zone() -> Result<String, JsValue>;
    }

    pub fn support() -> Support {
        match js_state().as_deref() {
            Ok("ios-install") => Support::InstallFirst,
            Ok("denied") => Support::Denied,
            Ok("default" | "granted") => Support::Ready,
            _ => Support::Unsupported,
        }
    }

    fn field(v: &JsValue, name: &str) -> String {
        js_sys::Reflect::get(v, &name.into())
            .ok()
            .and_then(|f| f.as_string())
            .unwrap_or_default()
    }

    fn words(e: JsValue) -> String {
        js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "Notifications could not be turned on here.".into())
    }

    pub async fn subscribe(key: &str) -> Result<BrowserSubscription, String> {
        let sub = JsFuture::from(js_subscribe(key).map_err(words)?)
            .await
            .map_err(words)?;
        Ok(BrowserSubscription {
            endpoint: field(&sub, "endpoint"),
            p256dh: field(&sub, "p256dh"),
            auth: field(&sub, "auth"),
            label: field(&sub, "label"),
        })
    }

    /// The device id this browser was given, while it is still subscribed.
    pub async fn device() -> Option<String> {
        let v = JsFuture::from(js_device().ok()?).await.ok()?;
        v.as_string().filter(|e| !e.is_empty())
    }

    pub fn remember(id: &str) {
        let _ = js_remember(id);
    }

    pub async fn unsubscribe() {
        if let Ok(p) = js_unsubscribe() {
            let _ = JsFuture::from(p).await;
        }
    }

    pub fn time_zone() -> String {
        js_time_zone().unwrap_or_else(|_| "UTC".into())
    }
}

/// On the server nothing is known of the browser; the page asks once hydrated.
#[cfg(not(feature = "browser"))]
mod browser {
    use super::{BrowserSubscription, Support};

    pub fn support() -> Support {
        Support::Checking
    }

    pub async fn subscribe(_key: &str) -> Result<BrowserSubscription, String> {
        Err("Notifications are turned on in the browser.".into())
    }

    pub async fn device() -> Option<String> {
        None
    }

    pub fn remember(_id: &str) {}

    pub async fn unsubscribe() {}

    pub fn time_zone() -> String {
        "UTC".into()
    }
}
