//! One job's page, for whoever may see it, and the job cards lists are made of.

use crate::{
    api::{
        jobs::{CancelJob, UpdateJobStatus, job as load_job},
        quotes::{AcceptQuote, SendQuote, WithdrawQuote},
    },
    domain::{
        Account, AppError, Role,
        geo::distance_words,
        job::{Actor, JobStatus, JobSummary, JobView, Location, TimelineEntry, Urgency},
        quote::{LineKind, NOTE_MAX_CHARS, QuoteStatus, QuoteView, minutes_words},
        time::format_utc,
    },
    ui::live::Live,
    ui::{
        forms::{Field, FormError, TextArea},
        mechanic::years_words,
        session::RequireSignIn,
        tracking::{Sharing, Tracking},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// A job in a list, linking to its page under `href_base`.
#[component]
pub fn JobCard(job: JobSummary, href_base: &'static str) -> impl IntoView {
    let mut facts = vec![job.locality.clone()];
    if let Some(d) = job.distance_km {
        facts.push(format!("{} away", distance_words(d)));
    }
    facts.push(urgency_words(job.urgency));
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
                </span>
                <span>{job.vehicle.clone()}</span>
                <span class="muted">{facts.join(" · ")}</span>
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

/// `As soon as possible`, or the window in UTC.
pub fn urgency_words(u: Urgency) -> String {
    match u {
        Urgency::Asap => "As soon as possible".to_owned(),
        Urgency::Window { start, end } => {
            format!(
                "{} – {}",
                format_utc(start).trim_end_matches(" UTC"),
                format_utc(end)
            )
        }
    }
}

/// Every action the page can take; each one reloads the job when it is done.
#[derive(Clone, Copy)]
struct Actions {
    accept: ServerAction<AcceptQuote>,
    cancel: ServerAction<CancelJob>,
    step: ServerAction<UpdateJobStatus>,
    send: ServerAction<SendQuote>,
    withdraw: ServerAction<WithdrawQuote>,
}

impl Actions {
    /// The latest failure of any action, for the line at the top of the page.
    fn error(self) -> Option<AppError> {
        [
            self.accept.value().get().and_then(|r| r.err()),
            self.cancel
                .value()
                .get()
                .and_then(|r| r.err())
                .filter(|e| e.for_field("reason").is_none()),
            self.step.value().get().and_then(|r| r.err()),
            self.withdraw.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = Actions {
        accept: ServerAction::new(),
        cancel: ServerAction::new(),
        step: ServerAction::new(),
        send: ServerAction::new(),
        withdraw: ServerAction::new(),
    };
    let changed = Live::get().job_version(id);
    let job = Resource::new(
        move || {
            (
                id(),
                changed.get(),
                actions.accept.version().get(),
                actions.cancel.version().get(),
                actions.step.version().get(),
                actions.send.version().get(),
                actions.withdraw.version().get(),
            )
        },
        |(id, ..)| load_job(id),
    );
    view! {
        <Title text="Job" />
        <section class="page narrow job-page">
            <RequireSignIn>
                <BackHome />
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match job.await {
                            Ok(j) => view! { <JobDetail job=j actions /> }.into_any(),
                            Err(AppError::NotFound) => view! {
                                <h1>"Job not found"</h1>
                                <p>"This job does not exist, or it is not one you can see."</p>
                            }.into_any(),
                            Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </RequireSignIn>
        </section>
    }
}

#[component]
fn BackHome() -> impl IntoView {
    let (href, text) = match expect_context::<Account>().role {
        Role::Admin => ("/admin/jobs", "All jobs"),
        role => (role.home(), role.area_name()),
    };
    view! { <p><a href=href>"← " {text}</a></p> }
}

#[component]
fn JobDetail(job: JobView, actions: Actions) -> impl IntoView {
    let j = job;
    let error = Signal::derive(move || actions.error());
    let buttons = j.status.buttons_for(j.viewer);
    let (steps, can_cancel): (Vec<_>, Vec<_>) = buttons
        .into_iter()
        .partition(|s| *s != JobStatus::Cancelled);
    let can_cancel = !can_cancel.is_empty();
    let vehicle = &j.vehicle;
    let vehicle_extra = [vehicle.colour.as_str(), vehicle.plate.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .fold(String::new(), |acc, s| format!("{acc} · {s}"));
    let booked = j
        .quotes
        .iter()
        .find(|q| q.status == QuoteStatus::Accepted)
        .cloned();
    view! {
        <div class="title-row">
            <h1>{j.category.label()}</h1>
            <StatusPill status=j.status />
        </div>
        <FormError error />
        {j.cancel_reason.clone().filter(|_| j.status == JobStatus::Cancelled).map(|r| view! {
            <div class="banner" role="status"><strong>"Cancelled: "</strong>{r}</div>
        })}
        {(!steps.is_empty()).then(|| view! { <StepButtons job_id=j.id.clone() steps step=actions.step /> })}
        {match (&j.location, j.status.shares_location(), j.viewer) {
            (Location::Exact { lat, lng, .. }, true, Actor::Customer | Actor::Admin) => Some(view! {
                <Tracking job_id=j.id.clone() car=(*lat, *lng) position=j.position eta=j.eta />
            }.into_any()),
            (Location::Exact { lat, lng, .. }, true, Actor::AssignedMechanic) => Some(view! {
                <Sharing job_id=j.id.clone() car=(*lat, *lng) />
            }.into_any()),
            _ => None,
        }}
        <dl class="details">
            <dt>"Vehicle"</dt>
            <dd>{vehicle.title()} <span class="muted">{vehicle_extra}</span></dd>
            <dt>"Problem"</dt>
            <dd class="prose">{j.description.clone()}</dd>
            <dt>"Where"</dt>
            <dd><Place location=j.location.clone() distance_km=j.distance_km /></dd>
            <dt>"When"</dt>
            <dd>{urgency_words(j.urgency)}</dd>
            {j.customer_name.clone().map(|n| view! { <dt>"Customer"</dt><dd>{n}</dd> })}
            <dt>"Requested"</dt>
            <dd>{format_utc(j.created_at)}</dd>
        </dl>
        {match j.viewer {
            Actor::Customer | Actor::Admin => view! {
                <CustomerQuotes job_open=j.status.is_open() quotes=j.quotes.clone() accept=actions.accept viewer=j.viewer />
            }.into_any(),
            Actor::QuotingMechanic => view! {
                <MechanicQuote job_id=j.id.clone() job_open=j.status.is_open() quotes=j.quotes.clone() actions />
            }.into_any(),
            Actor::AssignedMechanic => view! {
                {booked.map(|q| view! { <section><h2>"Your accepted quote"</h2><QuoteCard quote=q /></section> })}
            }.into_any(),
        }}
        {can_cancel.then(|| view! { <CancelForm job_id=j.id.clone() cancel=actions.cancel /> })}
        <Timeline entries=j.timeline.clone() />
    }
}

#[component]
fn Place(location: Location, distance_km: Option<f64>) -> impl IntoView {
    let distance = distance_km.map(|d| format!(" · {} from your base", distance_words(d)));
    match location {
        Location::Exact {
            lat,
            lng,
            address,
            locality,
        } => view! {
            {address}
            <span class="muted">" · " {locality} {distance}</span>
            <br />
            <a
                href=format!("https://www.openstreetmap.org/directions?to={lat}%2C{lng}")
                target="_blank"
                rel="noopener"
            >
                "Directions"
            </a>
        }
        .into_any(),
        Location::Approximate { locality, .. } => view! {
            "Near " {locality}
            <span class="muted">{distance}</span>
            <br />
            <span class="hint">"The exact address is shared once the customer books you."</span>
        }
        .into_any(),
    }
}

/// The booked mechanic's next steps, one tap each.
#[component]
fn StepButtons(
    job_id: String,
    steps: Vec<JobStatus>,
    step: ServerAction<UpdateJobStatus>,
) -> impl IntoView {
    view! {
        <div class="steps-bar">
            {steps
                .into_iter()
                .map(|s| {
                    let id = job_id.clone();
                    view! {
                    <ActionForm action=step>
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="status" value=s.as_str() />
                        <button type="submit" class="button wide" disabled=move || step.pending().get()>
                            {s.action_label()}
                        </button>
                    </ActionForm>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// The customer's comparison: every quote side by side, each with its accept button.
#[component]
fn CustomerQuotes(
    job_open: bool,
    quotes: Vec<QuoteView>,
    accept: ServerAction<AcceptQuote>,
    viewer: Actor,
) -> impl IntoView {
    if quotes.is_empty() {
        return view! {
            <section class="empty">
                <h2>"No quotes yet"</h2>
                <p>{match (job_open, viewer) {
                    (true, Actor::Customer) => "Mechanics near you can see your request. Their quotes appear here as they arrive.",
                    (true, _) => "No mechanic has quoted yet.",
                    (false, _) => "No mechanic quoted for this job.",
                }}</p>
            </section>
        }
        .into_any();
    }
    // Once booked, the accepted quote is what matters; the declined ones go.
    let booked: Vec<_> = quotes
        .iter()
        .filter(|q| q.status == QuoteStatus::Accepted)
        .cloned()
        .collect();
    let quotes = if job_open || booked.is_empty() {
        quotes
    } else {
        booked
    };
    let heading = match (job_open, quotes.len()) {
        (true, 1) => "1 quote".to_owned(),
        (true, n) => format!("{n} quotes to compare"),
        (false, _) if quotes.iter().any(|q| q.status == QuoteStatus::Accepted) => {
            "The quote you accepted".to_owned()
        }
        _ => "Quotes".to_owned(),
    };
    let may_accept = job_open && viewer == Actor::Customer;
    view! {
        <section>
            <h2>{heading}</h2>
            {may_accept.then(|| view! { <p class="hint">"Cheapest first. Accepting one books that mechanic and declines the others."</p> })}
            <div class="compare">
                {quotes
                    .into_iter()
                    .map(|q| {
                        let id = q.id.clone();
                        let live = q.is_open();
                        view! {
                            <div class="compare-col">
                                <QuoteCard quote=q />
                                {(may_accept && live).then(|| view! {
                                    <ActionForm action=accept>
                                        <input type="hidden" name="id" value=id.clone() />
                                        <button type="submit" class="button wide" disabled=move || accept.pending().get()>
                                            "Accept this quote"
                                        </button>
                                    </ActionForm>
                                })}
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn QuoteCard(quote: QuoteView) -> impl IntoView {
    let q = quote;
    let m = &q.mechanic;
    let status = match q.status {
        QuoteStatus::Live if q.expired => Some(("badge stopped", "Expired")),
        QuoteStatus::Live => None,
        QuoteStatus::Accepted => Some(("badge ok", "Accepted")),
        QuoteStatus::Declined => Some(("badge stopped", "Declined")),
        QuoteStatus::Withdrawn => Some(("badge stopped", "Withdrawn")),
    };
    view! {
        <article class="quote-card" data-quote=q.id.clone()>
            <header>
                <span class="quote-total">{q.total.to_string()}</span>
                {status.map(|(class, text)| view! { <span class=class>{text}</span> })}
            </header>
            <p class="quote-mechanic">
                <strong>{m.display_name.clone()}</strong>
                <span class="muted">{format!(" · {} experience", years_words(m.years_experience).to_lowercase())}</span>
            </p>
            <ul class="chips small" aria-label="Skills">
                {m.skills.iter().map(|s| view! { <li>{s.label()}</li> }).collect_view()}
            </ul>
            <p>"Can be there in " <strong>{minutes_words(q.arrival_minutes)}</strong></p>
            <table class="lines">
                <tbody>
                    {q.items
                        .iter()
                        .map(|i| view! {
                            <tr>
                                <td>{i.description.clone()} <span class="muted small">{format!(" {}", i.kind.label().to_lowercase())}</span></td>
                                <td class="amount">{i.amount.to_string()}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
                <tfoot>
                    <tr><th>"Total"</th><td class="amount">{q.total.to_string()}</td></tr>
                </tfoot>
            </table>
            {q.note.clone().map(|n| view! { <p class="prose">{n}</p> })}
            {q.is_open().then(|| view! {
                <p class="muted small">"Valid until " {format_utc(q.expires_at)}</p>
            })}
        </article>
    }
}

/// A quoting mechanic's side: their quote's fate, and the form to send or revise it.
#[component]
fn MechanicQuote(
    job_id: String,
    job_open: bool,
    quotes: Vec<QuoteView>,
    actions: Actions,
) -> impl IntoView {
    let live = quotes
        .iter()
        .find(|q| q.status == QuoteStatus::Live)
        .cloned();
    let latest = quotes.first().cloned();
    let mine = match (live.clone(), latest) {
        (Some(q), _) => {
            let id = q.id.clone();
            view! {
            <section>
                <h2>"Your quote"</h2>
                <QuoteCard quote=q />
                <ActionForm action=actions.withdraw>
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button secondary wide">"Withdraw quote"</button>
                </ActionForm>
            </section>
            }
            .into_any()
        }
        (None, Some(q)) if q.status != QuoteStatus::Withdrawn => view! {
            <section><h2>"Your quote"</h2><QuoteCard quote=q /></section>
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        {mine}
        {job_open.then(|| view! { <QuoteEditor job_id current=live send=actions.send /> })}
    }
}

/// Rows the quote form offers; blank ones are ignored.
const QUOTE_ROWS: usize = 4;

#[component]
fn QuoteEditor(
    job_id: String,
    current: Option<QuoteView>,
    send: ServerAction<SendQuote>,
) -> impl IntoView {
    let error: Signal<Option<AppError>> =
        Signal::derive(move || send.value().get().and_then(Result::err));
    let items_error = move || error.get().and_then(|e| e.for_field("items"));
    let default_kinds = [
        LineKind::Labour,
        LineKind::Parts,
        LineKind::Parts,
        LineKind::Fee,
    ];
    let existing = current
        .as_ref()
        .map(|q| q.items.clone())
        .unwrap_or_default();
    let rows = existing.len().max(QUOTE_ROWS);
    let revising = current.is_some();
    view! {
        <section>
            <h2>{if revising { "Revise your quote" } else { "Send a quote" }}</h2>
            <ActionForm action=send>
                <FormError error />
                <input type="hidden" name="job_id" value=job_id />
                <fieldset class="lines-editor" class:invalid=move || items_error().is_some()>
                    <legend>"Lines (prices in £)"</legend>
                    {(0..rows)
                        .map(|i| {
                            let line = existing.get(i);
                            let kind = line.map(|l| l.kind).unwrap_or(default_kinds[i % QUOTE_ROWS]);
                            view! {
                                <div class="line-row">
                                    <select name=format!("items[{i}][kind]") aria-label=format!("Line {} kind", i + 1)>
                                        {LineKind::ALL.into_iter().map(|k| view! {
                                            <option value=k.as_str() selected=k == kind>{k.label()}</option>
                                        }).collect_view()}
                                    </select>
                                    <input
                                        name=format!("items[{i}][description]")
                                        aria-label=format!("Line {} description", i + 1)
                                        placeholder="What it is for"
                                        value=line.map(|l| l.description.clone())
                                    />
                                    <input
                                        name=format!("items[{i}][amount]")
                                        aria-label=format!("Line {} price", i + 1)
                                        inputmode="decimal"
                                        placeholder="0.00"
                                        value=line.map(|l| l.amount.plain())
                                    />
                                </div>
                            }
                        })
                        .collect_view()}
                    {move || items_error().map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                <p class="hint">"We add up the total from your lines."</p>
                <div class="pair">
                    <Field
                        label="Arrival (minutes)"
                        name="arrival_minutes"
                        inputmode="numeric"
                        value=current.as_ref().map(|q| q.arrival_minutes.to_string()).unwrap_or_default()
                        hint="How soon you can be there."
                        error
                    />
                    <Field label="Quote valid for (hours)" name="valid_hours" inputmode="numeric" value="24" error />
                </div>
                <TextArea
                    label="Note to the customer"
                    name="note"
                    value=current.as_ref().and_then(|q| q.note.clone()).unwrap_or_default()
                    maxlength=NOTE_MAX_CHARS as u32
                    rows=3
                    hint="Optional. What is included, parts brand, warranty."
                    error
                />
                <button type="submit" class="button wide" disabled=move || send.pending().get()>
                    {move || match (send.pending().get(), revising) {
                        (true, _) => "Sending…",
                        (false, true) => "Send revised quote",
                        (false, false) => "Send quote",
                    }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn CancelForm(job_id: String, cancel: ServerAction<CancelJob>) -> impl IntoView {
    let error: Signal<Option<AppError>> =
        Signal::derive(move || cancel.value().get().and_then(Result::err));
    view! {
        <details class="cancel">
            <summary>"Cancel this job"</summary>
            <ActionForm action=cancel>
                <input type="hidden" name="id" value=job_id />
                <TextArea label="Why are you cancelling?" name="reason" rows=2 required=true hint="The mechanic sees this." error />
                <button type="submit" class="button danger wide" disabled=move || cancel.pending().get()>"Cancel job"</button>
            </ActionForm>
        </details>
    }
}

#[component]
fn Timeline(entries: Vec<TimelineEntry>) -> impl IntoView {
    view! {
        <section>
            <h2>"Timeline"</h2>
            <ol class="timeline">
                {entries
                    .into_iter()
                    .rev()
                    .map(|e| view! {
                        <li data-status=e.to.as_str()>
                            <strong>{if e.from.is_none() { "Requested" } else { e.to.label() }}</strong>
                            <span class="muted small">{format!("{} · {}", e.actor_name, format_utc(e.at))}</span>
                            {e.reason.map(|r| view! { <span class="small">{r}</span> })}
                        </li>
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_as_one_range() {
        assert_eq!(urgency_words(Urgency::Asap), "As soon as possible");
        assert_eq!(
            urgency_words(Urgency::Window {
                start: 1_795_683_600_000,
                end: 1_795_696_200_000
            }),
            "26 Nov 2026, 09:00 – 26 Nov 2026, 12:30 UTC"
        );
    }
}
