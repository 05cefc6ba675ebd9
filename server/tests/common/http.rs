//! The machine API over HTTP as a client sees it: one kit for the tests
//! (`TestApp` derefs to an `Http`) and the benchmarks (`examples/common`
//! includes this file).

use std::time::Duration;

/// A client of one running server.
#[derive(Clone)]
pub struct Http {
    pub base: String,
    pub client: reqwest::Client,
}

impl Http {
    /// `base` like `http://127.0.0.1:3000`. Requests time out after 10 s,
    /// and redirects are returned, not followed (tests look at them).
    pub fn new(base: impl Into<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base: base.into(),
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs a form to a server function, as an API client would (no `text/html` in Accept).
    pub async fn post(&self, path: &str, form: &[(&str, &str)], auth: Auth<'_>) -> Reply {
        self.send(self.client.post(self.url(path)).form(form), auth)
            .await
    }

    /// POSTs form pairs where a name may repeat (`skills[]`) or is built (`items[0][kind]`).
    pub async fn post_pairs(&self, path: &str, form: &[(String, String)], auth: Auth<'_>) -> Reply {
        self.send(self.client.post(self.url(path)).form(form), auth)
            .await
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Reply {
        self.send(self.client.get(self.url(path)), auth).await
    }

    async fn send(&self, req: reqwest::RequestBuilder, auth: Auth<'_>) -> Reply {
        let res = auth.apply(req).send().await;
        Reply::of(res.expect("a response (is the server running?)")).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/login",
            &[("email", email), ("password", password)],
            Auth::None,
        )
        .await
    }
}

/// How a request proves who it is from.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// The value of the session cookie, as a browser would send it.
    Cookie(&'a str),
}

impl Auth<'_> {
    pub fn apply(self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::None => req,
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Cookie(c) => req.header("cookie", format!("curbside_session={c}")),
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    /// The body as JSON, or `Null` when it is not JSON.
    pub json: serde_json::Value,
}

impl Reply {
    pub async fn of(res: reqwest::Response) -> Self {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("read body");
        let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
        Self {
            status,
            headers,
            body,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The session cookie's `Set-Cookie` line, if the response set one.
    pub fn session_cookie(&self) -> Option<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("curbside_session="))
    }

    /// The JSON answer of a call that must succeed; panics with the status and body otherwise.
    pub fn expect_success(self, what: &str) -> serde_json::Value {
        assert!(
            (200..300).contains(&self.status),
            "{what}: {} {}",
            self.status,
            self.body
        );
        self.json
    }
}
