//! Where arrival estimates come from: the distance model (no network, the
//! default) or an OSRM-compatible routing service when `OSRM_URL` is set.

use crate::domain::{
    geo::GeoPoint,
    tracking::{DistanceModel, Eta},
};
use std::{future::Future, pin::Pin, time::Duration};

pub type EtaFuture<'a> = Pin<Box<dyn Future<Output = Result<Eta, String>> + Send + 'a>>;

/// One way to estimate the drive from `from` to `to`.
pub trait EtaSource: Send + Sync {
    /// Answers come over the network: asked for sparingly, and in the background.
    fn remote(&self) -> bool;
    fn estimate(&self, from: GeoPoint, to: GeoPoint) -> EtaFuture<'_>;
}

impl EtaSource for DistanceModel {
    fn remote(&self) -> bool {
        false
    }

    fn estimate(&self, from: GeoPoint, to: GeoPoint) -> EtaFuture<'_> {
        let eta = DistanceModel::estimate(self, from, to);
        Box::pin(async move { Ok(eta) })
    }
}

/// An OSRM `route` service (`/route/v1/driving/…`), over plain HTTP: it
/// is meant to run beside the app.
pub struct Osrm {
    base: String,
    client: reqwest::Client,
}

impl Osrm {
    pub fn new(base: &str, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            client,
        })
    }
}

#[derive(serde::Deserialize)]
struct RouteAnswer {
    code: String,
    #[serde(default)]
    routes: Vec<Route>,
}

#[derive(serde::Deserialize)]
struct Route {
    /// Seconds.
    duration: f64,
    /// Metres.
    distance: f64,
}

/// Reads an OSRM `route` answer.
pub fn read_route(body: &str) -> Result<Eta, String> {
    let answer: RouteAnswer =
        serde_json::from_str(body).map_err(|e| format!("unreadable answer: {e}"))?;
    if answer.code != "Ok" {
        return Err(format!("the routing service said {:?}", answer.code));
    }
    let route = answer.routes.first().ok_or("no route")?;
    if !(route.duration.is_finite() && route.duration >= 0.0 && route.distance.is_finite()) {
        return Err("a route with no duration".into());
    }
    Ok(Eta {
        seconds: route.duration.round() as i64,
        distance_km: route.distance / 1000.0,
    })
}

impl EtaSource for Osrm {
    fn remote(&self) -> bool {
        true
    }

    fn estimate(&self, from: GeoPoint, to: GeoPoint) -> EtaFuture<'_> {
        let url = format!(
            "{}/route/v1/driving/{:.6},{:.6};{:.6},{:.6}?overview=false",
            self.base,
            from.lng(),
            from.lat(),
            to.lng(),
            to.lat()
        );
        Box::pin(async move {
            let res = self
                .client
                .get(&url)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = res.status();
            let body = res.text().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("the routing service answered {status}"));
            }
            read_route(&body)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_osrm_route_reads_as_an_estimate() {
        let eta = read_route(
            r#"{"code":"Ok","routes":[{"duration":412.6,"distance":3440.0,"legs":[]}]}"#,
        )
        .unwrap();
        assert_eq!(
            eta,
            Eta {
                seconds: 413,
                distance_km: 3.44
            }
        );
        assert!(
            read_route(r#"{"code":"NoRoute","routes":[]}"#)
                .unwrap_err()
                .contains("NoRoute")
        );
        assert!(read_route(r#"{"code":"Ok","routes":[]}"#).is_err());
        assert!(read_route("<html>").is_err());
    }
}
