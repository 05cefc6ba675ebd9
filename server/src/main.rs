//! `server`: runs the Curbside web app.

use server::{
    config::{Config, redact_url},
    startup::Application,
    telemetry,
};
use std::{process::ExitCode, time::Instant};

#[tokio::main]
async fn main() -> ExitCode {
    let started = Instant::now();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("Fix the setting (see README.md, \"Configuration\") and start again.");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    tracing::info!(?config, "starting");
    let app = match Application::build(&config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Tests and scripts read the bound address from this line.
    println!(
        "Curbside is listening on http://{} (public URL {}, database {}), ready in {} ms",
        app.addr,
        config.public_url,
        redact_url(&config.database_url),
        started.elapsed().as_millis()
    );
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
