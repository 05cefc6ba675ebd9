//! Traces leave over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set:
//! a collector stand-in on a local port decodes what arrives.

mod common;

use axum::{body::Bytes, routing::post};
use common::flow::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

/// Every span name and its attributes (`key=value`) received, by service.
type Seen = Arc<Mutex<Vec<(String, String, Vec<String>)>>>;

async fn collector() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let store = seen.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let store = store.clone();
            async move {
                let req = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf body");
                let mut seen = store.lock().unwrap();
                for rs in req.resource_spans {
                    let service = rs
                        .resource
                        .iter()
                        .flat_map(|r| &r.attributes)
                        .find(|a| a.key == "service.name")
                        .map(|a| format!("{:?}", a.value))
                        .unwrap_or_default();
                    for span in rs.scope_spans.into_iter().flat_map(|s| s.spans) {
                        let attrs = span
                            .attributes
                            .iter()
                            .map(|a| format!("{}={:?}", a.key, a.value))
                            .collect();
                        seen.push((service.clone(), span.name, attrs));
                    }
                }
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

both_databases! {
    async fn each_flow_is_exported_as_a_span_with_its_ids(db) {
        let (endpoint, seen) = collector().await;
        let app = spawn!(db, &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ]);
        let Requested { admin, job, .. } = requested(&app).await;
        let dan = near_mechanic(&app, &admin, "dan@example.com").await;
        assert_eq!(quote(&app, &dan, &job, "60", "30").await.status, 200);

        let mut found = None;
        for _ in 0..50 {
            found = seen.lock().unwrap().iter().find(|(_, name, _)| name == "send").cloned();
            if found.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (service, _, attrs) = found.expect("the quoting flow's span reached the collector");
        assert!(service.contains("curbside"), "{service}");
        assert!(attrs.iter().any(|a| a.starts_with("job=") && a.contains(&job)), "{attrs:?}");
        assert!(attrs.iter().any(|a| a.starts_with("user=") && a.contains(&dan.id)), "{attrs:?}");
        // The request form (prices, notes) is not in the span.
        assert!(!attrs.iter().any(|a| a.contains("Genuine parts")), "{attrs:?}");
    }
}

/// Every answer names its request, and the request's log lines carry the
/// same id, so a user's report can be matched to the logs.
#[tokio::test]
async fn every_answer_has_a_request_id_that_its_log_lines_carry() {
    let app = spawn!(
        common::Db::Sqlite,
        &[("RUST_LOG", "warn,tower_http::trace=debug")]
    );
    let client = reqwest::Client::new();
    let id_of = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned())
    };

    // Made by the server when the caller sends none: a new one each time.
    let first = client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    let second = client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    let (first, second) = (
        id_of(&first).expect("an id"),
        id_of(&second).expect("an id"),
    );
    assert_eq!(first.len(), 36, "{first}");
    assert_ne!(first, second);

    // A caller's plain id is kept (a load balancer's, a support ticket's)…
    let kept = client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "ticket-4711.a")
        .send()
        .await
        .unwrap();
    assert_eq!(id_of(&kept).as_deref(), Some("ticket-4711.a"));
    let logs = app.printed("ticket-4711.a").await;
    assert!(
        logs.lines()
            .any(|l| l.contains("ticket-4711.a") && l.contains("processing request")),
        "{logs}"
    );

    // …and anything else is replaced, never written to the logs.
    let replaced = client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "x\"} forged=1")
        .send()
        .await
        .unwrap();
    let replaced = id_of(&replaced).expect("an id");
    assert_eq!(replaced.len(), 36, "{replaced}");

    // Refusals name their request too.
    let refused = client
        .post(format!("{}/api/logout", app.base))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(id_of(&refused).is_some());
    assert!(!app.stdout.lock().unwrap().join("\n").contains("forged"));
}
