//! `GET /metrics`: off without `METRICS_TOKEN`, for its holder only with
//! it, and what it reports moves with what the service does.

mod common;

use common::{Auth, TestApp, flow::*};

const TOKEN: &str = "a-metrics-token-for-the-scraper";

/// The value of the first sample whose line starts with `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let r = app.get("/metrics", Auth::Bearer(TOKEN)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

both_databases! {
    async fn metrics_are_off_without_a_token_and_private_with_one(db) {
        let off = spawn!(db);
        let r = off.get("/metrics", Auth::Bearer(TOKEN)).await;
        assert_eq!(r.status, 404, "{}", r.body);

        let app = spawn!(db, &[("METRICS_TOKEN", TOKEN)]);
        for auth in [Auth::None, Auth::Bearer("a-metrics-token-for-the-scrapeX"), Auth::Bearer("short")] {
            let r = app.get("/metrics", auth).await;
            assert_eq!(r.status, 401, "{}", r.body);
        }
        // A signed-in admin is not a scraper either.
        let admin = app.admin(ADMIN, PW).await;
        assert_eq!(app.get("/metrics", Auth::Bearer(&admin)).await.status, 401);
    }

    async fn a_scrape_reports_requests_streams_events_and_the_pool(db) {
        let app = spawn!(db, &[("METRICS_TOKEN", TOKEN)]);
        let Requested { admin, customer, job } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        let mut stream = app.events("", Auth::Bearer(&customer), None).await;
        assert_eq!(quote(&app, &dan, &job, "60", "30").await.status, 200);
        stream.until("quote:new", &job).await;

        let text = scrape(&app).await;
        let quotes = r#"curbside_http_requests_total{method="POST",route="/api/send_quote",status="2xx"}"#;
        assert_eq!(sample(&text, quotes), Some(1.0), "{text}");
        let job_route = r#"curbside_http_request_duration_seconds_count{method="POST",route="/api/request_job"}"#;
        assert_eq!(sample(&text, job_route), Some(1.0), "{text}");
        assert_eq!(sample(&text, "curbside_event_streams_open"), Some(1.0), "{text}");
        // Recorded: the job, its move to quoted, the quote; delivered to the open stream at least.
        assert!(sample(&text, "curbside_events_recorded_total").unwrap_or(0.0) >= 3.0, "{text}");
        assert!(sample(&text, "curbside_events_delivered_total").unwrap_or(0.0) >= 2.0, "{text}");
        assert!(sample(&text, "curbside_db_pool_connections").unwrap_or(0.0) >= 1.0, "{text}");

        drop(stream);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let text = scrape(&app).await;
        assert_eq!(sample(&text, "curbside_event_streams_open"), Some(0.0), "{text}");
    }
}
