//! Everything a request handler needs, built once at start-up.

use crate::{backend::db::Db, domain::FeatureFlags};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

/// Handed to axum handlers as state and to server functions as context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub features: FeatureFlags,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
