//! Photo storage and processing, as the flows use them: where bytes live
//! (local disk or S3), how many photos are processed at once, and how
//! long links and kept photos last.

pub mod process;
pub mod signing;
pub mod storage;

use crate::domain::AppError;
use process::Processed;
use std::{sync::Arc, time::Duration};
use storage::{LocalDisk, PhotoStore};
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Photos {
    pub store: Arc<dyn PhotoStore>,
    /// The same store when it is local disk: its own URLs are served here.
    pub local: Option<Arc<LocalDisk>>,
    /// Decodes and re-encodes running at once (each holds a decoded photo).
    gate: Arc<Semaphore>,
    /// MiB that photos being processed may hold together: a photo waits
    /// until its share is free, so many large ones at once queue instead of
    /// taking the server's memory.
    memory: Arc<Semaphore>,
    memory_mib: u32,
    /// `PHOTO_URL_TTL_SECS`: how long a link to a photo works.
    pub url_ttl: Duration,
    /// How long a granted upload's link works.
    pub upload_ttl: Duration,
    /// `PHOTO_RETENTION_DAYS`: photos of an ended job are kept this long.
    pub retention: Duration,
}

/// What the app is told about photo storage at start-up.
pub struct PhotoSettings {
    pub url_ttl: Duration,
    pub retention: Duration,
    /// `PHOTO_PROCESSING_CONCURRENCY`.
    pub concurrency: usize,
    /// `PHOTO_DECODE_MEMORY_MB`.
    pub memory_mib: u32,
}

/// The least `PHOTO_DECODE_MEMORY_MB` can be: what the largest photo holds.
pub fn min_memory_mib() -> u32 {
    mib(process::Header {
        decoded_bytes: crate::domain::photo::MAX_DECODED_BYTES,
    }
    .working_bytes())
}

fn mib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX)
}

impl Photos {
    pub fn local(disk: LocalDisk, settings: &PhotoSettings) -> Self {
        let disk = Arc::new(disk);
        Self::with(disk.clone(), Some(disk), settings)
    }

    pub fn s3(s3: storage::S3, settings: &PhotoSettings) -> Self {
        Self::with(Arc::new(s3), None, settings)
    }

    fn with(
        store: Arc<dyn PhotoStore>,
        local: Option<Arc<LocalDisk>>,
        settings: &PhotoSettings,
    ) -> Self {
        Self {
            store,
            local,
            gate: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            memory: Arc::new(Semaphore::new(settings.memory_mib as usize)),
            memory_mib: settings.memory_mib,
            url_ttl: settings.url_ttl,
            upload_ttl: Duration::from_secs(15 * 60),
            retention: settings.retention,
        }
    }

    /// Checks and processes an upload off the async runtime, at most
    /// `concurrency` at once and within the memory budget; the rest wait
    /// their turn. What its header refuses is refused without waiting.
    pub async fn process(&self, bytes: Vec<u8>) -> Result<Processed, AppError> {
        let header = process::inspect(&bytes)?;
        let share = mib(header.working_bytes()).min(self.memory_mib);
        let _memory = self
            .memory
            .acquire_many(share)
            .await
            .map_err(|_| AppError::Internal)?;
        let _permit = self.gate.acquire().await.map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(move || process::process(&bytes))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "photo processing panicked");
                AppError::Internal
            })?
    }
}

impl From<storage::StoreError> for AppError {
    fn from(e: storage::StoreError) -> Self {
        tracing::error!(error = %e, "photo storage failed");
        AppError::Internal
    }
}
