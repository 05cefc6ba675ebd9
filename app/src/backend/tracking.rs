//! The booked mechanic's position on the server: fixes are checked and
//! delivered from memory at once, and written in batches (one transaction
//! a second at most), so the write path is not bound by commit rate.
//!
//! Who may post is read from the job row and remembered for a few seconds;
//! every write repeats the check in SQL, so a fix that raced the end of
//! its job is never stored.

use super::{
    Db,
    live::Hub,
    routing::EtaSource,
    sessions::CurrentUser,
    store::{
        self,
        fixes::{self, Batch, Trail, stored_fix},
    },
};
use crate::domain::Timestamp;
use crate::domain::{
    AppError, JobId, UserId,
    access::{self, Action},
    admin::MapJob,
    geo::GeoPoint,
    job::{Actor, JobStatus, JobView, Location},
    live::{Audience, EtaData, EventName, LiveEvent, PositionData},
    tracking::{DistanceModel, Eta, Fix, RawFix, check_fix},
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::Notify;

/// How long a job's "who may post" is trusted before it is read again. A
/// job that ends in this process is forgotten at once; one that ends in
/// another instance is noticed within this.
const RECHECK_AFTER_MS: i64 = 5_000;
/// Fixes are written at most this often.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// A routing service is asked about one job at most this often; between
/// answers its estimate is scaled by how much closer the mechanic is.
const ROUTE_EVERY_MS: i64 = 30_000;

/// What the tracker remembers of one job.
struct Tracked {
    customer_id: UserId,
    mechanic_id: Option<UserId>,
    status: JobStatus,
    destination: GeoPoint,
    checked_at: Timestamp,
    fix: Option<Fix>,
    told_eta: Option<Eta>,
    /// The routing service's last answer, and the straight-line km it was for.
    routed: Option<(Eta, f64)>,
    /// When the routing service was last asked about this job.
    asked_at: Option<Timestamp>,
}

impl Tracked {
    fn estimate(&self, model: &DistanceModel, from: GeoPoint) -> Eta {
        match self.routed {
            Some((eta, straight_km)) if straight_km > 0.05 => {
                let scale = from.distance_km(self.destination) / straight_km;
                Eta {
                    seconds: (eta.seconds as f64 * scale).round() as i64,
                    distance_km: eta.distance_km * scale,
                }
            }
            _ => model.estimate(from, self.destination),
        }
    }
}

#[derive(Clone)]
pub struct Tracker {
    inner: Arc<Inner>,
}

struct Inner {
    jobs: Mutex<HashMap<JobId, Tracked>>,
    queue: Mutex<Vec<(JobId, Fix)>>,
    queued: Notify,
    model: DistanceModel,
    /// A routing service, when one is set; the model stands in when it fails.
    routing: Option<Arc<dyn EtaSource>>,
    trail: Trail,
}

impl Tracker {
    pub fn new(model: DistanceModel, routing: Option<Arc<dyn EtaSource>>, trail: Trail) -> Self {
        Self {
            inner: Arc::new(Inner {
                jobs: Mutex::new(HashMap::new()),
                queue: Mutex::new(Vec::new()),
                queued: Notify::new(),
                model,
                routing,
                trail,
            }),
        }
    }

    pub fn trail(&self) -> Trail {
        self.inner.trail
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, HashMap<JobId, Tracked>> {
        self.inner.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks and delivers one fix from `user` for `job_id`; it is written
    /// with the next batch. Answers the estimate to the customer.
    // Debug, not info: fixes arrive every few seconds per driving mechanic,
    // too many for the log or an exported trace of their own.
    #[tracing::instrument(level = "debug", skip_all, fields(user = %user.id, job = %job_id))]
    pub async fn post(
        &self,
        db: &Db,
        hub: &Hub,
        user: &CurrentUser,
        job_id: &JobId,
        raw: RawFix,
        now: Timestamp,
    ) -> Result<Eta, AppError> {
        let fresh = self
            .jobs()
            .get(job_id)
            .is_some_and(|t| now - t.checked_at < RECHECK_AFTER_MS);
        if !fresh {
            self.load(db, job_id, now).await?;
        }
        let (fix, eta, eta_moved, audience, ask) = {
            let mut jobs = self.jobs();
            let t = jobs.get(job_id).ok_or(AppError::NotFound)?;
            // The job as cached here knows only who is booked; anyone else
            // stands to it no better than a mechanic who is not.
            let actor = if t.mechanic_id.as_deref() == Some(user.id.as_str()) {
                Actor::AssignedMechanic
            } else {
                Actor::QuotingMechanic
            };
            let refusal = access::rule(actor, Action::ShareLocation, t.status).err();
            if let Some(e) = refusal {
                // Only jobs being shared are remembered: a booking or a
                // start made meanwhile is seen on the next try.
                if !t.status.shares_location() {
                    jobs.remove(job_id);
                }
                return Err(e);
            }
            let t = jobs.get_mut(job_id).ok_or(AppError::NotFound)?;
            let fix = check_fix(raw, t.fix.as_ref(), now)?;
            let here = fix.point().unwrap_or(t.destination);
            let eta = t.estimate(&self.inner.model, here);
            let moved = eta.moved_from(t.told_eta.as_ref());
            let ask = (self.inner.routing.is_some()
                && t.asked_at.is_none_or(|a| now - a >= ROUTE_EVERY_MS))
            .then_some((here, t.destination));
            if ask.is_some() {
                t.asked_at = Some(now);
            }
            t.fix = Some(fix);
            if moved {
                t.told_eta = Some(eta);
            }
            let audience = Audience {
                customer_id: t.customer_id.clone(),
                // The mechanic knows where they are; the customer and admins are told.
                mechanic_id: None,
                nearby: None,
            };
            (fix, eta, moved, audience, ask)
        };
        self.inner
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((job_id.clone(), fix));
        self.inner.queued.notify_one();
        let position = PositionData {
            job: job_id.clone(),
            fix,
        };
        hub.publish_ephemeral(LiveEvent {
            id: None,
            name: EventName::JobLocationUpdated,
            job_id: job_id.clone(),
            data: serde_json::to_string(&position).map_err(|_| AppError::Internal)?,
            audience: audience.clone(),
        });
        if eta_moved {
            publish_eta(hub, job_id, eta, audience.clone());
        }
        // Only now: the routed answer must reach the customer after the
        // distance estimate it replaces, never before (it did, now and
        // then, when the route came back first and the older, cruder
        // estimate then overwrote it on the customer's page).
        if let Some((from, to)) = ask {
            self.ask_route(hub.clone(), job_id.clone(), from, to, audience);
        }
        Ok(eta)
    }

    /// Asks the routing service in the background; its answer replaces the
    /// estimate (and is told if it moved by a minute). On failure the
    /// distance model goes on standing in.
    fn ask_route(&self, hub: Hub, job_id: JobId, from: GeoPoint, to: GeoPoint, audience: Audience) {
        let Some(routing) = self.inner.routing.clone() else {
            return;
        };
        let tracker = self.clone();
        tokio::spawn(async move {
            let routed = match routing.estimate(from, to).await {
                Ok(eta) => eta,
                Err(e) => {
                    tracing::warn!(error = %e, job = %job_id, "routing service failed; using the distance estimate");
                    return;
                }
            };
            let told = {
                let mut jobs = tracker.jobs();
                let Some(t) = jobs.get_mut(&job_id) else {
                    return;
                };
                t.routed = Some((routed, from.distance_km(to)));
                let here = t.fix.and_then(|f| f.point()).unwrap_or(from);
                let eta = t.estimate(&tracker.inner.model, here);
                let moved = eta.moved_from(t.told_eta.as_ref());
                if moved {
                    t.told_eta = Some(eta);
                }
                moved.then_some(eta)
            };
            if let Some(eta) = told {
                publish_eta(&hub, &job_id, eta, audience);
            }
        });
    }

    /// Reads who may post for `job_id` and its stored fix (after a restart,
    /// the speed filter starts from it).
    async fn load(&self, db: &Db, job_id: &JobId, now: Timestamp) -> Result<(), AppError> {
        let job = store::jobs::row(db, job_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let stored = stored_fix(db, job_id).await?;
        let (status, destination) = (job.status, job.point()?);
        let mut jobs = self.jobs();
        let (remembered, told_eta, routed, asked_at) =
            jobs.remove(job_id).map_or((None, None, None, None), |t| {
                (t.fix, t.told_eta, t.routed, t.asked_at)
            });
        // Another instance may have stored a newer fix than this one remembers.
        let fix = Fix::newest(remembered, stored);
        jobs.insert(
            job_id.clone(),
            Tracked {
                customer_id: job.customer_id,
                mechanic_id: job.mechanic_id,
                status,
                destination,
                checked_at: now,
                fix,
                told_eta,
                routed,
                asked_at,
            },
        );
        Ok(())
    }

    /// The job changed status (in this process): read it again next time,
    /// and drop what was remembered once it has ended.
    pub fn job_changed(&self, job_id: &JobId, to: JobStatus) {
        let mut jobs = self.jobs();
        if to.shares_location() {
            if let Some(t) = jobs.get_mut(job_id) {
                t.checked_at = Timestamp::EPOCH;
            }
        } else {
            jobs.remove(job_id);
        }
    }

    /// Fills in the mechanic's position and the estimate, for viewers who
    /// may see them, while the job is on its way or under way.
    pub async fn attach(&self, db: &Db, view: &mut JobView) -> Result<(), AppError> {
        let may_see = matches!(
            view.viewer,
            Actor::Customer | Actor::AssignedMechanic | Actor::Admin
        );
        let Location::Exact { lat, lng, .. } = view.location else {
            return Ok(());
        };
        if !may_see || !view.status.shares_location() {
            return Ok(());
        }
        // Memory first: it is newer than the table, and knows a routed estimate.
        let remembered = self.jobs().get(view.id.as_str()).and_then(|t| {
            let f = t.fix?;
            Some((f, t.estimate(&self.inner.model, f.point()?)))
        });
        let (fix, eta) = match remembered {
            Some((f, eta)) => (Some(f), Some(eta)),
            None => {
                let f = stored_fix(db, &view.id).await?;
                let to = GeoPoint::new(lat, lng);
                let eta = f
                    .and_then(|f| f.point())
                    .zip(to)
                    .map(|(from, to)| self.inner.model.estimate(from, to));
                (f, eta)
            }
        };
        view.position = fix;
        view.eta = eta.filter(|_| fix.is_some());
        Ok(())
    }

    /// Every unfinished job (the newest 500), with its mechanic's latest
    /// position while they share it (`positions`: live tracking is on): the
    /// admin's live map.
    pub async fn map(&self, db: &Db, positions: bool) -> Result<Vec<MapJob>, AppError> {
        let rows = fixes::map_rows(db).await?;
        let jobs = self.jobs();
        rows.into_iter()
            .map(|r| {
                let status = r.status;
                let stored = r.fix.fix();
                let remembered = jobs.get(&r.id).and_then(|t| t.fix);
                let position = Fix::newest(remembered, stored)
                    .filter(|_| positions && status.shares_location());
                Ok(MapJob {
                    status,
                    category: r.category,
                    locality: r.locality,
                    at: GeoPoint::new(r.lat, r.lng).ok_or(AppError::Internal)?,
                    mechanic: r.mechanic,
                    position,
                    id: r.id,
                })
            })
            .collect()
    }

    /// Writes queued fixes every `FLUSH_EVERY` while there are any.
    pub fn start_writing(&self, db: Db) {
        let tracker = self.clone();
        tokio::spawn(async move {
            loop {
                tracker.inner.queued.notified().await;
                if let Err(e) = tracker.flush(&db).await {
                    tracing::warn!(error = %e, "could not store positions; retrying");
                }
                tokio::time::sleep(FLUSH_EVERY).await;
            }
        });
    }

    /// Writes every queued fix in one transaction: the history rows, and
    /// each job's newest fix on the job. Answers how many fixes it wrote.
    pub async fn flush(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let queued =
            std::mem::take(&mut *self.inner.queue.lock().unwrap_or_else(|p| p.into_inner()));
        if queued.is_empty() {
            return Ok(0);
        }
        let batch = Batch::of(&queued);
        let written = batch.history.len();
        let result = fixes::write(db, &batch).await;
        drop(batch);
        if result.is_err() {
            // Put them back in front of what came meanwhile: nothing is lost to a busy database.
            let mut queue = self.inner.queue.lock().unwrap_or_else(|p| p.into_inner());
            let newer = std::mem::replace(&mut *queue, queued);
            queue.extend(newer);
            self.inner.queued.notify_one();
        }
        result.map(|()| written)
    }
}

fn publish_eta(hub: &Hub, job_id: &JobId, eta: Eta, audience: Audience) {
    let data = EtaData {
        job: job_id.clone(),
        eta,
    };
    match serde_json::to_string(&data) {
        Ok(data) => hub.publish_ephemeral(LiveEvent {
            id: None,
            name: EventName::JobEtaUpdated,
            job_id: job_id.clone(),
            data,
            audience,
        }),
        Err(e) => tracing::error!(error = %e, "unprintable estimate"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(at: i64) -> Fix {
        Fix {
            lat: 51.5,
            lng: -0.12,
            accuracy_m: 10.0,
            heading: None,
            speed_mps: None,
            at: Timestamp::from_millis(at),
        }
    }

    #[test]
    fn a_batch_keeps_every_fix_for_history_and_the_newest_per_job() {
        let fixes = vec![
            (JobId::from("j2"), fix(5)),
            (JobId::from("j1"), fix(1)),
            (JobId::from("j1"), fix(3)),
            (JobId::from("j1"), fix(2)),
        ];
        let batch = Batch::of(&fixes);
        assert_eq!(batch.history.len(), 4);
        assert_eq!(batch.latest, vec![("j1", fix(3)), ("j2", fix(5))]);
    }

    #[test]
    fn trails_are_named_in_settings() {
        assert_eq!(Trail::parse("purge"), Some(Trail::Purge));
        assert_eq!(Trail::parse(" coarse "), Some(Trail::Coarse));
        assert_eq!(Trail::parse("keep"), None);
    }
}
