//! Session tokens: a signed JWT that names a row in `sessions`, so revoking the row ends the token.

use crate::domain::UserId;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// What a token carries. Who the user is and whether the session still
/// stands are read from the database on every request; the token only
/// proves which session it was issued for, and until when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The session id.
    pub sid: String,
    /// The user id.
    pub sub: UserId,
    /// Issued at, unix seconds.
    pub iat: i64,
    /// Expires at, unix seconds.
    pub exp: i64,
}

/// The HMAC key, from `JWT_SECRET` or the secret file under the data directory.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is exact: the sessions table is the authority, and it has no leeway either.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// The claims of a well-signed, unexpired token; `None` for anything else.
    pub fn read(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|t| t.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp_from_now: i64) -> Claims {
        let now = crate::domain::Timestamp::now().millis() / 1000;
        Claims {
            sid: "s1".into(),
            sub: "u1".into(),
            iat: now,
            exp: now + exp_from_now,
        }
    }

    #[test]
    fn a_token_reads_back_with_its_key_only() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let token = keys.issue(&claims(60)).unwrap();
        assert_eq!(keys.read(&token).unwrap().sid, "s1");
        let other = TokenKeys::from_secret(b"another secret, just as long....");
        assert!(other.read(&token).is_none());
        assert!(keys.read("not.a.token").is_none());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let keys = TokenKeys::from_secret(b"0123456789abcdef0123456789abcdef");
        let token = keys.issue(&claims(-1)).unwrap();
        assert!(keys.read(&token).is_none());
    }
}
