//! Form pieces: a labelled field that shows its own error, and the form-wide error line.

use crate::domain::AppError;
use leptos::prelude::*;

/// A labelled input; when `error` belongs to this field, its message shows beneath it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(default = true)] required: bool,
    #[prop(optional)] minlength: Option<u32>,
    /// The phone keyboard to show: `numeric`, `decimal`, `email`...
    #[prop(optional)]
    inputmode: &'static str,
) -> impl IntoView {
    let text = FieldText::new(name, hint, error);
    let (id, message) = (text.id.clone(), text.message);
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                value=value
                required=required
                minlength=minlength
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                aria-invalid=move || message.get().is_some().to_string()
                aria-describedby=text.described_by()
            />
            {text.notes()}
        </div>
    }
}

/// What a single-line field shows around its input: its ids, the hint and
/// this field's part of `error`, and which of them describes the input.
#[derive(Clone)]
pub struct FieldText {
    /// The input's id, for the label's `for`.
    pub id: String,
    hint_id: String,
    error_id: String,
    hint: &'static str,
    /// The error message that belongs beside this field, if any.
    pub message: Signal<Option<String>>,
}

impl FieldText {
    pub fn new(name: &'static str, hint: &'static str, error: Signal<Option<AppError>>) -> Self {
        let id = format!("field-{name}");
        Self {
            hint_id: format!("{id}-hint"),
            error_id: format!("{id}-error"),
            id,
            hint,
            message: Signal::derive(move || error.get().and_then(|e| e.for_field(name))),
        }
    }

    /// The input's `aria-describedby`: the error while there is one, else the hint.
    pub fn described_by(&self) -> impl Fn() -> Option<String> + use<> {
        let (text, message) = (self.clone(), self.message);
        move || match (message.get().is_some(), text.hint.is_empty()) {
            (true, _) => Some(text.error_id.clone()),
            (false, false) => Some(text.hint_id.clone()),
            (false, true) => None,
        }
    }

    /// The hint and the error message beneath the input.
    pub fn notes(&self) -> impl IntoView + use<> {
        let (hint, hint_id, error_id, message) = (
            self.hint,
            self.hint_id.clone(),
            self.error_id.clone(),
            self.message,
        );
        view! {
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
            {move || message.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        }
    }
}

/// A labelled multi-line input that shows its own error, like [`Field`].
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(default = 4)] rows: u32,
    #[prop(default = false)] required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let message = move || error.get().and_then(|e| e.for_field(name));
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                name=name
                rows=rows
                maxlength=maxlength
                required=required
                aria-invalid=move || message().is_some().to_string()
                aria-describedby={
                    let error_id = error_id.clone();
                    move || message().is_some().then(|| error_id.clone())
                }
            >
                {textarea_text(value.unwrap_or_default())}
            </textarea>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// Leptos writes a `<textarea>`'s children into the server-rendered HTML
/// unescaped (it treats them as raw text), so a stored
/// `</textarea><img onerror=…>` would end the element and run. The HTML is
/// escaped here; in the browser the text becomes a DOM text node, which is
/// never parsed, so it goes in as it is.
fn textarea_text(value: String) -> String {
    if cfg!(feature = "ssr") {
        escape_html(&value)
    } else {
        value
    }
}

/// `&`, `<` and `>` as entities: text that HTML cannot read as markup.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A labelled drop-down of `(value, label)` options that shows its own error, like [`Field`].
#[component]
pub fn Select(
    label: &'static str,
    name: &'static str,
    error: Signal<Option<AppError>>,
    options: Vec<(String, String)>,
    /// Shown first with an empty value, so nothing is chosen by accident.
    #[prop(optional)]
    placeholder: &'static str,
    #[prop(optional, into)] selected: Option<String>,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let message = move || error.get().and_then(|e| e.for_field(name));
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}</label>
            <select
                id=id
                name=name
                required=true
                aria-invalid=move || message().is_some().to_string()
                aria-describedby={
                    let error_id = error_id.clone();
                    move || message().is_some().then(|| error_id.clone())
                }
            >
                {(!placeholder.is_empty()).then(|| view! { <option value="">{placeholder}</option> })}
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let chosen = selected.as_deref() == Some(value.as_str());
                        view! { <option value=value selected=chosen>{text}</option> }
                    })
                    .collect_view()}
            </select>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// An error that belongs to no single field: wrong credentials, a lock-out, a network failure.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .and_then(|e| e.general())
            .map(|m| view! { <p class="form-error" role="alert">{m}</p> })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            escape_html("</textarea><img src=x onerror=alert(1)> & co"),
            "&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt; &amp; co"
        );
    }
}
