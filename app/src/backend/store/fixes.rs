//! The booked mechanic's fixes in the database: the newest on the job row
//! (`jobs.fix_*`), the way there in `job_fixes`.

use crate::domain::Timestamp;
use crate::domain::{JobId, mechanic::Skill};
use crate::{
    backend::{
        Db,
        db::{Write, begin_write},
    },
    domain::{
        AppError,
        job::JobStatus,
        tracking::{Fix, coarse_trail},
    },
};
use std::collections::HashMap;

/// A coarse trail keeps one fix per this many ms.
pub const COARSE_EVERY_MS: i64 = 5 * 60_000;

/// What happens to the way there when a job ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trail {
    /// Every fix is deleted.
    #[default]
    Purge,
    /// One fix per five minutes is kept, the rest deleted.
    Coarse,
}

impl Trail {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "purge" => Some(Trail::Purge),
            "coarse" => Some(Trail::Coarse),
            _ => None,
        }
    }
}

/// One batch of fixes to write: every fix for the history, and the newest per job.
#[derive(Debug, PartialEq)]
pub struct Batch<'a> {
    pub history: &'a [(JobId, Fix)],
    pub latest: Vec<(&'a str, Fix)>,
}

impl<'a> Batch<'a> {
    pub fn of(fixes: &'a [(JobId, Fix)]) -> Self {
        let mut latest: HashMap<&str, Fix> = HashMap::new();
        for (job, fix) in fixes {
            let newest = latest.entry(job.as_str()).or_insert(*fix);
            if fix.at > newest.at {
                *newest = *fix;
            }
        }
        let mut latest: Vec<(&str, Fix)> = latest.into_iter().collect();
        latest.sort_by(|a, b| a.0.cmp(b.0));
        Batch {
            history: fixes,
            latest,
        }
    }
}

/// The statuses in which a job shares its mechanic's position, as SQL
/// placeholders from `$first` on, and the values to bind to them.
fn sharing(first: usize) -> (String, Vec<&'static str>) {
    let statuses: Vec<&str> = JobStatus::ALL
        .into_iter()
        .filter(|s| s.shares_location())
        .map(JobStatus::as_str)
        .collect();
    let marks: Vec<String> = (first..first + statuses.len())
        .map(|n| format!("${n}"))
        .collect();
    (format!("({})", marks.join(", ")), statuses)
}

/// Rows per history insert, largest first: a batch goes in as a few
/// multi-row statements of these sizes (at most one of each below the
/// largest), so the statements prepared once stay few.
const CHUNKS: [usize; 9] = [256, 128, 64, 32, 16, 8, 4, 2, 1];

/// Splits `n` rows into statement sizes from [`CHUNKS`].
fn chunk_sizes(mut n: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    for size in CHUNKS {
        while n >= size {
            sizes.push(size);
            n -= size;
        }
    }
    sizes
}

/// `rows` fixes in one statement, each stored only while its job shares
/// the mechanic's position (the check is repeated here in SQL, so a fix
/// that raced the end of its job is never stored).
fn history_insert(rows: usize) -> (String, Vec<&'static str>) {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let p = r * 5;
            format!(
                "(${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5
            )
        })
        .collect();
    let (history_in, statuses) = sharing(rows * 5 + 1);
    (
        format!(
            "INSERT INTO job_fixes (job_id, lat, lng, accuracy_m, at) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5 \
             FROM (VALUES {}) AS v \
             WHERE EXISTS (SELECT 1 FROM jobs WHERE id = v.column1 AND status IN {history_in})",
            values.join(", ")
        ),
        statuses,
    )
}

pub async fn write(db: &Db, batch: &Batch<'_>) -> Result<(), sqlx::Error> {
    let mut tx = begin_write(db).await?;
    let mut rest = batch.history;
    for size in chunk_sizes(rest.len()) {
        let (rows, after) = rest.split_at(size);
        rest = after;
        let (insert, statuses) = history_insert(size);
        let mut query = sqlx::query(&insert);
        for (job, f) in rows {
            query = query
                .bind(job)
                .bind(f.lat)
                .bind(f.lng)
                .bind(f.accuracy_m)
                .bind(f.at);
        }
        for s in &statuses {
            query = query.bind(*s);
        }
        query.execute(&mut *tx).await?;
    }
    let (latest_in, statuses) = sharing(8);
    let update = format!(
        "UPDATE jobs SET fix_lat = $1, fix_lng = $2, fix_accuracy_m = $3, fix_heading = $4, \
         fix_speed_mps = $5, fix_at = $6 WHERE id = $7 AND status IN {latest_in} \
         AND (fix_at IS NULL OR fix_at < $6)"
    );
    for (job, f) in &batch.latest {
        // Heading and speed are often unknown: a bound NULL float is typed
        // differently by the Any driver, so those are written as -1 and
        // read back as unknown.
        let mut query = sqlx::query(&update)
            .bind(f.lat)
            .bind(f.lng)
            .bind(f.accuracy_m)
            .bind(f.heading.unwrap_or(-1.0))
            .bind(f.speed_mps.unwrap_or(-1.0))
            .bind(f.at)
            .bind(*job);
        for s in &statuses {
            query = query.bind(*s);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// Jobs on the admin's live map at most.
const MAP_LIMIT: i64 = 500;

#[derive(sqlx::FromRow)]
pub struct MapRow {
    pub id: JobId,
    pub status: JobStatus,
    pub category: Skill,
    pub locality: String,
    pub lat: f64,
    pub lng: f64,
    pub mechanic: Option<String>,
    #[sqlx(flatten)]
    pub fix: StoredFix,
}

#[derive(sqlx::FromRow)]
pub struct StoredFix {
    fix_lat: Option<f64>,
    fix_lng: Option<f64>,
    fix_accuracy_m: Option<f64>,
    fix_heading: Option<f64>,
    fix_speed_mps: Option<f64>,
    fix_at: Option<Timestamp>,
}

/// The newest stored fix of `job_id`, if it has one.
pub async fn stored_fix(db: &Db, job_id: &JobId) -> Result<Option<Fix>, AppError> {
    let row: Option<StoredFix> = sqlx::query_as(
        "SELECT fix_lat, fix_lng, fix_accuracy_m, fix_heading, fix_speed_mps, fix_at \
         FROM jobs WHERE id = $1",
    )
    .bind(job_id)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| r.fix()))
}

impl StoredFix {
    pub fn fix(&self) -> Option<Fix> {
        let known = |v: Option<f64>| v.filter(|x| *x >= 0.0);
        Some(Fix {
            lat: self.fix_lat?,
            lng: self.fix_lng?,
            accuracy_m: self.fix_accuracy_m?,
            heading: known(self.fix_heading),
            speed_mps: known(self.fix_speed_mps),
            at: self.fix_at?,
        })
    }
}

/// In the transaction that ends a job: forgets where its mechanic was,
/// and purges or thins the way there.
pub async fn job_ended(tx: &mut Write, job_id: &JobId, trail: Trail) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET fix_lat = NULL, fix_lng = NULL, fix_accuracy_m = NULL, fix_heading = NULL, \
         fix_speed_mps = NULL, fix_at = NULL WHERE id = $1",
    )
    .bind(job_id)
    .execute(&mut **tx)
    .await?;
    match trail {
        Trail::Purge => {
            sqlx::query("DELETE FROM job_fixes WHERE job_id = $1")
                .bind(job_id)
                .execute(&mut **tx)
                .await?;
        }
        Trail::Coarse => {
            let rows: Vec<(i64, Timestamp)> =
                sqlx::query_as("SELECT id, at FROM job_fixes WHERE job_id = $1 ORDER BY at, id")
                    .bind(job_id)
                    .fetch_all(&mut **tx)
                    .await?;
            let times: Vec<Timestamp> = rows.iter().map(|r| r.1).collect();
            let keep = coarse_trail(&times, COARSE_EVERY_MS);
            let mut keep = keep.into_iter().peekable();
            for (i, (id, _)) in rows.iter().enumerate() {
                if keep.peek() == Some(&i) {
                    keep.next();
                    continue;
                }
                sqlx::query("DELETE FROM job_fixes WHERE id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Every unfinished job (the newest `MAP_LIMIT`), with its stored fix.
pub async fn map_rows(db: &Db) -> Result<Vec<MapRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT j.id, j.status, j.category, j.locality, j.lat, j.lng, \
             COALESCE(p.display_name, m.name) AS mechanic, j.fix_lat, j.fix_lng, j.fix_accuracy_m, \
             j.fix_heading, j.fix_speed_mps, j.fix_at \
             FROM jobs j LEFT JOIN users m ON m.id = j.mechanic_id \
             LEFT JOIN mechanic_profiles p ON p.user_id = j.mechanic_id \
             WHERE j.status NOT IN ($1, $2) ORDER BY j.created_at DESC LIMIT {MAP_LIMIT}"
    ))
    .bind(JobStatus::Completed.as_str())
    .bind(JobStatus::Cancelled.as_str())
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_split_into_few_statement_sizes_that_cover_every_row() {
        assert_eq!(chunk_sizes(0), Vec::<usize>::new());
        assert_eq!(chunk_sizes(300), vec![256, 32, 8, 4]);
        for n in 0..1_500 {
            let sizes = chunk_sizes(n);
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(sizes.iter().all(|s| CHUNKS.contains(s)));
            // Below the largest size, each size at most once.
            let small: Vec<_> = sizes.iter().filter(|s| **s < CHUNKS[0]).collect();
            let mut unique = small.clone();
            unique.dedup();
            assert_eq!(small, unique, "{n}");
        }
    }

    #[test]
    fn each_row_of_a_multi_row_insert_has_its_own_placeholders() {
        let (sql, statuses) = history_insert(2);
        assert!(
            sql.contains("VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)"),
            "{sql}"
        );
        assert!(sql.contains("status IN ($11"), "{sql}");
        assert!(!statuses.is_empty());
    }
}
