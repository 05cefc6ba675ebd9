//! Signed URLs for photos on local disk: HMAC-SHA256 over what the URL
//! allows (read or upload), the object's key, the user it was made for,
//! the upload's size and type, and when it ends. Changing any of them (the
//! job in the key included) breaks the signature.

use crate::domain::Timestamp;
use crate::domain::UserId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a signed URL lets its holder do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlGrant {
    pub upload: bool,
    pub key: String,
    pub user: UserId,
    /// Upload only: the exact size and type.
    pub len: u64,
    pub content_type: String,
    pub expires_at: Timestamp,
}

impl UrlGrant {
    pub fn read(key: &str, user: &UserId, expires_at: Timestamp) -> Self {
        Self {
            upload: false,
            key: key.to_owned(),
            user: user.to_owned(),
            len: 0,
            content_type: String::new(),
            expires_at,
        }
    }

    pub fn upload(
        key: &str,
        user: &UserId,
        len: u64,
        content_type: &str,
        expires_at: Timestamp,
    ) -> Self {
        Self {
            upload: true,
            key: key.to_owned(),
            user: user.to_owned(),
            len,
            content_type: content_type.to_owned(),
            expires_at,
        }
    }

    fn message(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            if self.upload { "PUT" } else { "GET" },
            self.key,
            self.user,
            self.len,
            self.content_type,
            self.expires_at.millis()
        )
    }
}

/// Why a signed URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the link is incomplete")]
    Malformed,
    #[error("the link's signature does not match")]
    BadSignature,
    #[error("the link has expired")]
    Expired,
    #[error("the link was made for someone else")]
    OtherUser,
}

#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    /// A key of its own, derived from the session secret, so a photo
    /// signature can never pass as a session token or the other way round.
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"curbside photo urls v1");
        Self {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self, grant: &UrlGrant) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(grant.message().as_bytes());
        mac
    }

    /// The query string that carries `grant` (the key is the URL's path).
    pub fn query(&self, grant: &UrlGrant) -> String {
        let sig = hex::encode(self.mac(grant).finalize().into_bytes());
        let mut q = format!("u={}&exp={}", grant.user, grant.expires_at.millis());
        if grant.upload {
            q.push_str(&format!(
                "&len={}&type={}",
                grant.len,
                grant.content_type.replace('/', "%2F")
            ));
        }
        q.push_str(&format!("&sig={sig}"));
        q
    }

    /// Checks a URL's parameters for `key`, made for `caller` (the signed-in
    /// user, if any), at `now`. The signature is checked first, in constant
    /// time; then who and when.
    pub fn verify(
        &self,
        upload: bool,
        key: &str,
        params: &SignedParams,
        caller: Option<&str>,
        now: Timestamp,
    ) -> Result<UrlGrant, Refusal> {
        let (Some(user), Some(exp), Some(sig)) = (&params.u, params.exp, &params.sig) else {
            return Err(Refusal::Malformed);
        };
        let grant = UrlGrant {
            upload,
            key: key.to_owned(),
            user: user.clone(),
            len: if upload {
                params.len.ok_or(Refusal::Malformed)?
            } else {
                0
            },
            content_type: if upload {
                params.r#type.clone().ok_or(Refusal::Malformed)?
            } else {
                String::new()
            },
            expires_at: Timestamp::from_millis(exp),
        };
        let sig = hex::decode(sig).map_err(|_| Refusal::BadSignature)?;
        self.mac(&grant)
            .verify_slice(&sig)
            .map_err(|_| Refusal::BadSignature)?;
        if now > grant.expires_at {
            return Err(Refusal::Expired);
        }
        if caller != Some(grant.user.as_str()) {
            return Err(Refusal::OtherUser);
        }
        Ok(grant)
    }
}

/// A signed URL's query parameters.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct SignedParams {
    pub u: Option<UserId>,
    pub exp: Option<i64>,
    pub len: Option<u64>,
    pub r#type: Option<String>,
    pub sig: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> SignedParams {
        let mut p = SignedParams::default();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            let v = v.replace("%2F", "/");
            match k {
                "u" => p.u = Some(v.into()),
                "exp" => p.exp = v.parse().ok(),
                "len" => p.len = v.parse().ok(),
                "type" => p.r#type = Some(v),
                "sig" => p.sig = Some(v),
                _ => {}
            }
        }
        p
    }

    const KEY: &str = "photos/job-a/p1/display.jpg";

    #[test]
    fn a_read_url_works_for_its_user_until_it_expires() {
        let signer = Signer::from_secret(b"secret");
        let now = Timestamp::from_millis(1_000_000);
        let q = signer.query(&UrlGrant::read(
            KEY,
            &UserId::from("alice"),
            now + std::time::Duration::from_secs(60),
        ));
        let p = params(&q);
        assert!(signer.verify(false, KEY, &p, Some("alice"), now).is_ok());
        assert_eq!(
            signer.verify(false, KEY, &p, Some("bob"), now),
            Err(Refusal::OtherUser)
        );
        assert_eq!(
            signer.verify(
                false,
                KEY,
                &p,
                Some("alice"),
                now + std::time::Duration::from_secs(61)
            ),
            Err(Refusal::Expired)
        );
        // Another job's key with this signature, or an upload with it.
        assert_eq!(
            signer.verify(false, "photos/job-b/p1/display.jpg", &p, Some("alice"), now),
            Err(Refusal::BadSignature)
        );
        let mut longer = p.clone();
        longer.exp = Some(p.exp.unwrap() + 1);
        assert_eq!(
            signer.verify(false, KEY, &longer, Some("alice"), now),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            Signer::from_secret(b"other").verify(false, KEY, &p, Some("alice"), now),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn an_upload_url_binds_its_size_and_type() {
        let signer = Signer::from_secret(b"secret");
        let now = Timestamp::from_millis(1_000_000);
        let grant = UrlGrant::upload(
            "uploads/p1",
            &UserId::from("alice"),
            1234,
            "image/jpeg",
            now + std::time::Duration::from_secs(60),
        );
        let p = params(&signer.query(&grant));
        assert_eq!(
            signer.verify(true, "uploads/p1", &p, Some("alice"), now),
            Ok(grant)
        );
        let mut bigger = p.clone();
        bigger.len = Some(99_999_999);
        assert_eq!(
            signer.verify(true, "uploads/p1", &bigger, Some("alice"), now),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            signer.verify(false, "uploads/p1", &p, Some("alice"), now),
            Err(Refusal::BadSignature)
        );
    }
}
