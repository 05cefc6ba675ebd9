//! Marks integration tests whose backing service is not set up here as
//! ignored, so the runner counts them as not run rather than passed: the
//! PostgreSQL halves without `TEST_POSTGRES_URL`, and the tests of Stripe,
//! S3 and Web Push without the stand-in the scripts start (localstripe,
//! moto, web-push-testing). In CI (`CI=true`, any case) they always run,
//! and fail without their service.

/// Each cfg and the setting whose absence sets it.
const NEEDS: [(&str, &str); 4] = [
    ("no_test_postgres", "TEST_POSTGRES_URL"),
    ("no_localstripe", "TEST_STRIPE_API_BASE"),
    ("no_moto", "TEST_S3_ENDPOINT"),
    ("no_push_service", "TEST_PUSH_SERVICE"),
];

fn main() {
    println!("cargo::rerun-if-env-changed=CI");
    let ci = std::env::var("CI")
        .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"));
    for (cfg, setting) in NEEDS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={setting}");
        let set = std::env::var(setting).is_ok_and(|u| !u.trim().is_empty());
        if !set && !ci {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
