//! The outside services' settings: Stripe and the S3 bucket.

use super::{
    ConfigError,
    read::{bad, origin_of},
};
use app::backend::photos::storage::S3Settings;
use std::fmt;

/// Reads the S3 settings: a bucket and its keys, or none (local disk).
pub(super) fn s3_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<S3Settings>, ConfigError> {
    let Some(bucket) = get("S3_BUCKET").filter(|b| !b.trim().is_empty()) else {
        return Ok(None);
    };
    let key = |name: &'static str, aws: &str| {
        get(name)
            .or_else(|| get(aws))
            .ok_or_else(|| bad(name, "", &format!("a value with S3_BUCKET set (or {aws})")))
    };
    let endpoint = match get("S3_ENDPOINT") {
        None => None,
        Some(v) if v.starts_with("http://") || v.starts_with("https://") => {
            Some(v.trim_end_matches('/').to_owned())
        }
        Some(v) => return Err(bad("S3_ENDPOINT", &v, "an http(s):// URL")),
    };
    Ok(Some(S3Settings {
        bucket,
        region: get("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
        endpoint,
        access_key_id: key("S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID")?,
        secret_access_key: key("S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY")?,
    }))
}

/// Where the browser sends photos to and loads them from, for the CSP.
pub(super) fn s3_origin(s: &S3Settings) -> String {
    match &s.endpoint {
        Some(e) => origin_of(e),
        None => format!("https://{}.s3.{}.amazonaws.com", s.bucket, s.region),
    }
}

/// A Stripe account's keys, and where its API and Stripe.js are.
#[derive(Clone)]
pub struct StripeSettings {
    pub secret_key: String,
    pub publishable_key: String,
    pub webhook_secret: String,
    /// `STRIPE_API_BASE`: another API address (a stand-in such as localstripe).
    pub api_base: Option<String>,
    /// `STRIPE_JS_URL`: where the page loads Stripe.js from.
    pub js_url: String,
}

impl fmt::Debug for StripeSettings {
    /// Only the publishable key is public.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeSettings")
            .field("publishable_key", &self.publishable_key)
            .field("api_base", &self.api_base)
            .field("js_url", &self.js_url)
            .finish_non_exhaustive()
    }
}

const STRIPE_KEYS: [&str; 3] = [
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
];

/// Reads the Stripe settings: all three keys or none (the demo mode). A
/// public https site taking payments must have them.
pub(super) fn stripe_settings(
    get: &impl Fn(&str) -> Option<String>,
    payments_on: bool,
    public_url: &str,
) -> Result<Option<StripeSettings>, ConfigError> {
    let keys: Vec<Option<String>> = STRIPE_KEYS.iter().map(|k| get(k)).collect();
    let missing: Vec<&str> = STRIPE_KEYS
        .iter()
        .zip(&keys)
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if missing.len() == STRIPE_KEYS.len() {
        if payments_on && public_url.starts_with("https://") {
            return Err(bad(
                "STRIPE_SECRET_KEY",
                "",
                &format!(
                    "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET for a public site \
                     ({public_url}) taking payments; the demo payment mode charges nobody. \
                     Set them, or ENABLE_PAYMENTS=false"
                ),
            ));
        }
        return Ok(None);
    }
    if let Some(first) = missing.first() {
        return Err(bad(
            first,
            "",
            &format!(
                "a value: the Stripe keys go together ({} missing)",
                missing.join(", ")
            ),
        ));
    }
    let [secret_key, publishable_key, webhook_secret] =
        [0, 1, 2].map(|i| keys[i].clone().unwrap_or_default());
    if !(secret_key.starts_with("sk_") || secret_key.starts_with("rk_")) {
        return Err(bad(
            "STRIPE_SECRET_KEY",
            "***",
            "a Stripe secret key (sk_… or rk_…)",
        ));
    }
    if !publishable_key.starts_with("pk_") {
        return Err(bad(
            "STRIPE_PUBLISHABLE_KEY",
            &publishable_key,
            "a Stripe publishable key (pk_…)",
        ));
    }
    let api_base = match get("STRIPE_API_BASE") {
        None => None,
        Some(v) if v.starts_with("http://") || v.starts_with("https://") => {
            Some(v.trim_end_matches('/').to_owned())
        }
        Some(v) => return Err(bad("STRIPE_API_BASE", &v, "an http(s):// URL")),
    };
    let js_url = match (get("STRIPE_JS_URL"), &api_base) {
        (Some(v), _) if v.starts_with("http://") || v.starts_with("https://") => v,
        (Some(v), _) => return Err(bad("STRIPE_JS_URL", &v, "an http(s):// URL")),
        // localstripe serves its Stripe.js under this path of its API.
        (None, Some(base)) => format!("{base}/js.stripe.com/v3/"),
        (None, None) => "https://js.stripe.com/v3/".to_owned(),
    };
    Ok(Some(StripeSettings {
        secret_key,
        publishable_key,
        webhook_secret,
        api_base,
        js_url,
    }))
}
