//! Vehicles, jobs, quotes and the status lifecycle, black-box over HTTP on
//! SQLite and PostgreSQL.

mod common;

use common::{Auth, Reply, TestApp, flow::*, with};
use serde_json::Value;

fn statuses(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of an open-jobs answer; anything but a 200 with a list fails the test.
fn open_ids(r: &Reply) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.json
        .as_array()
        .unwrap_or_else(|| panic!("a list of jobs: {}", r.body))
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect()
}

both_databases! {
    async fn a_job_goes_from_request_through_quotes_to_completion(db) {
        let app = spawn!(db);
        let Requested { admin, customer, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let maria = near_mechanic(&app, &admin, "maria@example.com").await;

        let open = app.get("/api/open_jobs", Auth::Bearer(&dan.token)).await;
        assert_eq!((open.status, open_ids(&open)), (200, vec![job.clone()]), "{}", open.body);
        assert!(open.json[0]["distance_km"].as_f64().unwrap() < 2.0);

        let q1 = quote(&app, &dan, &job, "60", "34.99").await;
        assert_eq!(q1.status, 200, "{}", q1.body);
        assert_eq!(q1.json["total"]["cents"], 9499);
        assert_eq!(q1.json["mechanic"]["id"].as_str(), Some(dan.id.as_str()));
        let q2 = quote(&app, &maria, &job, "80", "30").await;
        assert_eq!(q2.status, 200, "{}", q2.body);

        let seen = view(&app, &customer, &job).await;
        assert_eq!(seen.json["status"], "quoted");
        let quotes = seen.json["quotes"].as_array().unwrap();
        assert_eq!(quotes.len(), 2);
        assert_eq!(quotes[0]["total"]["cents"], 9499, "cheapest first");
        assert_eq!(quotes[0]["mechanic"]["years_experience"], 9);

        let accepted = app
            .post("/api/accept_quote", &[("id", q1.json["id"].as_str().unwrap())], Auth::Bearer(&customer))
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.body);
        assert_eq!(accepted.json["status"], "accepted");
        let by_id = |id: &Value| accepted.json["quotes"].as_array().unwrap().iter().find(|q| q["id"] == *id).unwrap()["status"].clone();
        assert_eq!(by_id(&q1.json["id"]), "accepted");
        assert_eq!(by_id(&q2.json["id"]), "declined");

        let mine = app.get("/api/my_jobs", Auth::Bearer(&dan.token)).await;
        assert_eq!(open_ids(&mine), vec![job.clone()]);
        for step in ["en_route", "arrived", "in_progress", "completed"] {
            let r = move_to(&app, &dan.token, &job, step).await;
            assert_eq!((r.status, r.json["status"].as_str()), (200, Some(step)), "{step}: {}", r.body);
        }
        let done = view(&app, &customer, &job).await;
        assert_eq!(
            statuses(&done.json["timeline"]),
            ["requested", "quoted", "accepted", "en_route", "arrived", "in_progress", "completed"]
        );
        let en_route = &done.json["timeline"][3];
        assert_eq!((en_route["from"].as_str(), en_route["actor_role"].as_str()), (Some("accepted"), Some("assigned_mechanic")));
        assert_eq!(en_route["actor_name"], "dan@example.com Mobile");
        let mine = app.get("/api/my_jobs", Auth::Bearer(&customer)).await;
        assert_eq!(mine.json[0]["status"], "completed");
        // Finished jobs leave the open list.
        let open = app.get("/api/open_jobs", Auth::Bearer(&maria.token)).await;
        assert!(open_ids(&open).is_empty());
    }

    async fn illegal_moves_are_refused_and_change_nothing(db) {
        let app = spawn!(db);
        let Requested { admin, customer, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let maria = near_mechanic(&app, &admin, "maria@example.com").await;

        // Before anyone is booked, nobody can start the work: a mechanic
        // who is only quoting has no buttons to press at all.
        let r = move_to(&app, &dan.token, &job, "en_route").await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = move_to(&app, &customer, &job, "quoted").await;
        assert_eq!((r.status, r.json["error"].as_str()), (409, Some("conflict")), "{}", r.body);
        let r = move_to(&app, &customer, &job, "flying").await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("status")), "{}", r.body);
        let q = quote(&app, &dan, &job, "60", "30").await;
        let r = move_to(&app, &customer, &job, "accepted").await;
        assert_eq!(r.status, 409, "accepting goes through a quote: {}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("accepting"));

        let quote_id = q.json["id"].as_str().unwrap();
        let r = app.post("/api/accept_quote", &[("id", quote_id)], Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // Booked: the customer cannot drive the mechanic's steps, the
        // mechanic cannot skip one, a second acceptance fails, the other
        // mechanic cannot move it, and nobody can quote any more.
        for (token, to, status) in [
            (&customer, "en_route", 403),
            (&dan.token, "arrived", 409),
            (&dan.token, "completed", 409),
            (&dan.token, "accepted", 409),
            (&maria.token, "en_route", 404),
        ] {
            let r = move_to(&app, token, &job, to).await;
            assert_eq!(r.status, status, "{to}: {}", r.body);
        }
        let r = app.post("/api/accept_quote", &[("id", quote_id)], Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 409, "{}", r.body);
        let r = quote(&app, &maria, &job, "10", "10").await;
        assert_eq!(r.status, 409, "no longer taking quotes: {}", r.body);
        // A mechanic cannot cancel; the customer must say why.
        let r = app.post("/api/cancel_job", &[("id", &job), ("reason", "x")], Auth::Bearer(&dan.token)).await;
        assert_eq!(r.status, 403, "{}", r.body);
        let r = app.post("/api/cancel_job", &[("id", &job), ("reason", "  ")], Auth::Bearer(&customer)).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("reason")), "{}", r.body);

        for step in ["en_route", "arrived", "in_progress"] {
            assert_eq!(move_to(&app, &dan.token, &job, step).await.status, 200);
        }
        let r = move_to(&app, &dan.token, &job, "in_progress").await;
        assert!(r.json["message"].as_str().unwrap().contains("already"), "{}", r.body);
        for token in [&customer, &admin] {
            let r = app.post("/api/cancel_job", &[("id", &job), ("reason", "Changed my mind")], Auth::Bearer(token)).await;
            assert_eq!(r.status, 409, "{}", r.body);
            assert!(r.json["message"].as_str().unwrap().contains("work has started"), "{}", r.body);
        }
        let seen = view(&app, &customer, &job).await;
        assert_eq!(seen.json["status"], "in_progress");
        assert_eq!(seen.json["timeline"].as_array().unwrap().len(), 6);
        assert_eq!(move_to(&app, &dan.token, &job, "completed").await.status, 200);
        let r = move_to(&app, &dan.token, &job, "en_route").await;
        assert_eq!(r.status, 409, "{}", r.body);
    }

    async fn a_customer_never_sees_another_customers_job_or_quotes(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let (priya, vehicle) = customer(&app, "priya@example.com").await;
        let (tom, tom_vehicle) = customer(&app, "tom@example.com").await;
        let job = request_job(&app, &priya, &vehicle).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let q = quote(&app, &dan, &job, "60", "30").await;
        let quote_id = q.json["id"].as_str().unwrap();

        let r = view(&app, &tom, &job).await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert!(!r.body.contains(ADDRESS));
        let r = app.get("/api/my_jobs", Auth::Bearer(&tom)).await;
        assert_eq!((r.status, r.json.as_array().unwrap().len()), (200, 0));
        let r = app.post("/api/accept_quote", &[("id", quote_id)], Auth::Bearer(&tom)).await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = app.post("/api/cancel_job", &[("id", &job), ("reason", "mine now")], Auth::Bearer(&tom)).await;
        assert_eq!(r.status, 404, "{}", r.body);
        // Nor can Tom put Priya's car on his own request.
        let r = app
            .post_pairs("/api/request_job", &with(job_form(&tom_vehicle), &[("vehicle_id", &vehicle)]), Auth::Bearer(&tom))
            .await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("vehicle_id")), "{}", r.body);
        let r = app.get("/api/my_vehicles", Auth::Bearer(&tom)).await;
        assert_eq!(r.json.as_array().unwrap().len(), 1);
        let r = app.post("/api/remove_vehicle", &[("id", &vehicle)], Auth::Bearer(&tom)).await;
        assert_eq!(r.status, 404, "{}", r.body);
        // Priya's job is untouched.
        let seen = view(&app, &priya, &job).await;
        assert_eq!((seen.json["status"].as_str(), seen.json["quotes"].as_array().unwrap().len()), (Some("quoted"), 1));
        // Mechanics only ever see their own quote.
        let maria = near_mechanic(&app, &admin, "maria@example.com").await;
        let seen = view(&app, &maria.token, &job).await;
        assert_eq!((seen.status, seen.json["quotes"].as_array().unwrap().len()), (200, 0), "{}", seen.body);
    }

    async fn only_approved_available_mechanics_in_range_see_and_quote(db) {
        let app = spawn!(db);
        let Requested { admin, customer, job } = requested(&app).await;
        // Croydon, 10 km radius: the job is about 17 km away.
        let far = mechanic(&app, &admin, "far@example.com", ("51.3762", "-0.0982"), "10", true, true).await;
        let pending = mechanic(&app, &admin, "pending@example.com", ("51.5450", "-0.1500"), "12", true, false).await;
        let off = mechanic(&app, &admin, "off@example.com", ("51.5450", "-0.1500"), "12", false, true).await;
        // The same Croydon base with 20 km reaches it.
        let wide = mechanic(&app, &admin, "wide@example.com", ("51.3762", "-0.0982"), "20", true, true).await;

        let open = app.get("/api/open_jobs", Auth::Bearer(&far.token)).await;
        assert!(!open_ids(&open).contains(&job), "{}", open.body);
        // Not approved, or not taking work: told why instead of an empty list.
        for m in [&pending, &off] {
            let open = app.get("/api/open_jobs", Auth::Bearer(&m.token)).await;
            assert_eq!(open.status, 409, "{}", open.body);
        }
        for m in [&far, &pending, &off] {
            let seen = view(&app, &m.token, &job).await;
            assert_eq!(seen.status, 404, "{}", seen.body);
        }
        // Quoting, as docs/API.md says: out of reach is 404, not yet able to quote is 409 with why.
        let r = quote(&app, &far, &job, "60", "30").await;
        assert_eq!((r.status, r.json["error"].as_str()), (404, Some("not_found")), "{}", r.body);
        for (m, why) in [(&pending, "pending approval"), (&off, "not taking new jobs")] {
            let r = quote(&app, m, &job, "60", "30").await;
            assert_eq!((r.status, r.json["error"].as_str()), (409, Some("conflict")), "{}", r.body);
            assert!(r.json["message"].as_str().unwrap().contains(why), "{}", r.body);
        }
        let open = app.get("/api/open_jobs", Auth::Bearer(&pending.token)).await;
        assert_eq!(open.status, 409);
        assert!(open.json["message"].as_str().unwrap().contains("pending approval"));
        let open = app.get("/api/open_jobs", Auth::Bearer(&off.token)).await;
        assert!(open.json["message"].as_str().unwrap().contains("not taking new jobs"));
        assert_eq!(app.count("SELECT COUNT(*) FROM quotes").await, 0);

        let open = app.get("/api/open_jobs", Auth::Bearer(&wide.token)).await;
        assert_eq!(open_ids(&open), vec![job.clone()]);
        let d = open.json[0]["distance_km"].as_f64().unwrap();
        assert!((16.0..20.0).contains(&d), "{d}");
        assert_eq!(quote(&app, &wide, &job, "60", "30").await.status, 200);
        // A customer or an admin is not a mechanic.
        assert_eq!(app.get("/api/open_jobs", Auth::Bearer(&customer)).await.status, 403);
    }

    async fn open_jobs_come_nearest_first(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let (customer, vehicle) = customer(&app, "priya@example.com").await;
        // The near job first: newest-first (or insertion) order would put it last.
        let near_job = request_job(&app, &customer, &vehicle).await;
        let far_job = {
            let form = with(job_form(&vehicle), &[("lat", "51.4613"), ("lng", "-0.1156"), ("locality", "Brixton")]);
            let r = app.post_pairs("/api/request_job", &form, Auth::Bearer(&customer)).await;
            r.json["id"].as_str().unwrap().to_owned()
        };
        let dan = mechanic(&app, &admin, "dan@example.com", ("51.5450", "-0.1500"), "20", true, true).await;
        let open = app.get("/api/open_jobs", Auth::Bearer(&dan.token)).await;
        assert_eq!(open_ids(&open), vec![near_job, far_job]);
        assert_eq!(open.json[1]["locality"], "Brixton");
    }

    async fn the_exact_address_is_shown_only_after_acceptance(db) {
        let app = spawn!(db);
        let Requested { admin, customer, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let maria = near_mechanic(&app, &admin, "maria@example.com").await;

        let open = app.get("/api/open_jobs", Auth::Bearer(&dan.token)).await;
        assert!(!open.body.contains("Parkway") && !open.body.contains("51.539"), "{}", open.body);
        let seen = view(&app, &dan.token, &job).await;
        assert!(!seen.body.contains("Parkway"), "{}", seen.body);
        assert_eq!(seen.json["location"]["precision"], "approximate");
        assert_eq!((seen.json["location"]["lat"].as_f64(), seen.json["location"]["lng"].as_f64()), (Some(51.54), Some(-0.14)));
        assert_eq!(seen.json["location"]["locality"], "Camden, London");
        assert_eq!(seen.json["customer_name"], Value::Null);
        // Nor the customer's full name, nor what identifies the car itself.
        assert!(!seen.body.contains("Shah"), "{}", seen.body);
        assert!(!seen.body.contains("AB12 CDE") && !seen.body.contains("1HGCM82633A004352"), "{}", seen.body);
        assert_eq!(seen.json["vehicle"]["make"], "Ford");

        let q = quote(&app, &dan, &job, "60", "30").await;
        quote(&app, &maria, &job, "70", "30").await;
        let seen = view(&app, &dan.token, &job).await;
        assert!(!seen.body.contains("Parkway"));
        assert!(!seen.body.contains("maria@example.com Mobile"), "a rival's name leaks: {}", seen.body);
        app.post("/api/accept_quote", &[("id", q.json["id"].as_str().unwrap())], Auth::Bearer(&customer)).await;

        let seen = view(&app, &dan.token, &job).await;
        assert_eq!(seen.json["location"]["precision"], "exact");
        assert_eq!(seen.json["location"]["address"], ADDRESS);
        assert_eq!(seen.json["location"]["lat"].as_f64(), Some(51.539));
        assert_eq!(seen.json["customer_name"], "Priya Shah");
        assert_eq!(seen.json["vehicle"]["plate"], "AB12 CDE");
        // The mechanic who lost still sees their declined quote, not the address.
        let seen = view(&app, &maria.token, &job).await;
        assert_eq!(seen.status, 200);
        assert!(!seen.body.contains("Parkway"));
        assert_eq!(seen.json["quotes"][0]["status"], "declined");
    }

    async fn quote_totals_are_the_servers_and_one_quote_stays_live(db) {
        let app = spawn!(db);
        let Requested { admin, customer, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;

        // A client-sent total is not a field; the lines decide.
        let form = with(quote_form(&job, "60", "34.99"), &[("total", "1"), ("total_cents", "1")]);
        let r = app.post_pairs("/api/send_quote", &form, Auth::Bearer(&dan.token)).await;
        assert_eq!((r.status, r.json["total"]["cents"].as_i64()), (200, Some(9499)), "{}", r.body);
        let first_id = r.json["id"].clone();
        // Revising replaces the live quote in place.
        let r = quote(&app, &dan, &job, "55", "34.99").await;
        assert_eq!((r.json["id"].clone(), r.json["total"]["cents"].as_i64()), (first_id, Some(8999)));
        assert_eq!(app.count("SELECT COUNT(*) FROM quotes").await, 1);
        assert_eq!(app.count("SELECT total_cents FROM quotes").await, 8999);
        // Bad lines change nothing.
        let bad = with(quote_form(&job, "60", "34.99"), &[("items[1][amount]", "-3")]);
        let r = app.post_pairs("/api/send_quote", &bad, Auth::Bearer(&dan.token)).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("items")), "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().starts_with("Line 2"));
        assert_eq!(app.count("SELECT total_cents FROM quotes").await, 8999);

        // Withdrawing the only quote puts the job back to waiting.
        let id = r_id(&app, &dan, &job).await;
        let r = app.post("/api/withdraw_quote", &[("id", &id)], Auth::Bearer(&dan.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let seen = view(&app, &customer, &job).await;
        assert_eq!(seen.json["status"], "requested");
        assert_eq!(seen.json["quotes"].as_array().unwrap().len(), 0);
        assert_eq!(
            statuses(&seen.json["timeline"]),
            ["requested", "quoted", "requested"]
        );
        let r = app.post("/api/withdraw_quote", &[("id", &id)], Auth::Bearer(&dan.token)).await;
        assert_eq!(r.status, 409);
        // A fresh quote after withdrawing is a new one.
        assert_eq!(quote(&app, &dan, &job, "50", "30").await.status, 200);
        assert_eq!(app.count("SELECT COUNT(*) FROM quotes WHERE status = 'live'").await, 1);
    }

    async fn an_expired_quote_cannot_be_accepted(db) {
        let app = spawn!(db);
        let Requested { admin, customer, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let q = quote(&app, &dan, &job, "60", "30").await;
        assert_eq!(q.json["expired"], false);
        let pool = app.sql().await;
        sqlx::query("UPDATE quotes SET expires_at = 1").execute(&pool).await.unwrap();
        pool.close().await;

        let seen = view(&app, &customer, &job).await;
        assert_eq!((seen.json["quotes"][0]["status"].as_str(), seen.json["quotes"][0]["expired"].as_bool()), (Some("live"), Some(true)));
        assert_eq!(app.get("/api/my_jobs", Auth::Bearer(&customer)).await.json[0]["live_quotes"], 0);
        let r = app.post("/api/accept_quote", &[("id", q.json["id"].as_str().unwrap())], Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("expired"), "{}", r.body);
        assert_eq!(view(&app, &customer, &job).await.json["status"], "quoted");
        // Revising it is how the mechanic renews it.
        let r = quote(&app, &dan, &job, "60", "30").await;
        assert_eq!(r.json["expired"], false);
        let r = app.post("/api/accept_quote", &[("id", r.json["id"].as_str().unwrap())], Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    async fn of_twenty_simultaneous_acceptances_exactly_one_wins(db) {
        let app = spawn!(db);
        let Requested { admin, customer, job } = requested(&app).await;
        let mechanics = futures::future::join_all(
            (0..20).map(|i| {
                let (app, admin) = (&app, &admin);
                async move { near_mechanic(app, admin, &format!("m{i}@example.com")).await }
            }),
        )
        .await;
        let mut quote_ids = Vec::new();
        for (i, m) in mechanics.iter().enumerate() {
            let r = quote(&app, m, &job, &format!("{}", 50 + i), "30").await;
            assert_eq!(r.status, 200, "{}", r.body);
            quote_ids.push(r.json["id"].as_str().unwrap().to_owned());
        }
        let replies = futures::future::join_all(quote_ids.iter().map(|id| {
            let (app, customer) = (&app, &customer);
            async move {
                app.post("/api/accept_quote", &[("id", id.as_str())], Auth::Bearer(customer))
                    .await
            }
        }))
        .await;
        let won: Vec<_> = replies.iter().filter(|r| r.status == 200).collect();
        let lost = replies.iter().filter(|r| r.status == 409).count();
        assert_eq!((won.len(), lost), (1, 19), "{:?}", replies.iter().map(|r| (r.status, &r.body)).collect::<Vec<_>>());
        assert_eq!(app.count("SELECT COUNT(*) FROM quotes WHERE status = 'accepted'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM quotes WHERE status = 'declined'").await, 19);
        assert_eq!(app.count("SELECT COUNT(*) FROM job_timeline WHERE to_status = 'accepted'").await, 1);
        let booked = app.count(&format!(
            "SELECT COUNT(*) FROM jobs j JOIN quotes q ON q.id = j.accepted_quote_id \
             WHERE j.id = '{job}' AND q.mechanic_id = j.mechanic_id AND q.status = 'accepted'"
        )).await;
        assert_eq!(booked, 1);
    }

    async fn cancelling_declines_quotes_and_an_admin_cancel_is_audited(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let (customer, vehicle) = customer(&app, "priya@example.com").await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;

        let job = request_job(&app, &customer, &vehicle).await;
        quote(&app, &dan, &job, "60", "30").await;
        let r = app.post("/api/cancel_job", &[("id", &job), ("reason", "Fixed it myself")], Auth::Bearer(&customer)).await;
        assert_eq!((r.status, r.json["status"].as_str()), (200, Some("cancelled")), "{}", r.body);
        assert_eq!(r.json["cancel_reason"], "Fixed it myself");
        assert_eq!(r.json["quotes"][0]["status"], "declined");
        let last = r.json["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["from"].as_str(), last["reason"].as_str()), (Some("quoted"), Some("Fixed it myself")));
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'job.cancelled'").await, 0);

        let job2 = request_job(&app, &customer, &vehicle).await;
        let q = quote(&app, &dan, &job2, "60", "30").await;
        app.post("/api/accept_quote", &[("id", q.json["id"].as_str().unwrap())], Auth::Bearer(&customer)).await;
        assert_eq!(move_to(&app, &dan.token, &job2, "en_route").await.status, 200);
        let r = app.post("/api/cancel_job", &[("id", &job2), ("reason", "Customer reported abuse")], Auth::Bearer(&admin)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'job.cancelled' AND subject = '{job2}'"
        )).await, 1);
        // The console reads it as an action on a job, not on a user.
        let audit = app.get("/api/admin_audit?action=job.cancelled", Auth::Bearer(&admin)).await;
        let subject = &audit.json["entries"][0]["subject"];
        assert_eq!((subject["kind"].as_str(), subject["id"].as_str()), (Some("job"), Some(job2.as_str())), "{}", audit.body);
        assert!(subject["title"].as_str().unwrap().starts_with("Brakes"), "{}", audit.body);
        assert!(subject.get("email").is_none(), "{}", audit.body);
        let seen = view(&app, &customer, &job2).await;
        let last = seen.json["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["actor_role"].as_str(), last["actor_name"].as_str()), (Some("admin"), Some("Curbside support")));
        // The admin's list shows both jobs, with who is on them, and filters by status.
        let list = app.get("/api/admin_jobs", Auth::Bearer(&admin)).await;
        assert_eq!((list.status, list.json["total"].as_i64()), (200, Some(2)), "{}", list.body);
        assert_eq!(list.json["jobs"][0]["job"]["id"].as_str(), Some(job2.as_str()));
        assert_eq!(list.json["jobs"][0]["customer"], "Priya Shah");
        assert_eq!(list.json["jobs"][0]["mechanic"], "dan@example.com Mobile");
        assert_eq!(list.json["jobs"][1]["mechanic"], Value::Null);
        let cancelled = app.get("/api/admin_jobs?status=cancelled", Auth::Bearer(&admin)).await;
        assert_eq!(cancelled.json["total"], 2);
        let none = app.get("/api/admin_jobs?status=completed", Auth::Bearer(&admin)).await;
        assert_eq!(none.json["total"], 0);
        let bad = app.get("/api/admin_jobs?status=lost", Auth::Bearer(&admin)).await;
        assert_eq!((bad.status, bad.json["field"].as_str()), (422, Some("status")));
        assert_eq!(app.get("/api/admin_jobs", Auth::Bearer(&customer)).await.status, 403);
        // The booked mechanic sees it cancelled too, with the reason.
        let seen = view(&app, &dan.token, &job2).await;
        assert_eq!((seen.json["status"].as_str(), seen.json["cancel_reason"].as_str()), (Some("cancelled"), Some("Customer reported abuse")));
    }

    async fn the_garage_checks_vehicles_and_requests_check_every_field(db) {
        let app = spawn!(db);
        let (customer, vehicle) = customer(&app, "priya@example.com").await;
        let r = app.get("/api/my_vehicles", Auth::Bearer(&customer)).await;
        assert_eq!(r.json[0]["plate"], "AB12 CDE");
        assert_eq!(r.json[0]["vin"], "1HGCM82633A004352");
        let bad_vin = [("year", "2016"), ("make", "Ford"), ("model", "Focus"), ("colour", "Blue"), ("plate", "AB12CDE"), ("vin", "1HGCM82643A004352")];
        let r = app.post("/api/add_vehicle", &bad_vin, Auth::Bearer(&customer)).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("vin")), "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("check digit"));
        assert_eq!(app.count("SELECT COUNT(*) FROM vehicles").await, 1);

        for (field, value) in [
            ("category", "welding"),
            ("description", "bad"),
            ("lat", "91"),
            ("address", ""),
            ("locality", ""),
            ("urgency", "whenever"),
        ] {
            let r = app.post_pairs("/api/request_job", &with(job_form(&vehicle), &[(field, value)]), Auth::Bearer(&customer)).await;
            assert_eq!((r.status, r.json["field"].as_str()), (422, Some(field)), "{field}: {}", r.body);
        }
        let window = with(job_form(&vehicle), &[("urgency", "window"), ("window_start", "2020-01-01T09:00"), ("window_end", "2020-01-01T10:00")]);
        let r = app.post_pairs("/api/request_job", &window, Auth::Bearer(&customer)).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("window_start")), "{}", r.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM jobs").await, 0);

        // A removed vehicle leaves the garage but not the jobs that name it.
        let job = request_job(&app, &customer, &vehicle).await;
        let r = app.post("/api/remove_vehicle", &[("id", &vehicle)], Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.get("/api/my_vehicles", Auth::Bearer(&customer)).await.json, serde_json::json!([]));
        assert_eq!(view(&app, &customer, &job).await.json["vehicle"]["make"], "Ford");
        let r = app.post_pairs("/api/request_job", &job_form(&vehicle), Auth::Bearer(&customer)).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("vehicle_id")), "{}", r.body);
        // Mechanics have no garage.
        assert_eq!(app.get("/api/my_vehicles", Auth::None).await.status, 401);
    }
}

/// The mechanic's live quote id on a job, read through their view of it.
async fn r_id(app: &TestApp, m: &Mechanic, job: &str) -> String {
    let seen = view(app, &m.token, job).await;
    seen.json["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["status"] == "live")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
