//! Where map tiles come from, as the operator set it.

use serde::{Deserialize, Serialize};

pub const OSM_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// The tile layer every map draws. With no tile URL (offline, tests) maps
/// still show their markers, circles and controls on a plain background.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapSettings {
    pub tile_url: Option<String>,
    pub attribution: String,
}

impl Default for MapSettings {
    fn default() -> Self {
        Self {
            tile_url: Some(OSM_TILES.to_owned()),
            attribution: OSM_ATTRIBUTION.to_owned(),
        }
    }
}

/// The origin a tile URL template loads from (`https://a.tile.example`),
/// which the content security policy must allow images from. `{s}`
/// subdomains become a wildcard.
pub fn tile_origin(template: &str) -> Result<String, String> {
    let rest = template
        .strip_prefix("https://")
        .ok_or_else(|| format!("{template:?} is not an https:// URL"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.strip_prefix("{s}.") {
        Some(h) => format!("*.{h}"),
        None => host.to_owned(),
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*');
    if host.is_empty() || !host.chars().all(allowed) || host.contains('{') {
        return Err(format!("{template:?} has no plain host name"));
    }
    Ok(format!("https://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tile_origin_is_what_the_policy_allows() {
        assert_eq!(
            tile_origin(OSM_TILES).as_deref(),
            Ok("https://tile.openstreetmap.org")
        );
        assert_eq!(
            tile_origin("https://{s}.tiles.example.com:8443/{z}/{x}/{y}.png").as_deref(),
            Ok("https://*.tiles.example.com:8443")
        );
        assert!(tile_origin("http://tile.example.com/{z}/{x}/{y}.png").is_err());
        assert!(tile_origin("https://evil.com;script-src/{z}").is_err());
        assert!(tile_origin("https:///{z}").is_err());
    }
}
