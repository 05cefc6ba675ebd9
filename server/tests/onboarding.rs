//! Mechanic profiles, the admin console's functions, admin creation and demo
//! data, black-box over HTTP on SQLite and PostgreSQL.

mod common;

use common::{Auth, TestApp, pairs, run_command, with};
use serde_json::Value;

const PW: &str = "correct horse battery";
const ADMIN: &str = "ops@example.com";

/// A complete, valid profile form; tests swap single fields.
fn profile(overrides: &[(&str, &str)]) -> Vec<(String, String)> {
    let form = pairs(&[
        ("display_name", "Raj's Mobile Brakes"),
        ("bio", "Brakes and tyres at your door."),
        ("skills[]", "brakes"),
        ("skills[]", "tyres"),
        ("years_experience", "8"),
        ("base_lat", "51.5072"),
        ("base_lng", "-0.1276"),
        ("base_address", "Westminster, London SW1"),
        ("radius_km", "25"),
        ("available", "on"),
    ]);
    with(form, overrides)
}

/// A registered mechanic (with a saved profile when `with_profile`) and their id.
async fn mechanic(app: &TestApp, email: &str, with_profile: bool) -> (String, String) {
    let token = app.register("mechanic", "Raj Patel", email, PW).await;
    if with_profile {
        let r = app
            .post_pairs("/api/save_profile", &profile(&[]), Auth::Bearer(&token))
            .await;
        assert_eq!(r.status, 200, "save profile: {}", r.body);
    }
    let me = app.get("/api/me", Auth::Bearer(&token)).await;
    (token, me.json["id"].as_str().unwrap().to_owned())
}

async fn review(app: &TestApp, admin: &str, id: &str, action: &str, reason: &str) -> common::Reply {
    app.post(
        "/api/admin_review",
        &[("id", id), ("action", action), ("reason", reason)],
        Auth::Bearer(admin),
    )
    .await
}

fn status_of(r: &common::Reply) -> &str {
    r.json["account"]["status"].as_str().unwrap_or_default()
}

both_databases! {
    async fn a_mechanic_saves_and_reads_back_their_profile(db) {
        let app = spawn!(db);
        let (token, _) = mechanic(&app, "raj@example.com", false).await;
        let empty = app.get("/api/my_profile", Auth::Bearer(&token)).await;
        assert_eq!((empty.status, &empty.json), (200, &Value::Null), "{}", empty.body);
        let r = app
            .post_pairs("/api/save_profile", &profile(&[("skills[]", "air_con")]), Auth::Bearer(&token))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let saved = app.get("/api/my_profile", Auth::Bearer(&token)).await;
        assert_eq!(saved.json["display_name"], "Raj's Mobile Brakes");
        assert_eq!(saved.json["skills"], serde_json::json!(["air_con"]));
        assert_eq!(saved.json["base"], serde_json::json!({ "lat": 51.5072, "lng": -0.1276 }));
        assert_eq!(saved.json["radius_km"], 25);
        assert_eq!(saved.json["available"], true);
        // Unticked means unavailable: the checkbox is simply absent.
        let mut off = profile(&[]);
        off.retain(|(k, _)| k != "available");
        app.post_pairs("/api/save_profile", &off, Auth::Bearer(&token)).await;
        let saved = app.get("/api/my_profile", Auth::Bearer(&token)).await;
        assert_eq!(saved.json["available"], false);
    }

    async fn a_bad_profile_is_refused_beside_its_field_and_changes_nothing(db) {
        let app = spawn!(db);
        let (token, _) = mechanic(&app, "raj@example.com", false).await;
        for (field, value, message_part) in [
            ("radius_km", "0", "1 to 100"),
            ("radius_km", "101", "1 to 100"),
            ("base_lat", "91", "latitude"),
            ("base_lng", "-200", "longitude"),
            ("skills[]", "welding", "welding"),
            ("years_experience", "many", "whole number"),
        ] {
            let r = app
                .post_pairs("/api/save_profile", &profile(&[(field, value)]), Auth::Bearer(&token))
                .await;
            assert_eq!(r.status, 422, "{field}={value}: {}", r.body);
            assert_eq!(r.json["error"], "invalid");
            assert_eq!(r.json["field"], field.trim_end_matches("[]"), "{}", r.body);
            assert!(r.json["message"].as_str().unwrap().contains(message_part), "{}", r.body);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM mechanic_profiles").await, 0);

        app.post_pairs("/api/save_profile", &profile(&[]), Auth::Bearer(&token)).await;
        let r = app
            .post_pairs("/api/save_profile", &profile(&[("radius_km", "500"), ("display_name", "Changed")]), Auth::Bearer(&token))
            .await;
        assert_eq!(r.status, 422);
        let saved = app.get("/api/my_profile", Auth::Bearer(&token)).await;
        assert_eq!((saved.json["radius_km"].as_i64(), saved.json["display_name"].as_str()), (Some(25), Some("Raj's Mobile Brakes")));
    }

    async fn only_mechanics_keep_a_profile(db) {
        let app = spawn!(db);
        let customer = app.register("customer", "Ann", "ann@example.com", PW).await;
        let r = app.post_pairs("/api/save_profile", &profile(&[]), Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(app.get("/api/my_profile", Auth::None).await.status, 401);
    }

    async fn only_admins_reach_the_admin_functions(db) {
        let app = spawn!(db);
        let customer = app.register("customer", "Ann", "ann@example.com", PW).await;
        let (mechanic_token, mechanic_id) = mechanic(&app, "raj@example.com", true).await;
        let admin = app.admin(ADMIN, PW).await;
        let reads = [
            "/api/admin_overview".to_owned(),
            "/api/admin_users".to_owned(),
            format!("/api/admin_user?id={mechanic_id}"),
            "/api/admin_audit".to_owned(),
        ];
        for path in &reads {
            assert_eq!(app.get(path, Auth::None).await.status, 401, "{path}");
            for token in [&customer, &mechanic_token] {
                let r = app.get(path, Auth::Bearer(token)).await;
                assert_eq!((r.status, r.json["error"].as_str()), (403, Some("forbidden")), "{path}: {}", r.body);
            }
            assert_eq!(app.get(path, Auth::Bearer(&admin)).await.status, 200, "{path}");
        }
        for token in [&customer, &mechanic_token] {
            assert_eq!(review(&app, token, &mechanic_id, "approve", "").await.status, 403);
        }
        let me = app.get("/api/me", Auth::Bearer(&mechanic_token)).await;
        assert_eq!(me.json["status"], "pending_approval");
    }

    async fn a_pending_mechanic_cannot_change_their_approval_state(db) {
        let app = spawn!(db);
        let (token, id) = mechanic(&app, "raj@example.com", true).await;
        for action in ["approve", "reinstate"] {
            assert_eq!(review(&app, &token, &id, action, "").await.status, 403);
        }
        // Fields the profile form does not have are not read from it.
        let sneaky = profile(&[("status", "active"), ("approved_at", "1")]);
        app.post_pairs("/api/save_profile", &sneaky, Auth::Bearer(&token)).await;
        let me = app.get("/api/me", Auth::Bearer(&token)).await;
        assert_eq!(me.json["status"], "pending_approval");
        assert_eq!(app.count("SELECT COUNT(*) FROM mechanic_profiles WHERE approved_at IS NOT NULL").await, 0);
    }

    async fn approving_a_mechanic_lets_them_work_and_is_audited(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let (token, id) = mechanic(&app, "raj@example.com", true).await;
        let r = review(&app, &admin, &id, "approve", "").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(status_of(&r), "active");
        assert!(r.json["approved_at"].is_i64());
        let me = app.get("/api/me", Auth::Bearer(&token)).await;
        assert_eq!(me.json["status"], "active", "the mechanic's session carries on");

        let audit = app
            .get("/api/admin_audit?action=mechanic.approved", Auth::Bearer(&admin))
            .await;
        assert_eq!(audit.json["total"], 1, "{}", audit.body);
        let entry = &audit.json["entries"][0];
        assert_eq!(entry["actor"]["email"], ADMIN);
        assert_eq!(entry["subject"]["kind"], "user");
        assert_eq!(entry["subject"]["id"], id.as_str());
        assert_eq!(entry["subject"]["email"], "raj@example.com");
        let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
        assert_eq!((detail["from"].as_str(), detail["to"].as_str()), (Some("pending_approval"), Some("active")));
        // Filter by actor: the admin's one action, nobody else's sign-ups.
        let mine = app.get(&format!("/api/admin_audit?actor={}", ADMIN.to_uppercase()), Auth::Bearer(&admin)).await;
        assert_eq!(mine.json["total"], 1, "{}", mine.body);
        let again = review(&app, &admin, &id, "approve", "").await;
        assert_eq!((again.status, again.json["error"].as_str()), (409, Some("conflict")));
    }

    async fn a_mechanic_without_a_profile_cannot_be_approved(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let (_, id) = mechanic(&app, "raj@example.com", false).await;
        let r = review(&app, &admin, &id, "approve", "").await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("profile"));
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'mechanic.approved'").await, 0);
    }

    async fn suspending_ends_sessions_at_once_and_reinstating_restores_access(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let (token, id) = mechanic(&app, "raj@example.com", true).await;
        review(&app, &admin, &id, "approve", "").await;
        let second = app.login("raj@example.com", PW).await.json["token"].as_str().unwrap().to_owned();

        let no_reason = review(&app, &admin, &id, "suspend", " ").await;
        assert_eq!((no_reason.status, no_reason.json["field"].as_str()), (422, Some("reason")));
        assert_eq!(app.get("/api/me", Auth::Bearer(&token)).await.status, 200);

        let r = review(&app, &admin, &id, "suspend", "Three no-shows in a week").await;
        assert_eq!((r.status, status_of(&r)), (200, "suspended"), "{}", r.body);
        assert_eq!(r.json["status_reason"], "Three no-shows in a week");
        for t in [&token, &second] {
            assert_eq!(app.get("/api/me", Auth::Bearer(t)).await.status, 401);
        }
        let login = app.login("raj@example.com", PW).await;
        assert_eq!((login.status, login.json["error"].as_str()), (403, Some("suspended")));
        assert!(login.json["message"].as_str().unwrap().contains("Three no-shows in a week"), "{}", login.body);

        let r = review(&app, &admin, &id, "reinstate", "").await;
        assert_eq!((r.status, status_of(&r)), (200, "active"), "an approved mechanic goes back to work");
        assert_eq!(r.json["status_reason"], Value::Null);
        assert_eq!(app.login("raj@example.com", PW).await.status, 200);
        let history = app.get(&format!("/api/admin_user?id={id}"), Auth::Bearer(&admin)).await;
        let actions: Vec<&str> = history.json["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["account.reinstated", "account.suspended", "mechanic.approved", "account.registered"]);
    }

    async fn a_rejected_mechanic_is_told_why_and_reinstating_returns_them_to_review(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let (token, id) = mechanic(&app, "raj@example.com", true).await;
        let r = review(&app, &admin, &id, "reject", "Insurance certificate missing").await;
        assert_eq!((r.status, status_of(&r)), (200, "suspended"), "{}", r.body);
        assert_eq!(app.get("/api/me", Auth::Bearer(&token)).await.status, 401);
        let login = app.login("raj@example.com", PW).await;
        assert_eq!((login.status, login.json["error"].as_str()), (403, Some("rejected")), "{}", login.body);
        assert_eq!(login.json["reason"], "Insurance certificate missing");
        assert!(login.json["message"].as_str().unwrap().contains("not approved: Insurance certificate missing"), "{}", login.body);
        let r = review(&app, &admin, &id, "reinstate", "").await;
        assert_eq!(status_of(&r), "pending_approval");
    }

    async fn admins_cannot_review_themselves(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        let me = app.get("/api/me", Auth::Bearer(&admin)).await;
        let r = review(&app, &admin, me.json["id"].as_str().unwrap(), "suspend", "testing").await;
        assert_eq!(r.status, 409, "{}", r.body);
        assert_eq!(review(&app, &admin, "no-such-user", "suspend", "testing").await.status, 404);
        assert_eq!(review(&app, &admin, "no-such-user", "promote", "").await.status, 422);
    }

    async fn the_users_list_searches_filters_and_pages_newest_first(db) {
        let app = spawn!(db);
        let admin = app.admin(ADMIN, PW).await;
        for i in 0..26 {
            app.register("customer", &format!("Customer {i:02}"), &format!("c{i:02}@example.com"), PW).await;
        }
        mechanic(&app, "raj@example.com", false).await;
        let all = app.get("/api/admin_users", Auth::Bearer(&admin)).await;
        assert_eq!(all.json["total"], 28, "{}", all.body);
        let users = all.json["users"].as_array().unwrap();
        assert_eq!(users.len(), 25);
        assert_eq!(users[0]["email"], "raj@example.com", "newest first");
        let page2 = app.get("/api/admin_users?page=2", Auth::Bearer(&admin)).await;
        let rest: Vec<&str> = page2.json["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
        assert_eq!(rest, ["c01@example.com", "c00@example.com", ADMIN]);

        let search = app.get("/api/admin_users?search=CUSTOMER%201", Auth::Bearer(&admin)).await;
        assert_eq!(search.json["total"], 10, "Customer 10..19: {}", search.body);
        let by_email = app.get("/api/admin_users?search=c25%40example", Auth::Bearer(&admin)).await;
        assert_eq!(by_email.json["total"], 1);
        let literal = app.get("/api/admin_users?search=%25", Auth::Bearer(&admin)).await;
        assert_eq!(literal.json["total"], 0, "% is a character, not a wildcard");
        let pending = app.get("/api/admin_users?role=mechanic&status=pending_approval", Auth::Bearer(&admin)).await;
        assert_eq!(pending.json["total"], 1);
        let bad = app.get("/api/admin_users?role=wizard", Auth::Bearer(&admin)).await;
        assert_eq!((bad.status, bad.json["field"].as_str()), (422, Some("role")));
    }

    async fn admin_create_makes_a_working_admin_once(db) {
        let app = spawn!(db);
        let token = app.admin(ADMIN, PW).await;
        let me = app.get("/api/me", Auth::Bearer(&token)).await;
        assert_eq!((me.json["role"].as_str(), me.json["name"].as_str()), (Some("admin"), Some("Avery Admin")));
        assert_eq!(app.get("/api/admin_overview", Auth::Bearer(&token)).await.status, 200);

        let args = ["admin", "create", "--email", ADMIN, "--name", "Again"];
        let again = run_command(&app.db, &args, &[("ADMIN_PASSWORD", PW)]).await;
        assert!(!again.success && again.stderr.contains("already exists"), "{}", again.stderr);
        let weak = run_command(&app.db, &["admin", "create", "--email", "b@example.com", "--name", "B"], &[("ADMIN_PASSWORD", "short")]).await;
        assert!(!weak.success && weak.stderr.contains("password"), "{}", weak.stderr);
        let none = run_command(&app.db, &["admin", "create", "--email", "c@example.com", "--name", "C"], &[]).await;
        assert!(!none.success && none.stderr.contains("ADMIN_PASSWORD"), "{}", none.stderr);
        let usage = run_command(&app.db, &["admin", "create", "--email", "d@example.com"], &[]).await;
        assert!(!usage.success && usage.stderr.contains("--name <NAME>"), "{}", usage.stderr);
        let help = run_command(&app.db, &["admin", "create", "--help"], &[]).await;
        assert!(help.success && help.stdout.contains("--email <EMAIL>") && help.stderr.is_empty(), "{help:?}");
        let version = run_command(&app.db, &["--version"], &[]).await;
        assert!(version.success && version.stdout.starts_with(concat!("server ", env!("CARGO_PKG_VERSION"))), "{version:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'admin.created'").await, 1);
    }

    async fn the_first_admin_comes_from_the_environment_on_first_start_only(db) {
        let first = [("ADMIN_EMAIL", ADMIN), ("ADMIN_PASSWORD", PW), ("ADMIN_NAME", "Olu Ops")];
        let app = spawn!(db, &first);
        assert_eq!(app.login(ADMIN, PW).await.json["account"]["role"], "admin");
        let app = app.restart(&[("ADMIN_EMAIL", "other@example.com"), ("ADMIN_PASSWORD", PW)]).await;
        assert_eq!(app.login("other@example.com", PW).await.status, 401);
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1, "no demo data beside a real admin");
    }

    async fn demo_data_is_seeded_once_into_an_empty_database(db) {
        let app = spawn!(db, &[("DEMO_DATA", "true")]);
        let printed = app.printed("dan@demo.curbside.test").await;
        assert!(printed.contains("admin@demo.curbside.test") && printed.contains("\"curbside-demo\""), "{printed}");
        let admin = app.login("admin@demo.curbside.test", "curbside-demo").await;
        assert_eq!(admin.status, 200, "{}", admin.body);
        let token = admin.json["token"].as_str().unwrap().to_owned();
        let overview = app.get("/api/admin_overview", Auth::Bearer(&token)).await;
        assert_eq!(overview.json, serde_json::json!({ "customers": 2, "mechanics": 3, "mechanics_pending": 1, "admins": 1, "suspended": 0 }));
        assert_eq!(app.count("SELECT COUNT(*) FROM mechanic_profiles WHERE approved_at IS NOT NULL").await, 3);
        let mechanic = app.login("dan@demo.curbside.test", "curbside-demo").await;
        assert_eq!(mechanic.json["account"]["status"], "active");
        // The demo has something to quote on, and cars in the customers' garages.
        let dan = mechanic.json["token"].as_str().unwrap().to_owned();
        let open = app.get("/api/open_jobs", Auth::Bearer(&dan)).await;
        assert_eq!(open.json[0]["locality"], "Kentish Town, London", "{}", open.body);
        let priya = app.login("priya@demo.curbside.test", "curbside-demo").await;
        let garage = app.get("/api/my_vehicles", Auth::Bearer(priya.json["token"].as_str().unwrap())).await;
        assert_eq!(garage.json[0]["plate"], "LD16 XKP");

        let app = app.restart(&[("DEMO_DATA", "true")]).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 7);
        assert_eq!(app.count("SELECT COUNT(*) FROM jobs").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'demo.seeded'").await, 1);
        assert!(!app.stdout.lock().unwrap().join("\n").contains("Demo data added"));
    }

    async fn no_demo_data_when_switched_off_or_users_exist(db) {
        let app = spawn!(db, &[("DEMO_DATA", "false")]);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        let app = app.restart(&[("DEMO_DATA", "true")]).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    }
}
