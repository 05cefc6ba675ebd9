//! Prints what accounts cost: argon2id per hash and per check on this
//! machine, and login / who-am-I round trips against a running server.
//!
//! Usage: `auth_bench [base URL] [rounds]` (run by `scripts/bench-auth.sh`).

mod common;

use common::{Auth, Http, stats};
use std::time::Instant;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);

    // argon2id with the parameters the server uses, in this process.
    let mut hashes = Vec::new();
    let mut hash_times = Vec::new();
    for i in 0..rounds.min(30) {
        let t = Instant::now();
        hashes.push(
            app::backend::password::hash(format!("bench password {i}"))
                .await
                .unwrap(),
        );
        hash_times.push(t.elapsed());
    }
    stats("argon2id hash", hash_times);
    let mut verify_times = Vec::new();
    for (i, h) in hashes.into_iter().enumerate() {
        let t = Instant::now();
        let ok = app::backend::password::verify(format!("bench password {i}"), Some(h))
            .await
            .unwrap();
        assert!(ok);
        verify_times.push(t.elapsed());
    }
    stats("argon2id verify", verify_times);

    // Round trips over HTTP, one at a time (latency, not throughput).
    let api = Http::new(base);
    let email = format!("bench-{}@example.com", uuid::Uuid::now_v7().simple());
    let password = "bench password that is long";
    let t = Instant::now();
    api.post(
        "/api/register",
        &[
            ("name", "Bench"),
            ("email", email.as_str()),
            ("password", password),
            ("role", "customer"),
        ],
        Auth::None,
    )
    .await
    .expect_success("register");
    stats("register (HTTP)", vec![t.elapsed()]);

    let mut login_times = Vec::new();
    let mut token = String::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let body = api.login(&email, password).await.expect_success("login");
        login_times.push(t.elapsed());
        token = body["token"].as_str().unwrap().to_owned();
    }
    stats("login (HTTP, includes argon2id)", login_times);

    let mut me_times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        api.get("/api/me", Auth::Bearer(&token))
            .await
            .expect_success("me");
        me_times.push(t.elapsed());
    }
    stats("me (HTTP, token + session lookup)", me_times);
}
