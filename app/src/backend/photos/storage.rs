//! Where photo bytes live: one trait, two homes. Local disk under the
//! data directory (the default), read and written only through this
//! server's signed URLs; or S3, which the browser writes to and reads from
//! through presigned URLs.

use super::signing::{Signer, UrlGrant};
use crate::domain::{Timestamp, UserId};
use aws_sdk_s3::{presigning::PresigningConfig, primitives::ByteStream};
use futures::future::BoxFuture;
use std::{path::PathBuf, time::Duration};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the object is larger than {0} bytes")]
    TooBig(u64),
    #[error("invalid object key {0:?}")]
    BadKey(String),
    #[error("storage failed: {0}")]
    Failed(String),
}

/// A signed request the browser makes itself.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub url: String,
    /// Headers the request must carry as signed (never Content-Length,
    /// which the browser sets from the body and may not be set by hand).
    pub headers: Vec<(String, String)>,
}

/// Who asks for a URL: local URLs are bound to them.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub user: &'a UserId,
    pub now: Timestamp,
}

pub trait PhotoStore: Send + Sync {
    /// `"local"` or `"s3"`, for logs.
    fn name(&self) -> &'static str;
    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, Result<(), StoreError>>;
    /// The object, if it exists; [`StoreError::TooBig`] past `max` bytes
    /// (without reading it all).
    fn get(&self, key: &str, max: u64) -> BoxFuture<'_, Result<Option<Vec<u8>>, StoreError>>;
    /// Removing what is not there is no error.
    fn delete(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>>;
    /// A PUT of exactly `len` bytes of `content_type` to `key`, valid for `ttl`.
    fn upload_url(
        &self,
        key: &str,
        len: u64,
        content_type: &str,
        ttl: Duration,
        who: Viewer<'_>,
    ) -> BoxFuture<'_, Result<SignedRequest, StoreError>>;
    /// A GET of `key`, valid for `ttl`.
    fn read_url(
        &self,
        key: &str,
        ttl: Duration,
        who: Viewer<'_>,
    ) -> BoxFuture<'_, Result<String, StoreError>>;
}

/// Keys are this app's own (`photos/{job}/{id}/thumb.jpg`); anything else
/// (`..`, a leading `/`) never reaches a path.
pub fn check_key(key: &str) -> Result<(), StoreError> {
    let ok = !key.is_empty()
        && key.len() <= 200
        && key
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.'))
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadKey(key.to_owned()))
    }
}

/// Photos as files under a folder (`DATA_DIR/photos`). The URLs it hands
/// out are this server's: `PUT /api/photo_blob/{key}` and
/// `GET /api/photo_file/{key}`, each signed for one user and a time.
pub struct LocalDisk {
    root: PathBuf,
    signer: Signer,
}

pub const BLOB_PATH: &str = "/api/photo_blob";
pub const FILE_PATH: &str = "/api/photo_file";

impl LocalDisk {
    pub fn new(root: PathBuf, signer: Signer) -> Self {
        Self { root, signer }
    }

    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Failed(e.to_string())
}

impl PhotoStore for LocalDisk {
    fn name(&self) -> &'static str {
        "local"
    }

    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, Result<(), StoreError>> {
        let path = self.path(key);
        Box::pin(async move {
            let path = path?;
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await.map_err(io)?;
            }
            // Written aside, then renamed: a reader never sees half a file.
            let part = path.with_extension("part");
            tokio::fs::write(&part, bytes).await.map_err(io)?;
            tokio::fs::rename(&part, &path).await.map_err(io)
        })
    }

    fn get(&self, key: &str, max: u64) -> BoxFuture<'_, Result<Option<Vec<u8>>, StoreError>> {
        let path = self.path(key);
        Box::pin(async move {
            let path = path?;
            let meta = match tokio::fs::metadata(&path).await {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(io(e)),
            };
            if meta.len() > max {
                return Err(StoreError::TooBig(max));
            }
            tokio::fs::read(&path).await.map(Some).map_err(io)
        })
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>> {
        let path = self.path(key);
        let root = self.root.clone();
        Box::pin(async move {
            let path = path?;
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(e)),
            }
            // Empty folders left behind go too (a failure here is harmless).
            let mut dir = path.parent().map(PathBuf::from);
            while let Some(d) = dir {
                if d == root || tokio::fs::remove_dir(&d).await.is_err() {
                    break;
                }
                dir = d.parent().map(PathBuf::from);
            }
            Ok(())
        })
    }

    fn upload_url(
        &self,
        key: &str,
        len: u64,
        content_type: &str,
        ttl: Duration,
        who: Viewer<'_>,
    ) -> BoxFuture<'_, Result<SignedRequest, StoreError>> {
        let signed = check_key(key).map(|()| {
            let grant = UrlGrant::upload(key, who.user, len, content_type, who.now + ttl);
            SignedRequest {
                url: format!("{BLOB_PATH}/{key}?{}", self.signer.query(&grant)),
                headers: vec![("Content-Type".into(), content_type.to_owned())],
            }
        });
        Box::pin(async move { signed })
    }

    fn read_url(
        &self,
        key: &str,
        ttl: Duration,
        who: Viewer<'_>,
    ) -> BoxFuture<'_, Result<String, StoreError>> {
        let url = check_key(key).map(|()| {
            let grant = UrlGrant::read(key, who.user, who.now + ttl);
            format!("{FILE_PATH}/{key}?{}", self.signer.query(&grant))
        });
        Box::pin(async move { url })
    }
}

/// Photos in an S3 bucket (or anything that speaks its API).
pub struct S3 {
    client: aws_sdk_s3::Client,
    bucket: String,
}

/// How to reach the bucket: `S3_*` settings.
#[derive(Clone)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    /// Another endpoint than AWS's (MinIO, moto); path-style addressing then.
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    /// The secret key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl S3 {
    pub fn new(s: &S3Settings) -> Self {
        let credentials = aws_sdk_s3::config::Credentials::new(
            &s.access_key_id,
            &s.secret_access_key,
            None,
            None,
            "settings",
        );
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new(s.region.clone()))
            .credentials_provider(credentials);
        if let Some(endpoint) = &s.endpoint {
            config = config.endpoint_url(endpoint).force_path_style(true);
        }
        Self {
            client: aws_sdk_s3::Client::from_conf(config.build()),
            bucket: s.bucket.clone(),
        }
    }
}

fn s3_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Failed(e.to_string())
}

fn presigning(ttl: Duration) -> Result<PresigningConfig, StoreError> {
    PresigningConfig::expires_in(ttl).map_err(s3_err)
}

impl PhotoStore for S3 {
    fn name(&self) -> &'static str {
        "s3"
    }

    fn put(&self, key: &str, bytes: Vec<u8>) -> BoxFuture<'_, Result<(), StoreError>> {
        let key = key.to_owned();
        Box::pin(async move {
            check_key(&key)?;
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .content_type("image/jpeg")
                .body(ByteStream::from(bytes))
                .send()
                .await
                .map_err(|e| s3_err(aws_sdk_s3::error::DisplayErrorContext(e)))?;
            Ok(())
        })
    }

    fn get(&self, key: &str, max: u64) -> BoxFuture<'_, Result<Option<Vec<u8>>, StoreError>> {
        let key = key.to_owned();
        Box::pin(async move {
            check_key(&key)?;
            let answer = match self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
            {
                Ok(a) => a,
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                    return Ok(None);
                }
                Err(e) => return Err(s3_err(aws_sdk_s3::error::DisplayErrorContext(e))),
            };
            if answer.content_length().unwrap_or(0) > max as i64 {
                return Err(StoreError::TooBig(max));
            }
            // Read in pieces, so a store that misreports the length still
            // cannot make us hold more than `max`.
            let mut body = answer.body;
            let mut bytes = Vec::new();
            while let Some(chunk) = body.try_next().await.map_err(s3_err)? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > max {
                    return Err(StoreError::TooBig(max));
                }
            }
            Ok(Some(bytes))
        })
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<(), StoreError>> {
        let key = key.to_owned();
        Box::pin(async move {
            check_key(&key)?;
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| s3_err(aws_sdk_s3::error::DisplayErrorContext(e)))?;
            Ok(())
        })
    }

    fn upload_url(
        &self,
        key: &str,
        len: u64,
        content_type: &str,
        ttl: Duration,
        _who: Viewer<'_>,
    ) -> BoxFuture<'_, Result<SignedRequest, StoreError>> {
        let key = key.to_owned();
        let content_type = content_type.to_owned();
        Box::pin(async move {
            check_key(&key)?;
            // Length and type are signed: S3 refuses a PUT of other bytes.
            let signed = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .content_length(len as i64)
                .content_type(&content_type)
                .presigned(presigning(ttl)?)
                .await
                .map_err(s3_err)?;
            Ok(SignedRequest {
                url: signed.uri().to_owned(),
                headers: signed
                    .headers()
                    .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect(),
            })
        })
    }

    fn read_url(
        &self,
        key: &str,
        ttl: Duration,
        _who: Viewer<'_>,
    ) -> BoxFuture<'_, Result<String, StoreError>> {
        let key = key.to_owned();
        Box::pin(async move {
            check_key(&key)?;
            let signed = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(&key)
                .presigned(presigning(ttl)?)
                .await
                .map_err(s3_err)?;
            Ok(signed.uri().to_owned())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_keys_reach_the_disk() {
        assert!(check_key("photos/job-1/ph-2/thumb.jpg").is_ok());
        assert!(check_key("uploads/0190-ab").is_ok());
        for bad in [
            "",
            "../etc/passwd",
            "photos/../../x",
            "/abs",
            "a//b",
            "a/.hidden",
            "a b",
        ] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
