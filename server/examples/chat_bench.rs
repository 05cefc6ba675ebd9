//! Load test for messaging: many conversations at once, each sending a
//! message a second (customer and mechanic taking turns), and how fast,
//! how completely and how exactly once each message reaches the other
//! party's event stream.
//!
//! Usage: `chat_bench <base URL> <DATABASE_URL> [conversations] [seconds] [people]`
//! (run by `scripts/bench-chat.sh` against a server started with demo data
//! and `MESSAGES_PER_MINUTE=0`: one person here talks in many
//! conversations at once, far past what the per-person limit allows).
//!
//! `people` customers and `people` mechanics (default 100 each) share the
//! conversations: conversation `c` is customer `c % people`'s job, quoted
//! by mechanic `c % people`. Each person has one stream open
//! (`GET /api/events`), as a phone would. Latency runs from the moment the
//! sender starts its API call (so it includes the write and its commit) to
//! the moment the message is read off the recipient's stream.

mod common;

use common::{Auth, Http, delivery, demo_login, new_customer, server_usage, stats};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::{sync::Semaphore, task::JoinSet};

/// When each message (by id) was sent, and who should receive it.
type Sent = Arc<Mutex<HashMap<String, (Instant, String)>>>;

#[derive(Default)]
struct Received {
    latencies: Vec<Duration>,
    ids: HashSet<String>,
    duplicates: u64,
    ended: bool,
}

/// Reads `owner`'s stream until stopped, timing each message sent to them.
async fn listen(mut res: reqwest::Response, owner: String, sent: Sent, into: Arc<Mutex<Received>>) {
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
            if !block.contains("event: message:new") {
                continue;
            }
            let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let m: serde_json::Value = serde_json::from_str(data).expect("message JSON");
            let id = m["id"].as_str().unwrap_or_default().to_owned();
            let Some((at, to)) = sent.lock().unwrap().get(&id).cloned() else {
                continue; // sent by this person, or not yet recorded
            };
            if to != owner {
                continue;
            }
            let mut r = into.lock().unwrap();
            if r.ids.insert(id) {
                r.latencies.push(now.duration_since(at));
            } else {
                r.duplicates += 1;
            }
        }
    }
}

struct Person {
    token: String,
    id: String,
}

async fn me(api: &Http, token: String) -> Person {
    let id = api
        .get("/api/me", Auth::Bearer(&token))
        .await
        .expect_success("me")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Person { token, id }
}

async fn new_mechanic(api: &Http, admin: &str, email: &str) -> Person {
    let token = api
        .post(
            "/api/register",
            &[
                ("name", "Bench Mechanic"),
                ("email", email),
                ("phone", "+44 20 7946 0958"),
                ("password", "correct horse battery"),
                ("role", "mechanic"),
            ],
            Auth::None,
        )
        .await
        .expect_success("register a mechanic")["token"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(
        "/api/save_profile",
        &[
            ("display_name", "Bench Mobile"),
            ("skills[]", "brakes"),
            ("years_experience", "5"),
            ("base_lat", "51.5450"),
            ("base_lng", "-0.1500"),
            ("base_address", "Camden, London"),
            ("radius_km", "20"),
            ("available", "on"),
        ],
        Auth::Bearer(&token),
    )
    .await
    .expect_success("profile");
    let person = me(api, token).await;
    api.post(
        "/api/admin_review",
        &[
            ("id", person.id.as_str()),
            ("action", "approve"),
            ("reason", ""),
        ],
        Auth::Bearer(admin),
    )
    .await
    .expect_success("approve");
    person
}

#[tokio::main]
async fn main() {
    let base = std::env::args()
        .nth(1)
        .expect("usage: chat_bench <base URL> <DATABASE_URL> [conversations] [seconds] [people]");
    let conversations = common::arg(3, 1_000);
    let seconds = common::arg(4, 30);
    let people = common::arg(5, 100).min(conversations);
    let api = Arc::new(Http::new(base.clone()));
    let run = app::domain::Timestamp::now().millis();

    // People: customers and mechanics, a few at a time (registering hashes a password).
    let t = Instant::now();
    let admin = demo_login(&api, "admin@demo.curbside.test").await;
    let gate = Arc::new(Semaphore::new(4));
    let mut set = JoinSet::new();
    for i in 0..people {
        let (api, gate, admin) = (api.clone(), gate.clone(), admin.clone());
        set.spawn(async move {
            let _p = gate.acquire().await.unwrap();
            let signup = new_customer(&api, &format!("chat.{run}.c{i}@example.com")).await;
            let customer = me(&api, signup["token"].as_str().unwrap().to_owned()).await;
            let car = common::add_car(&api, &customer.token).await;
            let mechanic =
                new_mechanic(&api, &admin, &format!("chat.{run}.m{i}@example.com")).await;
            (i, customer, car, mechanic)
        });
    }
    let mut crowd: Vec<Option<(Person, String, Person)>> = (0..people).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        let (i, c, car, m) = r.unwrap();
        crowd[i] = Some((c, car, m));
    }
    let crowd: Arc<Vec<(Person, String, Person)>> =
        Arc::new(crowd.into_iter().map(Option::unwrap).collect());
    // Conversations: a job of customer c % people, quoted by mechanic c % people.
    let mut set = JoinSet::new();
    let gate = Arc::new(Semaphore::new(8));
    for c in 0..conversations {
        let (api, gate, crowd) = (api.clone(), gate.clone(), crowd.clone());
        set.spawn(async move {
            let _p = gate.acquire().await.unwrap();
            let (customer, car, mechanic) = &crowd[c % people];
            let job = common::request_job(
                &api,
                &customer.token,
                &common::forms::job_form(car.as_str()),
            )
            .await;
            api.post_pairs(
                "/api/send_quote",
                &common::forms::quote_form(&job, "60", "34.99"),
                Auth::Bearer(&mechanic.token),
            )
            .await
            .expect_success("quote");
            (c, job)
        });
    }
    let mut jobs = vec![String::new(); conversations];
    while let Some(r) = set.join_next().await {
        let (c, job) = r.unwrap();
        jobs[c] = job;
    }
    println!(
        "{people} customers and {people} mechanics in {conversations} conversations, set up in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // One stream per person.
    let sent: Sent = Arc::default();
    let streams = reqwest::Client::builder().build().unwrap();
    let mut readers = JoinSet::new();
    let mut received = Vec::new();
    for (customer, _, mechanic) in crowd.iter() {
        for p in [customer, mechanic] {
            let res = streams
                .get(format!("{base}/api/events"))
                .bearer_auth(&p.token)
                .send()
                .await
                .expect("open a stream");
            assert_eq!(res.status(), 200, "open a stream");
            let into = Arc::new(Mutex::new(Received::default()));
            received.push(into.clone());
            readers.spawn(listen(res, p.id.clone(), sent.clone(), into));
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Every conversation sends once a second, the two sides in turn;
    // conversations start spread over the first second.
    let idle = server_usage();
    let api_times = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let t = Instant::now();
    let mut senders = JoinSet::new();
    for (c, job) in jobs.iter().enumerate() {
        let (api, crowd, sent, api_times, failures, job) = (
            api.clone(),
            crowd.clone(),
            sent.clone(),
            api_times.clone(),
            failures.clone(),
            job.clone(),
        );
        senders.spawn(async move {
            let (customer, _, mechanic) = &crowd[c % people];
            for k in 0..seconds {
                let due = t + Duration::from_secs_f64(k as f64 + c as f64 / conversations as f64);
                tokio::time::sleep_until(due.into()).await;
                let (from, to) = if k % 2 == 0 {
                    (customer, mechanic)
                } else {
                    (mechanic, customer)
                };
                let id = uuid::Uuid::now_v7().to_string();
                let body = format!("Message {k} of conversation {c}");
                let start = Instant::now();
                sent.lock()
                    .unwrap()
                    .insert(id.clone(), (start, to.id.clone()));
                let r = api
                    .post(
                        "/api/send_message",
                        &[
                            ("job_id", job.as_str()),
                            ("mechanic", mechanic.id.as_str()),
                            ("id", id.as_str()),
                            ("body", body.as_str()),
                        ],
                        Auth::Bearer(&from.token),
                    )
                    .await;
                if r.status == 200 {
                    api_times.lock().unwrap().push(start.elapsed());
                } else {
                    sent.lock().unwrap().remove(&id);
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{} {}", r.status, r.body));
                }
            }
        });
    }
    while senders.join_next().await.is_some() {}
    let send_secs = t.elapsed().as_secs_f64();
    let expected = sent.lock().unwrap().len();
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
    let failures = failures.lock().unwrap();
    println!(
        "sent {expected} messages in {send_secs:.1} s ({:.0}/s), {} refused; {got} delivered, {} lost, {duplicates} duplicated, {ended} streams ended early",
        expected as f64 / send_secs,
        failures.len(),
        expected.saturating_sub(got)
    );
    if let Some(f) = failures.first() {
        println!("first refusal: {f}");
    }
    stats(
        "send: the API call (send_message)",
        api_times.lock().unwrap().clone(),
    );
    delivery("send to delivery (the other party's stream)", latencies);
    if let (Some((cpu0, _)), Some((cpu1, _))) = (idle, after) {
        println!(
            "server CPU: {:.2} s for {expected} messages: {:.0} µs per message",
            cpu1 - cpu0,
            (cpu1 - cpu0) * 1e6 / expected.max(1) as f64
        );
    }
}
