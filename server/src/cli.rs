//! The command line: serve (the default), or `admin create` to make an admin account.

use crate::config::Config;
use app::backend::{
    db,
    seed::{self, AdminSource},
};
use app::domain::Timestamp;
use std::io::IsTerminal;

pub const USAGE: &str = "\
usage:
  server                                          run the web app
  server admin create --email EMAIL --name NAME   make an admin account
                                                  (asks for the password, or reads
                                                  ADMIN_PASSWORD when not run in a terminal)
  server routes                                   list every route the app serves
                                                  (METHOD PATH, one per line)";

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    CreateAdmin { email: String, name: String },
    Routes,
    Help,
}

/// Reads the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Command, String> {
    match args {
        [] => Ok(Command::Serve),
        [h] if h == "-h" || h == "--help" || h == "help" => Ok(Command::Help),
        [r] if r == "routes" => Ok(Command::Routes),
        [admin, create, rest @ ..] if admin == "admin" && create == "create" => {
            let (mut email, mut name) = (None, None);
            let mut it = rest.iter();
            while let Some(flag) = it.next() {
                let (key, inline) = match flag.split_once('=') {
                    Some((k, v)) => (k, Some(v.to_owned())),
                    None => (flag.as_str(), None),
                };
                let slot = match key {
                    "--email" => &mut email,
                    "--name" => &mut name,
                    other => return Err(format!("unknown option {other:?}")),
                };
                let value = inline
                    .or_else(|| it.next().cloned())
                    .ok_or_else(|| format!("{key} needs a value"))?;
                *slot = Some(value);
            }
            Ok(Command::CreateAdmin {
                email: email.ok_or("--email is required")?,
                name: name.ok_or("--name is required")?,
            })
        }
        _ => Err(format!("unknown command {:?}", args.join(" "))),
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

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn reads_admin_create_with_either_flag_style() {
        let want = Command::CreateAdmin {
            email: "ops@example.com".into(),
            name: "Ops".into(),
        };
        assert_eq!(
            parse(&args("admin create --email ops@example.com --name Ops")),
            Ok(want)
        );
        let want = Command::CreateAdmin {
            email: "ops@example.com".into(),
            name: "Ops".into(),
        };
        assert_eq!(
            parse(&args("admin create --name=Ops --email=ops@example.com")),
            Ok(want)
        );
        assert_eq!(parse(&[]), Ok(Command::Serve));
        assert_eq!(parse(&args("--help")), Ok(Command::Help));
        assert_eq!(parse(&args("routes")), Ok(Command::Routes));
    }

    #[test]
    fn says_what_is_missing_or_unknown() {
        assert_eq!(
            parse(&args("admin create --email ops@example.com")),
            Err("--name is required".into())
        );
        assert_eq!(
            parse(&args("admin create --email")),
            Err("--email needs a value".into())
        );
        assert!(
            parse(&args("admin create --role admin"))
                .unwrap_err()
                .contains("--role")
        );
        assert!(parse(&args("migrate")).unwrap_err().contains("migrate"));
    }
}
