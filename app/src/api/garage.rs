//! A customer's garage: `/api/my_vehicles`, `/api/add_vehicle`, `/api/remove_vehicle`.

#[cfg(feature = "ssr")]
use crate::domain::Timestamp;
use crate::domain::{AppError, VehicleId, vehicle::Vehicle};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::store::vehicles,
        domain::{Role, vehicle::VehicleForm},
    },
};

/// `GET /api/my_vehicles`: the signed-in customer's vehicles, oldest first.
#[server(endpoint = "my_vehicles", input = GetUrl)]
pub async fn my_vehicles() -> Result<Vec<Vehicle>, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Customer]).await?;
            vehicles::list(&guard::state().db, &user.id).await
        }
        .await,
    )
}

/// `POST /api/add_vehicle`: adds a vehicle; `trim` and `vin` may be empty.
#[server(endpoint = "add_vehicle")]
pub async fn add_vehicle(
    year: String,
    make: String,
    model: String,
    trim: Option<String>,
    colour: String,
    plate: String,
    vin: Option<String>,
) -> Result<Vehicle, AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Customer]).await?;
            let form = VehicleForm {
                year,
                make,
                model,
                trim: trim.unwrap_or_default(),
                colour,
                plate,
                vin: vin.unwrap_or_default(),
            };
            vehicles::add(&guard::state().db, &user.id, &form, Timestamp::now()).await
        }
        .await,
    )
}

/// `POST /api/remove_vehicle`: takes a vehicle out of the garage; its past jobs keep it.
#[server(endpoint = "remove_vehicle")]
pub async fn remove_vehicle(id: VehicleId) -> Result<(), AppError> {
    respond(
        async move {
            let user = guard::require_role(&[Role::Customer]).await?;
            vehicles::remove(&guard::state().db, &user.id, &id, Timestamp::now()).await
        }
        .await,
    )
}
