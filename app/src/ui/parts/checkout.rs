//! The customer's card form: accepting a quote holds its total on the
//! card (Stripe's Card Element, loaded on demand by /checkout.js), or
//! books it in the labelled demo payment mode.

use crate::{
    api::quotes::{AcceptQuote, StartCheckout, accept_quote, start_checkout},
    domain::{AppError, QuoteId, money::Money, payment::Checkout},
};
use leptos::{html::Div, prelude::*};

/// "Accept and pay": opens the card form for one quote.
#[component]
pub fn PayAndAccept(
    quote_id: QuoteId,
    total: Money,
    accept: ServerAction<AcceptQuote>,
) -> impl IntoView {
    let checkout = ServerAction::<StartCheckout>::new();
    let id = quote_id.clone();
    let open = move |_| {
        checkout.dispatch(StartCheckout { id: id.clone() });
    };
    move || {
        if checkout.version().get() == 0 {
            return view! {
                <button type="button" class="button wide" on:click=open.clone() disabled=move || accept.pending().get()>
                    {format!("Accept and pay {total}")}
                </button>
            }
            .into_any();
        }
        match checkout.value().get() {
            None => view! { <p class="loading">"Opening the card form…"</p> }.into_any(),
            Some(Err(e)) => {
                view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
            }
            Some(Ok(Checkout::Demo { amount })) => {
                let id = quote_id.clone();
                view! {
                <div class="checkout demo">
                    <p><span class="badge pending">"Demo payment mode"</span></p>
                    <p class="small">
                        {format!("This server has no card payments set up, so no card is charged. A real booking holds {amount} on your card now and takes it when the job is done.")}
                    </p>
                    <ActionForm action=accept>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class="button wide" disabled=move || accept.pending().get()>
                            {format!("Book for {amount} (demo)")}
                        </button>
                    </ActionForm>
                </div>
                }
                .into_any()
            }
            Some(Ok(Checkout::Stripe {
                publishable_key,
                js_url,
                setup_secret,
                amount,
            })) => view! {
                <CardForm quote_id=quote_id.clone() publishable_key js_url setup_secret amount />
            }
            .into_any(),
        }
    }
}

#[component]
fn CardForm(
    quote_id: QuoteId,
    publishable_key: String,
    js_url: String,
    setup_secret: String,
    amount: Money,
) -> impl IntoView {
    let host = NodeRef::<Div>::new();
    // A SetupIntent is used once: after a refusal the next try needs a new one.
    let secret = RwSignal::new(setup_secret);
    let ready = RwSignal::new(false);
    let working = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |mounted: Option<bool>| {
        if mounted == Some(true) {
            return true;
        }
        let Some(el) = host.get() else { return false };
        let (js_url, key) = (js_url.clone(), publishable_key.clone());
        detached(async move {
            match glue::mount(el.into(), js_url, key).await {
                Ok(()) => {
                    ready.try_set(true);
                }
                Err(m) => {
                    error.try_set(Some(m));
                }
            }
        });
        true
    });
    let pay = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if working.get_untracked() {
            return;
        }
        working.set(true);
        error.set(None);
        let id = quote_id.clone();
        detached(async move {
            match pay_and_book(&id, secret.get_untracked()).await {
                // The booked job, its payment and its events: the page as
                // the server renders it now.
                Ok(()) => glue::reload(),
                Err(m) => {
                    error.try_set(Some(m));
                    working.try_set(false);
                    if let Ok(Checkout::Stripe { setup_secret, .. }) = start_checkout(id).await {
                        secret.try_set(setup_secret);
                    }
                }
            }
        });
    };
    view! {
        <form class="checkout" on:submit=pay>
            <h3>"Pay by card"</h3>
            <p class="small">{format!("{amount} is held on your card now and taken only when the job is done. Cancel before work starts and the hold is released.")}</p>
            <div class="card-field" node_ref=host aria-label="Card details"></div>
            <p class="field-error" role="alert" hidden=move || error.get().is_none()>
                {move || error.get().unwrap_or_default()}
            </p>
            <button type="submit" class="button wide" disabled=move || !ready.get() || working.get()>
                {move || if working.get() { "Checking your card…".to_owned() } else { format!("Book for {amount}") }}
            </button>
            <p class="muted small">"Card details go straight to Stripe; Curbside never sees your card number."</p>
        </form>
    }
}

/// The card typed into the form checked with Stripe, then the quote
/// accepted with it, with the bank's confirmation when it asks for one.
/// `Err` carries the words to show beside the form.
async fn pay_and_book(quote_id: &QuoteId, setup_secret: String) -> Result<(), String> {
    let pm = glue::setup(setup_secret).await?;
    let mut answer = accept_quote(quote_id.clone(), Some(pm)).await;
    if let Err(AppError::PaymentActionRequired { client_secret }) = answer {
        glue::authenticate(client_secret).await?;
        answer = accept_quote(quote_id.clone(), None).await;
    }
    answer.map(|_| ()).map_err(|e| e.to_string())
}

/// Runs a step of the card form in the browser.
fn detached(step: impl std::future::Future<Output = ()> + 'static) {
    #[cfg(feature = "browser")]
    wasm_bindgen_futures::spawn_local(step);
    #[cfg(not(feature = "browser"))]
    drop(step);
}

/// Calls into /checkout.js, which wraps Stripe.js.
#[cfg(feature = "browser")]
mod glue {
    use wasm_bindgen::{JsCast, prelude::*};
    use wasm_bindgen_futures::JsFuture;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = curbsideCheckout, js_name = mount)]
        fn js_mount(el: &web_sys::Element, js_url: &str, key: &str) -> js_sys::Promise;
        #[wasm_bindgen(js_namespace = curbsideCheckout, js_name = setup)]
        fn js_setup(secret: &str) -> js_sys::Promise;
        #[wasm_bindgen(js_namespace = curbsideCheckout, js_name = authenticate)]
        fn js_authenticate(secret: &str) -> js_sys::Promise;
    }

    const UNLOADED: &str =
        "The card form could not be loaded. Check your connection and try again.";

    fn words(e: JsValue) -> String {
        js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "The card form failed. Try again.".to_owned())
    }

    /// Loads /checkout.js once.
    async fn load() -> Result<(), String> {
        let window = web_sys::window().ok_or(UNLOADED)?;
        if js_sys::Reflect::has(&window, &"curbsideCheckout".into()).unwrap_or(false) {
            return Ok(());
        }
        let doc = window.document().ok_or(UNLOADED)?;
        let script: web_sys::HtmlScriptElement = doc
            .create_element("script")
            .map_err(|_| UNLOADED)?
            .dyn_into()
            .map_err(|_| UNLOADED)?;
        script.set_src("/checkout.js");
        let loaded = js_sys::Promise::new(&mut |resolve, reject| {
            script.set_onload(Some(&resolve));
            script.set_onerror(Some(&reject));
        });
        doc.head()
            .ok_or(UNLOADED)?
            .append_child(&script)
            .map_err(|_| UNLOADED)?;
        JsFuture::from(loaded).await.map_err(|_| UNLOADED)?;
        Ok(())
    }

    pub async fn mount(el: web_sys::Element, js_url: String, key: String) -> Result<(), String> {
        load().await?;
        JsFuture::from(js_mount(&el, &js_url, &key))
            .await
            .map(|_| ())
            .map_err(words)
    }

    pub async fn setup(secret: String) -> Result<String, String> {
        JsFuture::from(js_setup(&secret))
            .await
            .map_err(words)?
            .as_string()
            .ok_or_else(|| "Your card was not accepted.".to_owned())
    }

    pub async fn authenticate(secret: String) -> Result<(), String> {
        JsFuture::from(js_authenticate(&secret))
            .await
            .map(|_| ())
            .map_err(words)
    }

    pub fn reload() {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    }
}

/// The server renders the form; only the browser runs it.
#[cfg(not(feature = "browser"))]
mod glue {
    const NOT_HERE: &str = "The card form runs in the browser.";

    pub async fn mount(
        _el: leptos::web_sys::Element,
        _js_url: String,
        _key: String,
    ) -> Result<(), String> {
        Err(NOT_HERE.into())
    }

    pub async fn setup(_secret: String) -> Result<String, String> {
        Err(NOT_HERE.into())
    }

    pub async fn authenticate(_secret: String) -> Result<(), String> {
        Err(NOT_HERE.into())
    }

    pub fn reload() {}
}
