//! The installable app: the service worker, the offline page, where the
//! installed app starts, and how long browsers may keep each file.

mod common;

use common::{Auth, Db, TestApp, TestDb, flow::*};

both_databases! {
    async fn the_installed_app_starts_in_each_roles_own_area(db) {
        let app = spawn!(db);
        let (customer, _) = customer(&app, "cara@example.com").await;
        let admin = app.admin(ADMIN, PW).await;
        let m = mechanic(&app, &admin, "mo@example.com", JOB_AT, "10", true, true).await;
        for (auth, home) in [
            (Auth::None, "/"),
            (Auth::Cookie(&customer), "/customer"),
            (Auth::Cookie(&m.token), "/mechanic"),
            (Auth::Cookie(&admin), "/admin"),
        ] {
            let r = app.get("/start", auth).await;
            assert_eq!(r.status, 303, "{}", r.body);
            assert_eq!(r.headers["location"], home);
        }
    }
}

/// A built site in `dir`: the bundle's names carry hashes when `hashed`
/// (with cargo-leptos's hash file beside it), as a plain build leaves them
/// otherwise. Returns the settings that point the server at it.
fn site(dir: &std::path::Path, hashed: bool) -> Vec<(&'static str, String)> {
    let root = dir.join("site");
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::create_dir_all(root.join("icons")).unwrap();
    let tag = |ext: &str| {
        if hashed {
            format!("curbside.H{ext}.{ext}")
        } else {
            format!("curbside.{ext}")
        }
    };
    for (file, body) in [
        (format!("pkg/{}", tag("wasm")), "\0asm"),
        (format!("pkg/{}", tag("js")), "export {}"),
        (format!("pkg/{}", tag("css")), "body{}"),
        ("icons/icon-192.png".to_owned(), "png"),
    ] {
        let path = root.join(file);
        std::fs::write(&path, body).unwrap();
        // A whole second, as `Last-Modified` has it: otherwise a file
        // written this second looks newer than its own header.
        let then = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(then)
            .unwrap();
    }
    let hash_file = dir.join("hash.txt");
    if hashed {
        std::fs::write(&hash_file, "js: Hjs\nwasm: Hwasm\ncss: Hcss\n").unwrap();
    }
    vec![
        ("LEPTOS_SITE_ROOT", root.display().to_string()),
        ("LEPTOS_HASH_FILE_NAME", hash_file.display().to_string()),
    ]
}

async fn start(hashed: bool) -> TestApp {
    let db = TestDb::new(Db::Sqlite).await.unwrap();
    let settings = site(db.dir(), hashed);
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::start(db, &settings).await
}

#[tokio::test]
async fn the_worker_precaches_this_builds_shell_and_is_always_revalidated() {
    let app = start(true).await;
    let r = app.get("/sw.js", Auth::None).await;
    assert_eq!(r.status, 200);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(r.headers["cache-control"], "no-cache");
    for file in [
        "\"/offline\"",
        "\"/pkg/curbside.Hwasm.wasm\"",
        "\"/pkg/curbside.Hcss.css\"",
        "\"/pwa.js\"",
    ] {
        assert!(r.body.contains(file), "{file} not precached:\n{}", r.body);
    }
    assert!(r.body.contains("const HASHED = true;"));

    let offline = app.get("/offline", Auth::None).await;
    assert_eq!(offline.status, 200);
    assert!(offline.body.contains("You're offline"), "{}", offline.body);
    assert!(offline.body.contains(r#"href="/pkg/curbside.Hcss.css""#));
}

#[tokio::test]
async fn pages_link_the_hashed_files_and_those_are_kept_for_a_year() {
    let app = start(true).await;
    let page = app.get("/login", Auth::None).await;
    for link in [
        "/pkg/curbside.Hcss.css",
        "/pkg/curbside.Hjs.js",
        "/pkg/curbside.Hwasm.wasm",
    ] {
        assert!(page.body.contains(link), "{link} not on the page");
    }
    let r = app.get("/pkg/curbside.Hwasm.wasm", Auth::None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // Everything else is asked for again each time.
    let icon = app.get("/icons/icon-192.png", Auth::None).await;
    assert_eq!(icon.headers["cache-control"], "no-cache");
    // A missing file is not cached at all.
    assert_eq!(
        app.get("/pkg/curbside.Other.wasm", Auth::None)
            .await
            .headers
            .get("cache-control"),
        None
    );
}

#[tokio::test]
async fn files_without_a_hash_in_their_name_are_revalidated_and_answered_304_when_unchanged() {
    let app = start(false).await;
    let sw = app.get("/sw.js", Auth::None).await;
    assert!(sw.body.contains("const HASHED = false;"));
    assert!(sw.body.contains("\"/pkg/curbside.wasm\""));
    for path in ["/pkg/curbside.wasm", "/icons/icon-192.png"] {
        let r = app.get(path, Auth::None).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.headers["cache-control"], "no-cache", "{path}");
        let since = r.headers["last-modified"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("if-modified-since", since)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
}
