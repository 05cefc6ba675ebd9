//! A job's payment on its page: where it stands, and once taken, the
//! itemised receipt (printable on its own).

use crate::{
    domain::{
        job::Actor,
        payment::{PaymentStatus, PaymentView},
        quote::QuoteView,
    },
    ui::parts::local_time::LocalTime,
};
use leptos::prelude::*;

#[component]
pub fn PaymentPanel(
    payment: PaymentView,
    viewer: Actor,
    quote: Option<QuoteView>,
) -> impl IntoView {
    let p = payment;
    let card = p
        .card
        .as_ref()
        .filter(|_| !p.demo)
        .map(|c| format!("{} •••• {}", brand_words(&c.brand), c.last4));
    let status_class = match p.status {
        PaymentStatus::Authorized | PaymentStatus::Captured => "badge ok",
        PaymentStatus::Failed | PaymentStatus::Released | PaymentStatus::Refunded => {
            "badge stopped"
        }
        _ => "badge pending",
    };
    let what = match (p.status, viewer) {
        (PaymentStatus::Authorized, Actor::AssignedMechanic) => format!(
            "{} is held on the customer's card. It is taken when you mark the job done; you can take less then, with a reason.",
            p.authorized
        ),
        (PaymentStatus::Authorized, _) => format!(
            "{} is held on {}. It is taken only when the job is done.",
            p.authorized,
            card.clone().unwrap_or_else(|| "the card".into())
        ),
        (PaymentStatus::Released, _) => format!(
            "The hold of {} was released. Nothing was charged.",
            p.authorized
        ),
        (PaymentStatus::Starting | PaymentStatus::RequiresAction, _) => {
            "The payment is waiting for the bank's confirmation.".to_owned()
        }
        (PaymentStatus::Failed, _) => "The payment failed. Nothing was charged.".to_owned(),
        _ => String::new(),
    };
    let paid = p.status.is_paid();
    view! {
        <section class="payment" data-payment=p.status.as_str()>
            <div class="payment-head">
                <h2>"Payment"</h2>
                <span class=status_class>{p.status.label()}</span>
                {p.demo.then(|| view! { <span class="badge pending">"Demo: no card charged"</span> })}
                {p.disputed.then(|| view! { <span class="badge stopped">"Disputed"</span> })}
            </div>
            {(!what.is_empty()).then(|| view! { <p>{what}</p> })}
            {paid.then(|| view! { <Receipt payment=p.clone() card quote /> })}
        </section>
    }
}

/// The itemised receipt: the accepted quote's lines, what was taken, by
/// which card and when, and any refund.
#[component]
fn Receipt(payment: PaymentView, card: Option<String>, quote: Option<QuoteView>) -> impl IntoView {
    let p = payment;
    let adjusted = p.captured != p.authorized;
    view! {
        <article class="receipt" aria-label="Receipt">
            <h3>"Receipt"</h3>
            <table class="lines">
                <tbody>
                    {quote.iter().flat_map(|q| q.items.clone()).map(|i| view! {
                        <tr><td>{i.description.clone()}</td><td class="amount">{i.amount.to_string()}</td></tr>
                    }).collect_view()}
                </tbody>
                <tfoot>
                    {adjusted.then(|| view! {
                        <tr><th>"Quoted"</th><td class="amount">{p.authorized.to_string()}</td></tr>
                        <tr><th>"Adjusted: " {p.adjust_reason.clone().unwrap_or_default()}</th><td class="amount">{format!("−{}", crate::domain::money::Money::new(p.authorized.cents - p.captured.cents, p.captured.currency))}</td></tr>
                    })}
                    <tr><th>"Total paid"</th><td class="amount">{p.captured.to_string()}</td></tr>
                    {(p.refunded.cents > 0).then(|| view! {
                        <tr><th>"Refunded"</th><td class="amount">{format!("−{}", p.refunded)}</td></tr>
                    })}
                </tfoot>
            </table>
            <p class="small">
                {card.map(|c| format!("Paid with {c}"))}
                {p.demo.then_some("Demo payment: no card was charged")}
                {p.captured_at.map(|at| view! { " · " <LocalTime at /> })}
            </p>
            <p class="muted small">{format!("Payment reference {}", p.id)}</p>
            <button type="button" class="button secondary no-print" on:click=|_| print_page()>"Print receipt"</button>
        </article>
    }
}

pub fn brand_words(brand: &str) -> String {
    match brand {
        "visa" => "Visa".into(),
        "mastercard" => "Mastercard".into(),
        "amex" => "American Express".into(),
        other => other.to_owned(),
    }
}

fn print_page() {
    #[cfg(feature = "browser")]
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}
