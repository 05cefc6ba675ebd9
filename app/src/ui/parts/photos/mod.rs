//! A job's photos: the gallery grouped by kind, the full-screen viewer
//! (arrows, keys, swipe), and the uploader: several photos at once, each
//! shrunk in the browser when large, sent with a progress bar, cancellable,
//! retried after a failure (the browser's side of it in `browser.rs`).
//! Rendered in the browser only, after hydration.
//!
//! Over 450 lines with its unit tests: `JobPhotos` keeps the gallery, the
//! viewer and the uploader on one state, and is the next component to split.

use crate::{
    api::photos::{delete_photo, job_photos},
    domain::{
        Account, JobId,
        job::{Actor, JobStatus},
        photo::{Photo, PhotoKind},
    },
    ui::live::Live,
};
use leptos::{ev, prelude::*, task::spawn_local};

/// Whose gallery this is and what they may add: set by the job page.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoPlace {
    pub job: JobId,
    pub viewer: Actor,
    pub status: JobStatus,
}

impl PhotoPlace {
    /// The kinds the viewer may add now (the server decides the same).
    pub fn kinds(&self) -> Vec<PhotoKind> {
        match self.viewer {
            Actor::Customer
                if !matches!(self.status, JobStatus::Completed | JobStatus::Cancelled) =>
            {
                vec![PhotoKind::Problem]
            }
            Actor::AssignedMechanic if self.status != JobStatus::Cancelled => {
                PhotoKind::WORK.to_vec()
            }
            _ => Vec::new(),
        }
    }
}

/// Where one chosen photo is on its way.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "browser"), allow(dead_code))]
pub enum Stage {
    /// Being read (and shrunk) in the browser.
    Preparing,
    /// Percent sent.
    Sending(u8),
    /// Sent; the server checks and stores it.
    Checking,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub key: u32,
    pub name: String,
    /// An object URL of the chosen file, for its preview.
    pub preview: String,
    pub kind: PhotoKind,
    pub caption: Option<String>,
    pub stage: Stage,
}

/// The gallery's order: by kind (the problem, before, diagnostic, parts,
/// after), then oldest first. The viewer steps through it in this order.
pub fn in_gallery_order(mut photos: Vec<Photo>) -> Vec<Photo> {
    let rank = |k: PhotoKind| PhotoKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
    photos.sort_by(|a, b| {
        (rank(a.kind), a.uploaded_at, &a.id).cmp(&(rank(b.kind), b.uploaded_at, &b.id))
    });
    photos
}

/// The viewer's next index after a step of `by` (−1, +1), staying in range.
pub fn step(at: usize, by: i32, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (at as i64 + i64::from(by)).clamp(0, len as i64 - 1) as usize
}

#[component]
pub fn JobPhotos(place: PhotoPlace) -> impl IntoView {
    let live = Live::get();
    let photos = RwSignal::new(Vec::<Photo>::new());
    let loaded = RwSignal::new(false);
    let load_error = RwSignal::new(None::<String>);
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let open = RwSignal::new(None::<usize>);
    let kinds = place.kinds();
    let kind = RwSignal::new(kinds.first().copied().unwrap_or(PhotoKind::Problem));
    let caption = RwSignal::new(String::new());
    let job = StoredValue::new(place.job.clone());
    let me = StoredValue::new(expect_context::<Account>().id);
    let last_reload = StoredValue::new(0.0_f64);

    let reload = move || {
        last_reload.set_value(crate::domain::Timestamp::now().millis() as f64);
        let j = job.get_value();
        spawn_local(async move {
            match job_photos(j.to_string()).await {
                Ok(list) => {
                    photos.set(in_gallery_order(list));
                    load_error.set(None);
                }
                Err(e) => load_error.set(Some(e.to_string())),
            }
            loaded.set(true);
        });
    };
    reload();
    // The other party added one: fetch the list (with links for this viewer).
    Effect::new(move |previous: Option<()>| {
        let heard = live.photo.get();
        if previous.is_some() && heard.is_some_and(|p| p.job == job.get_value()) {
            reload();
        }
    });
    // A reset or a stream opened afresh may have missed some.
    Effect::new(move |previous: Option<u64>| {
        let h = live.heard.get();
        if previous.is_some_and(|p| p != h.n) && h.jobs.is_none() {
            reload();
        }
        h.n
    });
    // Links expire: a picture that fails to load asks for new ones (not
    // more than twice a minute, in case the photo itself is gone).
    let image_failed = move |_| {
        let now = crate::domain::Timestamp::now().millis() as f64;
        if now - last_reload.get_value() > 30_000.0 {
            reload();
        }
    };

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
        let j = job.get_value();
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
                    j.to_string(),
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
                        photos.update(|v| {
                            v.retain(|x| x.id != p.id);
                            v.push(p);
                            *v = in_gallery_order(std::mem::take(v));
                        });
                    }
                    Err(e) => set_stage(key, Stage::Failed(e.to_string())),
                }
            }
            #[cfg(not(feature = "browser"))]
            let _ = (j, upload, alive);
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
    let delete = move |id: String| {
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
                Err(e) => load_error.set(Some(e.to_string())),
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

    let gallery = move || {
        let list = photos.get();
        if list.is_empty() {
            return loaded
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
                                    <button type="button" class="photo-thumb" on:click=move |_| open.set(Some(i)) aria-label=format!("Open {alt}")>
                                        <img src=p.thumb_url.clone() alt=alt.clone() loading="lazy" width="160" height="120" on:error=image_failed />
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
    };

    let swipe_from = StoredValue::new(None::<i32>);
    let viewer = move || {
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
                <img src=p.url.clone() alt=p.caption.clone().unwrap_or_else(|| p.kind.label().to_owned()) on:error=image_failed />
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
    };

    view! {
        <section class="photos" aria-labelledby="photos-title">
            <h2 id="photos-title">"Photos"</h2>
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
            {move || load_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {gallery}
            {viewer}
        </section>
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

/// The browser's side: the chosen files, shrinking, and the PUT with its progress.
#[cfg(feature = "browser")]
mod browser;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    fn photo(id: &str, kind: PhotoKind, at: i64) -> Photo {
        Photo {
            id: id.into(),
            job: "j".into(),
            kind,
            caption: None,
            uploader: "u".into(),
            uploaded_at: Timestamp::from_millis(at),
            width: 1,
            height: 1,
            url: String::new(),
            thumb_url: String::new(),
            urls_expire_at: Timestamp::EPOCH,
        }
    }

    #[test]
    fn the_gallery_runs_by_kind_then_age() {
        let ordered = in_gallery_order(vec![
            photo("after", PhotoKind::After, 1),
            photo("before2", PhotoKind::Before, 5),
            photo("problem", PhotoKind::Problem, 9),
            photo("before1", PhotoKind::Before, 2),
        ]);
        let ids: Vec<&str> = ordered.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["problem", "before1", "before2", "after"]);
    }

    #[test]
    fn the_viewer_stops_at_both_ends() {
        assert_eq!(step(0, -1, 3), 0);
        assert_eq!(step(1, 1, 3), 2);
        assert_eq!(step(2, 1, 3), 2);
        assert_eq!(step(0, 1, 0), 0);
    }

    #[test]
    fn who_adds_what() {
        let place = |viewer, status| PhotoPlace {
            job: "j".into(),
            viewer,
            status,
        };
        assert_eq!(
            place(Actor::Customer, JobStatus::Requested).kinds(),
            [PhotoKind::Problem]
        );
        assert!(
            place(Actor::Customer, JobStatus::Completed)
                .kinds()
                .is_empty()
        );
        assert_eq!(
            place(Actor::AssignedMechanic, JobStatus::Completed)
                .kinds()
                .len(),
            4
        );
        assert!(
            place(Actor::QuotingMechanic, JobStatus::Quoted)
                .kinds()
                .is_empty()
        );
        assert!(place(Actor::Admin, JobStatus::Accepted).kinds().is_empty());
    }
}
