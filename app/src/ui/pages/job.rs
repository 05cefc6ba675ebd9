//! `/customer/jobs/:id`, `/mechanic/jobs/:id`, `/admin/jobs/:id`: one job's page, for whoever may see it.

use crate::ui::json::load;
use crate::ui::parts::{
    chat::{ChatPlace, Conversations},
    job_actions::Actions,
    job_card::StatusPill,
    local_time::{LocalClock, LocalTime, urgency_words},
    photos::{JobPhotos, PhotoPlace},
    quotes::{CustomerQuotes, MechanicQuote, QuoteCard},
};
use crate::{
    api::jobs::{CancelJob, UpdateJobStatus, job as load_job},
    domain::{
        Account, AppError, JobId, Role,
        geo::distance_words,
        job::{Actor, JobStatus, JobView, Location, TimelineEntry},
        payment::{PaymentStatus, PaymentView},
        quote::QuoteStatus,
    },
    ui::live::Live,
    ui::{
        SiteFeatures,
        parts::forms::{Field, FormError, TextArea},
        parts::payment::PaymentPanel,
        parts::tracking::{Sharing, Tracking},
        session::RequireSignIn,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
    let features = expect_context::<SiteFeatures>();
    // The newest event the page shows, and the view an action answered with.
    let shown = RwSignal::new(0_i64);
    let answered = RwSignal::new(None::<JobView>);
    let refresh = RwSignal::new(0_u32);
    // Outside the job's view, so a refetch of the job keeps the chat as it is.
    let chat_place = RwSignal::new(None::<ChatPlace>);
    let chat = Memo::new(move |_| chat_place.get());
    let photo_place = RwSignal::new(None::<PhotoPlace>);
    let gallery = Memo::new(move |_| photo_place.get());
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    let acting = move || {
        actions.accept.pending().get_untracked()
            || actions.cancel.pending().get_untracked()
            || actions.step.pending().get_untracked()
    };
    // While an action runs, its answer will include whatever the stream
    // says about this job meanwhile (the server reads the view after the
    // change commits), so the stream's news waits for it.
    let changed = Live::get().job_version(id, move || {
        if acting() {
            i64::MAX
        } else {
            shown.get_untracked()
        }
    });
    answer_with(actions.accept, answered, refresh);
    answer_with(actions.cancel, answered, refresh);
    answer_with(actions.step, answered, refresh);
    let job = load(
        move || {
            (
                id(),
                changed.get(),
                refresh.get(),
                // These answer with a quote, not the job: fetch it again.
                actions.send.version().get(),
                actions.withdraw.version().get(),
            )
        },
        |(id, ..)| load_job(JobId::from(id)),
    );
    view! {
        <Title text="Job" />
        <section class="page narrow job-page">
            <RequireSignIn>
                <BackHome />
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || {
                        let answer = answered.get();
                        Suspend::new(async move {
                            let flags = features.get().await;
                            let (tracking, payments) = (flags.realtime_tracking, flags.payments);
                            match job.await.map(|fetched| newest(fetched, answer)) {
                                Ok(j) => {
                                    shown.set(j.last_event_id);
                                    chat_place.set(flags.messaging.then(|| chat_place_of(&j)).flatten());
                                    photo_place.set(flags.photos.then(|| PhotoPlace {
                                        job: j.id.clone(),
                                        viewer: j.viewer,
                                        status: j.status,
                                    }));
                                    view! { <JobDetail job=j actions tracking payments /> }.into_any()
                                }
                                Err(AppError::NotFound) => view! {
                                    <h1>"Job not found"</h1>
                                    <p>"This job does not exist, or it is not one you can see."</p>
                                }.into_any(),
                                Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Transition>
                // Photos and chat are drawn in the browser only: they are
                // live by nature, and nothing of them is in the server's
                // page to hydrate.
                {move || gallery.get().filter(|_| mounted.get()).map(|place| view! { <JobPhotos place /> })}
                {move || chat.get().filter(|_| mounted.get()).map(|place| view! { <Conversations place /> })}
            </RequireSignIn>
        </section>
    }
}

/// Who the viewer may talk to about this job, if anyone.
fn chat_place_of(j: &JobView) -> Option<ChatPlace> {
    let mut mechanics: Vec<(crate::domain::UserId, String)> = Vec::new();
    for q in &j.quotes {
        if !mechanics.iter().any(|(id, _)| *id == q.mechanic.id) {
            mechanics.push((q.mechanic.id.clone(), q.mechanic.display_name.clone()));
        }
    }
    let booked = j
        .quotes
        .iter()
        .find(|q| q.status == QuoteStatus::Accepted)
        .map(|q| q.mechanic.id.clone());
    (!mechanics.is_empty()).then(|| ChatPlace {
        job: j.id.clone(),
        viewer: j.viewer,
        mechanics,
        booked,
    })
}

/// Shows the job an action answered with, instead of fetching it again;
/// after a failure, fetches it (it may have changed under the user).
fn answer_with<A>(
    action: ServerAction<A>,
    answered: RwSignal<Option<JobView>>,
    refresh: RwSignal<u32>,
) where
    A: leptos::server_fn::ServerFn<Output = JobView, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    Effect::new(move |_| match action.value().get() {
        Some(Ok(view)) => answered.set(Some(view)),
        Some(Err(_)) => refresh.update(|n| *n += 1),
        None => {}
    });
}

/// The newer of the fetched view and an action's answer about the same job.
fn newest(fetched: JobView, answered: Option<JobView>) -> JobView {
    match answered {
        Some(a) if a.id == fetched.id && a.last_event_id > fetched.last_event_id => a,
        _ => fetched,
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
fn JobDetail(
    job: JobView,
    actions: Actions,
    /// Live tracking is switched on: the map and the phone's sharing bar show.
    tracking: bool,
    /// Card payments are switched on: accepting opens the card form.
    payments: bool,
) -> impl IntoView {
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
    let urgency = j.urgency;
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
        {(!steps.is_empty()).then(|| view! { <StepButtons job_id=j.id.to_string() steps step=actions.step payment=j.payment.clone() /> })}
        {j.payment.clone().map(|p| view! { <PaymentPanel payment=p viewer=j.viewer quote=booked.clone() /> })}
        {match (&j.location, tracking && j.status.shares_location(), j.viewer) {
            (Location::Exact { lat, lng, .. }, true, Actor::Customer | Actor::Admin) => Some(view! {
                <Tracking job_id=j.id.to_string() car=(*lat, *lng) position=j.position eta=j.eta />
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
            <dd>{move || urgency_words(urgency, LocalClock::local())}</dd>
            {j.customer_name.clone().map(|n| view! { <dt>"Customer"</dt><dd>{n}</dd> })}
            <dt>"Requested"</dt>
            <dd><LocalTime at=j.created_at /></dd>
        </dl>
        {match j.viewer {
            Actor::Customer | Actor::Admin => view! {
                <CustomerQuotes job_open=j.status.is_open() quotes=j.quotes.clone() accept=actions.accept viewer=j.viewer payments />
            }.into_any(),
            Actor::QuotingMechanic | Actor::FormerQuoter => view! {
                <MechanicQuote job_id=j.id.to_string() job_open=j.status.is_open() quotes=j.quotes.clone() actions />
            }.into_any(),
            Actor::AssignedMechanic => view! {
                {booked.map(|q| view! { <section><h2>"Your accepted quote"</h2><QuoteCard quote=q /></section> })}
            }.into_any(),
        }}
        {can_cancel.then(|| view! { <CancelForm job_id=j.id.to_string() cancel=actions.cancel /> })}
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

/// The booked mechanic's next steps, one tap each. Completing a job with
/// a held payment may take less than was authorized, with a reason.
#[component]
fn StepButtons(
    job_id: String,
    steps: Vec<JobStatus>,
    step: ServerAction<UpdateJobStatus>,
    payment: Option<PaymentView>,
) -> impl IntoView {
    let error: Signal<Option<AppError>> =
        Signal::derive(move || step.value().get().and_then(Result::err));
    view! {
        <div class="steps-bar">
            {steps
                .into_iter()
                .map(|s| {
                    let id = job_id.clone();
                    let held = payment
                        .as_ref()
                        .filter(|p| s == JobStatus::Completed && p.status == PaymentStatus::Authorized)
                        .map(|p| p.authorized);
                    view! {
                    <ActionForm action=step>
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="status" value=s.as_str() />
                        {held.map(|amount| view! {
                            <details class="adjust">
                                <summary>{format!("Take less than {amount}")}</summary>
                                <Field label="Final amount (£)" name="final_amount" inputmode="decimal" required=false hint="Never more than the customer authorized." error />
                                <TextArea label="Why is it less?" name="adjust_reason" rows=2 hint="The customer sees this on the receipt." error />
                            </details>
                        })}
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
                            <span class="muted small">{e.actor_name} " · " <LocalTime at=e.at /></span>
                            {e.reason.map(|r| view! { <span class="small">{r}</span> })}
                        </li>
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}
