//! Stripe's webhook signature: `Stripe-Signature: t=<unix secs>,v1=<hex>`
//! where the hex is HMAC-SHA256 of `<t>.<raw body>` under the endpoint's
//! secret. Checked in constant time and refused when older than the
//! tolerance, so a captured request cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Stripe's own default: five minutes.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No header, or not `t=…,v1=…`.
    Malformed,
    /// Signed too long ago (or too far in the future).
    Stale,
    /// No `v1` signature matches the body.
    Mismatch,
}

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignatureError::Malformed => "missing or malformed Stripe-Signature header",
            SignatureError::Stale => "the signature's timestamp is outside the tolerance",
            SignatureError::Mismatch => "no signature matches the payload",
        })
    }
}

/// Checks `header` against `body` at `now_secs`.
pub fn verify(
    header: &str,
    body: &[u8],
    secret: &str,
    now_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now_secs - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    for sig in signatures {
        let Ok(expected) = hex::decode(sig) else {
            continue;
        };
        let mac = mac(secret, t, body);
        if mac.verify_slice(&expected).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// The header Stripe would send for `body` at `t` (used by tests and tools).
pub fn sign(body: &[u8], secret: &str, t: i64) -> String {
    let tag = mac(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(tag))
}

fn mac(secret: &str, t: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

    #[test]
    fn a_fresh_signature_of_the_body_passes() {
        let header = sign(BODY, SECRET, 1_000_000);
        assert_eq!(verify(&header, BODY, SECRET, 1_000_010), Ok(()));
        // Stripe lists several v1 signatures while a secret is being rolled.
        let rolled = format!("t=1000000,v1=00ff,{}", &header[10..]);
        assert_eq!(verify(&rolled, BODY, SECRET, 1_000_010), Ok(()));
    }

    #[test]
    fn a_changed_body_or_another_secret_fails() {
        let header = sign(BODY, SECRET, 1_000_000);
        let tampered = br#"{"id":"evt_1","type":"charge.refunded"}"#;
        assert_eq!(
            verify(&header, tampered, SECRET, 1_000_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, BODY, "whsec_other", 1_000_000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn an_old_or_future_timestamp_fails_even_when_signed_right() {
        let header = sign(BODY, SECRET, 1_000_000);
        assert_eq!(
            verify(&header, BODY, SECRET, 1_000_000 + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&header, BODY, SECRET, 1_000_000 - TOLERANCE_SECS - 1),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn malformed_headers_fail() {
        for h in ["", "v1=abcd", "t=12", "t=abc,v1=00", "garbage"] {
            assert_eq!(
                verify(h, BODY, SECRET, 12),
                Err(SignatureError::Malformed),
                "{h}"
            );
        }
    }
}
