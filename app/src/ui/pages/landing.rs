//! The public start page: what Curbside is, how it works, and the way in.

use crate::{
    domain::{Feature, FeatureFlags},
    ui::SiteFeatures,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Landing() -> impl IntoView {
    let features = expect_context::<SiteFeatures>();
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Car trouble? A vetted mechanic comes to you."</h1>
            <p class="lead">
                "Describe the problem, drop a pin, and compare quotes from approved mechanics nearby. "
                "They fix it where your car is: at home, at work, or at the roadside."
            </p>
            <CallsToAction />
        </section>

        <section class="section" id="how" aria-labelledby="how-title">
            <h2 id="how-title">"How it works"</h2>
            <ol class="steps">
                <li>
                    <strong>"Tell us what's wrong."</strong>
                    " Your vehicle, the symptoms, and a pin where it is."
                </li>
                <li>
                    <strong>"Compare quotes."</strong>
                    " Itemised prices and arrival times from mechanics near you. Pick one."
                </li>
                <li>
                    <strong>"Get it fixed on the spot."</strong>
                    " Your mechanic drives to you, does the work, and you are on your way."
                </li>
            </ol>
        </section>

        <section class="section" id="features" aria-labelledby="features-title">
            <h2 id="features-title">"What you get"</h2>
            <ul class="cards">
                <li class="card">
                    <h3>"Vetted mechanics"</h3>
                    <p>"Every mechanic is checked and approved before they can quote."</p>
                </li>
                <li class="card">
                    <h3>"Prices up front"</h3>
                    <p>"Quotes list labour, parts and fees. No surprises at the curb."</p>
                </li>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move { feature_cards(features.get().await) })}
                </Suspense>
            </ul>
        </section>

        <section class="section" id="mechanics" aria-labelledby="mechanics-title">
            <h2 id="mechanics-title">"For mechanics"</h2>
            <p>
                "Pick up jobs near you, set your own radius and prices, and get paid for work you already know how to do. "
                "No workshop rent."
            </p>
            <a class="button secondary" href="/register?as=mechanic">
                "Join as a mechanic"
            </a>
            <p class="hint">"Every mechanic is approved by our team before quoting."</p>
        </section>
    }
}

#[component]
fn CallsToAction() -> impl IntoView {
    view! {
        <div class="actions">
            <a class="button" href="/register">
                "Book a mechanic"
            </a>
            <a class="button secondary" href="/register?as=mechanic">
                "I'm a mechanic"
            </a>
        </div>
        <p class="hint">"Already have an account? " <a href="/login">"Log in"</a></p>
    }
}

fn feature_cards(flags: FeatureFlags) -> impl IntoView {
    Feature::ALL
        .into_iter()
        .filter(|f| flags.enabled(*f))
        .map(|f| {
            let (anchor, title, text) = pitch(f);
            view! {
                <li class="card" id=anchor>
                    <h3>{title}</h3>
                    <p>{text}</p>
                </li>
            }
        })
        .collect_view()
}

/// What an optional feature offers a customer: the card's anchor (for the
/// navigation), title and sentence.
fn pitch(feature: Feature) -> (Option<&'static str>, &'static str, &'static str) {
    match feature {
        Feature::RealtimeTracking => (
            Some("tracking"),
            "Live tracking",
            "Watch your mechanic drive in on a map, with an arrival time that updates as they go.",
        ),
        Feature::Payments => (
            Some("payments"),
            "Pay by card, after the work",
            "Your card is held for the accepted quote when you book and charged only once the job is done.",
        ),
        Feature::Messaging => (
            Some("messaging"),
            "Chat with your mechanic",
            "Ask about a quote before you book, then message your mechanic until the job is done.",
        ),
        Feature::Photos => (
            Some("photos"),
            "See the work",
            "Show the problem with a photo; your mechanic shares before and after photos of the work.",
        ),
        Feature::PushNotifications => (
            Some("notifications"),
            "Never miss a quote",
            "Turn on notifications and your phone tells you when a quote comes in and when your mechanic is on the way.",
        ),
    }
}
