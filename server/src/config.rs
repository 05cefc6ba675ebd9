//! Settings from environment variables (and `.env`), checked before anything starts.
//!
//! Every setting in one file on purpose: it is the list an operator reads
//! beside the README's table, each with its default and its range.

use app::backend::photos::storage::S3Settings;
use app::{
    backend::{db::Backend, policy::ContentPolicy, policy::parse_sources, store::fixes::Trail},
    domain::{
        Feature, FeatureFlags,
        map::{MapSettings, OSM_ATTRIBUTION, tile_origin},
        tracking::DistanceModel,
    },
};
use leptos::config::Env;
use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

/// A bad setting: names the variable and says what it accepts.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}={value:?}: expected {expected}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub expected: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub listen_addr: SocketAddr,
    pub public_url: String,
    pub site_root: String,
    /// cargo-leptos's list of the bundle's hashed names; relative to the
    /// server binary's folder (where cargo-leptos writes it) or absolute.
    pub hash_file: String,
    /// `DEV` turns on live reload under `cargo leptos watch`.
    pub leptos_env: Env,
    pub features: FeatureFlags,
    pub log_format: LogFormat,
    pub db_max_connections: u32,
    pub request_timeout: Duration,
    /// Where generated secrets (and the default SQLite file) live.
    pub data_dir: PathBuf,
    /// `JWT_SECRET`; when unset, one is generated once and kept in `data_dir`.
    pub jwt_secret: Option<String>,
    /// `METRICS_TOKEN`: turns on `GET /metrics`, for callers that send it as a Bearer token.
    pub metrics_token: Option<String>,
    pub session_ttl: Duration,
    pub trust_forwarded_for: bool,
    /// `SIGNUPS_PER_HOUR`: registrations one client address may make in an hour.
    pub signups_per_hour: usize,
    /// `MESSAGES_PER_MINUTE`: messages one person may send in a minute; 0: no limit.
    pub messages_per_minute: usize,
    /// `ADMIN_EMAIL` + `ADMIN_PASSWORD`: the first admin, made at start-up while there is none.
    pub first_admin: Option<FirstAdmin>,
    /// `DEMO_DATA`: seed demo accounts into an empty database.
    pub demo_data: bool,
    /// `EVENTS_RETENTION_DAYS`: how long real-time events stay replayable.
    pub events_retention: Duration,
    /// `EVENTS_SAFETY_POLL_MS`: how often the event pump reads the table
    /// without being told of a commit (a missed notification's worst delay).
    pub events_safety_poll: Duration,
    /// `EVENTS_STREAM_BUFFER`: events one stream may have waiting before
    /// it is cut off (it then reconnects and catches up by replay).
    pub events_stream_buffer: usize,
    /// `CSP_*_SRC`: the sources beyond this site the browser may use.
    pub content_policy: ContentPolicy,
    /// `MAP_TILE_URL`, `MAP_ATTRIBUTION`: the maps' tile layer.
    pub map: MapSettings,
    /// `ETA_ROAD_FACTOR`, `ETA_SPEED_KMH`: the arrival estimate without a routing service.
    pub eta_model: DistanceModel,
    /// `LOCATION_TRAIL`: what is kept of the way there once a job ends.
    pub location_trail: Trail,
    /// `OSRM_URL`: an OSRM-compatible routing service for arrival estimates.
    pub osrm_url: Option<String>,
    /// `OSRM_TIMEOUT_MS`: how long to wait for it before the distance estimate stands in.
    pub osrm_timeout: Duration,
    /// `STRIPE_*`: card payments through Stripe; `None` is the demo payment mode.
    pub stripe: Option<StripeSettings>,
    /// `S3_*`: photos in an S3 bucket; `None` keeps them under `DATA_DIR/photos`.
    pub s3: Option<S3Settings>,
    /// `PHOTO_URL_TTL_SECS`: how long a link to a photo works.
    pub photo_url_ttl: Duration,
    /// `PHOTO_RETENTION_DAYS`: photos of a completed or cancelled job are kept this long.
    pub photo_retention: Duration,
    /// `PHOTO_PROCESSING_CONCURRENCY`: photos decoded and re-encoded at once.
    pub photo_concurrency: usize,
    /// `PHOTO_DECODE_MEMORY_MB`: the memory all photos being processed may
    /// hold together, in MiB (at least what the largest photo needs).
    pub photo_memory_mib: u32,
    /// `VAPID_PRIVATE_KEY`: the push key (32 bytes, base64url); when unset,
    /// one is generated once and kept in `data_dir`.
    pub vapid_private_key: Option<String>,
    /// `VAPID_SUBJECT`: the contact push services may write to (`mailto:`
    /// or `https:`); `PUBLIC_URL` by default.
    pub vapid_subject: String,
    /// `PUSH_ALLOW_LOOPBACK_HTTP`: accept `http://localhost` push endpoints
    /// (a local push service stand-in); never on a public server.
    pub push_allow_loopback_http: bool,
    /// `PUSH_ALLOWED_HOSTS`: push services endpoints may point at (and
    /// their subdomains), comma-separated; empty allows any public host.
    pub push_allowed_hosts: Vec<String>,
}

/// Reads the S3 settings: a bucket and its keys, or none (local disk).
fn s3_settings(get: &impl Fn(&str) -> Option<String>) -> Result<Option<S3Settings>, ConfigError> {
    let Some(bucket) = get("S3_BUCKET").filter(|b| !b.trim().is_empty()) else {
        return Ok(None);
    };
    let key = |name: &'static str, aws: &str| {
        get(name)
            .or_else(|| get(aws))
            .ok_or_else(|| bad(name, "", &format!("a value with S3_BUCKET set (or {aws})")))
    };
    let endpoint = match get("S3_ENDPOINT") {
        None => None,
        Some(v) if v.starts_with("http://") || v.starts_with("https://") => {
            Some(v.trim_end_matches('/').to_owned())
        }
        Some(v) => return Err(bad("S3_ENDPOINT", &v, "an http(s):// URL")),
    };
    Ok(Some(S3Settings {
        bucket,
        region: get("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
        endpoint,
        access_key_id: key("S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID")?,
        secret_access_key: key("S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY")?,
    }))
}

/// Where the browser sends photos to and loads them from, for the CSP.
fn s3_origin(s: &S3Settings) -> String {
    match &s.endpoint {
        Some(e) => origin_of(e),
        None => format!("https://{}.s3.{}.amazonaws.com", s.bucket, s.region),
    }
}

/// A Stripe account's keys, and where its API and Stripe.js are.
#[derive(Clone)]
pub struct StripeSettings {
    pub secret_key: String,
    pub publishable_key: String,
    pub webhook_secret: String,
    /// `STRIPE_API_BASE`: another API address (a stand-in such as localstripe).
    pub api_base: Option<String>,
    /// `STRIPE_JS_URL`: where the page loads Stripe.js from.
    pub js_url: String,
}

impl fmt::Debug for StripeSettings {
    /// Only the publishable key is public.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeSettings")
            .field("publishable_key", &self.publishable_key)
            .field("api_base", &self.api_base)
            .field("js_url", &self.js_url)
            .finish_non_exhaustive()
    }
}

const STRIPE_KEYS: [&str; 3] = [
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
];

/// Reads the Stripe settings: all three keys or none (the demo mode). A
/// public https site taking payments must have them.
fn stripe_settings(
    get: &impl Fn(&str) -> Option<String>,
    payments_on: bool,
    public_url: &str,
) -> Result<Option<StripeSettings>, ConfigError> {
    let keys: Vec<Option<String>> = STRIPE_KEYS.iter().map(|k| get(k)).collect();
    let missing: Vec<&str> = STRIPE_KEYS
        .iter()
        .zip(&keys)
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if missing.len() == STRIPE_KEYS.len() {
        if payments_on && public_url.starts_with("https://") {
            return Err(bad(
                "STRIPE_SECRET_KEY",
                "",
                &format!(
                    "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET for a public site \
                     ({public_url}) taking payments; the demo payment mode charges nobody. \
                     Set them, or ENABLE_PAYMENTS=false"
                ),
            ));
        }
        return Ok(None);
    }
    if let Some(first) = missing.first() {
        return Err(bad(
            first,
            "",
            &format!(
                "a value: the Stripe keys go together ({} missing)",
                missing.join(", ")
            ),
        ));
    }
    let [secret_key, publishable_key, webhook_secret] =
        [0, 1, 2].map(|i| keys[i].clone().unwrap_or_default());
    if !(secret_key.starts_with("sk_") || secret_key.starts_with("rk_")) {
        return Err(bad(
            "STRIPE_SECRET_KEY",
            "***",
            "a Stripe secret key (sk_… or rk_…)",
        ));
    }
    if !publishable_key.starts_with("pk_") {
        return Err(bad(
            "STRIPE_PUBLISHABLE_KEY",
            &publishable_key,
            "a Stripe publishable key (pk_…)",
        ));
    }
    let api_base = match get("STRIPE_API_BASE") {
        None => None,
        Some(v) if v.starts_with("http://") || v.starts_with("https://") => {
            Some(v.trim_end_matches('/').to_owned())
        }
        Some(v) => return Err(bad("STRIPE_API_BASE", &v, "an http(s):// URL")),
    };
    let js_url = match (get("STRIPE_JS_URL"), &api_base) {
        (Some(v), _) if v.starts_with("http://") || v.starts_with("https://") => v,
        (Some(v), _) => return Err(bad("STRIPE_JS_URL", &v, "an http(s):// URL")),
        // localstripe serves its Stripe.js under this path of its API.
        (None, Some(base)) => format!("{base}/js.stripe.com/v3/"),
        (None, None) => "https://js.stripe.com/v3/".to_owned(),
    };
    Ok(Some(StripeSettings {
        secret_key,
        publishable_key,
        webhook_secret,
        api_base,
        js_url,
    }))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{}", host.to_ascii_lowercase())
}

/// The admin made on first start from the environment.
#[derive(Clone)]
pub struct FirstAdmin {
    pub email: String,
    pub name: String,
    pub password: String,
}

impl Config {
    /// Cookies are marked `Secure` when the site is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of `PUBLIC_URL`: what a browser sends as `Origin`.
    pub fn public_origin(&self) -> String {
        let (scheme, rest) = self
            .public_url
            .split_once("://")
            .unwrap_or(("http", &self.public_url));
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        format!("{scheme}://{}", host.to_ascii_lowercase())
    }
}

impl Config {
    /// For `server routes`, which builds the app to read its router and
    /// serves nothing: any free port, and no first admin or demo data made.
    pub fn only_to_list_routes(mut self) -> Self {
        self.listen_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        self.first_admin = None;
        self.demo_data = false;
        self
    }
}

impl fmt::Debug for Config {
    /// Never prints secrets: the database URL may carry a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database", &redact_url(&self.database_url))
            .field("listen_addr", &self.listen_addr)
            .field("public_url", &self.public_url)
            .field("features", &self.features)
            .field("stripe", &self.stripe)
            .field("data_dir", &self.data_dir)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field(
                "vapid_private_key",
                &self.vapid_private_key.as_ref().map(|_| "***"),
            )
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("session_ttl", &self.session_ttl)
            .field("first_admin", &self.first_admin.as_ref().map(|a| &a.email))
            .field("demo_data", &self.demo_data)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/curbside.db";
pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
/// An HS256 key shorter than this is guessable offline from one token.
pub const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// Reads the process environment, after loading `.env` when there is one
    /// (variables already set win over the file).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Parses settings from any lookup, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

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

        let leptos_env = match get("LEPTOS_ENV").map(|v| v.to_ascii_uppercase()).as_deref() {
            None | Some("PROD") => Env::PROD,
            Some("DEV") => Env::DEV,
            Some(_) => {
                return Err(bad(
                    "LEPTOS_ENV",
                    &get("LEPTOS_ENV").unwrap_or_default(),
                    "DEV or PROD",
                ));
            }
        };

        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(bad("LOG_FORMAT", other, "pretty or json")),
        };

        let jwt_secret = get("JWT_SECRET");
        if let Some(secret) = &jwt_secret
            && secret.len() < MIN_SECRET_LEN
        {
            return Err(bad(
                "JWT_SECRET",
                "***",
                &format!(
                    "at least {MIN_SECRET_LEN} characters (or leave it unset to have one generated)"
                ),
            ));
        }
        let metrics_token = get("METRICS_TOKEN");
        if let Some(token) = &metrics_token
            && token.len() < 16
        {
            return Err(bad(
                "METRICS_TOKEN",
                "***",
                "at least 16 characters (or leave it unset to keep /metrics off)",
            ));
        }
        let trust_forwarded_for = match get("TRUST_FORWARDED_FOR") {
            Some(v) => parse_bool("TRUST_FORWARDED_FOR", &v)?,
            None => false,
        };

        let first_admin = match (get("ADMIN_EMAIL"), get("ADMIN_PASSWORD")) {
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
        };
        // Demo logins (their password is in the README) only when asked for,
        // and never where anyone but this machine could reach them.
        let demo_data = match get("DEMO_DATA") {
            Some(v) => parse_bool("DEMO_DATA", &v)?,
            None => false,
        };
        if demo_data && !is_loopback_url(&public_url) {
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

        let sources = |var: &'static str| match get(var) {
            Some(v) => parse_sources(&v)
                .map_err(|e| bad(var, &v, &format!("space-separated https:// origins ({e})"))),
            None => Ok(Vec::new()),
        };
        let map = MapSettings {
            tile_url: match get("MAP_TILE_URL") {
                None => MapSettings::default().tile_url,
                Some(v) if v.trim().is_empty() || v.trim() == "none" => None,
                Some(v) => {
                    tile_origin(&v).map_err(|e| {
                        bad("MAP_TILE_URL", &v, &format!("an https:// tile URL template with {{z}}/{{x}}/{{y}}, or none ({e})"))
                    })?;
                    Some(v)
                }
            },
            attribution: get("MAP_ATTRIBUTION").unwrap_or_else(|| OSM_ATTRIBUTION.to_owned()),
        };
        let mut img_src = sources("CSP_IMG_SRC")?;
        if let Some(url) = &map.tile_url
            && let Ok(origin) = tile_origin(url)
        {
            img_src.push(origin);
        }
        let eta_model = DistanceModel {
            road_factor: parse_float(&get, "ETA_ROAD_FACTOR", 1.3, 1.0, 3.0)?,
            speed_kmh: parse_float(&get, "ETA_SPEED_KMH", 30.0, 5.0, 130.0)?,
        };
        let location_trail = match get("LOCATION_TRAIL") {
            None => Trail::default(),
            Some(v) => {
                Trail::parse(&v).ok_or_else(|| bad("LOCATION_TRAIL", &v, "purge or coarse"))?
            }
        };
        let osrm_url = match get("OSRM_URL") {
            None => None,
            Some(v) if v.starts_with("http://") && v.len() > "http://".len() => Some(v),
            Some(v) => {
                return Err(bad(
                    "OSRM_URL",
                    &v,
                    "an http:// URL of an OSRM-compatible routing service beside the app (e.g. http://127.0.0.1:5000)",
                ));
            }
        };
        let stripe = stripe_settings(&get, features.enabled(Feature::Payments), &public_url)?;
        let s3 = s3_settings(&get)?;
        if let Some(s3) = &s3 {
            img_src.push(s3_origin(s3));
        }
        let mut content_policy = ContentPolicy {
            script_src: sources("CSP_SCRIPT_SRC")?,
            img_src,
            connect_src: sources("CSP_CONNECT_SRC")?,
            frame_src: sources("CSP_FRAME_SRC")?,
            dev_reload: leptos_env == Env::DEV,
        };
        // Browsers send photos straight to the bucket.
        if let Some(s3) = &s3 {
            content_policy.connect_src.push(s3_origin(s3));
        }
        // Stripe.js, the API it calls and the frames of its card form.
        if let Some(stripe) = stripe
            .as_ref()
            .filter(|_| features.enabled(Feature::Payments))
        {
            let js = origin_of(&stripe.js_url);
            let api = stripe
                .api_base
                .as_deref()
                .map_or_else(|| "https://api.stripe.com".to_owned(), origin_of);
            content_policy.script_src.push(js.clone());
            content_policy.connect_src.push(api);
            content_policy.frame_src.push(js);
            if stripe.api_base.is_none() {
                content_policy
                    .frame_src
                    .push("https://hooks.stripe.com".to_owned());
            }
        }

        let vapid_subject = get("VAPID_SUBJECT").unwrap_or_else(|| public_url.clone());
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
        Ok(Self {
            vapid_private_key: get("VAPID_PRIVATE_KEY").filter(|k| !k.trim().is_empty()),
            vapid_subject,
            push_allow_loopback_http,
            push_allowed_hosts,
            stripe,
            s3,
            photo_url_ttl: Duration::from_secs(parse_range(
                &get,
                "PHOTO_URL_TTL_SECS",
                3_600,
                1,
                7 * 24 * 3_600,
            )?),
            photo_retention: Duration::from_secs(
                parse_range(&get, "PHOTO_RETENTION_DAYS", 365, 1, 36_500)? * 24 * 3600,
            ),
            photo_concurrency: parse_range(&get, "PHOTO_PROCESSING_CONCURRENCY", 2, 1, 64)?
                as usize,
            photo_memory_mib: parse_range(
                &get,
                "PHOTO_DECODE_MEMORY_MB",
                256,
                app::backend::photos::min_memory_mib().into(),
                65_536,
            )? as u32,
            content_policy,
            map,
            eta_model,
            location_trail,
            osrm_url,
            osrm_timeout: Duration::from_millis(parse_range(
                &get,
                "OSRM_TIMEOUT_MS",
                2_000,
                100,
                60_000,
            )?),
            database_url,
            listen_addr,
            public_url: public_url.trim_end_matches('/').to_owned(),
            site_root: get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            hash_file: get("LEPTOS_HASH_FILE_NAME").unwrap_or_else(|| "hash.txt".into()),
            leptos_env,
            features,
            log_format,
            db_max_connections: parse_range(&get, "DB_MAX_CONNECTIONS", 10, 1, 1_000)? as u32,
            request_timeout: Duration::from_secs(parse_range(
                &get,
                "REQUEST_TIMEOUT_SECS",
                30,
                1,
                3_600,
            )?),
            data_dir: PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "./data".into())),
            jwt_secret,
            metrics_token,
            session_ttl: Duration::from_secs(parse_range(
                &get,
                "SESSION_TTL_SECS",
                30 * 24 * 3600,
                1,
                366 * 24 * 3600,
            )?),
            trust_forwarded_for,
            signups_per_hour: parse_range(&get, "SIGNUPS_PER_HOUR", 20, 1, 100_000)? as usize,
            messages_per_minute: parse_range(
                &get,
                "MESSAGES_PER_MINUTE",
                app::domain::chat::SENDS_PER_WINDOW as u64,
                0,
                100_000,
            )? as usize,
            first_admin,
            demo_data,
            events_retention: Duration::from_secs(
                parse_range(&get, "EVENTS_RETENTION_DAYS", 7, 1, 3_650)? * 24 * 3600,
            ),
            events_stream_buffer: parse_range(&get, "EVENTS_STREAM_BUFFER", 1024, 1, 1_000_000)?
                as usize,
            events_safety_poll: Duration::from_millis(parse_range(
                &get,
                "EVENTS_SAFETY_POLL_MS",
                2_000,
                100,
                3_600_000,
            )?),
        })
    }
}

/// `http://127.0.0.1:3000`, `http://localhost`, `http://[::1]:8080`: reachable from this machine only.
fn is_loopback_url(url: &str) -> bool {
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

fn bad(var: &'static str, value: &str, expected: &str) -> ConfigError {
    ConfigError {
        var,
        value: value.to_owned(),
        expected: expected.to_owned(),
    }
}

fn parse_bool(var: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(bad(var, v, "true, false, 1 or 0")),
    }
}

fn parse_float(
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

fn parse_range(
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
fn allowed_hosts(raw: &str) -> Result<Vec<String>, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work_on_a_fresh_machine() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.listen_addr.to_string(), DEFAULT_SITE_ADDR);
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.features, FeatureFlags::default());
        assert!(Feature::ALL.iter().all(|f| c.features.enabled(*f)));
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert!(c.jwt_secret.is_none());
        assert_eq!(c.session_ttl, Duration::from_secs(30 * 24 * 3600));
        assert_eq!(c.events_retention, Duration::from_secs(7 * 24 * 3600));
        assert_eq!(c.events_safety_poll, Duration::from_secs(2));
        assert_eq!(c.events_stream_buffer, 1024);
        assert!(!c.trust_forwarded_for);
        assert!(!c.secure_cookies());
        assert!(!c.demo_data);
        assert_eq!(c.map, MapSettings::default());
        assert_eq!(c.eta_model, DistanceModel::default());
        assert_eq!(c.location_trail, Trail::Purge);
        assert!(c.first_admin.is_none());
    }

    #[test]
    fn demo_data_only_when_asked_for_and_only_on_a_loopback_address() {
        assert!(!parse(&[]).unwrap().demo_data);
        assert!(parse(&[("DEMO_DATA", "true")]).unwrap().demo_data);
        assert!(!parse(&[("DEMO_DATA", "false")]).unwrap().demo_data);
        for local in [
            "http://localhost:3000",
            "http://[::1]:8080",
            "http://127.0.0.2/",
        ] {
            let c = parse(&[("PUBLIC_URL", local), ("DEMO_DATA", "true")]).unwrap();
            assert!(c.demo_data, "{local}");
        }
        for public in [
            "https://curbside.example.com",
            "http://192.168.1.20:3000",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
        ] {
            let err = parse(&[("PUBLIC_URL", public), ("DEMO_DATA", "true")])
                .err()
                .unwrap_or_else(|| panic!("{public} accepted demo data"));
            assert_eq!(err.var, "DEMO_DATA");
        }
        let listening_everywhere = parse(&[
            ("LEPTOS_SITE_ADDR", "0.0.0.0:3000"),
            ("PUBLIC_URL", "http://10.0.0.5:3000"),
            ("DEMO_DATA", "true"),
        ]);
        assert!(listening_everywhere.is_err());
        // A loopback public URL (or none, which defaults to one) does not
        // make a server listening on every interface safe.
        for listen in ["0.0.0.0:3000", "[::]:3000", "192.168.1.20:3000"] {
            for public in [None, Some("http://localhost:3000")] {
                let mut vars = vec![("LEPTOS_SITE_ADDR", listen), ("DEMO_DATA", "true")];
                vars.extend(public.map(|p| ("PUBLIC_URL", p)));
                let err = parse(&vars)
                    .err()
                    .unwrap_or_else(|| panic!("{listen} {public:?} accepted demo data"));
                assert_eq!(err.var, "DEMO_DATA");
            }
        }
        assert!(parse(&[("LEPTOS_SITE_ADDR", "[::1]:3000"), ("DEMO_DATA", "true")]).is_ok());
    }

    #[test]
    fn map_and_eta_settings_are_checked() {
        let c = parse(&[
            (
                "MAP_TILE_URL",
                "https://{s}.tiles.example.com/{z}/{x}/{y}.png",
            ),
            ("MAP_ATTRIBUTION", "© Example"),
            ("ETA_ROAD_FACTOR", "1.5"),
            ("ETA_SPEED_KMH", "40"),
            ("LOCATION_TRAIL", "coarse"),
        ])
        .unwrap();
        assert_eq!(c.content_policy.img_src, ["https://*.tiles.example.com"]);
        assert_eq!(c.map.attribution, "© Example");
        assert_eq!(
            (c.eta_model.road_factor, c.eta_model.speed_kmh),
            (1.5, 40.0)
        );
        assert_eq!(c.location_trail, Trail::Coarse);
        assert_eq!(c.osrm_url, None);
        let routed = parse(&[
            ("OSRM_URL", "http://127.0.0.1:5000"),
            ("OSRM_TIMEOUT_MS", "800"),
        ])
        .unwrap();
        assert_eq!(routed.osrm_url.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(routed.osrm_timeout, Duration::from_millis(800));
        let off = parse(&[("MAP_TILE_URL", "none")]).unwrap();
        assert_eq!(off.map.tile_url, None);
        assert!(off.content_policy.img_src.is_empty());
        for (var, value) in [
            ("MAP_TILE_URL", "http://tiles.example.com/{z}/{x}/{y}.png"),
            ("ETA_ROAD_FACTOR", "0.5"),
            ("ETA_SPEED_KMH", "fast"),
            ("LOCATION_TRAIL", "forever"),
            ("OSRM_URL", "https://router.example.com"),
            ("OSRM_URL", "osrm:5000"),
            ("OSRM_TIMEOUT_MS", "5"),
        ] {
            let e = parse(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var);
        }
    }

    #[test]
    fn policy_sources_are_origins_and_the_public_origin_is_what_browsers_send() {
        let c = parse(&[
            ("CSP_IMG_SRC", "https://*.tile.openstreetmap.org"),
            ("CSP_SCRIPT_SRC", "https://js.stripe.com"),
            ("PUBLIC_URL", "https://Curbside.example.com/app/"),
            ("ENABLE_PAYMENTS", "false"),
        ])
        .unwrap();
        // The default map tiles' origin is added to what the operator named.
        assert_eq!(
            c.content_policy.img_src,
            [
                "https://*.tile.openstreetmap.org",
                "https://tile.openstreetmap.org"
            ]
        );
        assert_eq!(c.content_policy.script_src, ["https://js.stripe.com"]);
        assert_eq!(c.public_origin(), "https://curbside.example.com");
        assert_eq!(parse(&[]).unwrap().public_origin(), "http://127.0.0.1:3000");
        let err = parse(&[("CSP_SCRIPT_SRC", "'unsafe-inline'")])
            .err()
            .unwrap();
        assert_eq!(err.var, "CSP_SCRIPT_SRC");
    }

    #[test]
    fn the_first_admin_needs_a_password_and_never_shows_it() {
        let err = parse(&[("ADMIN_EMAIL", "ops@example.com")]).err().unwrap();
        assert_eq!(err.var, "ADMIN_PASSWORD");
        let c = parse(&[
            ("ADMIN_EMAIL", "ops@example.com"),
            ("ADMIN_PASSWORD", "correct horse battery"),
        ])
        .unwrap();
        let admin = c.first_admin.as_ref().unwrap();
        assert_eq!(
            (admin.email.as_str(), admin.name.as_str()),
            ("ops@example.com", "Administrator")
        );
        assert!(!format!("{c:?}").contains("correct horse"));
    }

    #[test]
    fn a_public_site_taking_payments_needs_stripe_keys() {
        let err = parse(&[("PUBLIC_URL", "https://curbside.example.com")]).unwrap_err();
        for var in [
            "STRIPE_SECRET_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "ENABLE_PAYMENTS=false",
        ] {
            assert!(err.to_string().contains(var), "{err}");
        }
        // Without payments, or on this machine (the demo mode), no keys are needed.
        let off = parse(&[
            ("PUBLIC_URL", "https://curbside.example.com"),
            ("ENABLE_PAYMENTS", "false"),
        ]);
        assert!(off.unwrap().stripe.is_none());
        assert!(parse(&[]).unwrap().stripe.is_none());
    }

    #[test]
    fn an_s3_bucket_needs_its_keys_and_is_allowed_by_the_content_policy() {
        assert!(parse(&[]).unwrap().s3.is_none(), "local disk by default");
        let err = parse(&[("S3_BUCKET", "curbside-photos")]).unwrap_err();
        assert!(err.to_string().contains("S3_ACCESS_KEY_ID"), "{err}");
        let c = parse(&[
            ("S3_BUCKET", "curbside-photos"),
            ("S3_REGION", "eu-west-2"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"),
        ])
        .unwrap();
        let s3 = c.s3.as_ref().unwrap();
        assert_eq!(
            (s3.bucket.as_str(), s3.region.as_str()),
            ("curbside-photos", "eu-west-2")
        );
        let origin = "https://curbside-photos.s3.eu-west-2.amazonaws.com".to_owned();
        assert!(c.content_policy.img_src.contains(&origin));
        assert!(c.content_policy.connect_src.contains(&origin));
        assert!(!format!("{s3:?}").contains("wJalrXUtnFEMI"));
        let bad = parse(&[
            ("S3_BUCKET", "b"),
            ("S3_ENDPOINT", "localhost:5000"),
            ("S3_ACCESS_KEY_ID", "a"),
            ("S3_SECRET_ACCESS_KEY", "s"),
        ]);
        assert!(bad.unwrap_err().to_string().contains("S3_ENDPOINT"));
        assert!(parse(&[("PHOTO_URL_TTL_SECS", "0")]).is_err());
    }

    #[test]
    fn stripe_keys_go_together_and_are_kept_out_of_debug_output() {
        let err = parse(&[("STRIPE_SECRET_KEY", "sk_test_abc")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET missing"),
            "{err}"
        );
        let c = parse(&[
            ("STRIPE_SECRET_KEY", "sk_test_secretvalue"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_public"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_hookvalue"),
            ("STRIPE_API_BASE", "http://127.0.0.1:8420/"),
        ])
        .unwrap();
        let s = c.stripe.as_ref().unwrap();
        assert_eq!(s.js_url, "http://127.0.0.1:8420/js.stripe.com/v3/");
        assert!(
            c.content_policy
                .script_src
                .contains(&"http://127.0.0.1:8420".to_owned())
        );
        let shown = format!("{c:?}");
        assert!(shown.contains("pk_test_public"));
        assert!(
            !shown.contains("secretvalue") && !shown.contains("hookvalue"),
            "{shown}"
        );
        let bad = parse(&[
            ("STRIPE_SECRET_KEY", "pk_test_wrong"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_public"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_hookvalue"),
        ]);
        assert!(bad.unwrap_err().to_string().contains("STRIPE_SECRET_KEY"));
    }

    #[test]
    fn https_public_urls_get_secure_cookies() {
        let c = parse(&[
            ("PUBLIC_URL", "https://curbside.example.com/"),
            ("ENABLE_PAYMENTS", "false"),
        ])
        .unwrap();
        assert!(c.secure_cookies());
    }

    #[test]
    fn the_jwt_secret_never_appears_in_debug_output() {
        let secret = "s3cret-s3cret-s3cret-s3cret-s3cret";
        let c = parse(&[("JWT_SECRET", secret)]).unwrap();
        assert_eq!(c.jwt_secret.as_deref(), Some(secret));
        assert!(!format!("{c:?}").contains(secret));
    }

    #[test]
    fn each_flag_accepts_true_false_1_0() {
        for f in Feature::ALL {
            for (value, expected) in [
                ("false", false),
                ("0", false),
                ("FALSE", false),
                ("true", true),
                ("1", true),
            ] {
                let c = parse(&[(f.env_var(), value)]).unwrap();
                assert_eq!(c.features.enabled(f), expected, "{}={value}", f.env_var());
                for other in Feature::ALL.into_iter().filter(|o| *o != f) {
                    assert!(
                        c.features.enabled(other),
                        "{} changed {}",
                        f.env_var(),
                        other.env_var()
                    );
                }
            }
        }
    }

    #[test]
    fn photos_answer_to_the_plans_name_too_and_the_two_names_must_agree() {
        let off = parse(&[("ENABLE_PHOTO_UPLOADS", "false")]).unwrap();
        assert!(!off.features.enabled(Feature::Photos));
        let both = parse(&[("ENABLE_PHOTO_UPLOADS", "0"), ("ENABLE_PHOTOS", "false")]).unwrap();
        assert!(!both.features.enabled(Feature::Photos));
        let err =
            parse(&[("ENABLE_PHOTO_UPLOADS", "false"), ("ENABLE_PHOTOS", "true")]).unwrap_err();
        assert_eq!(err.var, "ENABLE_PHOTO_UPLOADS");
        assert!(err.to_string().contains("ENABLE_PHOTOS"), "{err}");
        let err = parse(&[("ENABLE_PHOTO_UPLOADS", "maybe")]).unwrap_err();
        assert_eq!(err.var, "ENABLE_PHOTO_UPLOADS");
    }

    #[test]
    fn a_bad_flag_names_its_variable_and_what_it_accepts() {
        for f in Feature::ALL {
            let err = parse(&[(f.env_var(), "maybe")]).unwrap_err();
            assert_eq!(err.var, f.env_var());
            let msg = err.to_string();
            assert!(
                msg.contains(f.env_var()) && msg.contains("true, false, 1 or 0"),
                "{msg}"
            );
        }
    }

    #[test]
    fn other_bad_values_name_their_variable() {
        for (var, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("LEPTOS_SITE_ADDR", "localhost"),
            ("PUBLIC_URL", "example.com"),
            ("LOG_FORMAT", "xml"),
            ("LEPTOS_ENV", "staging"),
            ("DB_MAX_CONNECTIONS", "0"),
            ("REQUEST_TIMEOUT_SECS", "soon"),
            ("JWT_SECRET", "too short"),
            ("SESSION_TTL_SECS", "0"),
            ("TRUST_FORWARDED_FOR", "yes"),
            ("DEMO_DATA", "maybe"),
        ] {
            let err = parse(&[(var, value)])
                .err()
                .unwrap_or_else(|| panic!("{var}={value} accepted"));
            assert_eq!(err.var, var);
            assert!(err.to_string().contains(var));
        }
    }

    #[test]
    fn settings_are_read() {
        let c = parse(&[
            ("DATABASE_URL", "postgres://app@db/curbside"),
            ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
            ("PUBLIC_URL", "https://curbside.example.com/"),
            ("LOG_FORMAT", "json"),
            ("ENABLE_PAYMENTS", "false"),
        ])
        .unwrap();
        assert_eq!(c.listen_addr.to_string(), "0.0.0.0:8080");
        assert_eq!(c.public_url, "https://curbside.example.com");
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let c = parse(&[("DATABASE_URL", "postgres://app:s3cret@db/curbside")]).unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("s3cret") && s.contains("app:***@db"), "{s}");
    }
}
