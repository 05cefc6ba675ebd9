//! Stripe through async-stripe: its client (keys, retries, idempotency
//! keys) and request builders. Answers are read into the few fields this
//! app needs, so fields Stripe adds, or a stand-in omits, change nothing.

use super::{Authorization, GatewayError, IntentState};
use crate::domain::{money::Money, payment::CardSummary};
use std::time::Duration;
use stripe::{IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_client_core::{RequestBuilder, StripeMethod};
use stripe_core::{
    PaymentIntentCaptureMethod,
    payment_intent::{
        CancelPaymentIntent, CapturePaymentIntent, CreatePaymentIntent, RetrievePaymentIntent,
    },
    refund::CreateRefund,
    setup_intent::CreateSetupIntent,
};

/// The account's keys and where its API and Stripe.js are.
pub struct StripeApi {
    client: stripe::Client,
    pub publishable_key: String,
    pub js_url: String,
    pub webhook_secret: String,
}

#[derive(miniserde::Deserialize)]
struct Intent {
    id: String,
    status: String,
    client_secret: Option<String>,
    payment_method: Option<String>,
    last_payment_error: Option<LastError>,
}

#[derive(miniserde::Deserialize)]
struct LastError {
    message: Option<String>,
}

#[derive(miniserde::Deserialize)]
struct Secret {
    client_secret: Option<String>,
}

#[derive(miniserde::Deserialize)]
struct Id {
    id: String,
}

#[derive(miniserde::Deserialize)]
struct Method {
    card: Option<Card>,
}

#[derive(miniserde::Deserialize)]
struct Card {
    brand: Option<String>,
    last4: Option<String>,
}

/// Every call waits at most this long for Stripe before giving up.
const TIMEOUT: Duration = Duration::from_secs(20);

impl StripeApi {
    pub fn new(
        secret_key: &str,
        publishable_key: String,
        webhook_secret: String,
        api_base: Option<&str>,
        js_url: String,
    ) -> Result<Self, String> {
        let mut builder = stripe::ClientBuilder::new(secret_key);
        if let Some(base) = api_base {
            builder = builder.url(base.trim_end_matches('/'));
        }
        let client = builder.build().map_err(|e| e.to_string())?;
        Ok(StripeApi {
            client,
            publishable_key,
            js_url,
            webhook_secret,
        })
    }

    /// A SetupIntent: Stripe.js confirms the card form against it
    /// (`confirmCardSetup`) and the page gets a PaymentMethod to pay with.
    pub async fn setup_card(&self) -> Result<String, GatewayError> {
        let s: Secret = self
            .send(CreateSetupIntent::new().build(), RequestStrategy::Retry(2))
            .await
            .map_err(failed)?;
        s.client_secret.ok_or(GatewayError::Unavailable)
    }

    pub async fn authorize(
        &self,
        key: &str,
        amount: Money,
        payment_method: &str,
        metadata: &[(&str, &str)],
    ) -> Result<Authorization, GatewayError> {
        let currency = amount
            .currency
            .as_str()
            .parse::<stripe_types::Currency>()
            .map_err(|_| GatewayError::Unavailable)?;
        let metadata = metadata
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<std::collections::HashMap<_, _>>();
        let request = CreatePaymentIntent::new(amount.cents, currency)
            .capture_method(PaymentIntentCaptureMethod::Manual)
            .payment_method(payment_method)
            .confirm(true)
            .metadata(metadata)
            .build();
        let intent: Intent = self
            .send(request, idempotent(&format!("authorize-{key}"))?)
            .await
            .map_err(card_failed)?;
        self.described(intent).await
    }

    pub async fn lookup(&self, intent_id: &str) -> Result<Authorization, GatewayError> {
        let intent: Intent = self
            .send(
                RetrievePaymentIntent::new(intent_id).build(),
                RequestStrategy::Retry(2),
            )
            .await
            .map_err(failed)?;
        self.described(intent).await
    }

    pub async fn capture(
        &self,
        key: &str,
        intent_id: &str,
        amount: Money,
    ) -> Result<(), GatewayError> {
        let request = CapturePaymentIntent::new(intent_id)
            .amount_to_capture(amount.cents)
            .build();
        let _: Id = self
            .send(request, idempotent(&format!("capture-{key}"))?)
            .await
            .map_err(failed)?;
        Ok(())
    }

    pub async fn release(&self, key: &str, intent_id: &str) -> Result<(), GatewayError> {
        let request = CancelPaymentIntent::new(intent_id).build();
        let _: Id = self
            .send(request, idempotent(&format!("release-{key}"))?)
            .await
            .map_err(failed)?;
        Ok(())
    }

    pub async fn refund(
        &self,
        key: &str,
        intent_id: &str,
        amount: Money,
    ) -> Result<String, GatewayError> {
        let request = CreateRefund::new()
            .payment_intent(intent_id)
            .amount(amount.cents)
            .build();
        let refund: Id = self
            .send(request, idempotent(&format!("refund-{key}"))?)
            .await
            .map_err(failed)?;
        Ok(refund.id)
    }

    /// One call: the same time limit for each, and `strategy` saying
    /// whether it is retried (reads) or sent once under an idempotency key
    /// (anything that moves money).
    async fn send<T: miniserde::Deserialize>(
        &self,
        request: RequestBuilder,
        strategy: RequestStrategy,
    ) -> Result<T, StripeError> {
        request
            .customize()
            .request_strategy(strategy)
            .timeout(TIMEOUT)
            .send(&self.client)
            .await
    }

    /// The intent in this app's terms, with the card's brand and last four.
    async fn described(&self, intent: Intent) -> Result<Authorization, GatewayError> {
        let state = match intent.status.as_str() {
            "requires_capture" => IntentState::Held,
            "requires_action" => IntentState::NeedsAction {
                client_secret: intent.client_secret.ok_or(GatewayError::Unavailable)?,
            },
            "requires_payment_method" => IntentState::Refused {
                message: intent
                    .last_payment_error
                    .and_then(|e| e.message)
                    .unwrap_or_else(|| "Your card was not accepted. Try another card.".into()),
            },
            other => IntentState::Other(other.to_owned()),
        };
        let card = match (&state, intent.payment_method.as_deref()) {
            (IntentState::Held, Some(pm)) => self.card(pm).await,
            _ => None,
        };
        Ok(Authorization {
            intent_id: intent.id,
            state,
            card,
        })
    }

    /// The card's brand and last four digits, for the receipt. A receipt
    /// without them is better than no booking, so failures are only logged.
    async fn card(&self, payment_method: &str) -> Option<CardSummary> {
        let request = RequestBuilder::new(
            StripeMethod::Get,
            format!("/payment_methods/{payment_method}"),
        );
        let method: Result<Method, _> = self.send(request, RequestStrategy::Once).await;
        match method {
            Ok(Method {
                card:
                    Some(Card {
                        brand: Some(brand),
                        last4: Some(last4),
                    }),
            }) => Some(CardSummary { brand, last4 }),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the card's brand and last four");
                None
            }
        }
    }
}

fn idempotent(key: &str) -> Result<RequestStrategy, GatewayError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| {
            tracing::error!(error = ?e, "bad idempotency key");
            GatewayError::Unavailable
        })
}

/// For the call carrying the customer's card: Stripe refusing the card
/// itself (a PaymentMethod it does not know or cannot use) is the
/// customer's to fix, like a decline, in Stripe's words.
fn card_failed(e: StripeError) -> GatewayError {
    match e {
        StripeError::Stripe(api, status)
            if matches!(api.type_, stripe::ApiErrorsType::InvalidRequestError)
                && (api.param.as_deref() == Some("payment_method") || status == 404) =>
        {
            tracing::info!(message = ?api.message, "Stripe refused the card given");
            GatewayError::Declined(format!(
                "That card could not be used ({}). Enter it again or try another.",
                api.message
                    .as_deref()
                    .map(|m| m.trim_end_matches('.'))
                    .unwrap_or("unknown card")
            ))
        }
        other => failed(other),
    }
}

/// A refused card keeps Stripe's words for the customer; anything else is
/// logged and reported as the service being unavailable.
fn failed(e: StripeError) -> GatewayError {
    match e {
        StripeError::Stripe(api, status)
            if status == 402 || matches!(api.type_, stripe::ApiErrorsType::CardError) =>
        {
            GatewayError::Declined(
                api.message
                    .clone()
                    .unwrap_or_else(|| "Your card was declined.".into()),
            )
        }
        other => {
            tracing::error!(error = %other, "Stripe call failed");
            GatewayError::Unavailable
        }
    }
}
