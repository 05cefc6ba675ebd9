//! Prints what the admin console's lists cost on a large installation: it
//! fills the database with many users and audit rows, then times the users
//! and audit-log queries an admin runs, over HTTP against a running server.
//!
//! Usage: `admin_bench <base URL> <DATABASE_URL> [users] [rounds]`
//! (run by `scripts/bench-admin.sh`, against a server started with demo data).

mod common;

use common::{Auth, Http, demo_login, stats};
use sqlx::any::AnyPoolOptions;
use std::time::Instant;

const BATCH: usize = 200;

#[tokio::main]
async fn main() {
    let (base, db_url, users, rounds) = common::args(
        "admin_bench <base URL> <DATABASE_URL> [users] [rounds]",
        20_000,
    );

    // Many users, each with the audit row sign-up writes, straight into the
    // database: signing up 20,000 through argon2 would take ten minutes.
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&db_url)
        .await
        .expect("connect");
    let t = Instant::now();
    let now = app::domain::Timestamp::now().millis();
    let mut tx = pool.begin().await.unwrap();
    for start in (0..users).step_by(BATCH) {
        let n = BATCH.min(users - start);
        let rows = |cols: usize| {
            (0..n)
                .map(|r| {
                    let p: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let user_sql = format!(
            "INSERT INTO users (id, email, email_lower, name, phone, password_hash, role, status, created_at, updated_at) VALUES {}",
            rows(10)
        );
        let audit_sql = format!(
            "INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES {}",
            rows(6)
        );
        let mut uq = sqlx::query(&user_sql);
        let mut aq = sqlx::query(&audit_sql);
        for i in start..start + n {
            let id = uuid::Uuid::now_v7().to_string();
            let email = format!("user{i}@bench.example.com");
            let (role, status) = match i % 10 {
                0 => (
                    "mechanic",
                    if i % 50 == 0 {
                        "pending_approval"
                    } else {
                        "active"
                    },
                ),
                _ => ("customer", "active"),
            };
            let at = now - (users - i) as i64 * 60_000;
            uq = uq
                .bind(id.clone())
                .bind(email.clone())
                .bind(email)
                .bind(format!("Bench User {i}"))
                .bind(None::<String>)
                .bind("not-a-hash")
                .bind(role)
                .bind(status)
                .bind(at)
                .bind(at);
            aq = aq
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(at)
                .bind(id.clone())
                .bind("account.registered")
                .bind(id)
                .bind(r#"{"role":"customer"}"#);
        }
        uq.execute(&mut *tx).await.unwrap();
        aq.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    pool.close().await;
    println!(
        "inserted {users} users and {users} audit rows in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let api = Http::new(base);
    let token = demo_login(&api, "admin@demo.curbside.test").await;
    let some_user = api
        .get(
            &format!("/api/admin_users?search=user{}%40", users / 2),
            Auth::Bearer(&token),
        )
        .await
        .expect_success("find a user")["users"][0]["id"]
        .as_str()
        .expect("a bench user")
        .to_owned();

    let last_page = users.div_ceil(25);
    let cases = [
        (
            "users: first page, no filter",
            "/api/admin_users".to_owned(),
        ),
        (
            "users: search one email (scan)",
            format!("/api/admin_users?search=user{}%40bench", users / 3),
        ),
        (
            "users: search a common name part",
            "/api/admin_users?search=user 1".to_owned(),
        ),
        (
            "users: pending mechanics",
            "/api/admin_users?role=mechanic&status=pending_approval".to_owned(),
        ),
        (
            "users: last page (deep offset)",
            format!("/api/admin_users?page={last_page}"),
        ),
        (
            "user detail with history",
            format!("/api/admin_user?id={some_user}"),
        ),
        (
            "audit: first page, no filter",
            "/api/admin_audit".to_owned(),
        ),
        (
            "audit: one action (rare)",
            "/api/admin_audit?action=demo.seeded".to_owned(),
        ),
        (
            "audit: one actor",
            format!(
                "/api/admin_audit?actor=user{}%40bench.example.com",
                users / 2
            ),
        ),
        (
            "audit: last page (deep offset)",
            format!("/api/admin_audit?page={last_page}"),
        ),
    ];
    for (label, path) in cases {
        let mut times = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            api.get(&path, Auth::Bearer(&token))
                .await
                .expect_success(&path);
            times.push(t.elapsed());
        }
        stats(label, times);
    }
}
