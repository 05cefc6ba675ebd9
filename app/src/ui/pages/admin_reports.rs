//! `/admin/reports`: reported conversations, each with a link to read the
//! conversation on its job's page and the form that closes the report.

use crate::{
    api::chat::{CloseChatReport, chat_reports},
    domain::chat::ChatReport,
    ui::{
        json::load,
        parts::{
            console::{Console, failed, loading},
            forms::{FormError, TextArea},
            local_time::LocalTime,
        },
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ReportsPage() -> impl IntoView {
    let query = use_query_map();
    let all = move || query.read().get("all").is_some_and(|v| v == "true");
    let close = ServerAction::<CloseChatReport>::new();
    let reports = load(
        move || (all(), close.version().get()),
        |(all, _)| chat_reports(Some(all)),
    );
    view! {
        <Console title="Reported conversations">
            <h1>"Reported conversations"</h1>
            <p>
                {move || if all() {
                    view! { "Every report. " <a href="/admin/reports">"Only open ones"</a> }.into_any()
                } else {
                    view! { "Open reports, newest first. " <a href="/admin/reports?all=true">"Every report"</a> }.into_any()
                }}
            </p>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match reports.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">"No reports."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="reports">
                                {list.into_iter().map(|r| view! { <Report report=r close /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Transition>
        </Console>
    }
}

#[component]
fn Report(report: ChatReport, close: ServerAction<CloseChatReport>) -> impl IntoView {
    let r = report;
    let error = Signal::derive(move || close.value().get().and_then(Result::err));
    view! {
        <li class="card report">
            <p>
                <strong>{r.reporter_name.clone()}</strong>
                " reported the conversation on "
                <a href=format!("/admin/jobs/{}", r.job)>"this job"</a>
                " · " <LocalTime at=r.created_at />
            </p>
            <blockquote class="prose">{r.reason.clone()}</blockquote>
            {match (r.closed_at, r.outcome.clone()) {
                (Some(at), outcome) => view! {
                    <p class="muted small">
                        "Closed by " {r.closed_by_name.clone().unwrap_or_default()} " · " <LocalTime at=at />
                        ": " {outcome.unwrap_or_default()}
                    </p>
                }.into_any(),
                (None, _) => view! {
                    <details>
                        <summary>"Close this report"</summary>
                        <ActionForm action=close>
                            <input type="hidden" name="id" value=r.id.to_string() />
                            <TextArea label="What did you decide?" name="outcome" rows=2 required=true hint="Kept in the audit log." error />
                            <label class="check">
                                <input type="checkbox" name="unblock" value="true" />
                                " Let the reported person write in this conversation again"
                            </label>
                            <FormError error />
                            <button type="submit" class="button" disabled=move || close.pending().get()>"Close report"</button>
                        </ActionForm>
                    </details>
                }.into_any(),
            }}
        </li>
    }
}
