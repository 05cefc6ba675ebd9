//! Times as the viewer reads them. The server does not know the viewer's
//! time zone, so its HTML (and the browser's first render, which must
//! match it) says UTC; once the page runs, every time turns into the
//! browser's own zone, and times typed into a form are sent with its offset.

use crate::{
    domain::{AppError, Timestamp, job::Urgency},
    ui::parts::forms::FieldText,
};
use leptos::prelude::*;

/// Whether times may show in the browser's zone: false until hydration ends.
#[derive(Clone, Copy)]
pub struct LocalClock(RwSignal<bool>);

impl LocalClock {
    pub fn provide() {
        provide_context(LocalClock(RwSignal::new(false)));
    }

    /// Called once the page has hydrated.
    pub fn start() {
        if let Some(c) = use_context::<LocalClock>() {
            c.0.set(true);
        }
    }

    /// Reactive: true once times may show in local time.
    pub fn local() -> bool {
        use_context::<LocalClock>().is_some_and(|c| c.0.get())
    }
}

/// `<time>` showing `at` the way the viewer reads it.
#[component]
pub fn LocalTime(at: Timestamp) -> impl IntoView {
    view! { <time datetime=at.format_iso_minutes()>{move || at.format_for(LocalClock::local())}</time> }
}

/// A date and time the viewer types in their own zone: the picker shows
/// local time, and the form sends it as `name` with the browser's offset
/// for that instant (`2026-11-26T09:00+01:00`), which the server stores as UTC.
#[component]
pub fn LocalDateTimeField(
    label: &'static str,
    name: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let text = FieldText::new(name, hint, error);
    let (id, message) = (text.id.clone(), text.message);
    let sent = RwSignal::new(String::new());
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="datetime-local"
                on:input=move |ev| sent.set(with_offset(&event_target_value(&ev)))
                aria-invalid=move || message.get().is_some().to_string()
                aria-describedby=text.described_by()
            />
            <input type="hidden" name=name prop:value=move || sent.get() />
            {text.notes()}
        </div>
    }
}

/// `2026-11-26T09:00` (the browser's wall time) with the browser's offset
/// at that instant; empty stays empty.
fn with_offset(wall: &str) -> String {
    #[cfg(all(feature = "browser", target_arch = "wasm32"))]
    {
        // A date-time without an offset is read as local time, summer time included.
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(wall));
        if !wall.is_empty() && !date.get_time().is_nan() {
            let east = -(date.get_timezone_offset() as i32);
            let sign = if east < 0 { '-' } else { '+' };
            return format!("{wall}{sign}{:02}:{:02}", east.abs() / 60, east.abs() % 60);
        }
    }
    wall.to_owned()
}

/// `As soon as possible`, or the window: in local time when `local`,
/// else in UTC, named once at the end.
pub fn urgency_words(u: Urgency, local: bool) -> String {
    match u {
        Urgency::Asap => "As soon as possible".to_owned(),
        Urgency::Window { start, end } => {
            let start = start.format_for(local);
            format!(
                "{} – {}",
                start.trim_end_matches(" UTC"),
                end.format_for(local)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_as_one_range() {
        assert_eq!(urgency_words(Urgency::Asap, false), "As soon as possible");
        let window = Urgency::Window {
            start: Timestamp::from_millis(1_795_683_600_000),
            end: Timestamp::from_millis(1_795_696_200_000),
        };
        assert_eq!(
            urgency_words(window, false),
            "26 Nov 2026, 09:00 – 26 Nov 2026, 12:30 UTC"
        );
        // The server has no local zone to offer, so it says UTC either way.
        assert_eq!(urgency_words(window, true), urgency_words(window, false));
    }
}
