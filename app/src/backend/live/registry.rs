//! The open streams, indexed so an event costs work only for its recipients.

use super::STREAMS_PER_USER;
use crate::domain::live::{LiveEvent, StreamFilter, Watcher};
use crate::domain::{JobId, UserId};
use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::Arc,
};
use tokio::sync::{
    Notify,
    mpsc::{self, error::TrySendError},
};

pub(super) struct Subscriber {
    pub(super) filter: StreamFilter,
    pub(super) owner: UserId,
    pub(super) sender: mpsc::Sender<Arc<LiveEvent>>,
    pub(super) recheck: Arc<Notify>,
}

/// The open streams, indexed by who may receive what, so an event costs
/// work for its recipients only, not for every stream in the process.
#[derive(Default)]
pub(super) struct Registry {
    pub(super) next_key: u64,
    pub(super) subs: HashMap<u64, Subscriber>,
    /// Customers' and mechanics' streams, by user id.
    pub(super) by_user: HashMap<UserId, HashSet<u64>>,
    /// Admins' streams of everything.
    pub(super) admins: HashSet<u64>,
    /// Admins' streams of one job (`?job=`): a live map of 500 jobs opens
    /// 500 of them, and each job's event is theirs to check, not all 500's.
    pub(super) admins_of_job: HashMap<JobId, HashSet<u64>>,
    /// Mechanics who may be offered new jobs near them.
    pub(super) reaching: HashSet<u64>,
    /// Every stream by the user who opened it, oldest (smallest key) first.
    pub(super) owned: HashMap<UserId, BTreeSet<u64>>,
    /// Shutting down: no new subscribers.
    pub(super) closed: bool,
}

impl Registry {
    pub(super) fn add(
        &mut self,
        filter: StreamFilter,
        owner: &UserId,
        sender: mpsc::Sender<Arc<LiveEvent>>,
        recheck: Arc<Notify>,
    ) -> u64 {
        self.next_key += 1;
        let key = self.next_key;
        if self.closed {
            return key; // the sender is dropped: the stream ends at once
        }
        let mine = self.owned.entry(owner.to_owned()).or_default();
        let excess = (mine.len() + 1).saturating_sub(STREAMS_PER_USER);
        let oldest: Vec<u64> = mine.iter().take(excess).copied().collect();
        for old in oldest {
            self.remove(old);
        }
        self.owned.entry(owner.to_owned()).or_default().insert(key);
        match &filter.watcher {
            Watcher::Everything | Watcher::Admin => match &filter.job {
                Some(job) => {
                    self.admins_of_job
                        .entry(job.clone())
                        .or_default()
                        .insert(key);
                }
                None => {
                    self.admins.insert(key);
                }
            },
            Watcher::Customer { id } => {
                self.by_user.entry(id.clone()).or_default().insert(key);
            }
            Watcher::Mechanic { id, reach } => {
                self.by_user.entry(id.clone()).or_default().insert(key);
                if reach.is_some() {
                    self.reaching.insert(key);
                }
            }
        }
        self.subs.insert(
            key,
            Subscriber {
                filter,
                owner: owner.to_owned(),
                sender,
                recheck,
            },
        );
        key
    }

    pub(super) fn remove(&mut self, key: u64) {
        let Some(sub) = self.subs.remove(&key) else {
            return;
        };
        self.admins.remove(&key);
        if let Some(job) = &sub.filter.job
            && let Some(keys) = self.admins_of_job.get_mut(job)
        {
            keys.remove(&key);
            if keys.is_empty() {
                self.admins_of_job.remove(job);
            }
        }
        self.reaching.remove(&key);
        if let Some(keys) = self.owned.get_mut(&sub.owner) {
            keys.remove(&key);
            if keys.is_empty() {
                self.owned.remove(&sub.owner);
            }
        }
        if let Watcher::Customer { id } | Watcher::Mechanic { id, .. } = &sub.filter.watcher
            && let Some(keys) = self.by_user.get_mut(id)
        {
            keys.remove(&key);
            if keys.is_empty() {
                self.by_user.remove(id);
            }
        }
    }

    /// Queues `e` on every stream that may see it; a stream whose queue is
    /// full is dropped from the hub (its sender goes, so it ends once it
    /// has read what it has). Returns how many streams got it.
    pub(super) fn dispatch(&mut self, e: &Arc<LiveEvent>) -> usize {
        let mut keys: Vec<u64> = self.admins.iter().copied().collect();
        if let Some(k) = self.admins_of_job.get(&e.job_id) {
            keys.extend(k);
        }
        let users = [
            Some(&e.audience.customer_id),
            e.audience.mechanic_id.as_ref(),
        ];
        for user in users.into_iter().flatten() {
            if let Some(k) = self.by_user.get(user) {
                keys.extend(k);
            }
        }
        if e.audience.nearby.is_some() {
            keys.extend(&self.reaching);
        }
        keys.sort_unstable();
        keys.dedup();
        let mut sent = 0;
        let mut gone = Vec::new();
        for key in keys {
            let Some(sub) = self.subs.get(&key) else {
                continue;
            };
            if !sub.filter.passes(e) {
                continue;
            }
            match sub.sender.try_send(e.clone()) {
                Ok(()) => sent += 1,
                Err(TrySendError::Full(_)) => {
                    tracing::info!(
                        "dropping a stream that fell behind; it will catch up by replay"
                    );
                    gone.push(key);
                }
                Err(TrySendError::Closed(_)) => gone.push(key),
            }
        }
        for key in gone {
            self.remove(key);
        }
        metrics::counter!("curbside_events_delivered_total").increment(sent as u64);
        sent
    }
}
