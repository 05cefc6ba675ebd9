//! How often a typing notice is passed on: at most once every
//! `TYPING_EVERY_MS` per person and thread, so a chatty client cannot
//! flood the other party.

use crate::domain::{JobId, Timestamp, UserId, chat::TYPING_EVERY_MS};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// When each person last had a notice passed on, per thread (a job and its
/// mechanic). Kept in memory: a notice is worth nothing seconds later.
#[derive(Clone, Default)]
pub struct TypingGate {
    last: Arc<Mutex<HashMap<Typist, Timestamp>>>,
}

/// Someone typing in one thread.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Typist {
    who: UserId,
    job: JobId,
    mechanic: UserId,
}

impl TypingGate {
    /// Whether a notice from `who` in the thread of `job` with `mechanic`
    /// may go out at `now`.
    pub fn allow(&self, who: &UserId, job: &JobId, mechanic: &UserId, now: Timestamp) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() > 10_000 {
            last.retain(|_, at| now - *at < TYPING_EVERY_MS);
        }
        let key = Typist {
            who: who.clone(),
            job: job.clone(),
            mechanic: mechanic.clone(),
        };
        match last.get(&key) {
            Some(at) if now - *at < TYPING_EVERY_MS => false,
            _ => {
                last.insert(key, now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_notice_per_person_and_thread_every_three_seconds() {
        let gate = TypingGate::default();
        let (tom, dan, sam) = (
            UserId::from("tom"),
            UserId::from("dan"),
            UserId::from("sam"),
        );
        let job = JobId::from("j1");
        let t0 = Timestamp::from_millis(1_000_000);
        assert!(gate.allow(&tom, &job, &dan, t0));
        assert!(!gate.allow(&tom, &job, &dan, t0 + (TYPING_EVERY_MS - 1)));
        // The other party, and another thread of the job, have their own turn.
        assert!(gate.allow(&dan, &job, &dan, t0));
        assert!(gate.allow(&tom, &job, &sam, t0));
        assert!(gate.allow(&tom, &job, &dan, t0 + TYPING_EVERY_MS));
    }
}
