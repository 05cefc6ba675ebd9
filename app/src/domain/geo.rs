//! Points on the earth, the distance between them, and the blurred position shown before a job is accepted.

use serde::{Deserialize, Serialize};

/// Mean earth radius in km (IUGG), the figure haversine distances use.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Approximate positions are rounded to this many degrees: 0.01° of
/// latitude is 1.1 km, and of longitude at most that.
const APPROXIMATE_STEP_DEG: f64 = 0.01;

/// A point on the earth, checked to be one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    lat: f64,
    lng: f64,
}

impl GeoPoint {
    /// `None` unless -90 ≤ lat ≤ 90 and -180 ≤ lng ≤ 180 (NaN is neither).
    pub fn new(lat: f64, lng: f64) -> Option<Self> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng))
            .then_some(Self { lat, lng })
    }

    pub fn lat(self) -> f64 {
        self.lat
    }

    pub fn lng(self) -> f64 {
        self.lng
    }

    /// Great-circle distance in km (haversine), accurate to well under 1% at street scale.
    pub fn distance_km(self, other: GeoPoint) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlng = (other.lng - self.lng).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    /// The point snapped to a grid of about 1 km, so a mechanic who has not
    /// been hired learns the neighbourhood but not the house.
    pub fn approximate(self) -> GeoPoint {
        let snap = |d: f64| (d / APPROXIMATE_STEP_DEG).round() * APPROXIMATE_STEP_DEG;
        // Snapping cannot leave the valid range: ±90 and ±180 are grid points.
        GeoPoint {
            lat: (snap(self.lat) * 100.0).round() / 100.0,
            lng: (snap(self.lng) * 100.0).round() / 100.0,
        }
    }

    /// A mechanic at `self` who travels `radius_km` reaches `job`.
    pub fn within(self, job: GeoPoint, radius_km: u32) -> bool {
        self.distance_km(job) <= f64::from(radius_km)
    }
}

/// `3.2 km`, or `800 m` under one km: how far a job is, as a mechanic reads it.
pub fn distance_words(km: f64) -> String {
    if km < 1.0 {
        format!("{} m", ((km * 1000.0) / 100.0).round() as i64 * 100)
    } else if km < 10.0 {
        format!("{km:.1} km")
    } else {
        format!("{} km", km.round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lng: f64) -> GeoPoint {
        GeoPoint::new(lat, lng).unwrap()
    }

    #[test]
    fn haversine_matches_known_distances() {
        // London (Charing Cross) to Paris (Notre-Dame): 343.5 km by great circle.
        let d = p(51.5074, -0.1278).distance_km(p(48.8530, 2.3499));
        assert!((d - 343.5).abs() < 1.0, "{d}");
        // Camden to Brixton, the demo mechanics: about 9.0 km.
        let d = p(51.5390, -0.1426).distance_km(p(51.4613, -0.1156));
        assert!((d - 8.82).abs() < 0.2, "{d}");
        assert_eq!(p(10.0, 20.0).distance_km(p(10.0, 20.0)), 0.0);
        // Antipodes: half the circumference, no NaN from rounding.
        let d = p(0.0, 0.0).distance_km(p(0.0, 180.0));
        assert!((d - 20_015.1).abs() < 1.0, "{d}");
    }

    #[test]
    fn radius_includes_its_edge_and_nothing_beyond() {
        let base = p(51.5, -0.12);
        let north_10km = p(51.5 + 9.99 / 111.195, -0.12);
        assert!(base.within(north_10km, 10));
        assert!(!base.within(p(51.5 + 10.2 / 111.195, -0.12), 10));
    }

    #[test]
    fn approximate_position_is_within_a_km_and_on_a_grid() {
        let exact = p(51.53937, -0.14264);
        let near = exact.approximate();
        assert_eq!((near.lat(), near.lng()), (51.54, -0.14));
        assert!(exact.distance_km(near) < 1.0);
        assert_eq!(p(-89.999, 179.999).approximate(), p(-90.0, 180.0));
    }

    #[test]
    fn distances_read_naturally() {
        assert_eq!(distance_words(0.83), "800 m");
        assert_eq!(distance_words(3.24), "3.2 km");
        assert_eq!(distance_words(14.6), "15 km");
    }
}
