//! The mechanic's own profile: `/api/my_profile`, `/api/save_profile`.

// One argument per form field keeps the wire format a plain form post; the
// macro-generated client function inherits the count.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use crate::domain::Timestamp;
use crate::domain::{AppError, mechanic::MechanicProfile};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::profiles,
        domain::{
            Role,
            mechanic::{ProfileForm, parse_checkbox},
        },
    },
};

/// `GET /api/my_profile`: the signed-in mechanic's profile, or `null` before they fill it in.
#[server(endpoint = "my_profile", input = GetUrl)]
pub async fn my_profile() -> Result<Option<MechanicProfile>, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Mechanic]).await?;
            Ok(profiles::get(&guard::state().db, &user.id)
                .await?
                .map(|(p, _)| p))
        }
        .await,
    )
}

/// `POST /api/save_profile`: creates or replaces the mechanic's profile.
/// `skills[]` repeats once per skill; `available` is `on`/`true` when ticked.
/// Approval is not in here: a mechanic cannot change it.
#[server(endpoint = "save_profile")]
pub async fn save_profile(
    display_name: String,
    bio: Option<String>,
    skills: Option<Vec<String>>,
    years_experience: String,
    base_lat: String,
    base_lng: String,
    base_address: String,
    radius_km: String,
    available: Option<String>,
) -> Result<MechanicProfile, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Mechanic]).await?;
            let form = ProfileForm {
                display_name,
                bio: bio.unwrap_or_default(),
                skills: skills.unwrap_or_default(),
                years_experience,
                base_lat,
                base_lng,
                base_address,
                radius_km,
                available: parse_checkbox(available.as_deref()),
            };
            profiles::save(&guard::state(), &user.id, &form, Timestamp::now()).await
        }
        .await,
    )
}
