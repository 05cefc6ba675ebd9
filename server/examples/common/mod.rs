//! What the bench programs share: one line of latency figures per measurement.

#[allow(dead_code)] // not every bench sends a quote
#[path = "../../tests/common/forms.rs"]
pub mod forms;

#[allow(dead_code)] // the tests' kit: benches use part of it
#[path = "../../tests/common/http.rs"]
pub mod http;

#[allow(dead_code)] // the Stripe kit asks it
#[path = "../../tests/common/ci.rs"]
mod ci;
pub use ci::in_ci;

#[allow(dead_code)] // only the payments bench acts as Stripe.js
#[path = "../../tests/common/stripe.rs"]
pub mod stripe;

pub use http::{Auth, Http};

use serde_json::Value;
use std::time::Duration;

#[allow(dead_code)] // the login-burst bench prints its own percentiles
/// Prints `label n=… min … median … p95 … max …` in milliseconds.
pub fn stats(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<44} n={:<4} min {:>7.2} ms  median {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
        samples.len(),
        ms(samples[0]),
        ms(pick(0.5)),
        ms(pick(0.95)),
        ms(*samples.last().unwrap()),
    );
}

#[allow(dead_code)] // only the streaming benches time deliveries
/// Prints `label n=… p50 … p99 … max …` in milliseconds; nothing when empty.
pub fn delivery(label: &str, mut latencies: Vec<Duration>) {
    if latencies.is_empty() {
        return;
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<44} n={}  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        latencies.len(),
        ms(pick(0.5)),
        ms(pick(0.99)),
        ms(*latencies.last().unwrap())
    );
}

#[allow(dead_code)] // the auth bench fills no database
/// `<base URL> <DATABASE_URL> [count] [rounds]`, the arguments the
/// fill-then-time benches take; `usage` names the program in the panic.
pub fn args(usage: &str, default_count: usize) -> (String, String, usize, usize) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, db_url) = match args.as_slice() {
        [b, d, ..] => (b.clone(), d.clone()),
        _ => panic!("usage: {usage}"),
    };
    let count = args
        .get(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_count);
    let rounds = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(30);
    (base, db_url, count, rounds)
}

/// The demo password every seeded account has (`DEMO_DATA=true`).
const DEMO_PASSWORD: &str = "curbside-demo";

#[allow(dead_code)]
/// Logs in a demo account; returns its bearer token.
pub async fn demo_login(api: &Http, email: &str) -> String {
    let r = api.login(email, DEMO_PASSWORD).await;
    r.expect_success("demo login (DEMO_DATA on?)")["token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

#[allow(dead_code)]
/// Signs up a customer; returns the sign-up answer (`token`, `account`).
pub async fn new_customer(api: &Http, email: &str) -> Value {
    api.post(
        "/api/register",
        &[
            ("name", "Bench Customer"),
            ("email", email),
            ("phone", ""),
            ("password", "correct horse battery"),
            ("role", "customer"),
        ],
        Auth::None,
    )
    .await
    .expect_success("register")
}

#[allow(dead_code)]
/// Adds a car to the customer's garage; returns its id.
pub async fn add_car(api: &Http, token: &str) -> String {
    api.post(
        "/api/add_vehicle",
        &[
            ("year", "2017"),
            ("make", "Skoda"),
            ("model", "Octavia"),
            ("colour", "Silver"),
            ("plate", "BN17 KXT"),
        ],
        Auth::Bearer(token),
    )
    .await
    .expect_success("add vehicle")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[allow(dead_code)]
/// Asks for a job with `form` (`forms::job_form`); returns its id.
pub async fn request_job(api: &Http, token: &str, form: &[(String, String)]) -> String {
    api.post_pairs("/api/request_job", form, Auth::Bearer(token))
        .await
        .expect_success("request a job (MAX_OPEN_JOBS?)")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[allow(dead_code)] // not every bench takes positional numbers
/// The `i`-th command-line argument as a number, or `default`.
pub fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[allow(dead_code)] // only the streaming benches read the server's usage
/// The server's CPU seconds and resident memory (bytes), from /proc
/// (`SERVER_PID`, set by `scripts/bench-lib.sh`).
pub fn server_usage() -> Option<(f64, u64)> {
    let pid = std::env::var("SERVER_PID").ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15; after "pid (comm)" they are 11 and 12 (0-based).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((ticks as f64 / 100.0, rss_kb * 1024))
}

#[allow(dead_code)] // only the streaming benches
/// Opens one event stream per `(url, token)`, 256 at a time, on a client
/// with no pool limit (every stream holds a connection); answers them in
/// the order asked, and prints how long that took.
pub async fn open_streams(what: &str, asks: Vec<(String, String)>) -> Vec<reqwest::Response> {
    use std::sync::Arc;
    use tokio::{sync::Semaphore, task::JoinSet};
    let client = reqwest::Client::builder().build().unwrap();
    let gate = Arc::new(Semaphore::new(256));
    let t = std::time::Instant::now();
    let n = asks.len();
    let mut opening = JoinSet::new();
    for (i, (url, token)) in asks.into_iter().enumerate() {
        let req = client.get(url).bearer_auth(token);
        let gate = gate.clone();
        opening.spawn(async move {
            let _p = gate.acquire().await.unwrap();
            let res = req.send().await.expect("open a stream");
            assert_eq!(res.status(), 200, "open a stream");
            (i, res)
        });
    }
    let mut streams: Vec<Option<reqwest::Response>> = (0..n).map(|_| None).collect();
    while let Some(r) = opening.join_next().await {
        let (i, res) = r.unwrap();
        streams[i] = Some(res);
    }
    println!("{n} {what} connected in {:.1} s", t.elapsed().as_secs_f64());
    streams.into_iter().flatten().collect()
}

#[allow(dead_code)] // only the streaming benches
/// Once `n` streams have settled: the server's memory before them and now,
/// per stream. Answers the usage now (the baseline for CPU).
pub async fn idle_memory(before: Option<(f64, u64)>, n: usize) -> Option<(f64, u64)> {
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = server_usage();
    if let (Some((_, rss0)), Some((_, rss1))) = (before, idle) {
        println!(
            "server memory: {:.1} MB before, {:.1} MB with {n} idle streams: {:.1} KB per stream",
            rss0 as f64 / 1e6,
            rss1 as f64 / 1e6,
            (rss1.saturating_sub(rss0)) as f64 / n as f64 / 1024.0
        );
    }
    idle
}
