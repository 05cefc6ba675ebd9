//! The notification centre (`/api/notifications`, `/api/read_notification`,
//! `/api/read_all_notifications`) and push: `/api/push_settings`,
//! `/api/push_subscribe`, `/api/push_unsubscribe`, `/api/notification_prefs`.

use crate::domain::{
    AppError, DeviceId, NotificationId,
    notification::{NotificationPage, NotificationPrefs, PushDevice, PushSettings, Subscribed},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::{flows::notifications as flow, store::push::NewSubscription},
        domain::{Feature, Timestamp},
    },
};

/// `GET /api/notifications`: the caller's newest notifications and their unread count.
#[server(endpoint = "notifications", input = GetUrl)]
pub async fn notifications() -> Result<NotificationPage, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            flow::page(&guard::state().db, &user).await
        }
        .await,
    )
}

/// `POST /api/read_notification`: marks one read; answers the unread count.
#[server(endpoint = "read_notification")]
pub async fn read_notification(id: NotificationId) -> Result<i64, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            flow::read(&guard::state().db, &user, &id, Timestamp::now()).await
        }
        .await,
    )
}

/// `POST /api/read_all_notifications`: marks every one read; answers 0.
#[server(endpoint = "read_all_notifications")]
pub async fn read_all_notifications() -> Result<i64, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            flow::read_all(&guard::state().db, &user, Timestamp::now()).await
        }
        .await,
    )
}

/// `GET /api/push_settings`: the key to subscribe with (none while push is
/// off), the caller's devices and their preferences.
#[server(endpoint = "push_settings", input = GetUrl)]
pub async fn get_push_settings() -> Result<PushSettings, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            let state = guard::state();
            flow::settings(&state.db, &state.push, &user).await
        }
        .await,
    )
}

/// `POST /api/push_subscribe`: this device's `PushSubscription` (its
/// `endpoint` and `keys.p256dh`, `keys.auth`) and a `label` naming it.
/// Answers the device's id and the caller's devices.
#[server(endpoint = "push_subscribe")]
pub async fn push_subscribe(
    endpoint: String,
    p256dh: String,
    auth: String,
    label: String,
) -> Result<Subscribed, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::PushNotifications)?;
            let user = guard::require_user().await?;
            let state = guard::state();
            let sub = NewSubscription {
                endpoint: &endpoint,
                p256dh: &p256dh,
                auth: &auth,
                label: &label,
            };
            flow::subscribe(&state.db, &state.push, &user, sub, Timestamp::now()).await
        }
        .await,
    )
}

/// `POST /api/push_unsubscribe`: removes one of the caller's devices.
#[server(endpoint = "push_unsubscribe")]
pub async fn push_unsubscribe(id: DeviceId) -> Result<Vec<PushDevice>, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            flow::remove_device(&guard::state().db, &user, &id).await
        }
        .await,
    )
}

/// `POST /api/notification_prefs`: kinds kept off the caller's devices
/// (`muted`, comma-separated), quiet hours (`HH:MM`, both empty for
/// none) and the `time_zone` they are in.
#[server(endpoint = "notification_prefs")]
pub async fn save_notification_prefs(
    muted: String,
    quiet_start: String,
    quiet_end: String,
    time_zone: String,
) -> Result<NotificationPrefs, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            let form = flow::PrefsForm {
                muted: &muted,
                quiet_start: &quiet_start,
                quiet_end: &quiet_end,
                time_zone: &time_zone,
            };
            flow::save_prefs(&guard::state().db, &user, form, Timestamp::now()).await
        }
        .await,
    )
}
