//! Numbers sent in form fields, read once, when the request is decoded.
//!
//! A server function argument typed `f64` would turn `lat=north` into a
//! decoding error that names neither the field nor what was sent. A
//! [`Reading`] keeps the text it could not read, so the function refuses
//! it in the app's own words (`AppError::invalid` on that field).

use super::{AppError, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::{fmt, marker::PhantomData, str::FromStr};

/// A number as a form field carried it: read, or the text that was not one.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading<T> {
    Number(T),
    Unreadable(String),
}

impl<T> From<T> for Reading<T> {
    fn from(v: T) -> Self {
        Reading::Number(v)
    }
}

impl Reading<f64> {
    /// The number, finite, or why the field was refused.
    pub fn number(self, field: &str) -> Result<f64, AppError> {
        match self {
            Reading::Number(v) if v.is_finite() => Ok(v),
            Reading::Number(v) => Err(not_a_number(field, &v.to_string())),
            Reading::Unreadable(t) => Err(not_a_number(field, &t)),
        }
    }

    /// Like [`Reading::number`]; a field not sent, or sent empty, is `None`.
    pub fn optional(reading: Option<Self>, field: &str) -> Result<Option<f64>, AppError> {
        match reading {
            None => Ok(None),
            Some(Reading::Unreadable(t)) if t.trim().is_empty() => Ok(None),
            Some(r) => r.number(field).map(Some),
        }
    }
}

impl Reading<i64> {
    /// An instant sent as milliseconds since 1970.
    pub fn millis(self, field: &str) -> Result<Timestamp, AppError> {
        match self {
            Reading::Number(ms) => Ok(Timestamp::from_millis(ms)),
            Reading::Unreadable(t) => Err(AppError::invalid(
                field,
                format!("{field} must be a time in ms since 1970, not {t:?}."),
            )),
        }
    }
}

fn not_a_number(field: &str, sent: &str) -> AppError {
    AppError::invalid(field, format!("{field} must be a number, not {sent:?}."))
}

impl<T: Serialize> Serialize for Reading<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Reading::Number(v) => v.serialize(s),
            Reading::Unreadable(t) => s.serialize_str(t),
        }
    }
}

impl<'de, T: FromStr> Deserialize<'de> for Reading<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(PhantomData<T>);

        impl<T: FromStr> de::Visitor<'_> for Visit<T> {
            type Value = Reading<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(match s.trim().parse() {
                    Ok(v) => Reading::Number(v),
                    Err(_) => Reading::Unreadable(s.to_owned()),
                })
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
        }

        d.deserialize_any(Visit(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: FromStr>(json: &str) -> Reading<T> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_field_is_read_once_and_an_unreadable_one_is_refused_by_name() {
        assert_eq!(read::<f64>("\" 51.5 \"").number("lat").unwrap(), 51.5);
        assert_eq!(read::<f64>("-0.12").number("lng").unwrap(), -0.12);
        let e = read::<f64>("\"north\"").number("lat").unwrap_err();
        assert_eq!(
            e.for_field("lat").unwrap(),
            "lat must be a number, not \"north\"."
        );
        assert!(read::<f64>("\"inf\"").number("lat").is_err());
        assert!(read::<f64>("\"NaN\"").number("lat").is_err());
        let at = read::<i64>("\"1700000000000\"").millis("at").unwrap();
        assert_eq!(at, Timestamp::from_millis(1_700_000_000_000));
        let e = read::<i64>("\"soon\"").millis("at").unwrap_err();
        assert!(e.for_field("at").unwrap().contains("ms since 1970"));
    }

    #[test]
    fn an_optional_field_sent_empty_is_not_sent() {
        assert_eq!(Reading::optional(None, "heading").unwrap(), None);
        assert_eq!(
            Reading::optional(Some(read("\" \"")), "heading").unwrap(),
            None
        );
        assert_eq!(
            Reading::optional(Some(read("\"90\"")), "heading").unwrap(),
            Some(90.0)
        );
        assert!(Reading::optional(Some(read("\"east\"")), "heading").is_err());
    }

    #[test]
    fn a_number_goes_out_as_a_number() {
        assert_eq!(serde_json::to_string(&Reading::from(51.5)).unwrap(), "51.5");
        assert_eq!(serde_json::to_string(&Reading::from(7_i64)).unwrap(), "7");
    }
}
