//! A job in a list, and its status as a coloured pill.

use crate::{
    domain::{
        geo::distance_words,
        job::{JobStatus, JobSummary},
    },
    ui::parts::{
        chat::UnreadBadge,
        local_time::{LocalClock, urgency_words},
    },
};
use leptos::prelude::*;

/// A job in a list, linking to its page under `href_base`.
#[component]
pub fn JobCard(job: JobSummary, href_base: &'static str) -> impl IntoView {
    let mut facts = vec![job.locality.clone()];
    if let Some(d) = job.distance_km {
        facts.push(format!("{} away", distance_words(d)));
    }
    let urgency = job.urgency;
    let quotes = job
        .live_quotes
        .filter(|_| job.status.is_open())
        .map(|n| match n {
            0 => "No quotes yet".to_owned(),
            1 => "1 quote to compare".to_owned(),
            n => format!("{n} quotes to compare"),
        });
    view! {
        <li class="job-card">
            <a href=format!("{href_base}/{}", job.id)>
                <span class="job-card-head">
                    <strong>{job.category.label()}</strong>
                    <StatusPill status=job.status />
                    <UnreadBadge job=job.id.to_string() />
                </span>
                <span>{job.vehicle.clone()}</span>
                <span class="muted">
                    {move || {
                        let mut facts = facts.clone();
                        facts.push(urgency_words(urgency, LocalClock::local()));
                        facts.join(" · ")
                    }}
                </span>
                {quotes.map(|q| view! { <span class="quotes-count">{q}</span> })}
                {job.my_quote.map(|m| view! { <span class="quotes-count">"You quoted " {m.to_string()}</span> })}
            </a>
        </li>
    }
}

#[component]
pub fn StatusPill(status: JobStatus) -> impl IntoView {
    let class = match status {
        JobStatus::Completed => "badge ok",
        JobStatus::Cancelled => "badge stopped",
        s if s.is_open() => "badge pending",
        _ => "badge active",
    };
    view! { <span class=class data-status=status.as_str()>{status.label()}</span> }
}
