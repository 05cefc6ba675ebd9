//! The browser's side of an upload: the chosen files, shrinking, and the
//! PUT with its progress.

use crate::domain::photo::{self, UploadTicket};
use leptos::wasm_bindgen::{JsCast, JsValue, closure::Closure};
use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, File, HtmlCanvasElement, HtmlInputElement, ImageBitmap,
    ProgressEvent, Url, XmlHttpRequest,
};

/// Photos under this size in a format the server takes go as they are.
const SEND_AS_IS: f64 = 1_500_000.0;

struct Held {
    file: File,
    preview: String,
    xhr: Option<XmlHttpRequest>,
    progress: Option<Closure<dyn FnMut(ProgressEvent)>>,
    cancelled: bool,
}

thread_local! {
    static HELD: RefCell<HashMap<u32, Held>> = RefCell::new(HashMap::new());
    static NEXT: Cell<u32> = const { Cell::new(1) };
}

/// The files chosen in `input`, each kept under a new key with a preview.
pub fn take(input: &HtmlInputElement) -> Vec<(u32, String, String)> {
    let mut taken = Vec::new();
    if let Some(files) = input.files() {
        for i in 0..files.length() {
            let Some(file) = files.get(i) else { continue };
            let key = NEXT.with(|n| {
                let k = n.get();
                n.set(k + 1);
                k
            });
            let preview = Url::create_object_url_with_blob(&file).unwrap_or_default();
            taken.push((key, file.name(), preview.clone()));
            HELD.with(|h| {
                h.borrow_mut().insert(
                    key,
                    Held {
                        file,
                        preview,
                        xhr: None,
                        progress: None,
                        cancelled: false,
                    },
                )
            });
        }
    }
    // The same file may be chosen again later.
    input.set_value("");
    taken
}

pub fn forget(key: u32) {
    if let Some(held) = HELD.with(|h| h.borrow_mut().remove(&key)) {
        let _ = Url::revoke_object_url(&held.preview);
        if let Some(xhr) = held.xhr {
            let _ = xhr.abort();
        }
    }
}

/// Stops a send in progress; false when none is.
pub fn cancel(key: u32) -> bool {
    HELD.with(|h| {
        let mut h = h.borrow_mut();
        match h.get_mut(&key) {
            Some(held) if held.xhr.is_some() => {
                held.cancelled = true;
                if let Some(xhr) = &held.xhr {
                    let _ = xhr.abort();
                }
                true
            }
            _ => false,
        }
    })
}

/// What to send: the file itself when it is small and a format the
/// server takes, else a JPEG of it at most 2,048 px on its longest side.
pub async fn prepare(key: u32) -> Result<(Blob, String), String> {
    let file = HELD
        .with(|h| h.borrow().get(&key).map(|h| h.file.clone()))
        .ok_or_else(|| "This photo was removed.".to_owned())?;
    let kind = file.type_();
    let takes = matches!(kind.as_str(), "image/jpeg" | "image/png" | "image/webp");
    if takes && file.size() <= SEND_AS_IS {
        return Ok((file.into(), kind));
    }
    match shrink(&file).await {
        Some(blob) => Ok((blob, "image/jpeg".to_owned())),
        // Not something this browser can draw: the server says why.
        None if kind.is_empty() => Ok((file.into(), "image/jpeg".to_owned())),
        None => Ok((file.into(), kind)),
    }
}

async fn shrink(file: &File) -> Option<Blob> {
    let win = web_sys::window()?;
    let bitmap: ImageBitmap = JsFuture::from(win.create_image_bitmap_with_blob(file).ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let (w, h) = photo::fit(bitmap.width(), bitmap.height(), photo::DISPLAY_SIDE);
    let canvas: HtmlCanvasElement = win
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(w), f64::from(h))
        .ok()?;
    bitmap.close();
    let made = js_sys::Promise::new(&mut |resolve, _reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        let _ = canvas.to_blob_with_type_and_encoder_options(
            done.unchecked_ref(),
            "image/jpeg",
            &JsValue::from_f64(0.85),
        );
    });
    JsFuture::from(made).await.ok()?.dyn_into::<Blob>().ok()
}

/// PUTs `blob` as the ticket says, telling `progress` the percent sent.
/// `Err(None)`: cancelled; `Err(Some(why))`: failed.
pub async fn send(
    key: u32,
    ticket: &UploadTicket,
    blob: &Blob,
    progress: impl Fn(u8) + 'static,
) -> Result<(), Option<String>> {
    let failed =
        |_| Some("The photo could not be sent. Check your connection and retry.".to_owned());
    let xhr = XmlHttpRequest::new().map_err(failed)?;
    xhr.open("PUT", &ticket.url).map_err(failed)?;
    for (name, value) in &ticket.headers {
        xhr.set_request_header(name, value).map_err(failed)?;
    }
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            progress(((e.loaded() / e.total()) * 100.0).min(100.0) as u8);
        }
    });
    xhr.upload()
        .map_err(failed)?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    let ended = js_sys::Promise::new(&mut |resolve, _reject| {
        xhr.set_onloadend(Some(&resolve));
    });
    HELD.with(|h| {
        if let Some(held) = h.borrow_mut().get_mut(&key) {
            held.xhr = Some(xhr.clone());
            held.progress = Some(on_progress);
        }
    });
    xhr.send_with_opt_blob(Some(blob)).map_err(failed)?;
    let _ = JsFuture::from(ended).await;
    let cancelled = HELD.with(|h| {
        let mut h = h.borrow_mut();
        h.get_mut(&key).is_none_or(|held| {
            held.xhr = None;
            held.progress = None;
            held.cancelled
        })
    });
    if cancelled {
        return Err(None);
    }
    match xhr.status().unwrap_or(0) {
        200..=299 => Ok(()),
        0 => Err(failed(JsValue::NULL)),
        status => {
            let text = xhr.response_text().ok().flatten().unwrap_or_default();
            let message = crate::ui::json::decode::<crate::domain::AppError>(&text)
                .map(|e| e.to_string())
                .unwrap_or_else(|_| {
                    format!("The photo was refused ({status}). Retry, or choose another.")
                });
            Err(Some(message))
        }
    }
}
