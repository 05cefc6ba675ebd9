//! The command line: serve (the default), `admin create` to make an admin
//! account, `routes` to list what the app serves.

use crate::config::Config;
use app::backend::{
    db,
    seed::{self, AdminSource},
};
use app::domain::Timestamp;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;

/// Curbside: an on-demand mobile-mechanic platform (web app and API).
///
/// With no command it serves the app; every setting comes from the
/// environment or a `.env` file (see README.md, "Configuration").
#[derive(Debug, Parser)]
#[command(name = "server", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Run the web app (the default).
    Serve,
    /// Manage admin accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// List every route the app serves (METHOD PATH, one per line), read
    /// from the router the app builds with these settings (it connects to
    /// the database and brings its schema up to date, as a start does).
    Routes,
}

#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum AdminCommand {
    /// Make an admin account.
    ///
    /// Asks for the password twice on a terminal; otherwise (scripts,
    /// containers) reads it from ADMIN_PASSWORD.
    Create {
        /// The admin's email address, used to log in.
        #[arg(long)]
        email: String,
        /// The name shown in the console and the audit log.
        #[arg(long)]
        name: String,
    },
}

impl Cli {
    /// The command to run; none means serve.
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve)
    }
}

/// `server admin create`: returns the message to print, or the error.
pub async fn create_admin(config: &Config, email: &str, name: &str) -> Result<String, String> {
    let password = read_password(email)?;
    let pool = db::connect(&config.database_url, 1)
        .await
        .map_err(|e| e.to_string())?;
    db::migrate(&pool).await.map_err(|e| e.to_string())?;
    let admin = seed::create_admin(
        &pool,
        email,
        name,
        password,
        AdminSource::CommandLine,
        Timestamp::now(),
    )
    .await
    .map_err(|e| match e.for_field("password") {
        Some(m) => format!("password: {m}"),
        None => e.to_string(),
    })?;
    pool.close().await;
    Ok(format!(
        "Admin {} <{}> created. Log in at {}/login",
        admin.name, admin.email, config.public_url
    ))
}

/// Asks twice on a terminal; otherwise (scripts, containers) reads `ADMIN_PASSWORD`.
fn read_password(email: &str) -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {email}: "))
            .map_err(|e| format!("could not read the password: {e}"))?;
        let again = rpassword::prompt_password("Same password again: ")
            .map_err(|e| format!("could not read the password: {e}"))?;
        if first != again {
            return Err("the two passwords differ; nothing was created".into());
        }
        Ok(first)
    } else {
        std::env::var("ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                "not a terminal, so the password is read from ADMIN_PASSWORD, which is not set"
                    .into()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, error::ErrorKind};

    fn parse(s: &str) -> Result<Command, ErrorKind> {
        Cli::try_parse_from(std::iter::once("server").chain(s.split_whitespace()))
            .map(Cli::into_command)
            .map_err(|e| e.kind())
    }

    #[test]
    fn the_definition_is_consistent() {
        <Cli as CommandFactory>::command().debug_assert();
    }

    #[test]
    fn reads_admin_create_with_either_flag_style() {
        let want = Command::Admin(AdminCommand::Create {
            email: "ops@example.com".into(),
            name: "Ops".into(),
        });
        assert_eq!(
            parse("admin create --email ops@example.com --name Ops"),
            Ok(want)
        );
        let want = Command::Admin(AdminCommand::Create {
            email: "ops@example.com".into(),
            name: "Ops".into(),
        });
        assert_eq!(
            parse("admin create --name=Ops --email=ops@example.com"),
            Ok(want)
        );
        assert_eq!(parse(""), Ok(Command::Serve));
        assert_eq!(parse("serve"), Ok(Command::Serve));
        assert_eq!(parse("routes"), Ok(Command::Routes));
    }

    #[test]
    fn help_and_version_answer_everywhere() {
        for args in [
            "--help",
            "admin --help",
            "admin create --help",
            "routes -h",
            "help admin create",
        ] {
            assert_eq!(parse(args), Err(ErrorKind::DisplayHelp), "{args}");
        }
        assert_eq!(parse("--version"), Err(ErrorKind::DisplayVersion));
    }

    #[test]
    fn says_what_is_missing_or_unknown() {
        assert_eq!(
            parse("admin create --email ops@example.com"),
            Err(ErrorKind::MissingRequiredArgument)
        );
        assert_eq!(parse("admin create --email"), Err(ErrorKind::InvalidValue));
        assert_eq!(
            parse("admin create --role admin"),
            Err(ErrorKind::UnknownArgument)
        );
        assert_eq!(parse("migrate"), Err(ErrorKind::InvalidSubcommand));
    }
}
