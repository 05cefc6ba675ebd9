//! Card payments, black-box over HTTP on SQLite and PostgreSQL: Stripe's
//! side against localstripe (started by `make test`), and the demo mode.

mod common;

use app::backend::payments::signature;
use common::{Auth, TestApp, flow::*, stripe};
use serde_json::{Value, json};

/// A booked-to-be job: Priya's request, Dan's quote of £94.99 and Maria's.
struct Quoted {
    admin: String,
    customer: String,
    job: String,
    dan: Mechanic,
    dan_quote: String,
    maria: Mechanic,
}

async fn quoted(app: &TestApp) -> Quoted {
    let Requested {
        admin,
        customer,
        job,
    } = requested(app).await;
    let dan = near_mechanic(app, &admin, "dan@example.com").await;
    let maria = near_mechanic(app, &admin, "maria@example.com").await;
    let q = quote(app, &dan, &job, "60", "34.99").await;
    assert_eq!(q.status, 200, "{}", q.body);
    let r = quote(app, &maria, &job, "70", "30").await;
    assert_eq!(r.status, 200, "{}", r.body);
    Quoted {
        admin,
        customer,
        job,
        dan,
        dan_quote: q.json["id"].as_str().unwrap().to_owned(),
        maria,
    }
}

/// The server with Stripe's keys, pointed at localstripe.
macro_rules! spawn_stripe {
    ($db:expr) => {{
        let Some(base) = stripe::base() else { return };
        let settings = stripe::settings(&base);
        let extra: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        (spawn!($db, &extra), base)
    }};
}

/// The card form's work for `quote`: checkout, then the card typed in.
async fn card_for(
    app: &TestApp,
    base: &str,
    customer: &str,
    quote: &str,
    number: &str,
) -> Result<String, String> {
    let c = app
        .post("/api/checkout", &[("id", quote)], Auth::Bearer(customer))
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let stripe = &c.json["Stripe"];
    assert_eq!(
        stripe["publishable_key"],
        stripe::PUBLISHABLE_KEY,
        "{}",
        c.body
    );
    assert_eq!(stripe["amount"]["cents"], 9499, "{}", c.body);
    assert!(
        stripe["js_url"]
            .as_str()
            .unwrap()
            .ends_with("/js.stripe.com/v3/")
    );
    stripe::card(base, stripe["setup_secret"].as_str().unwrap(), number).await
}

async fn accept(app: &TestApp, customer: &str, quote: &str, pm: Option<&str>) -> common::Reply {
    let mut form = vec![("id", quote)];
    if let Some(pm) = pm {
        form.push(("payment_method", pm));
    }
    app.post("/api/accept_quote", &form, Auth::Bearer(customer))
        .await
}

async fn complete(app: &TestApp, token: &str, job: &str, extra: &[(&str, &str)]) -> common::Reply {
    for step in ["en_route", "arrived", "in_progress"] {
        let r = move_to(app, token, job, step).await;
        assert_eq!(r.status, 200, "{step}: {}", r.body);
    }
    let mut form = vec![("id", job), ("status", "completed")];
    form.extend_from_slice(extra);
    app.post("/api/update_job_status", &form, Auth::Bearer(token))
        .await
}

// localstripe's: skipped, and counted so, where it is not running.
both_databases! {
    needs(no_localstripe, "localstripe is not running (run through scripts/localstripe.sh)");

    async fn the_card_is_authorized_on_accept_and_a_lowered_amount_taken_at_completion(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { customer, job, dan, dan_quote, maria, .. } = quoted(&app).await;
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();

        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["status"], "accepted");
        let payment = &r.json["payment"];
        assert_eq!(payment["status"], "authorized", "{}", r.body);
        assert_eq!(payment["authorized"]["cents"], 9499);
        assert_eq!(payment["card"], json!({ "brand": "visa", "last4": "4242" }));
        assert_eq!(payment["demo"], false);
        let intents = stripe::intents_for_quote(&base, &dan_quote).await;
        assert_eq!(intents.len(), 1);
        let pi = intents[0]["id"].as_str().unwrap().to_owned();
        let held = stripe::intent(&base, &pi).await;
        assert_eq!((held["status"].as_str(), held["amount"].as_i64()), (Some("requires_capture"), Some(9499)), "{held}");

        // The booked mechanic sees it authorized; the rival sees no payment.
        let seen = view(&app, &dan.token, &job).await;
        assert_eq!(seen.json["payment"]["status"], "authorized", "{}", seen.body);
        let rival = view(&app, &maria.token, &job).await;
        assert!(rival.json["payment"].is_null(), "{}", rival.body);

        // Never more than was authorized, and a lower amount needs a reason.
        let r = complete(&app, &dan.token, &job, &[("final_amount", "95.00"), ("adjust_reason", "more work")]).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("final_amount")), "{}", r.body);
        let r = app.post("/api/update_job_status", &[("id", &job), ("status", "completed"), ("final_amount", "80"), ("adjust_reason", " ")], Auth::Bearer(&dan.token)).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("adjust_reason")), "{}", r.body);
        let r = app.post("/api/update_job_status", &[("id", &job), ("status", "completed"), ("final_amount", "80.00"), ("adjust_reason", "No new pads needed")], Auth::Bearer(&dan.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["status"], "completed");
        assert_eq!(r.json["payment"]["status"], "captured", "{}", r.body);
        assert_eq!(r.json["payment"]["captured"]["cents"], 8000);
        assert_eq!(r.json["payment"]["adjust_reason"], "No new pads needed");
        let taken = stripe::intent(&base, &pi).await;
        assert_eq!(taken["status"], "succeeded", "{taken}");
        // localstripe books a lowered capture as the rest given back.
        let charge = &taken["latest_charge"];
        assert_eq!(charge["amount"].as_i64().unwrap() - charge["amount_refunded"].as_i64().unwrap(), 8000, "{taken}");
        let mine = view(&app, &customer, &job).await;
        assert_eq!(mine.json["payment"]["status"], "captured", "{}", mine.body);
    }

    async fn a_card_stripe_does_not_know_is_a_decline_in_its_words_and_a_malformed_one_never_reaches_it(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { customer, job, dan_quote, .. } = quoted(&app).await;
        let r = accept(&app, &customer, &dan_quote, Some("pm_doesnotexist")).await;
        assert_eq!((r.status, r.json["error"].as_str()), (402, Some("payment_declined")), "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().starts_with("That card could not be used ("), "{}", r.body);
        let r = accept(&app, &customer, &dan_quote, Some("bogus")).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("payment_method")), "{}", r.body);
        assert_eq!(view(&app, &customer, &job).await.json["status"], "quoted");
        // The quote is still open to a real card.
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    async fn a_declined_card_books_nothing_and_the_quotes_stay_open(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { customer, job, dan_quote, .. } = quoted(&app).await;
        // Refused by the bank when charged (localstripe's 4000000000000341).
        let pm = card_for(&app, &base, &customer, &dan_quote, "4000000000000341").await.unwrap();
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!((r.status, r.json["error"].as_str()), (402, Some("payment_declined")), "{}", r.body);
        assert_eq!(r.json["message"], "Your card was declined.");
        let seen = view(&app, &customer, &job).await;
        assert_eq!(seen.json["status"], "quoted", "{}", seen.body);
        let statuses: Vec<&str> = seen.json["quotes"].as_array().unwrap().iter().map(|q| q["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["live", "live"], "{}", seen.body);
        assert!(seen.json["payment"].is_null(), "{}", seen.body);
        // Refused when typed in: Stripe.js shows the message; nothing reaches us.
        let refused = card_for(&app, &base, &customer, &dan_quote, "4000000000000002").await;
        assert_eq!(refused, Err("Your card was declined.".to_owned()));
        // Without a card nothing is booked either.
        let r = accept(&app, &customer, &dan_quote, None).await;
        assert_eq!(r.status, 402, "{}", r.body);
        // Another card then works.
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["payment"]["status"], "authorized");
    }

    async fn cancelling_a_booked_job_releases_the_hold(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { customer, job, dan_quote, .. } = quoted(&app).await;
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app.post("/api/cancel_job", &[("id", &job), ("reason", "Fixed it myself")], Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["status"], "cancelled");
        let pi = stripe::intents_for_quote(&base, &dan_quote).await;
        let pi = stripe::intent(&base, pi[0]["id"].as_str().unwrap()).await;
        assert_eq!(pi["status"], "canceled", "{pi}");
    }

    async fn fifty_concurrent_accepts_make_one_payment_intent(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { customer, job, dan_quote, .. } = quoted(&app).await;
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();
        let tries = (0..50).map(|_| accept(&app, &customer, &dan_quote, Some(&pm)));
        let answers = futures::future::join_all(tries).await;
        let booked = answers.iter().filter(|r| r.status == 200).count();
        assert_eq!(booked, 1, "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
        assert!(answers.iter().all(|r| r.status == 200 || r.status == 409), "{:?}", answers.iter().map(|r| (r.status, &r.body)).collect::<Vec<_>>());
        assert_eq!(stripe::intents_for_quote(&base, &dan_quote).await.len(), 1);
        assert_eq!(view(&app, &customer, &job).await.json["payment"]["status"], "authorized");
    }

    async fn refunds_are_checked_audited_and_happen_once_per_request(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { admin, customer, job, dan, dan_quote, .. } = quoted(&app).await;
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let id = r.json["payment"]["id"].as_str().unwrap().to_owned();
        // Nothing to refund before the money is taken.
        let r = app.post("/api/refund_payment", &[("id", &id), ("amount", ""), ("reason", "early"), ("request_id", "r0")], Auth::Bearer(&admin)).await;
        assert_eq!(r.status, 409, "{}", r.body);
        let r = complete(&app, &dan.token, &job, &[]).await;
        assert_eq!(r.json["payment"]["captured"]["cents"], 9499, "{}", r.body);

        let refund = |amount: &'static str, request: &'static str, token: String| {
            let app = &app;
            let id = id.clone();
            async move {
                app.post("/api/refund_payment", &[("id", &id), ("amount", amount), ("reason", "Scratched the alloy"), ("request_id", request)], Auth::Bearer(&token)).await
            }
        };
        let r = refund("10.00", "r1", customer.clone()).await;
        assert_eq!(r.status, 403, "customers cannot refund: {}", r.body);
        let r = refund("200.00", "r1", admin.clone()).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("amount")), "{}", r.body);
        // One request sent twice at once (a double click on a slow line):
        // refunded once, here and at Stripe. localstripe ignores
        // Idempotency-Key, so only our own claim can hold this.
        let (a, b) = tokio::join!(refund("10.00", "r1", admin.clone()), refund("10.00", "r1", admin.clone()));
        for r in [&a, &b] {
            assert!(matches!(r.status, 200 | 409), "{}", r.body);
        }
        assert!(a.status == 200 || b.status == 200, "{} / {}", a.body, b.body);
        let r = if a.status == 200 { &a } else { &b };
        assert_eq!((r.json["status"].as_str(), r.json["refunded"]["cents"].as_i64()), (Some("partially_refunded"), Some(1000)), "{}", r.body);
        let pi = stripe::intents_for_quote(&base, &dan_quote).await[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(stripe::intent(&base, &pi).await["latest_charge"]["amount_refunded"], 1000, "sent to Stripe once");
        // The same request again later: refunded once still.
        let r = refund("10.00", "r1", admin.clone()).await;
        assert_eq!((r.status, r.json["refunded"]["cents"].as_i64()), (200, Some(1000)), "{}", r.body);
        assert_eq!(stripe::intent(&base, &pi).await["latest_charge"]["amount_refunded"], 1000, "sent to Stripe once");
        let r = refund("", "r2", admin.clone()).await;
        assert_eq!((r.json["status"].as_str(), r.json["refunded"]["cents"].as_i64()), (Some("refunded"), Some(9499)), "{}", r.body);
        let r = refund("", "r3", admin.clone()).await;
        assert_eq!(r.status, 409, "{}", r.body);
        let log = app.get("/api/admin_audit?action=payment.refunded", Auth::Bearer(&admin)).await;
        assert_eq!(log.json["total"], 2, "{}", log.body);
        let seen = view(&app, &customer, &job).await;
        assert_eq!(seen.json["payment"]["status"], "refunded", "{}", seen.body);

        // The console's list, filtered by status, and the payment's history.
        let list = app.get("/api/admin_payments?status=refunded", Auth::Bearer(&admin)).await;
        assert_eq!((list.status, list.json["total"].as_i64()), (200, Some(1)), "{}", list.body);
        assert_eq!(list.json["payments"][0]["payment"]["id"], id.as_str());
        assert_eq!(list.json["payments"][0]["customer"], "Priya Shah");
        let none = app.get("/api/admin_payments?status=authorized", Auth::Bearer(&admin)).await;
        assert_eq!(none.json["total"], 0, "{}", none.body);
        let bad = app.get("/api/admin_payments?status=lost", Auth::Bearer(&admin)).await;
        assert_eq!((bad.status, bad.json["field"].as_str()), (422, Some("status")), "{}", bad.body);
        let detail = app.get(&format!("/api/admin_payment?id={id}"), Auth::Bearer(&admin)).await;
        let kinds: Vec<&str> = detail.json["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["authorized", "captured", "refund", "refund"], "{}", detail.body);
        assert_eq!(detail.json["history"][2]["detail"], "Scratched the alloy");
        assert_eq!(detail.json["history"][2]["actor"], "Avery Admin");
        for token in [&customer, &dan.token] {
            let r = app.get(&format!("/api/admin_payment?id={id}"), Auth::Bearer(token)).await;
            assert_eq!(r.status, 403, "{}", r.body);
        }
    }

    async fn twenty_refunds_at_once_never_give_back_more_than_was_taken(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { admin, customer, job, dan, dan_quote, .. } = quoted(&app).await;
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let id = r.json["payment"]["id"].as_str().unwrap().to_owned();
        let r = complete(&app, &dan.token, &job, &[]).await;
        assert_eq!(r.json["payment"]["captured"]["cents"], 9499, "{}", r.body);
        let pi = stripe::intents_for_quote(&base, &dan_quote).await[0]["id"].as_str().unwrap().to_owned();

        // All that is left, or a part, twenty requests sent together.
        let amounts = ["", "10.00", "25.00", "", "50.00", "94.99", "1.00", "", "30.00", "45.50",
                       "", "5.00", "60.00", "", "20.00", "94.99", "12.34", "", "40.00", "70.00"];
        // Each on its own warm connection, so that all arrive together.
        let mut clients = Vec::new();
        for _ in &amounts {
            let client = reqwest::Client::new();
            client.get(app.url("/healthz")).send().await.unwrap();
            clients.push(client);
        }
        let sent = amounts.iter().zip(&clients).enumerate().map(|(i, (amount, client))| {
            let (url, id, admin) = (app.url("/api/refund_payment"), id.clone(), admin.clone());
            let request = format!("race-{i}");
            async move {
                let form = [("id", id.as_str()), ("amount", amount), ("reason", "Race"), ("request_id", &request)];
                common::Reply::of(client.post(url).bearer_auth(admin).form(&form).send().await.unwrap()).await
            }
        });
        let replies = futures::future::join_all(sent).await;
        let ok = replies.iter().filter(|r| r.status == 200).count();
        for r in &replies {
            assert!(matches!(r.status, 200 | 409 | 422), "{} {}", r.status, r.body);
        }
        assert!(ok >= 1, "at least one refund goes through");

        let detail = app.get(&format!("/api/admin_payment?id={id}"), Auth::Bearer(&admin)).await;
        let refunds: Vec<i64> = detail.json["history"].as_array().unwrap().iter()
            .filter(|e| e["kind"] == "refund").map(|e| e["amount"]["cents"].as_i64().unwrap()).collect();
        let recorded = detail.json["summary"]["payment"]["refunded"]["cents"].as_i64().unwrap();
        assert_eq!(refunds.len(), ok, "{}", detail.body);
        assert_eq!(refunds.iter().sum::<i64>(), recorded, "{}", detail.body);
        assert!(recorded <= 9499, "recorded {recorded} refunded on a 9499 capture");
        let at_stripe: serde_json::Value = reqwest::Client::new()
            .get(format!("{base}/v1/refunds?payment_intent={pi}&limit=100"))
            .basic_auth(stripe::SECRET_KEY, Some("")).send().await.unwrap().json().await.unwrap();
        let sent: i64 = at_stripe["data"].as_array().unwrap().iter().map(|r| r["amount"].as_i64().unwrap()).sum();
        assert_eq!(sent, recorded, "sent to Stripe {sent}, recorded {recorded}");
        // Nothing is held back once every request has ended.
        let left = 9499 - recorded;
        if left > 0 {
            let r = app.post("/api/refund_payment", &[("id", id.as_str()), ("amount", ""), ("reason", "The rest"), ("request_id", "rest")], Auth::Bearer(&admin)).await;
            assert_eq!((r.status, r.json["refunded"]["cents"].as_i64()), (200, Some(9499)), "{}", r.body);
        }
    }

    async fn webhook_amounts_beyond_our_records_are_flagged_not_recorded(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { admin, customer, job, dan, dan_quote, .. } = quoted(&app).await;
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let pi = stripe::intents_for_quote(&base, &dan_quote).await[0]["id"].as_str().unwrap().to_owned();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let post = |id: &str, kind: &str, object: Value| {
            let body = json!({ "id": id, "type": kind, "data": { "object": object } }).to_string();
            let url = app.url("/api/stripe/webhook");
            async move {
                let res = reqwest::Client::new().post(url)
                    .header("Stripe-Signature", signature::sign(body.as_bytes(), stripe::WEBHOOK_SECRET, now))
                    .header("Content-Type", "application/json").body(body).send().await.unwrap();
                common::Reply::of(res).await
            }
        };
        // £5,000 "taken" on a £94.99 hold.
        let r = post("evt_big_capture", "payment_intent.succeeded", json!({ "id": pi, "amount_received": 500000 })).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let seen = view(&app, &customer, &job).await;
        assert_eq!((seen.json["payment"]["status"].as_str(), seen.json["payment"]["captured"]["cents"].as_i64()), (Some("authorized"), Some(0)), "{}", seen.body);
        let flagged = app.get("/api/admin_audit?action=payment.mismatch", Auth::Bearer(&admin)).await;
        assert_eq!(flagged.json["total"], 1, "{}", flagged.body);

        // Taken for real, then "refunded" more than was taken.
        let r = complete(&app, &dan.token, &job, &[]).await;
        assert_eq!(r.json["payment"]["captured"]["cents"], 9499, "{}", r.body);
        let r = post("evt_big_refund", "charge.refunded", json!({ "id": "ch_1", "payment_intent": pi, "amount_refunded": 20000 })).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let seen = view(&app, &customer, &job).await;
        assert_eq!((seen.json["payment"]["status"].as_str(), seen.json["payment"]["refunded"]["cents"].as_i64()), (Some("captured"), Some(0)), "{}", seen.body);
        let flagged = app.get("/api/admin_audit?action=payment.mismatch", Auth::Bearer(&admin)).await;
        assert_eq!(flagged.json["total"], 2, "{}", flagged.body);
    }

    async fn webhooks_need_a_fresh_signature_and_are_applied_once(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { admin, customer, job, dan, dan_quote, .. } = quoted(&app).await;
        let pm = card_for(&app, &base, &customer, &dan_quote, "4242424242424242").await.unwrap();
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let pi = stripe::intents_for_quote(&base, &dan_quote).await[0]["id"].as_str().unwrap().to_owned();
        let r = complete(&app, &dan.token, &job, &[]).await;
        assert_eq!(r.status, 200, "{}", r.body);

        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let event = |id: &str, kind: &str, object: Value| json!({ "id": id, "type": kind, "data": { "object": object } }).to_string();
        let post = |body: String, sig: String| {
            let url = app.url("/api/stripe/webhook");
            async move {
                let res = reqwest::Client::new().post(url).header("Stripe-Signature", sig).header("Content-Type", "application/json").body(body).send().await.unwrap();
                common::Reply::of(res).await
            }
        };
        let refunded = event("evt_refund_1", "charge.refunded", json!({ "id": "ch_1", "payment_intent": pi, "amount_refunded": 1500 }));

        let tampered = refunded.replace("1500", "9499");
        let r = post(tampered, signature::sign(refunded.as_bytes(), stripe::WEBHOOK_SECRET, now)).await;
        assert_eq!(r.status, 400, "tampered: {}", r.body);
        let r = post(refunded.clone(), signature::sign(refunded.as_bytes(), stripe::WEBHOOK_SECRET, now - 600)).await;
        assert_eq!(r.status, 400, "stale: {}", r.body);
        let r = post(refunded.clone(), signature::sign(refunded.as_bytes(), "whsec_someone_else", now)).await;
        assert_eq!(r.status, 400, "wrong secret: {}", r.body);
        let r = post(refunded.clone(), String::new()).await;
        assert_eq!(r.status, 400, "unsigned: {}", r.body);
        assert_eq!(view(&app, &customer, &job).await.json["payment"]["refunded"]["cents"], 0);

        let r = post(refunded.clone(), signature::sign(refunded.as_bytes(), stripe::WEBHOOK_SECRET, now)).await;
        assert_eq!((r.status, r.json["duplicate"].as_bool()), (200, Some(false)), "{}", r.body);
        // Delivered again, freshly signed: answered 200, applied once.
        let r = post(refunded.clone(), signature::sign(refunded.as_bytes(), stripe::WEBHOOK_SECRET, now + 1)).await;
        assert_eq!((r.status, r.json["duplicate"].as_bool()), (200, Some(true)), "{}", r.body);
        let seen = view(&app, &customer, &job).await;
        assert_eq!(seen.json["payment"]["refunded"]["cents"], 1500, "{}", seen.body);
        assert_eq!(seen.json["payment"]["status"], "partially_refunded");
        // The refunded total is absolute, so applying it twice would not show
        // in it: count what the event left behind instead.
        let recorded = app.count("SELECT COUNT(*) FROM payment_events WHERE event_id = 'evt_refund_1'").await;
        assert_eq!(recorded, 1, "the event's row");
        let told = app.count(&format!("SELECT COUNT(*) FROM events WHERE name = 'payment:refunded' AND job_id = '{job}'")).await;
        assert_eq!(told, 1, "one payment:refunded event for the job's pages");
        // An event whose effect adds up (a mismatch flagged to admins),
        // delivered twice: flagged once.
        let beyond = event("evt_refund_2", "charge.refunded", json!({ "id": "ch_1", "payment_intent": pi, "amount_refunded": 20000 }));
        for at in [now, now + 2] {
            let r = post(beyond.clone(), signature::sign(beyond.as_bytes(), stripe::WEBHOOK_SECRET, at)).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let flagged = app.get("/api/admin_audit?action=payment.mismatch", Auth::Bearer(&admin)).await;
        assert_eq!(flagged.json["total"], 1, "{}", flagged.body);

        let dispute = event("evt_dispute_1", "charge.dispute.created", json!({ "id": "dp_1", "payment_intent": pi, "amount": 8000 }));
        let r = post(dispute.clone(), signature::sign(dispute.as_bytes(), stripe::WEBHOOK_SECRET, now)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let seen = view(&app, &dan.token, &job).await;
        assert_eq!(seen.json["payment"]["disputed"], true, "{}", seen.body);
    }

    async fn a_bank_check_books_when_the_page_returns_or_by_stripes_webhook(db) {
        let (app, base) = spawn_stripe!(db);
        let Quoted { customer, job, dan_quote, maria, .. } = quoted(&app).await;
        // localstripe's 3-D Secure card: the hold needs the customer's yes.
        let pm = stripe::payment_method(&base, "4000002500003155").await;
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!((r.status, r.json["error"].as_str()), (402, Some("payment_action_required")), "{}", r.body);
        let secret = r.json["client_secret"].as_str().unwrap().to_owned();
        assert_eq!(view(&app, &customer, &job).await.json["status"], "quoted");
        // Said no: accepting again tells the customer, books nothing.
        stripe::bank_check(&base, &secret, false).await;
        let r = accept(&app, &customer, &dan_quote, None).await;
        assert_eq!((r.status, r.json["error"].as_str()), (402, Some("payment_declined")), "{}", r.body);
        assert_eq!(view(&app, &customer, &job).await.json["status"], "quoted");
        // Said yes, and the page came back: booked.
        let pm = stripe::payment_method(&base, "4000002500003155").await;
        let r = accept(&app, &customer, &dan_quote, Some(&pm)).await;
        assert_eq!(r.status, 402, "{}", r.body);
        stripe::bank_check(&base, r.json["client_secret"].as_str().unwrap(), true).await;
        let r = accept(&app, &customer, &dan_quote, None).await;
        assert_eq!((r.status, r.json["payment"]["status"].as_str()), (200, Some("authorized")), "{}", r.body);

        // Maria's quote on another of Priya's jobs: she says yes and closes
        // the page; Stripe's webhook books it.
        let vehicle = app.get("/api/my_vehicles", Auth::Bearer(&customer)).await.json[0]["id"].as_str().unwrap().to_owned();
        let second = request_job(&app, &customer, &vehicle).await;
        let q = quote(&app, &maria, &second, "50", "10").await.json["id"].as_str().unwrap().to_owned();
        let pm = stripe::payment_method(&base, "4000002500003155").await;
        let r = accept(&app, &customer, &q, Some(&pm)).await;
        assert_eq!(r.status, 402, "{}", r.body);
        let secret = r.json["client_secret"].as_str().unwrap().to_owned();
        stripe::bank_check(&base, &secret, true).await;
        let intent = secret.split("_secret_").next().unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let body = json!({ "id": "evt_capturable_1", "type": "payment_intent.amount_capturable_updated",
            "data": { "object": { "id": intent, "amount_capturable": 6000 } } }).to_string();
        let res = reqwest::Client::new().post(app.url("/api/stripe/webhook"))
            .header("Stripe-Signature", signature::sign(body.as_bytes(), stripe::WEBHOOK_SECRET, now))
            .body(body).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let seen = view(&app, &customer, &second).await;
        assert_eq!((seen.json["status"].as_str(), seen.json["payment"]["status"].as_str()), (Some("accepted"), Some("authorized")), "{}", seen.body);
        assert_eq!(seen.json["payment"]["card"]["last4"], "3155");
    }
}

both_databases! {
    async fn a_customer_never_sees_another_customers_payment(db) {
        let app = spawn!(db);
        let Quoted { customer: priya, job, dan_quote, .. } = quoted(&app).await;
        // The demo mode: no Stripe keys; booked without a card, labelled.
        let r = accept(&app, &priya, &dan_quote, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!((r.json["payment"]["status"].as_str(), r.json["payment"]["demo"].as_bool()), (Some("authorized"), Some(true)), "{}", r.body);
        let (tom, _) = customer(&app, "tom@example.com").await;
        let r = view(&app, &tom, &job).await;
        assert_eq!(r.status, 404, "{}", r.body);
        assert!(!r.body.contains("9499"));
        let r = app.post("/api/checkout", &[("id", &dan_quote)], Auth::Bearer(&tom)).await;
        assert_eq!(r.status, 404, "{}", r.body);
    }

    async fn with_payments_off_booking_is_free_and_nothing_of_payments_shows(db) {
        let app = spawn!(db, &[("ENABLE_PAYMENTS", "false")]);
        let Quoted { customer, job, dan, dan_quote, .. } = quoted(&app).await;
        let r = app.post("/api/checkout", &[("id", &dan_quote)], Auth::Bearer(&customer)).await;
        assert_eq!((r.status, r.json["error"].as_str()), (404, Some("feature_off")), "{}", r.body);
        let r = accept(&app, &customer, &dan_quote, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.json["payment"].is_null(), "{}", r.body);
        let r = complete(&app, &dan.token, &job, &[]).await;
        assert_eq!((r.status, r.json["payment"].is_null()), (200, true), "{}", r.body);
        let r = app.post("/api/stripe/webhook", &[], Auth::None).await;
        assert_eq!(r.status, 404, "{}", r.body);
        let html = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains("id=\"payments\"") && !html.contains("Pay by card"), "payments still offered");
    }
}
