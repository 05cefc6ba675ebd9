//! `Config::from_lookup`'s sections that check settings against each other.

use super::{
    ConfigError, DEFAULT_DATABASE_URL, DEFAULT_SITE_ADDR, FirstAdmin, StripeSettings,
    read::{allowed_hosts, bad, is_loopback_url, origin_of, parse_bool},
    redact_url,
    services::s3_origin,
};
use app::{
    backend::{
        db::Backend,
        photos::storage::S3Settings,
        policy::{ContentPolicy, parse_sources},
    },
    domain::{
        Feature, FeatureFlags,
        map::{MapSettings, OSM_ATTRIBUTION, tile_origin},
    },
};
use std::net::SocketAddr;

/// `MAP_TILE_URL`, `MAP_ATTRIBUTION`.
pub(super) fn map_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<MapSettings, ConfigError> {
    Ok(MapSettings {
        tile_url: match get("MAP_TILE_URL") {
            None => MapSettings::default().tile_url,
            Some(v) if v.trim().is_empty() || v.trim() == "none" => None,
            Some(v) => {
                tile_origin(&v).map_err(|e| {
                    bad(
                        "MAP_TILE_URL",
                        &v,
                        &format!(
                            "an https:// tile URL template with {{z}}/{{x}}/{{y}}, or none ({e})"
                        ),
                    )
                })?;
                Some(v)
            }
        },
        attribution: get("MAP_ATTRIBUTION").unwrap_or_else(|| OSM_ATTRIBUTION.to_owned()),
    })
}

/// The operator's `CSP_*_SRC` sources, and those the configured services
/// need (`policy.rs` knows which directive each goes in).
pub(super) fn content_policy(
    get: &impl Fn(&str) -> Option<String>,
    dev_reload: bool,
    map: &MapSettings,
    s3: Option<&S3Settings>,
    stripe: Option<&StripeSettings>,
) -> Result<ContentPolicy, ConfigError> {
    let sources = |var: &'static str| match get(var) {
        Some(v) => parse_sources(&v)
            .map_err(|e| bad(var, &v, &format!("space-separated https:// origins ({e})"))),
        None => Ok(Vec::new()),
    };
    let mut policy = ContentPolicy {
        script_src: sources("CSP_SCRIPT_SRC")?,
        img_src: sources("CSP_IMG_SRC")?,
        connect_src: sources("CSP_CONNECT_SRC")?,
        frame_src: sources("CSP_FRAME_SRC")?,
        dev_reload,
    }
    .with_tiles(map.tile_url.as_deref().and_then(|u| tile_origin(u).ok()))
    .with_bucket(s3.map(s3_origin));
    if let Some(stripe) = stripe {
        let api = stripe
            .api_base
            .as_deref()
            .map_or_else(|| "https://api.stripe.com".to_owned(), origin_of);
        policy = policy.with_stripe(origin_of(&stripe.js_url), api, stripe.api_base.is_none());
    }
    Ok(policy)
}

/// `DATABASE_URL`, `LEPTOS_SITE_ADDR`, `PUBLIC_URL`.
pub(super) fn site(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<(String, SocketAddr, String), ConfigError> {
    let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
    if Backend::of_url(&database_url).is_none() {
        return Err(bad(
            "DATABASE_URL",
            &redact_url(&database_url),
            "a sqlite:// or postgres:// URL",
        ));
    }

    let addr = get("LEPTOS_SITE_ADDR").unwrap_or_else(|| DEFAULT_SITE_ADDR.into());
    let listen_addr: SocketAddr = addr.parse().map_err(|_| {
        bad(
            "LEPTOS_SITE_ADDR",
            &addr,
            "an address and port like 127.0.0.1:3000 or 0.0.0.0:8080",
        )
    })?;

    let public_url = get("PUBLIC_URL").unwrap_or_else(|| {
        let host = match listen_addr.ip() {
            ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            ip => ip.to_string(),
        };
        format!("http://{host}:{}", listen_addr.port())
    });
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        return Err(bad(
            "PUBLIC_URL",
            &public_url,
            "an http:// or https:// URL, e.g. https://curbside.example.com",
        ));
    }
    Ok((database_url, listen_addr, public_url))
}

/// `ENABLE_*` (and the plan's older names for some of them).
pub(super) fn features(get: &impl Fn(&str) -> Option<String>) -> Result<FeatureFlags, ConfigError> {
    let mut features = FeatureFlags::default();
    for f in Feature::ALL {
        let named = match get(f.env_var()) {
            Some(v) => Some(parse_bool(f.env_var(), &v)?),
            None => None,
        };
        let aliased = match f.alias().and_then(|a| get(a).map(|v| (a, v))) {
            Some((alias, v)) => Some((alias, parse_bool(alias, &v)?)),
            None => None,
        };
        match (named, aliased) {
            (Some(a), Some((alias, b))) if a != b => {
                return Err(bad(
                    alias,
                    &b.to_string(),
                    &format!(
                        "the same as {} ({a}), or only one of the two set",
                        f.env_var()
                    ),
                ));
            }
            (Some(on), _) | (None, Some((_, on))) => features.set(f, on),
            (None, None) => {}
        }
    }
    Ok(features)
}

/// `ADMIN_EMAIL`, `ADMIN_PASSWORD`, `ADMIN_NAME`.
pub(super) fn first_admin(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<FirstAdmin>, ConfigError> {
    Ok(match (get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")) {
        (Some(email), Some(password)) => Some(FirstAdmin {
            email,
            name: get("ADMIN_NAME").unwrap_or_else(|| "Administrator".into()),
            password,
        }),
        (Some(_), None) => {
            return Err(bad(
                "ADMIN_PASSWORD",
                "",
                "a password for ADMIN_EMAIL (at least 10 characters)",
            ));
        }
        (None, _) => None,
    })
}

/// `DEMO_DATA`.
pub(super) fn demo_data(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &str,
    listen_addr: SocketAddr,
) -> Result<bool, ConfigError> {
    // Demo logins (their password is in the README) only when asked for,
    // and never where anyone but this machine could reach them.
    let demo_data = match get("DEMO_DATA") {
        Some(v) => parse_bool("DEMO_DATA", &v)?,
        None => false,
    };
    if demo_data && !is_loopback_url(public_url) {
        return Err(bad(
            "DEMO_DATA",
            "true",
            &format!(
                "false while PUBLIC_URL ({public_url}) is not a loopback address: \
                 the demo accounts' password is published"
            ),
        ));
    }
    // The public URL is only what the server says about itself; where it
    // listens decides who can reach it.
    if demo_data && !listen_addr.ip().is_loopback() {
        return Err(bad(
            "DEMO_DATA",
            "true",
            &format!(
                "false while LEPTOS_SITE_ADDR ({listen_addr}) listens beyond this machine: \
                 the demo accounts' password is published"
            ),
        ));
    }
    Ok(demo_data)
}

/// `VAPID_SUBJECT`, `PUSH_ALLOW_LOOPBACK_HTTP`, `PUSH_ALLOWED_HOSTS`.
pub(super) fn push_settings(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<(String, bool, Vec<String>), ConfigError> {
    let vapid_subject = get("VAPID_SUBJECT").unwrap_or_else(|| public_url.to_owned());
    if !(vapid_subject.starts_with("mailto:")
        || vapid_subject.starts_with("https://")
        || vapid_subject.starts_with("http://"))
    {
        return Err(bad(
            "VAPID_SUBJECT",
            &vapid_subject,
            "a mailto: address or an https:// URL push services can reach you at",
        ));
    }
    let push_allow_loopback_http = match get("PUSH_ALLOW_LOOPBACK_HTTP") {
        Some(v) => parse_bool("PUSH_ALLOW_LOOPBACK_HTTP", &v)?,
        None => false,
    };
    let push_allowed_hosts = allowed_hosts(get("PUSH_ALLOWED_HOSTS").as_deref().unwrap_or(""))?;
    Ok((vapid_subject, push_allow_loopback_http, push_allowed_hosts))
}
