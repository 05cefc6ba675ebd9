//! The admin console's pages: `/admin`, `/admin/users`, `/admin/users/:id`, `/admin/jobs`, `/admin/audit`.

use crate::domain::admin::AuditAction;
use crate::ui::json::load;
use crate::ui::parts::console::{
    AuditTable, Console, JobsTable, Pager, ProfileFacts, StatusBadge, UsersTable, failed,
    list_href, loading,
};
use crate::{
    api::admin::{AdminReview, admin_audit, admin_jobs, admin_overview, admin_user, admin_users},
    domain::{
        Account, AccountStatus, AppError, Role, UserId,
        admin::{ReviewAction, UserDetail, review},
        job::JobStatus,
    },
    ui::live::Live,
    ui::{
        parts::areas::Greeting,
        parts::forms::{FormError, TextArea},
        parts::local_time::LocalTime,
    },
};
use leptos::prelude::*;
use leptos_router::{
    components::Form,
    hooks::{use_params_map, use_query_map},
};

const PENDING_MECHANICS: &str = "/admin/users?role=mechanic&status=pending_approval";

#[component]
pub fn AdminHome() -> impl IntoView {
    let overview = load(|| (), |_| admin_overview());
    let pending = load(
        || (),
        |_| {
            admin_users(
                None,
                Some("mechanic".into()),
                Some("pending_approval".into()),
                None,
            )
        },
    );
    view! {
        <Console title="Admin console">
            <Greeting />
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! {
                            <ul class="stats">
                                <li><a href="/admin/users?role=customer"><strong>{o.customers}</strong>" customers"</a></li>
                                <li><a href="/admin/users?role=mechanic"><strong>{o.mechanics}</strong>" mechanics"</a></li>
                                <li><a href=PENDING_MECHANICS><strong>{o.mechanics_pending}</strong>" awaiting approval"</a></li>
                                <li><a href="/admin/users?status=suspended"><strong>{o.suspended}</strong>" suspended"</a></li>
                            </ul>
                        }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Suspense>
            <h2>"Mechanics awaiting review"</h2>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match pending.await {
                        Ok(page) if page.users.is_empty() => view! {
                            <p class="empty">"Nobody is waiting. New mechanics appear here when they sign up."</p>
                        }.into_any(),
                        Ok(page) => view! {
                            <UsersTable users=page.users />
                            {(page.total > i64::from(page.paging.per_page)).then(|| view! {
                                <p><a href=PENDING_MECHANICS>{format!("All {} awaiting review", page.total)}</a></p>
                            })}
                        }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Suspense>
        </Console>
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let users = load(
        move || {
            (
                param("search"),
                param("role"),
                param("status"),
                param("page"),
            )
        },
        |(search, role, status, page)| {
            admin_users(search, role, status, page.and_then(|p| p.parse().ok()))
        },
    );
    let page_href =
        move |page| list_href("/admin/users", query, &["search", "role", "status"], page);
    view! {
        <Console title="Users">
            <h1>"Users"</h1>
            <Form method="GET" action="/admin/users">
                <div class="filters">
                    <div class="field">
                        <label for="filter-search">"Name or email"</label>
                        <input id="filter-search" type="search" name="search" value=move || param("search") />
                    </div>
                    <div class="field">
                        <label for="filter-role">"Role"</label>
                        <select id="filter-role" name="role">
                            <option value="">"Any role"</option>
                            {Role::ALL.into_iter().map(|r| view! {
                                <option value=r.as_str() selected=move || param("role").as_deref() == Some(r.as_str())>{r.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="filter-status">"Status"</label>
                        <select id="filter-status" name="status">
                            <option value="">"Any status"</option>
                            {AccountStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() selected=move || param("status").as_deref() == Some(s.as_str())>{s.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button">"Filter"</button>
                    <a href="/admin/users">"Clear"</a>
                </div>
            </Form>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(page) if page.users.is_empty() => view! {
                            <p class="empty">"No users match."</p>
                        }.into_any(),
                        Ok(page) => view! {
                            <UsersTable users=page.users />
                            <Pager paging=page.paging total=page.total noun=("user", "users") href=page_href />
                        }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Suspense>
        </Console>
    }
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let changed = Live::get().any_version();
    let jobs = load(
        move || (param("status"), param("page"), changed.get()),
        |(status, page, _)| admin_jobs(status, page.and_then(|p| p.parse().ok())),
    );
    let page_href = move |page| list_href("/admin/jobs", query, &["status"], page);
    view! {
        <Console title="Jobs">
            <h1>"Jobs"</h1>
            <Form method="GET" action="/admin/jobs">
                <div class="filters">
                    <div class="field">
                        <label for="filter-status">"Status"</label>
                        <select id="filter-status" name="status">
                            <option value="">"Any status"</option>
                            {JobStatus::ALL.into_iter().map(|s| view! {
                                <option value=s.as_str() selected=move || param("status").as_deref() == Some(s.as_str())>{s.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button">"Filter"</button>
                    <a href="/admin/jobs">"Clear"</a>
                </div>
            </Form>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(page) if page.jobs.is_empty() => view! {
                            <p class="empty">"No jobs match."</p>
                        }.into_any(),
                        Ok(page) => view! {
                            <JobsTable jobs=page.jobs />
                            <Pager paging=page.paging total=page.total noun=("job", "jobs") href=page_href />
                        }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Transition>
        </Console>
    }
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = load(move || UserId::from(id()), admin_user);
    view! {
        <Console title="User">
            <p><a href="/admin/users">"← All users"</a></p>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => view! { <Review initial=d /> }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Suspense>
        </Console>
    }
}

/// One user, and what an admin may do to them now.
#[component]
fn Review(initial: UserDetail) -> impl IntoView {
    let me = expect_context::<Account>();
    let act = ServerAction::<AdminReview>::new();
    // The newest known state: what the last review returned, else the page's.
    let detail = Signal::derive(move || match act.value().get() {
        Some(Ok(d)) => d,
        _ => initial.clone(),
    });
    let error: Signal<Option<AppError>> =
        Signal::derive(move || act.value().get().and_then(Result::err));
    let done = move || {
        matches!(act.value().get(), Some(Ok(_))).then(|| {
            let d = detail.get();
            format!(
                "Done: {} is now {}.",
                d.account.name,
                d.account.status.label().to_lowercase()
            )
        })
    };
    view! {
        {move || {
            let d = detail.get();
            let a = d.account.clone();
            view! {
                <div class="title-row">
                    <h1>{a.name.clone()}</h1>
                    <StatusBadge status=a.status />
                </div>
                <dl class="details">
                    <dt>"Email"</dt><dd>{a.email.clone()}</dd>
                    <dt>"Phone"</dt><dd>{a.phone.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Role"</dt><dd>{a.role.label()}</dd>
                    <dt>"Joined"</dt><dd><LocalTime at=a.created_at /></dd>
                    {d.approved_at.map(|at| view! { <dt>"Approved"</dt><dd><LocalTime at=at /></dd> })}
                    {d.status_reason.clone().map(|r| view! { <dt>"Reason"</dt><dd>{r}</dd> })}
                </dl>
                {(a.role == Role::Mechanic).then(|| match d.profile.clone() {
                    Some(p) => view! { <ProfileFacts profile=p /> }.into_any(),
                    None => view! { <p class="banner">"This mechanic has not filled in a profile yet."</p> }.into_any(),
                })}
            }
        }}
        <h2>"Review"</h2>
        {move || done().map(|m| view! { <p class="notice" role="status">{m}</p> })}
        <FormError error />
        {move || {
            let d = detail.get();
            let target = d.review_target();
            // The same rule the server applies decides which buttons exist.
            let outcome = |a| review(a, &me.id, &target, "reason given");
            let possible: Vec<ReviewAction> = ReviewAction::ALL
                .into_iter()
                .filter(|a| outcome(*a).is_ok())
                .collect();
            let blocked = match outcome(ReviewAction::Approve) {
                Err(AppError::Conflict { message }) if d.account.status == AccountStatus::PendingApproval => Some(message),
                _ => None,
            };
            let id = d.account.id.clone();
            view! {
                {blocked.map(|m| view! { <p class="hint">{m}</p> })}
                {possible.is_empty().then(|| view! { <p class="hint">"Nothing to review: you cannot change your own account."</p> })}
                <div class="review-actions">
                    {possible.into_iter().map(|a| view! { <ReviewForm act id=id.to_string() action=a error /> }).collect_view()}
                </div>
            }
        }}
        <h2>"History"</h2>
        {move || view! { <AuditTable entries=detail.get().history /> }}
    }
}

#[component]
fn ReviewForm(
    act: ServerAction<AdminReview>,
    id: String,
    action: ReviewAction,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let (label, class, effect) = match action {
        ReviewAction::Approve => ("Approve", "button", "They can quote for jobs at once."),
        ReviewAction::Reject => (
            "Reject",
            "button danger",
            "They cannot log in until reinstated.",
        ),
        ReviewAction::Suspend => (
            "Suspend",
            "button danger",
            "Every session ends at once; they cannot log in until reinstated.",
        ),
        ReviewAction::Reinstate => ("Reinstate", "button", "They can log in again."),
    };
    view! {
        <ActionForm action=act attr:class="review-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="action" value=action.as_str() />
            <p class="hint">{effect}</p>
            {action.needs_reason().then(|| view! {
                <TextArea
                    label=if action == ReviewAction::Reject { "Why are you rejecting them?" } else { "Why are you suspending them?" }
                    name="reason"
                    rows=2
                    required=true
                    hint="The user is shown this when they try to log in."
                    error
                />
            })}
            <button type="submit" class=class disabled=move || act.pending().get()>{label}</button>
        </ActionForm>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let entries = load(
        move || (param("actor"), param("action"), param("page")),
        |(actor, action, page)| admin_audit(actor, action, page.and_then(|p| p.parse().ok())),
    );
    let page_href = move |page| list_href("/admin/audit", query, &["actor", "action"], page);
    view! {
        <Console title="Audit log">
            <h1>"Audit log"</h1>
            <Form method="GET" action="/admin/audit">
                <div class="filters">
                    <div class="field">
                        <label for="filter-actor">"Done by (email)"</label>
                        <input id="filter-actor" type="search" name="actor" value=move || param("actor") />
                    </div>
                    <div class="field">
                        <label for="filter-action">"Action"</label>
                        <select id="filter-action" name="action">
                            <option value="">"Every action"</option>
                            {AuditAction::ALL.into_iter().map(|a| (a.as_str(), a.label())).map(|(a, label)| view! {
                                <option value=a selected=move || param("action").as_deref() == Some(a)>{label}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button">"Filter"</button>
                    <a href="/admin/audit">"Clear"</a>
                </div>
            </Form>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(page) => view! {
                            <AuditTable entries=page.entries />
                            <Pager paging=page.paging total=page.total noun=("entry", "entries") href=page_href />
                        }.into_any(),
                        Err(e) => failed(e),
                    }
                })}
            </Suspense>
        </Console>
    }
}
