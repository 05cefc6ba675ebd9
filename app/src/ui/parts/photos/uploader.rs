//! Adding photos: the kind and caption, the file picker, and one row per
//! photo on its way, with its progress, retry and cancel.

#[cfg(feature = "browser")]
use super::browser;
use super::{Shelf, Stage, Upload};
use crate::domain::photo::PhotoKind;
use leptos::{ev, prelude::*, task::spawn_local};

/// The kinds the viewer may add (none: nothing is shown) and the uploads
/// under way, each sent on its own.
#[component]
pub(super) fn Uploader(kinds: Vec<PhotoKind>, shelf: Shelf) -> impl IntoView {
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let kind = RwSignal::new(kinds.first().copied().unwrap_or(PhotoKind::Problem));
    let caption = RwSignal::new(String::new());

    let set_stage = move |key: u32, stage: Stage| {
        uploads.update(|v| {
            if let Some(u) = v.iter_mut().find(|u| u.key == key) {
                u.stage = stage;
            }
        })
    };
    let remove = move |key: u32| {
        uploads.update(|v| v.retain(|u| u.key != key));
        #[cfg(feature = "browser")]
        browser::forget(key);
    };
    let alive = move |key: u32| uploads.with_untracked(|v| v.iter().any(|u| u.key == key));
    let run = move |key: u32| {
        let Some(upload) = uploads.with_untracked(|v| v.iter().find(|u| u.key == key).cloned())
        else {
            return;
        };
        set_stage(key, Stage::Preparing);
        let job = shelf.job.get_value();
        spawn_local(async move {
            #[cfg(feature = "browser")]
            {
                use crate::api::photos::{begin_photo, finish_photo};
                let (blob, content_type) = match browser::prepare(key).await {
                    Ok(b) => b,
                    Err(m) => return set_stage(key, Stage::Failed(m)),
                };
                if !alive(key) {
                    return;
                }
                let ticket = match begin_photo(
                    job,
                    upload.kind.as_str().to_owned(),
                    upload.caption.clone(),
                    blob.size() as u64,
                    content_type,
                )
                .await
                {
                    Ok(t) => t,
                    Err(e) => return set_stage(key, Stage::Failed(e.to_string())),
                };
                if !alive(key) {
                    return;
                }
                set_stage(key, Stage::Sending(0));
                match browser::send(key, &ticket, &blob, move |pct| {
                    set_stage(key, Stage::Sending(pct))
                })
                .await
                {
                    Ok(()) => {}
                    Err(None) => return remove(key),
                    Err(Some(m)) => return set_stage(key, Stage::Failed(m)),
                }
                set_stage(key, Stage::Checking);
                match finish_photo(ticket.id).await {
                    Ok(p) => {
                        remove(key);
                        shelf.add(p);
                    }
                    Err(e) => set_stage(key, Stage::Failed(e.to_string())),
                }
            }
            #[cfg(not(feature = "browser"))]
            let _ = (job, upload, alive, shelf);
        });
    };
    let pick = move |ev: ev::Event| {
        #[cfg(feature = "browser")]
        {
            let input = event_target::<leptos::web_sys::HtmlInputElement>(&ev);
            let text = caption.get_untracked();
            let text = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
            for (key, name, preview) in browser::take(&input) {
                uploads.update(|v| {
                    v.push(Upload {
                        key,
                        name,
                        preview,
                        kind: kind.get_untracked(),
                        caption: text.clone(),
                        stage: Stage::Preparing,
                    })
                });
                run(key);
            }
            caption.set(String::new());
        }
        #[cfg(not(feature = "browser"))]
        let _ = (ev, run);
    };
    let cancel = move |key: u32| {
        #[cfg(feature = "browser")]
        if browser::cancel(key) {
            return;
        }
        remove(key);
    };

    let adder = (!kinds.is_empty()).then(|| {
        let several = kinds.len() > 1;
        view! {
            <div class="photo-add">
                {several.then(|| view! {
                    <label class="field">
                        <span class="label">"What does it show?"</span>
                        <select
                            name="kind"
                            on:change=move |e| {
                                if let Some(k) = PhotoKind::parse(&event_target_value(&e)) {
                                    kind.set(k);
                                }
                            }
                        >
                            {kinds.iter().map(|k| view! {
                                <option value=k.as_str() selected={*k == kind.get_untracked()}>{k.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
                <label class="field">
                    <span class="label">"Caption (optional)"</span>
                    <input
                        type="text"
                        name="caption"
                        maxlength="200"
                        prop:value=move || caption.get()
                        on:input=move |e| caption.set(event_target_value(&e))
                    />
                </label>
                <label class="button photo-pick">
                    "Add photos"
                    <input
                        type="file"
                        class="visually-hidden"
                        accept="image/jpeg,image/png,image/webp,image/heic,image/*"
                        multiple
                        on:change=pick
                    />
                </label>
                <p class="hint">"JPEG, PNG or WebP, up to 5 MB each. Large photos are made smaller before sending, and their location data is never kept."</p>
            </div>
        }
    });

    view! {
        {adder}
        <ul class="uploads">
            // Keyed by the upload alone: a progress tick updates its row, never rebuilds it.
            <For each=move || uploads.get() key=|u| u.key let:u>
                <UploadRow
                    stage=Memo::new(move |_| {
                        uploads.with(|v| v.iter().find(|x| x.key == u.key).map(|x| x.stage.clone()))
                    })
                    upload=u
                    retry=run
                    cancel
                />
            </For>
        </ul>
    }
}

/// One upload in progress; `stage` follows it (none once it has left the list).
#[component]
fn UploadRow(
    upload: Upload,
    stage: Memo<Option<Stage>>,
    retry: impl Fn(u32) + Copy + Send + Sync + 'static,
    cancel: impl Fn(u32) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let key = upload.key;
    let stage = move || stage.get().unwrap_or(Stage::Checking);
    let failed = Memo::new(move |_| matches!(stage(), Stage::Failed(_)));
    let busy = Memo::new(move |_| !failed.get() && stage() != Stage::Checking);
    let percent = move || match stage() {
        Stage::Sending(p) => Some(p),
        Stage::Checking => Some(100),
        Stage::Preparing | Stage::Failed(_) => None,
    };
    let has_percent = Memo::new(move |_| percent().is_some());
    let status = move || match stage() {
        Stage::Preparing => "Preparing…".to_owned(),
        Stage::Sending(p) => format!("Sending… {p}%"),
        Stage::Checking => "Checking…".to_owned(),
        Stage::Failed(m) => m,
    };
    let name = move || match stage() {
        Stage::Preparing => "preparing",
        Stage::Sending(_) => "sending",
        Stage::Checking => "checking",
        Stage::Failed(_) => "failed",
    };
    view! {
        <li class="upload" class:failed=move || failed.get() data-stage=name>
            <img src=upload.preview alt="" width="56" height="56" />
            <div class="upload-body">
                <span class="small">{upload.name}</span>
                {move || has_percent.get().then(|| {
                    let p = move || percent().unwrap_or(0);
                    view! { <progress max="100" value=move || p().to_string() aria-label="Sent">{move || format!("{}%", p())}</progress> }
                })}
                // A failure is a new alert, so it is announced; progress is a quiet status.
                {move || if failed.get() {
                    view! { <span class="small form-error" role="alert">{status}</span> }.into_any()
                } else {
                    view! { <span class="small" role="status">{status}</span> }.into_any()
                }}
            </div>
            {move || failed.get().then(|| view! { <button type="button" class="button secondary" on:click=move |_| retry(key)>"Retry"</button> })}
            {move || (busy.get() || failed.get()).then(|| view! { <button type="button" class="button secondary" on:click=move |_| cancel(key)>{if failed.get() { "Remove" } else { "Cancel" }}</button> })}
        </li>
    }
}
