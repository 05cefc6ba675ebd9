//! The booked mechanic's position, black-box over HTTP on SQLite and
//! PostgreSQL: who may post, which fixes are refused and why, who hears
//! them, what is kept after the job ends, and what survives a restart.

mod common;

use common::{Auth, Reply, TestApp, flow::*, socket::Ended, sse::EventStream};
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// A stand-in OSRM routing service: answers every route with `(seconds,
/// metres)`, or 500 when `None`. Returns its URL and how often it was asked.
async fn routing_stub(answer: Option<(f64, f64)>) -> (String, Arc<AtomicUsize>) {
    use axum::{extract::Path, http::StatusCode, routing::get};
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().route(
        "/route/v1/driving/{coords}",
        get(move |Path(_coords): Path<String>| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                match answer {
                    Some((d, m)) => (
                        StatusCode::OK,
                        format!(r#"{{"code":"Ok","routes":[{{"duration":{d},"distance":{m}}}]}}"#),
                    ),
                    None => (StatusCode::INTERNAL_SERVER_ERROR, "down".to_owned()),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), hits)
}

/// The next `job:eta-updated` within `wait`.
async fn next_eta(stream: &mut EventStream, wait: Duration) -> Option<serde_json::Value> {
    let deadline = Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match stream.next_within(left).await {
            Some(e) if e.event == "job:eta-updated" => return Some(e.data),
            Some(_) => continue,
            None => return None,
        }
    }
    None
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A job booked with Dan and Dan on his way; Ben is another customer, Maria another mechanic.
struct OnTheWay {
    admin: String,
    priya: String,
    /// Ben's token and car.
    ben: (String, String),
    dan: Mechanic,
    maria: Mechanic,
    job: String,
}

async fn on_the_way(app: &TestApp) -> OnTheWay {
    let Requested {
        admin,
        customer: priya,
        job,
    } = requested(app).await;
    let dan = near_mechanic(app, &admin, "dan@example.com").await;
    let maria = near_mechanic(app, &admin, "maria@example.com").await;
    let ben = customer(app, "ben@example.com").await;
    book(app, &priya, &dan, &job, ("60", "30")).await;
    assert_eq!(move_to(app, &dan.token, &job, "en_route").await.status, 200);
    OnTheWay {
        admin,
        priya,
        ben,
        dan,
        maria,
        job,
    }
}

/// Posts a fix `(lat, lng)` taken at `at`, with 10 m accuracy.
async fn post_fix(app: &TestApp, token: &str, job: &str, lat: f64, lng: f64, at: i64) -> Reply {
    post_fix_with(
        app,
        token,
        job,
        &[
            ("lat", &lat.to_string()),
            ("lng", &lng.to_string()),
            ("at", &at.to_string()),
        ],
    )
    .await
}

async fn post_fix_with(app: &TestApp, token: &str, job: &str, fields: &[(&str, &str)]) -> Reply {
    let mut form = vec![
        ("job", job.to_owned()),
        ("accuracy", "10".to_owned()),
        ("heading", "90".to_owned()),
        ("speed", "8.5".to_owned()),
    ];
    for (k, v) in fields {
        form.retain(|(f, _)| f != k);
        form.push((*k, (*v).to_owned()));
    }
    let form: Vec<(String, String)> = form.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    app.post_pairs("/api/share_location", &form, Auth::Bearer(token))
        .await
}

/// The next `job:location-updated` within `wait`, skipping other events.
async fn next_position(stream: &mut EventStream, wait: Duration) -> Option<serde_json::Value> {
    let deadline = Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match stream.next_within(left).await {
            Some(e) if e.event == "job:location-updated" => return Some(e.data),
            Some(_) => continue,
            None => return None,
        }
    }
    None
}

/// Waits until the batch writer has stored the fix taken at `at`.
async fn stored(app: &TestApp, job: &str, at: i64) {
    for _ in 0..50 {
        if app
            .count(&format!(
                "SELECT COUNT(*) FROM jobs WHERE id = '{job}' AND fix_at = {at}"
            ))
            .await
            == 1
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the fix taken at {at} was not stored within 5 s");
}

const START: (f64, f64) = (51.5450, -0.1500);

both_databases! {
    async fn only_the_booked_mechanic_on_the_way_may_post(db) {
        let app = spawn!(db);
        let Requested { admin, customer: priya, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let maria = near_mechanic(&app, &admin, "maria@example.com").await;
        let q = quote(&app, &dan, &job, "60", "30").await;
        let fix = |token: String| {
            let (app, job) = (&app, job.clone());
            async move { post_fix(app, &token, &job, START.0, START.1, now_ms()).await }
        };
        // Before anyone is booked: nobody's fix is taken.
        assert_eq!(fix(dan.token.clone()).await.status, 404);
        let r = app.post("/api/accept_quote", &[("id", q.json["id"].as_str().unwrap())], Auth::Bearer(&priya)).await;
        assert_eq!(r.status, 200);
        // Booked, not yet on the way: the mechanic is told to tap "I'm on my way".
        let early = fix(dan.token.clone()).await;
        assert_eq!(early.status, 409, "{}", early.body);
        assert!(early.json["message"].as_str().unwrap().contains("I'm on my way"), "{}", early.body);
        assert_eq!(move_to(&app, &dan.token, &job, "en_route").await.status, 200);
        // Now Dan may; Maria, the customer, an admin and strangers may not.
        let ok = fix(dan.token.clone()).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert!(ok.json["seconds"].as_i64().unwrap() > 0, "{}", ok.body);
        assert_eq!(fix(maria.token.clone()).await.status, 404);
        assert_eq!(fix(priya.clone()).await.status, 403);
        assert_eq!(fix(admin.clone()).await.status, 403);
        let anon = app.post("/api/share_location", &[("job", &job), ("lat", "51.5"), ("lng", "-0.1"), ("accuracy", "5"), ("at", "1")], Auth::None).await;
        assert_eq!(anon.status, 401);
        // Once the job is done, no more.
        for s in ["arrived", "in_progress", "completed"] {
            assert_eq!(move_to(&app, &dan.token, &job, s).await.status, 200);
        }
        assert_eq!(fix(dan.token.clone()).await.status, 409);
    }

    async fn every_bad_fix_is_refused_with_its_reason(db) {
        let app = spawn!(db);
        let w = on_the_way(&app).await;
        let now = now_ms();
        let ok = post_fix(&app, &w.dan.token, &w.job, START.0, START.1, now - 10_000).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        let now_s = now.to_string();
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: [Case; 10] = [
            (&[("lat", "91"), ("lng", "0"), ("at", &now_s)], "lat", "between -90 and 90"),
            (&[("lat", "north"), ("lng", "0"), ("at", &now_s)], "lat", "must be a number"),
            (&[("lat", "51.5"), ("lng", "-180.5"), ("at", &now_s)], "lng", "between -180 and 180"),
            (&[("lat", "51.545"), ("lng", "-0.15"), ("at", &now_s), ("accuracy", "0")], "accuracy", "more than 0"),
            (&[("lat", "51.545"), ("lng", "-0.15"), ("at", &now_s), ("accuracy", "20000")], "accuracy", "too vague"),
            (&[("lat", "51.545"), ("lng", "-0.15"), ("at", &now_s), ("heading", "400")], "heading", "under 360"),
            (&[("lat", "51.545"), ("lng", "-0.15"), ("at", &(now + 120_000).to_string())], "at", "in the future"),
            (&[("lat", "51.545"), ("lng", "-0.15"), ("at", &(now - 600_000).to_string())], "at", "more than 5 minutes old"),
            (&[("lat", "51.545"), ("lng", "-0.15"), ("at", &(now - 20_000).to_string())], "at", "not newer than the last one"),
            // 5 km in 10 s.
            (&[("lat", "51.59"), ("lng", "-0.15"), ("at", &now_s)], "fix", "Bad fix"),
        ];
        for (fields, field, words) in cases {
            let r = post_fix_with(&app, &w.dan.token, &w.job, fields).await;
            assert_eq!(r.status, 422, "{fields:?}: {}", r.body);
            assert_eq!(r.json["field"], field, "{fields:?}: {}", r.body);
            assert!(r.json["message"].as_str().unwrap().contains(words), "{fields:?}: {}", r.body);
        }
        // None of them moved the marker: the customer still sees the first fix.
        let seen = view(&app, &w.priya, &w.job).await;
        assert_eq!(seen.json["position"]["at"], now - 10_000, "{}", seen.body);
        // A refused jump does not become the baseline: a plausible next fix passes.
        let next = post_fix(&app, &w.dan.token, &w.job, START.0 + 0.0005, START.1, now).await;
        assert_eq!(next.status, 200, "{}", next.body);
    }

    async fn positions_reach_the_customer_and_admins_and_nobody_else(db) {
        let app = spawn!(db);
        let w = on_the_way(&app).await;
        let mut priyas = app.events("", Auth::Bearer(&w.priya), None).await;
        let mut admins = app.events("", Auth::Bearer(&w.admin), None).await;
        let mut bens = app.events("", Auth::Bearer(&w.ben.0), None).await;
        let mut dans = app.events("", Auth::Bearer(&w.dan.token), None).await;
        let mut marias = app.events("", Auth::Bearer(&w.maria.token), None).await;
        let at = now_ms();
        let r = post_fix(&app, &w.dan.token, &w.job, START.0, START.1, at).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for stream in [&mut priyas, &mut admins] {
            let data = next_position(stream, Duration::from_secs(2)).await.expect("a position");
            assert_eq!(data["job"], w.job.as_str());
            assert_eq!((data["lat"].as_f64(), data["lng"].as_f64()), (Some(START.0), Some(START.1)));
            assert_eq!(data["at"], at, "the fix's own time");
            assert_eq!((data["accuracy_m"].as_f64(), data["heading"].as_f64(), data["speed_mps"].as_f64()), (Some(10.0), Some(90.0), Some(8.5)));
        }
        let eta = loop {
            let e = priyas.next().await;
            if e.event == "job:eta-updated" {
                break e.data;
            }
        };
        assert!(eta["seconds"].as_i64().unwrap() > 0 && eta["distance_km"].as_f64().unwrap() > 0.0, "{eta}");
        // Proof of absence by order: a durable event sent after the fix
        // reaches them, and no position came before it.
        // Ben's new job, next door, reaches all three of them.
        let bens_job = request_job(&app, &w.ben.0, &w.ben.1).await;
        for stream in [&mut bens, &mut dans, &mut marias] {
            loop {
                let e = stream.next().await;
                assert_ne!(e.event, "job:location-updated", "{e:?}");
                assert_ne!(e.event, "job:eta-updated", "{e:?}");
                if e.event == "job:created" && e.job() == bens_job {
                    break;
                }
            }
        }
        // A small move within the minute does not send another ETA, but does send the position.
        let r = post_fix(&app, &w.dan.token, &w.job, START.0 + 0.0003, START.1, at + 5_000).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let e = priyas.next().await;
        assert_eq!(e.event, "job:location-updated");
        // Dan arriving, after the move: no estimate came between.
        assert_eq!(move_to(&app, &w.dan.token, &w.job, "arrived").await.status, 200);
        let before = priyas.before(|e| e.event == "job:status-updated").await;
        assert!(!before.iter().any(|e| e.event == "job:eta-updated"), "an eta for a 30 m move");
    }

    async fn the_way_there_is_purged_when_the_job_ends(db) {
        let app = spawn!(db);
        let w = on_the_way(&app).await;
        let t0 = now_ms() - 60_000;
        for i in 0..5 {
            let r = post_fix(&app, &w.dan.token, &w.job, START.0 + 0.001 * f64::from(i), START.1, t0 + i64::from(i) * 10_000).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        stored(&app, &w.job, t0 + 40_000).await;
        let history = format!("SELECT COUNT(*) FROM job_fixes WHERE job_id = '{}'", w.job);
        assert_eq!(app.count(&history).await, 5, "every fix is kept while the job is active");
        for s in ["arrived", "in_progress", "completed"] {
            assert_eq!(move_to(&app, &w.dan.token, &w.job, s).await.status, 200);
        }
        assert_eq!(app.count(&history).await, 0, "purged on completion");
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM jobs WHERE id = '{}' AND fix_at IS NOT NULL", w.job)).await,
            0,
            "the last position is forgotten too"
        );
        let after = view(&app, &w.priya, &w.job).await;
        assert!(after.json["position"].is_null() && after.json["eta"].is_null(), "{}", after.body);
    }

    async fn a_coarse_trail_keeps_one_fix_per_five_minutes(db) {
        let app = spawn!(db, &[("LOCATION_TRAIL", "coarse")]);
        let w = on_the_way(&app).await;
        let t0 = now_ms() - 60_000;
        for i in 0..4 {
            let r = post_fix(&app, &w.dan.token, &w.job, START.0 + 0.001 * f64::from(i), START.1, t0 + i64::from(i) * 10_000).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        stored(&app, &w.job, t0 + 30_000).await;
        let r = app.post("/api/cancel_job", &[("id", &w.job), ("reason", "Fixed it myself.")], Auth::Bearer(&w.priya)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM job_fixes WHERE job_id = '{}'", w.job)).await, 1);
    }

    async fn the_latest_position_survives_a_restart(db) {
        let app = spawn!(db);
        let w = on_the_way(&app).await;
        let at = now_ms();
        assert_eq!(post_fix(&app, &w.dan.token, &w.job, START.0, START.1, at - 5_000).await.status, 200);
        assert_eq!(post_fix(&app, &w.dan.token, &w.job, START.0 + 0.0004, START.1, at).await.status, 200);
        stored(&app, &w.job, at).await;
        let app = app.restart(&[]).await;
        let seen = view(&app, &w.priya, &w.job).await;
        assert_eq!(seen.json["position"]["at"], at, "{}", seen.body);
        assert_eq!(seen.json["position"]["lat"].as_f64(), Some(START.0 + 0.0004));
        assert!(seen.json["eta"]["seconds"].as_i64().unwrap() > 0);
        // The speed filter goes on from the stored fix: a jump is still a jump.
        let jump = post_fix(&app, &w.dan.token, &w.job, START.0 + 0.1, START.1, at + 1_000).await;
        assert_eq!(jump.status, 422, "{}", jump.body);
        // Mechanics who are not booked never see it.
        let marias = view(&app, &w.maria.token, &w.job).await;
        // Maria never quoted on it, and it is booked: not found at all.
        assert_eq!((marias.status, marias.json["error"].as_str()), (404, Some("not_found")), "{}", marias.body);
        assert!(!marias.body.contains("position"), "{}", marias.body);
    }

    async fn a_routing_service_estimate_replaces_the_distance_one(db) {
        let (url, hits) = routing_stub(Some((1800.0, 21_500.0))).await;
        let app = spawn!(db, &[("OSRM_URL", url.as_str())]);
        let w = on_the_way(&app).await;
        let mut priyas = app.events("", Auth::Bearer(&w.priya), None).await;
        let r = post_fix(&app, &w.dan.token, &w.job, START.0, START.1, now_ms() - 10_000).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The distance estimate at once, then the route's.
        let first = next_eta(&mut priyas, Duration::from_secs(2)).await.expect("an estimate");
        assert!(first["seconds"].as_i64().unwrap() < 600, "{first}");
        let routed = next_eta(&mut priyas, Duration::from_secs(3)).await.expect("the routed estimate");
        assert_eq!(routed["seconds"], 1800, "{routed}");
        assert_eq!(routed["distance_km"].as_f64(), Some(21.5));
        assert_eq!(view(&app, &w.priya, &w.job).await.json["eta"]["seconds"], 1800);
        // Asked once; the next fix within 30 s is estimated from that answer.
        let r = post_fix(&app, &w.dan.token, &w.job, START.0 + 0.0003, START.1, now_ms()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!((1700..=1900).contains(&r.json["seconds"].as_i64().unwrap()), "{}", r.body);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    async fn a_failing_routing_service_leaves_the_distance_estimate(db) {
        let (url, hits) = routing_stub(None).await;
        let app = spawn!(db, &[("OSRM_URL", url.as_str())]);
        let w = on_the_way(&app).await;
        let mut priyas = app.events("", Auth::Bearer(&w.priya), None).await;
        let r = post_fix(&app, &w.dan.token, &w.job, START.0, START.1, now_ms()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let first = next_eta(&mut priyas, Duration::from_secs(2)).await.expect("an estimate");
        for _ in 0..50 {
            if hits.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1, "the service was asked");
        assert_eq!(move_to(&app, &w.dan.token, &w.job, "arrived").await.status, 200);
        let before = priyas.before(|e| e.event == "job:status-updated").await;
        assert!(!before.iter().any(|e| e.event == "job:eta-updated"), "a second estimate");
        let seen = view(&app, &w.priya, &w.job).await;
        assert_eq!(seen.json["eta"]["seconds"], first["seconds"], "{}", seen.body);
    }

    async fn fixes_over_the_socket_reach_the_customer_are_stored_and_keep_the_rules(db) {
        let app = spawn!(db);
        let w = on_the_way(&app).await;
        let mut priyas = app.events("", Auth::Bearer(&w.priya), None).await;
        // As the page opens it: the session cookie.
        let mut socket = app.location_socket(Auth::Cookie(&w.dan.token)).await.expect("Dan's socket");
        let at = now_ms();
        let answer = socket.fix(&w.job, START.0, at).await;
        assert_eq!(answer["at"], at, "{answer}");
        assert!(answer["eta"]["seconds"].as_i64().unwrap() > 0, "{answer}");
        let data = next_position(&mut priyas, Duration::from_secs(2)).await.expect("a position");
        assert_eq!((data["job"].as_str(), data["at"].as_i64()), (Some(w.job.as_str()), Some(at)));
        stored(&app, &w.job, at).await;
        // The fix rules are the endpoint's: a jump of 5 km in a second is refused with its reason.
        let jump = socket.fix(&w.job, START.0 + 0.05, at + 1_000).await;
        assert_eq!(jump["status"], 422, "{jump}");
        assert!(jump["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{jump}");
        // A frame that is not a fix is answered, and the socket goes on.
        let junk = socket.send("lat=51.5").await;
        assert_eq!((junk["status"].as_u64(), junk["at"].as_i64()), (Some(422), Some(0)), "{junk}");
        let next = socket.fix(&w.job, START.0 + 0.0002, at + 2_000).await;
        assert!(next["eta"].is_object(), "{next}");
        // Someone else's job over the same socket: refused like the endpoint refuses it.
        let bens_job = request_job(&app, &w.ben.0, &w.ben.1).await;
        let other = socket.fix(&bens_job, START.0, at + 3_000).await;
        assert!(matches!(other["status"].as_u64(), Some(403 | 404)), "{other}");
        // Only mechanics open one; nobody without a session does.
        assert_eq!(app.location_socket(Auth::Bearer(&w.priya)).await.err(), Some(403));
        assert_eq!(app.location_socket(Auth::None).await.err(), Some(401));
    }

    async fn the_socket_closes_when_its_session_ends(db) {
        let app = spawn!(db);
        let w = on_the_way(&app).await;
        let mut socket = app.location_socket(Auth::Bearer(&w.dan.token)).await.expect("Dan's socket");
        assert!(socket.fix(&w.job, START.0, now_ms()).await["eta"].is_object());
        // Another user's logout leaves it open.
        assert_eq!(app.post("/api/logout", &[], Auth::Bearer(&w.maria.token)).await.status, 200);
        assert_eq!(socket.ended(Duration::from_millis(500)).await, Ended::StillOpen);
        assert_eq!(app.post("/api/logout", &[], Auth::Bearer(&w.dan.token)).await.status, 200);
        assert_eq!(socket.ended(Duration::from_secs(5)).await, Ended::Closed(Some(4401)));
        assert_eq!(app.location_socket(Auth::Bearer(&w.dan.token)).await.err(), Some(401));
    }

    async fn switched_off_tracking_is_refused_hidden_and_not_streamed(db) {
        let app = spawn!(db);
        let w = on_the_way(&app).await;
        let at = now_ms();
        assert_eq!(post_fix(&app, &w.dan.token, &w.job, START.0, START.1, at).await.status, 200);
        stored(&app, &w.job, at).await;
        // The same job and a stored fix, on a server with tracking switched off.
        let app = app.restart(&[("ENABLE_REALTIME_TRACKING", "false")]).await;
        let flags = app.get("/api/site_config", Auth::None).await;
        assert_eq!(flags.json["realtime_tracking"], false, "{}", flags.body);
        let mut priyas = app.events("", Auth::Bearer(&w.priya), None).await;
        let r = post_fix(&app, &w.dan.token, &w.job, START.0 + 0.001, START.1, now_ms()).await;
        assert_eq!((r.status, r.json["error"].as_str()), (404, Some("feature_off")), "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("ENABLE_REALTIME_TRACKING=false"), "{}", r.body);
        assert_eq!(move_to(&app, &w.dan.token, &w.job, "arrived").await.status, 200);
        let before = priyas.before(|e| e.event == "job:status-updated").await;
        assert!(!before.iter().any(|e| e.event.starts_with("job:location") || e.event == "job:eta-updated"), "tracking streamed while off");
        let job = app.get(&format!("/api/job?id={}", w.job), Auth::Bearer(&w.priya)).await;
        assert_eq!(job.status, 200, "{}", job.body);
        assert!(job.json["position"].is_null() && job.json["eta"].is_null(), "{}", job.body);
        let map = app.get("/api/admin_live_map", Auth::Bearer(&w.admin)).await;
        let listed = map.json.as_array().unwrap().iter().find(|j| j["id"] == w.job.as_str()).cloned();
        assert!(listed.expect("the job is still on the map")["position"].is_null(), "{}", map.body);
    }

    async fn the_admin_live_map_shows_unfinished_jobs_and_sharing_mechanics(db) {
        let app = spawn!(db);
        let w = on_the_way(&app).await;
        let at = now_ms();
        assert_eq!(post_fix(&app, &w.dan.token, &w.job, START.0, START.1, at).await.status, 200);
        let open = request_job(&app, &w.ben.0, &w.ben.1).await;
        let map = app.get("/api/admin_live_map", Auth::Bearer(&w.admin)).await;
        assert_eq!(map.status, 200, "{}", map.body);
        let jobs = map.json.as_array().unwrap();
        let find = |id: &str| jobs.iter().find(|j| j["id"] == id).cloned().unwrap();
        assert_eq!(find(&w.job)["position"]["at"], at);
        assert_eq!(find(&w.job)["status"], "en_route");
        assert!(find(&open)["position"].is_null());
        // Finished jobs leave it.
        let r = app.post("/api/cancel_job", &[("id", &open), ("reason", "Sorted.")], Auth::Bearer(&w.ben.0)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let map = app.get("/api/admin_live_map", Auth::Bearer(&w.admin)).await;
        assert!(!map.body.contains(&open), "{}", map.body);
    }
}

// Several server processes on one database: the PostgreSQL deployment.
postgres_only! {
    async fn two_server_processes_on_one_postgres_both_deliver_a_fix() {
        let db = common::Db::Postgres;
        let secret = [("JWT_SECRET", "a shared secret that is long enough for HS256 tokens")];
        let one = spawn!(db, &secret);
        let two = one.second(&secret).await;
        let w = on_the_way(&one).await;
        let mut on_one = one.events("", Auth::Bearer(&w.priya), None).await;
        let mut on_two = two.events("", Auth::Bearer(&w.admin), None).await;
        let sent = Instant::now();
        let r = post_fix(&one, &w.dan.token, &w.job, START.0, START.1, now_ms() - 10_000).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(next_position(&mut on_one, Duration::from_secs(1)).await.is_some());
        let far = next_position(&mut on_two, Duration::from_secs(1)).await.expect("delivered by the other instance");
        assert_eq!(far["job"], w.job.as_str());
        assert!(sent.elapsed() < Duration::from_secs(1), "{:?}", sent.elapsed());
        // And a fix posted to the second instance reaches a stream on the first.
        let r = post_fix(&two, &w.dan.token, &w.job, START.0 + 0.0003, START.1, now_ms()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let back = next_position(&mut on_one, Duration::from_secs(1)).await.expect("back the other way");
        assert_eq!(back["lat"].as_f64(), Some(START.0 + 0.0003));
    }
}
