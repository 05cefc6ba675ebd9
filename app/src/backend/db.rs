//! The connection pool over SQLite or PostgreSQL, and the migrations for each.
//!
//! Over 450 lines only with its unit tests (the three modules at the end:
//! the backend by URL, `Where`, and the two dialects' migrations compared).

use crate::domain::{JobId, UserId};
use futures::{future::BoxFuture, stream::BoxStream};
use sqlx::{
    Any, AnyConnection, AnyPool, Describe, Either, Execute, Executor, Transaction,
    any::{AnyPoolOptions, AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo},
    migrate::{MigrateError, Migrator},
};
use std::{
    ops::{Deref, DerefMut},
    path::Path,
    sync::Arc,
    time::Duration,
};
use tokio::sync::watch;

/// The pool, which backend it talks to, and the signal that events were
/// committed. Queries run on `&Db` as on a pool.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Counts commits that recorded events; the real-time pump watches it.
    commits: Arc<watch::Sender<u64>>,
    /// Whether notifications are queued for devices too
    /// (`ENABLE_PUSH_NOTIFICATIONS`); chosen once, before the pool is shared.
    push: bool,
}

impl Db {
    fn new(pool: AnyPool, backend: Backend) -> Self {
        Self {
            pool,
            backend,
            commits: Arc::new(watch::channel(0).0),
            push: false,
        }
    }

    /// This pool, queuing pushes with notifications when `on`.
    pub fn queuing_pushes(self, on: bool) -> Self {
        Self { push: on, ..self }
    }

    /// The one place to ask which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Changes each time a transaction that recorded events commits.
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.commits.subscribe()
    }
}

impl Deref for Db {
    type Target = AnyPool;
    fn deref(&self) -> &AnyPool {
        &self.pool
    }
}

/// Lets every query run on `&Db` exactly as on `&AnyPool` (the pool's
/// own executor borrows nothing from it, so neither does this one).
impl<'p> Executor<'p> for &'_ Db {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        (&self.pool).fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        (&self.pool).fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, sqlx::Error>>
    where
        'p: 'e,
    {
        (&self.pool).prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'p: 'e,
    {
        (&self.pool).describe(sql)
    }
}

/// A write transaction. Committing one that recorded events wakes this
/// process's real-time pump, so no writer has to remember to.
pub struct Write {
    tx: Transaction<'static, Any>,
    backend: Backend,
    commits: Arc<watch::Sender<u64>>,
    /// Events recorded in this transaction.
    recorded: u64,
    /// Notifications written here are queued for the users' devices.
    pub(crate) push: bool,
}

impl Write {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Marks this transaction as one whose commit others must hear about.
    pub(crate) fn recorded_events(&mut self, n: usize) {
        self.recorded += n as u64;
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        if self.recorded > 0 {
            self.commits.send_modify(|n| *n = n.wrapping_add(1));
            metrics::counter!("curbside_events_recorded_total").increment(self.recorded);
        }
        Ok(())
    }
}

impl Deref for Write {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for Write {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a `DATABASE_URL` names, by its scheme.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got {0:?})")]
    Scheme(String),
    #[error("could not create the database directory {dir}: {source}")]
    Dir { dir: String, source: std::io::Error },
    #[error("could not connect to the database: {0}")]
    Connect(sqlx::Error),
    #[error("database migration {name} failed: {source}")]
    Migration { name: String, source: sqlx::Error },
    #[error("database migrations failed: {0}")]
    Migrate(MigrateError),
}

/// Opens a pool. A SQLite file (and its directory) is created when missing;
/// every SQLite connection gets WAL, foreign keys and a busy timeout, which
/// the URL cannot set through the Any driver.
pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbSetupError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url).ok_or_else(|| DbSetupError::Scheme(url.to_owned()))?;
    let mut url = url.to_owned();
    if backend == Backend::Sqlite {
        if let Some(dir) = sqlite_file(&url).and_then(|f| Path::new(f).parent())
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|source| DbSetupError::Dir {
                dir: dir.display().to_string(),
                source,
            })?;
        }
        if !url.contains("mode=") && !url.contains(":memory:") {
            url.push_str(if url.contains('?') {
                "&mode=rwc"
            } else {
                "?mode=rwc"
            });
        }
    }
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 5000",
                        "PRAGMA synchronous = NORMAL",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .map_err(DbSetupError::Connect)?;
    Ok(Db::new(pool, backend))
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once (`BEGIN IMMEDIATE`): a deferred transaction that reads first and
/// then writes fails with "database is locked" when another writer got in
/// between, whereas this one waits its turn on the busy timeout.
pub async fn begin_write(db: &Db) -> Result<Write, sqlx::Error> {
    let tx = match db.backend {
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.pool.begin().await?,
    };
    Ok(Write {
        tx,
        backend: db.backend,
        commits: db.commits.clone(),
        recorded: 0,
        push: db.push,
    })
}

/// Serializes one user's count-then-insert writes (a garage of at most 20,
/// at most 10 unfinished jobs) until `tx` ends. A no-op update takes the
/// user row's lock on PostgreSQL; on SQLite the write transaction already
/// holds the database's only write lock. Without it, 50 parallel requests
/// all counted 19 and all inserted.
pub async fn lock_user(tx: &mut Write, user_id: &UserId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET updated_at = updated_at WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Locks the job's row for the rest of `tx` (see [`lock_user`]).
pub async fn lock_job(tx: &mut Write, job_id: &JobId) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET updated_at = updated_at WHERE id = $1")
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Kinds of key locked by [`lock_key`]; each is its own namespace.
#[derive(Clone, Copy)]
pub enum KeyLock {
    LoginEmail = 1,
    LoginIp = 2,
}

/// Serializes writers on one key that may have no row of its own (an
/// email nobody registered) until `tx` ends: a transaction-scoped advisory
/// lock on PostgreSQL; on SQLite the write transaction already holds the
/// database's only write lock. Take several in the order of [`KeyLock`].
pub async fn lock_key(tx: &mut Write, kind: KeyLock, key: &str) -> Result<(), sqlx::Error> {
    if tx.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))::text")
            .bind(kind as i32)
            .bind(key)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Applies the migrations for the URL's dialect (embedded at compile time
/// from `migrations/sqlite` or `migrations/postgres`). A failure names the
/// migration, so an operator knows which file to look at.
pub async fn migrate(db: &Db) -> Result<(), DbSetupError> {
    let migrator = db.backend.migrator();
    migrator.run(&db.pool).await.map_err(|e| match e {
        MigrateError::ExecuteMigration(source, version) => DbSetupError::Migration {
            name: migration_name(migrator, version),
            source,
        },
        other => DbSetupError::Migrate(other),
    })
}

/// `0001_audit_log` for version 1: the file name the migration came from.
fn migration_name(migrator: &Migrator, version: i64) -> String {
    match migrator.iter().find(|m| m.version == version) {
        Some(m) => format!("{version:04}_{}", m.description.replace(' ', "_")),
        None => format!("{version:04}"),
    }
}

/// A `WHERE` clause made of only the filters that are set, each value bound
/// in order, so the query planner sees plain conditions it can use indexes for.
#[derive(Debug, Default)]
pub struct Where {
    clauses: Vec<String>,
    pub args: Vec<String>,
}

impl Where {
    /// Adds `condition`, in which `{}` stands for `value`'s placeholder (it may appear twice).
    pub fn and(&mut self, condition: &str, value: impl Into<String>) {
        self.args.push(value.into());
        let placeholder = format!("${}", self.args.len());
        self.clauses.push(condition.replace("{}", &placeholder));
    }

    /// ` WHERE a AND b`, or nothing when no filter is set.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// How many rows of `from` (a table, maybe with an alias) match.
    pub async fn count(&self, db: &Db, from: &str) -> Result<i64, sqlx::Error> {
        let sql = format!("SELECT COUNT(*) FROM {from}{}", self.sql());
        let mut query = sqlx::query_as::<_, (i64,)>(&sql);
        for a in &self.args {
            query = query.bind(a);
        }
        Ok(query.fetch_one(db).await?.0)
    }

    /// The placeholder number after the filters' own: `$3` when two are set.
    pub fn next(&self, offset: usize) -> String {
        format!("${}", self.args.len() + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(
            Backend::of_url("sqlite://./data/curbside.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::of_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::of_url("mysql://u@h/db"), None);
    }

    #[test]
    fn migrations_are_named_after_their_files() {
        assert_eq!(migration_name(&SQLITE_MIGRATIONS, 1), "0001_audit_log");
        assert_eq!(migration_name(&POSTGRES_MIGRATIONS, 1), "0001_audit_log");
    }

    #[test]
    fn sqlite_file_path_is_read_from_the_url() {
        assert_eq!(
            sqlite_file("sqlite://./data/x.db?mode=rwc"),
            Some("./data/x.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }
}

#[cfg(test)]
mod where_tests {
    use super::Where;

    #[test]
    fn numbers_placeholders_in_order_and_reuses_one_value() {
        let mut w = Where::default();
        assert_eq!(w.sql(), "");
        w.and("(name LIKE {} OR email LIKE {})", "%a%");
        w.and("role = {}", "mechanic");
        assert_eq!(
            w.sql(),
            " WHERE (name LIKE $1 OR email LIKE $1) AND role = $2"
        );
        assert_eq!((w.next(1), w.next(2)), ("$3".to_owned(), "$4".to_owned()));
    }
}

#[cfg(test)]
mod migration_pairs {
    use std::{collections::BTreeMap, path::Path};

    /// One dialect's migration in a form both dialects share: comments and
    /// spacing gone, each dialect's spelling of a type or an auto id
    /// replaced by one word. Whatever differs after this is a real difference.
    fn normalise(sql: &str, dialect: &str) -> String {
        let mut text: String = sql
            .lines()
            .map(|l| l.split("--").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join(" ");
        let words: &[(&str, &str)] = match dialect {
            "sqlite" => &[
                ("INTEGER PRIMARY KEY AUTOINCREMENT", "AUTO_ID"),
                ("INTEGER PRIMARY KEY", "AUTO_ID"),
                ("INTEGER", "BIGINT"),
                ("REAL", "DOUBLE PRECISION"),
            ],
            _ => &[("BIGSERIAL PRIMARY KEY", "AUTO_ID")],
        };
        text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for (from, to) in words {
            text = text.replace(from, to);
        }
        text.replace("( ", "(").replace(" )", ")")
    }

    fn read(dialect: &str) -> BTreeMap<String, String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(dialect);
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|f| {
                let path = f.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (
                    name,
                    normalise(&std::fs::read_to_string(&path).unwrap(), dialect),
                )
            })
            .collect()
    }

    #[test]
    fn each_migration_says_the_same_in_both_dialects() {
        let (sqlite, postgres) = (read("sqlite"), read("postgres"));
        assert_eq!(
            sqlite.keys().collect::<Vec<_>>(),
            postgres.keys().collect::<Vec<_>>(),
            "the same migration files in both dialects"
        );
        assert!(sqlite.len() >= 7);
        for (name, lite) in &sqlite {
            let pg = &postgres[name];
            if lite != pg {
                let at = lite
                    .chars()
                    .zip(pg.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                let from = at.saturating_sub(60);
                panic!(
                    "{name} differs beyond dialect spelling:\n sqlite:   …{}\n postgres: …{}",
                    lite.chars().skip(from).take(140).collect::<String>(),
                    pg.chars().skip(from).take(140).collect::<String>(),
                );
            }
        }
    }
}
