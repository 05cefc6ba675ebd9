//! The error every server function returns: what went wrong, in words for the user, and which field it belongs to.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// Sent to clients as JSON: a machine-readable `error` kind and the
/// `message` to show, plus `field` or `retry_after_secs` where they apply, e.g.
/// `{"error":"invalid","field":"email","message":"Enter your email address."}`.
/// Internal causes are logged on the server and never sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "WireError", from = "WireError")]
pub enum AppError {
    /// Bad input; `field` is the form field the message belongs beside.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// Deliberately the same whether the email or the password was wrong.
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    #[error("Too many failed attempts. Try again in {}.", wait_words(*retry_after_secs))]
    TooManyAttempts { retry_after_secs: u64 },
    /// Registrations from one network address are limited per hour.
    #[error(
        "Too many accounts were made from your network just now. Try again in {}.",
        wait_words(*retry_after_secs)
    )]
    TooManySignups { retry_after_secs: u64 },
    /// The account exists and the password was right, but an admin suspended it.
    #[error(
        "This account is suspended{}. Contact support if you think this is a mistake.",
        reason_words(reason)
    )]
    Suspended { reason: Option<String> },
    /// A mechanic whose application an admin turned down (and never approved).
    #[error(
        "Your application to work with Curbside was not approved{}. Contact support if you think this is a mistake.",
        reason_words(reason)
    )]
    Rejected { reason: Option<String> },
    #[error("Please log in to continue.")]
    Unauthenticated,
    #[error("You do not have access to that.")]
    Forbidden,
    #[error("That was not found.")]
    NotFound,
    /// A feature switched off by its `ENABLE_*` setting: answered as if
    /// its endpoints did not exist, with a sentence saying why.
    #[error("{message}")]
    FeatureOff { message: String },
    /// The request is well formed but the thing is not in a state that allows it.
    #[error("{message}")]
    Conflict { message: String },
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The card issuer or the payment provider refused the payment; the
    /// message is theirs ("Your card was declined."). Nothing was booked.
    #[error("{message}")]
    PaymentDeclined { message: String },
    /// The customer's bank wants them to confirm the payment in the page
    /// (3-D Secure): Stripe.js's `confirmCardPayment(client_secret)`, then
    /// the same request again.
    #[error("Your bank asks you to confirm this payment.")]
    PaymentActionRequired { client_secret: String },
    /// The payment provider could not be reached or failed; nothing changed here.
    #[error(
        "Payments are not available right now. Nothing was charged; please try again in a minute."
    )]
    PaymentUnavailable,
    /// Messages sent too fast: the message was not sent.
    #[error(
        "You are sending messages too fast. Wait {} and send again.",
        secs_words(*retry_after_secs)
    )]
    TooManyMessages { retry_after_secs: u64 },
    /// Too much work at once (e.g. a burst of logins): nothing was done; retry soon.
    #[error("Curbside is busy right now. Please try again in a few seconds.")]
    Busy { retry_after_secs: u64 },
    /// The request never reached the function: a network failure, or arguments
    /// that could not be read.
    #[error("{message}")]
    Request { message: String },
}

impl AppError {
    pub fn feature_off(feature: crate::domain::Feature) -> Self {
        AppError::FeatureOff {
            message: format!(
                "{} is switched off on this server ({}=false).",
                feature.label(),
                feature.env_var()
            ),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The message for one form field, if this error belongs there.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }

    /// The message for the form as a whole: everything not tied to a field.
    pub fn general(&self) -> Option<String> {
        match self {
            AppError::Invalid { .. } => None,
            other => Some(other.to_string()),
        }
    }

    /// The HTTP status API clients get with this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 422,
            AppError::InvalidCredentials | AppError::Unauthenticated => 401,
            AppError::TooManyAttempts { .. }
            | AppError::TooManySignups { .. }
            | AppError::TooManyMessages { .. } => 429,
            AppError::Suspended { .. } | AppError::Rejected { .. } | AppError::Forbidden => 403,
            AppError::NotFound | AppError::FeatureOff { .. } => 404,
            AppError::Conflict { .. } => 409,
            AppError::Internal => 500,
            AppError::PaymentDeclined { .. } | AppError::PaymentActionRequired { .. } => 402,
            AppError::PaymentUnavailable => 502,
            AppError::Busy { .. } => 503,
            AppError::Request { .. } => 400,
        }
    }
}

/// The JSON shape of an [`AppError`].
#[derive(Serialize, Deserialize)]
struct WireError {
    error: String,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

impl AppError {
    /// Seconds to wait before trying again, for the refusals that end by
    /// themselves (sent as `Retry-After` too).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyAttempts { retry_after_secs }
            | AppError::TooManySignups { retry_after_secs }
            | AppError::TooManyMessages { retry_after_secs }
            | AppError::Busy { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The machine-readable kind, stable for API clients.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::TooManySignups { .. } => "too_many_signups",
            AppError::TooManyMessages { .. } => "too_many_messages",
            AppError::Suspended { .. } => "suspended",
            AppError::Rejected { .. } => "rejected",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::FeatureOff { .. } => "feature_off",
            AppError::Conflict { .. } => "conflict",
            AppError::Internal => "internal",
            AppError::PaymentDeclined { .. } => "payment_declined",
            AppError::PaymentActionRequired { .. } => "payment_action_required",
            AppError::PaymentUnavailable => "payment_unavailable",
            AppError::Busy { .. } => "busy",
            AppError::Request { .. } => "request",
        }
    }
}

impl From<AppError> for WireError {
    fn from(e: AppError) -> Self {
        WireError {
            error: e.kind().to_owned(),
            message: e.to_string(),
            field: match &e {
                AppError::Invalid { field, .. } => Some(field.clone()),
                _ => None,
            },
            retry_after_secs: e.retry_after(),
            client_secret: match &e {
                AppError::PaymentActionRequired { client_secret } => Some(client_secret.clone()),
                _ => None,
            },
            reason: match e {
                AppError::Suspended { reason } | AppError::Rejected { reason } => reason,
                _ => None,
            },
        }
    }
}

impl From<WireError> for AppError {
    fn from(w: WireError) -> Self {
        match w.error.as_str() {
            "invalid" => AppError::Invalid {
                field: w.field.unwrap_or_default(),
                message: w.message,
            },
            "invalid_credentials" => AppError::InvalidCredentials,
            "too_many_attempts" => AppError::TooManyAttempts {
                retry_after_secs: w.retry_after_secs.unwrap_or(60),
            },
            "too_many_signups" => AppError::TooManySignups {
                retry_after_secs: w.retry_after_secs.unwrap_or(60),
            },
            "suspended" => AppError::Suspended { reason: w.reason },
            "rejected" => AppError::Rejected { reason: w.reason },
            "too_many_messages" => AppError::TooManyMessages {
                retry_after_secs: w.retry_after_secs.unwrap_or(60),
            },
            "unauthenticated" => AppError::Unauthenticated,
            "forbidden" => AppError::Forbidden,
            "not_found" => AppError::NotFound,
            "feature_off" => AppError::FeatureOff { message: w.message },
            "conflict" => AppError::Conflict { message: w.message },
            "internal" => AppError::Internal,
            "payment_declined" => AppError::PaymentDeclined { message: w.message },
            "payment_action_required" => AppError::PaymentActionRequired {
                client_secret: w.client_secret.unwrap_or_default(),
            },
            "payment_unavailable" => AppError::PaymentUnavailable,
            "busy" => AppError::Busy {
                retry_after_secs: w.retry_after_secs.unwrap_or(2),
            },
            _ => AppError::Request { message: w.message },
        }
    }
}

fn reason_words(reason: &Option<String>) -> String {
    reason
        .as_deref()
        .map(|r| format!(": {}", r.trim_end_matches('.')))
        .unwrap_or_default()
}

impl AppError {
    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
        }
    }
}

/// "1 second", "12 seconds".
fn secs_words(secs: u64) -> String {
    match secs.max(1) {
        1 => "1 second".to_owned(),
        n => format!("{n} seconds"),
    }
}

/// "1 minute", "14 minutes": lock-outs are told in whole minutes, rounded up.
fn wait_words(secs: u64) -> String {
    let minutes = secs.div_ceil(60).max(1);
    if minutes == 1 {
        "1 minute".to_owned()
    } else {
        format!("{minutes} minutes")
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => AppError::Request {
                message: "Could not reach Curbside. Check your connection and try again.".into(),
            },
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => AppError::Request {
                message: format!("The request was not understood: {m}"),
            },
            other => AppError::Request {
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_wait_is_told_in_whole_minutes() {
        let msg = |s| {
            AppError::TooManyAttempts {
                retry_after_secs: s,
            }
            .to_string()
        };
        assert_eq!(msg(1), "Too many failed attempts. Try again in 1 minute.");
        assert_eq!(msg(60), "Too many failed attempts. Try again in 1 minute.");
        assert_eq!(msg(61), "Too many failed attempts. Try again in 2 minutes.");
        assert_eq!(
            msg(900),
            "Too many failed attempts. Try again in 15 minutes."
        );
    }

    #[test]
    fn a_suspension_tells_its_reason() {
        let e = AppError::Suspended {
            reason: Some("Repeated no-shows.".into()),
        };
        assert_eq!(
            e.to_string(),
            "This account is suspended: Repeated no-shows. Contact support if you think this is a mistake."
        );
        assert_eq!(
            serde_json::to_value(&e).unwrap()["reason"],
            "Repeated no-shows."
        );
    }

    #[test]
    fn errors_travel_as_json_tagged_by_kind() {
        let e = AppError::invalid("email", "Enter your email address.");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "invalid", "field": "email", "message": "Enter your email address."})
        );
        assert_eq!(
            serde_json::to_value(AppError::InvalidCredentials).unwrap(),
            serde_json::json!({"error": "invalid_credentials", "message": "Email or password is incorrect."})
        );
        assert_eq!(
            serde_json::to_value(AppError::TooManyAttempts {
                retry_after_secs: 61
            })
            .unwrap(),
            serde_json::json!({
                "error": "too_many_attempts",
                "message": "Too many failed attempts. Try again in 2 minutes.",
                "retry_after_secs": 61
            })
        );
    }

    #[test]
    fn every_error_survives_the_trip_to_the_browser() {
        for e in [
            AppError::invalid("email", "Enter your email address."),
            AppError::InvalidCredentials,
            AppError::TooManyAttempts {
                retry_after_secs: 61,
            },
            AppError::Suspended { reason: None },
            AppError::Suspended {
                reason: Some("Repeated no-shows".into()),
            },
            AppError::Rejected {
                reason: Some("Insurance certificate missing".into()),
            },
            AppError::conflict("Already approved."),
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::feature_off(crate::domain::Feature::RealtimeTracking),
            AppError::Internal,
            AppError::TooManySignups {
                retry_after_secs: 600,
            },
            AppError::Busy {
                retry_after_secs: 2,
            },
            AppError::Request {
                message: "offline".into(),
            },
        ] {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(
                serde_json::from_str::<AppError>(&json).unwrap(),
                e,
                "{json}"
            );
        }
    }

    #[test]
    fn field_errors_show_beside_their_field_and_others_above_the_form() {
        let e = AppError::invalid("password", "Use at least 10 characters.");
        assert_eq!(
            e.for_field("password").as_deref(),
            Some("Use at least 10 characters.")
        );
        assert_eq!(e.for_field("email"), None);
        assert_eq!(e.general(), None);
        assert_eq!(
            AppError::InvalidCredentials.general().as_deref(),
            Some("Email or password is incorrect.")
        );
    }
}
