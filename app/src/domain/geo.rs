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

/// A latitude/longitude box that holds every point within some km of a
/// centre: what an index can narrow rows by before the distance decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lng: f64,
    pub max_lng: f64,
}

impl GeoPoint {
    /// The box around `self` holding every point within `radius_km`, a
    /// little generous. Near a pole, or across the 180th meridian, it
    /// takes every longitude rather than wrap.
    pub fn bounding_box(self, radius_km: f64) -> BoundingBox {
        let km_per_degree = EARTH_RADIUS_KM.to_radians();
        let dlat = radius_km / km_per_degree * 1.01;
        let (min_lat, max_lat) = ((self.lat - dlat).max(-90.0), (self.lat + dlat).min(90.0));
        let widest = min_lat.abs().max(max_lat.abs()).to_radians().cos();
        let dlng = if widest > 0.01 {
            radius_km / (km_per_degree * widest) * 1.01
        } else {
            f64::INFINITY
        };
        let (min_lng, max_lng) = if self.lng - dlng < -180.0 || self.lng + dlng > 180.0 {
            (-180.0, 180.0)
        } else {
            (self.lng - dlng, self.lng + dlng)
        };
        BoundingBox {
            min_lat,
            max_lat,
            min_lng,
            max_lng,
        }
    }
}

impl BoundingBox {
    pub fn contains(&self, p: GeoPoint) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat)
            && (self.min_lng..=self.max_lng).contains(&p.lng)
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
    fn the_bounding_box_holds_the_whole_circle() {
        for (centre, r) in [
            (p(51.5, -0.12), 12.0),
            (p(-33.9, 151.2), 100.0),
            (p(64.1, -21.9), 50.0),
            (p(0.0, 179.9), 20.0),
            (p(89.95, 10.0), 30.0),
        ] {
            let bbox = centre.bounding_box(r);
            // Points on the circle in every direction are inside the box.
            for step in 0..72 {
                let bearing = f64::from(step * 5).to_radians();
                let d = r / EARTH_RADIUS_KM;
                let (lat1, lng1) = (centre.lat().to_radians(), centre.lng().to_radians());
                let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * bearing.cos()).asin();
                let lng2 = lng1
                    + (bearing.sin() * d.sin() * lat1.cos())
                        .atan2(d.cos() - lat1.sin() * lat2.sin());
                let mut lng = lng2.to_degrees();
                if lng > 180.0 {
                    lng -= 360.0;
                }
                let edge = p(lat2.to_degrees(), lng);
                assert!(
                    bbox.contains(edge),
                    "{centre:?} {r} km bearing {step}: {edge:?} outside {bbox:?}"
                );
            }
        }
        // Small enough to be worth it at city scale: London, 12 km.
        let b = p(51.5, -0.12).bounding_box(12.0);
        assert!(
            b.max_lat - b.min_lat < 0.25 && b.max_lng - b.min_lng < 0.4,
            "{b:?}"
        );
    }

    #[test]
    fn distances_read_naturally() {
        assert_eq!(distance_words(0.83), "800 m");
        assert_eq!(distance_words(3.24), "3.2 km");
        assert_eq!(distance_words(14.6), "15 km");
    }
}
