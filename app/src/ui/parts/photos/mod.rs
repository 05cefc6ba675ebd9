//! A job's photos: the list they share ([`Shelf`]), and `JobPhotos`, which
//! keeps it fresh and lays out its three parts:
//! - `uploader.rs`: several photos at once, each shrunk in the browser when
//!   large, sent with a progress bar, cancellable, retried after a failure
//!   (the browser's side of it in `browser.rs`);
//! - `gallery.rs`: the thumbnails grouped by kind;
//! - `viewer.rs`: one photo full screen (arrows, keys, swipe, delete).
//!
//! Rendered in the browser only, after hydration.

use crate::{
    api::photos::job_photos,
    domain::{
        JobId, Timestamp,
        job::{Actor, JobStatus},
        photo::{Photo, PhotoKind},
    },
    ui::live::Live,
};
use gallery::Gallery;
use leptos::{prelude::*, task::spawn_local};
use uploader::Uploader;
use viewer::Viewer;

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
/// The job's photos as this viewer has them, and which one is open full
/// screen. Every field is a handle, so the shelf is `Copy` into callbacks.
#[derive(Clone, Copy)]
struct Shelf {
    job: StoredValue<JobId>,
    photos: RwSignal<Vec<Photo>>,
    loaded: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    open: RwSignal<Option<usize>>,
    last_reload: StoredValue<Timestamp>,
}

impl Shelf {
    fn new(job: JobId) -> Self {
        Shelf {
            job: StoredValue::new(job),
            photos: RwSignal::new(Vec::new()),
            loaded: RwSignal::new(false),
            error: RwSignal::new(None),
            open: RwSignal::new(None),
            last_reload: StoredValue::new(Timestamp::EPOCH),
        }
    }

    /// Fetches the list again, with fresh links for this viewer.
    fn reload(self) {
        self.last_reload.set_value(Timestamp::now());
        let job = self.job.get_value();
        spawn_local(async move {
            match job_photos(job).await {
                Ok(list) => {
                    self.photos.set(in_gallery_order(list));
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
            self.loaded.set(true);
        });
    }

    /// Links expire: a picture that fails to load asks for new ones (not
    /// more than twice a minute, in case the photo itself is gone).
    fn image_failed(self) {
        if Timestamp::now() - self.last_reload.get_value() > 30_000 {
            self.reload();
        }
    }

    /// A photo this viewer just sent, in its place.
    #[cfg_attr(not(feature = "browser"), allow(dead_code))]
    fn add(self, photo: Photo) {
        self.photos.update(|v| {
            v.retain(|x| x.id != photo.id);
            v.push(photo);
            *v = in_gallery_order(std::mem::take(v));
        });
    }
}

#[component]
pub fn JobPhotos(place: PhotoPlace) -> impl IntoView {
    let live = Live::get();
    let shelf = Shelf::new(place.job.clone());
    shelf.reload();
    // The other party added one: fetch the list (with links for this viewer).
    Effect::new(move |previous: Option<()>| {
        let heard = live.photo.get();
        if previous.is_some() && heard.is_some_and(|p| p.job == shelf.job.get_value()) {
            shelf.reload();
        }
    });
    // A reset or a stream opened afresh may have missed some.
    Effect::new(move |previous: Option<u64>| {
        let h = live.heard.get();
        if previous.is_some_and(|p| p != h.n) && h.jobs.is_none() {
            shelf.reload();
        }
        h.n
    });
    view! {
        <section class="photos" aria-labelledby="photos-title">
            <h2 id="photos-title">"Photos"</h2>
            <Uploader kinds=place.kinds() shelf />
            {move || shelf.error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <Gallery shelf />
            <Viewer shelf />
        </section>
    }
}

/// The browser's side: the chosen files, shrinking, and the PUT with its progress.
#[cfg(feature = "browser")]
mod browser;
mod gallery;
mod uploader;
mod viewer;

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
