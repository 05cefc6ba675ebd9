//! The admin console (desktop, 1280 px and wider): overview, users, one user's review, audit log.

use crate::{
    api::admin::{AdminReview, admin_audit, admin_jobs, admin_overview, admin_user, admin_users},
    domain::{
        Account, AccountStatus, AppError, Role,
        account::encode_query_value,
        admin::{AdminJob, AuditEntry, Paging, ReviewAction, UserDetail, audit, review},
        job::JobStatus,
        mechanic::MechanicProfile,
        time::{format_date, format_utc},
    },
    ui::live::Live,
    ui::{
        areas::Greeting,
        forms::{FormError, TextArea},
        jobs::StatusPill,
        mechanic::years_words,
        session::RequireSignIn,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_location, use_params_map, use_query_map},
    params::ParamsMap,
};

/// Every console page: the sign-in check, the console's own navigation, the page.
#[component]
pub(super) fn Console(title: &'static str, children: ChildrenFn) -> impl IntoView {
    let location = use_location();
    let current = move |href: &'static str| {
        let path = location.pathname.get();
        let here = if href == "/admin" {
            path == href
        } else {
            path.starts_with(href)
        };
        here.then_some("page")
    };
    let children = StoredValue::new(children);
    view! {
        <Title text=title />
        <div class="console">
            <RequireSignIn>
                <nav class="console-nav" aria-label="Console">
                    <a href="/admin" aria-current=move || current("/admin")>"Overview"</a>
                    <a href="/admin/users" aria-current=move || current("/admin/users")>"Users"</a>
                    <a href="/admin/jobs" aria-current=move || current("/admin/jobs")>"Jobs"</a>
                    <a href="/admin/map" aria-current=move || current("/admin/map")>"Live map"</a>
                    <a href="/admin/audit" aria-current=move || current("/admin/audit")>"Audit log"</a>
                </nav>
                {children.read_value()()}
            </RequireSignIn>
        </div>
    }
}

fn loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

fn failed(e: AppError) -> AnyView {
    view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any()
}

/// A list page's link to another page of the same filtered list.
fn list_href(path: &str, query: Memo<ParamsMap>, filters: &[&str], page: u32) -> String {
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

const PENDING_MECHANICS: &str = "/admin/users?role=mechanic&status=pending_approval";

#[component]
pub fn AdminHome() -> impl IntoView {
    let overview = Resource::new(|| (), |_| admin_overview());
    let pending = Resource::new(
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
    let users = Resource::new(
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
    let jobs = Resource::new(
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
fn JobsTable(jobs: Vec<AdminJob>) -> impl IntoView {
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
                            <td class="nowrap">{format_utc(j.created_at)}</td>
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
fn UsersTable(users: Vec<Account>) -> impl IntoView {
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
                        <td>{format_date(u.created_at)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn StatusBadge(status: AccountStatus) -> impl IntoView {
    let class = match status {
        AccountStatus::Active => "badge ok",
        AccountStatus::PendingApproval => "badge pending",
        AccountStatus::Suspended => "badge stopped",
    };
    view! { <span class=class>{status.label()}</span> }
}

/// "Page 2 of 3 · 61 users", with links either side.
#[component]
fn Pager(
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
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let detail = Resource::new(id, admin_user);
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
                    <dt>"Joined"</dt><dd>{format_utc(a.created_at)}</dd>
                    {d.approved_at.map(|at| view! { <dt>"Approved"</dt><dd>{format_utc(at)}</dd> })}
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
                    {possible.into_iter().map(|a| view! { <ReviewForm act id=id.clone() action=a error /> }).collect_view()}
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
fn ProfileFacts(profile: MechanicProfile) -> impl IntoView {
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

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let entries = Resource::new(
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
                            {audit::ALL.into_iter().map(|(a, label)| view! {
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

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
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
                <tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"On whom"</th><th>"Reason"</th></tr>
            </thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr>
                        <td class="nowrap">{format_utc(e.at)}</td>
                        <td>{party(e.actor)}</td>
                        <td>{audit::label(&e.action).to_owned()}</td>
                        <td>{party(e.subject)}</td>
                        <td>{e.reason.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
