//! Conversations about a job, black-box over HTTP on SQLite and PostgreSQL:
//! who may read and write which thread, idempotent sends, pages while
//! messages arrive, read receipts, typing, the rate limit, reports.

mod common;

use common::{Auth, Reply, TestApp, flow::*, sse::EventStream};
use std::time::Duration;

/// Priya's job with quotes from Dan and Maria; Sam is a mechanic who did not quote.
struct Quoted {
    admin: String,
    priya: String,
    dan: Mechanic,
    maria: Mechanic,
    sam: Mechanic,
    job: String,
    dan_quote: String,
}

async fn quoted(app: &TestApp) -> Quoted {
    let Requested {
        admin,
        customer: priya,
        job,
    } = requested(app).await;
    let dan = near_mechanic(app, &admin, "dan@example.com").await;
    let maria = near_mechanic(app, &admin, "maria@example.com").await;
    let sam = near_mechanic(app, &admin, "sam@example.com").await;
    let q = quote(app, &dan, &job, "60", "30").await;
    assert_eq!(q.status, 200, "{}", q.body);
    assert_eq!(quote(app, &maria, &job, "50", "30").await.status, 200);
    Quoted {
        admin,
        priya,
        dan,
        maria,
        sam,
        job,
        dan_quote: q.json["id"].as_str().unwrap().to_owned(),
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn send(app: &TestApp, token: &str, job: &str, mechanic: Option<&str>, body: &str) -> Reply {
    send_id(app, token, job, mechanic, &new_id(), body).await
}

async fn send_id(
    app: &TestApp,
    token: &str,
    job: &str,
    mechanic: Option<&str>,
    id: &str,
    body: &str,
) -> Reply {
    let mut form = vec![("job_id", job), ("id", id), ("body", body)];
    if let Some(m) = mechanic {
        form.push(("mechanic", m));
    }
    app.post("/api/send_message", &form, Auth::Bearer(token))
        .await
}

async fn history(app: &TestApp, token: &str, job: &str, query: &str) -> Reply {
    app.get(
        &format!("/api/messages?job_id={job}{query}"),
        Auth::Bearer(token),
    )
    .await
}

fn bodies(page: &serde_json::Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

/// The next event named `name` within `wait`, skipping others.
async fn next_named(
    stream: &mut EventStream,
    name: &str,
    wait: Duration,
) -> Option<common::sse::Sse> {
    let deadline = tokio::time::Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
        match stream.next_within(left).await {
            Some(e) if e.event == name => return Some(e),
            Some(_) => continue,
            None => return None,
        }
    }
    None
}

both_databases! {
    async fn the_customer_is_named_by_one_rule_on_every_path(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        assert_eq!(send(&app, &q.dan.token, &q.job, None, "I can come at 3").await.status, 200);
        assert_eq!(send(&app, &q.maria.token, &q.job, None, "Or I at 4").await.status, 200);
        let job = |token: String| {
            let app = &app;
            let path = format!("/api/job?id={}", q.job);
            async move { app.get(&path, Auth::Bearer(&token)).await }
        };
        // Quoting: "Priya S." in the conversation, no name on the job page,
        // the surname nowhere.
        for m in [&q.dan, &q.maria] {
            let h = history(&app, &m.token, &q.job, "").await;
            assert_eq!(h.json["thread"]["customer_name"], "Priya S.", "{}", h.body);
            let page = job(m.token.clone()).await;
            assert!(page.json["customer_name"].is_null(), "{}", page.body);
            for body in [&h.body, &page.body] {
                assert!(!body.contains("Shah"), "{body}");
            }
        }
        let r = app.post("/api/accept_quote", &[("id", q.dan_quote.as_str())], Auth::Bearer(&q.priya)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // Booked: Dan sees her full name everywhere; Maria still only the initial.
        let h = history(&app, &q.dan.token, &q.job, "").await;
        assert_eq!(h.json["thread"]["customer_name"], "Priya Shah", "{}", h.body);
        assert_eq!(job(q.dan.token.clone()).await.json["customer_name"], "Priya Shah");
        let h = history(&app, &q.maria.token, &q.job, "").await;
        assert_eq!(h.json["thread"]["customer_name"], "Priya S.", "{}", h.body);
        let page = job(q.maria.token.clone()).await;
        for body in [&h.body, &page.body] {
            assert!(!body.contains("Shah"), "{body}");
        }
        let mine = history(&app, &q.priya, &q.job, &format!("&mechanic={}", q.dan.id)).await;
        assert_eq!(mine.json["thread"]["customer_name"], "Priya Shah", "{}", mine.body);
    }

    async fn only_the_threads_parties_read_and_write_and_a_rival_never_sees_it(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        let mut maria_stream = app.events("", Auth::Bearer(&q.maria.token), None).await;
        let mut admin_stream = app.events("", Auth::Bearer(&q.admin), None).await;

        let r = send(&app, &q.priya, &q.job, Some(&q.dan.id), "Can you come before noon?").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["sender"].as_str(), Some(q.priya_id(&app).await.as_str()));
        assert_eq!(r.json["mechanic"], q.dan.id.as_str());
        let r = send(&app, &q.dan.token, &q.job, None, "Yes, 11:30 works.").await;
        assert_eq!(r.status, 200, "{}", r.body);

        let dan = history(&app, &q.dan.token, &q.job, "").await.expect_success("dan reads");
        assert_eq!(bodies(&dan), ["Yes, 11:30 works.", "Can you come before noon?"]);
        let maria = history(&app, &q.maria.token, &q.job, "").await.expect_success("maria reads hers");
        assert!(bodies(&maria).is_empty(), "Maria's own thread is empty: {maria}");
        let r = history(&app, &q.maria.token, &q.job, &format!("&mechanic={}", q.dan.id)).await;
        assert_eq!(r.status, 404, "a rival cannot name another's thread: {}", r.body);
        let r = send(&app, &q.maria.token, &q.job, Some(&q.dan.id), "let me in").await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = history(&app, &q.sam.token, &q.job, "").await;
        assert_eq!(r.status, 404, "a mechanic who never quoted: {}", r.body);
        let (ben, _) = customer(&app, "ben@example.com").await;
        let r = history(&app, &ben, &q.job, &format!("&mechanic={}", q.dan.id)).await;
        assert_eq!(r.status, 404, "another customer: {}", r.body);
        assert_eq!(history(&app, "", &q.job, "").await.status, 401);

        // Admins read, audited, and never write.
        let before = app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'conversation.read'").await;
        let a = history(&app, &q.admin, &q.job, &format!("&mechanic={}", q.dan.id)).await.expect_success("admin reads");
        assert_eq!(bodies(&a).len(), 2);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'conversation.read'").await,
            before + 1,
            "the admin's read is in the audit log"
        );
        let r = send(&app, &q.admin, &q.job, Some(&q.dan.id), "hello from ops").await;
        assert_eq!(r.status, 403, "{}", r.body);

        // Neither the rival nor an admin's stream carries the thread.
        send(&app, &q.priya, &q.job, Some(&q.maria.id), "And you, Maria?").await.expect_success("to maria");
        let heard = next_named(&mut maria_stream, "message:new", Duration::from_secs(5)).await.expect("maria hears hers");
        assert_eq!(heard.data["body"], "And you, Maria?", "the first message Maria hears is her own thread's");
        // Admins see every job event but no chat: an update of Dan's quote,
        // the newest event, comes with no message before it.
        assert_eq!(quote(&app, &q.dan, &q.job, "61", "30").await.status, 200);
        let newest = app.count("SELECT MAX(id) FROM events").await;
        let before = admin_stream.before(|e| e.id.is_some_and(|id| id >= newest)).await;
        assert!(!before.iter().any(|e| e.event == "message:new"), "{:?}", before.iter().map(|e| &e.event).collect::<Vec<_>>());

        // Booking Dan closes Maria's thread; Dan's stays, and is the default.
        let r = app.post("/api/accept_quote", &[("id", &q.dan_quote)], Auth::Bearer(&q.priya)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = send(&app, &q.maria.token, &q.job, None, "Still available").await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("another mechanic"), "{}", r.body);
        let r = send(&app, &q.priya, &q.job, None, "See you at 11:30").await.expect_success("to the booked mechanic");
        assert_eq!(r["mechanic"], q.dan.id.as_str());
        let page = history(&app, &q.maria.token, &q.job, "").await.expect_success("maria");
        assert!(page["thread"]["closed"].as_str().unwrap().contains("another mechanic"));
        assert_eq!(bodies(&page), ["And you, Maria?"], "Maria keeps her history");
    }

    async fn resending_an_id_stores_once_and_bad_input_changes_nothing(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        let id = new_id();
        let html = "<script>alert(1)</script> <b>bold</b>";
        let first = send_id(&app, &q.priya, &q.job, Some(&q.dan.id), &id, html).await.expect_success("first");
        let again = send_id(&app, &q.priya, &q.job, Some(&q.dan.id), &id.to_uppercase(), html).await.expect_success("again");
        assert_eq!(first["seq"], again["seq"], "the same message");
        assert_eq!(first["body"], html, "text is stored as typed");
        assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
        let r = send_id(&app, &q.priya, &q.job, Some(&q.dan.id), &id, "something else").await;
        assert_eq!(r.status, 409, "{}", r.body);
        let r = send_id(&app, &q.dan.token, &q.job, None, &id, html).await;
        assert_eq!(r.status, 409, "another sender cannot claim the id: {}", r.body);

        for (id, body, field) in [
            (new_id(), "   ".to_owned(), "body"),
            (new_id(), "x".repeat(2001), "body"),
            ("not-a-uuid".to_owned(), "hi".to_owned(), "id"),
        ] {
            let r = send_id(&app, &q.priya, &q.job, Some(&q.dan.id), &id, &body).await;
            assert_eq!(r.status, 422, "{}", r.body);
            assert_eq!(r.json["field"], field);
        }
        assert!(send(&app, &q.priya, &q.job, Some(&q.dan.id), &"é".repeat(2000)).await.status == 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
    }

    async fn pages_have_no_gaps_or_duplicates_while_messages_arrive(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        for i in 0..20 {
            let token = if i % 2 == 0 { &q.priya } else { &q.dan.token };
            send(&app, token, &q.job, Some(&q.dan.id), &format!("m{i:02}")).await.expect_success("send");
        }
        let mut seen = Vec::new();
        let mut query = "&limit=6".to_owned();
        let mut round = 0;
        loop {
            // New messages land between the reads of pages.
            let sends = (0..4).map(|k| {
                let token = if k % 2 == 0 { q.priya.clone() } else { q.dan.token.clone() };
                let (app, job, dan) = (&app, q.job.clone(), q.dan.id.clone());
                async move { send(app, &token, &job, Some(&dan), &format!("new{round}-{k}")).await }
            });
            let page_query = format!("&mechanic={}{query}", q.dan.id);
            let (page, replies) = tokio::join!(
                history(&app, &q.priya, &q.job, &page_query),
                futures::future::join_all(sends),
            );
            assert!(replies.iter().all(|r| r.status == 200));
            let page = page.expect_success("page");
            seen.extend(bodies(&page).into_iter().filter(|b| b.starts_with('m')));
            match page["older"].as_i64() {
                Some(older) => query = format!("&limit=6&before={older}"),
                None => break,
            }
            round += 1;
            if round >= 4 { break; }
        }
        let want: Vec<String> = (0..20).rev().map(|i| format!("m{i:02}")).collect();
        assert_eq!(seen, want, "every old message once, newest first");
        let all = history(&app, &q.dan.token, &q.job, "&limit=50").await.expect_success("all");
        let seqs: Vec<i64> = all["messages"].as_array().unwrap().iter().map(|m| m["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs.len(), 36);
        assert!(seqs.windows(2).all(|w| w[0] > w[1]), "strictly newest first: {seqs:?}");
    }

    async fn read_receipts_reach_the_sender_and_unread_counts_follow(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        let mut priya_stream = app.events("", Auth::Bearer(&q.priya), None).await;
        let m = send(&app, &q.priya, &q.job, Some(&q.dan.id), "Is the part in stock?").await.expect_success("send");
        let seq = m["seq"].as_i64().unwrap();
        let unread = app.get("/api/unread", Auth::Bearer(&q.dan.token)).await.expect_success("unread");
        assert_eq!(unread["total"], 1);
        assert_eq!(unread["threads"][0]["job"], q.job.as_str());
        let unread = app.get("/api/unread", Auth::Bearer(&q.priya)).await.expect_success("unread");
        assert_eq!(unread["total"], 0, "your own message is read");

        let r = app.post("/api/mark_read", &[("job_id", q.job.as_str()), ("seq", &seq.to_string())], Auth::Bearer(&q.dan.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let read = next_named(&mut priya_stream, "message:read", Duration::from_secs(5)).await.expect("a receipt");
        assert_eq!(read.data["seq"], seq);
        assert_eq!(read.data["reader"], q.dan.id.as_str());
        assert!(read.id.is_some(), "receipts are durable");
        let unread = app.get("/api/unread", Auth::Bearer(&q.dan.token)).await.expect_success("unread");
        assert_eq!(unread["total"], 0);
        let page = history(&app, &q.priya, &q.job, &format!("&mechanic={}", q.dan.id)).await.expect_success("page");
        assert_eq!(page["thread"]["mechanic_read"], seq);

        // Reading again, or backwards, or past the end, tells nobody anything new.
        for s in [seq, seq - 1, seq + 100] {
            let r = app.post("/api/mark_read", &[("job_id", q.job.as_str()), ("seq", &s.to_string())], Auth::Bearer(&q.dan.token)).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        send(&app, &q.dan.token, &q.job, None, "marker").await.expect_success("the marker");
        let before = priya_stream.before(|e| e.event == "message:new" && e.data["body"] == "marker").await;
        assert!(!before.iter().any(|e| e.event == "message:read"), "a receipt told again");
    }

    async fn typing_is_passed_on_at_most_every_three_seconds_and_never_stored(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        let mut dan_stream = app.events("", Auth::Bearer(&q.dan.token), None).await;
        let mut maria_stream = app.events("", Auth::Bearer(&q.maria.token), None).await;
        let typing = |token: String| {
            let (app, job, dan) = (&app, q.job.clone(), q.dan.id.clone());
            async move {
                app.post("/api/typing", &[("job_id", job.as_str()), ("mechanic", dan.as_str())], Auth::Bearer(&token)).await.expect_success("typing")
            }
        };
        assert_eq!(typing(q.priya.clone()).await, true);
        for _ in 0..5 {
            assert_eq!(typing(q.priya.clone()).await, false, "within 3 s: not passed on");
        }
        let e = next_named(&mut dan_stream, "message:typing", Duration::from_secs(5)).await.expect("typing");
        assert_eq!(e.data["who"].as_str(), Some(q.priya_id(&app).await.as_str()));
        assert!(e.id.is_none(), "typing is ephemeral");
        // Typing is passed on in the request, so messages sent after it
        // (durable, queued once committed) mark the end of what came.
        send(&app, &q.priya, &q.job, Some(&q.dan.id), "marker").await.expect_success("marker to dan");
        send(&app, &q.priya, &q.job, Some(&q.maria.id), "marker").await.expect_success("marker to maria");
        let marker = |e: &common::sse::Sse| e.event == "message:new" && e.data["body"] == "marker";
        let to_dan = dan_stream.before(marker).await;
        assert!(!to_dan.iter().any(|e| e.event == "message:typing"), "typing passed on twice");
        let to_maria = maria_stream.before(marker).await;
        assert!(!to_maria.iter().any(|e| e.event == "message:typing"), "Maria heard typing in Dan's thread");
        assert_eq!(app.count("SELECT COUNT(*) FROM events WHERE name = 'message:typing'").await, 0);
    }

    async fn sending_is_limited_to_twenty_a_minute(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        for i in 0..20 {
            send(&app, &q.priya, &q.job, Some(&q.dan.id), &format!("{i}")).await.expect_success("within the limit");
        }
        let r = send(&app, &q.priya, &q.job, Some(&q.dan.id), "one too many").await;
        assert_eq!(r.status, 429, "{}", r.body);
        assert_eq!(r.json["error"], "too_many_messages");
        assert!(r.json["retry_after_secs"].as_u64().unwrap() <= 60);
        assert_eq!(r.header("retry-after").map(str::to_owned), Some(r.json["retry_after_secs"].to_string()), "{:?}", r.headers);
        assert!(r.json["message"].as_str().unwrap().starts_with("You are sending messages too fast"));
        assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 20);
        send(&app, &q.dan.token, &q.job, None, "the other side is not limited by her").await.expect_success("dan");
    }

    async fn the_limit_follows_messages_per_minute(db) {
        let app = spawn!(db, &[("MESSAGES_PER_MINUTE", "3")]);
        let q = quoted(&app).await;
        for i in 0..3 {
            send(&app, &q.priya, &q.job, Some(&q.dan.id), &format!("{i}")).await.expect_success("within");
        }
        assert_eq!(send(&app, &q.priya, &q.job, Some(&q.dan.id), "4").await.status, 429);
    }

    async fn a_reported_conversation_stops_the_other_party_until_an_admin_reopens_it(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        send(&app, &q.priya, &q.job, Some(&q.dan.id), "rude words").await.expect_success("send");
        let r = app.post("/api/report_conversation", &[("job_id", q.job.as_str()), ("reason", "x")], Auth::Bearer(&q.dan.token)).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM chat_reports").await, 0);
        let r = app.post("/api/report_conversation", &[("job_id", q.job.as_str()), ("reason", "Abusive language")], Auth::Bearer(&q.dan.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = send(&app, &q.priya, &q.job, Some(&q.dan.id), "more").await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("reported"));
        let r = app.post("/api/typing", &[("job_id", q.job.as_str()), ("mechanic", q.dan.id.as_str())], Auth::Bearer(&q.priya)).await;
        assert_eq!(r.status, 409, "{}", r.body);
        send(&app, &q.dan.token, &q.job, None, "Reported to support.").await.expect_success("the reporter still may");

        assert_eq!(app.get("/api/chat_reports", Auth::Bearer(&q.priya)).await.status, 403);
        let reports = app.get("/api/chat_reports", Auth::Bearer(&q.admin)).await.expect_success("reports");
        assert_eq!(reports.as_array().unwrap().len(), 1);
        assert_eq!(reports[0]["reason"], "Abusive language");
        assert_eq!(reports[0]["job"], q.job.as_str());
        let id = reports[0]["id"].as_str().unwrap();
        let r = app.post("/api/close_chat_report", &[("id", id), ("outcome", "Warned the customer"), ("unblock", "true")], Auth::Bearer(&q.admin)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app.post("/api/close_chat_report", &[("id", id), ("outcome", "again")], Auth::Bearer(&q.admin)).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(app.get("/api/chat_reports", Auth::Bearer(&q.admin)).await.expect_success("open").as_array().unwrap().is_empty());
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'chat_report.closed'").await, 1);
        send(&app, &q.priya, &q.job, Some(&q.dan.id), "Sorry.").await.expect_success("unblocked");
    }

    async fn a_reconnecting_phone_gets_the_messages_it_missed(db) {
        let app = spawn!(db);
        let q = quoted(&app).await;
        send(&app, &q.priya, &q.job, Some(&q.dan.id), "first").await.expect_success("first");
        let mut stream = app.events("", Auth::Bearer(&q.dan.token), Some(0)).await;
        let first = next_named(&mut stream, "message:new", Duration::from_secs(5)).await.expect("replayed");
        assert_eq!(first.data["body"], "first");
        drop(stream);
        send(&app, &q.priya, &q.job, Some(&q.dan.id), "while you were away").await.expect_success("second");
        let mut stream = app.events("", Auth::Bearer(&q.dan.token), first.id).await;
        let missed = next_named(&mut stream, "message:new", Duration::from_secs(5)).await.expect("missed");
        assert_eq!(missed.data["body"], "while you were away");
        send(&app, &q.priya, &q.job, Some(&q.dan.id), "marker").await.expect_success("marker");
        let before = stream.before(|e| e.event == "message:new" && e.data["body"] == "marker").await;
        assert!(!before.iter().any(|e| e.event == "message:new"), "a missed message came twice");
    }

    async fn messaging_switched_off_refuses_its_endpoints(db) {
        let app = spawn!(db, &[("ENABLE_MESSAGING", "false")]);
        let q = quoted(&app).await;
        let r = send(&app, &q.priya, &q.job, Some(&q.dan.id), "hello").await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert_eq!(r.json["error"], "feature_off");
        assert!(r.json["message"].as_str().unwrap().contains("ENABLE_MESSAGING=false"));
        assert_eq!(history(&app, &q.priya, &q.job, "").await.status, 404);
        assert_eq!(app.get("/api/unread", Auth::Bearer(&q.priya)).await.status, 404);
        assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
    }
}

impl Quoted {
    async fn priya_id(&self, app: &TestApp) -> String {
        app.get("/api/me", Auth::Bearer(&self.priya)).await.json["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}
