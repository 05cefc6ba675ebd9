//! The notification centre, a user's devices and their push preferences.

use crate::backend::{
    Db,
    db::begin_write,
    new_id, notify,
    outbound::{Outbound, Refusal},
    push::{self, PushConfig},
    sessions::CurrentUser,
    store::{
        notifications as store,
        push::{self as devices, NewSubscription},
    },
};
use crate::domain::{
    AppError, Timestamp,
    notification::{
        self, NotificationPage, NotificationPrefs, PushDevice, PushSettings, QuietHours, Subscribed,
    },
};
use crate::domain::{DeviceId, NotificationId};

/// The longest endpoint URL accepted (push services' are a few hundred bytes).
const ENDPOINT_MAX: usize = 2048;
const LABEL_MAX: usize = 80;

pub async fn page(db: &Db, user: &CurrentUser) -> Result<NotificationPage, AppError> {
    Ok(NotificationPage {
        items: store::page(db, &user.id, notification::PAGE).await?,
        unread: store::unread(db, &user.id).await?,
    })
}

/// Marks one read; answers the unread count after.
pub async fn read(
    db: &Db,
    user: &CurrentUser,
    id: &NotificationId,
    now: Timestamp,
) -> Result<i64, AppError> {
    if !store::mark_read(db, &user.id, id, now).await? {
        return Err(AppError::NotFound);
    }
    Ok(store::unread(db, &user.id).await?)
}

pub async fn read_all(db: &Db, user: &CurrentUser, now: Timestamp) -> Result<i64, AppError> {
    store::mark_all_read(db, &user.id, now).await?;
    Ok(store::unread(db, &user.id).await?)
}

pub async fn settings(
    db: &Db,
    config: &PushConfig,
    user: &CurrentUser,
) -> Result<PushSettings, AppError> {
    let mut conn = db.acquire().await?;
    let prefs = store::prefs(&mut conn, &user.id).await?.unwrap_or_default();
    drop(conn);
    Ok(PushSettings {
        public_key: config.vapid.as_ref().map(push::Vapid::public_key),
        devices: devices::devices(db, &user.id).await?,
        prefs,
    })
}

/// Stores this device's subscription for `user`; answers its id and their devices.
pub async fn subscribe(
    db: &Db,
    config: &PushConfig,
    user: &CurrentUser,
    sub: NewSubscription<'_>,
    now: Timestamp,
) -> Result<Subscribed, AppError> {
    check_endpoint(sub.endpoint, config.outbound.allow_loopback)?;
    reachable(&config.outbound, sub.endpoint).await?;
    push::check_keys(sub.p256dh, sub.auth).map_err(|m| AppError::invalid("p256dh", m))?;
    let label = sub.label.trim();
    let label: String = if label.is_empty() {
        "This device".into()
    } else {
        label.chars().take(LABEL_MAX).collect()
    };
    let mut tx = begin_write(db).await?;
    let device = devices::subscribe(
        &mut tx,
        &DeviceId::from(new_id()),
        &user.id,
        &NewSubscription {
            label: &label,
            ..sub
        },
        now,
    )
    .await?
    .ok_or_else(|| {
        AppError::conflict(
            "This browser's notifications belong to another account. Turn notifications off and on again.",
        )
    })?;
    tx.commit().await?;
    Ok(Subscribed {
        device,
        devices: devices::devices(db, &user.id).await?,
    })
}

pub async fn remove_device(
    db: &Db,
    user: &CurrentUser,
    id: &DeviceId,
) -> Result<Vec<PushDevice>, AppError> {
    if !devices::remove_device(db, &user.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(devices::devices(db, &user.id).await?)
}

/// The preferences form as sent: muted kinds comma-separated, quiet
/// hours as `HH:MM` (both empty: none), the browser's time zone.
pub struct PrefsForm<'a> {
    pub muted: &'a str,
    pub quiet_start: &'a str,
    pub quiet_end: &'a str,
    pub time_zone: &'a str,
}

pub async fn save_prefs(
    db: &Db,
    user: &CurrentUser,
    form: PrefsForm<'_>,
    now: Timestamp,
) -> Result<NotificationPrefs, AppError> {
    let time_zone = form.time_zone.trim();
    if !notify::known_zone(time_zone) {
        return Err(AppError::invalid(
            "time_zone",
            "That time zone is not one this server knows (e.g. Europe/London).",
        ));
    }
    let prefs = NotificationPrefs {
        muted: NotificationPrefs::parse_muted(form.muted)?,
        quiet: QuietHours::parse(form.quiet_start, form.quiet_end)?,
        time_zone: time_zone.to_owned(),
    };
    let mut tx = begin_write(db).await?;
    store::save_prefs(&mut tx, &user.id, &prefs, now).await?;
    tx.commit().await?;
    Ok(prefs)
}

/// A push service's URL: https (or http on this machine when allowed),
/// so the server never posts to a plain-text or made-up address.
fn check_endpoint(endpoint: &str, allow_loopback_http: bool) -> Result<(), AppError> {
    let bad = || {
        AppError::invalid(
            "endpoint",
            "That is not a push service's address; turn notifications off and on again.",
        )
    };
    if endpoint.len() > ENDPOINT_MAX {
        return Err(bad());
    }
    let uri: http::Uri = endpoint.parse().map_err(|_| bad())?;
    let host = uri.host().ok_or_else(bad)?;
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http")
            if allow_loopback_http && matches!(host, "localhost" | "127.0.0.1" | "[::1]") =>
        {
            Ok(())
        }
        _ => Err(bad()),
    }
}

/// The endpoint's host resolves only to addresses the server may send to.
async fn reachable(outbound: &Outbound, endpoint: &str) -> Result<(), AppError> {
    let uri: http::Uri = endpoint.parse().map_err(|_| AppError::Internal)?;
    let host = uri.host().ok_or(AppError::Internal)?;
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("http") {
            80
        } else {
            443
        });
    outbound.resolve(host, port).await.map(|_| ()).map_err(|e| {
        tracing::info!(%host, reason = %e, "push endpoint refused");
        AppError::invalid(
            "endpoint",
            match e {
                Refusal::NotFound(_) => {
                    "That push service's address could not be found; try again later."
                }
                Refusal::NotPublic(_) | Refusal::NotAllowed(_) => {
                    "That is not a push service this server sends to."
                }
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_unless_loopback_is_allowed() {
        assert!(check_endpoint("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
        assert!(check_endpoint("http://fcm.googleapis.com/fcm/send/abc", false).is_err());
        assert!(check_endpoint("http://localhost:8090/notify/x", false).is_err());
        assert!(check_endpoint("http://localhost:8090/notify/x", true).is_ok());
        assert!(check_endpoint("http://10.0.0.1/notify/x", true).is_err());
        assert!(check_endpoint("javascript:alert(1)", true).is_err());
        assert!(check_endpoint(&format!("https://a.example/{}", "x".repeat(3000)), false).is_err());
    }
}
