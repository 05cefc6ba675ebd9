//! Starts the real server binary on port 0 with a fresh database, and talks to it over HTTP.
#![allow(dead_code)]

mod ci;
pub mod fixtures;
pub mod flow;
pub mod forms;
pub mod http;
pub mod socket;
pub mod sse;
pub mod stripe;

pub use ci::in_ci;
pub use http::{Auth, Http, Reply};

use std::{process::Stdio, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, BufReader},
    process::{Child, Command},
};

/// Form pairs from literals; a name may repeat (`skills[]`).
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `form` with each of `overrides` replacing every pair of its name.
pub fn with(mut form: Vec<(String, String)>, overrides: &[(&str, &str)]) -> Vec<(String, String)> {
    for (k, v) in overrides {
        form.retain(|(name, _)| name != k);
        form.push((k.to_string(), v.to_string()));
    }
    form
}

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A fresh, empty database for one test: a temp SQLite file, or a new
/// PostgreSQL database that is dropped when this value is.
pub struct TestDb {
    pub url: String,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// `None` when the backend is not available here (PostgreSQL without
    /// `TEST_POSTGRES_URL` outside CI).
    pub async fn new(db: Db) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        match db {
            Db::Sqlite => {
                let url = format!("sqlite://{}/test.db", dir.path().display());
                Some(Self { url, dir, pg: None })
            }
            Db::Postgres => {
                let admin_url = postgres_admin_url()?;
                let name = format!("curbside_test_{}", uuid::Uuid::now_v7().simple());
                admin_exec(&admin_url, &format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap_or_else(|e| {
                        panic!("cannot create a test database through TEST_POSTGRES_URL: {e}")
                    });
                let url = with_database(&admin_url, &name);
                Some(Self {
                    url,
                    dir,
                    pg: Some((admin_url, name)),
                })
            }
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The single number a query answers (`SELECT COUNT(*) …`).
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.url)
            .await
            .expect("connect to the test database");
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }

    /// The same database for a second server: it has a data directory of
    /// its own and leaves dropping the database to the owner.
    pub fn shared(&self) -> Self {
        Self {
            url: self.url.clone(),
            dir: tempfile::tempdir().expect("tempdir"),
            pg: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            // Drop may run inside the test's runtime, which must not block: use a thread of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(admin_exec(
                    &admin_url,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ))
            })
            .join();
        }
    }
}

/// `TEST_POSTGRES_URL`, or `None` to skip. With `CI=true` a missing
/// setting fails the test instead: CI must never skip PostgreSQL silently.
fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ if in_ci() => {
            panic!("CI=true but TEST_POSTGRES_URL is not set; the PostgreSQL tests must run in CI")
        }
        _ => {
            eprintln!("warning: TEST_POSTGRES_URL is not set; this PostgreSQL test did not run");
            None
        }
    }
}

/// Swaps the database name in a postgres URL.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}

async fn admin_exec(admin_url: &str, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::Executor::execute(&mut conn, sql).await?;
    conn.close().await
}

/// The server binary with a clean environment: only what the test gives it.
fn server_command(db_url: &str, dir: &std::path::Path, extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear()
        .current_dir(dir) // no stray .env from the developer's checkout
        .env("DATABASE_URL", db_url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("DB_MAX_CONNECTIONS", "4")
        .env("RUST_LOG", "warn")
        // Tests start from an empty database unless they ask for the demo.
        .env("DEMO_DATA", "false")
        // Every test client is 127.0.0.1; some tests make dozens of accounts.
        .env("SIGNUPS_PER_HOUR", "1000");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// A running server; killed when dropped. Its HTTP client is its `Http`
/// (`app.post(…)`, `app.base`).
pub struct TestApp {
    pub http: Http,
    child: Child,
    pub db: TestDb,
    /// Everything the server printed on stdout so far.
    pub stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl std::ops::Deref for TestApp {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

impl TestApp {
    pub async fn spawn(db: Db) -> Option<Self> {
        Self::spawn_with(db, &[]).await
    }

    pub async fn spawn_with(db: Db, extra: &[(&str, &str)]) -> Option<Self> {
        let db = TestDb::new(db).await?;
        Some(Self::start(db, extra).await)
    }

    pub async fn start(db: TestDb, extra: &[(&str, &str)]) -> Self {
        let mut child = server_command(&db.url, db.dir(), extra)
            .spawn()
            .expect("start the server binary");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("read server stdout") {
                if let Some(rest) = line.strip_prefix("Curbside is listening on ") {
                    return Some(rest.split_whitespace().next().unwrap().to_owned());
                }
            }
            None
        })
        .await
        .expect("server did not start within 30 s");
        let Some(base) = base else {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err).await;
            panic!("server exited before listening:\n{err}");
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        let stdout = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = stdout.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                sink.lock().unwrap().push(line);
            }
        });
        // Logs go to stderr; keep them beside stdout for failure messages.
        let mut errors = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = stdout.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = errors.next_line().await {
                sink.lock().unwrap().push(line);
            }
        });
        Self {
            http: Http::new(base),
            child,
            db,
            stdout,
        }
    }

    /// Registers an account and returns its bearer token.
    pub async fn register(&self, role: &str, name: &str, email: &str, password: &str) -> String {
        let phone = if role == "mechanic" {
            "+44 20 7946 0958"
        } else {
            ""
        };
        let r = self
            .post(
                "/api/register",
                &[
                    ("name", name),
                    ("email", email),
                    ("phone", phone),
                    ("password", password),
                    ("role", role),
                ],
                Auth::None,
            )
            .await;
        assert_eq!(r.status, 200, "register {email}: {}", r.body);
        r.json["token"].as_str().expect("token").to_owned()
    }

    /// Waits (up to 5 s) until the server has printed `needle`; returns all it printed.
    pub async fn printed(&self, needle: &str) -> String {
        for _ in 0..100 {
            let all = self.stdout.lock().unwrap().join("\n");
            if all.contains(needle) {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server never printed {needle:?}");
    }

    /// Makes an admin with `server admin create` and returns their bearer token.
    pub async fn admin(&self, email: &str, password: &str) -> String {
        let run = run_command(
            &self.db,
            &["admin", "create", "--email", email, "--name", "Avery Admin"],
            &[("ADMIN_PASSWORD", password)],
        )
        .await;
        assert!(run.success, "admin create: {}", run.stderr);
        let r = self.login(email, password).await;
        assert_eq!(r.status, 200, "admin login: {}", r.body);
        r.json["token"].as_str().expect("token").to_owned()
    }

    /// A connection to this app's database, for facts the API does not show.
    pub async fn sql(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.db.url)
            .await
            .expect("connect to the test database")
    }

    /// The single number a query answers (`SELECT COUNT(*) …`), read straight from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        self.db.count(sql).await
    }

    /// A second server process on this one's database.
    pub async fn second(&self, extra: &[(&str, &str)]) -> Self {
        Self::start(self.db.shared(), extra).await
    }

    /// Stops the server and starts it again on the same database and data directory.
    pub async fn restart(self, extra: &[(&str, &str)]) -> Self {
        let TestApp { mut child, db, .. } = self;
        let _ = child.kill().await;
        Self::start(db, extra).await
    }

    /// Stops the server as a deploy does (SIGTERM, letting it finish what
    /// it is doing) and starts it again on the same database and data directory.
    pub async fn graceful_restart(mut self, extra: &[(&str, &str)]) -> Self {
        assert!(self.sigterm().await, "a clean exit");
        let TestApp { db, .. } = self;
        Self::start(db, extra).await
    }

    /// Kills the server (SIGKILL: a crash) and hands back its database, to
    /// look at before another process starts on it (`TestApp::start`).
    pub async fn crash(self) -> TestDb {
        let TestApp { mut child, db, .. } = self;
        let _ = child.kill().await;
        db
    }

    /// Stops the server as a deploy does and hands back its database, to
    /// look at before another process starts on it (`TestApp::start`).
    pub async fn stop_gracefully(mut self) -> TestDb {
        assert!(self.sigterm().await, "a clean exit");
        let TestApp { db, .. } = self;
        db
    }

    /// Sends SIGTERM and waits for the process to end; returns whether it exited cleanly.
    pub async fn terminate(mut self) -> bool {
        self.sigterm().await
    }

    async fn sigterm(&mut self) -> bool {
        let pid = self.child.id().expect("running") as i32;
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("exit after SIGTERM");
        exit.unwrap().success()
    }
}

/// What a command-line run of the server binary did.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `server <args>` on this database, with `extra` settings and stdin not a terminal.
pub async fn run_command(db: &TestDb, args: &[&str], extra: &[(&str, &str)]) -> Run {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        server_command(&db.url, db.dir(), extra).args(args).output(),
    )
    .await
    .expect("the command should finish")
    .expect("run the server binary");
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs the server with `extra` settings and expects it to refuse to start.
/// Returns its exit status code and everything it printed on stderr.
pub async fn start_failure(db: Db, extra: &[(&str, &str)]) -> Option<(i32, String)> {
    let db = TestDb::new(db).await?;
    Some(run_to_failure(&db, extra).await)
}

pub async fn run_to_failure(db: &TestDb, extra: &[(&str, &str)]) -> (i32, String) {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        server_command(&db.url, db.dir(), extra).output(),
    )
    .await
    .expect("the server should exit, not serve")
    .expect("run the server binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("is listening"), "server started: {stdout}");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs an async test body once on SQLite and once on PostgreSQL. With
/// `needs(cfg, "why")` first, both are ignored where `cfg` is set (by
/// build.rs, when the stand-in the tests need is not running).
#[macro_export]
macro_rules! both_databases {
    (needs($missing:ident, $why:literal); $(async fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                use super::*;
                async fn run($db: common::Db) $body

                #[tokio::test]
                #[cfg_attr($missing, ignore = $why)]
                async fn sqlite() { run(common::Db::Sqlite).await }

                #[tokio::test]
                #[cfg_attr(no_test_postgres, ignore = "TEST_POSTGRES_URL is not set")]
                #[cfg_attr(all($missing, not(no_test_postgres)), ignore = $why)]
                async fn postgres() { run(common::Db::Postgres).await }
            }
        )*
    };
    ($(async fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                use super::*;
                async fn run($db: common::Db) $body

                #[tokio::test]
                async fn sqlite() { run(common::Db::Sqlite).await }

                #[tokio::test]
                #[cfg_attr(no_test_postgres, ignore = "TEST_POSTGRES_URL is not set")]
                async fn postgres() { run(common::Db::Postgres).await }
            }
        )*
    };
}

/// A test of what only the PostgreSQL deployment does (several server
/// processes on one database): one test, on PostgreSQL.
#[macro_export]
macro_rules! postgres_only {
    ($(async fn $name:ident() $body:block)*) => {
        $(
            #[tokio::test]
            #[cfg_attr(no_test_postgres, ignore = "TEST_POSTGRES_URL is not set")]
            async fn $name() $body
        )*
    };
}

/// Spawns the app with optional extra settings, or returns from the test
/// when this backend is not available here.
#[macro_export]
macro_rules! spawn {
    ($db:expr) => {
        $crate::spawn!($db, &[])
    };
    ($db:expr, $extra:expr) => {
        match common::TestApp::spawn_with($db, $extra).await {
            Some(app) => app,
            None => return,
        }
    };
}
