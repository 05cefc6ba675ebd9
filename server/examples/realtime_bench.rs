//! Load test for the real-time stream: opens many SSE subscribers over many
//! jobs, publishes quote revisions through the API at a set rate, and
//! reports how fast and how completely the events arrive.
//!
//! Usage: `realtime_bench <base URL> <DATABASE_URL> [subscribers] [jobs] [events/s] [seconds]`
//! (run by `scripts/bench-realtime.sh` against a server started with demo
//! data; `SERVER_PID` lets it read the server's CPU time and memory).
//!
//! Each job belongs to its own customer; subscriber `i` is customer `i % jobs`
//! on `GET /api/events`, so every event is sent to subscribers/jobs streams and
//! filtered away from the rest. Latency runs from the moment the publisher
//! starts its API call (so it includes the write and its commit) to the
//! moment the event is read off a subscriber's socket.

mod common;

use common::{Auth, Http, add_car, arg, delivery, demo_login, new_customer, server_usage, stats};
use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::{sync::Semaphore, task::JoinSet};

/// Sends (their instants) per job, in order: the k-th `quote:updated` a
/// subscriber reads for a job is the k-th send.
type Sent = Arc<Vec<Mutex<Vec<Instant>>>>;

#[derive(Default)]
struct Received {
    latencies: Vec<Duration>,
    ids: HashSet<i64>,
    duplicates: u64,
    ended: bool,
}

async fn customer_with_job(api: &Http, i: usize, run: i64) -> (String, String) {
    let email = format!("rt.{run}.{i}@example.com");
    let signup = new_customer(api, &email).await;
    let token = signup["token"].as_str().unwrap().to_owned();
    let vehicle = add_car(api, &token).await;
    // Within a few km of Camden, in the demo mechanic Dan's reach.
    let lat = format!("{:.5}", 51.52 + (i % 40) as f64 * 0.001);
    let lng = format!("{:.5}", -0.16 + (i / 40 % 40) as f64 * 0.001);
    let job = common::request_job(
        api,
        &token,
        &common::forms::job_form_at(&vehicle, &lat, &lng),
    )
    .await;
    (token, job)
}

/// A quote on `job` whose labour line moves by `pence` each revision.
fn quote_form(job: &str, pence: usize) -> Vec<(String, String)> {
    let labour = format!("{}.{:02}", 60 + pence / 100, pence % 100);
    common::forms::quote_form(job, &labour, "34.99")
}

/// Reads one subscriber's stream until the task is stopped.
async fn subscribe(mut res: reqwest::Response, job: usize, sent: Sent, into: Arc<Mutex<Received>>) {
    let mut buf = String::new();
    let mut seen = 0usize;
    loop {
        let chunk = match res.chunk().await {
            Ok(Some(c)) => c,
            _ => {
                into.lock().unwrap().ended = true;
                return;
            }
        };
        let now = Instant::now();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if !block.contains("event: quote:updated") {
                continue;
            }
            let id = block
                .lines()
                .find_map(|l| l.strip_prefix("id: "))
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(-1);
            let mut r = into.lock().unwrap();
            if !r.ids.insert(id) {
                r.duplicates += 1;
                continue;
            }
            let at = sent[job].lock().unwrap().get(seen).copied();
            seen += 1;
            if let Some(at) = at {
                r.latencies.push(now.duration_since(at));
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let base = std::env::args().nth(1).expect(
        "usage: realtime_bench <base URL> <DATABASE_URL> [subscribers] [jobs] [events/s] [seconds]",
    );
    let subscribers = arg(3, 1_000);
    let jobs = arg(4, 100);
    let rate = arg(5, 50);
    let seconds = arg(6, 20);
    let api = Arc::new(Http::new(base.clone()));
    let run = app::domain::Timestamp::now().millis();

    let t = Instant::now();
    let dan = demo_login(&api, "dan@demo.curbside.test").await;
    let mut set = JoinSet::new();
    let gate = Arc::new(Semaphore::new(4));
    for i in 0..jobs {
        let (api, gate) = (api.clone(), gate.clone());
        set.spawn(async move {
            let _p = gate.acquire().await.unwrap();
            (i, customer_with_job(&api, i, run).await)
        });
    }
    let mut customers = vec![(String::new(), String::new()); jobs];
    while let Some(r) = set.join_next().await {
        let (i, c) = r.unwrap();
        customers[i] = c;
    }
    // Dan's first quote on each: later sends revise it (`quote:updated`).
    for (_, job) in &customers {
        api.post_pairs("/api/send_quote", &quote_form(job, 0), Auth::Bearer(&dan))
            .await
            .expect_success("quote");
    }
    println!(
        "{jobs} customers, each with a job Dan has quoted on, in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let before = server_usage();
    let sent: Sent = Arc::new((0..jobs).map(|_| Mutex::new(Vec::new())).collect());
    let received: Vec<Arc<Mutex<Received>>> = (0..subscribers).map(|_| Arc::default()).collect();
    let asks = (0..subscribers)
        .map(|i| (format!("{base}/api/events"), customers[i % jobs].0.clone()))
        .collect();
    let mut readers = JoinSet::new();
    for (i, res) in common::open_streams("subscribers", asks)
        .await
        .into_iter()
        .enumerate()
    {
        readers.spawn(subscribe(res, i % jobs, sent.clone(), received[i].clone()));
    }
    let idle = common::idle_memory(before, subscribers).await;

    // Publish: `lanes` publishers side by side, each revising its own jobs
    // in turn, so a job's sends never overlap and arrive in order.
    let total = rate * seconds;
    let lanes = jobs.min(8);
    let api_times = Arc::new(Mutex::new(Vec::new()));
    let t = Instant::now();
    let mut publishers = JoinSet::new();
    for lane in 0..lanes {
        let (api, sent, dan, api_times) =
            (api.clone(), sent.clone(), dan.clone(), api_times.clone());
        let jobs_of_lane: Vec<(usize, String)> = customers
            .iter()
            .enumerate()
            .filter(|(j, _)| j % lanes == lane)
            .map(|(j, c)| (j, c.1.clone()))
            .collect();
        publishers.spawn(async move {
            let mine = (lane..total).step_by(lanes);
            for (k, n) in mine.enumerate() {
                let due = t + Duration::from_secs_f64(n as f64 / rate as f64);
                tokio::time::sleep_until(due.into()).await;
                let (j, job) = &jobs_of_lane[k % jobs_of_lane.len()];
                let form = quote_form(job, n + 1);
                let start = Instant::now();
                sent[*j].lock().unwrap().push(start);
                api.post_pairs("/api/send_quote", &form, Auth::Bearer(&dan))
                    .await
                    .expect_success("quote");
                api_times.lock().unwrap().push(start.elapsed());
            }
        });
    }
    while publishers.join_next().await.is_some() {}
    let publish_secs = t.elapsed().as_secs_f64();
    let expected: usize = (0..subscribers)
        .map(|i| sent[i % jobs].lock().unwrap().len())
        .sum();
    // Let the last events land.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got: usize = received.iter().map(|r| r.lock().unwrap().ids.len()).sum();
        if got >= expected || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = server_usage();
    readers.abort_all();

    let mut latencies = Vec::new();
    let (mut got, mut duplicates, mut ended) = (0usize, 0u64, 0usize);
    for r in &received {
        let mut r = r.lock().unwrap();
        got += r.ids.len();
        duplicates += r.duplicates;
        ended += usize::from(r.ended);
        latencies.append(&mut r.latencies);
    }
    println!(
        "published {total} events in {publish_secs:.1} s ({:.0}/s); {expected} deliveries expected, {got} received, {} lost, {duplicates} duplicated, {ended} streams ended early",
        total as f64 / publish_secs,
        expected.saturating_sub(got)
    );
    stats(
        "publish: the API call (send_quote)",
        api_times.lock().unwrap().clone(),
    );
    delivery("delivery latency, publish to subscriber", latencies);
    if let (Some((cpu0, _)), Some((cpu1, _))) = (idle, after) {
        println!(
            "server CPU: {:.2} s for {got} deliveries: {:.1} µs per delivery",
            cpu1 - cpu0,
            (cpu1 - cpu0) * 1e6 / got.max(1) as f64
        );
    }
}
