//! Web Push delivery (RFC 8030, payloads encrypted per RFC 8291, signed
//! with VAPID per RFC 8292): the sender that drains the push outbox.
//!
//! The outbox is a table written in the transaction of the change
//! (`notify`), so a push survives a crash or a restart. The sender claims
//! due rows for a short while, sends them, and deletes each once the push
//! service took it; a sender that dies mid-way lets its claim run out and
//! the rows are sent then. A push service that says the device is gone
//! (404/410) loses the subscription; one that is busy or down is retried
//! with backoff. A push sent just before a crash and not yet deleted would
//! go once more: the service worker shows each under its job's (or chat's)
//! tag, so the copy replaces the first and the device shows it once.

use crate::backend::{Db, new_id, outbound::Outbound, store::push as store};
use crate::domain::{
    Timestamp,
    notification::{self, Delivery},
};
use base64ct::{Base64UrlUnpadded, Encoding};
use std::{sync::Arc, time::Duration};
use web_push_native::{
    Auth, WebPushBuilder,
    jwt_simple::{algorithms::ES256KeyPair, prelude::ECDSAP256PublicKeyLike},
    p256::PublicKey,
};

/// Pushes sent at once per round.
const BATCH: i64 = 32;
/// How long a claim holds: longer than one send may take, so a live
/// sender's rows are never sent twice, and short, so those of a sender that
/// died go out soon after.
const CLAIM: Duration = Duration::from_secs(15);
/// The longest a push service may take to answer one push.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Looked at this often even when no commit wakes the sender (retries,
/// rows another instance queued, claims that ran out).
const POLL: Duration = Duration::from_secs(5);

/// How this server offers push: its VAPID identity when push is on.
#[derive(Clone, Debug, Default)]
pub struct PushConfig {
    pub vapid: Option<Vapid>,
    /// Where endpoints may point: public addresses and allowed hosts, and
    /// `http://` on this machine only when `allow_loopback` (the test push
    /// service; never on a public server, where endpoints are https).
    pub outbound: Outbound,
}

/// The server's VAPID identity: the key pair push services check pushes
/// against, and the contact they may write to.
#[derive(Clone)]
pub struct Vapid {
    key: Arc<ES256KeyPair>,
    pub contact: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_key())
            .field("contact", &self.contact)
            .finish()
    }
}

impl Vapid {
    /// From the private key's 32 bytes, base64url (as `VAPID_PRIVATE_KEY` holds it).
    pub fn from_private(encoded: &str, contact: String) -> Result<Self, String> {
        let bytes = Base64UrlUnpadded::decode_vec(encoded.trim().trim_end_matches('='))
            .map_err(|_| "not base64url".to_owned())?;
        let key = ES256KeyPair::from_bytes(&bytes)
            .map_err(|_| "not a P-256 private key (32 bytes, base64url)".to_owned())?;
        Ok(Self {
            key: Arc::new(key),
            contact,
        })
    }

    /// A new private key, base64url, for a server that has none yet.
    pub fn generate_private() -> String {
        Base64UrlUnpadded::encode_string(&ES256KeyPair::generate().to_bytes())
    }

    /// The public key browsers subscribe with (`applicationServerKey`):
    /// the uncompressed point, base64url.
    pub fn public_key(&self) -> String {
        Base64UrlUnpadded::encode_string(
            &self.key.public_key().public_key().to_bytes_uncompressed(),
        )
    }
}

/// Checks a subscription's keys as the browser sent them: a P-256 point
/// and a 16-byte secret, both base64url.
pub fn check_keys(p256dh: &str, auth: &str) -> Result<(), &'static str> {
    let key = Base64UrlUnpadded::decode_vec(p256dh.trim_end_matches('='))
        .map_err(|_| "The device key is not base64url.")?;
    PublicKey::from_sec1_bytes(&key).map_err(|_| "The device key is not a P-256 public key.")?;
    let secret = Base64UrlUnpadded::decode_vec(auth.trim_end_matches('='))
        .map_err(|_| "The device secret is not base64url.")?;
    if secret.len() != 16 {
        return Err("The device secret must be 16 bytes.");
    }
    Ok(())
}

/// The sender's task.
pub struct Running {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Lets the round under way finish (its pushes sent and recorded, so a
    /// restart sends none of them again) and claims nothing more.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(CLAIM, self.task).await.is_err() {
            tracing::warn!(
                "push sender did not finish in time; its claims run out and are sent again"
            );
        }
    }
}

/// Sends queued pushes.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    vapid: Vapid,
    outbound: Outbound,
}

impl Sender {
    /// Sends only where `outbound` allows: its resolver vets every
    /// connection (a name that now resolves to a private address is not
    /// connected to), and an endpoint redirecting elsewhere is not followed.
    pub fn new(vapid: Vapid, outbound: Outbound) -> Result<Self, String> {
        let http = outbound.client(SEND_TIMEOUT)?;
        Ok(Self {
            http,
            vapid,
            outbound,
        })
    }

    /// Drains the outbox until stopped: woken by each commit that recorded
    /// events, and every few seconds for retries.
    pub fn start(self, db: Db) -> Running {
        let (stop, mut stopping) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut commits = db.commits();
            while !*stopping.borrow() {
                let sent = match self.round(&db, Timestamp::now()).await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "push outbox: could not read the queue");
                        0
                    }
                };
                if sent as i64 >= BATCH {
                    continue; // more may be waiting
                }
                tokio::select! {
                    changed = commits.changed() => if changed.is_err() { return },
                    _ = stopping.changed() => {}
                    _ = tokio::time::sleep(POLL) => {}
                }
            }
        });
        Running { stop, task }
    }

    /// Claims what is due and sends it; returns how many were claimed.
    pub async fn round(&self, db: &Db, now: Timestamp) -> Result<usize, sqlx::Error> {
        let claim = new_id();
        let until = Timestamp::from_millis(now.millis() + CLAIM.as_millis() as i64);
        let due = store::claim(db, &claim, now, until, BATCH).await?;
        let n = due.len();
        futures::future::join_all(due.iter().map(|d| self.deliver(db, d))).await;
        Ok(n)
    }

    async fn deliver(&self, db: &Db, due: &store::Due) {
        let (status, retry_after, error) = match self.send(due).await {
            Ok((status, retry_after)) => (Some(status), retry_after, format!("HTTP {status}")),
            Err(e) => (None, None, e),
        };
        let now = Timestamp::now();
        let done = match notification::delivery(status, due.attempts, retry_after) {
            Delivery::Delivered => {
                metrics::counter!("curbside_pushes_sent_total").increment(1);
                metrics::histogram!("curbside_push_latency_seconds")
                    .record((now.millis() - due.created_at.millis()).max(0) as f64 / 1000.0);
                store::delivered(db, due, now).await
            }
            Delivery::Gone => {
                tracing::info!(subscription = %due.subscription, "push subscription gone; removed");
                store::gone(db, &due.subscription).await
            }
            Delivery::Retry(secs) => {
                tracing::info!(outbox = due.outbox, attempt = due.attempts, %error, "push not taken; will retry");
                let at = Timestamp::from_millis(now.millis() + secs as i64 * 1000);
                store::retry_at(db, due.outbox, at, &error).await
            }
            Delivery::Refused => {
                tracing::warn!(outbox = due.outbox, attempt = due.attempts, %error, "push refused; dropped");
                metrics::counter!("curbside_pushes_dropped_total").increment(1);
                store::drop_push(db, due.outbox).await
            }
        };
        if let Err(e) = done {
            // The claim runs out and the push is tried again.
            tracing::warn!(error = %e, "push outbox: could not record a delivery");
        }
    }

    /// One push: its status, and `Retry-After` in seconds if it says one.
    async fn send(&self, due: &store::Due) -> Result<(u16, Option<u64>), String> {
        let endpoint: http::Uri = due
            .endpoint
            .parse()
            .map_err(|_| "bad endpoint".to_owned())?;
        // An address written as the host never reaches the resolver.
        self.outbound
            .check_host(endpoint.host().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let key = Base64UrlUnpadded::decode_vec(due.p256dh.trim_end_matches('='))
            .ok()
            .and_then(|k| PublicKey::from_sec1_bytes(&k).ok())
            .ok_or("bad device key")?;
        let auth = Base64UrlUnpadded::decode_vec(due.auth.trim_end_matches('='))
            .ok()
            .filter(|a| a.len() == 16)
            .ok_or("bad device secret")?;
        let payload = serde_json::to_vec(&due.notice.payload(&due.notification))
            .map_err(|e| e.to_string())?;
        let request = WebPushBuilder::new(endpoint, key, Auth::clone_from_slice(&auth))
            .with_valid_duration(Duration::from_secs(notification::PUSH_TTL_SECS))
            .with_vapid(&self.vapid.key, &self.vapid.contact)
            .build(payload)
            .map_err(|e| e.to_string())?;
        let mut request = reqwest::Request::try_from(request).map_err(|e| e.to_string())?;
        let urgency = if due.notice.kind.urgent() {
            "high"
        } else {
            "normal"
        };
        request.headers_mut().insert(
            "Urgency",
            reqwest::header::HeaderValue::from_static(urgency),
        );
        let answer = self.http.execute(request).await.map_err(|e| {
            if e.is_timeout() {
                "no answer in time".to_owned()
            } else {
                "could not reach the push service".to_owned()
            }
        })?;
        let retry_after = answer
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        Ok((answer.status().as_u16(), retry_after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_reads_back_with_the_same_public_key() {
        let private = Vapid::generate_private();
        let a = Vapid::from_private(&private, "mailto:x@example.com".into()).unwrap();
        let b = Vapid::from_private(&private, "mailto:x@example.com".into()).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        // An uncompressed P-256 point: 65 bytes, 0x04 first.
        let raw = Base64UrlUnpadded::decode_vec(&a.public_key()).unwrap();
        assert_eq!((raw.len(), raw[0]), (65, 4));
        assert!(Vapid::from_private("not a key", String::new()).is_err());
    }

    #[test]
    fn subscription_keys_are_checked() {
        let device = Vapid::generate_private();
        let device = Vapid::from_private(&device, String::new())
            .unwrap()
            .public_key();
        let secret = Base64UrlUnpadded::encode_string(&[7u8; 16]);
        assert!(check_keys(&device, &secret).is_ok());
        assert!(check_keys(&device, "AAAA").is_err());
        assert!(check_keys("AAAA", &secret).is_err());
    }
}
