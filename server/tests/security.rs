//! Hardening seen from outside: stored markup is served as text, bad
//! prices are refused, and the other findings of the security review, on
//! SQLite and PostgreSQL.

mod common;

use common::{
    Auth, TestApp,
    fixtures::{AUTH_SECRET, P256DH, small_jpeg},
    flow::*,
    pairs, with,
};

/// Closes whatever raw-text element it lands in, then runs script.
const MARKUP: &str = "</textarea></script><img src=x onerror=alert(1)>";
/// For fields with room for 40 characters.
const SHORT: &str = "<img src=x onerror=alert(1)>";
/// The later features' free text the sweep stores: a message, a photo's
/// caption, a report's reason and outcome, an adjusted price's reason, a
/// refund's reason, a device's label.
const SWEPT: [&str; 7] = [
    "See you at nine",
    "Front wheel",
    "Rude words",
    "Warned both",
    "Pads were fine",
    "Goodwill",
    "Kitchen tablet",
];

/// What must never appear in a page: the payload parsed as a tag.
const LIVE_TAG: &str = "<img src=x onerror";

/// A page as a browser signed in with `token` would load it.
async fn page(app: &TestApp, token: &str, path: &str) -> String {
    let r = app.get(path, Auth::Cookie(token)).await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.body);
    r.body
}

fn marked(what: &str) -> String {
    format!("{what} {MARKUP}")
}

both_databases! {
    async fn markup_in_every_free_text_field_is_served_as_text(db) {
        let app = spawn!(db, &[("PUSH_ALLOW_LOOPBACK_HTTP", "true")]);
        let admin = app.admin(ADMIN, PW).await;
        let customer = app.register("customer", &marked("Priya"), "priya@example.com", PW).await;
        let r = app
            .post(
                "/api/add_vehicle",
                &[
                    ("year", "2016"),
                    ("make", "Ford"),
                    ("model", "Focus"),
                    ("trim", SHORT),
                    ("colour", "Blue"),
                    ("plate", "ab12 cde"),
                    ("vin", "1HGCM82633A004352"),
                ],
                Auth::Bearer(&customer),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let vehicle = r.json["id"].as_str().unwrap().to_owned();
        let form = with(
            job_form(&vehicle),
            &[
                ("description", &marked("Grinding from the front")),
                ("address", &marked("12 Parkway")),
                ("locality", &marked("Camden")),
            ],
        );
        let r = app.post_pairs("/api/request_job", &form, Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let job = r.json["id"].as_str().unwrap().to_owned();

        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let profile = pairs(&[
            ("display_name", &marked("Dan's Mobile")),
            ("bio", &marked("Nine years on brakes")),
            ("skills[]", "brakes"),
            ("years_experience", "9"),
            ("base_lat", "51.5450"),
            ("base_lng", "-0.1500"),
            ("base_address", &marked("Camden Road")),
            ("radius_km", "12"),
            ("available", "on"),
        ]);
        let r = app.post_pairs("/api/save_profile", &profile, Auth::Bearer(&dan.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let quote_form = with(
            quote_form(&job, "60", "34.99"),
            &[
                ("items[0][description]", &marked("Replace pads")),
                ("note", &marked("Genuine parts")),
            ],
        );
        let r = app.post_pairs("/api/send_quote", &quote_form, Auth::Bearer(&dan.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let dan_quote = r.json["id"].as_str().unwrap().to_owned();
        let r = app
            .post(
                "/api/admin_review",
                &[("id", &dan.id), ("action", "suspend"), ("reason", &marked("Checking documents"))],
                Auth::Bearer(&admin),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app
            .post("/api/admin_review", &[("id", &dan.id), ("action", "reinstate"), ("reason", "")], Auth::Bearer(&admin))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let dan_token = app.login("dan@example.com", PW).await.json["token"].as_str().unwrap().to_owned();
        // A cancelled job shows its reason.
        let r = app.post_pairs("/api/request_job", &job_form(&vehicle), Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let cancelled = r.json["id"].as_str().unwrap().to_owned();
        let r = app
            .post("/api/cancel_job", &[("id", &cancelled), ("reason", &marked("Fixed it myself"))], Auth::Bearer(&customer))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        // Booked, talked about, photographed, reported, adjusted, refunded.
        let r = app.post("/api/accept_quote", &[("id", &dan_quote)], Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let payment = r.json["payment"]["id"].as_str().unwrap().to_owned();
        let said = app
            .post("/api/send_message", &[("job_id", &job), ("id", &uuid::Uuid::now_v7().to_string()), ("body", &marked(SWEPT[0]))], Auth::Bearer(&customer))
            .await;
        assert_eq!(said.status, 200, "{}", said.body);
        let photo = small_jpeg();
        let ticket = app
            .post(
                "/api/photo_upload",
                &[("job_id", &job), ("kind", "problem"), ("caption", &marked(SWEPT[1])), ("byte_size", &photo.len().to_string()), ("content_type", "image/jpeg")],
                Auth::Bearer(&customer),
            )
            .await;
        assert_eq!(ticket.status, 200, "{}", ticket.body);
        let put = Auth::Cookie(&customer).apply(app.client.put(app.url(ticket.json["url"].as_str().unwrap())));
        let sent = put.header("content-type", "image/jpeg").body(photo).send().await.unwrap();
        assert_eq!(sent.status(), 200);
        let done = app.post("/api/photo_done", &[("id", ticket.json["id"].as_str().unwrap())], Auth::Bearer(&customer)).await;
        assert_eq!(done.status, 200, "{}", done.body);
        let reported = app.post("/api/report_conversation", &[("job_id", &job), ("reason", &marked(SWEPT[2]))], Auth::Bearer(&dan_token)).await;
        assert_eq!(reported.status, 200, "{}", reported.body);
        let reports = app.get("/api/chat_reports", Auth::Bearer(&admin)).await;
        let report = reports.json[0]["id"].as_str().expect("a report").to_owned();
        let closed = app.post("/api/close_chat_report", &[("id", &report), ("outcome", &marked(SWEPT[3]))], Auth::Bearer(&admin)).await;
        assert_eq!(closed.status, 200, "{}", closed.body);
        for status in ["en_route", "arrived", "in_progress"] {
            assert_eq!(move_to(&app, &dan_token, &job, status).await.status, 200, "{status}");
        }
        let completed = app
            .post(
                "/api/update_job_status",
                &[("id", &job), ("status", "completed"), ("final_amount", "80.00"), ("adjust_reason", &marked(SWEPT[4]))],
                Auth::Bearer(&dan_token),
            )
            .await;
        assert_eq!(completed.status, 200, "{}", completed.body);
        let refunded = app
            .post("/api/refund_payment", &[("id", &payment), ("amount", "5.00"), ("reason", &marked(SWEPT[5])), ("request_id", "sweep")], Auth::Bearer(&admin))
            .await;
        assert_eq!(refunded.status, 200, "{}", refunded.body);
        let device = app
            .post(
                "/api/push_subscribe",
                &[("endpoint", "http://127.0.0.1:9/push/sweep"), ("p256dh", P256DH), ("auth", AUTH_SECRET), ("label", &marked(SWEPT[6]))],
                Auth::Bearer(&customer),
            )
            .await;
        assert_eq!(device.status, 200, "{}", device.body);

        let pages = [
            (&customer, "/customer".to_owned()),
            (&customer, "/customer/garage".to_owned()),
            (&customer, "/customer/request".to_owned()),
            (&customer, format!("/customer/jobs/{job}")),
            (&customer, "/account".to_owned()),
            (&dan_token, "/mechanic".to_owned()),
            (&dan_token, "/mechanic/profile".to_owned()),
            (&dan_token, format!("/mechanic/jobs/{job}")),
            (&admin, "/admin/users".to_owned()),
            (&admin, format!("/admin/users/{}", dan.id)),
            (&admin, "/admin/audit".to_owned()),
            (&admin, "/admin/jobs".to_owned()),
            (&admin, format!("/admin/jobs/{job}")),
            (&customer, format!("/customer/jobs/{cancelled}")),
            (&admin, format!("/admin/jobs/{cancelled}")),
            (&customer, "/notifications".to_owned()),
            (&admin, "/admin/reports?all=true".to_owned()),
            (&admin, "/admin/payments".to_owned()),
            (&admin, format!("/admin/payments/{payment}")),
        ];
        let mut shown = 0;
        let mut all = String::new();
        for (token, path) in pages {
            let body = page(&app, token, &path).await;
            assert!(!body.contains(LIVE_TAG), "{path} serves stored markup as HTML:\n{body}");
            shown += body.matches("&lt;img src=x onerror").count();
            all.push_str(&body);
        }
        // The payloads were stored and shown, as text, not dropped.
        assert!(shown >= 15, "only {shown} escaped payloads shown");
        // Those the server renders, shown as text; a message and a caption
        // are drawn in the browser, where end2end/tests/markup.spec.ts looks.
        for what in &SWEPT[2..] {
            assert!(all.contains(&format!("{what} &lt;/textarea&gt;")), "{what:?} is not shown on any page");
        }
    }

    async fn a_comma_in_a_price_is_refused_with_a_reason(db) {
        let app = spawn!(db);
        let Requested { admin, job, .. } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let r = quote(&app, &dan, &job, "45,00", "0").await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("use a point for pence"), "{}", r.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM quotes").await, 0);
        let r = quote(&app, &dan, &job, "1,045.00", "0").await;
        assert_eq!((r.status, &r.json["total"]["cents"]), (200, &serde_json::json!(104_500)), "{}", r.body);
    }
}

/// `n` copies of one request at once; the replies in the order they were sent.
async fn parallel<F, Fut>(n: usize, send: F) -> Vec<common::Reply>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = common::Reply>,
{
    futures::future::join_all((0..n).map(send)).await
}

both_databases! {
    async fn parallel_guesses_are_counted_before_they_are_checked(db) {
        let app = spawn!(db);
        app.register("customer", "Ann Lee", "ann@example.com", PW).await;
        let replies = parallel(50, |i| {
            let app = &app;
            async move { app.login("ann@example.com", &format!("wrong guess {i}")).await }
        })
        .await;
        let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
        // Each guess that reached the password check is kept as a failure.
        let verified = app.count("SELECT COUNT(*) FROM login_failures").await;
        assert!(verified <= 5, "{verified} guesses were checked, the limit is 5: {statuses:?}");
        assert!(statuses.iter().filter(|s| **s == 401).count() <= 5, "{statuses:?}");
        // Guesses refused at the door are not kept: the rest of the five are still to come.
        for n in verified + 1..=5 {
            let expected = if n == 5 { 429 } else { 401 };
            assert_eq!(app.login("ann@example.com", "one more guess").await.status, expected, "failure {n}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM login_failures").await, 5);
        let right = app.login("ann@example.com", PW).await;
        assert_eq!(right.status, 429, "the right password after the fifth guess: {}", right.body);
    }

    async fn simultaneous_right_passwords_from_one_address_all_sign_in(db) {
        let app = spawn!(db);
        // An office behind one address: more people than its failure limit (20).
        let emails: Vec<String> = (0..45).map(|i| format!("staff{i}@example.com")).collect();
        for e in &emails {
            app.register("customer", "Office Staff", e, PW).await;
        }
        let replies = parallel(emails.len(), |i| {
            let (app, email) = (&app, emails[i].clone());
            async move { app.login(&email, PW).await }
        })
        .await;
        let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM login_failures").await, 0);
        // Real failures from that address still lock it, and say so truly.
        let guesses = parallel(25, |i| {
            let app = &app;
            async move { app.login(&format!("staff{i}@example.com"), "wrong password 1").await }
        })
        .await;
        let statuses: Vec<u16> = guesses.iter().map(|r| r.status).collect();
        // Twenty were checked and the other five refused at the door. The
        // failure that made twenty is answered with the lock, and so is any
        // other whose answer came after it (two settling at once both see
        // twenty): the lock is only ever said once it is true.
        assert_eq!(app.count("SELECT COUNT(*) FROM login_failures").await, 20, "{statuses:?}");
        assert!(statuses.iter().all(|s| [401, 429].contains(s)), "{statuses:?}");
        let wrong = statuses.iter().filter(|s| **s == 401).count();
        assert!((1..=19).contains(&wrong), "{wrong} told 'wrong password' of 20 checked: {statuses:?}");
        let locked = app.login("staff30@example.com", PW).await;
        assert_eq!(locked.status, 429, "{}", locked.body);
        assert!(locked.json["message"].as_str().unwrap().starts_with("Too many failed attempts"), "{}", locked.body);
    }

    async fn parallel_requests_never_pass_a_customer_limit(db) {
        let app = spawn!(db);
        let (customer, vehicle) = customer(&app, "priya@example.com").await;
        let added = parallel(50, |i| {
            let (app, customer) = (&app, &customer);
            async move {
                let year = (1990 + i % 30).to_string();
                app.post(
                    "/api/add_vehicle",
                    &[("year", year.as_str()), ("make", "Ford"), ("model", "Focus"), ("colour", "Blue"), ("plate", "ab12 cde")],
                    Auth::Bearer(customer),
                )
                .await
            }
        })
        .await;
        let ok = added.iter().filter(|r| r.status == 200).count();
        assert!(added.iter().all(|r| r.status == 200 || r.status == 409), "{:?}", added.iter().map(|r| &r.body).collect::<Vec<_>>());
        assert_eq!(ok, 19, "one vehicle was there already; the garage holds 20");
        assert_eq!(app.count("SELECT COUNT(*) FROM vehicles").await, 20);

        let requested = parallel(50, |_| {
            let (app, customer, form) = (&app, &customer, job_form(&vehicle));
            async move { app.post_pairs("/api/request_job", &form, Auth::Bearer(customer)).await }
        })
        .await;
        assert!(requested.iter().all(|r| r.status == 200 || r.status == 409), "{:?}", requested.iter().map(|r| &r.body).collect::<Vec<_>>());
        assert_eq!(requested.iter().filter(|r| r.status == 200).count(), 10);
        assert_eq!(app.count("SELECT COUNT(*) FROM jobs").await, 10);
    }
}

async fn name_of(app: &TestApp, token: &str) -> serde_json::Value {
    app.get("/api/me", Auth::Bearer(token)).await.json["name"].clone()
}

/// POSTs a form the way a browser on `origin` would, with the session cookie.
async fn browser_post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
    origin: &str,
    fetch_site: Option<&str>,
) -> common::Reply {
    let mut req = app
        .client
        .post(app.url(path))
        .form(form)
        .header("origin", origin);
    if let Some(c) = cookie {
        req = req.header("cookie", format!("curbside_session={c}"));
    }
    if let Some(site) = fetch_site {
        req = req.header("sec-fetch-site", site);
    }
    let res = req.send().await.expect("POST");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.unwrap();
    let json = serde_json::from_str(&body).unwrap_or_default();
    common::Reply {
        status,
        headers,
        body,
        json,
    }
}

both_databases! {
    async fn another_site_cannot_act_with_the_session_cookie(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann Lee", "ann@example.com", PW).await;
        for (origin, site) in [
            ("https://evil.example", None),
            ("https://evil.example", Some("cross-site")),
            ("null", None),
            (app.base.as_str(), Some("same-site")),
        ] {
            let r = browser_post(&app, "/api/update_profile", &[("name", "Mallory")], Some(&token), origin, site).await;
            assert_eq!(r.status, 403, "{origin} {site:?}: {}", r.body);
            assert_eq!(r.json["error"], "forbidden");
            assert!(r.json["message"].as_str().unwrap().contains("another website"), "{}", r.body);
            // A cross-site login must not plant a session either.
            let login = browser_post(&app, "/api/login", &[("email", "ann@example.com"), ("password", PW)], None, origin, site).await;
            assert_eq!(login.status, 403, "{}", login.body);
            assert!(login.session_cookie().is_none());
        }
        assert_eq!(name_of(&app, &token).await, "Ann Lee", "nothing changed");

        // The site's own pages, and API clients that send no Origin, still work.
        let own = browser_post(&app, "/api/update_profile", &[("name", "Ann B Lee")], Some(&token), &app.base, Some("same-origin")).await;
        assert_eq!(own.status, 200, "{}", own.body);
        let api = app.post("/api/update_profile", &[("name", "Ann C Lee")], Auth::Bearer(&token)).await;
        assert_eq!(api.status, 200, "{}", api.body);
        assert_eq!(name_of(&app, &token).await, "Ann C Lee");
    }

    async fn every_answer_carries_the_security_headers(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann Lee", "ann@example.com", PW).await;
        let page = app.get("/login", Auth::None).await;
        let csp = page.header("content-security-policy").expect("a page has a policy").to_owned();
        // The policy names the nonce the page's own scripts carry, and no other.
        let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("nonce in policy");
        assert!(page.body.contains(&format!("nonce=\"{nonce}\"")), "{}", page.body);
        for part in ["object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "connect-src 'self'", "'wasm-unsafe-eval'"] {
            assert!(csp.contains(part), "{part}: {csp}");
        }
        let again = app.get("/login", Auth::None).await;
        assert_ne!(again.header("content-security-policy"), Some(csp.as_str()), "a fresh nonce per page");

        let answers = [
            page,
            app.get("/api/me", Auth::Bearer(&token)).await,
            app.post("/api/login", &[("email", "x@example.com"), ("password", "")], Auth::None).await,
            app.get("/healthz", Auth::None).await,
            app.get("/manifest.webmanifest", Auth::None).await,
            app.get("/no/such/page", Auth::None).await,
        ];
        for r in &answers {
            assert!(r.header("content-security-policy").is_some_and(|p| p.contains("frame-ancestors 'none'")), "{r:?}");
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
            assert_eq!(r.header("referrer-policy"), Some("strict-origin-when-cross-origin"));
            assert!(r.header("permissions-policy").is_some_and(|p| p.contains("geolocation=(self)")));
            assert_eq!(r.header("strict-transport-security"), None, "plain http gets no HSTS");
        }
        // The event stream, which lives outside the other layers, too.
        let res = app.client.get(app.url("/api/events")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.headers().get("x-content-type-options").unwrap(), "nosniff");
        drop(res);

        let https = app.restart(&[("PUBLIC_URL", "https://curbside.example.com"), ("ENABLE_PAYMENTS", "false")]).await;
        let r = https.get("/healthz", Auth::None).await;
        assert!(r.header("strict-transport-security").is_some_and(|v| v.contains("max-age=")), "{r:?}");
    }
}

/// Whether the stream ends within 3 s: soon after the session did, long
/// before the 2 s safety poll could have been the reason twice over.
async fn ends(stream: &mut common::sse::EventStream) -> bool {
    stream.ended_within(std::time::Duration::from_secs(3)).await
}

/// A job the customer `token` requests now (with a car of theirs): its
/// `job:created` reaches every stream of theirs that is still open.
async fn new_job(app: &TestApp, token: &str) -> String {
    let car = add_vehicle(app, token, None).await;
    request_job(app, token, &car).await
}

/// The stream is still open: it gets `job`'s creation.
async fn still_open(stream: &mut common::sse::EventStream, job: &str) {
    stream.until("job:created", job).await;
}

both_databases! {
    async fn an_open_stream_ends_with_its_session_however_it_ends(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        app.register("customer", "Ann Lee", "ann@example.com", PW).await;
        let login = || async { app.login("ann@example.com", PW).await.json["token"].as_str().unwrap().to_owned() };

        // Logout ends this session's streams, and only this session's.
        let (phone, laptop) = (login().await, login().await);
        let mut on_phone = app.events("", Auth::Bearer(&phone), None).await;
        let mut on_laptop = app.events("", Auth::Bearer(&laptop), None).await;
        assert_eq!(app.post("/api/logout", &[], Auth::Bearer(&phone)).await.status, 200);
        assert!(ends(&mut on_phone).await, "logout");
        // Another session's stream stays: it gets what happens next.
        let job = new_job(&app, &laptop).await;
        still_open(&mut on_laptop, &job).await;

        // A password change ends the other sessions' streams.
        let kept = login().await;
        let mut on_kept = app.events("", Auth::Bearer(&kept), None).await;
        let new_pw = "a brand new passphrase";
        let r = app.post("/api/change_password", &[("current_password", PW), ("new_password", new_pw)], Auth::Bearer(&kept)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(ends(&mut on_laptop).await, "password change");
        // The session that changed it stays.
        let job = new_job(&app, &kept).await;
        still_open(&mut on_kept, &job).await;

        // Logout everywhere ends them all.
        let pw_login = || async { app.login("ann@example.com", new_pw).await.json["token"].as_str().unwrap().to_owned() };
        let other = pw_login().await;
        let mut on_other = app.events("", Auth::Bearer(&other), None).await;
        assert_eq!(app.post("/api/logout_everywhere", &[], Auth::Bearer(&kept)).await.status, 200);
        assert!(ends(&mut on_kept).await, "logout everywhere");
        assert!(ends(&mut on_other).await, "logout everywhere");

        // A suspension ends a mechanic's streams.
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let mut on_dan = app.events("", Auth::Bearer(&dan.token), None).await;
        let r = app.post("/api/admin_review", &[("id", &dan.id), ("action", "suspend"), ("reason", "No-shows")], Auth::Bearer(&admin)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(ends(&mut on_dan).await, "suspension");
        let again = app.open_events("", Auth::Bearer(&dan.token), None).await;
        assert_eq!(again.status(), 401);
    }

    async fn a_stream_ends_when_its_session_expires(db) {
        let app = spawn!(db, &[("SESSION_TTL_SECS", "2")]);
        let token = app.register("customer", "Ann Lee", "ann@example.com", PW).await;
        let mut stream = app.events("", Auth::Bearer(&token), None).await;
        assert!(!stream.ended_within(std::time::Duration::from_millis(1000)).await);
        assert!(ends(&mut stream).await, "expiry");
        assert_eq!(app.open_events("", Auth::Bearer(&token), None).await.status(), 401);
    }

    async fn opening_a_twenty_first_stream_closes_the_oldest(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann Lee", "ann@example.com", PW).await;
        let mut first = app.events("", Auth::Bearer(&token), None).await;
        let mut rest = Vec::new();
        for _ in 1..20 {
            rest.push(app.events("", Auth::Bearer(&token), None).await);
        }
        // 20 are allowed: all of them get the next job.
        let job = new_job(&app, &token).await;
        still_open(&mut first, &job).await;
        for stream in &mut rest {
            still_open(stream, &job).await;
        }
        let _newest = app.events("", Auth::Bearer(&token), None).await;
        assert!(ends(&mut first).await, "the oldest is closed");
        let job = new_job(&app, &token).await;
        still_open(&mut rest[0], &job).await;
    }
}

both_databases! {
    async fn registrations_from_one_address_are_limited(db) {
        let app = spawn!(db, &[("SIGNUPS_PER_HOUR", "3")]);
        app.register("customer", "Ann Lee", "ann@example.com", PW).await;
        // An "already exists" answer counts too: asking is what is limited.
        let taken = app.post("/api/register", &[("name", "Ann"), ("email", "ann@example.com"), ("password", PW), ("role", "customer")], Auth::None).await;
        assert_eq!(taken.status, 422, "{}", taken.body);
        app.register("customer", "Ben Lee", "ben@example.com", PW).await;
        let r = app.post("/api/register", &[("name", "Cat"), ("email", "cat@example.com"), ("password", PW), ("role", "customer")], Auth::None).await;
        assert_eq!(r.status, 429, "{}", r.body);
        assert_eq!(r.json["error"], "too_many_signups");
        assert!(r.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() > 3000), "{:?}", r.headers);
        let taken = app.post("/api/register", &[("name", "Ann"), ("email", "ann@example.com"), ("password", PW), ("role", "customer")], Auth::None).await;
        assert_eq!(taken.status, 429, "no more answers about which emails exist");
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
    }

    async fn a_control_character_in_any_free_text_field_is_refused_and_changes_nothing(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        // Refused with 422 naming the field, the same form clean is then
        // taken (so the field is real and the character was the reason).
        async fn refused_then_taken(app: &TestApp, path: &str, form: Vec<(String, String)>, field: &str, auth: Auth<'_>) -> common::Reply {
            for bad in ["\0", "\u{1b}", "\u{7f}"] {
                let dirty: Vec<(String, String)> = form.iter()
                    .map(|(k, v)| (k.clone(), if k == field { format!("{v}{bad}x") } else { v.clone() }))
                    .collect();
                let r = app.post_pairs(path, &dirty, auth).await;
                assert_eq!((r.status, r.json["field"].as_str()), (422, Some(field)), "{path} {field} {bad:?}: {}", r.body);
            }
            // A server function reads its body as a form whatever the
            // request says it holds, so a client that labels it otherwise,
            // or not at all, is checked the same.
            let dirty: Vec<(String, String)> = form.iter()
                .map(|(k, v)| (k.clone(), if k == field { format!("{v}\0x") } else { v.clone() }))
                .collect();
            let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(&dirty).finish();
            for label in [Some("text/plain;charset=UTF-8"), Some("Application/X-WWW-Form-Urlencoded"), None] {
                let mut req = app.client.post(app.url(path)).body(body.clone());
                if let Some(label) = label {
                    req = req.header("content-type", label);
                }
                let r = common::Reply::of(auth.apply(req).send().await.unwrap()).await;
                assert_eq!((r.status, r.json["field"].as_str()), (422, Some(field)), "{path} {field} as {label:?}: {}", r.body);
            }
            let r = app.post_pairs(path, &form, auth).await;
            assert_eq!(r.status, 200, "{path} clean: {}", r.body);
            r
        }
        let register = pairs(&[("name", "Priya Shah"), ("email", "priya@example.com"), ("password", PW), ("role", "customer")]);
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
        let r = refused_then_taken(&app, "/api/register", register, "name", Auth::None).await;
        let customer = r.json["token"].as_str().unwrap().to_owned();
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2, "refused sign-ups made no account");
        let mut vehicle = String::new();
        for field in ["make", "model", "trim", "colour", "plate"] {
            let form = pairs(&[("year", "2016"), ("make", "Ford"), ("model", "Focus"), ("trim", "Zetec"), ("colour", "Blue"), ("plate", "ab12 cde")]);
            let r = refused_then_taken(&app, "/api/add_vehicle", form, field, Auth::Bearer(&customer)).await;
            vehicle = r.json["id"].as_str().unwrap().to_owned();
        }
        let mut job = String::new();
        for field in ["description", "address", "locality"] {
            let r = refused_then_taken(&app, "/api/request_job", job_form(&vehicle), field, Auth::Bearer(&customer)).await;
            job = r.json["id"].as_str().unwrap().to_owned();
            if field != "locality" {
                refused_then_taken(&app, "/api/cancel_job", pairs(&[("id", &job), ("reason", "Fixed it myself")]), "reason", Auth::Bearer(&customer)).await;
            }
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM jobs").await, 3, "refused requests made no job");
        let r = refused_then_taken(&app, "/api/update_profile", pairs(&[("name", "Priya Shah"), ("phone", "07700 900123")]), "name", Auth::Bearer(&customer)).await;
        assert_eq!(r.json["name"], "Priya Shah");

        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        for field in ["display_name", "bio", "base_address"] {
            let profile = pairs(&[("display_name", "Dan's Mobile"), ("bio", "Nine years on brakes"), ("skills[]", "brakes"),
                ("years_experience", "9"), ("base_lat", "51.5450"), ("base_lng", "-0.1500"), ("base_address", "Camden Road"),
                ("radius_km", "12"), ("available", "on")]);
            refused_then_taken(&app, "/api/save_profile", profile, field, Auth::Bearer(&dan.token)).await;
        }
        for field in ["items[0][description]", "note"] {
            let form = with(quote_form(&job, "60", "34.99"), &[("items[0][description]", "Replace pads"), ("note", "Genuine parts")]);
            refused_then_taken(&app, "/api/send_quote", form, field, Auth::Bearer(&dan.token)).await;
            if field == "items[0][description]" {
                let q = app.get(&format!("/api/job?id={job}"), Auth::Bearer(&dan.token)).await;
                let id = q.json["quotes"][0]["id"].as_str().or(q.json["my_quote"]["id"].as_str()).map(str::to_owned);
                if let Some(id) = id {
                    let r = app.post("/api/withdraw_quote", &[("id", &id)], Auth::Bearer(&dan.token)).await;
                    assert_eq!(r.status, 200, "{}", r.body);
                }
            }
        }
        let message = pairs(&[("job_id", &job), ("id", &uuid::Uuid::now_v7().to_string()), ("body", "On my way at 3")]);
        refused_then_taken(&app, "/api/send_message", message, "body", Auth::Bearer(&dan.token)).await;
        let r = refused_then_taken(&app, "/api/admin_review", pairs(&[("id", &dan.id), ("action", "suspend"), ("reason", "Checking documents")]), "reason", Auth::Bearer(&admin)).await;
        assert_eq!(r.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);

        // A query's fields too, and a field's name.
        let r = app.get("/api/admin_users?q=Dan%00", Auth::Bearer(&admin)).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("q")), "{}", r.body);
        let r = app.post("/api/update_profile", &[("name", "Priya"), ("x\0", "")], Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 422, "{}", r.body);
    }

    async fn a_form_over_the_limit_is_413_naming_the_limit(db) {
        let app = spawn!(db);
        let customer = app.register("customer", "Priya Shah", "priya@example.com", PW).await;
        let big = "a".repeat(2 * 1024 * 1024 + 1);
        let r = app.post("/api/update_profile", &[("name", big.as_str())], Auth::Bearer(&customer)).await;
        assert_eq!((r.status, r.json["error"].as_str()), (413, Some("too_large")), "{}", &r.body[..r.body.len().min(300)]);
        assert!(r.json["message"].as_str().unwrap().contains("2 MB"), "{}", r.body);
        let req = app.client.post(app.url("/api/update_profile")).header("content-type", "text/plain").body(format!("name={big}"));
        let r = common::Reply::of(Auth::Bearer(&customer).apply(req).send().await.unwrap()).await;
        assert_eq!((r.status, r.json["error"].as_str()), (413, Some("too_large")), "labelled text: {}", &r.body[..r.body.len().min(300)]);
    }

    async fn careless_clients_get_json_answers_with_the_right_status(db) {
        let app = spawn!(db);
        let head = |path: &str| app.client.head(app.url(path)).send();
        let r = head("/api/site_config").await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let r = head("/api/login").await.unwrap();
        assert_eq!((r.status().as_u16(), r.headers()["allow"].to_str().unwrap()), (405, "POST"));
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));

        let long = format!("/api/site_config?x={}", "a".repeat(9_000));
        let r = app.get(&long, Auth::None).await;
        assert_eq!((r.status, r.json["error"].as_str()), (414, Some("uri_too_long")), "{}", r.body);
        let big = "b".repeat(40_000);
        let r = common::Reply::of(app.client.get(app.url("/api/site_config")).header("x-big", big).send().await.unwrap()).await;
        assert_eq!((r.status, r.json["error"].as_str()), (431, Some("headers_too_large")), "{}", r.body);

        // A job page the caller may not see is a 404 page, not a 200.
        let Requested { customer: priya, job, .. } = requested(&app).await;
        let (tom, _) = customer(&app, "tom@example.com").await;
        let theirs = app.get(&format!("/customer/jobs/{job}"), Auth::Cookie(&tom)).await;
        assert_eq!(theirs.status, 404, "{}", &theirs.body[..theirs.body.len().min(300)]);
        assert!(theirs.body.contains("Job not found"));
        let none = app.get("/customer/jobs/0190f000-0000-7000-8000-000000000000", Auth::Cookie(&tom)).await;
        assert_eq!(none.status, 404);
        let mine = app.get(&format!("/customer/jobs/{job}"), Auth::Cookie(&priya)).await;
        assert_eq!(mine.status, 200);
    }
}

// Several server processes on one database: the PostgreSQL deployment.
postgres_only! {
    async fn a_logout_on_one_instance_ends_the_stream_on_another() {
        let db = common::Db::Postgres;
        let secret = [("JWT_SECRET", "a shared secret that is long enough for HS256 tokens")];
        let one = spawn!(db, &secret);
        let two = one.second(&secret).await;
        let token = one.register("customer", "Ann Lee", "ann@example.com", PW).await;
        let mut on_two = two.events("", Auth::Bearer(&token), None).await;
        assert_eq!(one.post("/api/logout", &[], Auth::Bearer(&token)).await.status, 200);
        assert!(ends(&mut on_two).await, "ended through NOTIFY");
    }
}
