//! The admin console's server functions. Every one requires the admin role, checked here on the server.

use crate::domain::{AppError, account::Overview};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{backend::accounts, domain::Role},
};

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
