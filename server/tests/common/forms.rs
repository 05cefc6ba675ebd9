//! The forms the API takes, built once for the tests and the benchmarks
//! (`examples/common` includes this file).

/// A quote with a labour line and a parts line, as the mechanic's form sends it.
pub fn quote_form(job: &str, labour: &str, parts: &str) -> Vec<(String, String)> {
    [
        ("job_id", job),
        ("items[0][kind]", "labour"),
        ("items[0][description]", "Replace front pads"),
        ("items[0][amount]", labour),
        ("items[1][kind]", "parts"),
        ("items[1][description]", "Brake pads (pair)"),
        ("items[1][amount]", parts),
        ("note", "Genuine parts."),
        ("arrival_minutes", "45"),
        ("valid_hours", "24"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}
