//! What the bench programs share: one line of latency figures per measurement.

#[allow(dead_code)] // not every bench sends a quote
#[path = "../../tests/common/forms.rs"]
pub mod forms;

#[allow(dead_code)] // the tests' kit: benches use part of it
#[path = "../../tests/common/http.rs"]
pub mod http;

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
