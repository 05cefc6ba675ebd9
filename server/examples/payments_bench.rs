//! Prints what card payments cost the server, over HTTP against a running
//! server whose Stripe is localstripe: accepting a quote with a card (the
//! server asks Stripe to hold the amount, then books), completing the job
//! (Stripe captures), and a Stripe webhook's first delivery and a replay.
//! The card form's own step (Stripe.js confirming the card with Stripe) is
//! done before each accept and not timed: it never reaches this server.
//!
//! Usage: `payments_bench <base URL> <localstripe URL> [rounds]`
//! (run by `scripts/bench-payments.sh`, against a server started with demo
//! data and the tests' Stripe keys, `tests/common/stripe.rs`).

mod common;

use app::backend::payments::signature;
use common::{Auth, Http, add_car, demo_login, new_customer, stats, stripe};
use serde_json::json;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, stripe) = match args.as_slice() {
        [b, s, ..] => (b.clone(), s.trim_end_matches('/').to_owned()),
        _ => panic!("usage: payments_bench <base URL> <localstripe URL> [rounds]"),
    };
    let rounds = common::arg(3, 30);
    let api = Http::new(base);
    let dan = demo_login(&api, "dan@demo.curbside.test").await;
    let client = reqwest::Client::new();

    let (mut accepts, mut captures, mut firsts, mut replays) = (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        // A customer of their own each round: ten open jobs at most each.
        let email = format!(
            "pay.{}.{round}@example.com",
            app::domain::Timestamp::now().millis()
        );
        let customer = new_customer(&api, &email).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let car = add_car(&api, &customer).await;
        let job =
            common::request_job(&api, &customer, &common::forms::job_form(car.as_str())).await;
        let quote = api
            .post_pairs(
                "/api/send_quote",
                &common::forms::quote_form(&job, "60", "34.99"),
                Auth::Bearer(&dan),
            )
            .await
            .expect_success("quote")["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let checkout = api
            .post(
                "/api/checkout",
                &[("id", quote.as_str())],
                Auth::Bearer(&customer),
            )
            .await
            .expect_success("checkout");
        let secret = checkout["Stripe"]["setup_secret"]
            .as_str()
            .expect("Stripe keys on the server")
            .to_owned();
        let pm = stripe::card(&stripe, &secret, "4242424242424242")
            .await
            .expect("a PaymentMethod");

        let t = Instant::now();
        let booked = api
            .post(
                "/api/accept_quote",
                &[("id", quote.as_str()), ("payment_method", pm.as_str())],
                Auth::Bearer(&customer),
            )
            .await
            .expect_success("accept with a card");
        accepts.push(t.elapsed());
        assert_eq!(booked["payment"]["status"], "authorized");

        for step in ["en_route", "arrived", "in_progress"] {
            api.post(
                "/api/update_job_status",
                &[("id", job.as_str()), ("status", step)],
                Auth::Bearer(&dan),
            )
            .await
            .expect_success(step);
        }
        let t = Instant::now();
        let done = api
            .post(
                "/api/update_job_status",
                &[("id", job.as_str()), ("status", "completed")],
                Auth::Bearer(&dan),
            )
            .await
            .expect_success("complete");
        captures.push(t.elapsed());
        assert_eq!(done["payment"]["status"], "captured");

        let intent = stripe::intents_for_quote(&stripe, &quote).await[0]["id"]
            .as_str()
            .expect("the quote's PaymentIntent")
            .to_owned();
        let body = json!({
            "id": format!("evt_bench_{round}_{}", app::domain::Timestamp::now().millis()),
            "type": "charge.refunded",
            "data": { "object": { "id": "ch_bench", "payment_intent": intent, "amount_refunded": 100 } },
        })
        .to_string();
        for samples in [&mut firsts, &mut replays] {
            let now = app::domain::Timestamp::now().millis() / 1000;
            let t = Instant::now();
            let r = client
                .post(api.url("/api/stripe/webhook"))
                .header(
                    "Stripe-Signature",
                    signature::sign(body.as_bytes(), stripe::WEBHOOK_SECRET, now),
                )
                .body(body.clone())
                .send()
                .await
                .unwrap();
            samples.push(t.elapsed());
            assert!(r.status().is_success(), "webhook: {}", r.status());
        }
    }
    stats("accept a quote with a card (hold + book)", accepts);
    stats("complete the job (capture)", captures);
    stats("webhook, first delivery", firsts);
    stats("webhook, replay (ignored)", replays);
}
