//! `/admin/payments` and `/admin/payments/:id`: every payment, a
//! payment's history of Stripe events, and refunds.

use crate::{
    api::payments::{RefundPayment, admin_payment, admin_payments},
    domain::{
        AppError, PaymentId, Timestamp,
        payment::{AdminPayment, PaymentDetail, PaymentStatus},
    },
    ui::{
        json::load,
        live::Live,
        parts::{
            console::{Console, Pager, failed, list_href, loading},
            forms::{Field, FormError},
            local_time::LocalTime,
            payment::brand_words,
        },
    },
};
use leptos::prelude::*;
use leptos_router::{
    components::Form,
    hooks::{use_params_map, use_query_map},
};

#[component]
pub fn PaymentsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let changed = Live::get().any_version();
    let payments = load(
        move || (param("status"), param("page"), changed.get()),
        |(status, page, _)| admin_payments(status, page.and_then(|p| p.parse().ok())),
    );
    let page_href = move |page| list_href("/admin/payments", query, &["status"], page);
    view! {
        <Console title="Payments">
            <h1>"Payments"</h1>
            <Form method="GET" action="/admin/payments">
                <div class="filters">
                    <div class="field">
                        <label for="filter-status">"Status"</label>
                        <select id="filter-status" name="status">
                            <option value="">"Any status"</option>
                            {PaymentStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() selected=move || param("status").as_deref() == Some(s.as_str())>{s.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button">"Filter"</button>
                    <a href="/admin/payments">"Clear"</a>
                </div>
            </Form>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match payments.await {
                        Ok(page) if page.payments.is_empty() => view! {
                            <p class="empty">"No payments match."</p>
                        }.into_any(),
                        Ok(page) => view! {
                            <PaymentsTable payments=page.payments />
                            <Pager paging=page.paging total=page.total noun=("payment", "payments") href=page_href />
                        }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Transition>
        </Console>
    }
}

#[component]
fn PaymentsTable(payments: Vec<AdminPayment>) -> impl IntoView {
    view! {
        <table class="grid">
            <thead>
                <tr>
                    <th>"Status"</th>
                    <th class="amount">"Amount"</th>
                    <th>"Job"</th>
                    <th>"Customer"</th>
                    <th>"Mechanic"</th>
                    <th>"Started"</th>
                </tr>
            </thead>
            <tbody>
                {payments.into_iter().map(|a| {
                    let p = a.payment;
                    let taken = if p.status.is_paid() { p.captured } else { p.authorized };
                    view! {
                        <tr>
                            <td>
                                <StatusBadge status=p.status />
                                {p.demo.then(|| view! { " " <span class="badge pending">"Demo"</span> })}
                                {p.disputed.then(|| view! { " " <span class="badge stopped">"Disputed"</span> })}
                                {p.hold_ending(Timestamp::now()).then(|| view! { " " <span class="badge stopped">"Hold ends soon"</span> })}
                            </td>
                            <td class="amount">
                                <a href=format!("/admin/payments/{}", p.id)>{taken.to_string()}</a>
                                {(p.refunded.cents > 0).then(|| view! { <br /><span class="muted small">{format!("{} refunded", p.refunded)}</span> })}
                            </td>
                            <td><a href=format!("/admin/jobs/{}", p.job_id)>{a.job_title}</a></td>
                            <td>{a.customer}</td>
                            <td>{a.mechanic}</td>
                            <td><LocalTime at=a.created_at /></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn StatusBadge(status: PaymentStatus) -> impl IntoView {
    let class = match status {
        PaymentStatus::Authorized | PaymentStatus::Captured => "badge ok",
        PaymentStatus::Failed | PaymentStatus::Released | PaymentStatus::Refunded => {
            "badge stopped"
        }
        _ => "badge pending",
    };
    view! { <span class=class>{status.label()}</span> }
}

#[component]
pub fn PaymentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let refund = ServerAction::<RefundPayment>::new();
    let changed = Live::get().any_version();
    let detail = load(
        move || (id(), refund.version().get(), changed.get()),
        |(id, ..)| admin_payment(PaymentId::from(id)),
    );
    view! {
        <Console title="Payment">
            <p><a href="/admin/payments">"← Payments"</a></p>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! { <Detail detail=d refund /> }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Transition>
        </Console>
    }
}

#[component]
fn Detail(detail: PaymentDetail, refund: ServerAction<RefundPayment>) -> impl IntoView {
    let request = detail.next_refund_request();
    let a = detail.summary;
    let p = a.payment;
    let refundable = p.refundable();
    let error: Signal<Option<AppError>> =
        Signal::derive(move || refund.value().get().and_then(Result::err));
    // A refund done empties the form: the page is rebuilt in place, and a
    // second click on what is still typed would be a second refund.
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (refund.value().get(), form.get_untracked()) {
            form.reset();
        }
    });
    view! {
        <div class="title-row">
            <h1>{format!("Payment {}", p.authorized)}</h1>
            <StatusBadge status=p.status />
            {p.demo.then(|| view! { <span class="badge pending">"Demo: no card charged"</span> })}
            {p.disputed.then(|| view! { <span class="badge stopped">"Disputed"</span> })}
        </div>
        <dl class="details">
            <dt>"Job"</dt>
            <dd><a href=format!("/admin/jobs/{}", p.job_id)>{a.job_title}</a></dd>
            <dt>"Customer"</dt>
            <dd>{a.customer}</dd>
            <dt>"Mechanic"</dt>
            <dd>{a.mechanic}</dd>
            <dt>"Authorized"</dt>
            <dd>
                {p.authorized.to_string()}
                {p.hold_ends_at().map(|end| view! {
                    <span class="muted">" · the hold ends " <LocalTime at=end /></span>
                })}
                {p.hold_ending(Timestamp::now()).then(|| view! {
                    " " <span class="badge stopped">"Hold ends soon: finish the job or ask the customer to pay again"</span>
                })}
            </dd>
            <dt>"Taken"</dt>
            <dd>{p.captured.to_string()} {p.adjust_reason.clone().map(|r| view! { <span class="muted">{format!(" · {r}")}</span> })}</dd>
            <dt>"Refunded"</dt>
            <dd>{p.refunded.to_string()}</dd>
            <dt>"Card"</dt>
            <dd>{p.card.as_ref().filter(|_| !p.demo).map(|c| format!("{} •••• {}", brand_words(&c.brand), c.last4)).unwrap_or_else(|| "—".into())}</dd>
            <dt>"Reference"</dt>
            <dd class="muted">{p.id.to_string()}</dd>
        </dl>
        <section>
            <h2>"History"</h2>
            <table class="grid">
                <thead><tr><th>"When"</th><th>"What"</th><th class="amount">"Amount"</th><th>"Detail"</th><th>"By"</th></tr></thead>
                <tbody>
                    {detail.history.into_iter().map(|e| {
                        let by = if e.from_stripe() { "Stripe".to_owned() } else { e.actor.clone().unwrap_or_else(|| "Curbside".into()) };
                        view! {
                            <tr>
                                <td><LocalTime at=e.at /></td>
                                <td><code>{e.kind}</code></td>
                                <td class="amount">{e.amount.map(|m| m.to_string())}</td>
                                <td>{e.detail}</td>
                                <td>{by}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        {(refundable.cents > 0).then(|| view! {
            <section>
                <h2>"Refund"</h2>
                <ActionForm action=refund node_ref=form>
                    <FormError error />
                    <input type="hidden" name="id" value=p.id.to_string() />
                    <input type="hidden" name="request_id" value=request />
                    <p>{format!("Left to refund: {refundable}.")}</p>
                    <Field label="Amount (£)" name="amount" inputmode="decimal" required=false hint="Leave empty to refund all that is left." error />
                    <Field label="Reason" name="reason" hint="Kept in the audit log." error />
                    <button type="submit" class="button danger" disabled=move || refund.pending().get()>"Refund"</button>
                </ActionForm>
            </section>
        })}
    }
}
