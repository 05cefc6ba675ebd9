//! The admin console's frame and the tables and pager its pages share.

use crate::{
    domain::{
        Account, AccountStatus, AppError,
        account::encode_query_value,
        admin::{AdminJob, AuditEntry, Paging, Subject, audit},
        mechanic::MechanicProfile,
    },
    ui::{
        parts::job_card::StatusPill, parts::local_time::LocalTime, parts::quotes::years_words,
        session::RequireSignIn,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::params::ParamsMap;

/// Every console page: the sign-in check and the page (the header holds the console's links).
#[component]
pub fn Console(title: &'static str, children: ChildrenFn) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        <Title text=title />
        <div class="console">
            <RequireSignIn>
                {children.read_value()()}
            </RequireSignIn>
        </div>
    }
}

pub fn loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

pub fn failed(e: AppError) -> AnyView {
    view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
}

/// A list page's link to another page of the same filtered list.
pub fn list_href(path: &str, query: Memo<ParamsMap>, filters: &[&str], page: u32) -> String {
    let query = query.read();
    let mut parts: Vec<String> = filters
        .iter()
        .filter_map(|k| {
            let v = query.get(k).filter(|v| !v.is_empty())?;
            Some(format!("{k}={}", encode_query_value(&v)))
        })
        .collect();
    parts.push(format!("page={page}"));
    format!("{path}?{}", parts.join("&"))
}

/// "Page 2 of 3 · 61 users", with links either side.
#[component]
pub fn Pager(
    paging: Paging,
    total: i64,
    /// Singular and plural: `("user", "users")`.
    noun: (&'static str, &'static str),
    href: impl Fn(u32) -> String + 'static,
) -> impl IntoView {
    let pages = paging.pages(total);
    let noun = if total == 1 { noun.0 } else { noun.1 };
    let prev = (paging.page > 1).then(|| href(paging.page - 1));
    let next = (paging.page < pages).then(|| href(paging.page + 1));
    view! {
        <nav class="pager" aria-label="Pages">
            {prev.map(|h| view! { <a href=h rel="prev">"← Newer"</a> })}
            <span>{format!("Page {} of {pages} · {total} {noun}", paging.page)}</span>
            {next.map(|h| view! { <a href=h rel="next">"Older →"</a> })}
        </nav>
    }
}

#[component]
pub fn StatusBadge(status: AccountStatus) -> impl IntoView {
    let class = match status {
        AccountStatus::Active => "badge ok",
        AccountStatus::PendingApproval => "badge pending",
        AccountStatus::Suspended => "badge stopped",
    };
    view! { <span class=class>{status.label()}</span> }
}

#[component]
pub fn JobsTable(jobs: Vec<AdminJob>) -> impl IntoView {
    view! {
        <table class="grid">
            <thead>
                <tr><th>"Requested"</th><th>"Job"</th><th>"Area"</th><th>"Customer"</th><th>"Mechanic"</th><th>"Status"</th></tr>
            </thead>
            <tbody>
                {jobs.into_iter().map(|a| {
                    let j = a.job;
                    view! {
                        <tr>
                            <td class="nowrap"><LocalTime at=j.created_at /></td>
                            <td><a href=format!("/admin/jobs/{}", j.id)>{j.category.label()}</a><br /><span class="muted small">{j.vehicle}</span></td>
                            <td>{j.locality}</td>
                            <td>{a.customer}</td>
                            <td>{a.mechanic.unwrap_or_else(|| "—".to_owned())}</td>
                            <td><StatusPill status=j.status /></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn UsersTable(users: Vec<Account>) -> impl IntoView {
    view! {
        <table class="grid">
            <thead>
                <tr><th>"Name"</th><th>"Email"</th><th>"Role"</th><th>"Status"</th><th>"Joined"</th></tr>
            </thead>
            <tbody>
                {users.into_iter().map(|u| view! {
                    <tr>
                        <td><a href=format!("/admin/users/{}", u.id)>{u.name}</a></td>
                        <td>{u.email}</td>
                        <td>{u.role.label()}</td>
                        <td><StatusBadge status=u.status /></td>
                        <td>{u.created_at.format_date()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty">"Nothing recorded."</p> }.into_any();
    }
    let party = |p: Option<crate::domain::admin::Party>| match p {
        Some(p) if p.email.is_empty() => view! { <span>{p.name}</span> }.into_any(),
        Some(p) => {
            view! { <a href=format!("/admin/users/{}", p.id) title=p.email>{p.name}</a> }.into_any()
        }
        None => view! { <span class="muted">"System"</span> }.into_any(),
    };
    view! {
        <table class="grid">
            <thead>
                <tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"About"</th><th>"Reason"</th></tr>
            </thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr>
                        <td class="nowrap"><LocalTime at=e.at /></td>
                        <td>{party(e.actor)}</td>
                        <td>{audit::label(&e.action).to_owned()}</td>
                        <td>{match e.subject {
                            Some(Subject::User(p)) => party(Some(p)),
                            Some(Subject::Job { id, title }) => view! {
                                <a href=format!("/admin/jobs/{id}")>{title}</a>
                            }.into_any(),
                            None => view! { <span class="muted">"—"</span> }.into_any(),
                        }}</td>
                        <td>{e.reason.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn ProfileFacts(profile: MechanicProfile) -> impl IntoView {
    let p = profile;
    view! {
        <h2>"Mechanic profile"</h2>
        <dl class="details">
            <dt>"Business name"</dt><dd>{p.display_name}</dd>
            <dt>"About"</dt><dd>{if p.bio.is_empty() { "—".to_owned() } else { p.bio }}</dd>
            <dt>"Skills"</dt><dd>{p.skills.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")}</dd>
            <dt>"Experience"</dt><dd>{years_words(p.years_experience)}</dd>
            <dt>"Based at"</dt>
            <dd>{format!("{} ({:.4}, {:.4})", p.base_address, p.base.lat(), p.base.lng())}</dd>
            <dt>"Travels"</dt><dd>{format!("Up to {} km", p.radius_km)}</dd>
            <dt>"Availability"</dt><dd>{if p.available { "Available" } else { "Not taking jobs" }}</dd>
        </dl>
    }
}
