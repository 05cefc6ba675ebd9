//! The location socket (`/api/location_socket`) as a phone opens it.
#![allow(dead_code)] // each test binary uses a part

use super::http::{Auth, Http};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{self, Message, client::IntoClientRequest},
};

pub struct LocationSocket {
    inner: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

/// How the socket ended: its close code, or `None` when it just dropped.
#[derive(Debug, PartialEq)]
pub enum Ended {
    Closed(Option<u16>),
    StillOpen,
}

impl Http {
    /// Opens the socket as `auth`; a refused handshake answers its status.
    pub async fn location_socket(&self, auth: Auth<'_>) -> Result<LocationSocket, u16> {
        let url = format!(
            "{}/api/location_socket",
            self.base.replacen("http", "ws", 1)
        );
        let mut request = url.into_client_request().unwrap();
        let value = match auth {
            Auth::None => None,
            Auth::Bearer(t) => Some(("authorization", format!("Bearer {t}"))),
            Auth::Cookie(c) => Some(("cookie", format!("curbside_session={c}"))),
        };
        if let Some((name, value)) = value {
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((inner, _)) => Ok(LocationSocket { inner }),
            Err(tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
            Err(e) => panic!("location socket: {e}"),
        }
    }
}

impl LocationSocket {
    /// Sends one text frame and reads the answer to it.
    pub async fn send(&mut self, text: &str) -> Value {
        self.inner
            .send(Message::Text(text.into()))
            .await
            .expect("send a fix");
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.inner.next())
                .await
                .expect("an answer within 10 s")
                .expect("the socket is open")
                .expect("a readable frame");
            if let Message::Text(t) = frame {
                return serde_json::from_str(&t).expect("an answer is JSON");
            }
        }
    }

    /// Sends a fix for `job` at `at` (ms), near Camden, 10 m accurate.
    pub async fn fix(&mut self, job: &str, lat: f64, at: i64) -> Value {
        let fix = serde_json::json!({
            "job": job, "lat": lat, "lng": -0.14, "accuracy": 10.0, "at": at,
        });
        self.send(&fix.to_string()).await
    }

    /// Waits up to `within` for the server to end the socket.
    pub async fn ended(&mut self, within: Duration) -> Ended {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.inner.next()).await {
                Err(_) => return Ended::StillOpen,
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return Ended::Closed(frame.map(|f| u16::from(f.code)));
                }
                Ok(None | Some(Err(_))) => return Ended::Closed(None),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }
}
