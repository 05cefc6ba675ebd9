//! Photos of a job, black-box over HTTP on SQLite and PostgreSQL, each with
//! photos on local disk and in S3 (moto, started by `make test`): what is
//! refused, what is stored (upright, without metadata), who sees it, how
//! long links work, deletion and clean-up.

mod common;

use common::{Auth, Db, Reply, TestApp, flow::*};
use image::{ImageDecoder, Rgb, RgbImage};
use std::{io::Cursor, time::Duration};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Store {
    Local,
    S3,
}

/// Runs each test on both databases and both stores.
macro_rules! every_store {
    ($(async fn $name:ident($db:ident, $store:ident) $body:block)*) => {
        $(
            mod $name {
                use super::*;
                async fn run($db: Db, $store: Store) $body

                #[tokio::test]
                async fn sqlite_local() { run(Db::Sqlite, Store::Local).await }

                #[tokio::test]
                #[cfg_attr(no_moto, ignore = "moto is not running (run through scripts/moto.sh)")]
                async fn sqlite_s3() { run(Db::Sqlite, Store::S3).await }

                #[tokio::test]
                #[cfg_attr(no_test_postgres, ignore = "TEST_POSTGRES_URL is not set")]
                async fn postgres_local() { run(Db::Postgres, Store::Local).await }

                #[tokio::test]
                #[cfg_attr(no_test_postgres, ignore = "TEST_POSTGRES_URL is not set")]
                #[cfg_attr(all(no_moto, not(no_test_postgres)), ignore = "moto is not running (run through scripts/moto.sh)")]
                async fn postgres_s3() { run(Db::Postgres, Store::S3).await }
            }
        )*
    };
}

/// moto's address (`TEST_S3_ENDPOINT`, set by scripts/moto.sh), or `None`
/// to skip; with `CI=true` a missing one fails the test.
fn s3_endpoint() -> Option<String> {
    match std::env::var("TEST_S3_ENDPOINT") {
        Ok(u) if !u.trim().is_empty() => Some(u.trim_end_matches('/').to_owned()),
        _ if common::in_ci() => {
            panic!("CI=true but TEST_S3_ENDPOINT is not set; run the tests through scripts/moto.sh")
        }
        _ => {
            eprintln!("warning: TEST_S3_ENDPOINT is not set; this S3 test did not run");
            None
        }
    }
}

/// A running app with its photo store; `bucket` names the S3 one.
struct PhotoApp {
    app: TestApp,
    store: Store,
    bucket: Option<(String, String)>,
}

impl std::ops::Deref for PhotoApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

async fn spawn_photos(db: Db, store: Store, extra: &[(&str, &str)]) -> Option<PhotoApp> {
    let mut settings: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let bucket = match store {
        Store::Local => None,
        Store::S3 => {
            let base = s3_endpoint()?;
            let name = format!("curbside-{}", uuid::Uuid::now_v7().simple());
            let r = reqwest::Client::new()
                .put(format!("{base}/{name}"))
                .send()
                .await
                .expect("moto answers");
            assert!(r.status().is_success(), "create bucket: {}", r.status());
            settings.extend([
                ("S3_BUCKET".into(), name.clone()),
                ("S3_ENDPOINT".into(), base.clone()),
                ("S3_REGION".into(), "us-east-1".into()),
                ("S3_ACCESS_KEY_ID".into(), "testing".into()),
                ("S3_SECRET_ACCESS_KEY".into(), "testing".into()),
            ]);
            Some((base, name))
        }
    };
    let refs: Vec<(&str, &str)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let app = TestApp::spawn_with(db, &refs).await?;
    Some(PhotoApp { app, store, bucket })
}

macro_rules! spawn_photos {
    ($db:expr, $store:expr) => {
        spawn_photos!($db, $store, &[])
    };
    ($db:expr, $store:expr, $extra:expr) => {
        match spawn_photos($db, $store, $extra).await {
            Some(app) => app,
            None => return,
        }
    };
}

impl PhotoApp {
    /// Every object the store holds now.
    async fn objects(&self) -> Vec<String> {
        match &self.bucket {
            None => {
                let root = self.app.db.dir().join("data/photos");
                let mut found = Vec::new();
                let mut dirs = vec![root.clone()];
                while let Some(d) = dirs.pop() {
                    let Ok(entries) = std::fs::read_dir(&d) else {
                        continue;
                    };
                    for e in entries.flatten() {
                        let p = e.path();
                        if p.is_dir() {
                            dirs.push(p);
                        } else {
                            found.push(p.strip_prefix(&root).unwrap().display().to_string());
                        }
                    }
                }
                found.sort();
                found
            }
            Some((base, bucket)) => {
                let xml = reqwest::get(format!("{base}/{bucket}?list-type=2"))
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                let mut keys: Vec<String> = xml
                    .split("<Key>")
                    .skip(1)
                    .map(|s| s.split("</Key>").next().unwrap().to_owned())
                    .collect();
                keys.sort();
                keys
            }
        }
    }

    /// A photo link's bytes as `auth` fetches it (S3's presigned links
    /// need no session; this server's need the one they were made for).
    async fn fetch(&self, url: &str, auth: Auth<'_>) -> (u16, Vec<u8>) {
        let client = reqwest::Client::new();
        let req = if url.starts_with('/') {
            auth.apply(client.get(self.app.url(url)))
        } else {
            client.get(url)
        };
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
    }

    /// Asks for an upload; on success sends `bytes` and finishes it.
    async fn upload(
        &self,
        token: &str,
        job: &str,
        kind: &str,
        bytes: &[u8],
        content_type: &str,
    ) -> Reply {
        self.upload_declared(token, job, kind, bytes, content_type, bytes.len())
            .await
    }

    async fn upload_declared(
        &self,
        token: &str,
        job: &str,
        kind: &str,
        bytes: &[u8],
        content_type: &str,
        declared: usize,
    ) -> Reply {
        let ticket = self
            .app
            .post(
                "/api/photo_upload",
                &[
                    ("job_id", job),
                    ("kind", kind),
                    ("caption", "Front left"),
                    ("byte_size", &declared.to_string()),
                    ("content_type", content_type),
                ],
                Auth::Bearer(token),
            )
            .await;
        if ticket.status != 200 {
            return ticket;
        }
        let sent = self.send_bytes(token, &ticket.json, bytes).await;
        if !(200..300).contains(&sent.status) {
            return sent;
        }
        self.app
            .post(
                "/api/photo_done",
                &[("id", ticket.json["id"].as_str().unwrap())],
                Auth::Bearer(token),
            )
            .await
    }

    /// The PUT of an upload's bytes to its ticket's link.
    async fn send_bytes(&self, token: &str, ticket: &serde_json::Value, bytes: &[u8]) -> Reply {
        let url = ticket["url"].as_str().unwrap();
        let client = reqwest::Client::new();
        let mut put = if url.starts_with('/') {
            Auth::Bearer(token).apply(client.put(self.app.url(url)))
        } else {
            client.put(url)
        };
        for pair in ticket["headers"].as_array().unwrap() {
            put = put.header(pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        }
        Reply::of(put.body(bytes.to_vec()).send().await.unwrap()).await
    }

    async fn list(&self, token: &str, job: &str) -> Reply {
        self.app
            .get(&format!("/api/photos?job_id={job}"), Auth::Bearer(token))
            .await
    }
}

/// A 40 × 20 JPEG, left half red, right half blue, whose EXIF says
/// "turn 90° clockwise to show" and where it was taken (a home's GPS position).
fn phone_photo() -> Vec<u8> {
    let img = RgbImage::from_fn(40, 20, |x, _| {
        if x < 20 {
            Rgb([230, 20, 20])
        } else {
            Rgb([20, 20, 230])
        }
    });
    let jpeg = encoded(img, image::ImageFormat::Jpeg);
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    let entry = |tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        let mut e = tag.to_be_bytes().to_vec();
        e.extend(kind.to_be_bytes());
        e.extend(count.to_be_bytes());
        e.extend(value);
        e
    };
    // IFD0 at 8: orientation 6 and the GPS IFD's place (38).
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(entry(0x0112, 3, 1, [0, 6, 0, 0]));
    tiff.extend(entry(0x8825, 4, 1, 38u32.to_be_bytes()));
    tiff.extend(0u32.to_be_bytes());
    // GPS IFD at 38: latitude N 51° 32' 12.34" (rationals at 68).
    tiff.extend(2u16.to_be_bytes());
    tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
    tiff.extend(entry(0x0002, 5, 3, 68u32.to_be_bytes()));
    tiff.extend(0u32.to_be_bytes());
    for (n, d) in [(51u32, 1u32), (32, 1), (1234, 100)] {
        tiff.extend(n.to_be_bytes());
        tiff.extend(d.to_be_bytes());
    }
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

/// `img` in `format`, as an encoder writes it.
fn encoded(img: RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// Where the metadata fixtures say they were taken, in words.
const PLACE: &str = "51.53678,-0.14321";

/// A JPEG carrying metadata in every place but EXIF: XMP (with a GPS
/// position), IPTC (Photoshop's APP13) and a comment.
fn jpeg_with_metadata() -> Vec<u8> {
    let img = RgbImage::from_pixel(24, 16, Rgb([90, 140, 60]));
    let jpeg = encoded(img, image::ImageFormat::Jpeg);
    let segment = |marker: u8, body: &[u8]| {
        let mut seg = vec![0xFF, marker];
        seg.extend(((body.len() + 2) as u16).to_be_bytes());
        seg.extend(body);
        seg
    };
    let xmp = format!(
        "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
         <rdf:Description xmlns:exif=\"http://ns.adobe.com/exif/1.0/\" exif:GPSLatitude=\"51,32.2057N\" exif:GPSLongitude=\"0,8.5926W\" \
         exif:Make=\"Nikon\" exif:UserComment=\"{PLACE}\"/></rdf:RDF></x:xmpmeta>"
    );
    let mut iptc = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    let record = format!("\x1c\x02\x5c\0\x11{PLACE}");
    iptc.extend(((record.len()) as u32).to_be_bytes());
    iptc.extend(record.as_bytes());
    let mut out = jpeg[..2].to_vec();
    out.extend(segment(0xE1, xmp.as_bytes()));
    out.extend(segment(0xED, &iptc));
    out.extend(segment(0xFE, format!("Taken at {PLACE}").as_bytes()));
    out.extend(&jpeg[2..]);
    out
}

/// A PNG with an eXIf chunk (EXIF: a camera make) and a tEXt chunk saying where it was taken.
fn png_with_metadata() -> Vec<u8> {
    let img = RgbImage::from_pixel(24, 16, Rgb([200, 180, 40]));
    let png = encoded(img, image::ImageFormat::Png);
    let chunk = |kind: &[u8; 4], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        c.extend(crc32(&c[4..]).to_be_bytes());
        c
    };
    // A big-endian TIFF with one entry: Make = "Nikon" (at offset 26).
    let mut exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x0f\0\x02\0\0\0\x06\0\0\0\x1a\0\0\0\0".to_vec();
    exif.extend(b"Nikon\0");
    // After the 8-byte signature and the 25-byte IHDR chunk.
    let mut out = png[..33].to_vec();
    out.extend(chunk(b"eXIf", &exif));
    out.extend(chunk(b"tEXt", format!("Location\0{PLACE}").as_bytes()));
    out.extend(&png[33..]);
    out
}

/// PNG's CRC-32 (of a chunk's type and data).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A stored JPEG holds only the segments the re-encoder itself writes:
/// JFIF, tables, frame and scan; no APPn of any other kind, no comment.
fn assert_only_what_the_encoder_writes(jpeg: &[u8], what: &str) {
    let markers = jpeg_markers(jpeg);
    let extra: Vec<String> = markers
        .iter()
        .filter(|m| !matches!(m, 0xE0 | 0xDB | 0xC0 | 0xC4 | 0xDD | 0xDA))
        .map(|m| format!("FF{m:02X}"))
        .collect();
    assert!(extra.is_empty(), "{what}: {extra:?} in {markers:02X?}");
}

/// The markers of a JPEG's segments, SOI and EOI aside, up to its first scan.
fn jpeg_markers(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "a JPEG");
    let mut found = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        assert_eq!(jpeg[at], 0xFF, "a marker at {at}");
        let marker = jpeg[at + 1];
        found.push(marker);
        if marker == 0xDA {
            break;
        }
        let len = u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize;
        at += 2 + len;
    }
    found
}

/// The EXIF block a JPEG carries, if any.
fn exif_of(jpeg: &[u8]) -> Option<Vec<u8>> {
    let mut d = image::codecs::jpeg::JpegDecoder::new(Cursor::new(jpeg)).unwrap();
    d.exif_metadata().unwrap()
}

/// A real PNG whose header claims 100,000 × 100,000 pixels.
fn bomb() -> Vec<u8> {
    let mut png = encoded(RgbImage::new(8, 8), image::ImageFormat::Png);
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let mut crc = !0u32;
    for &b in &png[12..29] {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    png[29..33].copy_from_slice(&(!crc).to_be_bytes());
    png
}

/// Priya's requested job, Dan (near, quoted) and Ben (another customer).
struct Scene {
    admin: String,
    priya: String,
    job: String,
    dan: Mechanic,
    ben: String,
    ben_vehicle: String,
}

async fn scene(app: &TestApp) -> Scene {
    let Requested {
        admin,
        customer: priya,
        job,
    } = requested(app).await;
    let dan = near_mechanic(app, &admin, "dan@example.com").await;
    let (ben, ben_vehicle) = customer(app, "ben@example.com").await;
    Scene {
        admin,
        priya,
        job,
        dan,
        ben,
        ben_vehicle,
    }
}

/// Dan quotes and Priya books him.
async fn book(app: &TestApp, s: &Scene) {
    common::flow::book(app, &s.priya, &s.dan, &s.job, ("60", "30")).await;
}

every_store! {
    async fn a_stored_photo_is_upright_and_carries_no_exif_or_gps(db, store) {
        let app = spawn_photos!(db, store);
        let s = scene(&app).await;
        let original = phone_photo();
        assert!(exif_of(&original).is_some(), "the fixture carries EXIF");

        let r = app.upload(&s.priya, &s.job, "problem", &original, "image/jpeg").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!((r.json["width"].as_u64(), r.json["height"].as_u64()), (Some(20), Some(40)));
        assert_eq!(r.json["caption"], "Front left");

        let (status, stored) = app.fetch(r.json["url"].as_str().unwrap(), Auth::Bearer(&s.priya)).await;
        assert_eq!(status, 200);
        assert!(exif_of(&stored).is_none(), "EXIF (and its GPS position) was stripped");
        assert!(!stored.windows(4).any(|w| w == b"Exif"));
        assert_only_what_the_encoder_writes(&stored, "the display size");
        // The fixture's latitude, 51° 32' 12.34": its rational 1234/100.
        assert!(!stored.windows(8).any(|w| w == [0, 0, 4, 210, 0, 0, 0, 100]), "the GPS seconds were kept");
        let shown = image::load_from_memory(&stored).unwrap().to_rgb8();
        assert_eq!(shown.dimensions(), (20, 40), "turned upright");
        let (top, bottom) = (shown.get_pixel(10, 5), shown.get_pixel(10, 35));
        assert!(top[0] > 150 && top[2] < 100, "the left (red) half is now on top: {top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "{bottom:?}");
        let (status, thumb) = app.fetch(r.json["thumb_url"].as_str().unwrap(), Auth::Bearer(&s.priya)).await;
        assert_eq!(status, 200);
        assert!(exif_of(&thumb).is_none());
        assert_only_what_the_encoder_writes(&thumb, "the thumbnail");

        // Only the two re-encoded sizes are kept: not the original.
        let objects = app.objects().await;
        assert_eq!(objects.len(), 2, "{objects:?}");
        assert!(objects.iter().all(|k| k.contains(&s.job) && k.ends_with(".jpg")), "{objects:?}");
    }

    async fn no_metadata_of_any_kind_survives_storage(db, store) {
        let app = spawn_photos!(db, store);
        let s = scene(&app).await;
        for (what, original, content_type) in [
            ("XMP with GPS, IPTC and a comment", jpeg_with_metadata(), "image/jpeg"),
            ("eXIf and tEXt chunks", png_with_metadata(), "image/png"),
        ] {
            assert!(original.windows(PLACE.len()).any(|w| w == PLACE.as_bytes()), "the fixture carries the place");
            let r = app.upload(&s.priya, &s.job, "problem", &original, content_type).await;
            assert_eq!(r.status, 200, "{what}: {}", r.body);
            for size in ["url", "thumb_url"] {
                let (status, stored) = app.fetch(r.json[size].as_str().unwrap(), Auth::Bearer(&s.priya)).await;
                assert_eq!(status, 200);
                assert_only_what_the_encoder_writes(&stored, &format!("{what}, {size}"));
                for trace in [PLACE, "51,32.2057N", "GPSLatitude", "8BIM", "Photoshop", "Nikon"] {
                    assert!(!stored.windows(trace.len()).any(|w| w == trace.as_bytes()), "{what}, {size}: {trace:?} was kept");
                }
            }
        }
    }

    async fn what_is_not_a_usable_photo_is_refused_and_leaves_nothing(db, store) {
        let app = spawn_photos!(db, store);
        let s = scene(&app).await;

        let text = b"Dear mechanic, this is a text file named photo.jpg".repeat(4);
        let r = app.upload(&s.priya, &s.job, "problem", &text, "image/jpeg").await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("not a photo"), "{}", r.body);

        let r = app.upload(&s.priya, &s.job, "problem", &bomb(), "image/png").await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("megapixels"), "{}", r.body);

        let heic = [&b"\0\0\0\x18ftypheic"[..], &[0u8; 64][..]].concat();
        let r = app.upload(&s.priya, &s.job, "problem", &heic, "image/jpeg").await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("JPEG, PNG or WebP"), "{}", r.body);
        let r = app.upload(&s.priya, &s.job, "problem", &heic, "image/heic").await;
        assert_eq!(r.status, 422, "declared HEIC is refused before sending: {}", r.body);

        // 6 MB: refused when declared, and refused when sent under a smaller declaration.
        let six_mb = {
            let mut big = phone_photo();
            big.resize(6 * 1024 * 1024, 0);
            big
        };
        let r = app.upload(&s.priya, &s.job, "problem", &six_mb, "image/jpeg").await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.json["message"].as_str().unwrap().contains("at most 5 MB"), "{}", r.body);
        let r = app
            .upload_declared(&s.priya, &s.job, "problem", &six_mb, "image/jpeg", 4 * 1024 * 1024)
            .await;
        // This server's link cuts the body off at the declared size (413);
        // S3 takes it, and the finish finds it too big and drops it (422).
        let refused_with = if store == Store::Local { 413 } else { 422 };
        assert_eq!((r.status, r.json["field"].as_str()), (refused_with, Some("photo")), "{}", r.body);

        let r = app.upload(&s.priya, &s.job, "before", &phone_photo(), "image/jpeg").await;
        assert_eq!(r.status, 422, "a customer's photo shows the problem: {}", r.body);

        let listed = app.list(&s.priya, &s.job).await.expect_success("list");
        assert_eq!(listed, serde_json::json!([]));
        let uploads_left = app.count("SELECT COUNT(*) FROM photos WHERE state = 'ready'").await;
        assert_eq!(uploads_left, 0);
        // Nothing was kept, not even the one S3 took.
        assert_eq!(app.objects().await, Vec::<String>::new());
    }

    async fn upload_grants_are_limited_per_user_and_expire_and_a_listed_photo_takes_no_more_bytes(db, store) {
        let app = spawn_photos!(db, store);
        let s = scene(&app).await;
        let photo = phone_photo();
        let size = photo.len().to_string();
        let grant = |token: String| {
            let (app, job, size) = (&app, s.job.clone(), size.clone());
            async move {
                app.post("/api/photo_upload", &[("job_id", job.as_str()), ("kind", "problem"), ("caption", ""),
                    ("byte_size", size.as_str()), ("content_type", "image/jpeg")], Auth::Bearer(&token)).await
            }
        };
        // 43 asked for at once: one user holds at most 20 waiting for bytes.
        let replies = futures::future::join_all((0..43).map(|_| grant(s.priya.clone()))).await;
        let granted: Vec<String> = replies.iter().filter(|r| r.status == 200).map(|r| r.json["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(granted.len(), 20, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
        let refused = replies.iter().find(|r| r.status != 200).unwrap();
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(refused.json["message"].as_str().unwrap().contains("20 photos"), "{}", refused.body);

        // Past their links' life (15 minutes) they hold no place any more.
        let pool = app.sql().await;
        sqlx::query("UPDATE photos SET created_at = created_at - 16 * 60 * 1000").execute(&pool).await.unwrap();
        pool.close().await;
        let r = app.upload(&s.priya, &s.job, "problem", &photo, "image/jpeg").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let late = app.post("/api/photo_done", &[("id", granted[0].as_str())], Auth::Bearer(&s.priya)).await;
        assert_eq!(late.status, 409, "a grant past its life: {}", late.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM photos WHERE state = 'ready'").await, 1);

        // The link still works after the photo is listed; bytes sent again are refused.
        let ticket = grant(s.priya.clone()).await;
        assert_eq!(ticket.status, 200, "{}", ticket.body);
        assert!((200..300).contains(&app.send_bytes(&s.priya, &ticket.json, &photo).await.status));
        let id = ticket.json["id"].as_str().unwrap();
        let done = app.post("/api/photo_done", &[("id", id)], Auth::Bearer(&s.priya)).await;
        assert_eq!(done.status, 200, "{}", done.body);
        if store == Store::Local {
            let again = app.send_bytes(&s.priya, &ticket.json, &photo).await;
            assert_eq!(again.status, 409, "{}", again.body);
        }
        let upload = format!("uploads/{id}");
        assert!(!app.objects().await.contains(&upload), "{:?}", app.objects().await);
    }

    async fn a_mechanic_whose_quote_was_declined_loses_the_problem_photos_and_the_jobs_stream(db, store) {
        let app = spawn_photos!(db, store);
        let s = scene(&app).await;
        let problem = app.upload(&s.priya, &s.job, "problem", &phone_photo(), "image/jpeg").await;
        assert_eq!(problem.status, 200, "{}", problem.body);
        let maria = near_mechanic(&app, &s.admin, "maria@example.com").await;
        assert_eq!(quote(&app, &maria, &s.job, "70", "30").await.status, 200);
        // The job's stream: only the status matters (its body never ends).
        let stream = |token: String| {
            let url = app.url(&format!("/api/events?job={}", s.job));
            async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
        };
        let seen = app.list(&maria.token, &s.job).await.expect_success("list while quoting");
        assert_eq!(seen.as_array().unwrap().len(), 1, "{seen}");
        let url = seen[0]["url"].as_str().unwrap().to_owned();
        if store == Store::Local {
            assert_eq!(app.fetch(&url, Auth::Bearer(&maria.token)).await.0, 200);
        }
        assert_eq!(stream(maria.token.clone()).await, 200);

        book(&app, &s).await;
        let later = app.upload(&s.priya, &s.job, "problem", &phone_photo(), "image/jpeg").await;
        assert_eq!(later.status, 200, "{}", later.body);
        let after = app.list(&maria.token, &s.job).await.expect_success("list after the booking");
        assert_eq!(after.as_array().unwrap().len(), 0, "{after}");
        if store == Store::Local {
            let (status, _) = app.fetch(&url, Auth::Bearer(&maria.token)).await;
            assert!(matches!(status, 403 | 404), "a link made while quoting: {status}");
        }
        assert_eq!(stream(maria.token.clone()).await, 404);
        // What she keeps: the job's outline and her quote's fate.
        let view = app.get(&format!("/api/job?id={}", s.job), Auth::Bearer(&maria.token)).await;
        assert_eq!((view.status, view.json["viewer"].as_str()), (200, Some("former_quoter")), "{}", view.body);
        assert_eq!(view.json["quotes"][0]["status"], "declined", "{}", view.body);
        assert_eq!(app.list(&s.dan.token, &s.job).await.expect_success("the booked mechanic").as_array().unwrap().len(), 2);
        assert_eq!(stream(s.dan.token.clone()).await, 200);
    }

    async fn only_the_jobs_people_see_its_photos_and_links_are_theirs_alone(db, store) {
        let app = spawn_photos!(db, store, &[("PHOTO_URL_TTL_SECS", "2")]);
        let s = scene(&app).await;
        let problem = app.upload(&s.priya, &s.job, "problem", &phone_photo(), "image/jpeg").await;
        assert_eq!(problem.status, 200, "{}", problem.body);
        let r = app.upload(&s.dan.token, &s.job, "before", &phone_photo(), "image/jpeg").await;
        assert_eq!(r.status, 409, "a mechanic adds photos once booked: {}", r.body);
        book(&app, &s).await;
        let before = app.upload(&s.dan.token, &s.job, "before", &phone_photo(), "image/jpeg").await;
        assert_eq!(before.status, 200, "{}", before.body);

        for who in [&s.priya, &s.dan.token, &s.admin] {
            let listed = app.list(who, &s.job).await.expect_success("list");
            assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
        }
        assert_eq!(app.list(&s.ben, &s.job).await.status, 404, "another customer");
        let sam = near_mechanic(&app, &s.admin, "sam@example.com").await;
        assert_eq!(app.list(&sam.token, &s.job).await.status, 404, "a mechanic not on the job");
        assert_eq!(app.list("", &s.job).await.status, 401);

        let url = problem.json["url"].as_str().unwrap().to_owned();
        if store == Store::Local {
            assert_eq!(app.fetch(&url, Auth::Bearer(&s.priya)).await.0, 200);
            assert_eq!(app.fetch(&url, Auth::Bearer(&s.ben)).await.0, 403, "another user's link");
            assert_eq!(app.fetch(&url, Auth::None).await.0, 403);
            let other_job = url.replace(&s.job, &request_job(&app, &s.ben, &s.ben_vehicle).await);
            assert_eq!(app.fetch(&other_job, Auth::Bearer(&s.priya)).await.0, 403, "another job's key");
            let tampered = url.replacen("sig=", "sig=00", 1);
            let (status, body) = app.fetch(&tampered, Auth::Bearer(&s.priya)).await;
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{body}");
        } else {
            assert_eq!(app.fetch(&url, Auth::None).await.0, 200, "a presigned GET");
        }
        if store == Store::Local {
            tokio::time::sleep(Duration::from_millis(3_100)).await;
            assert_eq!(app.fetch(&url, Auth::Bearer(&s.priya)).await.0, 410, "an expired link");
        } else {
            // S3 itself refuses an expired or altered presigned link; moto
            // does not check them, so what is checked is what we sign.
            assert!(url.contains("X-Amz-Expires=2&") && url.contains("X-Amz-Signature="), "{url}");
        }
        let fresh = app.list(&s.priya, &s.job).await.expect_success("list again");
        let url = fresh[0]["url"].as_str().unwrap();
        assert_eq!(app.fetch(url, Auth::Bearer(&s.priya)).await.0, 200, "a new link works");
    }

    async fn the_uploader_deletes_a_photo_and_its_stored_sizes_go(db, store) {
        let app = spawn_photos!(db, store);
        let s = scene(&app).await;
        let mut stream = app.events("", Auth::Bearer(&s.priya), None).await;
        book(&app, &s).await;
        let p = app.upload(&s.dan.token, &s.job, "after", &phone_photo(), "image/jpeg").await;
        assert_eq!(p.status, 200, "{}", p.body);
        let added = stream.until("photo:added", &s.job).await;
        let added = added.last().unwrap();
        assert_eq!(added.data["id"], p.json["id"], "the customer is told live");
        assert_eq!(added.data["kind"], "after");
        assert_eq!(app.objects().await.len(), 2);

        let id = p.json["id"].as_str().unwrap();
        let r = app.post("/api/delete_photo", &[("id", id)], Auth::Bearer(&s.priya)).await;
        assert_eq!(r.status, 404, "only its uploader deletes it: {}", r.body);
        let r = app.post("/api/delete_photo", &[("id", id)], Auth::Bearer(&s.dan.token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.objects().await, Vec::<String>::new());
        assert_eq!(app.list(&s.priya, &s.job).await.json, serde_json::json!([]));
        let (status, _) = app.fetch(p.json["url"].as_str().unwrap(), Auth::Bearer(&s.dan.token)).await;
        assert_eq!(status, 404);
    }

    async fn photos_of_a_job_that_ended_long_ago_are_removed(db, store) {
        let app = spawn_photos!(db, store, &[("PHOTO_RETENTION_DAYS", "30")]);
        let s = scene(&app).await;
        let p = app.upload(&s.priya, &s.job, "problem", &phone_photo(), "image/jpeg").await;
        assert_eq!(p.status, 200, "{}", p.body);
        let r = app.post("/api/cancel_job", &[("id", &s.job), ("reason", "Fixed it myself")], Auth::Bearer(&s.priya)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let app = restart(app).await;
        assert_eq!(app.objects().await.len(), 2, "a job cancelled today keeps its photos");

        let pool = app.sql().await;
        let long_ago = common_now() - 31 * 24 * 3600 * 1000;
        sqlx::query("UPDATE jobs SET updated_at = $1 WHERE id = $2")
            .bind(long_ago)
            .bind(&s.job)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        // The clean-up runs at start and every hour.
        let app = restart(app).await;
        for _ in 0..50 {
            if app.count("SELECT COUNT(*) FROM photos").await == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM photos").await, 0);
        assert_eq!(app.objects().await, Vec::<String>::new());
    }
}

fn common_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn restart(app: PhotoApp) -> PhotoApp {
    let PhotoApp { app, store, bucket } = app;
    let mut extra: Vec<(String, String)> = vec![("PHOTO_RETENTION_DAYS".into(), "30".into())];
    if let Some((base, name)) = &bucket {
        extra.extend([
            ("S3_BUCKET".into(), name.clone()),
            ("S3_ENDPOINT".into(), base.clone()),
            ("S3_ACCESS_KEY_ID".into(), "testing".into()),
            ("S3_SECRET_ACCESS_KEY".into(), "testing".into()),
        ]);
    }
    let refs: Vec<(&str, &str)> = extra
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let app = app.restart(&refs).await;
    PhotoApp { app, store, bucket }
}

both_databases! {
    async fn with_photo_uploads_off_no_photo_can_be_sent_or_seen(db) {
        // The product plan's name for the switch.
        let app = spawn!(db, &[("ENABLE_PHOTO_UPLOADS", "false")]);
        let s = scene(&app).await;
        let flags = app.get("/api/site_config", Auth::None).await;
        assert_eq!(flags.json["photos"], false, "{}", flags.body);
        let asked = app
            .post(
                "/api/photo_upload",
                &[("job_id", &s.job), ("kind", "problem"), ("byte_size", "100"), ("content_type", "image/jpeg")],
                Auth::Bearer(&s.priya),
            )
            .await;
        assert_eq!((asked.status, asked.json["error"].as_str()), (404, Some("feature_off")), "{}", asked.body);
        let listed = app.get(&format!("/api/photos?job_id={}", s.job), Auth::Bearer(&s.priya)).await;
        assert_eq!((listed.status, listed.json["error"].as_str()), (404, Some("feature_off")), "{}", listed.body);
        let done = app.post("/api/photo_done", &[("id", "0190a1b2-0000-7000-8000-000000000001")], Auth::Bearer(&s.priya)).await;
        assert_eq!((done.status, done.json["error"].as_str()), (404, Some("feature_off")), "{}", done.body);
    }
}
