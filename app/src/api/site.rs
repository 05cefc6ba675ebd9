//! What this installation offers: read by the shell before it draws the navigation.

use crate::domain::{FeatureFlags, map::MapSettings};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

/// `GET /api/site_config`: which optional features are switched on.
#[server(endpoint = "site_config", input = GetUrl)]
pub async fn site_config() -> Result<FeatureFlags, ServerFnError> {
    let state = expect_context::<crate::backend::AppState>();
    Ok(state.features)
}

/// `GET /api/map_settings`: where the maps' tiles come from and whose they are.
#[server(endpoint = "map_settings", input = GetUrl)]
pub async fn tile_layer() -> Result<MapSettings, ServerFnError> {
    let state = expect_context::<crate::backend::AppState>();
    Ok((*state.map).clone())
}
