//! The `vehicles` table: each customer's garage.

use crate::backend::{Db, new_id};
use crate::domain::Timestamp;
use crate::domain::UserId;
use crate::domain::VehicleId;
use crate::domain::{
    AppError,
    vehicle::{NewVehicle, Vehicle, VehicleForm},
};
use sqlx::{Any, Executor};

/// A garage holds at most this many vehicles; a fleet needs another product.
pub const GARAGE_MAX: i64 = 20;

#[derive(sqlx::FromRow)]
pub struct VehicleRow {
    id: String,
    year: i64,
    make: String,
    model: String,
    trim: Option<String>,
    colour: String,
    plate: String,
    vin: Option<String>,
}

impl From<VehicleRow> for Vehicle {
    fn from(r: VehicleRow) -> Self {
        Vehicle {
            id: VehicleId::from(r.id),
            year: r.year,
            make: r.make,
            model: r.model,
            trim: r.trim,
            colour: r.colour,
            plate: r.plate,
            vin: r.vin,
        }
    }
}

const COLUMNS: &str = "id, year, make, model, trim, colour, plate, vin";

/// The customer's vehicles, oldest first, without removed ones.
pub async fn list(db: &Db, owner_id: &UserId) -> Result<Vec<Vehicle>, AppError> {
    let rows: Vec<VehicleRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM vehicles WHERE owner_id = $1 AND removed_at IS NULL \
         ORDER BY created_at, id"
    ))
    .bind(owner_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Vehicle::from).collect())
}

/// One of the customer's vehicles that is still in their garage.
pub async fn owned<'e>(
    exec: impl Executor<'e, Database = Any>,
    owner_id: &UserId,
    id: &VehicleId,
) -> Result<Option<Vehicle>, AppError> {
    let row: Option<VehicleRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM vehicles WHERE id = $1 AND owner_id = $2 AND removed_at IS NULL"
    ))
    .bind(id)
    .bind(owner_id)
    .fetch_optional(exec)
    .await?;
    Ok(row.map(Vehicle::from))
}

/// Any vehicle by id, removed or not: a job keeps naming its vehicle.
pub async fn by_id<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &VehicleId,
) -> Result<Vehicle, AppError> {
    let row: Option<VehicleRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM vehicles WHERE id = $1"))
            .bind(id)
            .fetch_optional(exec)
            .await?;
    row.map(Vehicle::from).ok_or_else(|| {
        tracing::error!(vehicle = %id, "a job names a vehicle that does not exist");
        AppError::Internal
    })
}

/// Checks the form and adds the vehicle; a refused form changes nothing.
#[tracing::instrument(skip_all, fields(user = %owner_id))]
pub async fn add(
    db: &Db,
    owner_id: &UserId,
    form: &VehicleForm,
    now: Timestamp,
) -> Result<Vehicle, AppError> {
    let v = form.parse(now.year())?;
    let mut tx = crate::backend::db::begin_write(db).await?;
    crate::backend::db::lock_user(&mut tx, owner_id).await?;
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM vehicles WHERE owner_id = $1 AND removed_at IS NULL")
            .bind(owner_id)
            .fetch_one(&mut *tx)
            .await?;
    if count >= GARAGE_MAX {
        return Err(AppError::conflict(format!(
            "Your garage is full ({GARAGE_MAX} vehicles). Remove one you no longer need first."
        )));
    }
    let vehicle = insert(&mut *tx, owner_id, v, now).await?;
    tx.commit().await?;
    Ok(vehicle)
}

/// Stores a checked vehicle in the owner's garage.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    owner_id: &UserId,
    v: NewVehicle,
    now: Timestamp,
) -> Result<Vehicle, AppError> {
    let v = v.into_vehicle(new_id());
    sqlx::query(
        "INSERT INTO vehicles (id, owner_id, year, make, model, trim, colour, plate, vin, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&v.id)
    .bind(owner_id)
    .bind(v.year)
    .bind(&v.make)
    .bind(&v.model)
    .bind(&v.trim)
    .bind(&v.colour)
    .bind(&v.plate)
    .bind(&v.vin)
    .bind(now)
    .execute(exec)
    .await?;
    Ok(v)
}

/// Takes a vehicle out of the garage. Jobs that name it keep it.
#[tracing::instrument(skip_all, fields(user = %owner_id, id = %id))]
pub async fn remove(
    db: &Db,
    owner_id: &UserId,
    id: &VehicleId,
    now: Timestamp,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE vehicles SET removed_at = $1 WHERE id = $2 AND owner_id = $3 AND removed_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(owner_id)
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
