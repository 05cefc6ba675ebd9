//! A reader for `GET /api/events`, as a test client sees the stream.

use super::{Auth, TestApp};
use std::time::Duration;

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: Option<i64>,
    pub event: String,
    pub data: serde_json::Value,
}

impl Sse {
    pub fn job(&self) -> &str {
        self.data["job"].as_str().unwrap_or_default()
    }
}

pub struct EventStream {
    res: reqwest::Response,
    buf: String,
    /// Passes over `notification:new`: the job-event tests count exact
    /// sequences, and notifications have their own tests (tests/push.rs).
    skip_notifications: bool,
}

impl TestApp {
    /// Opens the event stream (`query` like `?job=…`, or empty) and expects
    /// 200. Its reader passes over `notification:new` events.
    pub async fn events(&self, query: &str, auth: Auth<'_>, last: Option<i64>) -> EventStream {
        let mut stream = self.every_event(query, auth, last).await;
        stream.skip_notifications = true;
        stream
    }

    /// The event stream with every event, `notification:new` included.
    pub async fn every_event(&self, query: &str, auth: Auth<'_>, last: Option<i64>) -> EventStream {
        let res = self.open_events(query, auth, last).await;
        assert_eq!(res.status(), 200, "open the event stream");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        EventStream {
            res,
            buf: String::new(),
            skip_notifications: false,
        }
    }

    pub async fn open_events(
        &self,
        query: &str,
        auth: Auth<'_>,
        last: Option<i64>,
    ) -> reqwest::Response {
        // Not the app's client: its 10 s timeout would cut a stream off.
        let client = reqwest::Client::new();
        let mut req = auth.apply(client.get(self.url(&format!("/api/events{query}"))));
        if let Some(id) = last {
            req = req.header("last-event-id", id.to_string());
        }
        req.send().await.expect("GET /api/events")
    }
}

impl EventStream {
    /// The next event within `wait`, or `None` if none came (or the stream ended).
    pub async fn next_within(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if let Some(e) = parse(&block)
                    && !(self.skip_notifications && e.event == "notification:new")
                {
                    return Some(e);
                }
                continue; // a keep-alive comment
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk()).await;
            match chunk {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Whether the server ends the stream within `wait` (events before the end are skipped).
    pub async fn ended_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(_) => return true,
                Err(_) => return false,
            }
        }
    }

    /// Every event left until the server ends the stream, which it must
    /// within 5 s. A stream sends what it was handed before it ends, so
    /// an end the test caused (a logout) marks what came before it as all
    /// that was coming.
    pub async fn rest(&mut self) -> Vec<Sse> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let mut seen = Vec::new();
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if let Some(e) = parse(&block) {
                    seen.push(e);
                }
                continue;
            }
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(_) => return seen,
                Err(_) => {
                    let names: Vec<&str> = seen.iter().map(|e| e.event.as_str()).collect();
                    panic!("the stream did not end within 5 s; it sent {names:?}")
                }
            }
        }
    }

    /// The next event, which must come within 5 s.
    pub async fn next(&mut self) -> Sse {
        self.next_within(Duration::from_secs(5))
            .await
            .expect("an event within 5 s")
    }

    /// The next `n` events.
    pub async fn take(&mut self, n: usize) -> Vec<Sse> {
        let mut seen = Vec::new();
        for _ in 0..n {
            seen.push(self.next().await);
        }
        seen
    }

    /// The events that came before the first that `marker` picks, which
    /// must come within 5 s. The marker is an event the test caused after
    /// the one whose absence it proves: a stream gets events in order, so
    /// what did not come before the marker is not coming at all, however
    /// slow the machine.
    pub async fn before(&mut self, marker: impl Fn(&Sse) -> bool) -> Vec<Sse> {
        let mut seen = Vec::new();
        loop {
            let e = self.next().await;
            if marker(&e) {
                return seen;
            }
            seen.push(e);
        }
    }

    /// Every event up to and including the first of `name` on `job`.
    pub async fn until(&mut self, name: &str, job: &str) -> Vec<Sse> {
        let mut seen = Vec::new();
        loop {
            let e = self.next().await;
            let done = e.event == name && e.job() == job;
            seen.push(e);
            if done {
                return seen;
            }
        }
    }
}

fn parse(block: &str) -> Option<Sse> {
    let (mut id, mut event, mut data) = (None, None, String::new());
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("event:") {
            event = Some(v.trim().to_owned());
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.strip_prefix(' ').unwrap_or(v));
        }
    }
    Some(Sse {
        id,
        event: event?,
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
    })
}
