//! Accounts and sessions, black-box over HTTP on SQLite and PostgreSQL:
//! register, log in, who am I, log out, change password, lock-outs, roles.

mod common;

use common::{Auth, TestApp};
use serde_json::{Value, json};

const PW: &str = "correct horse battery";

async fn count(app: &TestApp, sql: &str) -> i64 {
    let pool = app.sql().await;
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    let pool = app.sql().await;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT action FROM audit_log ORDER BY at, id")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.into_iter().map(|(a,)| a).collect()
}

fn field_error(json: &Value) -> (&str, &str) {
    assert_eq!(json["error"], "invalid", "{json}");
    (
        json["field"].as_str().unwrap(),
        json["message"].as_str().unwrap(),
    )
}

both_databases! {
    async fn passwords_people_guess_first_are_refused_with_the_reason(db) {
        let app = spawn!(db);
        for (pw, why) in [
            ("1234567890", "common"),
            ("password123", "common"),
            ("curbside-demo", "demo"),
            ("priya.shah2016", "name and email"),
            ("Shah family car 1", "name and email"),
        ] {
            let form = [("name", "Priya Shah"), ("email", "priya.shah@example.com"), ("password", pw), ("role", "customer")];
            let r = app.post("/api/register", &form, Auth::None).await;
            assert_eq!((r.status, r.json["field"].as_str()), (422, Some("password")), "{pw}: {}", r.body);
            assert!(r.json["message"].as_str().unwrap().to_lowercase().contains(why), "{pw}: {}", r.body);
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
        let token = app.register("customer", "Priya Shah", "priya.shah@example.com", PW).await;
        let r = app.post("/api/change_password", &[("current_password", PW), ("new_password", "qwertyuiop")], Auth::Bearer(&token)).await;
        assert_eq!((r.status, r.json["field"].as_str()), (422, Some("new_password")), "{}", r.body);
        assert_eq!(app.login("priya.shah@example.com", PW).await.status, 200, "the password is unchanged");
    }

    async fn register_signs_the_customer_in(db) {
        let app = spawn!(db);
        let r = app.post("/api/register", &[
            ("name", "  Ann  Lee "), ("email", " Ann@Example.com "), ("phone", ""),
            ("password", PW), ("role", "customer"),
        ], Auth::None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["account"]["name"], "Ann Lee");
        assert_eq!(r.json["account"]["email"], "Ann@Example.com");
        assert_eq!(r.json["account"]["role"], "customer");
        assert_eq!(r.json["account"]["status"], "active");
        assert_eq!(r.json["account"]["phone"], Value::Null);
        assert_eq!(r.header("location"), Some("/customer"));
        let cookie = r.session_cookie().expect("session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http must not get a Secure cookie: {cookie}");

        let token = r.json["token"].as_str().unwrap();
        let me = app.get("/api/me", Auth::Bearer(token)).await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.json["email"], "Ann@Example.com");
        assert_eq!(audit_actions(&app).await, ["account.registered"]);
        // The password is stored as an argon2id hash, never as given.
        let pool = app.sql().await;
        let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users").fetch_one(&pool).await.unwrap();
        assert!(hash.starts_with("$argon2id$") && !hash.contains(PW));
    }

    async fn a_mechanic_starts_pending_approval_and_needs_a_phone(db) {
        let app = spawn!(db);
        let base = [("name", "Raj Patel"), ("email", "raj@example.com"), ("password", PW), ("role", "mechanic")];
        let r = app.post("/api/register", &[&base[..], &[("phone", "")]].concat(), Auth::None).await;
        assert_eq!(r.status, 422);
        assert_eq!(field_error(&r.json).0, "phone");
        let r = app.post("/api/register", &[&base[..], &[("phone", "+44 20 7946 0958")]].concat(), Auth::None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["account"]["status"], "pending_approval");
        assert_eq!(r.header("location"), Some("/mechanic"));
    }

    async fn the_same_email_in_another_case_is_refused(db) {
        let app = spawn!(db);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        let r = app.post("/api/register", &[
            ("name", "Other Ann"), ("email", "ANN@Example.COM"), ("password", PW), ("role", "customer"),
        ], Auth::None).await;
        assert_eq!(r.status, 422, "{}", r.body);
        let (field, message) = field_error(&r.json);
        assert_eq!(field, "email");
        assert!(message.contains("already exists"), "{message}");
        assert!(r.session_cookie().is_none());
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 1);
    }

    async fn a_bad_email_is_refused_and_nothing_is_stored(db) {
        let app = spawn!(db);
        for bad in ["", "ann", "ann@example", "ann @example.com"] {
            let r = app.post("/api/register", &[
                ("name", "Ann"), ("email", bad), ("password", PW), ("role", "customer"),
            ], Auth::None).await;
            assert_eq!(r.status, 422, "{bad:?}: {}", r.body);
            assert_eq!(field_error(&r.json).0, "email", "{bad:?}");
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log").await, 0);
    }

    async fn a_weak_password_is_refused_beside_the_password_field(db) {
        let app = spawn!(db);
        for (pw, says) in [("short", "at least 10"), ("ann@example.com", "email")] {
            let r = app.post("/api/register", &[
                ("name", "Ann"), ("email", "ann@example.com"), ("password", pw), ("role", "customer"),
            ], Auth::None).await;
            assert_eq!(r.status, 422);
            let (field, message) = field_error(&r.json);
            assert_eq!(field, "password");
            assert!(message.contains(says), "{message}");
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
    }

    async fn a_malformed_request_is_a_client_error(db) {
        let app = spawn!(db);
        let r = app.post("/api/register", &[("name", "Ann")], Auth::None).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.json["error"], "request");
        assert!(r.json["message"].as_str().unwrap().contains("missing field"), "{}", r.body);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
    }

    async fn a_form_posted_before_the_page_hydrated_still_works(db) {
        // No JS yet: the browser posts the form itself and follows redirects.
        let app = spawn!(db);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        let post_from = |referer: String, password: &'static str| {
            app.client
                .post(app.url("/api/login"))
                .header("accept", "text/html,application/xhtml+xml")
                .header("referer", referer)
                .form(&[("email", "ann@example.com"), ("password", password), ("next", "/account")])
                .send()
        };
        let post = |password| post_from(app.url("/login?next=/account"), password);
        let failed = post("not the password").await.unwrap();
        assert_eq!(failed.status(), 302);
        let back = failed.headers()["location"].to_str().unwrap().to_owned();
        // leptos_axum sends it back to the form (a path on this site) with the error in the query…
        assert!(back.starts_with("/login?next=/account&__path=%2Fapi%2Flogin&__err="), "{back}");
        // …and the form's action starts out holding it.
        let page = app.get(&back, Auth::None).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Email or password is incorrect."), "the login page shows the error");

        // A Referer naming another site never sends the browser there.
        let elsewhere = post_from("https://evil.example/phish".into(), "not the password").await.unwrap();
        assert_eq!(elsewhere.status(), 302);
        assert_eq!(elsewhere.headers()["location"], "/");

        let ok = post(PW).await.unwrap();
        assert_eq!(ok.status(), 302);
        assert_eq!(ok.headers()["location"], "/account");
        assert!(ok.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("curbside_session=ey")));
    }

    async fn nobody_registers_as_an_admin(db) {
        let app = spawn!(db);
        let r = app.post("/api/register", &[
            ("name", "Eve"), ("email", "eve@example.com"), ("password", PW), ("role", "admin"),
        ], Auth::None).await;
        assert_eq!(r.status, 422);
        assert_eq!(field_error(&r.json).0, "role");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
    }

    async fn login_returns_a_token_and_sets_the_cookie(db) {
        let app = spawn!(db);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        let r = app.login("  ANN@example.com ", PW).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["account"]["name"], "Ann");
        assert_eq!(r.header("location"), Some("/customer"));
        let cookie = r.session_cookie().unwrap();
        let value = cookie.split(';').next().unwrap().trim_start_matches("curbside_session=");
        assert_eq!(value, r.json["token"].as_str().unwrap());
        let me = app.get("/api/me", Auth::Cookie(value)).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.json["name"], "Ann");
    }

    async fn login_follows_next_only_within_the_site(db) {
        let app = spawn!(db);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        for (next, expected) in [("/account", "/account"), ("//evil.example", "/customer"), ("/admin", "/customer")] {
            let r = app.post("/api/login", &[("email", "ann@example.com"), ("password", PW), ("next", next)], Auth::None).await;
            assert_eq!(r.status, 200);
            assert_eq!(r.header("location"), Some(expected), "next={next}");
        }
    }

    async fn wrong_email_and_wrong_password_get_the_same_answer(db) {
        let app = spawn!(db);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        let wrong_password = app.login("ann@example.com", "not the password").await;
        let wrong_email = app.login("nobody@example.com", PW).await;
        assert_eq!(wrong_password.status, 401);
        assert_eq!(wrong_email.status, wrong_password.status);
        assert_eq!(wrong_email.body, wrong_password.body);
        assert_eq!(wrong_email.json, json!({ "error": "invalid_credentials", "message": "Email or password is incorrect." }));
        assert!(wrong_email.session_cookie().is_none());
    }

    async fn five_failures_lock_the_email_even_across_a_restart(db) {
        let app = spawn!(db);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        for i in 1..=4 {
            assert_eq!(app.login("ann@example.com", "guess").await.status, 401, "attempt {i}");
        }
        let fifth = app.login("ann@example.com", "guess").await;
        assert_eq!(fifth.status, 429, "{}", fifth.body);
        assert_eq!(fifth.header("retry-after"), Some("900"));
        // Even the right password waits now.
        let right = app.login("ANN@example.com", PW).await;
        assert_eq!(right.status, 429);
        assert_eq!(right.json["error"], "too_many_attempts");
        assert_eq!(right.json["message"], "Too many failed attempts. Try again in 15 minutes.");
        assert_eq!(audit_actions(&app).await, ["account.registered", "login.locked"]);

        let app = app.restart(&[]).await;
        let after = app.login("ann@example.com", PW).await;
        assert_eq!(after.status, 429, "a restart must not lift the lock: {}", after.body);
        // Another account is not affected.
        app.register("customer", "Bob", "bob@example.com", PW).await;
        assert_eq!(app.login("bob@example.com", PW).await.status, 200);
    }

    async fn many_failures_from_one_address_lock_it(db) {
        let app = spawn!(db);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        for i in 0..20 {
            let r = app.login(&format!("nobody{i}@example.com"), "guess").await;
            assert!(r.status == 401 || (i == 19 && r.status == 429), "attempt {i}: {}", r.status);
        }
        let r = app.login("ann@example.com", PW).await;
        assert_eq!(r.status, 429, "{}", r.body);
    }

    async fn behind_a_trusted_proxy_each_client_address_is_counted_apart(db) {
        let app = spawn!(db, &[("TRUST_FORWARDED_FOR", "true")]);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        let login_from = |ip: &'static str, email: String, password: &'static str| {
            let app = &app;
            async move {
                app.client
                    .post(app.url("/api/login"))
                    .header("x-forwarded-for", format!("203.0.113.99, {ip}"))
                    .form(&[("email", email.as_str()), ("password", password)])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        for i in 0..20 {
            login_from("198.51.100.1", format!("nobody{i}@example.com"), "guess").await;
        }
        assert_eq!(login_from("198.51.100.1", "ann@example.com".into(), PW).await, 429);
        assert_eq!(login_from("198.51.100.2", "ann@example.com".into(), PW).await, 200);
    }

    async fn without_a_trusted_proxy_forwarded_addresses_are_ignored(db) {
        let app = spawn!(db);
        app.register("customer", "Ann", "ann@example.com", PW).await;
        for i in 0..20 {
            app.client
                .post(app.url("/api/login"))
                .header("x-forwarded-for", format!("198.51.100.{i}"))
                .form(&[("email", format!("nobody{i}@example.com").as_str()), ("password", "guess")])
                .send()
                .await
                .unwrap();
        }
        // A made-up header does not buy a fresh allowance.
        let r = app.client
            .post(app.url("/api/login"))
            .header("x-forwarded-for", "198.51.100.200")
            .form(&[("email", "ann@example.com"), ("password", PW)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
    }

    async fn logout_revokes_the_bearer_token(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann", "ann@example.com", PW).await;
        assert_eq!(app.get("/api/me", Auth::Bearer(&token)).await.status, 200);
        let r = app.post("/api/logout", &[], Auth::Bearer(&token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let me = app.get("/api/me", Auth::Bearer(&token)).await;
        assert_eq!(me.status, 401);
        assert_eq!(me.json["error"], "unauthenticated");
    }

    async fn logout_clears_and_revokes_the_cookie(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann", "ann@example.com", PW).await;
        let r = app.post("/api/logout", &[], Auth::Cookie(&token)).await;
        assert_eq!(r.status, 200);
        let cleared = r.session_cookie().expect("a clearing cookie");
        assert!(cleared.starts_with("curbside_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
        // A browser that kept the old cookie anyway is still signed out.
        assert_eq!(app.get("/api/me", Auth::Cookie(&token)).await.status, 401);
        let page = app.get("/customer", Auth::Cookie(&token)).await;
        assert_eq!(page.status, 303);
    }

    async fn logout_everywhere_ends_every_session(db) {
        let app = spawn!(db);
        let first = app.register("customer", "Ann", "ann@example.com", PW).await;
        let second = app.login("ann@example.com", PW).await.json["token"].as_str().unwrap().to_owned();
        let r = app.post("/api/logout_everywhere", &[], Auth::Bearer(&second)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.get("/api/me", Auth::Bearer(&first)).await.status, 401);
        assert_eq!(app.get("/api/me", Auth::Bearer(&second)).await.status, 401);
        assert!(audit_actions(&app).await.contains(&"sessions.revoked_all".to_owned()));
    }

    async fn changing_the_password_ends_the_other_sessions(db) {
        let app = spawn!(db);
        let phone = app.register("customer", "Ann", "ann@example.com", PW).await;
        let laptop = app.login("ann@example.com", PW).await.json["token"].as_str().unwrap().to_owned();
        let new_pw = "a brand new passphrase";

        let wrong = app.post("/api/change_password", &[("current_password", "not it at all"), ("new_password", new_pw)], Auth::Bearer(&laptop)).await;
        assert_eq!(wrong.status, 422);
        assert_eq!(field_error(&wrong.json).0, "current_password");
        let weak = app.post("/api/change_password", &[("current_password", PW), ("new_password", "short")], Auth::Bearer(&laptop)).await;
        assert_eq!(field_error(&weak.json).0, "new_password");
        assert_eq!(app.get("/api/me", Auth::Bearer(&phone)).await.status, 200, "a refused change ends nothing");

        let r = app.post("/api/change_password", &[("current_password", PW), ("new_password", new_pw)], Auth::Bearer(&laptop)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.get("/api/me", Auth::Bearer(&laptop)).await.status, 200, "this session goes on");
        assert_eq!(app.get("/api/me", Auth::Bearer(&phone)).await.status, 401, "the other one ends");
        assert_eq!(app.login("ann@example.com", PW).await.status, 401);
        assert_eq!(app.login("ann@example.com", new_pw).await.status, 200);
        assert!(audit_actions(&app).await.contains(&"password.changed".to_owned()));
    }

    async fn guessing_the_current_password_locks_like_failed_logins(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann", "ann@example.com", PW).await;
        let (app, token) = (&app, &token);
        let change = move |current: &'static str| async move {
            app.post("/api/change_password", &[("current_password", current), ("new_password", "a brand new passphrase")], Auth::Bearer(token)).await
        };
        for _ in 0..4 {
            assert_eq!(change("wrong guess!").await.status, 422);
        }
        assert_eq!(change("wrong guess!").await.status, 429);
        assert_eq!(change(PW).await.status, 429, "locked even with the right password");
        assert_eq!(app.login("ann@example.com", PW).await.status, 429);
    }

    async fn concurrent_sign_ups_for_one_email_make_one_account(db) {
        let app = spawn!(db);
        let app = &app;
        let attempts = (0..8).map(|i| async move {
            let email = if i % 2 == 0 { "ann@example.com" } else { "ANN@example.com" };
            app.post("/api/register", &[("name", "Ann"), ("email", email), ("password", PW), ("role", "customer")], Auth::None).await
        });
        let replies = futures::future::join_all(attempts).await;
        let ok = replies.iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 1, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
        assert!(replies.iter().all(|r| r.status == 200 || (r.status == 422 && r.json["field"] == "email")));
        assert_eq!(count(app, "SELECT COUNT(*) FROM users").await, 1);
    }

    async fn the_profile_can_be_edited(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann", "ann@example.com", PW).await;
        let r = app.post("/api/update_profile", &[("name", "Ann Lee"), ("phone", "+1 (555) 123-4567")], Auth::Bearer(&token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json["phone"], "+1 (555) 123-4567");
        let bad = app.post("/api/update_profile", &[("name", ""), ("phone", "")], Auth::Bearer(&token)).await;
        assert_eq!(field_error(&bad.json).0, "name");
        let me = app.get("/api/me", Auth::Bearer(&token)).await;
        assert_eq!(me.json["name"], "Ann Lee", "a refused edit changes nothing");
        assert_eq!(app.post("/api/update_profile", &[("name", "X")], Auth::None).await.status, 401);
    }

    async fn an_expired_token_is_refused(db) {
        let app = spawn!(db, &[("SESSION_TTL_SECS", "1")]);
        let token = app.register("customer", "Ann", "ann@example.com", PW).await;
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let me = app.get("/api/me", Auth::Bearer(&token)).await;
        assert_eq!(me.status, 401, "{}", me.body);
    }

    async fn a_forged_or_mangled_token_is_refused(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann", "ann@example.com", PW).await;
        let mut mangled = token.clone();
        mangled.pop();
        mangled.push(if token.ends_with('A') { 'B' } else { 'A' });
        for bad in [mangled.as_str(), "not-a-token", "a.b.c"] {
            assert_eq!(app.get("/api/me", Auth::Bearer(bad)).await.status, 401, "{bad}");
        }
        // Another installation's token (another secret) means nothing here.
        let other = spawn!(db, &[("JWT_SECRET", "a different secret that is long enough")]);
        let foreign = other.register("customer", "Ann", "ann@example.com", PW).await;
        assert_eq!(app.get("/api/me", Auth::Bearer(&foreign)).await.status, 401);
    }

    async fn sessions_survive_a_restart_with_the_generated_secret(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann", "ann@example.com", PW).await;
        let secret = app.db.dir().join("data/jwt_secret");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).expect("secret file under ./data").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let app = app.restart(&[]).await;
        assert_eq!(app.get("/api/me", Auth::Bearer(&token)).await.status, 200);
    }

    async fn only_admins_reach_admin_functions(db) {
        let app = spawn!(db);
        let customer = app.register("customer", "Ann", "ann@example.com", PW).await;
        let mechanic = app.register("mechanic", "Raj", "raj@example.com", PW).await;
        assert_eq!(app.get("/api/admin_overview", Auth::None).await.status, 401);
        let r = app.get("/api/admin_overview", Auth::Bearer(&customer)).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(r.json["error"], "forbidden");
        assert_eq!(app.get("/api/admin_overview", Auth::Bearer(&mechanic)).await.status, 403);

        let admin = app.register("customer", "Ada", "ada@example.com", PW).await;
        let pool = app.sql().await;
        sqlx::query("UPDATE users SET role = 'admin' WHERE email_lower = 'ada@example.com'").execute(&pool).await.unwrap();
        let r = app.get("/api/admin_overview", Auth::Bearer(&admin)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json, json!({ "customers": 1, "mechanics": 0, "mechanics_pending": 1, "admins": 1, "suspended": 0 }));
    }

    async fn a_suspended_user_is_logged_out(db) {
        let app = spawn!(db);
        let token = app.register("customer", "Ann", "ann@example.com", PW).await;
        let pool = app.sql().await;
        sqlx::query("UPDATE users SET status = 'suspended'").execute(&pool).await.unwrap();
        assert_eq!(app.get("/api/me", Auth::Bearer(&token)).await.status, 401);
        assert_eq!(app.get("/customer", Auth::Cookie(&token)).await.status, 303);
        let r = app.login("ann@example.com", PW).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(r.json["error"], "suspended");
        assert!(r.session_cookie().is_none());
    }

    async fn area_pages_send_visitors_to_login_and_users_to_their_own_area(db) {
        let app = spawn!(db);
        let r = app.get("/customer", Auth::None).await;
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some("/login?next=/customer"));
        assert_eq!(app.get("/account", Auth::None).await.header("location"), Some("/login?next=/account"));

        let customer = app.register("customer", "Ann Lee", "ann@example.com", PW).await;
        let r = app.get("/admin", Auth::Cookie(&customer)).await;
        assert_eq!(r.status, 303);
        assert_eq!(r.header("location"), Some("/customer"));
        let r = app.get("/customer", Auth::Cookie(&customer)).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("Ann Lee"), "the area greets the user");
        assert!(r.body.contains("No jobs yet"));
        assert_eq!(app.get("/account", Auth::Cookie(&customer)).await.status, 200);
        let login = app.get("/login", Auth::Cookie(&customer)).await;
        assert!(login.body.contains("You are logged in as"), "the login page says who is signed in");

        let mechanic = app.register("mechanic", "Raj", "raj@example.com", PW).await;
        let r = app.get("/mechanic", Auth::Cookie(&mechanic)).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("pending approval"), "{}", r.body);
    }
}
