//! The real-time stream, black-box over HTTP on SQLite and PostgreSQL: who
//! gets which events, replay after a dropped connection or a restart,
//! several server processes, and a subscriber that stops reading.
//!
//! Absence is proved by order: events reach a stream in id order, so once
//! a stream has the event that came after one it should not see, that one
//! was never sent to it.

mod common;

use common::{Auth, TestApp, flow::*, sse::Sse, with};
use std::time::{Duration, Instant};

fn names(events: &[Sse]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

fn ids(events: &[Sse]) -> Vec<i64> {
    events
        .iter()
        .map(|e| e.id.expect("durable events have ids"))
        .collect()
}

async fn accept(app: &TestApp, customer: &str, quote: &str) {
    let r = app
        .post(
            "/api/accept_quote",
            &[("id", quote)],
            Auth::Bearer(customer),
        )
        .await;
    assert_eq!(
        r.status,
        200,
        "accept: {} {}",
        r.body,
        app.stdout.lock().unwrap().join("\n")
    );
}

/// A second customer, Ben, with a car and a job at the same spot.
async fn ben_requests(app: &TestApp, token_and_vehicle: &(String, String)) -> String {
    request_job(app, &token_and_vehicle.0, &token_and_vehicle.1).await
}

both_databases! {
    async fn each_caller_gets_only_the_events_they_may_see(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let maria = near_mechanic(&app, &admin, "maria@example.com").await;
        let (priya, vehicle) = customer(&app, "priya@example.com").await;
        let ben = customer(&app, "ben@example.com").await;

        let mut priyas = app.events("", Auth::Bearer(&priya), None).await;
        let mut bens = app.events("", Auth::Bearer(&ben.0), None).await;
        let mut dans = app.events("", Auth::Bearer(&dan.token), None).await;
        let mut marias = app.events("", Auth::Bearer(&maria.token), None).await;
        let mut admins = app.events("", Auth::Bearer(&admin), None).await;

        let job = request_job(&app, &priya, &vehicle).await;
        let q1 = quote(&app, &dan, &job, "60", "34.99").await.json["id"].as_str().unwrap().to_owned();
        let q2 = quote(&app, &maria, &job, "80", "30").await.json["id"].as_str().unwrap().to_owned();
        accept(&app, &priya, &q1).await;
        assert_eq!(move_to(&app, &dan.token, &job, "en_route").await.status, 200);
        let bens_job = ben_requests(&app, &ben).await;

        let all = priyas.take(9).await;
        assert_eq!(names(&all), ["job:created", "job:status-updated", "quote:new", "quote:new",
            "job:status-updated", "quote:accepted", "quote:declined", "payment:authorized", "job:status-updated"]);
        assert!(all.iter().all(|e| e.job() == job));
        assert_eq!(all[1].data["status"], "quoted");
        assert_eq!(all[4].data["status"], "accepted");
        // The demo mode's hold; like every event, no amount in it.
        assert_eq!(all[7].data, serde_json::json!({"job": job, "status": "accepted"}));
        assert_eq!(all[8].data, serde_json::json!({"job": job, "status": "en_route", "from": "accepted"}));
        let ids = ids(&all);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order: {ids:?}");

        // Ben's first event is his own job: nothing of Priya's came before it.
        let first = bens.next().await;
        assert_eq!((first.event.as_str(), first.job()), ("job:created", bens_job.as_str()));

        // Dan: the offer, his quote, his booking and its payment, the move he made, then Ben's offer.
        let dan_all = dans.until("job:created", &bens_job).await;
        assert_eq!(names(&dan_all), ["job:created", "quote:new", "job:status-updated", "quote:accepted",
            "payment:authorized", "job:status-updated", "job:created"]);
        assert_eq!(dan_all[1].data["quote"], q1.as_str());
        // Maria: the offer, her quote, the job leaving the pool, her quote
        // declined, then Ben's offer. Never Dan's quote or the en-route move.
        let maria_all = marias.until("job:created", &bens_job).await;
        assert_eq!(names(&maria_all), ["job:created", "quote:new", "job:status-updated", "quote:declined", "job:created"]);
        assert_eq!(maria_all[1].data["quote"], q2.as_str());
        assert_eq!(maria_all[3].data["quote"], q2.as_str());
        // The job leaving the pool does not name the winning quote to its rivals.
        assert_eq!(maria_all[2].data, serde_json::json!({"job": job, "status": "accepted", "from": "quoted"}));
        assert!(maria_all.iter().all(|e| !e.data.to_string().contains("Parkway")), "no address in events");

        // The admin sees everything, in order.
        let admin_all = admins.until("job:created", &bens_job).await;
        assert_eq!(admin_all.len(), 10, "{:?}", names(&admin_all));
    }

    async fn mechanics_out_of_reach_or_not_approved_get_no_offer(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        // Croydon, 10 km: Camden is about 17 km away.
        let far = mechanic(&app, &admin, "far@example.com", ("51.3762", "-0.0982"), "10", true, true).await;
        let pending = mechanic(&app, &admin, "pending@example.com", ("51.5450", "-0.1500"), "12", true, false).await;
        let (priya, vehicle) = customer(&app, "priya@example.com").await;
        let mut fars = app.events("", Auth::Bearer(&far.token), None).await;
        let mut pendings = app.events("", Auth::Bearer(&pending.token), None).await;

        // Camden first, beyond Far's reach: his first offer must be Croydon.
        request_job(&app, &priya, &vehicle).await;
        let croydon_form = with(job_form(&vehicle), &[("lat", "51.3730"), ("lng", "-0.0990")]);
        let r = app.post_pairs("/api/request_job", &croydon_form, Auth::Bearer(&priya)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let croydon = r.json["id"].as_str().unwrap();

        let first = fars.next().await;
        assert_eq!((first.event.as_str(), first.job()), ("job:created", croydon), "the Camden offer never came");
        assert_eq!(first.data, serde_json::json!({"job": croydon, "status": "requested"}));
        // Both offers have been handed out: ending the pending mechanic's
        // session ends their stream after anything it was given.
        assert_eq!(app.post("/api/logout", &[], Auth::Bearer(&pending.token)).await.status, 200);
        let got = pendings.rest().await;
        assert!(got.is_empty(), "a pending mechanic gets no offers: {:?}", names(&got));
    }

    async fn a_job_scoped_stream_carries_only_that_job(db) {
        let app = spawn!(db);
        let Requested { admin, customer: priya, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let ben = customer(&app, "ben@example.com").await;
        let bens_job = ben_requests(&app, &ben).await;

        let denied = app.open_events(&format!("?job={bens_job}"), Auth::Bearer(&priya), None).await;
        assert_eq!(denied.status(), 404, "another customer's job is not found");
        let anonymous = app.open_events("", Auth::None, None).await;
        assert_eq!(anonymous.status(), 401);
        let body: serde_json::Value = anonymous.json().await.unwrap();
        assert_eq!(body["error"], "unauthenticated");

        let mut only_ben = app.events(&format!("?job={bens_job}"), Auth::Bearer(&admin), None).await;
        quote(&app, &dan, &job, "60", "30").await;
        quote(&app, &dan, &bens_job, "70", "30").await;
        let seen = only_ben.until("quote:new", &bens_job).await;
        assert_eq!(names(&seen), ["job:status-updated", "quote:new"]);
        assert!(seen.iter().all(|e| e.job() == bens_job));
    }

    async fn a_reconnecting_client_gets_what_it_missed_once_in_order(db) {
        let app = spawn!(db);
        let Requested { admin, customer: priya, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let maria = near_mechanic(&app, &admin, "maria@example.com").await;
        let mut stream = app.events("", Auth::Bearer(&priya), None).await;
        let first = quote(&app, &dan, &job, "60", "30").await;
        assert_eq!(first.status, 200);
        let got = stream.until("quote:new", &job).await;
        let last = got.last().unwrap().id.unwrap();
        drop(stream);

        // Missed while away: a revision, Maria's quote, her withdrawal.
        quote(&app, &dan, &job, "65", "30").await;
        let q2 = quote(&app, &maria, &job, "80", "30").await.json["id"].as_str().unwrap().to_owned();
        let r = app.post("/api/withdraw_quote", &[("id", &q2)], Auth::Bearer(&maria.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);

        for header in [false, true] {
            let mut again = if header {
                app.events("", Auth::Bearer(&priya), Some(last)).await
            } else {
                app.events(&format!("?lastEventId={last}"), Auth::Bearer(&priya), None).await
            };
            let missed = again.until("quote:withdrawn", &job).await;
            assert_eq!(names(&missed), ["quote:updated", "quote:new", "quote:withdrawn"]);
            let ids = ids(&missed);
            assert!(ids[0] > last && ids.windows(2).all(|w| w[0] < w[1]), "{ids:?} after {last}");
            if !header {
                continue;
            }
            // Then live, with nothing sent twice.
            let r = quote(&app, &dan, &job, "70", "30").await;
            assert_eq!(r.status, 200, "{}", r.body);
            let next = again.next().await;
            assert_eq!(next.event, "quote:updated");
            assert!(next.id.unwrap() > *ids.last().unwrap());
            // Dan withdrawing, after: nothing came between.
            let w = app.post("/api/withdraw_quote", &[("id", r.json["id"].as_str().unwrap())], Auth::Bearer(&dan.token)).await;
            assert_eq!(w.status, 200, "{}", w.body);
            let between = again.before(|e| e.event == "quote:withdrawn").await;
            assert!(between.iter().all(|e| e.id > next.id && e.event != "quote:updated"), "sent twice: {:?}", names(&between));
        }
    }

    async fn replay_survives_a_restart_and_expired_ids_get_a_reset(db) {
        let app = spawn!(db);
        let Requested { admin, customer: priya, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let mut stream = app.events("", Auth::Bearer(&priya), Some(0)).await;
        let created = stream.next().await;
        assert_eq!(created.event, "job:created", "replay from 0 starts at the beginning");
        let last = created.id.unwrap();
        drop(stream);
        quote(&app, &dan, &job, "60", "30").await;

        let app = app.restart(&[]).await;
        let mut again = app.every_event("", Auth::Bearer(&priya), Some(last)).await;
        let missed = again.until("notification:new", &job).await;
        assert_eq!(names(&missed), ["job:status-updated", "quote:new", "notification:new"]);
        let newest = missed.last().unwrap().id.unwrap();
        drop(again);

        // A client from before retention: everything older than 1 day is
        // pruned at start-up, and the client is told to refetch.
        let pool = app.sql().await;
        sqlx::query("UPDATE events SET created_at = 0").execute(&pool).await.unwrap();
        pool.close().await;
        let app = app.restart(&[("EVENTS_RETENTION_DAYS", "1")]).await;
        for _ in 0..50 {
            if app.count("SELECT COUNT(*) FROM events").await == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 0, "pruned");
        let mut stale = app.events("", Auth::Bearer(&priya), Some(last)).await;
        let reset = stale.next().await;
        assert_eq!(reset.event, "reset");
        assert_eq!(reset.id, Some(newest), "the reset moves the client past the gap");
        // Ids are never reused after pruning, so the stream goes on.
        quote(&app, &dan, &job, "61", "30").await;
        let next = stale.next().await;
        assert_eq!(next.event, "quote:updated");
        assert!(next.id.unwrap() > newest);
        // An id from the future (another database) also gets a reset.
        let mut future = app.events("", Auth::Bearer(&priya), Some(newest + 1000)).await;
        assert_eq!(future.next().await.event, "reset");
    }

    async fn replay_crosses_pages_and_meets_live_with_no_gap_or_repeat(db) {
        let app = spawn!(db);
        let Requested { admin, customer: priya, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let mut stream = app.every_event("", Auth::Bearer(&priya), None).await;
        assert_eq!(quote(&app, &dan, &job, "60", "30").await.status, 200);
        // The first quote's notification is the newest event.
        let last = stream.until("notification:new", &job).await.last().unwrap().id.unwrap();
        drop(stream);
        // More than one replay page (500 rows) missed while away...
        const MISSED: usize = 520;
        const DURING: usize = 60;
        for i in 0..MISSED {
            let r = quote(&app, &dan, &job, &format!("{}", 61 + i % 50), "30").await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let mut again = app.events("", Auth::Bearer(&priya), Some(last)).await;
        // ...and more written while the stream replays and switches to live.
        let writer = async {
            for i in 0..DURING {
                let r = quote(&app, &dan, &job, &format!("{}", 120 + i), "30").await;
                assert_eq!(r.status, 200, "{}", r.body);
            }
        };
        let reader = async {
            let mut seen = Vec::new();
            while seen.len() < MISSED + DURING {
                seen.push(again.next().await);
            }
            seen
        };
        let ((), seen) = tokio::join!(writer, reader);
        assert!(seen.iter().all(|e| e.event == "quote:updated"), "{:?}", names(&seen));
        let ids = ids(&seen);
        assert_eq!(ids[0], last + 1, "the first one missed");
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "every id once, in order: {ids:?}");
        // One more revision, after: the next event is it, nothing repeated before it.
        assert_eq!(quote(&app, &dan, &job, "300", "30").await.status, 200);
        let newest = *ids.last().unwrap();
        let between = again.before(|e| e.id.is_some_and(|id| id > newest)).await;
        assert!(between.is_empty(), "sent twice: {:?}", names(&between));
    }

    async fn a_stalled_subscriber_does_not_delay_others(db) {
        // A short queue per stream, so the flood below overruns it.
        let app = spawn!(db, &[("EVENTS_STREAM_BUFFER", "16")]);
        let Requested { admin, customer: priya, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let mut stalled = stalled_subscriber(&app, &priya).await;
        // Every event, as the stalled stream gets them (the first quote's notification too).
        let mut reader = app.every_event(&format!("?job={job}"), Auth::Bearer(&priya), None).await;

        // Far more than the queue, the server's socket buffer (small, as the
        // stalled client's segments are) and the client's window hold.
        let mut worst = Duration::ZERO;
        let mut delivered = Vec::new();
        for i in 0..STALL_FLOOD {
            let r = quote(&app, &dan, &job, &format!("{}", 60 + i), "30").await;
            assert_eq!(r.status, 200, "{}", r.body);
            let sent = Instant::now();
            let mut e = reader.next().await;
            while e.event == "job:status-updated" || e.event == "notification:new" {
                delivered.push(e.id.unwrap());
                e = reader.next().await;
            }
            assert!(e.event.starts_with("quote:"), "{e:?}");
            delivered.push(e.id.unwrap());
            worst = worst.max(sent.elapsed());
        }
        assert!(worst < Duration::from_secs(1), "an event took {worst:?} to arrive");

        // The stalled stream was cut: what it had queued drains, then it ends.
        let (seen, ended) = drain(&mut stalled, Duration::from_secs(5)).await;
        assert!(ended, "the stalled stream is still open after {} events", seen.len());
        assert!(seen.len() < delivered.len(), "cut before the end: {} events", seen.len());
        assert_eq!(seen[..], delivered[..seen.len()], "what it got came in order");

        // Its client resumes by replay, from the last event it read, with no gap.
        let last = *seen.last().expect("the stalled stream got some events first");
        let mut resumed = app.every_event("", Auth::Bearer(&priya), Some(last)).await;
        let rest = ids(&resumed.take(delivered.len() - seen.len()).await);
        assert_eq!(rest[..], delivered[seen.len()..]);
    }

    async fn a_commit_wakes_the_stream_without_polling(db) {
        // Only the commit itself can deliver within the limit below.
        let app = spawn!(db, &[("EVENTS_SAFETY_POLL_MS", "600000")]);
        let Requested { admin, customer: priya, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let mut stream = app.events(&format!("?job={job}"), Auth::Bearer(&priya), None).await;
        let sent = Instant::now();
        assert_eq!(quote(&app, &dan, &job, "60", "30").await.status, 200);
        stream.until("quote:new", &job).await;
        assert!(sent.elapsed() < Duration::from_secs(1), "a quote took {:?}", sent.elapsed());
        let sent = Instant::now();
        let r = app.post("/api/cancel_job", &[("id", &job), ("reason", "Found a garage.")], Auth::Bearer(&priya)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        stream.until("job:cancelled", &job).await;
        assert!(sent.elapsed() < Duration::from_secs(1), "a cancel took {:?}", sent.elapsed());
    }

    async fn the_server_stops_promptly_with_streams_open(db) {
        let app = spawn!(db);
        let Requested { customer: priya, .. } = requested(&app).await;
        let mut stream = app.events("", Auth::Bearer(&priya), None).await;
        let started = Instant::now();
        assert!(app.terminate().await, "a clean exit");
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        assert!(stream.ended_within(Duration::from_secs(1)).await, "the stream ended");
    }
}

/// Quote revisions sent while one subscriber stalls.
const STALL_FLOOD: usize = 600;

/// Opens the stream over a raw socket and never reads it. Its small
/// receive window and segment size keep the server's socket buffer small
/// too (Linux sizes it from the segment size), so the stall reaches the
/// server's queue for the stream within a few hundred events.
async fn stalled_subscriber(app: &TestApp, token: &str) -> tokio::net::TcpStream {
    use std::os::fd::AsRawFd;
    use tokio::io::AsyncWriteExt;
    let addr: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(1024).unwrap();
    let mss: libc::c_int = 536;
    // SAFETY: a valid socket and an int option of the size given.
    let set = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_MAXSEG,
            (&raw const mss).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0, "set TCP_MAXSEG");
    let mut stream = socket.connect(addr).await.unwrap();
    let request = format!(
        "GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream
}

/// Reads what the stalled stream holds: the event ids in it, and whether
/// its response ended (the last chunk of a chunked body, or a closed
/// connection) within `wait` of the last bytes.
async fn drain(stream: &mut tokio::net::TcpStream, wait: Duration) -> (Vec<i64>, bool) {
    use tokio::io::AsyncReadExt;
    let mut raw = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    let ended = loop {
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.ends_with(b"\r\n0\r\n\r\n") {
                    break true;
                }
            }
            Err(_) => break false,
        }
    };
    let text = String::from_utf8_lossy(&raw);
    let ids = text
        .lines()
        .filter_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().parse().expect("an event id"))
        .collect();
    (ids, ended)
}

// Several server processes on one database: the PostgreSQL deployment.
postgres_only! {
    async fn two_server_processes_on_one_postgres_share_events() {
        let db = common::Db::Postgres;
        // The safety poll far beyond the limits below: only LISTEN can be on time.
        let secret = [
            ("JWT_SECRET", "a shared secret that is long enough for HS256 tokens"),
            ("EVENTS_SAFETY_POLL_MS", "600000"),
        ];
        let one = spawn!(db, &secret);
        let two = one.second(&secret).await;
        let Requested { admin, customer: priya, job } = requested(&one).await;
        let dan = near_mechanic(&one, &admin, "dan@example.com").await;
        let mut on_two = two.events("", Auth::Bearer(&priya), None).await;
        let mut on_one = one.events("", Auth::Bearer(&priya), None).await;
        let sent = Instant::now();
        let q = quote(&one, &dan, &job, "60", "30").await;
        assert_eq!(q.status, 200);
        let seen = on_two.until("quote:new", &job).await;
        assert!(sent.elapsed() < Duration::from_secs(1), "arrived through LISTEN, not the safety poll");
        assert_eq!(names(&seen), ["job:status-updated", "quote:new"]);
        // And the other way round.
        assert_eq!(move_to(&two, &priya, &job, "cancelled").await.status, 422);
        let sent = Instant::now();
        let r = two.post("/api/cancel_job", &[("id", &job), ("reason", "Found a garage.")], Auth::Bearer(&priya)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let on_one_seen = on_one.until("job:cancelled", &job).await;
        assert!(sent.elapsed() < Duration::from_secs(1), "arrived through LISTEN, not the safety poll");
        assert_eq!(names(&on_one_seen), ["job:status-updated", "quote:new", "job:cancelled"]);
    }
}
