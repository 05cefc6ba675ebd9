//! Page data that the server renders with the page is handed to the browser
//! as JSON and read back with the same `serde_json` reader server functions
//! use for their answers.
//!
//! Why: `serde_json` compiles its deserializer once per input type *and*
//! per reader. Leptos reads resources from a `&str` (`from_str`) while
//! `server_fn` reads answers from bytes (`from_slice`), so every type a page
//! both loads and gets back from an action was in the bundle twice
//! (docs/PERFORMANCE.md, "What a phone downloads"). Everything the browser
//! decodes goes through [`decode`] instead.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{Serialize, de::DeserializeOwned};
use std::future::Future;

/// Decodes JSON the way server function answers are decoded (`from_slice`).
pub fn decode<T: DeserializeOwned>(json: &str) -> serde_json::Result<T> {
    serde_json::from_slice(json.as_bytes())
}

/// The wire format of [`Loaded`]: the JSON Leptos uses by default, read by [`decode`].
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(json: &str) -> Result<T, serde_json::Error> {
        decode(json)
    }
}

/// A resource whose value the server renders into the page as [`Json`].
pub type Loaded<T> = Resource<T, Json>;

/// [`Resource::new`], with its value carried as [`Json`].
#[track_caller]
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_the_server_writes() {
        let value: Result<Option<Vec<(String, i64)>>, String> =
            Ok(Some(vec![("job \"7\" ✓".into(), 42)]));
        let json = <Json as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Option<Vec<(String, i64)>>, String> =
            <Json as Decoder<_>>::decode(&json).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn bad_json_is_an_error() {
        assert!(decode::<Vec<i64>>("[1, 2").is_err());
    }
}
