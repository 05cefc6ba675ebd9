//! Prints what bursts of concurrent logins cost the server: its resident
//! memory after each burst and 15 s later, and each burst's login latency.
//!
//! Usage: `login_burst <base URL> <server pid> [logins per burst] [bursts]`
//! (run by `scripts/bench-login-burst.sh`, against a server started with
//! `TRUST_FORWARDED_FOR=true`: each login comes from an address of its own,
//! as a crowd of phones would, so per-address lock-outs stay out of it).

mod common;

use std::time::{Duration, Instant};

const PASSWORD: &str = "bench password that is long";

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("server status");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("VmRSS");
    kib / 1024.0
}

fn pick(sorted: &[Duration], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, pid) = match args.as_slice() {
        [b, p, ..] => (b.clone(), p.parse::<u32>().expect("server pid")),
        _ => panic!("usage: login_burst <base URL> <server pid> [logins] [bursts]"),
    };
    let per_burst: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100);
    let bursts: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(3);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    println!("RSS idle at start: {:.0} MiB", rss_mib(pid));

    let run = uuid::Uuid::now_v7().simple().to_string();
    let emails: Vec<String> = (0..per_burst)
        .map(|i| format!("burst-{i}-{run}@example.com"))
        .collect();
    for (i, email) in emails.iter().enumerate() {
        let res = client
            .post(format!("{base}/api/register"))
            .header(
                "x-forwarded-for",
                format!("10.1.{}.{}", i / 250, i % 250 + 1),
            )
            .form(&[
                ("name", "Burst"),
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("role", "customer"),
            ])
            .send()
            .await
            .expect("is the server running?");
        assert!(res.status().is_success(), "register: {}", res.status());
    }
    println!(
        "RSS after {} sign-ups, one at a time: {:.0} MiB",
        per_burst,
        rss_mib(pid)
    );

    for burst in 1..=bursts {
        let started = Instant::now();
        let replies = futures::future::join_all(emails.iter().enumerate().map(|(i, email)| {
            let client = client.clone();
            let base = base.clone();
            async move {
                let t = Instant::now();
                let res = client
                    .post(format!("{base}/api/login"))
                    .header(
                        "x-forwarded-for",
                        format!("10.2.{}.{}", i / 250, i % 250 + 1),
                    )
                    .form(&[("email", email.as_str()), ("password", PASSWORD)])
                    .send()
                    .await
                    .expect("login");
                let status = res.status().as_u16();
                res.bytes().await.ok();
                (status, t.elapsed())
            }
        }))
        .await;
        let wall = started.elapsed();
        let after = rss_mib(pid);
        let ok = replies.iter().filter(|(s, _)| *s == 200).count();
        let busy = replies.iter().filter(|(s, _)| *s == 503).count();
        let mut times: Vec<Duration> = replies.iter().map(|(_, t)| *t).collect();
        times.sort();
        println!(
            "burst {burst}: {per_burst} logins at once in {:.2} s: {ok} ok, {busy} busy (503), \
             p50 {:.0} ms, p99 {:.0} ms; RSS right after {after:.0} MiB",
            wall.as_secs_f64(),
            pick(&times, 0.5),
            pick(&times, 0.99),
        );
        tokio::time::sleep(Duration::from_secs(15)).await;
        println!("burst {burst}: RSS 15 s later {:.0} MiB", rss_mib(pid));
    }
}
