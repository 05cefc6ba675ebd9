//! The `users` table.

use crate::domain::Timestamp;
use crate::domain::UserId;
use crate::domain::{
    Account, AccountStatus, Role,
    admin::{Paging, UserFilter},
};
use sqlx::{Any, Executor};

/// A user row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub status: AccountStatus,
    pub created_at: Timestamp,
    /// Why the account is suspended (or was rejected), while it is.
    pub status_reason: Option<String>,
}

impl UserRow {
    pub fn account(&self) -> Account {
        Account {
            id: self.id.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            role: self.role,
            status: self.status,
            created_at: self.created_at,
        }
    }
}

const COLUMNS: &str =
    "id, email, name, phone, password_hash, role, status, created_at, status_reason";

pub struct NewUser<'a> {
    pub id: &'a UserId,
    pub email: &'a str,
    pub email_lower: &'a str,
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: Role,
    pub status: AccountStatus,
    pub now: Timestamp,
}

/// Inserts a user. `Ok(false)` when the email is taken: the unique index
/// settles sign-ups racing for one address.
pub async fn insert<'e>(
    exec: impl Executor<'e, Database = Any>,
    u: &NewUser<'_>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
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
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
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
    id: &UserId,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await
}

pub async fn update_profile<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &UserId,
    name: &str,
    phone: Option<&str>,
    now: Timestamp,
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
    id: &UserId,
    password_hash: &str,
    now: Timestamp,
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
) -> Result<Vec<(Role, AccountStatus, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT role, status, COUNT(*) FROM users GROUP BY role, status")
        .fetch_all(exec)
        .await
}

/// Moves the status from `from` to `to` with the reason that goes with it
/// (`None` clears it). Returns false when the status was no longer `from`:
/// someone else changed it first.
pub async fn change_status<'e>(
    exec: impl Executor<'e, Database = Any>,
    id: &UserId,
    from: AccountStatus,
    to: AccountStatus,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `LIKE` pattern for "contains", with the user's own `%`, `_` and `\` taken literally.
fn contains_pattern(search: &str) -> String {
    let mut p = String::from("%");
    for c in search.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Users matching the filter, newest first, one page of them, and how many match in all.
pub async fn search(
    db: &crate::backend::db::Db,
    filter: &UserFilter,
    paging: Paging,
) -> Result<(Vec<UserRow>, i64), sqlx::Error> {
    let mut w = crate::backend::db::Where::default();
    let search = filter.search.trim();
    if !search.is_empty() {
        w.and(
            "(LOWER(name) LIKE {} ESCAPE '\\' OR email_lower LIKE {} ESCAPE '\\')",
            contains_pattern(search),
        );
    }
    if let Some(role) = filter.role {
        w.and("role = {}", role.as_str());
    }
    if let Some(status) = filter.status {
        w.and("status = {}", status.as_str());
    }
    let total = w.count(db, "users").await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM users{} ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}",
        w.sql(),
        w.next(1),
        w.next(2)
    );
    let mut rows = sqlx::query_as::<_, UserRow>(&sql);
    for a in &w.args {
        rows = rows.bind(a);
    }
    let rows = rows
        .bind(i64::from(paging.per_page))
        .bind(paging.offset())
        .fetch_all(db)
        .await?;
    Ok((rows, total))
}

pub async fn count_all<'e>(exec: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(exec)
        .await?;
    Ok(n)
}

pub async fn count_admins<'e>(exec: impl Executor<'e, Database = Any>) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = $1")
        .bind(Role::Admin.as_str())
        .fetch_one(exec)
        .await?;
    Ok(n)
}
