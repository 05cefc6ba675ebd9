//! Password hashing with argon2id, off the async runtime (a hash takes tens of milliseconds of CPU).

use crate::domain::AppError;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::{sync::LazyLock, time::Duration};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Each argon2id run holds ~19 MiB. Unbounded, 100 parallel logins took
/// 2.4 GB; a hash is pure CPU, so more at once than cores only queues in
/// the kernel instead of here. The queue is process-wide because memory is.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// How long a request may wait for its turn before it is told to come back.
pub const MAX_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Waits for a hashing slot, first come first served (tokio's semaphore is fair).
async fn turn() -> Result<SemaphorePermit<'static>, AppError> {
    turn_in(&HASHING, MAX_QUEUE_WAIT).await
}

async fn turn_in(queue: &Semaphore, max_wait: Duration) -> Result<SemaphorePermit<'_>, AppError> {
    let waiting = metrics::gauge!("curbside_password_hash_waiting");
    waiting.increment(1.0);
    let turn = tokio::time::timeout(max_wait, queue.acquire()).await;
    waiting.decrement(1.0);
    match turn {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(closed)) => Err(internal("password hashing queue", &closed)),
        Err(_) => {
            tracing::warn!("password hashing queue full: answering 503");
            Err(AppError::Busy {
                retry_after_secs: 2,
            })
        }
    }
}

/// Hashes a new password into a PHC string (algorithm, parameters and salt included).
pub async fn hash(password: String) -> Result<String, AppError> {
    let permit = turn().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| internal("password hashing task", &e))?
    .map_err(|e| internal("password hashing", &e))
}

/// Checks a password against a stored hash. `None` as the hash still spends
/// the time of a real check, so an unknown email answers as slowly as a
/// wrong password and cannot be told apart by timing.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let permit = turn().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let stored = stored.as_deref().unwrap_or(DUMMY_HASH.as_str());
        let parsed = PasswordHash::new(stored).map_err(|e| internal("stored hash", &e))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| internal("password check task", &e))?
}

/// A hash of a random password, made once, with the same parameters as real ones.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(salt.as_str().as_bytes(), &salt)
        .expect("hashing a fixed-size input cannot fail")
        .to_string()
});

fn internal(what: &str, e: &dyn std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "{what} failed");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(
            verify("correct horse".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("correct horsf".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_for_its_turn_is_told_to_retry() {
        let queue = Semaphore::new(1);
        let wait = Duration::from_millis(50);
        let first = turn_in(&queue, wait).await.unwrap();
        assert_eq!(
            turn_in(&queue, wait).await.err(),
            Some(AppError::Busy {
                retry_after_secs: 2
            })
        );
        drop(first);
        assert!(turn_in(&queue, wait).await.is_ok(), "free again");
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = hash("correct horse".into()).await.unwrap();
        let b = hash("correct horse".into()).await.unwrap();
        assert_ne!(a, b);
    }
}
