//! What a phone photo costs the server: a 12-megapixel JPEG of about 4 MB
//! (what a phone camera makes), uploaded the way the browser does it
//! (`/api/photo_upload`, the signed `PUT`, `/api/photo_done`), first one at
//! a time, then `at_once` together while the server's resident memory is
//! sampled. Then the memory bound: 8 small PNGs of 16-bit colour that
//! decode to about 300 MB each, and 8 of ordinary colour at 39 megapixels
//! (156 MB decoded each), each set sent at once.
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

/// A `side` × `side` PNG, mostly one colour so that it stays small,
/// in 16-bit RGBA (`deep`) or 8-bit RGBA.
fn flat_png(side: u32, deep: bool) -> Vec<u8> {
    use image::{
        ImageEncoder,
        codecs::png::{CompressionType, FilterType, PngEncoder},
    };
    let mut out = Vec::new();
    let encoder = PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::Up);
    if deep {
        let mut raw = vec![0u8; side as usize * side as usize * 8];
        raw.chunks_exact_mut(8)
            .for_each(|p| p.copy_from_slice(&[0x80, 0, 0x40, 0, 0x20, 0, 0xFF, 0xFF]));
        encoder
            .write_image(&raw, side, side, image::ExtendedColorType::Rgba16)
            .unwrap();
    } else {
        let raw = vec![0x80u8; side as usize * side as usize * 4];
        encoder
            .write_image(&raw, side, side, image::ExtendedColorType::Rgba8)
            .unwrap();
    }
    out
}

/// One upload as the browser makes it; the time of the whole, of
/// `photo_done` alone, and `photo_done`'s status.
async fn upload(
    api: &Http,
    token: &str,
    job: &str,
    bytes: &[u8],
    content_type: &str,
) -> (Duration, Duration, u16) {
    let started = Instant::now();
    let ticket = api
        .post(
            "/api/photo_upload",
            &[
                ("job_id", job),
                ("kind", "problem"),
                ("byte_size", &bytes.len().to_string()),
                ("content_type", content_type),
            ],
            Auth::Bearer(token),
        )
        .await
        .expect_success("photo_upload");
    let url = ticket["url"].as_str().unwrap();
    let put = reqwest::Client::new()
        .put(api.url(url))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "PUT: {}", put.status());
    let checking = Instant::now();
    let done = api
        .post(
            "/api/photo_done",
            &[("id", ticket["id"].as_str().unwrap())],
            Auth::Bearer(token),
        )
        .await;
    (started.elapsed(), checking.elapsed(), done.status)
}

/// Sends `n` copies of `photo` at once; the wall time, how many were
/// listed, and the server's peak resident memory meanwhile.
async fn at_once(
    api: &Http,
    token: &str,
    job: &str,
    photo: Arc<Vec<u8>>,
    content_type: &'static str,
    n: usize,
) -> (Vec<Duration>, Duration, usize, u64) {
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
    for _ in 0..n {
        let (api, token, job, photo) =
            (api.clone(), token.to_owned(), job.to_owned(), photo.clone());
        set.spawn(async move { upload(&api, &token, &job, &photo, content_type).await });
    }
    let (mut times, mut listed) = (Vec::new(), 0);
    while let Some(t) = set.join_next().await {
        let (whole, _, status) = t.unwrap();
        times.push(whole);
        listed += usize::from(status == 200);
    }
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    (times, wall, listed, sampler.await.unwrap())
}

#[tokio::main]
async fn main() {
    let base = std::env::args()
        .nth(1)
        .expect("usage: photos_bench <base URL> <DATABASE_URL> [at_once] [one_by_one]");
    let at_once_n = arg(3, 10);
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
    let job = common::request_job(&api, &token, &common::forms::job_form(car.as_str())).await;

    let (_, idle_rss) = server_usage().unwrap_or_default();
    let (mut whole, mut checks) = (Vec::new(), Vec::new());
    for _ in 0..one_by_one {
        let (w, c, status) = upload(&api, &token, &job, &photo, "image/jpeg").await;
        assert_eq!(status, 200, "photo_done");
        whole.push(w);
        checks.push(c);
    }
    stats("one at a time: upload + processing", whole);
    stats("one at a time: processing (photo_done)", checks);

    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    let (_, before) = server_usage().unwrap_or_default();
    let (together, wall, listed, peak) =
        at_once(&api, &token, &job, photo, "image/jpeg", at_once_n).await;
    assert_eq!(listed, at_once_n, "every camera photo is listed");
    stats(
        &format!("{at_once_n} at once: upload + processing"),
        together,
    );
    println!(
        "{at_once_n} at once: all done in {:.2} s; server memory idle {:.0} MB, before {:.0} MB, peak {:.0} MB",
        wall.as_secs_f64(),
        mb(idle_rss),
        mb(before),
        mb(peak)
    );

    // The memory bound: decoded bytes, not pixels, and one budget for all.
    for (what, png, side) in [
        ("16-bit RGBA PNG", flat_png(6_200, true), 6_200),
        ("8-bit RGBA PNG", flat_png(6_240, false), 6_240),
    ] {
        let size = png.len();
        let (_, before) = server_usage().unwrap_or_default();
        let (_, wall, listed, peak) =
            at_once(&api, &token, &job, Arc::new(png), "image/png", 8).await;
        println!(
            "8 × {what} {side} × {side} ({:.1} MP, {} KB) at once: {listed} listed in {:.2} s; server memory before {:.0} MB, peak {:.0} MB",
            f64::from(side) * f64::from(side) / 1e6,
            size / 1024,
            wall.as_secs_f64(),
            mb(before),
            mb(peak)
        );
    }
}
