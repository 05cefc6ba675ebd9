//! The mechanic's area: their approval state, their profile, and the form to keep it.

use crate::ui::json::{Loaded, load};
use crate::ui::parts::quotes::years_words;
use crate::{
    api::{
        jobs::my_jobs,
        mechanic::{SaveProfile, my_profile},
        quotes::open_jobs,
    },
    domain::{
        Account, AccountStatus, AppError,
        job::JobSummary,
        mechanic::{BIO_MAX_CHARS, MechanicProfile, ProfileForm, Skill},
    },
    ui::live::Live,
    ui::{
        parts::areas::Greeting,
        parts::forms::{Field, FormError, TextArea},
        parts::job_card::JobCard,
        parts::map::{AreaKind, MapView, PinKind, Shape},
        session::RequireSignIn,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

#[component]
pub fn MechanicHome() -> impl IntoView {
    view! {
        <Title text="Mechanic dashboard" />
        <RequireSignIn>
            <Greeting />
            <Dashboard />
        </RequireSignIn>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let approved = expect_context::<Account>().status == AccountStatus::Active;
    let profile = load(|| (), |_| my_profile());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => view! {
                        <ApprovalState has_profile=profile.is_some() />
                        {match profile {
                            Some(p) => view! { <ProfileSummary profile=p /> }.into_any(),
                            None => view! {
                                <section class="empty">
                                    <h2>"Complete your profile"</h2>
                                    <p>"Tell customers what you do, where you are based and how far you travel. We review it before you can quote."</p>
                                    <a class="button" href="/mechanic/profile">"Fill in your profile"</a>
                                </section>
                            }.into_any(),
                        }}
                    }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <MechanicJobs approved profile />
    }
}

/// Jobs booked with the mechanic, then open jobs near them.
#[component]
fn MechanicJobs(
    approved: bool,
    profile: Loaded<Result<Option<MechanicProfile>, AppError>>,
) -> impl IntoView {
    let changed = Live::get().any_version();
    let mine = load(move || changed.get(), |_| my_jobs());
    let open = load(move || changed.get(), |_| open_jobs());
    let loading = || view! { <p class="loading">"Loading…"</p> };
    view! {
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match mine.await {
                    Ok(list) if !list.is_empty() => view! {
                        <section>
                            <h2>"My jobs"</h2>
                            <ul class="job-list">
                                {list.into_iter().map(|job| view! { <JobCard job href_base="/mechanic/jobs" /> }).collect_view()}
                            </ul>
                        </section>
                    }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Transition>
        <section>
            <h2>"Open jobs near you"</h2>
            {if approved {
                view! {
                    <Transition fallback=loading>
                        {move || Suspend::new(async move {
                            match open.await {
                                Ok(list) if list.is_empty() => view! {
                                    <p class="empty">"No open jobs within your radius right now."</p>
                                }.into_any(),
                                Ok(list) => view! {
                                    {match profile.await {
                                        Ok(Some(p)) => Some(view! { <OpenJobsMap profile=p jobs=list.clone() /> }),
                                        _ => None,
                                    }}
                                    <p class="hint">"Nearest first. You see the area; the address comes when a customer books you."</p>
                                    <ul class="job-list">
                                        {list.into_iter().map(|job| view! { <JobCard job href_base="/mechanic/jobs" /> }).collect_view()}
                                    </ul>
                                }.into_any(),
                                Err(e) => view! { <p class="empty">{e.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Transition>
                }.into_any()
            } else {
                view! { <p class="empty">"Open jobs near you will appear here once your account is approved."</p> }.into_any()
            }}
        </section>
    }
}

/// Where the mechanic stands with us, in plain words.
#[component]
fn ApprovalState(has_profile: bool) -> impl IntoView {
    let account = expect_context::<Account>();
    match account.status {
        AccountStatus::PendingApproval => view! {
            <div class="banner pending" role="status">
                <strong>"Your account is pending approval. "</strong>
                {if has_profile {
                    "An admin will review your profile. You can quote for jobs once you are approved."
                } else {
                    "Fill in your profile and an admin will review it. You can quote for jobs once you are approved."
                }}
            </div>
        }
        .into_any(),
        AccountStatus::Active => view! {
            <div class="banner ok" role="status">
                <strong>"Your account is approved. "</strong>
                "You can quote for jobs near you."
            </div>
        }
        .into_any(),
        // A suspended account cannot sign in; the login page says why.
        AccountStatus::Suspended => view! {
            <div class="banner" role="status"><strong>"Your account is suspended."</strong></div>
        }
        .into_any(),
    }
}

#[component]
fn ProfileSummary(profile: MechanicProfile) -> impl IntoView {
    let p = profile;
    view! {
        <section class="profile">
            <div class="section-head">
                <h2>{p.display_name.clone()}</h2>
                <a href="/mechanic/profile">"Edit profile"</a>
            </div>
            {(!p.bio.is_empty()).then(|| view! { <p>{p.bio.clone()}</p> })}
            <ul class="chips" aria-label="Skills">
                {p.skills.iter().map(|s| view! { <li>{s.label()}</li> }).collect_view()}
            </ul>
            <dl class="details">
                <dt>"Experience"</dt>
                <dd>{years_words(p.years_experience)}</dd>
                <dt>"Based at"</dt>
                <dd>{p.base_address.clone()}</dd>
                <dt>"Travels"</dt>
                <dd>{format!("Up to {} km", p.radius_km)}</dd>
                <dt>"Jobs"</dt>
                <dd>{if p.available { "Available for new jobs" } else { "Not taking new jobs" }}</dd>
            </dl>
        </section>
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="My mechanic profile" />
        <section class="page narrow">
            <h1>"Your profile"</h1>
            <RequireSignIn>
                <ProfileEditor />
            </RequireSignIn>
        </section>
    }
}

#[component]
fn ProfileEditor() -> impl IntoView {
    let saved = load(|| (), |_| my_profile());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match saved.await {
                    Ok(profile) => {
                        let form = profile.as_ref().map(ProfileForm::from).unwrap_or_else(|| ProfileForm {
                            available: true,
                            ..ProfileForm::default()
                        });
                        view! { <ProfileFormView form /> }.into_any()
                    }
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileFormView(form: ProfileForm) -> impl IntoView {
    let save = ServerAction::<SaveProfile>::new();
    let error: Signal<Option<AppError>> =
        Signal::derive(move || save.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            navigate("/mechanic", Default::default());
        }
    });
    let skills_error = move || error.get().and_then(|e| e.for_field("skills"));
    let chosen = form.skills.clone();
    view! {
        <p class="hint">"Customers see this when you quote. An admin reviews it before you can take jobs."</p>
        <p><a href="/mechanic">"← Back to your dashboard"</a></p>
        <ActionForm action=save>
            <FormError error />
            <Field label="Business or display name" name="display_name" autocomplete="organization" value=form.display_name error />
            <TextArea
                label="About you"
                name="bio"
                value=form.bio
                maxlength=BIO_MAX_CHARS as u32
                hint="Optional. What you are good at, what you carry in the van."
                error
            />
            <fieldset class="choice skills" class:invalid=move || skills_error().is_some() aria-describedby="field-skills-error">
                <legend>"The work you do"</legend>
                {Skill::ALL
                    .into_iter()
                    .map(|s| {
                        let checked = chosen.iter().any(|c| c == s.as_str());
                        view! {
                            <label>
                                <input type="checkbox" name="skills[]" value=s.as_str() checked=checked />
                                {s.label()}
                            </label>
                        }
                    })
                    .collect_view()}
                {move || skills_error().map(|m| view! { <p class="field-error" id="field-skills-error">{m}</p> })}
            </fieldset>
            <Field label="Years of experience" name="years_experience" inputmode="numeric" value=form.years_experience error />
            <Field
                label="Where you work from"
                name="base_address"
                autocomplete="street-address"
                value=form.base_address
                hint="An area or address, e.g. Camden Town, London NW1. Customers see only the area."
                error
            />
            <div class="pair">
                <Field label="Latitude" name="base_lat" inputmode="decimal" value=form.base_lat hint="e.g. 51.5390" error />
                <Field label="Longitude" name="base_lng" inputmode="decimal" value=form.base_lng hint="e.g. -0.1426" error />
            </div>
            <Field
                label="How far you travel (km)"
                name="radius_km"
                inputmode="numeric"
                value=form.radius_km
                hint=RADIUS_HINT
                error
            />
            <label class="toggle">
                <input type="checkbox" name="available" value="on" checked=form.available />
                "Available for new jobs"
            </label>
            <button type="submit" class="button wide" disabled=move || save.pending().get()>
                {move || if save.pending().get() { "Saving…" } else { "Save profile" }}
            </button>
        </ActionForm>
    }
}

/// Kept in words beside the rule it describes; a test keeps the two in step.
const RADIUS_HINT: &str = "From 1 to 100 km.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::mechanic::{RADIUS_KM_MAX, RADIUS_KM_MIN};

    #[test]
    fn the_radius_hint_matches_the_rule() {
        assert_eq!(
            RADIUS_HINT,
            format!("From {RADIUS_KM_MIN} to {RADIUS_KM_MAX} km.")
        );
    }
}

/// The mechanic's reach and the open jobs in it, each as an area of about
/// a kilometre: never the job's exact point.
#[component]
fn OpenJobsMap(profile: MechanicProfile, jobs: Vec<JobSummary>) -> impl IntoView {
    let base = (profile.base.lat(), profile.base.lng());
    let mut shapes = vec![
        Shape::Area {
            at: base,
            radius_m: f64::from(profile.radius_km) * 1000.0,
            kind: AreaKind::Reach,
            label: format!("{} km from your base", profile.radius_km),
        },
        Shape::Pin {
            key: "base".into(),
            at: base,
            kind: PinKind::Base,
            label: "Your base".into(),
        },
    ];
    shapes.extend(jobs.iter().filter_map(|j| {
        j.area.map(|a| Shape::Area {
            at: (a.lat(), a.lng()),
            radius_m: 700.0,
            kind: AreaKind::Job,
            label: j.locality.clone(),
        })
    }));
    view! {
        <MapView label="Map of open jobs near your base" shapes=Signal::stored(shapes) home=base />
        <p class="map-legend" aria-hidden="true">
            <span><span class="dot pin-base"></span>" Your base, and how far you travel"</span>
            <span><span class="dot pin-job"></span>" Open jobs (to about a kilometre)"</span>
        </p>
    }
}
