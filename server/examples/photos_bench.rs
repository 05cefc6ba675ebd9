//! What a phone photo costs the server: a 12-megapixel JPEG of about 4 MB
//! (what a phone camera makes), uploaded the way the browser does it
//! (`/api/photo_upload`, the signed `PUT`, `/api/photo_done`), first one at
//! a time, then `at_once` together while the server's resident memory is
//! sampled.
//!
//! Usage: `photos_bench <base URL> <DATABASE_URL> [at_once] [one_by_one]`
//! (run by `scripts/bench-photos.sh`, which sets `SERVER_PID`).

mod common;

use common::{Auth, Http, add_car, arg, new_customer, server_usage, stats};
use image::{Rgb, RgbImage, codecs::jpeg::JpegEncoder};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// A 4,000 × 3,000 photo with fine detail (so it compresses like a real
/// one), encoded at the quality that lands it between 3.5 and 5 MB.
fn camera_photo() -> Vec<u8> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let img = RgbImage::from_fn(4000, 3000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % 48) as u32;
        Rgb([
            ((x / 16 + noise) % 256) as u8,
            ((y / 12 + noise) % 256) as u8,
            (((x + y) / 28 + noise) % 256) as u8,
        ])
    });
    for quality in [90, 85, 80, 75, 70, 65, 60, 50, 40] {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&img)
            .unwrap();
        if out.len() <= 5 * 1024 * 1024 - 1024 {
            return out;
        }
    }
    panic!("could not make a photo under 5 MB");
}

/// One upload as the browser makes it; the time of the whole, and of `photo_done` alone.
async fn upload(api: &Http, token: &str, job: &str, bytes: &[u8]) -> (Duration, Duration) {
    let started = Instant::now();
    let ticket = api
        .post(
            "/api/photo_upload",
            &[
                ("job_id", job),
                ("kind", "problem"),
                ("byte_size", &bytes.len().to_string()),
                ("content_type", "image/jpeg"),
            ],
            Auth::Bearer(token),
        )
        .await
        .expect_success("photo_upload");
    let url = ticket["url"].as_str().unwrap();
    let put = reqwest::Client::new()
        .put(api.url(url))
        .bearer_auth(token)
        .header("Content-Type", "image/jpeg")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "PUT: {}", put.status());
    let checking = Instant::now();
    api.post(
        "/api/photo_done",
        &[("id", ticket["id"].as_str().unwrap())],
        Auth::Bearer(token),
    )
    .await
    .expect_success("photo_done");
    (started.elapsed(), checking.elapsed())
}

#[tokio::main]
async fn main() {
    let base = std::env::args()
        .nth(1)
        .expect("usage: photos_bench <base URL> <DATABASE_URL> [at_once] [one_by_one]");
    let at_once = arg(3, 10);
    let one_by_one = arg(4, 5);
    let api = Http::new(base);
    let photo = Arc::new(camera_photo());
    println!(
        "photo: 4000 × 3000 JPEG, {:.2} MB",
        photo.len() as f64 / (1024.0 * 1024.0)
    );

    let customer = new_customer(
        &api,
        &format!("photos.{}@bench.example", std::process::id()),
    )
    .await;
    let token = customer["token"].as_str().unwrap().to_owned();
    let car = add_car(&api, &token).await;
    let job = api
        .post(
            "/api/request_job",
            &[
                ("vehicle_id", car.as_str()),
                ("category", "brakes"),
                ("description", "Squealing brakes, front left."),
                ("lat", "51.5390"),
                ("lng", "-0.1426"),
                ("address", "1 Bench Street, London"),
                ("locality", "Camden, London"),
                ("urgency", "asap"),
            ],
            Auth::Bearer(&token),
        )
        .await
        .expect_success("request a job")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (_, idle_rss) = server_usage().unwrap_or_default();
    let (mut whole, mut checks) = (Vec::new(), Vec::new());
    for _ in 0..one_by_one {
        let (w, c) = upload(&api, &token, &job, &photo).await;
        whole.push(w);
        checks.push(c);
    }
    stats("one at a time: upload + processing", whole);
    stats("one at a time: processing (photo_done)", checks);

    let (_, before) = server_usage().unwrap_or_default();
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                if let Some((_, rss)) = server_usage() {
                    peak = peak.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            peak
        })
    };
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..at_once {
        let (api, token, job, photo) = (api.clone(), token.clone(), job.clone(), photo.clone());
        set.spawn(async move { upload(&api, &token, &job, &photo).await.0 });
    }
    let mut together = Vec::new();
    while let Some(t) = set.join_next().await {
        together.push(t.unwrap());
    }
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak = sampler.await.unwrap();
    stats(&format!("{at_once} at once: upload + processing"), together);
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "{at_once} at once: all done in {:.2} s; server memory idle {:.0} MB, before {:.0} MB, peak {:.0} MB",
        wall.as_secs_f64(),
        mb(idle_rss),
        mb(before),
        mb(peak)
    );
}
