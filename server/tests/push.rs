//! Notifications, black-box over HTTP on SQLite and PostgreSQL: the
//! centre, and pushes delivered to web-push-testing (a Web Push service
//! stand-in from npm, started by `make test`), which checks the VAPID
//! signature and decrypts what it is sent, as a browser's push service and
//! the browser would.

mod common;

use common::{Auth, TestApp, flow::*};
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    time::{Duration, Instant},
};

/// The stand-in's address (`TEST_PUSH_SERVICE`, set by
/// scripts/web-push-testing.sh), or `None` to skip; with `CI=true` a
/// missing one fails the test.
fn push_service() -> Option<String> {
    match std::env::var("TEST_PUSH_SERVICE") {
        Ok(u) if !u.trim().is_empty() => Some(u.trim_end_matches('/').to_owned()),
        _ if common::in_ci() => panic!(
            "CI=true but TEST_PUSH_SERVICE is not set; run the tests through scripts/web-push-testing.sh"
        ),
        _ => {
            eprintln!("warning: TEST_PUSH_SERVICE is not set; this push test did not run");
            None
        }
    }
}

/// The stand-in's endpoints are `http://localhost:…`.
const SETTINGS: &[(&str, &str)] = &[
    ("PUSH_ALLOW_LOOPBACK_HTTP", "true"),
    ("MESSAGES_PER_MINUTE", "0"),
];

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// A browser's subscription at the push service with the server's key, as
/// the user `token` would make it: endpoint, keys and client hash.
async fn subscription(app: &TestApp, service: &str, token: &str) -> Value {
    let settings = app.get("/api/push_settings", Auth::Bearer(token)).await;
    assert_eq!(settings.status, 200, "{}", settings.body);
    let key = settings.json["public_key"].as_str().expect("a public key");
    let sub: Value = client()
        .post(format!("{service}/subscribe"))
        .json(&json!({"userVisibleOnly": "true", "applicationServerKey": key}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    sub["data"].clone()
}

/// A device of the user `token`: subscribed at the push service with the
/// server's key, then registered with the server. Returns its client hash.
async fn device(app: &TestApp, service: &str, token: &str) -> String {
    device_via(app, service, token, None).await
}

/// [`device`], its pushes sent through `gate` when there is one.
async fn device_via(app: &TestApp, service: &str, token: &str, gate: Option<&Gate>) -> String {
    let sub = &subscription(app, service, token).await;
    let endpoint = sub["endpoint"].as_str().unwrap();
    let endpoint = match gate {
        Some(g) => endpoint.replacen(service, &g.base, 1),
        None => endpoint.to_owned(),
    };
    let r = app
        .post(
            "/api/push_subscribe",
            &[
                ("endpoint", endpoint.as_str()),
                ("p256dh", sub["keys"]["p256dh"].as_str().unwrap()),
                ("auth", sub["keys"]["auth"].as_str().unwrap()),
                ("label", "Chrome on Android"),
            ],
            Auth::Bearer(token),
        )
        .await;
    assert_eq!(r.status, 200, "subscribe: {}", r.body);
    sub["clientHash"].as_str().unwrap().to_owned()
}

/// Stands between the server and the push service, as the routing stub
/// does in the tracking tests, so a restart lands mid-delivery on purpose:
/// the first `pass` pushes go straight through, later ones are held until
/// [`Gate::release`] (then forwarded), or for ever (then never delivered)
/// unless they arrive after [`Gate::open`].
#[derive(Clone)]
struct Gate {
    base: String,
    state: std::sync::Arc<GateState>,
}

struct GateState {
    pass: usize,
    arrived: AtomicUsize,
    forwarded: AtomicUsize,
    held: AtomicUsize,
    open: AtomicBool,
    release: tokio::sync::watch::Sender<bool>,
}

impl Gate {
    async fn start(service: &str, pass: usize) -> Gate {
        use axum::{
            body::Bytes,
            http::{HeaderMap, Uri},
            response::IntoResponse,
        };
        let state = std::sync::Arc::new(GateState {
            pass,
            arrived: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
            held: AtomicUsize::new(0),
            open: AtomicBool::new(false),
            release: tokio::sync::watch::channel(false).0,
        });
        let (shared, service) = (state.clone(), service.to_owned());
        let forward = move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let (state, service) = (shared.clone(), service.clone());
            async move {
                let n = state.arrived.fetch_add(1, Ordering::SeqCst);
                if n >= state.pass && !state.open.load(Ordering::SeqCst) {
                    state.held.fetch_add(1, Ordering::SeqCst);
                    let mut released = state.release.subscribe();
                    let _ = released.wait_for(|r| *r).await;
                }
                let mut req = client().post(format!("{service}{}", uri.path()));
                for (k, v) in &headers {
                    if k != "host" && k != "content-length" {
                        req = req.header(k, v);
                    }
                }
                let res = req.body(body).send().await.unwrap();
                let status = res.status().as_u16();
                let answer = res.bytes().await.unwrap();
                state.forwarded.fetch_add(1, Ordering::SeqCst);
                (axum::http::StatusCode::from_u16(status).unwrap(), answer).into_response()
            }
        };
        let app = axum::Router::new().fallback(forward);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Gate {
            base: format!("http://{addr}"),
            state,
        }
    }

    /// Waits (up to 10 s) until the first `pass` went through and one more is held.
    async fn holding(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.state.forwarded.load(Ordering::SeqCst) < self.state.pass
            || self.state.held.load(Ordering::SeqCst) == 0
        {
            assert!(Instant::now() < deadline, "the gate never held a push");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Forwards what is held, and everything from now on.
    fn release(&self) {
        self.state.open.store(true, Ordering::SeqCst);
        let _ = self.state.release.send(true);
    }

    /// Lets everything from now on through; what is held stays held.
    fn open(&self) {
        self.state.open.store(true, Ordering::SeqCst);
    }
}

/// Waits (up to `wait`) until the outbox holds `n` pushes.
async fn outbox_at(app: &TestApp, n: i64, wait: Duration) {
    let deadline = Instant::now() + wait;
    loop {
        let left = app.count("SELECT COUNT(*) FROM push_outbox").await;
        if left == n {
            return;
        }
        assert!(Instant::now() < deadline, "{left} pushes queued, not {n}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every push the device received so far, decrypted by the push service.
async fn received(service: &str, hash: &str) -> Vec<Value> {
    let r: Value = client()
        .post(format!("{service}/get-notifications"))
        .json(&json!({ "clientHash": hash }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["data"]["messages"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| serde_json::from_str(m.as_str().unwrap()).expect("a JSON payload"))
        .collect()
}

/// Waits until the device has `n` pushes (or fails after 10 s).
async fn wait_for(service: &str, hash: &str, n: usize) -> Vec<Value> {
    wait_long(service, hash, n, Duration::from_secs(10)).await
}

async fn wait_long(service: &str, hash: &str, n: usize, wait: Duration) -> Vec<Value> {
    let deadline = Instant::now() + wait;
    loop {
        let got = received(service, hash).await;
        if got.len() >= n {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} pushes arrived: {got:?}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The caller's notification centre.
async fn centre(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/notifications", Auth::Bearer(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json
}

fn kinds(items: &Value) -> Vec<String> {
    items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Messages Dan sends Priya at once in the restart tests.
const N: usize = 30;
/// Of those, how many reach the push service before the restart.
const PASSED: usize = 5;

async fn send_messages(app: &TestApp, dan: &Mechanic, job: &str) {
    let sends = (0..N).map(|i| async move {
        let id = format!("0190f000-0000-7000-8000-{i:012}");
        let body = format!("Message {i}");
        app.post(
            "/api/send_message",
            &[("job_id", job), ("id", &id), ("body", &body)],
            Auth::Bearer(&dan.token),
        )
        .await
    });
    for s in futures::future::join_all(sends).await {
        assert_eq!(s.status, 200, "{}", s.body);
    }
}

/// How many times each notification id was pushed.
fn by_id(pushes: &[Value]) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for p in pushes {
        *seen
            .entry(p["id"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    seen
}

/// The ids of the message notifications in the customer's centre.
async fn told_messages(app: &TestApp, token: &str) -> Vec<String> {
    centre(app, token).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "message")
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Priya's job quoted by Dan and booked: the customer, Dan and the job.
async fn booked(app: &TestApp) -> (Requested, Mechanic) {
    let r = requested(app).await;
    let dan = near_mechanic(app, &r.admin, "dan@example.com").await;
    book(app, &r.customer, &dan, &r.job, ("80.00", "40.00")).await;
    (r, dan)
}

// web-push-testing's: skipped, and counted so, where it is not running.
both_databases! {
    needs(no_push_service, "web-push-testing is not running (run through scripts/web-push-testing.sh)");

    async fn a_new_quote_reaches_the_customers_device_encrypted_and_shows_in_the_centre_live(db) {
        let Some(service) = push_service() else { return };
        let app = spawn!(db, SETTINGS);
        let r = requested(&app).await;
        let phone = device(&app, &service, &r.customer).await;
        let mut stream = app.every_event("", Auth::Bearer(&r.customer), None).await;
        let dan = near_mechanic(&app, &r.admin, "dan@example.com").await;
        // Nobody else's stream carries Priya's notifications, an admin's neither.
        let mut dans = app.every_event("", Auth::Bearer(&dan.token), None).await;
        let mut admins = app.every_event("", Auth::Bearer(&r.admin), None).await;
        let q = quote(&app, &dan, &r.job, "80.00", "40.00").await;
        assert_eq!(q.status, 200, "{}", q.body);

        let live = stream.until("notification:new", &r.job).await;
        let added = &live.last().unwrap().data;
        assert_eq!(added["notification"]["kind"], "new_quote");

        // Dan changing his quote, after: neither his nor the admin's stream
        // got Priya's notification before it.
        assert_eq!(quote(&app, &dan, &r.job, "81.00", "40.00").await.status, 200);
        let newest = app.count("SELECT MAX(id) FROM events WHERE name = 'quote:updated'").await;
        for other in [&mut dans, &mut admins] {
            let before = other.before(|e| e.event == "quote:updated" && e.id.is_some_and(|id| id >= newest)).await;
            assert!(!before.iter().any(|e| e.event == "notification:new"), "{:?}", before.iter().map(|e| &e.event).collect::<Vec<_>>());
        }

        let pushes = wait_for(&service, &phone, 1).await;
        let push = &pushes[0];
        assert_eq!(push["kind"], "new_quote");
        assert_eq!(push["title"], "New quote");
        assert_eq!(push["link"], format!("/customer/jobs/{}", r.job));
        assert_eq!(push["id"], added["notification"]["id"]);
        // No price and no address on a lock screen. (The words only: the
        // ids are random and may hold "120".)
        let text = format!("{} {}", push["title"], push["body"]);
        assert!(!text.contains("120") && !text.contains("Parkway"), "{text}");

        let mine = centre(&app, &r.customer).await;
        assert_eq!(mine["unread"], 1);
        assert_eq!(kinds(&mine), ["new_quote"]);
        // Dan was told nothing: he sent it.
        assert_eq!(centre(&app, &dan.token).await["items"].as_array().unwrap().len(), 0);

        let id = mine["items"][0]["id"].as_str().unwrap();
        let other = app.post("/api/read_notification", &[("id", id)], Auth::Bearer(&dan.token)).await;
        assert_eq!(other.status, 404, "someone else's notification: {}", other.body);
        let read = app.post("/api/read_notification", &[("id", id)], Auth::Bearer(&r.customer)).await;
        assert_eq!((read.status, read.json.clone()), (200, json!(0)));
        assert_eq!(centre(&app, &r.customer).await["items"][0]["read"], true);

        // Booked: Dan hears of it; on the way: Priya's phone does.
        let a = app.post("/api/accept_quote", &[("id", q.json["id"].as_str().unwrap())], Auth::Bearer(&r.customer)).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(kinds(&centre(&app, &dan.token).await), ["booking"]);
        let started = Instant::now();
        assert_eq!(move_to(&app, &dan.token, &r.job, "en_route").await.status, 200);
        let pushes = wait_for(&service, &phone, 2).await;
        eprintln!("status change to push delivered: {:?}", started.elapsed());
        assert_eq!(pushes[1]["kind"], "on_the_way");
        assert_eq!(pushes[1]["title"], "Your mechanic is on the way");

        let all = app.post("/api/read_all_notifications", &[], Auth::Bearer(&r.customer)).await;
        assert_eq!((all.status, all.json.clone()), (200, json!(0)));
        assert_eq!(centre(&app, &r.customer).await["unread"], 0);
    }

    async fn muted_kinds_and_quiet_hours_keep_pushes_off_the_device_but_in_the_centre(db) {
        let Some(service) = push_service() else { return };
        let app = spawn!(db, SETTINGS);
        let r = requested(&app).await;
        let phone = device(&app, &service, &r.customer).await;
        let prefs = |muted: &'static str, start: String, end: String, tz: &'static str| {
            let token = r.customer.clone();
            let app = &app;
            async move {
                app.post(
                    "/api/notification_prefs",
                    &[("muted", muted), ("quiet_start", &start), ("quiet_end", &end), ("time_zone", tz)],
                    Auth::Bearer(&token),
                )
                .await
            }
        };
        // Bad input changes nothing.
        let bad = prefs("new_quote", String::new(), String::new(), "Mars/Olympus_Mons").await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert_eq!(bad.json["field"], "time_zone");
        let bad = prefs("new_quote", "22:00".into(), String::new(), "UTC").await;
        assert_eq!((bad.status, bad.json["field"].as_str()), (422, Some("quiet_end")));
        let saved = app.get("/api/push_settings", Auth::Bearer(&r.customer)).await;
        assert_eq!(saved.json["prefs"]["muted"], json!([]));

        let ok = prefs("new_quote,security", String::new(), String::new(), "Europe/London").await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.json["muted"], json!(["new_quote"]), "security cannot be muted");

        let dan = near_mechanic(&app, &r.admin, "dan@example.com").await;
        let q = quote(&app, &dan, &r.job, "80.00", "40.00").await;
        assert_eq!(q.status, 200);
        let a = app.post("/api/accept_quote", &[("id", q.json["id"].as_str().unwrap())], Auth::Bearer(&r.customer)).await;
        assert_eq!(a.status, 200, "{}", a.body);

        // Quiet now, in Tokyo: an hour either side of Tokyo's clock.
        let tokyo = (time_now_minutes() + 9 * 60) % (24 * 60);
        let clock = |m: u32| format!("{:02}:{:02}", (m / 60) % 24, m % 60);
        let quiet = prefs("", clock(tokyo + 24 * 60 - 60), clock(tokyo + 60), "Asia/Tokyo").await;
        assert_eq!(quiet.status, 200, "{}", quiet.body);
        assert_eq!(move_to(&app, &dan.token, &r.job, "en_route").await.status, 200);

        let loud = prefs("", String::new(), String::new(), "Asia/Tokyo").await;
        assert_eq!(loud.status, 200, "{}", loud.body);
        assert_eq!(move_to(&app, &dan.token, &r.job, "arrived").await.status, 200);

        let pushes = wait_for(&service, &phone, 1).await;
        // The arrival came through and nothing is queued: nothing else is coming.
        outbox_at(&app, 0, Duration::from_secs(10)).await;
        let pushes_after = received(&service, &phone).await;
        assert_eq!(pushes_after.len(), 1, "{pushes_after:?}");
        assert_eq!(pushes[0]["kind"], "arrived");
        assert_eq!(kinds(&centre(&app, &r.customer).await), ["arrived", "on_the_way", "new_quote"]);
        assert_eq!(app.count("SELECT COUNT(*) FROM push_outbox").await, 0);
    }

    async fn a_device_the_push_service_says_is_gone_is_removed(db) {
        let Some(service) = push_service() else { return };
        let app = spawn!(db, SETTINGS);
        let r = requested(&app).await;
        let phone = device(&app, &service, &r.customer).await;
        let listed = app.get("/api/push_settings", Auth::Bearer(&r.customer)).await;
        assert_eq!(listed.json["devices"][0]["label"], "Chrome on Android");
        let expired = client().post(format!("{service}/expire-subscription/{phone}")).send().await.unwrap();
        assert!(expired.status().is_success());

        let dan = near_mechanic(&app, &r.admin, "dan@example.com").await;
        assert_eq!(quote(&app, &dan, &r.job, "80.00", "40.00").await.status, 200);
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.count("SELECT COUNT(*) FROM push_subscriptions").await > 0 {
            assert!(Instant::now() < deadline, "the expired subscription was kept");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM push_outbox").await, 0);
        let listed = app.get("/api/push_settings", Auth::Bearer(&r.customer)).await;
        assert_eq!(listed.json["devices"], json!([]));
        // The centre still has it.
        assert_eq!(kinds(&centre(&app, &r.customer).await), ["new_quote"]);
    }

    async fn a_restart_mid_delivery_loses_no_notification_and_sends_none_twice(db) {
        let Some(service) = push_service() else { return };
        let app = spawn!(db, SETTINGS);
        let (r, dan) = booked(&app).await;
        let gate = Gate::start(&service, PASSED).await;
        let phone = device_via(&app, &service, &r.customer, Some(&gate)).await;
        send_messages(&app, &dan, &r.job).await;
        // Stopped as a deploy stops it, while it is sending (the gate holds
        // a push open): what it is sending it finishes and records once the
        // push service answers; the rest the next process sends.
        gate.holding().await;
        outbox_at(&app, (N - PASSED) as i64, Duration::from_secs(10)).await;
        let before = received(&service, &phone).await.len();
        assert!(0 < before && before < N, "delivered before the restart: {before} of {N}");
        let answers = gate.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            answers.release();
        });
        let db = app.stop_gracefully().await;
        let claimed = db.count("SELECT COUNT(*) FROM push_outbox WHERE claim IS NOT NULL").await;
        assert_eq!(claimed, 0, "the stopped process left pushes it had claimed and not finished");
        let app = TestApp::start(db, SETTINGS).await;

        // An empty outbox means nothing is being sent or will be: each
        // push's row goes only once the push service took it.
        outbox_at(&app, 0, Duration::from_secs(20)).await;
        let seen = by_id(&received(&service, &phone).await);
        let told = told_messages(&app, &r.customer).await;
        assert_eq!(told.len(), N);
        for id in told {
            assert_eq!(seen.get(&id), Some(&1), "notification {id} pushed {:?} times", seen.get(&id));
        }
        assert_eq!(seen.values().sum::<usize>(), N);

        // Reading the chat reads its notifications (not the quote's).
        assert_eq!(centre(&app, &r.customer).await["unread"], N + 1);
        let read = app
            .post(
                "/api/mark_read",
                &[("job_id", r.job.as_str()), ("mechanic", dan.id.as_str()), ("seq", "1000")],
                Auth::Bearer(&r.customer),
            )
            .await;
        assert_eq!(read.status, 200, "{}", read.body);
        assert_eq!(centre(&app, &r.customer).await["unread"], 1);
    }

    async fn a_crash_mid_delivery_loses_no_notification(db) {
        let Some(service) = push_service() else { return };
        let app = spawn!(db, SETTINGS);
        let (r, dan) = booked(&app).await;
        let gate = Gate::start(&service, PASSED).await;
        let phone = device_via(&app, &service, &r.customer, Some(&gate)).await;
        send_messages(&app, &dan, &r.job).await;
        gate.holding().await;
        outbox_at(&app, (N - PASSED) as i64, Duration::from_secs(10)).await;
        // Killed while the gate holds some of its pushes: they never reach
        // the push service, and their claims outlive the process.
        let db = app.crash().await;
        let claimed = db.count("SELECT COUNT(*) FROM push_outbox WHERE claim IS NOT NULL").await;
        assert!(claimed > 0, "the dead process left no claims");
        let app = TestApp::start(db, SETTINGS).await;
        gate.open();
        // The next process sends them once their claims run out (15 s).
        outbox_at(&app, 0, Duration::from_secs(40)).await;
        let seen = by_id(&received(&service, &phone).await);
        let told = told_messages(&app, &r.customer).await;
        assert_eq!(told.len(), N);
        for id in told {
            assert_eq!(seen.get(&id), Some(&1), "notification {id} pushed {:?} times", seen.get(&id));
        }
    }

    async fn bad_subscriptions_are_refused_and_push_can_be_switched_off(db) {
        let Some(service) = push_service() else { return };
        let app = spawn!(db, &[("MESSAGES_PER_MINUTE", "0")]);
        let r = requested(&app).await;
        let sub = &subscription(&app, &service, &r.customer).await;
        let form = |endpoint: &str, p256dh: &str| {
            vec![
                ("endpoint".to_owned(), endpoint.to_owned()),
                ("p256dh".to_owned(), p256dh.to_owned()),
                ("auth".to_owned(), sub["keys"]["auth"].as_str().unwrap().to_owned()),
                ("label".to_owned(), "Phone".to_owned()),
            ]
        };
        // Without PUSH_ALLOW_LOOPBACK_HTTP a plain-http endpoint is refused.
        let endpoint = sub["endpoint"].as_str().unwrap();
        let p256dh = sub["keys"]["p256dh"].as_str().unwrap();
        let http = app.post_pairs("/api/push_subscribe", &form(endpoint, p256dh), Auth::Bearer(&r.customer)).await;
        assert_eq!((http.status, http.json["field"].as_str()), (422, Some("endpoint")), "{}", http.body);
        let key = app.post_pairs("/api/push_subscribe", &form("https://push.example.com/x", "AAAA"), Auth::Bearer(&r.customer)).await;
        assert_eq!(key.status, 422, "{}", key.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM push_subscriptions").await, 0);
        let anonymous = app.post_pairs("/api/push_subscribe", &form("https://push.example.com/x", p256dh), Auth::None).await;
        assert_eq!(anonymous.status, 401);

        // Switched off: no key offered, no subscription taken, the centre as ever.
        let app = app.restart(&[("ENABLE_PUSH_NOTIFICATIONS", "false")]).await;
        let settings = app.get("/api/push_settings", Auth::Bearer(&r.customer)).await;
        assert_eq!(settings.json["public_key"], Value::Null);
        let off = app.post_pairs("/api/push_subscribe", &form("https://push.example.com/x", p256dh), Auth::Bearer(&r.customer)).await;
        assert_eq!(off.status, 404, "{}", off.body);
        let dan = near_mechanic(&app, &r.admin, "dan@example.com").await;
        assert_eq!(quote(&app, &dan, &r.job, "80.00", "40.00").await.status, 200);
        assert_eq!(kinds(&centre(&app, &r.customer).await), ["new_quote"]);
        assert_eq!(app.count("SELECT COUNT(*) FROM push_outbox").await, 0);
    }

    async fn another_accounts_device_cannot_be_moved_by_subscribing_its_endpoint(db) {
        let Some(service) = push_service() else { return };
        let app = spawn!(db, SETTINGS);
        let r = requested(&app).await;
        let sub = &subscription(&app, &service, &r.customer).await;
        let form = [
            ("endpoint", sub["endpoint"].as_str().unwrap()),
            ("p256dh", sub["keys"]["p256dh"].as_str().unwrap()),
            ("auth", sub["keys"]["auth"].as_str().unwrap()),
            ("label", "Phone"),
        ];
        let mine = app.post("/api/push_subscribe", &form, Auth::Bearer(&r.customer)).await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        // Again from the same account: the same device, kept.
        let again = app.post("/api/push_subscribe", &form, Auth::Bearer(&r.customer)).await;
        assert_eq!((again.status, again.json["device"].clone()), (200, mine.json["device"].clone()), "{}", again.body);
        let (tom, _) = customer(&app, "tom@example.com").await;
        let taken = app.post("/api/push_subscribe", &form, Auth::Bearer(&tom)).await;
        assert_eq!((taken.status, taken.json["error"].as_str()), (409, Some("conflict")), "{}", taken.body);
        let toms = app.get("/api/push_settings", Auth::Bearer(&tom)).await;
        assert_eq!(toms.json["devices"].as_array().unwrap().len(), 0, "{}", toms.body);
        // Still Priya's: her next notification reaches it.
        let dan = near_mechanic(&app, &r.admin, "dan@example.com").await;
        assert_eq!(quote(&app, &dan, &r.job, "80.00", "40.00").await.status, 200);
        let pushes = wait_for(&service, sub["clientHash"].as_str().unwrap(), 1).await;
        assert_eq!(pushes[0]["kind"], "new_quote");
    }
}

/// Minutes after midnight UTC, now.
fn time_now_minutes() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    ((secs / 60) % (24 * 60)) as u32
}

both_databases! {
    async fn push_endpoints_on_this_machine_are_refused_at_subscribe_and_never_connected_to(db) {
        // A listener on this machine that counts who connects to it.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let knocks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = knocks.clone();
        tokio::spawn(async move {
            while let Ok((_socket, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        let app = spawn!(db, &[("MESSAGES_PER_MINUTE", "0")]);
        let r = requested(&app).await;
        // The generator of P-256 (a valid device key) and a 16-byte secret.
        let p256dh = "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU";
        let auth = "AAAAAAAAAAAAAAAAAAAAAA";
        for host in ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "127.1", "[::ffff:7f00:1]"] {
            let endpoint = format!("https://{host}:{port}/push/x");
            let form = [("endpoint", endpoint.as_str()), ("p256dh", p256dh), ("auth", auth), ("label", "Phone")];
            let refused = app.post("/api/push_subscribe", &form, Auth::Bearer(&r.customer)).await;
            assert_eq!((refused.status, refused.json["field"].as_str()), (422, Some("endpoint")), "{host}: {}", refused.body);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM push_subscriptions").await, 0);

        // A name that pointed elsewhere when the device subscribed and
        // points here now (DNS rebinding), and an address written as the host.
        let pool = app.sql().await;
        let me = app.get("/api/me", Auth::Bearer(&r.customer)).await.json["id"].as_str().unwrap().to_owned();
        for (i, host) in ["localhost", "127.0.0.1"].into_iter().enumerate() {
            sqlx::query("INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, label, created_at) VALUES ($1, $2, $3, $4, $5, 'Phone', 0)")
                .bind(format!("0190f000-0000-7000-8000-00000000000{i}"))
                .bind(&me)
                .bind(format!("https://{host}:{port}/push/{i}"))
                .bind(p256dh)
                .bind(auth)
                .execute(&pool).await.unwrap();
        }
        pool.close().await;
        let dan = near_mechanic(&app, &r.admin, "dan@example.com").await;
        assert_eq!(quote(&app, &dan, &r.job, "80.00", "40.00").await.status, 200);
        // Both pushes were tried and refused before any connection.
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.count("SELECT COUNT(*) FROM push_outbox WHERE last_error IS NOT NULL").await < 2 {
            assert!(Instant::now() < deadline, "the pushes were never tried");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(knocks.load(std::sync::atomic::Ordering::SeqCst), 0, "the server connected to this machine");
    }
}
