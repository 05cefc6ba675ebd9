//! The `users` table.

use crate::domain::{Account, AccountStatus, AppError, Role};
use sqlx::{Any, Executor};

/// A user row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub status: String,
    pub created_at: i64,
}

impl UserRow {
    pub fn role(&self) -> Result<Role, AppError> {
        Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))
    }

    pub fn status(&self) -> Result<AccountStatus, AppError> {
        AccountStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))
    }

    pub fn account(&self) -> Result<Account, AppError> {
        Ok(Account {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            role: self.role()?,
            status: self.status()?,
            created_at: self.created_at,
        })
    }
}

fn corrupt(column: &str, value: &str) -> AppError {
    tracing::error!(column, value, "unknown value in users table");
    AppError::Internal
}

const COLUMNS: &str = "id, email, name, phone, password_hash, role, status, created_at";

pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub email_lower: &'a str,
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: Role,
    pub status: AccountStatus,
    pub now: i64,
}

/// Inserts a user; a taken email surfaces as the unique-violation database error.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    u: &NewUser<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, email, email_lower, name, phone, password_hash, role, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(u.id)
    .bind(u.email)
    .bind(u.email_lower)
    .bind(u.name)
    .bind(u.phone)
    .bind(u.password_hash)
    .bind(u.role.as_str())
    .bind(u.status.as_str())
    .bind(u.now)
    .execute(exec)
    .await?;
    Ok(())
}

pub async fn by_email<'e>(
    exec: impl Executor<'e, Database = Any>,
    email_lower: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM users WHERE email_lower = $1"
    ))
    .bind(email_lower)
    .fetch_optional(exec)
    .await
}

pub async fn by_id<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
}

pub async fn update_profile<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &str,
    name: &str,
    phone: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET name = $1, phone = $2, updated_at = $3 WHERE id = $4")
        .bind(name)
        .bind(phone)
        .bind(now)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn set_password<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &str,
    password_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(now)
        .bind(id)
        .execute(exec)
        .await?;
    Ok(())
}

/// How many accounts there are of each role and status.
pub async fn counts<'e>(
    exec: impl Executor<'e, Database = Any>,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT role, status, COUNT(*) FROM users GROUP BY role, status")
        .fetch_all(exec)
        .await
}
