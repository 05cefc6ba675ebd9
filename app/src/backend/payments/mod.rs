//! Taking payment: the provider behind one interface (Stripe, or the
//! labelled demo mode when no keys are set), the `payments` table, and
//! webhooks (their signatures, and their events in the app's own words).

pub mod events;
pub mod signature;
pub mod store;
pub mod stripe;

use crate::domain::{
    AppError,
    money::Money,
    payment::{CardSummary, Checkout},
};
use std::sync::Arc;

/// Who takes the money.
#[derive(Clone)]
pub enum Gateway {
    Stripe(Arc<stripe::StripeApi>),
    /// No Stripe keys (a fresh machine): every step succeeds and no card
    /// is charged; the page says so.
    Demo,
}

/// Where a provider's payment stands after a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub intent_id: String,
    pub state: IntentState,
    pub card: Option<CardSummary>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IntentState {
    /// The amount is held.
    Held,
    /// The bank wants the customer to confirm; `client_secret` lets the page do it.
    NeedsAction { client_secret: String },
    /// The customer's confirmation failed or the card was refused.
    Refused { message: String },
    /// Captured, cancelled or anything else that can no longer book a job.
    Other(String),
}

/// Why a call to the provider did not do what was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum GatewayError {
    /// The card was refused; the message is the provider's.
    Declined(String),
    /// The provider was unreachable or failed.
    Unavailable,
}

impl From<GatewayError> for AppError {
    fn from(e: GatewayError) -> Self {
        match e {
            GatewayError::Declined(message) => AppError::PaymentDeclined { message },
            GatewayError::Unavailable => AppError::PaymentUnavailable,
        }
    }
}

impl Gateway {
    pub fn provider(&self) -> &'static str {
        match self {
            Gateway::Stripe(_) => "stripe",
            Gateway::Demo => "demo",
        }
    }

    /// What the page needs to collect a card for `amount`.
    pub async fn checkout(&self, amount: Money) -> Result<Checkout, AppError> {
        match self {
            Gateway::Stripe(api) => Ok(Checkout::Stripe {
                publishable_key: api.publishable_key.clone(),
                js_url: api.js_url.clone(),
                setup_secret: api.setup_card().await?,
                amount,
            }),
            Gateway::Demo => Ok(Checkout::Demo { amount }),
        }
    }

    /// Holds `amount` on the card. `key` names this attempt: asked twice,
    /// the provider answers with the first hold rather than making a second.
    pub async fn authorize(
        &self,
        key: &str,
        amount: Money,
        payment_method: Option<&str>,
        metadata: &[(&str, &str)],
    ) -> Result<Authorization, GatewayError> {
        match self {
            Gateway::Stripe(api) => {
                let Some(pm) = payment_method else {
                    return Err(GatewayError::Declined(
                        "Enter your card details to book this mechanic.".into(),
                    ));
                };
                api.authorize(key, amount, pm, metadata).await
            }
            Gateway::Demo => Ok(Authorization {
                intent_id: format!("demo_{key}"),
                state: IntentState::Held,
                card: Some(CardSummary {
                    brand: "demo".into(),
                    last4: "0000".into(),
                }),
            }),
        }
    }

    /// Where a payment stands now (after the customer confirmed with their bank).
    pub async fn lookup(&self, intent_id: &str) -> Result<Authorization, GatewayError> {
        match self {
            Gateway::Stripe(api) => api.lookup(intent_id).await,
            Gateway::Demo => Ok(Authorization {
                intent_id: intent_id.to_owned(),
                state: IntentState::Held,
                card: None,
            }),
        }
    }

    /// Takes `amount` (at most what is held) of the hold.
    pub async fn capture(
        &self,
        key: &str,
        intent_id: &str,
        amount: Money,
    ) -> Result<(), GatewayError> {
        match self {
            Gateway::Stripe(api) => api.capture(key, intent_id, amount).await,
            Gateway::Demo => Ok(()),
        }
    }

    /// Lets the hold go.
    pub async fn release(&self, key: &str, intent_id: &str) -> Result<(), GatewayError> {
        match self {
            Gateway::Stripe(api) => api.release(key, intent_id).await,
            Gateway::Demo => Ok(()),
        }
    }

    /// Gives back `amount` of what was taken; returns the provider's refund id.
    pub async fn refund(
        &self,
        key: &str,
        intent_id: &str,
        amount: Money,
    ) -> Result<String, GatewayError> {
        match self {
            Gateway::Stripe(api) => api.refund(key, intent_id, amount).await,
            Gateway::Demo => Ok(format!("demo_refund_{key}")),
        }
    }

    /// Checks a webhook's signature and reads its event in the app's own
    /// words; `None` in demo mode, where nothing sends webhooks.
    pub fn read_webhook(
        &self,
        signature_header: &str,
        body: &[u8],
        now_secs: i64,
    ) -> Option<Result<events::ProviderEvent, events::WebhookError>> {
        match self {
            Gateway::Stripe(api) => Some(events::read_stripe(
                signature_header,
                body,
                &api.webhook_secret,
                now_secs,
            )),
            Gateway::Demo => None,
        }
    }
}
