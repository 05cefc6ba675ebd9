//! Payments: the admin console's `/api/admin_payments`, `/api/admin_payment`
//! and `/api/refund_payment`, and Stripe's webhook at `POST /api/stripe/webhook`.

#[cfg(feature = "ssr")]
use crate::domain::Timestamp;
use crate::domain::{
    AppError, PaymentId,
    payment::{PaymentDetail, PaymentPage, PaymentView},
};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

#[cfg(feature = "ssr")]
use {
    super::guard::{self, respond},
    crate::{
        backend::{AppState, flows::paying, payments::store},
        domain::{
            Feature, Role,
            admin::Paging,
            money::{Currency, Money},
            payment::PaymentStatus,
        },
    },
    axum::{
        Json,
        body::Bytes,
        extract::State,
        http::{HeaderMap, StatusCode},
        response::{IntoResponse, Response},
    },
};

/// `GET /api/admin_payments?status=&page=`: every payment, newest first, 25 a page.
#[server(endpoint = "admin_payments", input = GetUrl)]
pub async fn admin_payments(
    status: Option<String>,
    page: Option<u32>,
) -> Result<PaymentPage, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Payments)?;
            guard::require_role(&[Role::Admin]).await?;
            let status = match status.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => Some(PaymentStatus::parse(s).ok_or_else(|| {
                    AppError::invalid("status", format!("{s:?} is not a payment status."))
                })?),
            };
            store::list_all(&guard::state().db, status, Paging::new(page)).await
        }
        .await,
    )
}

/// `GET /api/admin_payment?id=`: one payment and its history.
#[server(endpoint = "admin_payment", input = GetUrl)]
pub async fn admin_payment(id: PaymentId) -> Result<PaymentDetail, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Payments)?;
            guard::require_role(&[Role::Admin]).await?;
            store::detail(&guard::state().db, &id)
                .await?
                .ok_or(AppError::NotFound)
        }
        .await,
    )
}

/// `POST /api/refund_payment`: an admin gives back `amount` (pounds, e.g.
/// `12.50`; all that is left when empty) of payment `id`, with a `reason`.
/// `request_id` (any id the client makes, e.g. a UUID) makes a repeated
/// request refund once.
#[server(endpoint = "refund_payment")]
pub async fn refund_payment(
    id: PaymentId,
    amount: Option<String>,
    reason: String,
    request_id: String,
) -> Result<PaymentView, AppError> {
    respond(
        async move {
            guard::require_feature(Feature::Payments)?;
            let admin = guard::require_role(&[Role::Admin]).await?;
            let cents = match amount.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(raw) => Some(
                    Money::parse(raw, Currency::PLATFORM)
                        .map_err(|_| {
                            AppError::invalid("amount", "Enter the amount in pounds, like 12.50.")
                        })?
                        .cents,
                ),
            };
            let state = guard::state();
            paying::refund(
                &state.db,
                &state.payments,
                &admin,
                &id,
                cents,
                &reason,
                &request_id,
                Timestamp::now(),
            )
            .await
        }
        .await,
    )
}

/// Where Stripe sends its events (the endpoint's URL in Stripe's dashboard).
#[cfg(feature = "ssr")]
pub const STRIPE_WEBHOOK: &str = "/api/stripe/webhook";

/// Verifies the `Stripe-Signature`, then applies the event once. A replay
/// is answered 200 and ignored; a bad signature 400; a failure to store
/// 500, so that Stripe delivers it again later.
#[cfg(feature = "ssr")]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !state.features.enabled(Feature::Payments) {
        return AppError::NotFound.into_response();
    }
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = Timestamp::now();
    let event = match state
        .payments
        .read_webhook(header, &body, now.millis() / 1000)
    {
        None => return AppError::NotFound.into_response(),
        Some(Ok(event)) => event,
        Some(Err(e)) => {
            tracing::warn!(error = %e, "refused a webhook");
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({ "error": e.to_string() })),
            )
                .into_response();
        }
    };
    match paying::webhook(&state.db, &state.payments, &event, now).await {
        Ok(first) => {
            Json(serde_json::json!({ "received": true, "duplicate": !first })).into_response()
        }
        Err(e) => e.into_response(),
    }
}
