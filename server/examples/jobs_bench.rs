//! Prints what the job flow costs in a busy city: it fills the database with
//! many open jobs spread over Greater London, then times, over HTTP against a
//! running server, what mechanics, customers and admins do most: the open
//! jobs near a mechanic, one job's page, sending a quote, accepting it, and
//! the lists.
//!
//! Usage: `jobs_bench <base URL> <DATABASE_URL> [jobs] [rounds]`
//! (run by `scripts/bench-jobs.sh`, against a server started with demo data).

mod common;

use common::{Auth, Http, add_car, demo_login, new_customer, stats};
use sqlx::any::AnyPoolOptions;
use std::time::Instant;

const BATCH: usize = 200;
/// Greater London, roughly: 47 km north to south, 56 km east to west.
const LAT: (f64, f64) = (51.28, 51.70);
const LNG: (f64, f64) = (-0.52, 0.28);

/// A small deterministic generator, so every run places the same jobs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[tokio::main]
async fn main() {
    let (base, db_url, jobs, rounds) = common::args(
        "jobs_bench <base URL> <DATABASE_URL> [jobs] [rounds]",
        10_000,
    );
    let api = Http::new(base);

    // One real customer and car, through the API; their many jobs go
    // straight into the database (the API allows ten open at once).
    let email = format!(
        "bench.{}@example.com",
        app::domain::Timestamp::now().millis()
    );
    let signup = new_customer(&api, &email).await;
    let customer = signup["token"].as_str().unwrap().to_owned();
    let customer_id = signup["account"]["id"].as_str().unwrap().to_owned();
    let vehicle = add_car(&api, &customer).await;

    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&db_url)
        .await
        .expect("connect");
    let t = Instant::now();
    let now = app::domain::Timestamp::now().millis();
    let mut rng = Lcg(42);
    let mut tx = pool.begin().await.unwrap();
    for start in (0..jobs).step_by(BATCH) {
        let n = BATCH.min(jobs - start);
        let cols = 15;
        let values = (0..n)
            .map(|r| {
                let p: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO jobs (id, customer_id, vehicle_id, category, description, lat, lng, address, \
             locality, urgency, window_start, window_end, status, created_at, updated_at) VALUES {values}"
        );
        let mut q = sqlx::query(&sql);
        for i in start..start + n {
            let at = now - (jobs - i) as i64 * 1_000;
            q = q
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(customer_id.clone())
                .bind(vehicle.clone())
                .bind("brakes")
                .bind(format!("Bench job {i}: squealing brakes."))
                .bind(LAT.0 + rng.next() * (LAT.1 - LAT.0))
                .bind(LNG.0 + rng.next() * (LNG.1 - LNG.0))
                .bind(format!("{i} Bench Street"))
                .bind("London")
                .bind("asap")
                .bind(None::<i64>)
                .bind(None::<i64>)
                .bind("requested")
                .bind(at)
                .bind(at);
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    pool.close().await;
    println!(
        "inserted {jobs} open jobs over Greater London in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let dan = demo_login(&api, "dan@demo.curbside.test").await; // Camden, 12 km
    let sam = demo_login(&api, "sam@demo.curbside.test").await; // Stratford, 20 km
    let admin = demo_login(&api, "admin@demo.curbside.test").await;
    let open = api
        .get("/api/open_jobs", Auth::Bearer(&dan))
        .await
        .expect_success("open jobs");
    // The bench customer's jobs only (the demo has one of Tom's nearby).
    let near: Vec<String> = open
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["locality"] == "London")
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect();
    println!(
        "the Camden mechanic is shown the nearest {} open jobs",
        open.as_array().unwrap().len()
    );
    assert!(
        near.len() >= rounds,
        "too few jobs near Camden for {rounds} rounds"
    );

    let last_page = jobs.div_ceil(25);
    let reads = [
        (
            "open jobs near Camden (12 km)",
            "/api/open_jobs".to_owned(),
            &dan,
        ),
        (
            "open jobs near Stratford (20 km)",
            "/api/open_jobs".to_owned(),
            &sam,
        ),
        (
            "one job, as a quoting mechanic",
            format!("/api/job?id={}", near[0]),
            &dan,
        ),
        (
            "one job, as its customer",
            format!("/api/job?id={}", near[0]),
            &customer,
        ),
        (
            "my jobs, customer with many",
            "/api/my_jobs".to_owned(),
            &customer,
        ),
        (
            "admin jobs, first page",
            "/api/admin_jobs".to_owned(),
            &admin,
        ),
        (
            "admin jobs, requested, last page",
            format!("/api/admin_jobs?status=requested&page={last_page}"),
            &admin,
        ),
    ];
    for (label, path, token) in reads {
        let mut times = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            api.get(&path, Auth::Bearer(token))
                .await
                .expect_success(&path);
            times.push(t.elapsed());
        }
        stats(label, times);
    }

    // Writes: a first quote on each of `rounds` jobs, a revision, then the
    // customer accepting each (which declines nothing else here).
    let mut sends = Vec::new();
    let mut revisions = Vec::new();
    let mut accepts = Vec::new();
    for job in near.iter().take(rounds) {
        let form = |labour: &str| common::forms::quote_form(job, labour, "34.99");
        let t = Instant::now();
        api.post_pairs("/api/send_quote", &form("60"), Auth::Bearer(&dan))
            .await
            .expect_success("quote");
        sends.push(t.elapsed());
        let t = Instant::now();
        let quote = api
            .post_pairs("/api/send_quote", &form("55"), Auth::Bearer(&dan))
            .await
            .expect_success("revise");
        revisions.push(t.elapsed());
        let id = quote["id"].as_str().unwrap();
        let t = Instant::now();
        api.post("/api/accept_quote", &[("id", id)], Auth::Bearer(&customer))
            .await
            .expect_success("accept");
        accepts.push(t.elapsed());
    }
    stats("send a first quote", sends);
    stats("revise the quote", revisions);
    stats("accept the quote", accepts);
}
