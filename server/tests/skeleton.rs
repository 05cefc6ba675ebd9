//! The walking skeleton, black-box: health, readiness, the landing page,
//! `site_config`, and start-up that refuses bad settings. Each test runs on
//! SQLite and on PostgreSQL.

mod common;

use common::{Db, TestApp, TestDb};
use serde_json::{Value, json};

/// Each optional feature's card on the landing page: its anchor and words.
const PITCHES: [(&str, &str); 5] = [
    ("tracking", "Watch your mechanic drive in"),
    ("payments", "charged only once the job is done"),
    ("messaging", "Chat with your mechanic"),
    ("photos", "Show the problem with a photo"),
    ("notifications", "Never miss a quote"),
];

both_databases! {
    async fn healthz_answers_json(db) {
        let app = spawn!(db);
        let res = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap(), json!({ "status": "ok" }));
    }

    async fn readyz_reports_the_database(db) {
        let app = spawn!(db);
        let res = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap(), json!({ "status": "ready", "database": "ok" }));
    }

    async fn every_api_answer_is_the_documented_json(db) {
        let app = spawn!(db);
        let answer = |req: reqwest::RequestBuilder| async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let allow = res.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
            let body: Value = res.json().await.expect("a JSON body");
            (status, body, allow)
        };
        let (status, body, _) = answer(app.client.get(app.url("/api/nope"))).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("not_found")), "{body}");
        assert!(body["message"].as_str().unwrap().contains("/api/nope"), "{body}");
        let (status, body, _) = answer(app.client.post(app.url("/api/nope")).form(&[("a", "b")])).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("not_found")), "{body}");
        let (status, body, allow) = answer(app.client.get(app.url("/api/login"))).await;
        assert_eq!((status, body["error"].as_str()), (405, Some("method_not_allowed")), "{body}");
        assert_eq!(allow.as_deref(), Some("POST"));
        assert!(body["message"].as_str().unwrap().contains("use POST"), "{body}");
        let (status, body, _) = answer(app.client.post(app.url("/api/events"))).await;
        assert_eq!((status, body["error"].as_str()), (405, Some("method_not_allowed")), "{body}");

        // An API client that accepts HTML still gets statuses, not a redirect.
        let html = "text/html,application/json";
        let login = app.client.post(app.url("/api/login")).header("accept", html)
            .form(&[("email", "nobody@example.com"), ("password", "wrong password")]);
        let (status, body, _) = answer(login).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_credentials")), "{body}");
        let typed_in = app.client.get(app.url("/api/me")).header("accept", html).header("sec-fetch-mode", "navigate");
        let (status, body, _) = answer(typed_in).await;
        assert_eq!((status, body["error"].as_str()), (401, Some("unauthenticated")), "{body}");
    }

    async fn landing_page_is_rendered_on_the_server(db) {
        let app = spawn!(db);
        let res = app.client.get(app.url("/")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        assert!(html.contains("<h1>Car trouble? A vetted mechanic comes to you.</h1>"), "{html}");
        assert!(html.contains("How it works"));
        // The hydration script is there, so the browser takes the page over.
        // (`curbside.js`, or `curbside.<hash>.js` after `cargo leptos build`.)
        assert!(html.contains(r#"import("/pkg/curbside."#), "{html}");
    }

    async fn unknown_pages_are_404(db) {
        let app = spawn!(db);
        let res = app.client.get(app.url("/no-such-page")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert!(res.text().await.unwrap().contains("Page not found"));
    }

    async fn site_config_answers_at_its_fixed_url(db) {
        let app = spawn!(db);
        let res = app.client.get(app.url("/api/site_config")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let flags: Value = res.json().await.unwrap();
        assert_eq!(
            flags,
            json!({ "realtime_tracking": true, "payments": true, "messaging": true, "photos": true, "push_notifications": true })
        );
    }

    async fn disabled_features_are_reported_and_hidden(db) {
        let app = spawn!(db, &[("ENABLE_REALTIME_TRACKING", "0")]);
        let flags: Value = app.client.get(app.url("/api/site_config")).send().await.unwrap().json().await.unwrap();
        assert_eq!(flags["realtime_tracking"], false);
        let html = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains("href=\"/#tracking\""), "tracking still in the nav");
        assert!(!html.contains("Watch your mechanic drive in"), "tracking still offered");
        assert!(html.contains("Prices up front"));
    }

    async fn enabled_features_appear_in_the_navigation(db) {
        let app = spawn!(db);
        let html = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("href=\"/#tracking\""), "{html}");
        assert!(html.contains("Watch your mechanic drive in"), "{html}");
        assert!(html.contains("id=\"payments\""), "{html}");
        assert!(html.contains("charged only once the job is done"), "{html}");
        assert!(html.contains("id=\"messaging\""), "{html}");
        assert!(html.contains("Chat with your mechanic"), "{html}");
        for (anchor, pitch) in PITCHES {
            assert!(html.contains(&format!("id=\"{anchor}\"")) && html.contains(pitch), "{pitch}: {html}");
        }
    }

    async fn a_feature_switched_off_is_not_advertised(db) {
        let off: Vec<(&str, &str)> = ["ENABLE_REALTIME_TRACKING", "ENABLE_PAYMENTS", "ENABLE_MESSAGING", "ENABLE_PHOTOS", "ENABLE_PUSH_NOTIFICATIONS"]
            .into_iter()
            .map(|v| (v, "false"))
            .collect();
        let app = spawn!(db, &off);
        let html = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        for (anchor, pitch) in PITCHES {
            assert!(!html.contains(pitch) && !html.contains(&format!("id=\"{anchor}\"")), "{pitch} is advertised while off");
        }
        assert!(html.contains("Prices up front"), "{html}");
    }

    async fn responses_are_compressed_when_asked(db) {
        let app = spawn!(db);
        let res = app.client.get(app.url("/")).header("accept-encoding", "gzip").send().await.unwrap();
        assert_eq!(res.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));
    }

    async fn a_bad_flag_value_stops_start_up_naming_the_variable(db) {
        let Some((code, stderr)) = common::start_failure(db, &[("ENABLE_REALTIME_TRACKING", "maybe")]).await else { return };
        assert_eq!(code, 2);
        assert!(stderr.contains("ENABLE_REALTIME_TRACKING"), "{stderr}");
        assert!(stderr.contains("true, false, 1 or 0"), "{stderr}");
    }

    async fn sigterm_shuts_down_cleanly(db) {
        let app = spawn!(db);
        assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
        assert!(app.terminate().await, "server did not exit cleanly on SIGTERM");
    }

    async fn a_failed_migration_stops_start_up_with_its_name(db) {
        let Some(test_db) = TestDb::new(db).await else { return };
        // A table in the way makes the first migration fail.
        {
            let pool = app::backend::db::connect(&test_db.url, 1).await.unwrap();
            sqlx::query("CREATE TABLE audit_log (x INTEGER)").execute(&pool).await.unwrap();
            pool.close().await;
        }
        let (code, stderr) = common::run_to_failure(&test_db, &[]).await;
        assert_ne!(code, 0);
        assert!(stderr.contains("0001_audit_log"), "{stderr}");
    }
}

#[tokio::test]
async fn sqlite_database_and_folder_are_created_when_missing() {
    let db = TestDb::new(Db::Sqlite).await.unwrap();
    let nested = db.dir().join("nested/deeper/curbside.db");
    let url = format!("sqlite://{}", nested.display());
    let app = TestApp::start(db, &[("DATABASE_URL", &url)]).await;
    assert_eq!(
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(nested.exists());
}
