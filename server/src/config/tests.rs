//! Every setting's default, range and error message.

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
    let err = parse(&[("ENABLE_PHOTO_UPLOADS", "false"), ("ENABLE_PHOTOS", "true")]).unwrap_err();
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
