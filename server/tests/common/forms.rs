//! The forms the API takes, built once for the tests and the benchmarks
//! (`examples/common` includes this file).

/// Where the test customer's car is: Parkway, Camden.
pub const JOB_AT: (&str, &str) = ("51.5390", "-0.1426");
pub const ADDRESS: &str = "12 Parkway, London NW1 7AA";

/// A brakes job for `vehicle`, at (`lat`, `lng`), as the request form sends it.
pub fn job_form_at(vehicle: &str, lat: &str, lng: &str) -> Vec<(String, String)> {
    [
        ("vehicle_id", vehicle),
        ("category", "brakes"),
        ("description", "Grinding noise from the front when braking."),
        ("lat", lat),
        ("lng", lng),
        ("address", ADDRESS),
        ("locality", "Camden, London"),
        ("urgency", "asap"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The same job where the test customer's car is.
pub fn job_form(vehicle: &str) -> Vec<(String, String)> {
    job_form_at(vehicle, JOB_AT.0, JOB_AT.1)
}

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
