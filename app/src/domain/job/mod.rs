//! A job: its status and who may move it where. The request form and what
//! each party sees of a job are in the submodules, re-exported here.

mod request;
mod view;

pub use request::*;
pub use view::*;

use super::AppError;
use crate::domain::text_enum::text_enum;
use std::fmt;

text_enum! {
    /// Where a job is in its life. See [`JobStatus::can_move`] for the table.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum JobStatus {
        Requested = "requested",
        Quoted = "quoted",
        Accepted = "accepted",
        EnRoute = "en_route",
        Arrived = "arrived",
        InProgress = "in_progress",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// Who is asking to move a job, relative to that job.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Actor {
        /// The customer who requested the job.
        Customer = "customer",
        /// A mechanic who may quote for it (approved, available, in range).
        QuotingMechanic = "quoting_mechanic",
        /// The mechanic whose quote was accepted.
        AssignedMechanic = "assigned_mechanic",
        /// A mechanic whose quote is out of the running (declined when
        /// another was booked, or withdrawn on a job they can no longer
        /// quote for): sees the job's outline and their quote's fate only,
        /// not its photos or its stream.
        FormerQuoter = "former_quoter",
        Admin = "admin",
    }
}

/// How a move happens: some are a button of their own, others only the
/// side effect of sending, withdrawing or accepting a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `update_job_status` (or `cancel_job` for cancellations).
    Button,
    /// Sending the first quote, or withdrawing the last.
    Quote,
    /// Accepting a quote.
    Accept,
}

/// The transition table: (from, to, who may, how). Nothing else is legal.
const TABLE: &[(JobStatus, JobStatus, &[Actor], Via)] = {
    use Actor::*;
    use JobStatus::*;
    const CANCELLERS: &[Actor] = &[Customer, Admin];
    &[
        (Requested, Quoted, &[QuotingMechanic], Via::Quote),
        (Quoted, Requested, &[QuotingMechanic], Via::Quote),
        (Quoted, Accepted, &[Customer], Via::Accept),
        (Accepted, EnRoute, &[AssignedMechanic], Via::Button),
        (EnRoute, Arrived, &[AssignedMechanic], Via::Button),
        (Arrived, InProgress, &[AssignedMechanic], Via::Button),
        (InProgress, Completed, &[AssignedMechanic], Via::Button),
        (Requested, Cancelled, CANCELLERS, Via::Button),
        (Quoted, Cancelled, CANCELLERS, Via::Button),
        (Accepted, Cancelled, CANCELLERS, Via::Button),
        (EnRoute, Cancelled, CANCELLERS, Via::Button),
        (Arrived, Cancelled, CANCELLERS, Via::Button),
    ]
};

impl JobStatus {
    /// What the customer reads.
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Requested => "Waiting for quotes",
            JobStatus::Quoted => "Quotes received",
            JobStatus::Accepted => "Mechanic booked",
            JobStatus::EnRoute => "Mechanic on the way",
            JobStatus::Arrived => "Mechanic arrived",
            JobStatus::InProgress => "Work in progress",
            JobStatus::Completed => "Completed",
            JobStatus::Cancelled => "Cancelled",
        }
    }

    /// The words on the button that makes this move.
    pub fn action_label(self) -> &'static str {
        match self {
            JobStatus::EnRoute => "I'm on my way",
            JobStatus::Arrived => "I've arrived",
            JobStatus::InProgress => "Start work",
            JobStatus::Completed => "Mark complete",
            JobStatus::Cancelled => "Cancel job",
            _ => self.label(),
        }
    }

    /// Open to quotes from nearby mechanics.
    pub fn is_open(self) -> bool {
        matches!(self, JobStatus::Requested | JobStatus::Quoted)
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Cancelled)
    }

    /// A mechanic is booked and the job has not finished.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            JobStatus::Accepted | JobStatus::EnRoute | JobStatus::Arrived | JobStatus::InProgress
        )
    }

    /// The booked mechanic shares their position: on the way, there, or working.
    pub fn shares_location(self) -> bool {
        matches!(
            self,
            JobStatus::EnRoute | JobStatus::Arrived | JobStatus::InProgress
        )
    }

    fn rule(self, to: JobStatus) -> Option<(&'static [Actor], Via)> {
        TABLE
            .iter()
            .find(|(f, t, _, _)| *f == self && *t == to)
            .map(|(_, _, who, via)| (*who, *via))
    }

    /// Whether `actor` may move a job from `self` to `to` by `via`.
    pub fn can_move(self, to: JobStatus, actor: Actor, via: Via) -> bool {
        self.rule(to)
            .is_some_and(|(who, how)| how == via && who.contains(&actor))
    }

    /// Checks a move asked for by `actor`, explaining a refusal in words.
    pub fn check_move(self, to: JobStatus, actor: Actor, via: Via) -> Result<(), AppError> {
        // Someone who never makes a move this way (a mechanic whose quote
        // was declined) is refused before being told anything of the job.
        if !TABLE
            .iter()
            .any(|(_, _, who, how)| *how == via && who.contains(&actor))
        {
            return Err(AppError::Forbidden);
        }
        match self.rule(to) {
            Some((who, how)) if how == via && who.contains(&actor) => Ok(()),
            Some((_, Via::Accept)) => Err(AppError::conflict(
                "A job is booked by accepting one of its quotes.",
            )),
            Some((_, Via::Quote)) => Err(AppError::conflict(
                "That happens when a mechanic sends or withdraws a quote.",
            )),
            Some(_) => Err(AppError::Forbidden),
            None if self == to => Err(AppError::conflict(format!(
                "This job is already at \"{}\".",
                self.label()
            ))),
            None if to == JobStatus::Cancelled => Err(AppError::conflict(
                "A job can no longer be cancelled once work has started.",
            )),
            None => Err(AppError::conflict(format!(
                "This job is at \"{}\", so it cannot move to \"{}\".",
                self.label(),
                to.label()
            ))),
        }
    }

    /// The one-tap buttons `actor` gets on a job in this status.
    pub fn buttons_for(self, actor: Actor) -> Vec<JobStatus> {
        TABLE
            .iter()
            .filter(|(f, _, who, via)| *f == self && *via == Via::Button && who.contains(&actor))
            .map(|(_, t, _, _)| *t)
            .collect()
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use JobStatus::*;

    const VIAS: [Via; 3] = [Via::Button, Via::Quote, Via::Accept];

    /// The rules written out once more, longhand, to pin the table down.
    fn legal(from: JobStatus, to: JobStatus, actor: Actor, via: Via) -> bool {
        match (from, to) {
            (Requested, Quoted) | (Quoted, Requested) => {
                actor == QuotingMechanic && via == Via::Quote
            }
            (Quoted, Accepted) => actor == Customer && via == Via::Accept,
            (Accepted, EnRoute)
            | (EnRoute, Arrived)
            | (Arrived, InProgress)
            | (InProgress, Completed) => actor == AssignedMechanic && via == Via::Button,
            (Requested | Quoted | Accepted | EnRoute | Arrived, Cancelled) => {
                matches!(actor, Customer | Admin) && via == Via::Button
            }
            _ => false,
        }
    }

    #[test]
    fn every_move_by_every_actor_follows_the_table() {
        let mut legal_moves = 0;
        for from in JobStatus::ALL {
            for to in JobStatus::ALL {
                for actor in Actor::ALL {
                    for via in VIAS {
                        let expected = legal(from, to, actor, via);
                        assert_eq!(
                            from.can_move(to, actor, via),
                            expected,
                            "{from:?} -> {to:?} by {actor:?} via {via:?}"
                        );
                        assert_eq!(from.check_move(to, actor, via).is_ok(), expected);
                        legal_moves += usize::from(expected);
                    }
                }
            }
        }
        assert_eq!(legal_moves, 2 + 1 + 4 + 5 * 2);
    }

    #[test]
    fn refusals_explain_themselves() {
        let msg = |r: Result<(), AppError>| r.unwrap_err().to_string();
        assert!(
            msg(InProgress.check_move(Cancelled, Customer, Via::Button))
                .contains("work has started")
        );
        assert!(
            msg(Completed.check_move(Cancelled, Admin, Via::Button)).contains("work has started")
        );
        assert!(msg(Quoted.check_move(Accepted, Customer, Via::Button)).contains("accepting"));
        assert!(
            msg(EnRoute.check_move(EnRoute, AssignedMechanic, Via::Button)).contains("already")
        );
        assert!(
            msg(Requested.check_move(Completed, AssignedMechanic, Via::Button))
                .contains("cannot move")
        );
        assert_eq!(
            Accepted.check_move(EnRoute, Customer, Via::Button),
            Err(AppError::Forbidden)
        );
        // No move is theirs, so not even an illegal one is explained to them.
        assert_eq!(
            Accepted.check_move(Completed, FormerQuoter, Via::Button),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn buttons_are_exactly_the_legal_one_tap_moves() {
        assert_eq!(Accepted.buttons_for(AssignedMechanic), vec![EnRoute]);
        assert_eq!(Arrived.buttons_for(AssignedMechanic), vec![InProgress]);
        assert_eq!(Quoted.buttons_for(Customer), vec![Cancelled]);
        assert_eq!(InProgress.buttons_for(Customer), vec![]);
        assert_eq!(Requested.buttons_for(QuotingMechanic), vec![]);
        assert_eq!(Completed.buttons_for(Admin), vec![]);
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
        for a in Actor::ALL {
            assert_eq!(Actor::parse(a.as_str()), Some(a));
        }
    }
}
