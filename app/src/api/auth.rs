//! Sign-up, sign-in, sign-out and the user's own account: `/api/register`, `/api/login`, `/api/me`, ...

#[cfg(feature = "ssr")]
use crate::domain::Timestamp;
use crate::domain::{Account, AppError, SignedIn};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::flows::accounts::{self, Registration},
        domain::{Role, account::after_login},
    },
};

/// `POST /api/register`: a new customer or mechanic account, signed in at once.
/// `role` is `customer` or `mechanic`; `next` is where the browser goes after.
#[server(endpoint = "register")]
pub async fn register(
    name: String,
    email: String,
    phone: Option<String>,
    password: String,
    role: String,
    next: Option<String>,
) -> Result<SignedIn, AppError> {
    respond(
        async move {
            let role = Role::parse(role.trim())
                .ok_or_else(|| AppError::invalid("role", "Choose customer or mechanic."))?;
            let client = guard::client();
            let form = Registration {
                name,
                email,
                phone,
                password,
                role,
            };
            let signed_in =
                accounts::register(&guard::state(), form, &client, Timestamp::now()).await?;
            guard::set_session_cookie(&signed_in.token, signed_in.expires_at);
            guard::redirect_to(&after_login(role, next.as_deref()));
            Ok(signed_in)
        }
        .await,
    )
}

/// `POST /api/login`: checks the password and starts a session. The token is
/// set as a cookie for browsers and returned for API clients (`Authorization: Bearer`).
#[server(endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<SignedIn, AppError> {
    respond(
        async move {
            let client = guard::client();
            let signed_in =
                accounts::login(&guard::state(), &email, password, &client, Timestamp::now())
                    .await?;
            guard::set_session_cookie(&signed_in.token, signed_in.expires_at);
            guard::redirect_to(&after_login(signed_in.account.role, next.as_deref()));
            Ok(signed_in)
        }
        .await,
    )
}

/// `POST /api/logout`: ends this session; its token stops working at once.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    respond(
        async move {
            if let Some(user) = guard::current_user().await? {
                accounts::logout(&guard::state(), &user, Timestamp::now()).await?;
            }
            guard::clear_session_cookie();
            guard::redirect_to("/");
            Ok(())
        }
        .await,
    )
}

/// `POST /api/logout_everywhere`: ends every session of this account, on every device.
#[server(endpoint = "logout_everywhere")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            accounts::logout_everywhere(&guard::state(), &user, Timestamp::now()).await?;
            guard::clear_session_cookie();
            guard::redirect_to("/login");
            Ok(())
        }
        .await,
    )
}

/// `GET /api/me`: the signed-in account, or 401.
#[server(endpoint = "me", input = GetUrl)]
pub async fn me() -> Result<Account, AppError> {
    // The account as read with the session: "who am I" needs no second query.
    respond(async move { Ok(guard::require_user().await?.account) }.await)
}

/// `POST /api/update_profile`: name and phone (a phone is required for mechanics).
#[server(endpoint = "update_profile")]
pub async fn update_profile(name: String, phone: Option<String>) -> Result<Account, AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            accounts::update_profile(
                &guard::state(),
                &user,
                &name,
                phone.as_deref(),
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// `POST /api/change_password`: needs the current password; every other session ends.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    respond(
        async move {
            let user = guard::require_user().await?;
            let client = guard::client();
            accounts::change_password(
                &guard::state(),
                &user,
                current_password,
                new_password,
                &client,
                Timestamp::now(),
            )
            .await?;
            Ok(())
        }
        .await,
    )
}
