//! Who may call what: one table of every route the app serves, with the
//! callers it lets in, checked by calling each route as each kind of
//! caller, each with a real object of someone else's. `server routes`
//! lists the routes the live router serves; one missing from the table
//! fails the test, so every new endpoint must say who may call it here.
//! Every answer, let in or not, is searched for what its caller may not know.

mod common;

use common::{
    Auth, Reply, TestApp,
    fixtures::{AUTH_SECRET, P256DH, small_jpeg},
    flow::*,
    run_command,
};
use std::collections::{BTreeMap, BTreeSet};

/// The callers, in the order of each rule's `who` string.
const CALLERS: [&str; 10] = [
    "anonymous",
    "the owner (customer)",
    "another customer",
    "the mechanic who quoted (J) and is booked (B)",
    "a rival mechanic who quoted on B and lost",
    "a mechanic in radius who quoted nothing",
    "a mechanic out of radius",
    "a pending mechanic",
    "a suspended customer",
    "an admin",
];
const OWNER: usize = 1;
const BOOKED: usize = 3;
const RIVAL: usize = 4;
const ADMIN_: usize = 9;

/// One route and who gets past its checks: `who` has a letter per caller,
/// in `CALLERS` order: `y` let in, answered `ok` (for a deliberately bad
/// form, the 422 that says what is wrong; for a page, a 200 rather than a
/// redirect to login or to the caller's own area); `.` refused (401, 403,
/// 404, or a redirect away from a page); `c` refused with a 409 that says
/// why (a mechanic awaiting approval, a device that is someone else's).
struct Rule {
    method: &'static str,
    /// As `server routes` prints it (`{id}` for a parameter).
    route: &'static str,
    /// The request to send: `{J}` and friends are replaced by fixture ids.
    target: &'static str,
    form: &'static [(&'static str, &'static str)],
    who: &'static str,
    ok: u16,
    /// Ends sessions (this one, or all of the caller's): called with a
    /// fresh login, and the caller logs in again afterwards.
    fresh: bool,
    /// Uses up its object when let in: each caller gets a new one of the
    /// owner's, as `{NEW}`, so no caller is refused for an object an
    /// earlier caller spent.
    mint: Mint,
}

/// The owner's objects made anew for each call of a rule that spends them.
#[derive(Clone, Copy, PartialEq)]
enum Mint {
    Nothing,
    /// A spare vehicle.
    Vehicle,
    /// A photo of job B, listed.
    Photo,
    /// A photo of job B whose bytes were sent, not yet finished.
    SentUpload,
    /// An upload grant for job B; `{NEW}` is its signed link.
    UploadLink,
    /// A device registered for push.
    Device,
}

const fn rule(
    method: &'static str,
    route: &'static str,
    target: &'static str,
    form: &'static [(&'static str, &'static str)],
    who: &'static str,
    ok: u16,
) -> Rule {
    Rule {
        method,
        route,
        target,
        form,
        who,
        ok,
        fresh: false,
        mint: Mint::Nothing,
    }
}

const fn ending_session(mut r: Rule) -> Rule {
    r.fresh = true;
    r
}

const fn spending(mut r: Rule, mint: Mint) -> Rule {
    r.mint = mint;
    r
}

/// Fixture: the owner's job `J` (quoted by the booked mechanic; its
/// address `J_ADDRESS`; their conversation reported in `R`), the owner's
/// booked job `B` (at `ADDRESS`, accepted quote `QB`, its payment `PB`,
/// the rival's declined quote, a conversation with a message, a photo
/// whose signed thumbnail link is `{THUMB}`), the owner's notification `N` and device
/// endpoint `{ENDPOINT}`, the pending mechanic `P`, the owner's user id
/// `U`, the booked mechanic `M`.
/// A fix for B, posted as a form or sent as JSON over the location socket.
const A_FIX: &[(&str, &str)] = &[
    ("job", "{B}"),
    ("lat", "51.54"),
    ("lng", "-0.14"),
    ("accuracy", "10"),
    ("at", "1"),
];

const RULES: &[Rule] = &[
    rule("GET", "/healthz", "/healthz", &[], "yyyyyyyyyy", 200),
    // Off unless METRICS_TOKEN is set, and then for its holder only (tests/metrics.rs).
    rule("GET", "/metrics", "/metrics", &[], "..........", 0),
    rule("GET", "/readyz", "/readyz", &[], "yyyyyyyyyy", 200),
    // The installable app's files: the same for everyone (tests/pwa.rs).
    rule("GET", "/sw.js", "/sw.js", &[], "yyyyyyyyyy", 200),
    rule("GET", "/offline", "/offline", &[], "yyyyyyyyyy", 200),
    // Redirects everyone: to their area's home, visitors to the landing page.
    rule("GET", "/start", "/start", &[], "yyyyyyyyyy", 303),
    rule("GET", "/api/events", "/api/events", &[], ".yyyyyyy.y", 200),
    // The open job's stream: its customer, mechanics who may quote, admins.
    rule(
        "GET",
        "/api/events",
        "/api/events?job={J}",
        &[],
        ".y.yyy...y",
        200,
    ),
    rule(
        "GET",
        "/api/site_config",
        "/api/site_config",
        &[],
        "yyyyyyyyyy",
        200,
    ),
    // Accounts: bad forms, so nothing is made or changed.
    rule(
        "POST",
        "/api/register",
        "/api/register",
        &[
            ("name", ""),
            ("email", "x@example.com"),
            ("password", ""),
            ("role", "customer"),
        ],
        "yyyyyyyyyy",
        422,
    ),
    rule(
        "POST",
        "/api/login",
        "/api/login",
        &[("email", "x@example.com"), ("password", "")],
        "yyyyyyyyyy",
        422,
    ),
    ending_session(rule(
        "POST",
        "/api/logout",
        "/api/logout",
        &[],
        "yyyyyyyyyy",
        200,
    )),
    ending_session(rule(
        "POST",
        "/api/logout_everywhere",
        "/api/logout_everywhere",
        &[],
        ".yyyyyyy.y",
        200,
    )),
    rule("GET", "/api/me", "/api/me", &[], ".yyyyyyy.y", 200),
    rule(
        "POST",
        "/api/update_profile",
        "/api/update_profile",
        &[("name", "")],
        ".yyyyyyy.y",
        422,
    ),
    rule(
        "POST",
        "/api/change_password",
        "/api/change_password",
        &[("current_password", ""), ("new_password", "")],
        ".yyyyyyy.y",
        422,
    ),
    // The garage and jobs.
    rule(
        "GET",
        "/api/my_vehicles",
        "/api/my_vehicles",
        &[],
        ".yy.......",
        200,
    ),
    rule(
        "POST",
        "/api/add_vehicle",
        "/api/add_vehicle",
        &[
            ("year", "soon"),
            ("make", ""),
            ("model", ""),
            ("colour", ""),
            ("plate", ""),
        ],
        ".yy.......",
        422,
    ),
    spending(
        rule(
            "POST",
            "/api/remove_vehicle",
            "/api/remove_vehicle",
            &[("id", "{NEW}")],
            ".y........",
            200,
        ),
        Mint::Vehicle,
    ),
    rule(
        "POST",
        "/api/request_job",
        "/api/request_job",
        &[
            ("vehicle_id", ""),
            ("category", ""),
            ("description", ""),
            ("lat", ""),
            ("lng", ""),
            ("address", ""),
            ("locality", ""),
            ("urgency", "asap"),
        ],
        ".yy.......",
        422,
    ),
    rule(
        "GET",
        "/api/my_jobs",
        "/api/my_jobs",
        &[],
        ".yyyyyyy..",
        200,
    ),
    // An open job: its customer, the mechanics who may quote it, admins.
    rule("GET", "/api/job", "/api/job?id={J}", &[], ".y.yyy...y", 200),
    // A booked job: its customer, its mechanic, the mechanic who lost it
    // (to see how their quote fared), admins.
    rule("GET", "/api/job", "/api/job?id={B}", &[], ".y.yy....y", 200),
    // Those who may act on a booked job get past the door (completed is not
    // a legal next step, so they get a 409 and nothing moves); which moves
    // each may make is pinned in jobs.rs.
    rule(
        "POST",
        "/api/update_job_status",
        "/api/update_job_status",
        &[("id", "{B}"), ("status", "completed")],
        ".y.y.....y",
        409,
    ),
    // Only the booked mechanic, and only once on the way: B is booked with
    // them but not yet en route, so theirs is a 409.
    rule(
        "POST",
        "/api/share_location",
        "/api/share_location",
        A_FIX,
        "...c......",
        0,
    ),
    // The same fix over the phone's socket: the same callers (the
    // handshake itself refuses anyone who is not a mechanic).
    rule(
        "GET",
        "/api/location_socket",
        "/api/location_socket",
        A_FIX,
        "...c......",
        0,
    ),
    rule(
        "GET",
        "/api/map_settings",
        "/api/map_settings",
        &[],
        "yyyyyyyyyy",
        200,
    ),
    rule(
        "GET",
        "/api/admin_live_map",
        "/api/admin_live_map",
        &[],
        ".........y",
        200,
    ),
    rule("GET", "/admin/map", "/admin/map", &[], ".........y", 200),
    rule(
        "POST",
        "/api/cancel_job",
        "/api/cancel_job",
        &[("id", "{J}"), ("reason", "")],
        ".y.......y",
        422,
    ),
    // Mechanics.
    rule(
        "GET",
        "/api/my_profile",
        "/api/my_profile",
        &[],
        "...yyyyy..",
        200,
    ),
    rule(
        "POST",
        "/api/save_profile",
        "/api/save_profile",
        &[
            ("display_name", ""),
            ("years_experience", "x"),
            ("base_lat", ""),
            ("base_lng", ""),
            ("base_address", ""),
            ("radius_km", ""),
        ],
        "...yyyyy..",
        422,
    ),
    // A pending mechanic is told why (409, "pending approval"): `c`.
    rule(
        "GET",
        "/api/open_jobs",
        "/api/open_jobs",
        &[],
        "...yyyyc..",
        200,
    ),
    rule(
        "POST",
        "/api/send_quote",
        "/api/send_quote",
        &[
            ("job_id", "{J}"),
            ("note", ""),
            ("arrival_minutes", "x"),
            ("valid_hours", "x"),
        ],
        "...yyy.c..",
        422,
    ),
    // Accepted already: its mechanic gets past the door and is told it cannot be withdrawn.
    rule(
        "POST",
        "/api/withdraw_quote",
        "/api/withdraw_quote",
        &[("id", "{QB}")],
        "...y......",
        409,
    ),
    // Accepted already: accepting again changes nothing (the hold is taken: 409).
    rule(
        "POST",
        "/api/accept_quote",
        "/api/accept_quote",
        &[("id", "{QB}")],
        ".y........",
        409,
    ),
    // The owner gets past the checks (then a 409: the quote is accepted).
    rule(
        "POST",
        "/api/checkout",
        "/api/checkout",
        &[("id", "{QB}")],
        ".y........",
        409,
    ),
    // Conversations: the thread's two parties write; admins also read
    // (audited). Empty bodies and reasons make a 422 once past the checks.
    rule(
        "GET",
        "/api/messages",
        "/api/messages?job_id={B}&mechanic={M}",
        &[],
        ".y.y.....y",
        200,
    ),
    rule(
        "POST",
        "/api/send_message",
        "/api/send_message",
        &[
            ("job_id", "{B}"),
            ("mechanic", "{M}"),
            ("id", "0190a1b2-0000-7000-8000-000000000001"),
            ("body", " "),
        ],
        ".y.y......",
        422,
    ),
    rule(
        "POST",
        "/api/mark_read",
        "/api/mark_read",
        &[("job_id", "{B}"), ("mechanic", "{M}"), ("seq", "0")],
        ".y.y......",
        200,
    ),
    rule(
        "POST",
        "/api/typing",
        "/api/typing",
        &[("job_id", "{B}"), ("mechanic", "{M}")],
        ".y.y......",
        200,
    ),
    rule(
        "POST",
        "/api/report_conversation",
        "/api/report_conversation",
        &[("job_id", "{B}"), ("mechanic", "{M}"), ("reason", "")],
        ".y.y......",
        422,
    ),
    rule("GET", "/api/unread", "/api/unread", &[], ".yyyyyyy.y", 200),
    rule(
        "GET",
        "/api/chat_reports",
        "/api/chat_reports",
        &[],
        ".........y",
        200,
    ),
    rule(
        "POST",
        "/api/close_chat_report",
        "/api/close_chat_report",
        &[("id", "{R}"), ("outcome", "")],
        ".........y",
        422,
    ),
    // Admins only; the empty request id makes it a 422 once past the checks.
    rule(
        "POST",
        "/api/refund_payment",
        "/api/refund_payment",
        &[("id", "{PB}"), ("reason", "x"), ("request_id", "")],
        ".........y",
        422,
    ),
    rule(
        "GET",
        "/api/admin_payments",
        "/api/admin_payments",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/api/admin_payment",
        "/api/admin_payment?id={PB}",
        &[],
        ".........y",
        200,
    ),
    // Photos: the job's people list them (a mechanic who may quote, the
    // problem photos only); its customer and booked mechanic add them
    // (the bad size makes a 422 once past the checks); finishing and
    // deleting need one's own upload; the local store's links need a
    // signature made for the caller.
    rule(
        "GET",
        "/api/photos",
        "/api/photos?job_id={J}",
        &[],
        ".y.yyy...y",
        200,
    ),
    rule(
        "POST",
        "/api/photo_upload",
        "/api/photo_upload",
        &[
            ("job_id", "{B}"),
            ("kind", "before"),
            ("byte_size", "0"),
            ("content_type", "image/jpeg"),
        ],
        // The rival is told photos come with the booking: a 409.
        ".y.yc.....",
        422,
    ),
    spending(
        rule(
            "POST",
            "/api/photo_done",
            "/api/photo_done",
            &[("id", "{NEW}")],
            ".y........",
            200,
        ),
        Mint::SentUpload,
    ),
    spending(
        rule(
            "POST",
            "/api/delete_photo",
            "/api/delete_photo",
            &[("id", "{NEW}")],
            ".y........",
            200,
        ),
        Mint::Photo,
    ),
    // The owner's own signed upload link, sent the bytes it was signed for.
    spending(
        rule(
            "PUT",
            "/api/photo_blob/{*key}",
            "{NEW}",
            &[],
            ".y........",
            200,
        ),
        Mint::UploadLink,
    ),
    rule(
        "GET",
        "/api/photo_file/{*key}",
        "{THUMB}",
        &[],
        ".y........",
        200,
    ),
    // Notifications: everyone signed in has their own centre, devices and
    // choices (the bad time zone makes a 422 once past the checks); one's
    // own notification or device only. Another's device is a 409 that says
    // so, and stays theirs.
    rule(
        "GET",
        "/api/notifications",
        "/api/notifications",
        &[],
        ".yyyyyyy.y",
        200,
    ),
    rule(
        "POST",
        "/api/read_notification",
        "/api/read_notification",
        &[("id", "{N}")],
        ".y........",
        200,
    ),
    rule(
        "POST",
        "/api/read_all_notifications",
        "/api/read_all_notifications",
        &[],
        ".yyyyyyy.y",
        200,
    ),
    rule(
        "GET",
        "/api/push_settings",
        "/api/push_settings",
        &[],
        ".yyyyyyy.y",
        200,
    ),
    rule(
        "POST",
        "/api/push_subscribe",
        "/api/push_subscribe",
        &[
            ("endpoint", "{ENDPOINT}"),
            ("p256dh", P256DH),
            ("auth", AUTH_SECRET),
            ("label", "Pixel"),
        ],
        ".ycccccc.c",
        200,
    ),
    spending(
        rule(
            "POST",
            "/api/push_unsubscribe",
            "/api/push_unsubscribe",
            &[("id", "{NEW}")],
            ".y........",
            200,
        ),
        Mint::Device,
    ),
    rule(
        "POST",
        "/api/notification_prefs",
        "/api/notification_prefs",
        &[
            ("muted", ""),
            ("quiet_start", ""),
            ("quiet_end", ""),
            ("time_zone", "Nowhere/Else"),
        ],
        ".yyyyyyy.y",
        422,
    ),
    // Stripe's, authenticated by its signature, not a session; without
    // Stripe keys (the demo mode, as here) it does not exist (tests/payments.rs).
    rule(
        "POST",
        "/api/stripe/webhook",
        "/api/stripe/webhook",
        &[],
        "..........",
        0,
    ),
    // The admin console.
    rule(
        "GET",
        "/api/admin_overview",
        "/api/admin_overview",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/api/admin_users",
        "/api/admin_users",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/api/admin_jobs",
        "/api/admin_jobs",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/api/admin_user",
        "/api/admin_user?id={U}",
        &[],
        ".........y",
        200,
    ),
    rule(
        "POST",
        "/api/admin_review",
        "/api/admin_review",
        &[("id", "{P}"), ("action", "promote"), ("reason", "")],
        ".........y",
        422,
    ),
    rule(
        "GET",
        "/api/admin_audit",
        "/api/admin_audit",
        &[],
        ".........y",
        200,
    ),
    // Pages.
    rule("GET", "/", "/", &[], "yyyyyyyyyy", 200),
    rule("GET", "/login", "/login", &[], "yyyyyyyyyy", 200),
    rule("GET", "/register", "/register", &[], "yyyyyyyyyy", 200),
    rule("GET", "/account", "/account", &[], ".yyyyyyy.y", 200),
    rule(
        "GET",
        "/notifications",
        "/notifications",
        &[],
        ".yyyyyyy.y",
        200,
    ),
    rule("GET", "/customer", "/customer", &[], ".yy.......", 200),
    rule(
        "GET",
        "/customer/request",
        "/customer/request",
        &[],
        ".yy.......",
        200,
    ),
    rule(
        "GET",
        "/customer/garage",
        "/customer/garage",
        &[],
        ".yy.......",
        200,
    ),
    // Another's job is a 404 page, not a shell saying so.
    rule(
        "GET",
        "/customer/jobs/{id}",
        "/customer/jobs/{J}",
        &[],
        ".y........",
        200,
    ),
    rule("GET", "/mechanic", "/mechanic", &[], "...yyyyy..", 200),
    rule(
        "GET",
        "/mechanic/profile",
        "/mechanic/profile",
        &[],
        "...yyyyy..",
        200,
    ),
    rule(
        "GET",
        "/mechanic/jobs/{id}",
        "/mechanic/jobs/{B}",
        &[],
        "...yy.....",
        200,
    ),
    rule("GET", "/admin", "/admin", &[], ".........y", 200),
    rule(
        "GET",
        "/admin/users",
        "/admin/users",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/admin/users/{id}",
        "/admin/users/{U}",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/admin/audit",
        "/admin/audit",
        &[],
        ".........y",
        200,
    ),
    rule("GET", "/admin/jobs", "/admin/jobs", &[], ".........y", 200),
    rule(
        "GET",
        "/admin/payments",
        "/admin/payments",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/admin/reports",
        "/admin/reports",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/admin/payments/{id}",
        "/admin/payments/{PB}",
        &[],
        ".........y",
        200,
    ),
    rule(
        "GET",
        "/admin/jobs/{id}",
        "/admin/jobs/{J}",
        &[],
        ".........y",
        200,
    ),
];

/// What the owner keeps from most callers, and who may see each: the
/// callers (by index) entitled to it. Every answer to anyone else is searched for it.
struct Secret {
    what: &'static str,
    text: String,
    seen_by: &'static [usize],
}

/// Tokens of the callers (anonymous has none) and the fixture's ids.
struct World {
    tokens: [Option<String>; 10],
    /// For logging in again after a rule that ends sessions (not the
    /// suspended one, who cannot).
    emails: [Option<&'static str>; 10],
    ids: BTreeMap<&'static str, String>,
    secrets: Vec<Secret>,
    photo: Vec<u8>,
    devices: usize,
}

/// J's address: only its customer and admins see it (nobody is booked).
const J_ADDRESS: &str = "3 Inverness Street, London NW1 7HJ";
const MESSAGE: &str = "The side gate code is 4817";
const REPORT: &str = "Asked me to pay in cash off the app";

async fn world(app: &TestApp) -> World {
    let admin = app.admin(ADMIN, PW).await;
    let (owner, vehicle) = customer(app, "priya@example.com").await;
    let (other, _) = customer(app, "ben@example.com").await;
    let (suspended, _) = customer(app, "sus@example.com").await;
    let near = near_mechanic(app, &admin, "dan@example.com").await;
    let rival = near_mechanic(app, &admin, "riv@example.com").await;
    let idle = near_mechanic(app, &admin, "idle@example.com").await;
    // Croydon, 10 km: the Camden job is about 17 km away.
    let far = mechanic(
        app,
        &admin,
        "far@example.com",
        ("51.3762", "-0.0982"),
        "10",
        true,
        true,
    )
    .await;
    let pending = mechanic(
        app,
        &admin,
        "pen@example.com",
        ("51.5450", "-0.1500"),
        "12",
        true,
        false,
    )
    .await;

    let open = app
        .post_pairs(
            "/api/request_job",
            &common::with(job_form(&vehicle), &[("address", J_ADDRESS)]),
            Auth::Bearer(&owner),
        )
        .await;
    assert_eq!(open.status, 200, "{}", open.body);
    let job = open.json["id"].as_str().unwrap().to_owned();
    assert_eq!(quote(app, &near, &job, "50.00", "11.37").await.status, 200);
    let booked = request_job(app, &owner, &vehicle).await;
    let lost = quote(app, &rival, &booked, "70.00", "3.29").await;
    assert_eq!(lost.status, 200, "{}", lost.body);
    let qb = quote(app, &near, &booked, "70", "30").await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post("/api/accept_quote", &[("id", &qb)], Auth::Bearer(&owner))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The demo payment mode's hold that booked it.
    let payment = r.json["payment"]["id"].as_str().unwrap().to_owned();
    let me = app.get("/api/me", Auth::Bearer(&owner)).await;
    let sent = app
        .post(
            "/api/send_message",
            &[("job_id", &booked), ("id", &new_uuid()), ("body", MESSAGE)],
            Auth::Bearer(&owner),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    // J's conversation: a report closes it, and B's must stay open.
    let reported = app
        .post(
            "/api/report_conversation",
            &[("job_id", &job), ("mechanic", &near.id), ("reason", REPORT)],
            Auth::Bearer(&owner),
        )
        .await;
    assert_eq!(reported.status, 200, "{}", reported.body);
    let reports = app.get("/api/chat_reports", Auth::Bearer(&admin)).await;
    let report = reports.json[0]["id"].as_str().expect("a report").to_owned();
    let notes = app.get("/api/notifications", Auth::Bearer(&owner)).await;
    let note = notes.json["items"][0]["id"]
        .as_str()
        .expect("a notification")
        .to_owned();
    let suspend = app
        .post(
            "/api/admin_review",
            &[
                ("id", &user_id(app, &suspended).await),
                ("action", "suspend"),
                ("reason", "Abuse"),
            ],
            Auth::Bearer(&admin),
        )
        .await;
    assert_eq!(suspend.status, 200, "{}", suspend.body);

    let mut w = World {
        tokens: [
            None,
            Some(owner),
            Some(other),
            Some(near.token),
            Some(rival.token),
            Some(idle.token),
            Some(far.token),
            Some(pending.token),
            Some(suspended),
            Some(admin),
        ],
        emails: [
            None,
            Some("priya@example.com"),
            Some("ben@example.com"),
            Some("dan@example.com"),
            Some("riv@example.com"),
            Some("idle@example.com"),
            Some("far@example.com"),
            Some("pen@example.com"),
            None,
            Some(ADMIN),
        ],
        ids: BTreeMap::from([
            ("{J}", job.clone()),
            ("{B}", booked.clone()),
            ("{QB}", qb),
            ("{PB}", payment),
            ("{P}", pending.id.clone()),
            ("{M}", near.id.clone()),
            ("{U}", me.json["id"].as_str().unwrap().to_owned()),
            ("{R}", report),
            ("{N}", note),
        ]),
        secrets: Vec::new(),
        photo: small_jpeg(),
        devices: 0,
    };
    let photo = mint(app, &mut w, Mint::Photo).await;
    let owner = w.tokens[OWNER].clone().unwrap();
    let listed = app
        .get(
            &format!("/api/photos?job_id={booked}"),
            Auth::Bearer(&owner),
        )
        .await;
    let thumb = listed.json[0]["thumb_url"]
        .as_str()
        .expect("a photo")
        .to_owned();
    assert!(thumb.starts_with("/api/photo_file/"), "{thumb}");
    w.ids.insert("{THUMB}", thumb);
    mint(app, &mut w, Mint::Device).await;
    let endpoint = device_endpoint(w.devices);
    w.ids.insert("{ENDPOINT}", endpoint);
    let (b_people, owner_admin) = (&[OWNER, BOOKED, ADMIN_][..], &[OWNER, ADMIN_][..]);
    w.secrets = vec![
        Secret {
            what: "J's address",
            text: J_ADDRESS.into(),
            seen_by: owner_admin,
        },
        Secret {
            what: "B's address",
            text: ADDRESS.into(),
            seen_by: b_people,
        },
        Secret {
            what: "the owner's email",
            text: "priya@example.com".into(),
            seen_by: owner_admin,
        },
        Secret {
            what: "the price quoted for J",
            text: "\"cents\":6137".into(),
            seen_by: b_people,
        },
        Secret {
            what: "the price quoted for J",
            text: "61.37".into(),
            seen_by: b_people,
        },
        Secret {
            what: "the rival's price for B",
            text: "\"cents\":7329".into(),
            seen_by: &[OWNER, RIVAL, ADMIN_],
        },
        Secret {
            what: "the rival's price for B",
            text: "73.29".into(),
            seen_by: &[OWNER, RIVAL, ADMIN_],
        },
        Secret {
            what: "a message of B's conversation",
            text: MESSAGE.into(),
            seen_by: b_people,
        },
        Secret {
            what: "a report's reason",
            text: REPORT.into(),
            seen_by: owner_admin,
        },
        Secret {
            what: "a photo's key",
            text: format!("{booked}/{photo}"),
            seen_by: b_people,
        },
    ];
    w
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/me", Auth::Bearer(token)).await;
    me.json["id"].as_str().unwrap().to_owned()
}

fn new_uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn device_endpoint(n: usize) -> String {
    format!("http://127.0.0.1:9/push/device-{n}")
}

/// Makes a new object of the owner's for a rule that spends it; answers what `{NEW}` becomes.
async fn mint(app: &TestApp, w: &mut World, what: Mint) -> String {
    let owner = w.tokens[OWNER].clone().unwrap();
    let auth = Auth::Bearer(&owner);
    match what {
        Mint::Nothing => String::new(),
        Mint::Vehicle => {
            let r = app
                .post(
                    "/api/add_vehicle",
                    &[
                        ("year", "2012"),
                        ("make", "Ford"),
                        ("model", "Ka"),
                        ("colour", "Red"),
                        ("plate", "xy12 abc"),
                    ],
                    auth,
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json["id"].as_str().unwrap().to_owned()
        }
        Mint::UploadLink | Mint::SentUpload | Mint::Photo => {
            let len = w.photo.len().to_string();
            let r = app
                .post(
                    "/api/photo_upload",
                    &[
                        ("job_id", &w.ids["{B}"]),
                        ("kind", "problem"),
                        ("byte_size", &len),
                        ("content_type", "image/jpeg"),
                    ],
                    auth,
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            let (id, url) = (
                r.json["id"].as_str().unwrap().to_owned(),
                r.json["url"].as_str().unwrap().to_owned(),
            );
            if what == Mint::UploadLink {
                return url;
            }
            let sent = put_photo(app, &url, Some(&owner), &w.photo).await;
            assert_eq!(sent.status, 200, "{}", sent.body);
            if what == Mint::SentUpload {
                return id;
            }
            let done = app.post("/api/photo_done", &[("id", &id)], auth).await;
            assert_eq!(done.status, 200, "{}", done.body);
            id
        }
        Mint::Device => {
            w.devices += 1;
            let r = app
                .post(
                    "/api/push_subscribe",
                    &[
                        ("endpoint", &device_endpoint(w.devices)),
                        ("p256dh", P256DH),
                        ("auth", AUTH_SECRET),
                        ("label", "Pixel"),
                    ],
                    auth,
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json["device"]
                .as_str()
                .or(r.json["device"]["id"].as_str())
                .expect("a device id")
                .to_owned()
        }
    }
}

/// The PUT a browser makes to an upload link: the bytes, as the type signed.
async fn put_photo(app: &TestApp, url: &str, token: Option<&str>, bytes: &[u8]) -> Reply {
    let auth = token.map_or(Auth::None, Auth::Cookie);
    let put = auth.apply(reqwest::Client::new().put(app.url(url)));
    Reply::of(
        put.header("content-type", "image/jpeg")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn fill(text: &str, ids: &BTreeMap<&'static str, String>) -> String {
    ids.iter()
        .fold(text.to_owned(), |t, (k, v)| t.replace(k, v))
}

async fn login(app: &TestApp, email: &str) -> String {
    let r = app.login(email, PW).await;
    r.json["token"].as_str().expect("login").to_owned()
}

/// Calls `rule` as caller `i`: the status and the body.
async fn call(app: &TestApp, w: &mut World, rule: &Rule, i: usize) -> (u16, String) {
    if rule.mint != Mint::Nothing {
        let new = mint(app, w, rule.mint).await;
        w.ids.insert("{NEW}", new);
    }
    let token = match (&w.tokens[i], w.emails[i], rule.fresh) {
        (Some(_), Some(email), true) => Some(login(app, email).await),
        (t, _, _) => t.clone(),
    };
    let answer = send(app, w, rule, token.as_deref()).await;
    if let (Some(email), true) = (w.emails[i], rule.fresh) {
        w.tokens[i] = Some(login(app, email).await);
    }
    answer
}

async fn send(app: &TestApp, w: &World, rule: &Rule, token: Option<&str>) -> (u16, String) {
    let target = fill(rule.target, &w.ids);
    if rule.route == "/api/events" {
        let auth = token.map_or(Auth::None, Auth::Bearer);
        let query = target.trim_start_matches("/api/events");
        let res = app.open_events(query, auth, None).await;
        return (res.status().as_u16(), String::new());
    }
    if rule.route == "/api/location_socket" {
        let auth = token.map_or(Auth::None, Auth::Bearer);
        let mut socket = match app.location_socket(auth).await {
            Ok(socket) => socket,
            Err(status) => return (status, String::new()),
        };
        let field = |k: &str| fill(rule.form.iter().find(|(n, _)| *n == k).unwrap().1, &w.ids);
        let number = |k: &str| field(k).parse::<f64>().unwrap();
        let fix = serde_json::json!({
            "job": field("job"), "lat": number("lat"), "lng": number("lng"),
            "accuracy": number("accuracy"), "at": number("at") as i64,
        });
        let answer = socket.send(&fix.to_string()).await;
        let status = answer["status"].as_u64().map_or(200, |s| s as u16);
        return (status, answer.to_string());
    }
    let reply: Reply = match rule.method {
        // As a browser: the session cookie.
        "GET" => {
            app.get(&target, token.map_or(Auth::None, Auth::Cookie))
                .await
        }
        "PUT" => put_photo(app, &target, token, &w.photo).await,
        _ => {
            let form: Vec<(String, String)> = rule
                .form
                .iter()
                .map(|(k, v)| (k.to_string(), fill(v, &w.ids)))
                .collect();
            // As an API client with the token: pages and forms are the same rules.
            app.post_pairs(&target, &form, token.map_or(Auth::None, Auth::Bearer))
                .await
        }
    };
    (reply.status, reply.body)
}

/// Whether an answer of `status` to `rule` means the caller was refused.
fn refused(status: u16) -> bool {
    // 303/307: a page sends a visitor to log in, a user to their own area.
    matches!(status, 401 | 403 | 404 | 303 | 307)
}

both_databases! {
    async fn every_route_lets_in_exactly_the_callers_its_rule_names(db) {
        let app = spawn!(db, &[("PUSH_ALLOW_LOOPBACK_HTTP", "true")]);
        let mut w = world(&app).await;
        let mut wrong = Vec::new();
        for rule in RULES {
            assert_eq!(rule.who.len(), CALLERS.len(), "{}", rule.target);
            for (i, want) in rule.who.chars().enumerate() {
                let (status, body) = call(&app, &mut w, rule, i).await;
                let right = match want {
                    'y' => status == rule.ok,
                    'c' => status == 409,
                    _ => refused(status),
                };
                if !right {
                    wrong.push(format!(
                        "{} {} as {}: {} (expected {})\n    {}",
                        rule.method,
                        fill(rule.target, &w.ids),
                        CALLERS[i],
                        status,
                        match want { 'y' => format!("{}", rule.ok), 'c' => "a 409".into(), _ => "refused".into() },
                        body.chars().take(160).collect::<String>(),
                    ));
                }
                // Nobody learns what is not theirs to know, let in or not.
                for secret in &w.secrets {
                    if !secret.seen_by.contains(&i) && body.contains(&secret.text) {
                        wrong.push(format!(
                            "{} {} as {} ({status}) shows {}",
                            rule.method, rule.target, CALLERS[i], secret.what
                        ));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
        // Nine others tried to take the owner's device: it is still hers alone.
        let whose = |mine: bool| {
            format!(
                "SELECT COUNT(*) FROM push_subscriptions WHERE endpoint = '{}' AND user_id {} '{}'",
                w.ids["{ENDPOINT}"],
                if mine { "=" } else { "<>" },
                w.ids["{U}"]
            )
        };
        assert_eq!(app.count(&whose(true)).await, 1, "the owner lost her device");
        assert_eq!(app.count(&whose(false)).await, 0, "the owner's device moved to another account");
    }

    async fn every_route_the_app_serves_has_a_rule(db) {
        let app = spawn!(db);
        let run = run_command(&app.db, &["routes"], &[]).await;
        assert!(run.success, "server routes: {}", run.stderr);
        let served: BTreeSet<(String, String)> = run
            .stdout
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(m, p)| (m.to_owned(), p.to_owned()))
            .collect();
        assert!(served.len() > 40, "{served:?}");
        let ruled: BTreeSet<(String, String)> = RULES
            .iter()
            .map(|r| (r.method.to_owned(), r.route.to_owned()))
            .collect();
        let missing: Vec<_> = served.difference(&ruled).collect();
        assert!(missing.is_empty(), "routes with no rule in authz_matrix.rs: {missing:?}");
        let stale: Vec<_> = ruled.difference(&served).collect();
        assert!(stale.is_empty(), "rules for routes the app does not serve: {stale:?}");
    }
}
