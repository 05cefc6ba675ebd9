//! What the bench programs share: one line of latency figures per measurement.

#[allow(dead_code)] // not every bench sends a quote
#[path = "../../tests/common/forms.rs"]
pub mod forms;

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

/// The machine API over HTTP; a failed call panics with its status and body.
#[allow(dead_code)] // the auth bench times raw requests
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
}

#[allow(dead_code)]
impl Api {
    pub async fn call(&self, req: reqwest::RequestBuilder, what: &str) -> Value {
        let res = req.send().await.expect("is the server running?");
        let status = res.status();
        let body = res.text().await.unwrap();
        assert!(status.is_success(), "{what}: {status} {body}");
        serde_json::from_str(&body).unwrap_or(Value::Null)
    }

    pub async fn get(&self, path: &str, token: &str) -> Value {
        let req = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token);
        self.call(req, path).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, form: &[(&str, &str)]) -> Value {
        let mut req = self.client.post(format!("{}{path}", self.base)).form(form);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.call(req, path).await
    }

    pub async fn login(&self, email: &str) -> String {
        let r = self
            .post(
                "/api/login",
                None,
                &[("email", email), ("password", "curbside-demo")],
            )
            .await;
        r["token"]
            .as_str()
            .expect("demo login (DEMO_DATA on?)")
            .to_owned()
    }
}

#[allow(dead_code)]
impl Api {
    /// POSTs form pairs where names may be built (`items[0][kind]`).
    pub async fn post_pairs(&self, path: &str, token: &str, form: &[(String, String)]) -> Value {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .bearer_auth(token);
        self.call(req, path).await
    }

    /// Signs up a customer; returns the sign-up answer (`token`, `account`).
    pub async fn new_customer(&self, email: &str) -> Value {
        self.post(
            "/api/register",
            None,
            &[
                ("name", "Bench Customer"),
                ("email", email),
                ("phone", ""),
                ("password", "correct horse battery"),
                ("role", "customer"),
            ],
        )
        .await
    }

    /// Adds a car to the customer's garage; returns its id.
    pub async fn add_car(&self, token: &str) -> String {
        self.post(
            "/api/add_vehicle",
            Some(token),
            &[
                ("year", "2017"),
                ("make", "Skoda"),
                ("model", "Octavia"),
                ("colour", "Silver"),
                ("plate", "BN17 KXT"),
            ],
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
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
