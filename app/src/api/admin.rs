//! The admin console's server functions. Every one requires the admin role, checked here on the server.

#[cfg(feature = "ssr")]
use crate::domain::Timestamp;
use crate::domain::{
    AppError, UserId,
    account::Overview,
    admin::{AuditPage, JobPage, MapJob, UserDetail, UserPage},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::{
            flows::{accounts, admin},
            store,
        },
        domain::{
            AccountStatus, Feature, Role,
            admin::{AuditAction, AuditFilter, Paging, ReviewAction, UserFilter},
            job::JobStatus,
        },
    },
};

/// `GET /api/admin_live_map`: every unfinished job (the newest 500) with
/// its booked mechanic's latest position while they share it (and live
/// tracking is switched on).
#[server(endpoint = "admin_live_map", input = GetUrl)]
pub async fn admin_live_map() -> Result<Vec<MapJob>, AppError> {
    respond(
        async move {
            guard::require_role(&[Role::Admin]).await?;
            let state = guard::state();
            let positions = state.features.enabled(Feature::RealtimeTracking);
            state.tracker.map(&state.db, positions).await
        }
        .await,
    )
}

/// `GET /api/admin_overview`: how many accounts there are of each kind.
#[server(endpoint = "admin_overview", input = GetUrl)]
pub async fn admin_overview() -> Result<Overview, AppError> {
    respond(
        async move {
            guard::require_role(&[Role::Admin]).await?;
            accounts::overview(&guard::state()).await
        }
        .await,
    )
}

/// `GET /api/admin_users?search=&role=&status=&page=`: users, newest first, 25 a page.
#[server(endpoint = "admin_users", input = GetUrl)]
pub async fn admin_users(
    search: Option<String>,
    role: Option<String>,
    status: Option<String>,
    page: Option<u32>,
) -> Result<UserPage, AppError> {
    respond(
        async move {
            guard::require_role(&[Role::Admin]).await?;
            let filter = UserFilter {
                search: search.unwrap_or_default(),
                role: parse_choice(role, "role", Role::parse)?,
                status: parse_choice(status, "status", AccountStatus::parse)?,
            };
            admin::list_users(&guard::state(), &filter, Paging::new(page)).await
        }
        .await,
    )
}

/// `GET /api/admin_jobs?status=&page=`: every job, newest first, 25 a page.
#[server(endpoint = "admin_jobs", input = GetUrl)]
pub async fn admin_jobs(status: Option<String>, page: Option<u32>) -> Result<JobPage, AppError> {
    respond(
        async move {
            guard::require_role(&[Role::Admin]).await?;
            let status = parse_choice(status, "status", JobStatus::parse)?;
            store::jobs::list_all(
                &guard::state().db,
                status,
                Paging::new(page),
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `GET /api/admin_user?id=`: one user with their profile and recent history.
#[server(endpoint = "admin_user", input = GetUrl)]
pub async fn admin_user(id: UserId) -> Result<UserDetail, AppError> {
    respond(
        async move {
            guard::require_role(&[Role::Admin]).await?;
            admin::user_detail(&guard::state(), &UserId::from(id.trim())).await
        }
        .await,
    )
}

/// `POST /api/admin_review`: `action` is approve, reject, suspend or reinstate;
/// reject and suspend need a `reason`, which the user is shown.
#[server(endpoint = "admin_review")]
pub async fn admin_review(
    id: UserId,
    action: String,
    reason: Option<String>,
) -> Result<UserDetail, AppError> {
    respond(
        async move {
            let me = guard::require_role(&[Role::Admin]).await?;
            let action = ReviewAction::parse(action.trim()).ok_or_else(|| {
                AppError::invalid("action", "Choose approve, reject, suspend or reinstate.")
            })?;
            admin::review_account(
                &guard::state(),
                &me,
                &UserId::from(id.trim()),
                action,
                reason.as_deref().unwrap_or_default(),
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `GET /api/admin_audit?actor=&action=&page=`: the audit log, newest first, 25 a page.
#[server(endpoint = "admin_audit", input = GetUrl)]
pub async fn admin_audit(
    actor: Option<String>,
    action: Option<String>,
    page: Option<u32>,
) -> Result<AuditPage, AppError> {
    respond(
        async move {
            guard::require_role(&[Role::Admin]).await?;
            let action = action.unwrap_or_default();
            if !action.is_empty() && AuditAction::parse(&action).is_none() {
                return Err(AppError::invalid(
                    "action",
                    "Choose an action from the list.",
                ));
            }
            let filter = AuditFilter {
                actor_email: actor.unwrap_or_default(),
                action,
            };
            admin::audit_log(&guard::state(), &filter, Paging::new(page)).await
        }
        .await,
    )
}

/// An optional choice from a fixed list: empty means "any".
#[cfg(feature = "ssr")]
fn parse_choice<T>(
    raw: Option<String>,
    field: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, AppError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse(s)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, format!("\"{s}\" is not a {field} here."))),
    }
}
