//! Quotes on a job's page: the customer's comparison, a mechanic's own quote and its editor.

use crate::ui::parts::job_actions::Actions;
use crate::{
    api::quotes::{AcceptQuote, SendQuote},
    domain::{
        AppError,
        job::Actor,
        quote::{LineKind, NOTE_MAX_CHARS, QuoteStatus, QuoteView, minutes_words},
    },
    ui::parts::{
        checkout::PayAndAccept,
        forms::{Field, FormError, TextArea},
        local_time::LocalTime,
    },
};
use leptos::prelude::*;

/// The customer's comparison: every quote side by side, each with its accept button.
#[component]
pub fn CustomerQuotes(
    job_open: bool,
    quotes: Vec<QuoteView>,
    accept: ServerAction<AcceptQuote>,
    viewer: Actor,
    /// Accepting holds the total on a card first.
    payments: bool,
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
                        let total = q.total;
                        view! {
                            <div class="compare-col">
                                <QuoteCard quote=q />
                                {(may_accept && live && payments).then(|| view! {
                                    <PayAndAccept quote_id=id.clone() total accept />
                                })}
                                {(may_accept && live && !payments).then(|| view! {
                                    <ActionForm action=accept>
                                        <input type="hidden" name="id" value=id.to_string() />
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
pub fn QuoteCard(quote: QuoteView) -> impl IntoView {
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
        <article class="quote-card" data-quote=q.id.to_string()>
            <header>
                <span class="quote-total">{q.total.to_string()}</span>
                {status.map(|(class, text)| view! { <span class=class>{text}</span> })}
            </header>
            // The app's own ASCII words: `to_lowercase` would put the Unicode
            // case tables in the first download (docs/PERFORMANCE.md).
            <p class="quote-mechanic">
                <strong>{m.display_name.clone()}</strong>
                <span class="muted">{format!(" · {} experience", years_words(m.years_experience).to_ascii_lowercase())}</span>
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
                                <td>{i.description.clone()} <span class="muted small">{format!(" {}", i.kind.label().to_ascii_lowercase())}</span></td>
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
                <p class="muted small">"Valid until " <LocalTime at=q.expires_at /></p>
            })}
        </article>
    }
}

/// A quoting mechanic's side: their quote's fate, and the form to send or revise it.
#[component]
pub fn MechanicQuote(
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
                    <input type="hidden" name="id" value=id.to_string() />
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
pub const QUOTE_ROWS: usize = 4;

#[component]
pub fn QuoteEditor(
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

pub fn years_words(years: u32) -> String {
    match years {
        0 => "Less than a year".to_owned(),
        1 => "1 year".to_owned(),
        n => format!("{n} years"),
    }
}
