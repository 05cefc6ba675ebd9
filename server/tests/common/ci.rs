//! Whether this is a CI run, which the tests' kit and the benches ask.

/// Whether this is a CI run (`CI` set to true, 1 or yes, in any case), where
/// every test must run and a missing service fails it instead of skipping it.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}
