//! Reading one setting's text: flags, numbers in a range, URLs, host lists.

use super::ConfigError;

/// `http://127.0.0.1:3000`, `http://localhost`, `http://[::1]:8080`: reachable from this machine only.
pub(super) fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub(super) fn bad(var: &'static str, value: &str, expected: &str) -> ConfigError {
    ConfigError {
        var,
        value: value.to_owned(),
        expected: expected.to_owned(),
    }
}

pub(super) fn parse_bool(var: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(bad(var, v, "true, false, 1 or 0")),
    }
}

pub(super) fn parse_float(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: f64,
    min: f64,
    max: f64,
) -> Result<f64, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<f64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad(var, &v, &format!("a number from {min} to {max}"))),
        },
    }
}

pub(super) fn parse_range(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad(var, &v, &format!("a whole number from {min} to {max}"))),
        },
    }
}

/// `PUSH_ALLOWED_HOSTS`: host names, comma-separated, lower-cased.
pub(super) fn allowed_hosts(raw: &str) -> Result<Vec<String>, ConfigError> {
    raw.split(',')
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .map(|h| {
            let plain = h.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
            if plain {
                Ok(h)
            } else {
                Err(bad(
                    "PUSH_ALLOWED_HOSTS",
                    raw,
                    "host names separated by commas, like fcm.googleapis.com,push.apple.com",
                ))
            }
        })
        .collect()
}

/// `scheme://host[:port]` of a URL.
pub(super) fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{}", host.to_ascii_lowercase())
}
