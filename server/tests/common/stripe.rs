//! localstripe, the Stripe stand-in `make test` starts: the server's
//! settings for it, and what Stripe.js would do in the browser.

use serde_json::{Value, json};

pub const SECRET_KEY: &str = "sk_test_curbside";
pub const PUBLISHABLE_KEY: &str = "pk_test_curbside";
pub const WEBHOOK_SECRET: &str = "whsec_test_curbside";

/// localstripe's address (`TEST_STRIPE_API_BASE`), or `None` to skip.
/// With `CI=true` a missing setting fails the test instead.
pub fn base() -> Option<String> {
    match std::env::var("TEST_STRIPE_API_BASE") {
        Ok(u) if !u.trim().is_empty() => Some(u.trim_end_matches('/').to_owned()),
        _ if super::in_ci() => {
            panic!(
                "CI=true but TEST_STRIPE_API_BASE is not set; run the tests through scripts/localstripe.sh"
            )
        }
        _ => {
            eprintln!("warning: TEST_STRIPE_API_BASE is not set; this Stripe test did not run");
            None
        }
    }
}

/// The server's settings for Stripe at `base`.
pub fn settings(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("STRIPE_SECRET_KEY", SECRET_KEY.to_owned()),
        ("STRIPE_PUBLISHABLE_KEY", PUBLISHABLE_KEY.to_owned()),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        ("STRIPE_API_BASE", base.to_owned()),
    ]
}

/// What `stripe.confirmCardSetup(secret, {payment_method: {card}})` does
/// with a card typed into the form: the PaymentMethod's id, or Stripe's message.
pub async fn card(base: &str, setup_secret: &str, number: &str) -> Result<String, String> {
    let id = setup_secret.split("_secret_").next().unwrap();
    let res = reqwest::Client::new()
        .post(format!("{base}/v1/setup_intents/{id}/confirm"))
        .body(
            json!({
                "key": PUBLISHABLE_KEY,
                "client_secret": setup_secret,
                "payment_method_data": {
                    "type": "card",
                    "card": { "number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123" },
                },
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    match body["payment_method"].as_str() {
        Some(pm) if body["status"] == "succeeded" => Ok(pm.to_owned()),
        _ => Err(body["error"]["message"]
            .as_str()
            .unwrap_or("no message")
            .to_owned()),
    }
}

/// A PaymentIntent as Stripe holds it.
pub async fn intent(base: &str, id: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/v1/payment_intents/{id}"))
        .basic_auth(SECRET_KEY, Some(""))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every PaymentIntent made for `quote` (by its metadata).
pub async fn intents_for_quote(base: &str, quote: &str) -> Vec<Value> {
    let client = reqwest::Client::new();
    let mut found = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!("{base}/v1/payment_intents?limit=100");
        if let Some(a) = &after {
            url.push_str(&format!("&starting_after={a}"));
        }
        let page: Value = client
            .get(url)
            .basic_auth(SECRET_KEY, Some(""))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = page["data"].as_array().cloned().unwrap_or_default();
        after = data
            .last()
            .and_then(|pi| pi["id"].as_str())
            .map(str::to_owned);
        found.extend(
            data.into_iter()
                .filter(|pi| pi["metadata"]["quote_id"] == quote),
        );
        if page["has_more"] != true || after.is_none() {
            return found;
        }
    }
}

/// A PaymentMethod for a card straight from its number, as Stripe.js's
/// `createPaymentMethod` makes one (no SetupIntent, so no bank check yet;
/// localstripe takes this call with the secret key only).
pub async fn payment_method(base: &str, number: &str) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!("{base}/v1/payment_methods"))
        .basic_auth(SECRET_KEY, Some(""))
        .form(&[
            ("type", "card"),
            ("card[number]", number),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a PaymentMethod: {body}"))
        .to_owned()
}

/// What Stripe.js's `confirmCardPayment` does when the bank asks the
/// customer to confirm: the customer says yes (or no).
pub async fn bank_check(base: &str, client_secret: &str, success: bool) {
    let id = client_secret.split("_secret_").next().unwrap();
    let res = reqwest::Client::new()
        .post(format!(
            "{base}/v1/payment_intents/{id}/_authenticate?success={success}"
        ))
        .body(json!({ "key": PUBLISHABLE_KEY, "client_secret": client_secret }).to_string())
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "bank check: {}",
        res.text().await.unwrap()
    );
}
