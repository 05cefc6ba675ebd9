//! Secrets from the environment, or generated once and kept in the data
//! directory: the token-signing secret (`JWT_SECRET`) and the push key
//! (`VAPID_PRIVATE_KEY`).

use std::{
    fs,
    io::{ErrorKind, Write},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};

pub const SECRET_FILE: &str = "jwt_secret";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("could not read or create the secret file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the secret file {path} is too short; delete it to have a new one generated (every session ends)"
    )]
    TooShort { path: PathBuf },
    #[error("could not get random bytes for a new secret: {0}")]
    Random(getrandom::Error),
}

/// The configured secret, or the one in `data_dir/jwt_secret`, created with
/// mode 0600 on first start. Kept across restarts so sessions survive them.
pub fn jwt_secret(configured: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, SecretError> {
    if let Some(s) = configured {
        return Ok(s.as_bytes().to_vec());
    }
    let made = kept(data_dir, SECRET_FILE, || {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(SecretError::Random)?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    })?;
    Ok(made.into_bytes())
}

pub const VAPID_FILE: &str = "vapid_private_key";

/// The configured VAPID private key, or the one in
/// `data_dir/vapid_private_key`, made by `generate` on first start. Kept
/// across restarts: every device's subscription is bound to its public key.
pub fn vapid_key(
    configured: Option<&str>,
    data_dir: &Path,
    generate: impl FnOnce() -> String,
) -> Result<String, SecretError> {
    match configured {
        Some(k) => Ok(k.to_owned()),
        None => kept(data_dir, VAPID_FILE, || Ok(generate())),
    }
}

/// The secret in `data_dir/name`, or a new one from `make` written there
/// with mode 0600 (another instance that wrote it first wins).
fn kept(
    data_dir: &Path,
    name: &str,
    make: impl FnOnce() -> Result<String, SecretError>,
) -> Result<String, SecretError> {
    let path = data_dir.join(name);
    let io = |source| SecretError::Io {
        path: path.clone(),
        source,
    };
    if let Some(secret) = read(&path)? {
        return Ok(secret);
    }
    fs::create_dir_all(data_dir).map_err(io)?;
    let secret = make()?;
    let created = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path);
    match created {
        Ok(mut f) => {
            f.write_all(secret.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
            tracing::info!(path = %path.display(), "generated a new secret");
            Ok(secret)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            read(&path)?.ok_or_else(|| io(ErrorKind::NotFound.into()))
        }
        Err(e) => Err(io(e)),
    }
}

/// The secret in `path`, or `None` when there is no such file yet.
fn read(path: &Path) -> Result<Option<String>, SecretError> {
    let io = |source| SecretError::Io {
        path: path.to_owned(),
        source,
    };
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let mode = fs::metadata(path).map_err(io)?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(path = %path.display(), mode = format!("{:o}", mode & 0o777), "secret file was readable by others; tightening to 0600");
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    let secret = text.trim();
    if secret.len() < crate::config::MIN_SECRET_LEN {
        return Err(SecretError::TooShort {
            path: path.to_owned(),
        });
    }
    Ok(Some(secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let first = jwt_secret(None, &data).unwrap();
        assert_eq!(first.len(), 64);
        let mode = fs::metadata(data.join(SECRET_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(jwt_secret(None, &data).unwrap(), first);
    }

    #[test]
    fn a_configured_secret_wins_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let s = jwt_secret(Some("from the environment, long enough!"), dir.path()).unwrap();
        assert_eq!(s, b"from the environment, long enough!");
        assert!(!dir.path().join(SECRET_FILE).exists());
    }

    #[test]
    fn an_open_secret_file_is_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SECRET_FILE);
        fs::write(&path, "a".repeat(64)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        jwt_secret(None, dir.path()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_generated_vapid_key_is_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = vapid_key(None, dir.path(), || "k".repeat(43)).unwrap();
        let again = vapid_key(None, dir.path(), || unreachable!("kept")).unwrap();
        assert_eq!(first, again);
        let mode = fs::metadata(dir.path().join(VAPID_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_truncated_secret_file_stops_start_up() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(SECRET_FILE), "short").unwrap();
        assert!(matches!(
            jwt_secret(None, dir.path()),
            Err(SecretError::TooShort { .. })
        ));
    }
}
