//! Everything a request handler needs, built once at start-up.

use crate::{
    backend::{
        assets::BuildAssets, db::Db, live::Hub, policy::ContentPolicy, tokens::TokenKeys,
        tracking::Tracker,
    },
    domain::{FeatureFlags, map::MapSettings},
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::{sync::Arc, time::Duration};

/// Handed to axum handlers as state and to server functions as context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The bundle's file names, hashed or not, and the build's version.
    pub assets: Arc<BuildAssets>,
    pub db: Db,
    pub features: FeatureFlags,
    pub auth: Arc<AuthSettings>,
    /// Real-time events for this process's subscribers.
    pub live: Hub,
    /// Booked mechanics' positions: checked, delivered, written in batches.
    pub tracker: Tracker,
    /// Messages one person may send in a minute (`MESSAGES_PER_MINUTE`); 0: no limit.
    pub messages_per_minute: usize,
    /// Typing notices passed on lately, to limit them.
    pub typing: crate::backend::live::TypingGate,
    /// Where photos are stored, and how they are processed.
    pub photos: crate::backend::photos::Photos,
    /// Push notifications: the VAPID identity while they are on.
    pub push: Arc<crate::backend::push::PushConfig>,
    /// Who takes card payments (used while `features.payments` is on).
    pub payments: crate::backend::payments::Gateway,
    /// The maps' tile layer.
    pub map: Arc<MapSettings>,
    /// The Content-Security-Policy pages and every other answer carry.
    pub policy: Arc<ContentPolicy>,
    /// `GET /metrics`, when `METRICS_TOKEN` turned it on.
    pub metrics: Option<Arc<Metrics>>,
}

/// What `GET /metrics` renders, and the token a scraper must send.
pub struct Metrics {
    pub handle: metrics_exporter_prometheus::PrometheusHandle,
    pub token: String,
}

/// How sessions are signed and sent.
pub struct AuthSettings {
    pub keys: TokenKeys,
    pub session_ttl: Duration,
    /// Mark the cookie `Secure`: on when the public URL is https.
    pub secure_cookie: bool,
    /// Take the client address from the last `X-Forwarded-For` entry
    /// (only behind a proxy that sets it; otherwise anyone could pick theirs).
    pub trust_forwarded_for: bool,
    /// Registrations one client address may make in an hour.
    pub signups_per_hour: usize,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
