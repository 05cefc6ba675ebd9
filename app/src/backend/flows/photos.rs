//! Photo use cases: granting an upload, checking and listing what arrived,
//! showing a job's photos to who may see them, deleting, and removing
//! photos of jobs that ended long ago.
//!
//! An upload takes three steps, the same for both stores: `begin` checks
//! the caller, the job, the kind, the declared size and type, and hands
//! out a signed PUT; the browser sends the bytes there (to this server, or
//! straight to S3); `finish` reads them back, judges them by their bytes,
//! stores the two re-encoded sizes, and only then lists the photo.

use crate::domain::{JobId, PhotoId, UserId, photo::PhotoStage};
use crate::{
    backend::{
        Db, access,
        db::{self},
        live::{self, Pending},
        new_id,
        photos::{Photos, storage::Viewer},
        sessions::CurrentUser,
        store::{
            jobs::{self, JobRow},
            photos::{self, PhotoRow},
        },
    },
    domain::{
        AppError, Role, Timestamp,
        access::{Action, rule},
        live::{Audience, EventName},
        photo::{self, Format, MAX_BYTES, Photo, PhotoAdded, PhotoKind, UploadTicket},
    },
};
use std::time::Duration;

/// Grants the caller an upload of one photo of `kind` to the job.
#[tracing::instrument(skip_all, fields(user = %user.id, job = %job_id))]
#[allow(clippy::too_many_arguments)]
pub async fn begin(
    db: &Db,
    photos: &Photos,
    user: &CurrentUser,
    job_id: &JobId,
    kind: &str,
    caption: Option<&str>,
    byte_size: u64,
    content_type: &str,
    now: Timestamp,
) -> Result<UploadTicket, AppError> {
    let job = jobs::row(db, job_id).await?.ok_or(AppError::NotFound)?;
    // Standing first: a job the caller may not see is not found, whatever the form says.
    let actor = access::require(db, user, &job, Action::See).await?;
    let kind = PhotoKind::parse_field(kind)?;
    rule(actor, Action::AddPhoto(kind), job.status)?;
    let caption = photo::parse_caption(caption)?;
    let byte_size = photo::check_size(byte_size)?;
    let format = Format::from_mime(content_type)?;
    let id = PhotoId::from(new_id());
    let mut tx = db::begin_write(db).await?;
    // Counted and granted under the job's and the user's locks: parallel
    // requests cannot all fit under the limits.
    db::lock_job(&mut tx, &job.id).await?;
    db::lock_user(&mut tx, &user.id).await?;
    let live_since = now - photos.upload_ttl;
    if photos::open_uploads_of(&mut tx, &user.id, live_since).await? >= photo::OPEN_UPLOADS_PER_USER
    {
        return Err(AppError::conflict(format!(
            "You are sending {} photos already. Wait for them to finish, then add more.",
            photo::OPEN_UPLOADS_PER_USER
        )));
    }
    if photos::count_for_job(&mut tx, &job.id, live_since).await? >= photo::PER_JOB_MAX {
        return Err(AppError::conflict(format!(
            "This job has {} photos, the most it can hold. Delete one to add another.",
            photo::PER_JOB_MAX
        )));
    }
    photos::insert_upload(
        &mut tx,
        &id,
        &job.id,
        &user.id,
        kind,
        caption.as_deref(),
        byte_size,
        format.mime(),
        now,
    )
    .await?;
    tx.commit().await?;
    let signed = photos
        .store
        .upload_url(
            &format!("uploads/{id}"),
            byte_size,
            format.mime(),
            photos.upload_ttl,
            Viewer {
                user: &user.id,
                now,
            },
        )
        .await?;
    Ok(UploadTicket {
        id,
        url: signed.url,
        headers: signed.headers,
        expires_at: now + photos.upload_ttl,
    })
}

/// Whether the upload `key` (`uploads/{id}`) still waits for its bytes.
pub async fn check_awaiting(db: &Db, key: &str) -> Result<(), AppError> {
    let id = key.strip_prefix("uploads/").ok_or(AppError::NotFound)?;
    let row = {
        let mut conn = db.acquire().await?;
        photos::row(&mut conn, &PhotoId::from(id)).await?
    };
    match row {
        Some(r) if !r.ready() => Ok(()),
        Some(_) => Err(AppError::conflict("This photo was already received.")),
        None => Err(AppError::NotFound),
    }
}

/// Checks what was uploaded for the granted photo `id`, stores its two
/// sizes and lists it. Calling it again for a listed photo returns it.
#[tracing::instrument(skip_all, fields(user = %user.id, photo = %id))]
pub async fn finish(
    db: &Db,
    photos: &Photos,
    user: &CurrentUser,
    id: &PhotoId,
    now: Timestamp,
) -> Result<Photo, AppError> {
    let row = {
        let mut conn = db.acquire().await?;
        photos::row(&mut conn, id).await?
    };
    let row = row
        .filter(|r| r.uploader_id == user.id)
        .ok_or(AppError::NotFound)?;
    if row.ready() {
        return view(photos, &row, &user.id, now).await;
    }
    // Past its link's life the grant no longer holds a place under the
    // job's limit, so it cannot be listed now.
    if row.created_at + photos.upload_ttl < now {
        discard(db, photos, &row).await?;
        return Err(AppError::conflict(
            "This upload took too long. Send the photo again.",
        ));
    }
    let bytes = match photos.store.get(&row.upload_key(), MAX_BYTES).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(AppError::conflict(
                "The photo has not arrived yet. Send it again.",
            ));
        }
        Err(crate::backend::photos::storage::StoreError::TooBig(_)) => {
            discard(db, photos, &row).await?;
            return Err(photo::too_big(MAX_BYTES + 1));
        }
        Err(e) => return Err(e.into()),
    };
    let processed = match photos.process(bytes).await {
        Ok(p) => p,
        Err(refused @ AppError::Invalid { .. }) => {
            discard(db, photos, &row).await?;
            return Err(refused);
        }
        Err(e) => return Err(e),
    };
    photos
        .store
        .put(&row.display_key(), processed.display)
        .await?;
    photos.store.put(&row.thumb_key(), processed.thumb).await?;
    let job = jobs::row(db, &row.job_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = db::begin_write(db).await?;
    if !photos::mark_ready(&mut tx, &row.id, processed.width, processed.height, now).await? {
        drop(tx);
        let now_stored = {
            let mut conn = db.acquire().await?;
            photos::row(&mut conn, &row.id).await?
        };
        return match now_stored {
            // A second `photo_done` for the same photo finished first (it
            // wrote the same two files): this one answers as it did.
            Some(done) if done.ready() => view(photos, &done, &user.id, now).await,
            // Deleted while it was processed: what was just stored goes too.
            _ => {
                remove_objects(photos, &row).await;
                Err(AppError::NotFound)
            }
        };
    }
    let event = Pending::carrying(
        EventName::PhotoAdded,
        job.id.clone(),
        &PhotoAdded {
            job: job.id.clone(),
            id: row.id.clone(),
            kind: row.kind,
        },
        audience(&job),
    );
    live::record(&mut tx, &[event], now).await?;
    tx.commit().await?;
    // The original (with its metadata) is not kept.
    if let Err(e) = photos.store.delete(&row.upload_key()).await {
        tracing::warn!(error = %e, "could not remove an upload; the clean-up task will");
    }
    metrics::counter!("curbside_photos_stored_total").increment(1);
    let mut row = row;
    row.state = PhotoStage::Ready;
    row.width = Some(i64::from(processed.width));
    row.height = Some(i64::from(processed.height));
    view(photos, &row, &user.id, now).await
}

fn audience(job: &JobRow) -> Audience {
    Audience {
        customer_id: job.customer_id.clone(),
        mechanic_id: job.mechanic_id.clone(),
        nearby: None,
    }
}

/// A refused upload leaves nothing behind: its bytes and its row go.
async fn discard(db: &Db, photos: &Photos, row: &PhotoRow) -> Result<(), AppError> {
    remove_objects(photos, row).await;
    let mut conn = db.acquire().await?;
    photos::delete(&mut conn, &row.id).await?;
    Ok(())
}

async fn remove_objects(photos: &Photos, row: &PhotoRow) {
    for key in row.keys() {
        if let Err(e) = photos.store.delete(&key).await {
            tracing::warn!(error = %e, key, "could not remove a stored photo");
        }
    }
}

/// A listed photo with links for `viewer`.
async fn view(
    photos: &Photos,
    row: &PhotoRow,
    viewer: &UserId,
    now: Timestamp,
) -> Result<Photo, AppError> {
    let who = Viewer { user: viewer, now };
    Ok(Photo {
        id: row.id.clone(),
        job: row.job_id.clone(),
        kind: row.kind,
        caption: row.caption.clone(),
        uploader: row.uploader_id.clone(),
        uploaded_at: row.created_at,
        width: row.width.unwrap_or(0) as u32,
        height: row.height.unwrap_or(0) as u32,
        url: photos
            .store
            .read_url(&row.display_key(), photos.url_ttl, who)
            .await?,
        thumb_url: photos
            .store
            .read_url(&row.thumb_key(), photos.url_ttl, who)
            .await?,
        urls_expire_at: now + photos.url_ttl,
    })
}

/// The job's photos the caller may see: all of them for its customer, its
/// booked mechanic and admins; the problem photos for a mechanic deciding
/// whether to quote.
pub async fn list(
    db: &Db,
    photos: &Photos,
    user: &CurrentUser,
    job_id: &JobId,
    now: Timestamp,
) -> Result<Vec<Photo>, AppError> {
    let job = jobs::row(db, job_id).await?.ok_or(AppError::NotFound)?;
    let actor = access::require(db, user, &job, Action::See).await?;
    let status = job.status;
    let rows = {
        let mut conn = db.acquire().await?;
        photos::ready_for_job(&mut conn, &job.id).await?
    };
    let mut shown = Vec::with_capacity(rows.len());
    for row in rows {
        if rule(actor, Action::SeePhoto(row.kind), status).is_err() {
            continue;
        }
        shown.push(view(photos, &row, &user.id, now).await?);
    }
    Ok(shown)
}

/// Whether `user` may read the stored object `key` (a photo's display or
/// thumbnail): the local store's links are checked again at each read, so
/// a user who lost sight of the job loses the photos too.
pub async fn may_read(db: &Db, user: &CurrentUser, key: &str) -> Result<(), AppError> {
    // photos/{job}/{id}/{size}.jpg
    let mut parts = key.split('/');
    let (Some("photos"), Some(_job), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(AppError::NotFound);
    };
    let row = {
        let mut conn = db.acquire().await?;
        photos::row(&mut conn, &PhotoId::from(id)).await?
    };
    let row = row
        .filter(|r| r.ready() && (r.display_key() == key || r.thumb_key() == key))
        .ok_or(AppError::NotFound)?;
    let job = jobs::row(db, &row.job_id)
        .await?
        .ok_or(AppError::NotFound)?;
    access::require(db, user, &job, Action::SeePhoto(row.kind))
        .await
        .map(drop)
}

/// Deletes a photo: its uploader may, at any time.
#[tracing::instrument(skip_all, fields(user = %user.id, photo = %id))]
pub async fn delete(
    db: &Db,
    photos: &Photos,
    user: &CurrentUser,
    id: &PhotoId,
) -> Result<(), AppError> {
    let row = {
        let mut conn = db.acquire().await?;
        photos::row(&mut conn, id).await?
    };
    let row = row.ok_or(AppError::NotFound)?;
    if row.uploader_id != user.id {
        // Admins and the other party see it, but only its uploader removes it.
        return Err(if user.role == Role::Admin {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    // The row first: once it is gone no link is signed for the objects.
    let mut conn = db.acquire().await?;
    photos::delete(&mut conn, &row.id).await?;
    drop(conn);
    remove_objects(photos, &row).await;
    Ok(())
}

/// Removes photos of jobs that ended more than `photos.retention` ago and
/// uploads not finished while their link worked; returns how many went.
pub async fn purge(db: &Db, photos: &Photos, now: Timestamp) -> Result<usize, AppError> {
    let mut removed = 0;
    loop {
        let due = {
            let mut conn = db.acquire().await?;
            photos::due(
                &mut conn,
                now - photos.retention,
                now - photos.upload_ttl,
                100,
            )
            .await?
        };
        if due.is_empty() {
            return Ok(removed);
        }
        for row in &due {
            remove_objects(photos, row).await;
            let mut conn = db.acquire().await?;
            photos::delete(&mut conn, &row.id).await?;
            removed += 1;
        }
    }
}

/// Runs [`purge`] every ten minutes.
pub fn start_purging(db: Db, photos: Photos) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match purge(&db, &photos, Timestamp::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "old photos removed"),
                Err(e) => tracing::warn!(error = %e, "could not remove old photos"),
            }
        }
    });
}
