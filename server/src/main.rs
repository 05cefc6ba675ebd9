//! `server`: runs the Curbside web app.

use app::{
    backend::seed::{DEMO_PASSWORD, DemoLogin},
    domain::AccountStatus,
};
use clap::Parser;
use server::{
    cli::{self, AdminCommand, Cli, Command},
    config::{Config, redact_url},
    startup::Application,
    telemetry,
};
use std::{process::ExitCode, time::Instant};

fn main() -> ExitCode {
    // Before the runtime starts its threads.
    server::memory::tune_allocator();
    // Two crypto providers are linked (ring for Stripe's client, aws-lc-rs
    // for the S3 SDK's); without a default, the first TLS client made
    // without naming one panics.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match tokio::runtime::Runtime::new() {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let started = Instant::now();
    // Exits with clap's usage text (status 2) on a wrong command, or prints
    // the help or version and exits 0.
    let command = Cli::parse().into_command();
    let config = match Config::from_env() {
        Ok(c) if command == Command::Routes => c.only_to_list_routes(),
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("Fix the setting (see README.md, \"Configuration\") and start again.");
            return ExitCode::from(2);
        }
    };
    let telemetry = telemetry::init(config.log_format);
    let code = serve(&command, &config, started).await;
    telemetry.shutdown();
    code
}

async fn serve(command: &Command, config: &Config, started: Instant) -> ExitCode {
    if let Command::Admin(AdminCommand::Create { email, name }) = command {
        return match cli::create_admin(config, email, name).await {
            Ok(done) => {
                println!("{done}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    tracing::info!(?config, "starting");
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if *command == Command::Routes {
        for (method, path) in &app.routes {
            println!("{method} {path}");
        }
        return ExitCode::SUCCESS;
    }
    // Tests and scripts read the bound address from this line.
    println!(
        "Curbside is listening on http://{} (public URL {}, database {}), ready in {} ms",
        app.addr,
        config.public_url,
        redact_url(&config.database_url),
        started.elapsed().as_millis()
    );
    if let Some(admin) = &app.first_admin {
        println!(
            "Created the first admin, {} <{}>, from ADMIN_EMAIL.",
            admin.name, admin.email
        );
    }
    if let Some(logins) = &app.demo_logins {
        print_demo_logins(logins, &config.public_url);
    }
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Printed once, on the start that added the demo data.
fn print_demo_logins(logins: &[DemoLogin], public_url: &str) {
    println!(
        "\nDemo data added (because DEMO_DATA=true). Log in at {public_url}/login \
         with password \"{DEMO_PASSWORD}\":"
    );
    for l in logins {
        let what = match l.status {
            AccountStatus::PendingApproval => format!("{} (awaiting approval)", l.role.label()),
            _ => l.role.label().to_owned(),
        };
        println!("  {:<34} {:<16} {what}", l.email, l.name);
    }
    println!();
}
