//! Ids as types: a job's id cannot be passed where a user's is expected.
//!
//! Each is the UUIDv7 text stored in the database and sent on the wire
//! (serde and sqlx see a plain string). Reading one as `&str` (`Deref`)
//! keeps SQL binds and URLs as they were.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        // Derived `Hash`/`Eq` are the text's, so a map keyed by ids can be
        // asked with a `&str`.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self == &other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    )+};
}

id_type! {
    /// An account: customer, mechanic or admin.
    UserId,
    /// A job a customer asked for.
    JobId,
    /// A mechanic's quote on a job.
    QuoteId,
    /// A vehicle in a customer's garage.
    VehicleId,
    /// A payment held, captured or refunded for a job.
    PaymentId,
    /// A photo of a job (also its storage key's stem).
    PhotoId,
    /// A conversation about a job between its customer and one mechanic.
    ThreadId,
    /// A chat message; the sender's client makes it, so a resend is known.
    MessageId,
    /// A report of a conversation to admins.
    ReportId,
    /// An entry of a user's notification centre.
    NotificationId,
    /// A device that receives pushes.
    DeviceId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_and_travels_as_its_text() {
        let id = JobId::from("0190a1b2-0000-7000-8000-000000000001");
        assert_eq!(id.as_str(), "0190a1b2-0000-7000-8000-000000000001");
        assert_eq!(id, "0190a1b2-0000-7000-8000-000000000001");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"0190a1b2-0000-7000-8000-000000000001\"");
        assert_eq!(serde_json::from_str::<JobId>(&json).unwrap(), id);
        assert_eq!(
            format!("/customer/jobs/{id}"),
            "/customer/jobs/0190a1b2-0000-7000-8000-000000000001"
        );
    }
}
