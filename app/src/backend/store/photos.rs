//! The `photos` table: a photo's row from its granted upload until it is deleted.

use crate::domain::{
    JobId, PhotoId, Timestamp, UserId,
    photo::{PhotoKind, PhotoStage},
};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct PhotoRow {
    pub id: PhotoId,
    pub job_id: JobId,
    pub uploader_id: UserId,
    pub kind: PhotoKind,
    pub caption: Option<String>,
    pub state: PhotoStage,
    pub byte_size: i64,
    pub content_type: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub created_at: Timestamp,
}

impl PhotoRow {
    pub fn ready(&self) -> bool {
        self.state == PhotoStage::Ready
    }

    /// Where the upload's bytes wait until they are processed.
    pub fn upload_key(&self) -> String {
        format!("uploads/{}", self.id)
    }

    pub fn display_key(&self) -> String {
        format!("photos/{}/{}/display.jpg", self.job_id, self.id)
    }

    pub fn thumb_key(&self) -> String {
        format!("photos/{}/{}/thumb.jpg", self.job_id, self.id)
    }

    /// Every object this photo may have in storage.
    pub fn keys(&self) -> [String; 3] {
        [self.upload_key(), self.display_key(), self.thumb_key()]
    }
}

const PHOTO: &str = "SELECT id, job_id, uploader_id, kind, caption, state, byte_size, \
    content_type, width, height, created_at FROM photos";

pub async fn row(conn: &mut AnyConnection, id: &PhotoId) -> Result<Option<PhotoRow>, sqlx::Error> {
    sqlx::query_as(&format!("{PHOTO} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A job's listed photos, oldest first.
pub async fn ready_for_job(
    conn: &mut AnyConnection,
    job_id: &JobId,
) -> Result<Vec<PhotoRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{PHOTO} WHERE job_id = $1 AND state = '{READY}' ORDER BY created_at, id",
        READY = PhotoStage::Ready.as_str()
    ))
    .bind(job_id)
    .fetch_all(conn)
    .await
}

/// A job's photos and its uploads granted after `granted_after` (those
/// still able to arrive count toward its limit; expired ones do not).
pub async fn count_for_job(
    conn: &mut AnyConnection,
    job_id: &JobId,
    granted_after: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM photos WHERE job_id = $1 \
         AND (state = '{READY}' OR created_at > $2)",
        READY = PhotoStage::Ready.as_str(),
    ))
    .bind(job_id)
    .bind(granted_after)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

/// Uploads `user` was granted after `granted_after` and has not finished.
pub async fn open_uploads_of(
    conn: &mut AnyConnection,
    user: &UserId,
    granted_after: Timestamp,
) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM photos WHERE uploader_id = $1 \
         AND state = '{UPLOADING}' AND created_at > $2",
        UPLOADING = PhotoStage::Uploading.as_str(),
    ))
    .bind(user)
    .bind(granted_after)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_upload(
    conn: &mut AnyConnection,
    id: &PhotoId,
    job_id: &JobId,
    uploader_id: &UserId,
    kind: PhotoKind,
    caption: Option<&str>,
    byte_size: u64,
    content_type: &str,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO photos (id, job_id, uploader_id, kind, caption, state, byte_size, \
         content_type, created_at) VALUES ($1, $2, $3, $4, $5, '{UPLOADING}', $6, $7, $8)",
        UPLOADING = PhotoStage::Uploading.as_str(),
    ))
    .bind(id)
    .bind(job_id)
    .bind(uploader_id)
    .bind(kind.as_str())
    .bind(caption)
    .bind(byte_size as i64)
    .bind(content_type)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Lists an uploaded photo; false when it was not waiting (done already, or deleted).
pub async fn mark_ready(
    conn: &mut AnyConnection,
    id: &PhotoId,
    width: u32,
    height: u32,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE photos SET state = '{READY}', width = $1, height = $2, ready_at = $3 \
         WHERE id = $4 AND state = '{UPLOADING}'",
        READY = PhotoStage::Ready.as_str(),
        UPLOADING = PhotoStage::Uploading.as_str(),
    ))
    .bind(i64::from(width))
    .bind(i64::from(height))
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut AnyConnection, id: &PhotoId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM photos WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Photos due to go: of jobs that ended (completed or cancelled) before
/// `ended_before`, and uploads granted before `granted_before` and never finished.
pub async fn due(
    conn: &mut AnyConnection,
    ended_before: Timestamp,
    granted_before: Timestamp,
    limit: i64,
) -> Result<Vec<PhotoRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT p.id, p.job_id, p.uploader_id, p.kind, p.caption, p.state, p.byte_size, \
         p.content_type, p.width, p.height, p.created_at FROM photos p JOIN jobs j ON j.id = p.job_id \
         WHERE (j.status IN ('completed', 'cancelled') AND j.updated_at < $1) \
            OR (p.state = '{UPLOADING}' AND p.created_at < $2) \
         ORDER BY p.created_at LIMIT $3",
        UPLOADING = PhotoStage::Uploading.as_str(),
    ))
    .bind(ended_before)
    .bind(granted_before)
    .bind(limit)
    .fetch_all(conn)
    .await
}
