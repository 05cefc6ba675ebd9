//! The thumbnails, grouped by kind in gallery order; a click opens one in
//! the viewer.

use super::Shelf;
use crate::domain::photo::{Photo, PhotoKind};
use leptos::prelude::*;

#[component]
pub(super) fn Gallery(shelf: Shelf) -> impl IntoView {
    move || {
        let list = shelf.photos.get();
        if list.is_empty() {
            return shelf
                .loaded
                .get()
                .then(|| view! { <p class="muted">"No photos yet."</p> })
                .into_any();
        }
        PhotoKind::ALL
            .iter()
            .filter_map(|k| {
                let shown: Vec<(usize, Photo)> = list
                    .iter()
                    .cloned()
                    .enumerate()
                    .filter(|(_, p)| p.kind == *k)
                    .collect();
                (!shown.is_empty()).then(|| view! {
                    <h3 class="photo-kind">{k.label()}</h3>
                    <ul class="photo-grid">
                        {shown.into_iter().map(|(i, p)| {
                            let alt = p.caption.clone().unwrap_or_else(|| format!("{} photo", p.kind.label()));
                            view! {
                                <li>
                                    <button type="button" class="photo-thumb" on:click=move |_| shelf.open.set(Some(i)) aria-label=format!("Open {alt}")>
                                        <img src=p.thumb_url.clone() alt=alt.clone() loading="lazy" width="160" height="120" on:error=move |_| shelf.image_failed() />
                                    </button>
                                    {p.caption.clone().map(|c| view! { <span class="small">{c}</span> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            })
            .collect_view()
            .into_any()
    }
}
