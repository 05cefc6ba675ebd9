//! Load test for live location: J jobs on their way, each watched by 10
//! streams (1 admin + 9 customer tabs, each on `?job=`), and one mechanic
//! per job posting a fix every P ms: over one WebSocket per job
//! (`/api/location_socket`, as the mechanic's page does; `UPSTREAM=socket`,
//! the default) or one `POST /api/share_location` each (`UPSTREAM=http`).
//!
//! Usage: `location_bench <base URL> <DATABASE_URL> [jobs] [period ms] [seconds]`
//! (run by `scripts/bench-location.sh` against a server started with demo
//! data; `SERVER_PID` lets it read the server's CPU time and memory).
//!
//! The last line says `verdict: pass` when every delivery arrived and p99
//! stayed under 100 ms, `verdict: fail` otherwise.
//!
//! Latency runs from the moment a poster starts its API call to the moment
//! the `job:location-updated` is read off a watcher's socket; each fix is
//! known by its `at`, so a lost or repeated one is counted exactly.

mod common;

use app::backend::{db, seed};
use common::{Auth, Http, add_car, arg, delivery, demo_login, new_customer, server_usage, stats};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::{sync::Semaphore, task::JoinSet};

/// Streams per job, as the scenario has it: an admin and nine customer tabs.
const WATCHERS: usize = 10;
/// One user may keep 20 streams open (`STREAMS_PER_USER`): each admin watches 20 jobs.
const JOBS_PER_ADMIN: usize = 20;

/// When each fix (by job and `at`) was sent.
type Sent = Arc<Vec<Mutex<HashMap<i64, Instant>>>>;

#[derive(Default)]
struct Received {
    latencies: Vec<Duration>,
    seen: HashMap<i64, u32>,
    ended: bool,
}

/// Rows written to the database so far (PostgreSQL: tuples inserted and
/// updated; SQLite: fixes stored, each batch also updating one row per job).
async fn db_writes(url: &str) -> Option<i64> {
    let pool = db::connect(url, 1).await.ok()?;
    let n = if pool.backend() == db::Backend::Postgres {
        sqlx::query_as::<_, (i64,)>(
            "SELECT CAST(COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) AS BIGINT) FROM pg_stat_user_tables",
        )
        .fetch_one(&pool)
        .await
        .ok()?
        .0
    } else {
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM job_fixes")
            .fetch_one(&pool)
            .await
            .ok()?
            .0
    };
    pool.close().await;
    Some(n)
}

/// A customer with a job at `i`'s spot near Camden, booked with Dan and on its way.
async fn job_on_the_way(api: &Http, dan: &str, i: usize, run: i64) -> (String, String) {
    let signup = new_customer(api, &format!("loc.{run}.{i}@example.com")).await;
    let token = signup["token"].as_str().unwrap().to_owned();
    let vehicle = add_car(api, &token).await;
    let lat = format!("{:.5}", 51.52 + (i % 40) as f64 * 0.001);
    let lng = format!("{:.5}", -0.16 + (i / 40 % 40) as f64 * 0.001);
    let job = common::request_job(
        api,
        &token,
        &common::forms::job_form_at(&vehicle, &lat, &lng),
    )
    .await;
    let quote = api
        .post_pairs(
            "/api/send_quote",
            &common::forms::quote_form(&job, "60", "34.99"),
            Auth::Bearer(dan),
        )
        .await
        .expect_success("quote")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post("/api/accept_quote", &[("id", &quote)], Auth::Bearer(&token))
        .await
        .expect_success("accept");
    api.post(
        "/api/update_job_status",
        &[("id", &job), ("status", "en_route")],
        Auth::Bearer(dan),
    )
    .await
    .expect_success("on the way");
    (token, job)
}

/// Reads one watcher's stream until the task is stopped.
async fn watch(mut res: reqwest::Response, job: usize, sent: Sent, into: Arc<Mutex<Received>>) {
    let mut buf = String::new();
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
            if !block.contains("event: job:location-updated") {
                continue;
            }
            let Some(at) = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                .and_then(|v| v["at"].as_i64())
            else {
                continue;
            };
            let mut r = into.lock().unwrap();
            let n = r.seen.entry(at).or_default();
            *n += 1;
            if *n == 1
                && let Some(t) = sent[job].lock().unwrap().get(&at)
            {
                r.latencies.push(now.duration_since(*t));
            }
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens one location socket per job before the clock starts, 64 at a
/// time, as phones already on the road hold theirs.
async fn open_sockets(base: &str, token: &str, n: usize) -> Vec<Socket> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let t = Instant::now();
    let gate = Arc::new(Semaphore::new(64));
    let mut set = JoinSet::new();
    for i in 0..n {
        let url = format!("{}/api/location_socket", base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let gate = gate.clone();
        set.spawn(async move {
            let _p = gate.acquire().await.unwrap();
            let (socket, _) = tokio_tungstenite::connect_async(request)
                .await
                .expect("location socket");
            (i, socket)
        });
    }
    let mut sockets: Vec<Option<Socket>> = (0..n).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        let (i, socket) = r.unwrap();
        sockets[i] = Some(socket);
    }
    println!(
        "{n} location sockets opened in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    sockets.into_iter().map(Option::unwrap).collect()
}

/// One job's mechanic: sends a fix when `schedule(k)` says, each creeping
/// north 5 m, and notes when each was sent, how long its answer took and
/// whether it was refused.
struct Poster {
    sent: Sent,
    dan: String,
    api_times: Arc<Mutex<Vec<Duration>>>,
    refused: Arc<Mutex<u64>>,
    client: reqwest::Client,
    base: String,
    job: String,
    j: usize,
}

impl Poster {
    /// A phone's fixes are never taken in the same millisecond twice.
    fn fix(&self, k: u64, last: &mut i64) -> (i64, Instant, f64) {
        let at = app::domain::Timestamp::now().millis().max(*last + 1);
        *last = at;
        let start = Instant::now();
        self.sent[self.j].lock().unwrap().insert(at, start);
        (at, start, 51.50 + k as f64 * 0.000045)
    }

    fn answered(&self, at: i64, ok: bool) {
        let start = self.sent[self.j].lock().unwrap().get(&at).copied();
        if let Some(start) = start {
            self.api_times.lock().unwrap().push(start.elapsed());
        }
        if !ok {
            self.sent[self.j].lock().unwrap().remove(&at);
            *self.refused.lock().unwrap() += 1;
        }
    }

    async fn over_http(self, schedule: impl Fn(u64) -> Option<Instant>) {
        let (mut k, mut last) = (0u64, 0i64);
        while let Some(due) = schedule(k) {
            tokio::time::sleep_until(due.into()).await;
            let (at, _, lat) = self.fix(k, &mut last);
            let res = self
                .client
                .post(format!("{}/api/share_location", self.base))
                .bearer_auth(&self.dan)
                .form(&[
                    ("job", self.job.as_str()),
                    ("lat", &format!("{lat:.6}")),
                    ("lng", "-0.1300"),
                    ("accuracy", "8"),
                    ("at", &at.to_string()),
                ])
                .send()
                .await;
            self.answered(at, res.is_ok_and(|r| r.status().is_success()));
            k += 1;
        }
    }

    /// One WebSocket for the whole run, as a phone keeps one for a drive;
    /// answers are read as they come, in order.
    async fn over_socket(self, socket: Socket, schedule: impl Fn(u64) -> Option<Instant>) {
        use futures::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        let (mut out, mut answers) = socket.split();
        let me = Arc::new(self);
        let reader = {
            let me = me.clone();
            tokio::spawn(async move {
                while let Some(Ok(frame)) = answers.next().await {
                    let Message::Text(text) = frame else { continue };
                    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
                    let at = answer["at"].as_i64().unwrap_or_default();
                    if let Some(e) = answer.get("error") {
                        eprintln!("refused: {e}");
                    }
                    me.answered(at, answer.get("eta").is_some());
                }
            })
        };
        let (mut k, mut last) = (0u64, 0i64);
        while let Some(due) = schedule(k) {
            tokio::time::sleep_until(due.into()).await;
            let (at, _, lat) = me.fix(k, &mut last);
            let fix = serde_json::json!({
                "job": me.job, "lat": lat, "lng": -0.13, "accuracy": 8.0, "at": at,
            });
            if out
                .send(Message::Text(fix.to_string().into()))
                .await
                .is_err()
            {
                me.answered(at, false);
            }
            k += 1;
        }
        // Let the last answers come back before the socket goes.
        tokio::time::sleep(Duration::from_millis(500)).await;
        reader.abort();
    }
}

#[tokio::main]
async fn main() {
    let usage = "usage: location_bench <base URL> <DATABASE_URL> [jobs] [period ms] [seconds]";
    let base = std::env::args().nth(1).expect(usage);
    let db_url = std::env::args().nth(2).expect(usage);
    let jobs = arg(3, 100);
    let period_ms = arg(4, 1000) as u64;
    let seconds = arg(5, 20) as u64;
    let api = Arc::new(Http::new(base.clone()));
    let run = app::domain::Timestamp::now().millis();

    let t = Instant::now();
    let dan = demo_login(&api, "dan@demo.curbside.test").await;
    // Admins straight into the database (there is no sign-up for admins).
    let admins_needed = jobs.div_ceil(JOBS_PER_ADMIN);
    let pool = db::connect(&db_url, 2).await.expect("database");
    let mut admins = Vec::new();
    for a in 0..admins_needed {
        let email = format!("ops.{run}.{a}@example.com");
        seed::create_admin(
            &pool,
            &email,
            "Bench Admin",
            "quiet harbour lantern 42".into(),
            seed::AdminSource::CommandLine,
            app::domain::Timestamp::from_millis(run),
        )
        .await
        .expect("admin");
        let r = api
            .login(&email, "quiet harbour lantern 42")
            .await
            .expect_success("admin login");
        admins.push(r["token"].as_str().unwrap().to_owned());
    }
    pool.close().await;
    let mut set = JoinSet::new();
    let gate = Arc::new(Semaphore::new(4));
    for i in 0..jobs {
        let (api, gate, dan) = (api.clone(), gate.clone(), dan.clone());
        set.spawn(async move {
            let _p = gate.acquire().await.unwrap();
            (i, job_on_the_way(&api, &dan, i, run).await)
        });
    }
    let mut customers = vec![(String::new(), String::new()); jobs];
    while let Some(r) = set.join_next().await {
        let (i, c) = r.unwrap();
        customers[i] = c;
    }
    println!(
        "{jobs} jobs booked with Dan and on their way, {admins_needed} admins, in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let before = server_usage();
    let sent: Sent = Arc::new((0..jobs).map(|_| Mutex::new(HashMap::new())).collect());
    let watchers = jobs * WATCHERS;
    let received: Vec<Arc<Mutex<Received>>> = (0..watchers).map(|_| Arc::default()).collect();
    // Each job: one admin's stream and the rest its customer's tabs.
    let asks = (0..watchers)
        .map(|w| {
            let job = w / WATCHERS;
            let token = if w % WATCHERS == 0 {
                admins[job / JOBS_PER_ADMIN].clone()
            } else {
                customers[job].0.clone()
            };
            (format!("{base}/api/events?job={}", customers[job].1), token)
        })
        .collect();
    let mut readers = JoinSet::new();
    for (w, res) in common::open_streams("watchers", asks)
        .await
        .into_iter()
        .enumerate()
    {
        readers.spawn(watch(res, w / WATCHERS, sent.clone(), received[w].clone()));
    }
    let idle = common::idle_memory(before, watchers).await;
    let writes0 = db_writes(&db_url).await;

    // Post: every job's mechanic sends a fix every `period_ms`, the jobs'
    // phases spread over the period; each creeps north 5 m a fix.
    let api_times = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(Mutex::new(0u64));
    let socket = std::env::var("UPSTREAM").as_deref() != Ok("http");
    let mut sockets = if socket {
        open_sockets(&base, &dan, jobs).await
    } else {
        Vec::new()
    }
    .into_iter();
    // The CPU counted from here: the fixes and their deliveries only.
    let started = server_usage().or(idle);
    let t = Instant::now();
    let mut posters = JoinSet::new();
    let poster_client = reqwest::Client::new();
    for (j, (_, job)) in customers.iter().enumerate() {
        let poster = Poster {
            sent: sent.clone(),
            dan: dan.clone(),
            api_times: api_times.clone(),
            refused: refused.clone(),
            client: poster_client.clone(),
            base: base.clone(),
            job: job.clone(),
            j,
        };
        let offset = Duration::from_millis(period_ms * j as u64 / jobs as u64);
        let end = t + Duration::from_secs(seconds);
        let schedule = move |k: u64| {
            let due = t + offset + Duration::from_millis(period_ms * k);
            (due <= end).then_some(due)
        };
        if let Some(socket) = sockets.next() {
            posters.spawn(poster.over_socket(socket, schedule));
        } else {
            posters.spawn(poster.over_http(schedule));
        }
    }
    while posters.join_next().await.is_some() {}
    let post_secs = t.elapsed().as_secs_f64();
    let fixes: usize = sent.iter().map(|s| s.lock().unwrap().len()).sum();
    let expected = fixes * WATCHERS;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got: usize = received.iter().map(|r| r.lock().unwrap().seen.len()).sum();
        if got >= expected || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = server_usage();
    // The batch writer stores within a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let writes1 = db_writes(&db_url).await;
    readers.abort_all();

    let mut latencies = Vec::new();
    let (mut got, mut duplicates, mut ended) = (0usize, 0u64, 0usize);
    for r in &received {
        let mut r = r.lock().unwrap();
        got += r.seen.len();
        duplicates += r.seen.values().map(|n| u64::from(n - 1)).sum::<u64>();
        ended += usize::from(r.ended);
        latencies.append(&mut r.latencies);
    }
    println!(
        "posted {fixes} fixes in {post_secs:.1} s ({:.0}/s, {} refused); {expected} deliveries expected, {got} received ({:.0}/s), {} lost, {duplicates} duplicated, {ended} streams ended early",
        fixes as f64 / post_secs,
        refused.lock().unwrap(),
        got as f64 / post_secs,
        expected.saturating_sub(got)
    );
    stats(
        if socket {
            "post: a fix's answer on its socket"
        } else {
            "post: the API call (share_location)"
        },
        api_times.lock().unwrap().clone(),
    );
    latencies.sort();
    let p99 = latencies
        .get(((latencies.len().max(1) - 1) as f64 * 0.99).round() as usize)
        .copied();
    delivery("delivery latency, post to watcher", latencies);
    if let (Some((cpu0, _)), Some((cpu1, _))) = (started, after) {
        println!(
            "server CPU: {:.2} s for {got} deliveries ({:.0} % of a core): {:.1} µs per delivery, {:.0} µs per fix (the posts included)",
            cpu1 - cpu0,
            (cpu1 - cpu0) * 100.0 / post_secs,
            (cpu1 - cpu0) * 1e6 / got.max(1) as f64,
            (cpu1 - cpu0) * 1e6 / fixes.max(1) as f64
        );
    }
    if let (Some(w0), Some(w1)) = (writes0, writes1) {
        println!(
            "database: {} rows written, {:.0} per second ({})",
            w1 - w0,
            (w1 - w0) as f64 / post_secs,
            if db::Backend::of_url(&db_url) == Some(db::Backend::Postgres) {
                "tuples inserted, updated and deleted"
            } else {
                "fixes stored; each batch also updates one row per job"
            }
        );
    }
    let lost = expected.saturating_sub(got) + *refused.lock().unwrap() as usize;
    let pass = lost == 0 && ended == 0 && p99.is_some_and(|p| p < Duration::from_millis(100));
    println!(
        "verdict: {} ({:.0} deliveries/s, p99 {:.1} ms, {lost} lost or refused)",
        if pass { "pass" } else { "fail" },
        got as f64 / post_secs,
        p99.map_or(f64::NAN, |p| p.as_secs_f64() * 1000.0)
    );
}
