//! The `mechanic_profiles` table, and mechanics keeping their own profile.

use super::AppState;
use crate::domain::Timestamp;
use crate::domain::UserId;
use crate::domain::{
    AppError,
    mechanic::{GeoPoint, MechanicProfile, ProfileForm},
};
use sqlx::{Any, Executor};

#[derive(sqlx::FromRow)]
struct ProfileRow {
    display_name: String,
    bio: String,
    skills: String,
    years_experience: i64,
    base_lat: f64,
    base_lng: f64,
    base_address: String,
    radius_km: i64,
    available: i64,
    approved_at: Option<Timestamp>,
}

impl ProfileRow {
    fn profile(self, user_id: &UserId) -> Result<(MechanicProfile, Option<Timestamp>), AppError> {
        let corrupt = |column: &str| super::store::corrupt("mechanic_profiles", user_id, column);
        let profile = MechanicProfile {
            display_name: self.display_name,
            bio: self.bio,
            skills: MechanicProfile::skills_from_column(&self.skills)
                .ok_or_else(|| corrupt("skills"))?,
            years_experience: u32::try_from(self.years_experience)
                .map_err(|_| corrupt("years_experience"))?,
            base: GeoPoint::new(self.base_lat, self.base_lng).ok_or_else(|| corrupt("base"))?,
            base_address: self.base_address,
            radius_km: u32::try_from(self.radius_km).map_err(|_| corrupt("radius_km"))?,
            available: self.available != 0,
        };
        Ok((profile, self.approved_at))
    }
}

/// A mechanic's profile and when they were first approved, if they have a profile.
pub async fn get<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: &UserId,
) -> Result<Option<(MechanicProfile, Option<Timestamp>)>, AppError> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT display_name, bio, skills, years_experience, base_lat, base_lng, base_address, \
         radius_km, available, approved_at FROM mechanic_profiles WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(exec)
    .await?;
    row.map(|r| r.profile(user_id)).transpose()
}

/// Creates or replaces the profile; `approved_at` is the admins' and is kept.
pub async fn upsert<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: &UserId,
    p: &MechanicProfile,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mechanic_profiles (user_id, display_name, bio, skills, years_experience, \
         base_lat, base_lng, base_address, radius_km, available, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, bio = excluded.bio, \
         skills = excluded.skills, years_experience = excluded.years_experience, \
         base_lat = excluded.base_lat, base_lng = excluded.base_lng, base_address = excluded.base_address, \
         radius_km = excluded.radius_km, available = excluded.available, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(&p.display_name)
    .bind(&p.bio)
    .bind(p.skills_column())
    .bind(i64::from(p.years_experience))
    .bind(p.base.lat())
    .bind(p.base.lng())
    .bind(&p.base_address)
    .bind(i64::from(p.radius_km))
    .bind(i64::from(p.available))
    .bind(now)
    .execute(exec)
    .await?;
    Ok(())
}

/// Records the first approval; later approvals (after a reinstatement) keep the first date.
pub async fn mark_approved<'e>(
    exec: impl Executor<'e, Database = Any>,
    user_id: &UserId,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mechanic_profiles SET approved_at = COALESCE(approved_at, $1) WHERE user_id = $2",
    )
    .bind(now)
    .bind(user_id)
    .execute(exec)
    .await?;
    Ok(())
}

/// Saves a mechanic's profile after checking every field; a refused form changes nothing.
/// Approval is not part of the form: only admins change it.
#[tracing::instrument(skip_all)]
pub async fn save(
    state: &AppState,
    user_id: &UserId,
    form: &ProfileForm,
    now: Timestamp,
) -> Result<MechanicProfile, AppError> {
    let profile = form.parse()?;
    upsert(&state.db, user_id, &profile, now).await?;
    Ok(profile)
}
