//! The job flow's opening moves, shared by the jobs and live-events tests:
//! a customer with a car and a job, mechanics near it, quotes and moves.

use super::{Auth, Reply, TestApp, pairs};

pub const PW: &str = "correct horse battery";
pub const ADMIN: &str = "ops@example.com";
#[allow(unused_imports)] // each test file uses some of them
pub use super::forms::{ADDRESS, JOB_AT, job_form};

/// A customer with one vehicle: their token and the vehicle's id.
pub async fn customer(app: &TestApp, email: &str) -> (String, String) {
    let token = app.register("customer", "Priya Shah", email, PW).await;
    let id = add_vehicle(app, &token, Some("1HGCM82633A004352")).await;
    (token, id)
}

/// A blue Ford Focus added to `token`'s garage: its id.
pub async fn add_vehicle(app: &TestApp, token: &str, vin: Option<&str>) -> String {
    let mut form = pairs(&[
        ("year", "2016"),
        ("make", "Ford"),
        ("model", "Focus"),
        ("colour", "Blue"),
        ("plate", "ab12 cde"),
    ]);
    if let Some(vin) = vin {
        form.push(("vin".into(), vin.into()));
    }
    let r = app
        .post_pairs("/api/add_vehicle", &form, Auth::Bearer(token))
        .await;
    assert_eq!(r.status, 200, "add vehicle: {}", r.body);
    r.json["id"].as_str().unwrap().to_owned()
}

pub async fn request_job(app: &TestApp, token: &str, vehicle: &str) -> String {
    let r = app
        .post_pairs("/api/request_job", &job_form(vehicle), Auth::Bearer(token))
        .await;
    assert_eq!(
        r.status,
        200,
        "request job: {} {}",
        r.body,
        app.stdout.lock().unwrap().join("\n")
    );
    assert_eq!(r.json["status"], "requested");
    r.json["id"].as_str().unwrap().to_owned()
}

/// The start most tests share: an admin, Priya with her car, and her brakes job.
pub struct Requested {
    pub admin: String,
    pub customer: String,
    pub job: String,
}

pub async fn requested(app: &TestApp) -> Requested {
    let admin = app.admin(ADMIN, PW).await;
    let (customer, vehicle) = customer(app, "priya@example.com").await;
    let job = request_job(app, &customer, &vehicle).await;
    Requested {
        admin,
        customer,
        job,
    }
}

pub struct Mechanic {
    pub token: String,
    pub id: String,
}

/// A mechanic with a profile based at (lat, lng), approved unless `approve` is false.
pub async fn mechanic(
    app: &TestApp,
    admin: &str,
    email: &str,
    at: (&str, &str),
    radius: &str,
    available: bool,
    approve: bool,
) -> Mechanic {
    let token = app.register("mechanic", "Dan Okafor", email, PW).await;
    let mut form = pairs(&[
        ("display_name", &format!("{email} Mobile")),
        ("skills[]", "brakes"),
        ("skills[]", "tyres"),
        ("years_experience", "9"),
        ("base_lat", at.0),
        ("base_lng", at.1),
        ("base_address", "Somewhere, London"),
        ("radius_km", radius),
    ]);
    if available {
        form.push(("available".into(), "on".into()));
    }
    let r = app
        .post_pairs("/api/save_profile", &form, Auth::Bearer(&token))
        .await;
    assert_eq!(r.status, 200, "save profile: {}", r.body);
    let me = app.get("/api/me", Auth::Bearer(&token)).await;
    let id = me.json["id"].as_str().unwrap().to_owned();
    if approve {
        let r = app
            .post(
                "/api/admin_review",
                &[("id", &id), ("action", "approve"), ("reason", "")],
                Auth::Bearer(admin),
            )
            .await;
        assert_eq!(r.status, 200, "approve: {}", r.body);
    }
    Mechanic { token, id }
}

/// Camden base, 12 km: in range of the job.
pub async fn near_mechanic(app: &TestApp, admin: &str, email: &str) -> Mechanic {
    mechanic(app, admin, email, ("51.5450", "-0.1500"), "12", true, true).await
}

pub use super::forms::quote_form;

pub async fn quote(app: &TestApp, m: &Mechanic, job: &str, labour: &str, parts: &str) -> Reply {
    app.post_pairs(
        "/api/send_quote",
        &quote_form(job, labour, parts),
        Auth::Bearer(&m.token),
    )
    .await
}

/// `m` quotes on `job` (labour and parts, in pounds) and `customer` books
/// them: the job is accepted. Answers the quote's id.
pub async fn book(
    app: &TestApp,
    customer: &str,
    m: &Mechanic,
    job: &str,
    (labour, parts): (&str, &str),
) -> String {
    let q = quote(app, m, job, labour, parts).await;
    assert_eq!(q.status, 200, "quote: {}", q.body);
    let id = q.json["id"].as_str().unwrap().to_owned();
    let a = app
        .post("/api/accept_quote", &[("id", &id)], Auth::Bearer(customer))
        .await;
    assert_eq!(a.status, 200, "accept: {}", a.body);
    id
}

pub async fn view(app: &TestApp, token: &str, job: &str) -> Reply {
    app.get(&format!("/api/job?id={job}"), Auth::Bearer(token))
        .await
}

pub async fn move_to(app: &TestApp, token: &str, job: &str, status: &str) -> Reply {
    app.post(
        "/api/update_job_status",
        &[("id", job), ("status", status)],
        Auth::Bearer(token),
    )
    .await
}
