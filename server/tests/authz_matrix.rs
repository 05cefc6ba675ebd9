//! Who may call what: one table of every route the app serves, with the
//! callers it lets in, checked by calling each route as each kind of
//! caller. `server routes` lists the routes; one missing from the table
//! fails the test, so every new endpoint must say who may call it here.

mod common;

use common::{Auth, Reply, TestApp, flow::*, run_command};
use std::collections::{BTreeMap, BTreeSet};

/// The callers, in the order of each rule's `who` string.
const CALLERS: [&str; 7] = [
    "anonymous",
    "the owner (customer)",
    "another customer",
    "a mechanic in radius who quoted",
    "a mechanic out of radius",
    "a pending mechanic",
    "an admin",
];

/// One route and who gets past its checks: `who` has a letter per caller,
/// in `CALLERS` order: `y` let in, `.` refused, `c` refused with a 409 that
/// says why (a mechanic awaiting approval). Let in means an answer other
/// than 401, 403, 404 and 409-where-`c` (a 422 for a deliberately bad form
/// counts: the caller got past authorization); for a page, a 200 rather
/// than a redirect to login or to the caller's own area.
struct Rule {
    method: &'static str,
    /// As `server routes` prints it (`{id}` for a parameter).
    route: &'static str,
    /// The request to send: `{J}` and friends are replaced by fixture ids.
    target: &'static str,
    form: &'static [(&'static str, &'static str)],
    who: &'static str,
    /// Ends sessions (this one, or all of the caller's): called with a
    /// fresh login, and the caller logs in again afterwards.
    fresh: bool,
}

const fn rule(
    method: &'static str,
    route: &'static str,
    target: &'static str,
    form: &'static [(&'static str, &'static str)],
    who: &'static str,
) -> Rule {
    Rule {
        method,
        route,
        target,
        form,
        who,
        fresh: false,
    }
}

const fn ending_session(mut r: Rule) -> Rule {
    r.fresh = true;
    r
}

/// Fixture: the owner's job `J` (quoted by the in-radius mechanic),
/// the owner's booked job `B` (accepted quote `QB`, its payment `PB`), the owner's spare
/// vehicle `V`, the pending mechanic `P`, the owner's user id `U`, the
/// in-radius mechanic `M`.
const RULES: &[Rule] = &[
    rule("GET", "/healthz", "/healthz", &[], "yyyyyyy"),
    // Off unless METRICS_TOKEN is set, and then for its holder only (tests/metrics.rs).
    rule("GET", "/metrics", "/metrics", &[], "......."),
    rule("GET", "/readyz", "/readyz", &[], "yyyyyyy"),
    // The installable app's files: the same for everyone (tests/pwa.rs).
    rule("GET", "/sw.js", "/sw.js", &[], "yyyyyyy"),
    rule("GET", "/offline", "/offline", &[], "yyyyyyy"),
    // Redirects everyone: to their area's home, visitors to the landing page.
    rule("GET", "/start", "/start", &[], "yyyyyyy"),
    rule("GET", "/api/events", "/api/events", &[], ".yyyyyy"),
    rule("GET", "/api/events", "/api/events?job={J}", &[], ".y.y..y"),
    rule(
        "GET",
        "/api/site_config",
        "/api/site_config",
        &[],
        "yyyyyyy",
    ),
    // Accounts: bad forms, so nothing is made or changed.
    rule(
        "POST",
        "/api/register",
        "/api/register",
        &[
            ("name", ""),
            ("email", "x@example.com"),
            ("password", ""),
            ("role", "customer"),
        ],
        "yyyyyyy",
    ),
    rule(
        "POST",
        "/api/login",
        "/api/login",
        &[("email", "x@example.com"), ("password", "")],
        "yyyyyyy",
    ),
    ending_session(rule("POST", "/api/logout", "/api/logout", &[], "yyyyyyy")),
    ending_session(rule(
        "POST",
        "/api/logout_everywhere",
        "/api/logout_everywhere",
        &[],
        ".yyyyyy",
    )),
    rule("GET", "/api/me", "/api/me", &[], ".yyyyyy"),
    rule(
        "POST",
        "/api/update_profile",
        "/api/update_profile",
        &[("name", "")],
        ".yyyyyy",
    ),
    rule(
        "POST",
        "/api/change_password",
        "/api/change_password",
        &[("current_password", ""), ("new_password", "")],
        ".yyyyyy",
    ),
    // The garage and jobs.
    rule(
        "GET",
        "/api/my_vehicles",
        "/api/my_vehicles",
        &[],
        ".yy....",
    ),
    rule(
        "POST",
        "/api/add_vehicle",
        "/api/add_vehicle",
        &[
            ("year", "soon"),
            ("make", ""),
            ("model", ""),
            ("colour", ""),
            ("plate", ""),
        ],
        ".yy....",
    ),
    rule(
        "POST",
        "/api/remove_vehicle",
        "/api/remove_vehicle",
        &[("id", "{V}")],
        ".y.....",
    ),
    rule(
        "POST",
        "/api/request_job",
        "/api/request_job",
        &[
            ("vehicle_id", ""),
            ("category", ""),
            ("description", ""),
            ("lat", ""),
            ("lng", ""),
            ("address", ""),
            ("locality", ""),
            ("urgency", "asap"),
        ],
        ".yy....",
    ),
    rule("GET", "/api/my_jobs", "/api/my_jobs", &[], ".yyyyy."),
    rule("GET", "/api/job", "/api/job?id={J}", &[], ".y.y..y"),
    rule("GET", "/api/job", "/api/job?id={B}", &[], ".y.y..y"),
    // Those who may act on a booked job get past the door (completed is not
    // a legal next step, so they get a 409 and nothing moves); which moves
    // each may make is pinned in jobs.rs.
    rule(
        "POST",
        "/api/update_job_status",
        "/api/update_job_status",
        &[("id", "{B}"), ("status", "completed")],
        ".y.y..y",
    ),
    // Only the booked mechanic, and only once on the way: B is booked with
    // the in-radius mechanic but not yet en route, so theirs is a 409.
    rule(
        "POST",
        "/api/share_location",
        "/api/share_location",
        &[
            ("job", "{B}"),
            ("lat", "51.54"),
            ("lng", "-0.14"),
            ("accuracy", "10"),
            ("at", "1"),
        ],
        "...c...",
    ),
    rule(
        "GET",
        "/api/map_settings",
        "/api/map_settings",
        &[],
        "yyyyyyy",
    ),
    rule(
        "GET",
        "/api/admin_live_map",
        "/api/admin_live_map",
        &[],
        "......y",
    ),
    rule("GET", "/admin/map", "/admin/map", &[], "......y"),
    rule(
        "POST",
        "/api/cancel_job",
        "/api/cancel_job",
        &[("id", "{J}"), ("reason", "")],
        ".y....y",
    ),
    // Mechanics.
    rule("GET", "/api/my_profile", "/api/my_profile", &[], "...yyy."),
    rule(
        "POST",
        "/api/save_profile",
        "/api/save_profile",
        &[
            ("display_name", ""),
            ("years_experience", "x"),
            ("base_lat", ""),
            ("base_lng", ""),
            ("base_address", ""),
            ("radius_km", ""),
        ],
        "...yyy.",
    ),
    // A pending mechanic is told why (409, "pending approval"): `c`.
    rule("GET", "/api/open_jobs", "/api/open_jobs", &[], "...yyc."),
    rule(
        "POST",
        "/api/send_quote",
        "/api/send_quote",
        &[
            ("job_id", "{J}"),
            ("note", ""),
            ("arrival_minutes", "x"),
            ("valid_hours", "x"),
        ],
        "...y.c.",
    ),
    rule(
        "POST",
        "/api/withdraw_quote",
        "/api/withdraw_quote",
        &[("id", "{QB}")],
        "...y...",
    ),
    // Already accepted: accepting again changes nothing.
    rule(
        "POST",
        "/api/accept_quote",
        "/api/accept_quote",
        &[("id", "{QB}")],
        ".y.....",
    ),
    // The owner gets past the checks (then a 409: the quote is accepted).
    rule(
        "POST",
        "/api/checkout",
        "/api/checkout",
        &[("id", "{QB}")],
        ".y.....",
    ),
    // Conversations: the thread's two parties write; admins also read
    // (audited). Empty bodies and reasons make a 422 once past the checks.
    rule(
        "GET",
        "/api/messages",
        "/api/messages?job_id={J}&mechanic={M}",
        &[],
        ".y.y..y",
    ),
    rule(
        "POST",
        "/api/send_message",
        "/api/send_message",
        &[
            ("job_id", "{B}"),
            ("id", "0190a1b2-0000-7000-8000-000000000001"),
            ("body", " "),
        ],
        ".y.y...",
    ),
    rule(
        "POST",
        "/api/mark_read",
        "/api/mark_read",
        &[("job_id", "{B}"), ("seq", "0")],
        ".y.y...",
    ),
    rule(
        "POST",
        "/api/typing",
        "/api/typing",
        &[("job_id", "{B}")],
        ".y.y...",
    ),
    rule(
        "POST",
        "/api/report_conversation",
        "/api/report_conversation",
        &[("job_id", "{B}"), ("reason", "")],
        ".y.y...",
    ),
    rule("GET", "/api/unread", "/api/unread", &[], ".yyyyyy"),
    rule(
        "GET",
        "/api/chat_reports",
        "/api/chat_reports",
        &[],
        "......y",
    ),
    rule(
        "POST",
        "/api/close_chat_report",
        "/api/close_chat_report",
        &[("id", "x"), ("outcome", "")],
        "......y",
    ),
    // Admins only; the empty request id makes it a 422 once past the checks.
    rule(
        "POST",
        "/api/refund_payment",
        "/api/refund_payment",
        &[("id", "x"), ("reason", "x"), ("request_id", "")],
        "......y",
    ),
    rule(
        "GET",
        "/api/admin_payments",
        "/api/admin_payments",
        &[],
        "......y",
    ),
    rule(
        "GET",
        "/api/admin_payment",
        "/api/admin_payment?id={PB}",
        &[],
        "......y",
    ),
    // Photos: the job's people list them (a mechanic who quoted, the
    // problem photos only); its customer and booked mechanic add them
    // (the bad size makes a 422 once past the checks); finishing and
    // deleting need one's own upload; the local store's links need a
    // signature made for the caller.
    rule(
        "GET",
        "/api/photos",
        "/api/photos?job_id={J}",
        &[],
        ".y.y..y",
    ),
    rule(
        "POST",
        "/api/photo_upload",
        "/api/photo_upload",
        &[
            ("job_id", "{B}"),
            ("kind", "before"),
            ("byte_size", "0"),
            ("content_type", "image/jpeg"),
        ],
        ".y.y...",
    ),
    rule(
        "POST",
        "/api/photo_done",
        "/api/photo_done",
        &[("id", "x")],
        ".......",
    ),
    rule(
        "POST",
        "/api/delete_photo",
        "/api/delete_photo",
        &[("id", "x")],
        ".......",
    ),
    rule(
        "PUT",
        "/api/photo_blob/{*key}",
        "/api/photo_blob/uploads/x?u={U}&exp=9999999999999&len=1&type=image%2Fjpeg&sig=00",
        &[],
        ".......",
    ),
    rule(
        "GET",
        "/api/photo_file/{*key}",
        "/api/photo_file/photos/{J}/x/thumb.jpg?u={U}&exp=9999999999999&sig=00",
        &[],
        ".......",
    ),
    // Notifications: everyone signed in has their own centre, devices and
    // choices (the bad time zone and endpoint make 422s once past the
    // checks); one's own notification or device only (`x` is nobody's).
    rule(
        "GET",
        "/api/notifications",
        "/api/notifications",
        &[],
        ".yyyyyy",
    ),
    rule(
        "POST",
        "/api/read_notification",
        "/api/read_notification",
        &[("id", "x")],
        ".......",
    ),
    rule(
        "POST",
        "/api/read_all_notifications",
        "/api/read_all_notifications",
        &[],
        ".yyyyyy",
    ),
    rule(
        "GET",
        "/api/push_settings",
        "/api/push_settings",
        &[],
        ".yyyyyy",
    ),
    rule(
        "POST",
        "/api/push_subscribe",
        "/api/push_subscribe",
        &[
            ("endpoint", "http://x"),
            ("p256dh", "x"),
            ("auth", "x"),
            ("label", "x"),
        ],
        ".yyyyyy",
    ),
    rule(
        "POST",
        "/api/push_unsubscribe",
        "/api/push_unsubscribe",
        &[("id", "x")],
        ".......",
    ),
    rule(
        "POST",
        "/api/notification_prefs",
        "/api/notification_prefs",
        &[
            ("muted", ""),
            ("quiet_start", ""),
            ("quiet_end", ""),
            ("time_zone", "Nowhere/Else"),
        ],
        ".yyyyyy",
    ),
    // Stripe's, authenticated by its signature, not a session; without
    // Stripe keys (the demo mode, as here) it does not exist (tests/payments.rs).
    rule(
        "POST",
        "/api/stripe/webhook",
        "/api/stripe/webhook",
        &[],
        ".......",
    ),
    // The admin console.
    rule(
        "GET",
        "/api/admin_overview",
        "/api/admin_overview",
        &[],
        "......y",
    ),
    rule(
        "GET",
        "/api/admin_users",
        "/api/admin_users",
        &[],
        "......y",
    ),
    rule("GET", "/api/admin_jobs", "/api/admin_jobs", &[], "......y"),
    rule(
        "GET",
        "/api/admin_user",
        "/api/admin_user?id={U}",
        &[],
        "......y",
    ),
    rule(
        "POST",
        "/api/admin_review",
        "/api/admin_review",
        &[("id", "{P}"), ("action", "promote"), ("reason", "")],
        "......y",
    ),
    rule(
        "GET",
        "/api/admin_audit",
        "/api/admin_audit",
        &[],
        "......y",
    ),
    // Pages.
    rule("GET", "/", "/", &[], "yyyyyyy"),
    rule("GET", "/login", "/login", &[], "yyyyyyy"),
    rule("GET", "/register", "/register", &[], "yyyyyyy"),
    rule("GET", "/account", "/account", &[], ".yyyyyy"),
    rule("GET", "/notifications", "/notifications", &[], ".yyyyyy"),
    rule("GET", "/customer", "/customer", &[], ".yy...."),
    rule(
        "GET",
        "/customer/request",
        "/customer/request",
        &[],
        ".yy....",
    ),
    rule(
        "GET",
        "/customer/garage",
        "/customer/garage",
        &[],
        ".yy....",
    ),
    rule(
        "GET",
        "/customer/jobs/{id}",
        "/customer/jobs/{J}",
        &[],
        // Another customer's job is a 404 page, not a shell saying so.
        ".y.....",
    ),
    rule("GET", "/mechanic", "/mechanic", &[], "...yyy."),
    rule(
        "GET",
        "/mechanic/profile",
        "/mechanic/profile",
        &[],
        "...yyy.",
    ),
    rule(
        "GET",
        "/mechanic/jobs/{id}",
        "/mechanic/jobs/{B}",
        &[],
        "...y...",
    ),
    rule("GET", "/admin", "/admin", &[], "......y"),
    rule("GET", "/admin/users", "/admin/users", &[], "......y"),
    rule(
        "GET",
        "/admin/users/{id}",
        "/admin/users/{U}",
        &[],
        "......y",
    ),
    rule("GET", "/admin/audit", "/admin/audit", &[], "......y"),
    rule("GET", "/admin/jobs", "/admin/jobs", &[], "......y"),
    rule("GET", "/admin/payments", "/admin/payments", &[], "......y"),
    rule("GET", "/admin/reports", "/admin/reports", &[], "......y"),
    rule(
        "GET",
        "/admin/payments/{id}",
        "/admin/payments/{PB}",
        &[],
        "......y",
    ),
    rule("GET", "/admin/jobs/{id}", "/admin/jobs/{J}", &[], "......y"),
];

/// Tokens of the callers (anonymous has none) and the fixture's ids.
struct World {
    tokens: [Option<String>; 7],
    emails: [Option<&'static str>; 7],
    ids: BTreeMap<&'static str, String>,
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin(ADMIN, PW).await;
    let (owner, vehicle) = customer(app, "priya@example.com").await;
    let (other, _) = customer(app, "ben@example.com").await;
    let near = near_mechanic(app, &admin, "dan@example.com").await;
    // Croydon, 10 km: the Camden job is about 17 km away.
    let far = mechanic(
        app,
        &admin,
        "far@example.com",
        ("51.3762", "-0.0982"),
        "10",
        true,
        true,
    )
    .await;
    let pending = mechanic(
        app,
        &admin,
        "pen@example.com",
        ("51.5450", "-0.1500"),
        "12",
        true,
        false,
    )
    .await;

    let job = request_job(app, &owner, &vehicle).await;
    assert_eq!(quote(app, &near, &job, "60", "30").await.status, 200);
    let booked = request_job(app, &owner, &vehicle).await;
    let qb = quote(app, &near, &booked, "70", "30").await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post("/api/accept_quote", &[("id", &qb)], Auth::Bearer(&owner))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The demo payment mode's hold that booked it.
    let payment = r.json["payment"]["id"].as_str().unwrap().to_owned();
    let spare = app
        .post(
            "/api/add_vehicle",
            &[
                ("year", "2012"),
                ("make", "Ford"),
                ("model", "Ka"),
                ("colour", "Red"),
                ("plate", "xy12 abc"),
            ],
            Auth::Bearer(&owner),
        )
        .await;
    assert_eq!(spare.status, 200, "{}", spare.body);
    let me = app.get("/api/me", Auth::Bearer(&owner)).await;

    let ids = BTreeMap::from([
        ("{J}", job),
        ("{B}", booked),
        ("{QB}", qb),
        ("{PB}", payment),
        ("{V}", spare.json["id"].as_str().unwrap().to_owned()),
        ("{P}", pending.id.clone()),
        ("{M}", near.id.clone()),
        ("{U}", me.json["id"].as_str().unwrap().to_owned()),
    ]);
    World {
        tokens: [
            None,
            Some(owner),
            Some(other),
            Some(near.token),
            Some(far.token),
            Some(pending.token),
            Some(admin),
        ],
        emails: [
            None,
            Some("priya@example.com"),
            Some("ben@example.com"),
            Some("dan@example.com"),
            Some("far@example.com"),
            Some("pen@example.com"),
            Some(ADMIN),
        ],
        ids,
    }
}

fn fill(text: &str, ids: &BTreeMap<&'static str, String>) -> String {
    ids.iter()
        .fold(text.to_owned(), |t, (k, v)| t.replace(k, v))
}

/// Calls `rule` as caller `i`; returns the status, the body and whether it was let in.
async fn login(app: &TestApp, email: &str) -> String {
    let r = app.login(email, PW).await;
    r.json["token"].as_str().expect("login").to_owned()
}

async fn call(app: &TestApp, w: &mut World, rule: &Rule, i: usize) -> (u16, String, bool) {
    let token = match (&w.tokens[i], w.emails[i], rule.fresh) {
        (Some(_), Some(email), true) => Some(login(app, email).await),
        (t, _, _) => t.clone(),
    };
    let answer = send(app, w, rule, token.as_deref()).await;
    if let (Some(email), true) = (w.emails[i], rule.fresh) {
        w.tokens[i] = Some(login(app, email).await);
    }
    answer
}

async fn send(app: &TestApp, w: &World, rule: &Rule, token: Option<&str>) -> (u16, String, bool) {
    let auth = token.map_or(Auth::None, Auth::Cookie);
    let target = fill(rule.target, &w.ids);
    if rule.route == "/api/events" {
        let auth = token.map_or(Auth::None, Auth::Bearer);
        let query = target.trim_start_matches("/api/events");
        let res = app.open_events(query, auth, None).await;
        let status = res.status().as_u16();
        return (status, String::new(), status == 200);
    }
    let reply: Reply = if rule.method == "GET" {
        app.get(&target, auth).await
    } else if rule.method == "PUT" {
        let put = auth.apply(reqwest::Client::new().put(app.url(&target)));
        Reply::of(put.body("x").send().await.unwrap()).await
    } else {
        let form: Vec<(String, String)> = rule
            .form
            .iter()
            .map(|(k, v)| (k.to_string(), fill(v, &w.ids)))
            .collect();
        // As an API client with the token: pages and forms are the same rules.
        let auth = token.map_or(Auth::None, Auth::Bearer);
        app.post_pairs(&target, &form, auth).await
    };
    let is_page = !rule.route.starts_with("/api/")
        && !["/healthz", "/readyz", "/metrics", "/sw.js", "/start"].contains(&rule.route);
    let let_in = if is_page {
        reply.status == 200
    } else {
        !matches!(reply.status, 401 | 403 | 404)
    };
    (reply.status, reply.body, let_in)
}

both_databases! {
    async fn every_route_lets_in_exactly_the_callers_its_rule_names(db) {
        let app = spawn!(db);
        let mut w = world(&app).await;
        let address = ADDRESS;
        let mut wrong = Vec::new();
        for rule in RULES {
            assert_eq!(rule.who.len(), CALLERS.len(), "{}", rule.target);
            for (i, want) in rule.who.chars().enumerate() {
                let (status, body, let_in) = call(&app, &mut w, rule, i).await;
                let right = match want {
                    'y' => let_in,
                    'c' => status == 409,
                    _ => !let_in,
                };
                if !right {
                    wrong.push(format!(
                        "{} {} as {}: {} (expected {})\n    {}",
                        rule.method,
                        fill(rule.target, &w.ids),
                        CALLERS[i],
                        status,
                        match want { 'y' => "let in", 'c' => "a 409", _ => "refused" },
                        body.chars().take(160).collect::<String>(),
                    ));
                }
                // Whoever is refused learns nothing of the owner's job or account.
                if want != 'y' {
                    for secret in [address, "priya@example.com"] {
                        if body.contains(secret) {
                            wrong.push(format!("{} {} as {} leaks {secret:?}", rule.method, rule.target, CALLERS[i]));
                        }
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    }

    async fn every_route_the_app_serves_has_a_rule(db) {
        let app = spawn!(db);
        let run = run_command(&app.db, &["routes"], &[]).await;
        assert!(run.success, "server routes: {}", run.stderr);
        let served: BTreeSet<(String, String)> = run
            .stdout
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(m, p)| (m.to_owned(), p.to_owned()))
            .collect();
        assert!(served.len() > 40, "{served:?}");
        let ruled: BTreeSet<(String, String)> = RULES
            .iter()
            .map(|r| (r.method.to_owned(), r.route.to_owned()))
            .collect();
        let missing: Vec<_> = served.difference(&ruled).collect();
        assert!(missing.is_empty(), "routes with no rule in authz_matrix.rs: {missing:?}");
        let stale: Vec<_> = ruled.difference(&served).collect();
        assert!(stale.is_empty(), "rules for routes the app does not serve: {stale:?}");
    }
}
