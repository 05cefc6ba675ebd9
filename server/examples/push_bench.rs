//! What a push costs from the trigger to the push service: a mechanic's
//! message (a change with its notification and its push queued in one
//! transaction), then the server's sender encrypting, signing and posting
//! it to web-push-testing, which decrypts and stores it.
//!
//! Usage: `push_bench <base URL> <DATABASE_URL> <push service URL> [one_by_one] [burst] [devices]`
//! (run by `scripts/bench-push.sh` against a release server started with
//! demo data, `PUSH_ALLOW_LOOPBACK_HTTP=true` and `MESSAGES_PER_MINUTE=0`).
//!
//! Latency runs from the start of the `send_message` call to the moment the
//! push service has the decrypted push (polled every 2 ms), so it includes
//! the write, the commit, the sender waking, the encryption and the push
//! service's own decryption.

mod common;

use common::{Auth, Http, add_car, arg, demo_login, new_customer, stats};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn count(service: &str, hash: &str) -> usize {
    let r: Value = reqwest::Client::new()
        .post(format!("{service}/get-notifications"))
        .json(&json!({ "clientHash": hash }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["data"]["messages"].as_array().map_or(0, Vec::len)
}

/// Waits until the device holds `n` pushes.
async fn until(service: &str, hash: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(service, hash).await < n {
        assert!(Instant::now() < deadline, "pushes did not arrive");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (base, service) = (args[1].clone(), args[3].trim_end_matches('/').to_owned());
    let (one_by_one, burst, devices) = (arg(4, 50), arg(5, 200), arg(6, 1).max(1));
    let api = Http::new(base);

    let customer = new_customer(&api, &format!("push.{}@bench.test", std::process::id())).await;
    let token = customer["token"].as_str().unwrap().to_owned();
    let car = add_car(&api, &token).await;
    let job = common::request_job(&api, &token, &common::forms::job_form(car.as_str())).await;
    let dan = demo_login(&api, "dan@demo.curbside.test").await;
    let quote = api
        .post_pairs(
            "/api/send_quote",
            &common::forms::quote_form(&job, "60", "40"),
            Auth::Bearer(&dan),
        )
        .await
        .expect_success("quote");
    api.post(
        "/api/accept_quote",
        &[("id", quote["id"].as_str().unwrap())],
        Auth::Bearer(&token),
    )
    .await
    .expect_success("accept");

    let key = api
        .get("/api/push_settings", Auth::Bearer(&token))
        .await
        .expect_success("push settings")["public_key"]
        .as_str()
        .expect("push is on")
        .to_owned();
    let mut hashes = Vec::new();
    for _ in 0..devices {
        let sub: Value = reqwest::Client::new()
            .post(format!("{service}/subscribe"))
            .json(&json!({"userVisibleOnly": "true", "applicationServerKey": key}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let sub = &sub["data"];
        api.post(
            "/api/push_subscribe",
            &[
                ("endpoint", sub["endpoint"].as_str().unwrap()),
                ("p256dh", sub["keys"]["p256dh"].as_str().unwrap()),
                ("auth", sub["keys"]["auth"].as_str().unwrap()),
                ("label", "Bench phone"),
            ],
            Auth::Bearer(&token),
        )
        .await
        .expect_success("subscribe");
        hashes.push(sub["clientHash"].as_str().unwrap().to_owned());
    }
    // The new-quote and booking pushes came before the devices did; the
    // quote's went to none. Start from what each holds now.
    let mut held = Vec::new();
    for h in &hashes {
        held.push(count(&service, h).await);
    }

    let send = |i: usize| {
        let (api, dan, job) = (&api, &dan, &job);
        async move {
            let id = uuid_like(i);
            api.post(
                "/api/send_message",
                &[
                    ("job_id", job.as_str()),
                    ("id", &id),
                    ("body", "On my way with a new battery."),
                ],
                Auth::Bearer(dan),
            )
            .await
            .expect_success("send message");
        }
    };

    let mut latencies = Vec::new();
    for i in 0..one_by_one {
        let started = Instant::now();
        send(i).await;
        for (h, n) in hashes.iter().zip(held.iter_mut()) {
            *n += 1;
            until(&service, h, *n).await;
        }
        latencies.push(started.elapsed());
    }
    stats(
        &format!("message → push at the service ({devices} device)"),
        latencies,
    );

    let started = Instant::now();
    let mut sends =
        futures::stream::iter((0..burst).map(|i| send(one_by_one + i))).buffer_unordered(16);
    while sends.next().await.is_some() {}
    let sent = started.elapsed();
    for (h, n) in hashes.iter().zip(held.iter_mut()) {
        *n += burst;
        until(&service, h, *n).await;
    }
    let all = started.elapsed();
    let pushes = burst * devices;
    println!(
        "{burst} messages, 16 at a time: sent in {:.2} s, {pushes} pushes at the service after {:.2} s ({:.0} pushes/s)",
        sent.as_secs_f64(),
        all.as_secs_f64(),
        pushes as f64 / all.as_secs_f64()
    );
}

/// A message id the client makes up (the server takes any UUID).
fn uuid_like(i: usize) -> String {
    format!("0190f000-0000-7000-8000-{i:012}")
}
