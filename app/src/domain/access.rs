//! Who may do what to a job: the one table every flow asks, through
//! `backend::access::require`. How a caller stands to a job (its
//! [`Actor`]) is worked out there, from the job and the caller's quotes;
//! what each standing may do is decided here, and only here.

use super::{
    AppError,
    job::{Actor, JobStatus, Via},
    photo::PhotoKind,
};

/// What a caller asks to do with one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Its page and its API answers.
    See,
    /// Its live event stream.
    Follow,
    /// Send or revise a quote.
    Quote,
    /// Accept one of its quotes (and pay).
    Accept,
    /// Move it to another status with a button.
    Move(JobStatus),
    /// Add a photo of this kind.
    AddPhoto(PhotoKind),
    /// See its photos of this kind.
    SeePhoto(PhotoKind),
    /// Read a conversation about it.
    ReadChat,
    /// Write in a conversation about it.
    WriteChat,
    /// Share the phone's position on the way there.
    ShareLocation,
}

/// Whether `actor` may do `action` to a job in `status`, and if not, the
/// error they get. "Not found" wherever an answer would give away what the
/// caller may not see.
pub fn rule(actor: Actor, action: Action, status: JobStatus) -> Result<(), AppError> {
    use Actor::*;
    match action {
        Action::See | Action::ReadChat => Ok(()),
        // Out of the running: the job's outline and their quote's fate only.
        Action::Follow => match actor {
            FormerQuoter => Err(AppError::NotFound),
            _ => Ok(()),
        },
        Action::Quote => match actor {
            QuotingMechanic if status.is_open() => Ok(()),
            QuotingMechanic => Err(AppError::conflict("This job is no longer taking quotes.")),
            _ => Err(AppError::NotFound),
        },
        // Whether the quote can still be taken is the quote's own question.
        Action::Accept => match actor {
            Customer => Ok(()),
            _ => Err(AppError::NotFound),
        },
        Action::Move(to) => status.check_move(to, actor, Via::Button),
        Action::AddPhoto(kind) => may_add_photo(actor, kind, status),
        // A mechanic deciding whether to quote sees the problem, not the work.
        Action::SeePhoto(kind) => match actor {
            FormerQuoter => Err(AppError::NotFound),
            QuotingMechanic if kind != PhotoKind::Problem => Err(AppError::NotFound),
            _ => Ok(()),
        },
        // Admins read conversations; only the two parties write in them.
        // Whether this one is still open is the conversation's question.
        Action::WriteChat => match actor {
            Admin => Err(AppError::Forbidden),
            _ => Ok(()),
        },
        // Anyone but the booked mechanic: the same answer as a job that is not there.
        Action::ShareLocation => match actor {
            AssignedMechanic if status.shares_location() => Ok(()),
            AssignedMechanic => Err(AppError::conflict(
                "Your location is shared only while you are on your way to the job, there, or working on it. Tap \u{201c}I'm on my way\u{201d} first.",
            )),
            _ => Err(AppError::NotFound),
        },
    }
}

/// Who adds what: the customer photos of the problem (until the job
/// ends), the booked mechanic photos of the work (until it is cancelled;
/// "after" photos often follow completion).
fn may_add_photo(actor: Actor, kind: PhotoKind, status: JobStatus) -> Result<(), AppError> {
    match actor {
        Actor::Customer if kind != PhotoKind::Problem => Err(AppError::invalid(
            "kind",
            "Your photos show the problem; before, after, diagnostic and parts photos are the mechanic's.",
        )),
        Actor::Customer if matches!(status, JobStatus::Completed | JobStatus::Cancelled) => Err(
            AppError::conflict("This job has ended, so no more photos can be added."),
        ),
        Actor::Customer => Ok(()),
        Actor::AssignedMechanic if kind == PhotoKind::Problem => Err(AppError::invalid(
            "kind",
            "Choose what your photo shows: before, diagnostic, parts or after.",
        )),
        Actor::AssignedMechanic if status == JobStatus::Cancelled => Err(AppError::conflict(
            "This job was cancelled, so no more photos can be added.",
        )),
        Actor::AssignedMechanic => Ok(()),
        Actor::QuotingMechanic | Actor::FormerQuoter => Err(AppError::conflict(
            "You can add photos once the customer books you for this job.",
        )),
        Actor::Admin => Err(AppError::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use JobStatus::*;

    const EVERYONE: [Actor; 5] = [
        Customer,
        QuotingMechanic,
        AssignedMechanic,
        FormerQuoter,
        Admin,
    ];

    fn allowed(action: Action, status: JobStatus) -> Vec<Actor> {
        EVERYONE
            .into_iter()
            .filter(|a| rule(*a, action, status).is_ok())
            .collect()
    }

    #[test]
    fn everyone_who_stands_to_a_job_sees_it_and_reads_its_conversations() {
        for status in [
            Requested, Quoted, Accepted, EnRoute, Arrived, InProgress, Completed, Cancelled,
        ] {
            assert_eq!(allowed(Action::See, status), EVERYONE);
            assert_eq!(allowed(Action::ReadChat, status), EVERYONE);
        }
    }

    #[test]
    fn a_mechanic_out_of_the_running_no_longer_follows_the_job() {
        assert_eq!(
            allowed(Action::Follow, EnRoute),
            [Customer, QuotingMechanic, AssignedMechanic, Admin]
        );
        assert_eq!(
            rule(FormerQuoter, Action::Follow, Accepted),
            Err(AppError::NotFound)
        );
    }

    #[test]
    fn only_a_mechanic_in_reach_quotes_and_only_while_the_job_is_open() {
        assert_eq!(allowed(Action::Quote, Requested), [QuotingMechanic]);
        assert_eq!(allowed(Action::Quote, Quoted), [QuotingMechanic]);
        assert!(allowed(Action::Quote, Accepted).is_empty());
        assert!(matches!(
            rule(QuotingMechanic, Action::Quote, Accepted),
            Err(AppError::Conflict { .. })
        ));
        // The others are not told the job exists.
        assert_eq!(
            rule(Customer, Action::Quote, Quoted),
            Err(AppError::NotFound)
        );
        assert_eq!(rule(Admin, Action::Quote, Quoted), Err(AppError::NotFound));
    }

    #[test]
    fn only_the_customer_accepts_a_quote() {
        assert_eq!(allowed(Action::Accept, Quoted), [Customer]);
        assert_eq!(rule(Admin, Action::Accept, Quoted), Err(AppError::NotFound));
    }

    #[test]
    fn status_moves_follow_the_jobs_own_table() {
        assert_eq!(allowed(Action::Move(EnRoute), Accepted), [AssignedMechanic]);
        assert_eq!(
            allowed(Action::Move(Cancelled), Accepted),
            [Customer, Admin]
        );
        assert_eq!(
            rule(FormerQuoter, Action::Move(EnRoute), Accepted),
            Err(AppError::Forbidden)
        );
    }

    #[test]
    fn the_customer_adds_problem_photos_and_the_booked_mechanic_the_works() {
        assert_eq!(
            allowed(Action::AddPhoto(PhotoKind::Problem), Quoted),
            [Customer]
        );
        assert_eq!(
            allowed(Action::AddPhoto(PhotoKind::After), Completed),
            [AssignedMechanic]
        );
        assert!(allowed(Action::AddPhoto(PhotoKind::Problem), Completed).is_empty());
        assert!(allowed(Action::AddPhoto(PhotoKind::After), Cancelled).is_empty());
        assert_eq!(
            rule(Admin, Action::AddPhoto(PhotoKind::Problem), Accepted),
            Err(AppError::Forbidden)
        );
        assert!(matches!(
            rule(Customer, Action::AddPhoto(PhotoKind::Before), Accepted),
            Err(AppError::Invalid { .. })
        ));
    }

    #[test]
    fn a_quoting_mechanic_sees_the_problem_photos_only() {
        assert_eq!(
            allowed(Action::SeePhoto(PhotoKind::Problem), Quoted),
            [Customer, QuotingMechanic, AssignedMechanic, Admin]
        );
        assert_eq!(
            allowed(Action::SeePhoto(PhotoKind::Parts), Accepted),
            [Customer, AssignedMechanic, Admin]
        );
    }

    #[test]
    fn only_the_booked_mechanic_shares_a_position_and_only_on_the_way_or_there() {
        for status in [EnRoute, Arrived, InProgress] {
            assert_eq!(allowed(Action::ShareLocation, status), [AssignedMechanic]);
        }
        for status in [Requested, Quoted, Accepted, Completed, Cancelled] {
            assert!(allowed(Action::ShareLocation, status).is_empty());
        }
        assert!(matches!(
            rule(AssignedMechanic, Action::ShareLocation, Accepted),
            Err(AppError::Conflict { .. })
        ));
        assert_eq!(
            rule(Customer, Action::ShareLocation, EnRoute),
            Err(AppError::NotFound)
        );
    }

    #[test]
    fn admins_read_conversations_and_never_write_in_them() {
        assert_eq!(
            allowed(Action::WriteChat, Accepted),
            [Customer, QuotingMechanic, AssignedMechanic, FormerQuoter]
        );
        assert_eq!(
            rule(Admin, Action::WriteChat, Accepted),
            Err(AppError::Forbidden)
        );
    }
}
