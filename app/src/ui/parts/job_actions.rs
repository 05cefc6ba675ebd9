//! The actions a job's page can take, shared by its parts.

use crate::{
    api::{
        jobs::{CancelJob, UpdateJobStatus},
        quotes::{AcceptQuote, SendQuote, WithdrawQuote},
    },
    domain::AppError,
};
use leptos::prelude::*;

/// Every action the page can take; each one reloads the job when it is done.
#[derive(Clone, Copy)]
pub struct Actions {
    pub accept: ServerAction<AcceptQuote>,
    pub cancel: ServerAction<CancelJob>,
    pub step: ServerAction<UpdateJobStatus>,
    pub send: ServerAction<SendQuote>,
    pub withdraw: ServerAction<WithdrawQuote>,
}

impl Actions {
    /// The latest failure of any action, for the line at the top of the page.
    pub fn error(self) -> Option<AppError> {
        [
            self.accept.value().get().and_then(|r| r.err()),
            self.cancel
                .value()
                .get()
                .and_then(|r| r.err())
                .filter(|e| e.for_field("reason").is_none()),
            self.step.value().get().and_then(|r| r.err()).filter(|e| {
                e.for_field("final_amount").is_none() && e.for_field("adjust_reason").is_none()
            }),
            self.withdraw.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}
