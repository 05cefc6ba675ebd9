//! One photo full screen: previous and next by arrows, keys or a swipe;
//! its uploader may delete it.

use super::{Shelf, step};
use crate::{
    api::photos::delete_photo,
    domain::{Account, PhotoId},
};
use leptos::{ev, prelude::*, task::spawn_local};

#[component]
pub(super) fn Viewer(shelf: Shelf) -> impl IntoView {
    let Shelf { photos, open, .. } = shelf;
    let me = StoredValue::new(expect_context::<Account>().id);
    let delete = move |id: PhotoId| {
        #[cfg(feature = "browser")]
        {
            let sure = window()
                .confirm_with_message("Delete this photo? It is removed for everyone.")
                .unwrap_or(false);
            if !sure {
                return;
            }
        }
        spawn_local(async move {
            match delete_photo(id.clone()).await {
                Ok(()) => {
                    open.set(None);
                    photos.update(|v| v.retain(|p| p.id != id));
                }
                Err(e) => shelf.error.set(Some(e.to_string())),
            }
        });
    };
    let keys = window_event_listener(ev::keydown, move |e| {
        let Some(at) = open.get_untracked() else {
            return;
        };
        let len = photos.with_untracked(Vec::len);
        match e.key().as_str() {
            "Escape" => open.set(None),
            "ArrowLeft" => open.set(Some(step(at, -1, len))),
            "ArrowRight" => open.set(Some(step(at, 1, len))),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    let swipe_from = StoredValue::new(None::<i32>);
    move || {
        let at = open.get()?;
        let list = photos.get();
        let p = list.get(at)?.clone();
        let len = list.len();
        let mine = p.uploader == me.get_value();
        let id = p.id.clone();
        Some(view! {
            <div
                class="viewer"
                role="dialog"
                aria-modal="true"
                aria-label="Photo"
                on:pointerdown=move |e| swipe_from.set_value(Some(e.client_x()))
                on:pointerup=move |e| {
                    if let Some(from) = swipe_from.get_value() {
                        let dx = e.client_x() - from;
                        if dx.abs() > 50 {
                            open.set(Some(step(at, if dx < 0 { 1 } else { -1 }, len)));
                        }
                    }
                    swipe_from.set_value(None);
                }
            >
                <img src=p.url.clone() alt=p.caption.clone().unwrap_or_else(|| p.kind.label().to_owned()) on:error=move |_| shelf.image_failed() />
                <p class="viewer-caption">
                    <strong>{p.kind.label()}</strong>
                    {p.caption.clone().map(|c| view! { " · " {c} })}
                    <span class="muted">{format!(" · {} of {len}", at + 1)}</span>
                </p>
                <div class="viewer-bar">
                    <button type="button" class="button secondary" aria-label="Previous photo" disabled={at == 0} on:click=move |_| open.set(Some(step(at, -1, len)))>"‹"</button>
                    {mine.then(|| view! {
                        <button type="button" class="button danger" on:click=move |_| delete(id.clone())>"Delete"</button>
                    })}
                    <button type="button" class="button secondary" on:click=move |_| open.set(None)>"Close"</button>
                    <button type="button" class="button secondary" aria-label="Next photo" disabled={at + 1 >= len} on:click=move |_| open.set(Some(step(at, 1, len)))>"›"</button>
                </div>
            </div>
        })
    }
}
