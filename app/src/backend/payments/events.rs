//! What a payment provider tells us after the fact (its webhooks), in the
//! app's own words: `flows::paying` applies a [`ProviderEvent`] and knows
//! nothing of any provider's format. Stripe's events are read here.

use super::signature::{self, SignatureError};

/// One event from the provider, once its signature is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderEvent {
    /// The provider's id of the event: an event is applied once.
    pub id: String,
    /// The provider's name for it, kept in the payment's history.
    pub kind: String,
    /// The payment it is about (the provider's id of the attempt).
    pub intent: Option<String>,
    /// The amount the event names, for the history.
    pub amount_cents: Option<i64>,
    /// What the history shows beside the kind.
    pub detail: Option<String>,
    pub change: Change,
}

/// What happened to the payment, as far as the app acts on it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The held amount was taken (`taken_cents`, when the provider says how much).
    Captured { taken_cents: Option<i64> },
    /// The hold was let go or lapsed.
    Released,
    /// The attempt failed; `message` is the provider's.
    Failed { message: String },
    /// In all, `total_cents` has been refunded so far (some perhaps outside the app).
    Refunded { total_cents: i64 },
    /// The customer disputed the charge with their bank.
    Disputed,
    /// The bank confirmed a hold the customer was asked to confirm.
    HoldConfirmed,
    /// Anything else: history only.
    Other,
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    Signature(SignatureError),
    /// Signed, but not an event this provider sends.
    NotAnEvent,
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WebhookError::Signature(e) => e.fmt(f),
            WebhookError::NotAnEvent => f.write_str("not a Stripe event"),
        }
    }
}

/// Checks a Stripe webhook's `Stripe-Signature` and reads its event.
pub fn read_stripe(
    signature_header: &str,
    body: &[u8],
    secret: &str,
    now_secs: i64,
) -> Result<ProviderEvent, WebhookError> {
    signature::verify(signature_header, body, secret, now_secs).map_err(WebhookError::Signature)?;
    let event: StripeEvent = serde_json::from_slice(body).map_err(|e| {
        tracing::warn!(error = %e, "a signed webhook that is not a Stripe event");
        WebhookError::NotAnEvent
    })?;
    Ok(event.into_provider_event())
}

/// A Stripe event, as much of it as this app reads.
#[derive(Debug, serde::Deserialize)]
struct StripeEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: StripeEventData,
}

#[derive(Debug, serde::Deserialize)]
struct StripeEventData {
    object: serde_json::Value,
}

impl StripeEvent {
    fn into_provider_event(self) -> ProviderEvent {
        let object = &self.data.object;
        let text = |key: &str| object.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        let cents = |key: &str| object.get(key).and_then(|v| v.as_i64());
        let failure = || {
            object
                .pointer("/last_payment_error/message")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let intent = if self.kind.starts_with("payment_intent.") {
            text("id")
        } else {
            text("payment_intent")
        };
        let detail = match self.kind.as_str() {
            // `automatic`: the card issuer's hold lapsed (Stripe's 7 days).
            "payment_intent.canceled" => {
                text("cancellation_reason").map(|r| format!("cancelled: {r}"))
            }
            "payment_intent.payment_failed" => failure(),
            "charge.dispute.created" => text("reason").map(|r| format!("dispute: {r}")),
            _ => None,
        }
        .or_else(|| intent.clone());
        let change = match self.kind.as_str() {
            "payment_intent.succeeded" => Change::Captured {
                taken_cents: cents("amount_received"),
            },
            "payment_intent.canceled" => Change::Released,
            "payment_intent.payment_failed" => Change::Failed {
                message: failure().unwrap_or_else(|| "The payment failed.".to_owned()),
            },
            "charge.refunded" => Change::Refunded {
                total_cents: cents("amount_refunded").unwrap_or(0),
            },
            "charge.dispute.created" => Change::Disputed,
            "payment_intent.amount_capturable_updated" => Change::HoldConfirmed,
            _ => Change::Other,
        };
        ProviderEvent {
            amount_cents: cents("amount"),
            id: self.id,
            kind: self.kind,
            intent,
            detail,
            change,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: serde_json::Value) -> ProviderEvent {
        serde_json::from_value::<StripeEvent>(json)
            .unwrap()
            .into_provider_event()
    }

    #[test]
    fn stripe_events_become_the_apps_own_words() {
        let e = read(serde_json::json!({
            "id": "evt_1", "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_1", "amount": 9499, "amount_received": 9000}}
        }));
        assert_eq!(e.intent.as_deref(), Some("pi_1"));
        assert_eq!(e.amount_cents, Some(9499));
        assert_eq!(
            e.change,
            Change::Captured {
                taken_cents: Some(9000)
            }
        );
        assert_eq!(e.detail.as_deref(), Some("pi_1"));

        let e = read(serde_json::json!({
            "id": "evt_2", "type": "charge.refunded",
            "data": {"object": {"id": "ch_1", "payment_intent": "pi_1", "amount_refunded": 500}}
        }));
        assert_eq!(e.intent.as_deref(), Some("pi_1"));
        assert_eq!(e.change, Change::Refunded { total_cents: 500 });

        let e = read(serde_json::json!({
            "id": "evt_3", "type": "payment_intent.payment_failed",
            "data": {"object": {"id": "pi_2", "last_payment_error": {"message": "Your card was declined."}}}
        }));
        assert_eq!(e.detail.as_deref(), Some("Your card was declined."));
        assert_eq!(
            e.change,
            Change::Failed {
                message: "Your card was declined.".into()
            }
        );

        let e = read(serde_json::json!({
            "id": "evt_4", "type": "payment_intent.canceled",
            "data": {"object": {"id": "pi_3", "cancellation_reason": "automatic"}}
        }));
        assert_eq!(e.detail.as_deref(), Some("cancelled: automatic"));
        assert_eq!(e.change, Change::Released);

        let e = read(serde_json::json!({
            "id": "evt_5", "type": "customer.created", "data": {"object": {"id": "cus_1"}}
        }));
        assert_eq!((e.intent, e.change), (None, Change::Other));
    }
}
