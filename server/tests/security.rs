//! Hardening seen from outside: stored markup is served as text, bad
//! prices are refused, and the other findings of the security review, on
//! SQLite and PostgreSQL.

mod common;

use common::{Auth, TestApp, flow::*, pairs, with};

/// Closes whatever raw-text element it lands in, then runs script.
const MARKUP: &str = "</textarea></script><img src=x onerror=alert(1)>";
/// For fields with room for 40 characters.
const SHORT: &str = "<img src=x onerror=alert(1)>";
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
        let app = spawn!(db);
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
        ];
        let mut shown = 0;
        for (token, path) in pages {
            let body = page(&app, token, &path).await;
            assert!(!body.contains(LIVE_TAG), "{path} serves stored markup as HTML:\n{body}");
            shown += body.matches("&lt;img src=x onerror").count();
        }
        // The payloads were stored and shown, as text, not dropped.
        assert!(shown >= 13, "only {shown} escaped payloads shown");
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
