//! Turning uploaded bytes into the two stored sizes: checked, decoded
//! with limits, turned upright, shrunk and re-encoded as JPEG. Nothing of
//! the original file but its pixels survives: no EXIF, no GPS position,
//! no camera serial number, no embedded thumbnail.
//!
//! CPU-bound: run through [`super::Photos::process`], which bounds how
//! many run at once and keeps them off the async runtime.

use crate::domain::{
    AppError,
    photo::{self, DISPLAY_SIDE, Format, MAX_BYTES, THUMB_SIDE},
};
use image::{
    DynamicImage, ImageDecoder, ImageReader, Limits, codecs::jpeg::JpegEncoder,
    imageops::FilterType,
};
use std::io::Cursor;

/// JPEG quality of both sizes: photos of parts stay legible, a full-screen
/// one is ~300–600 KB.
const QUALITY: u8 = 82;

/// The stored sizes of one photo.
pub struct Processed {
    pub display: Vec<u8>,
    pub thumb: Vec<u8>,
    /// Of the display size, upright.
    pub width: u32,
    pub height: u32,
}

/// What an upload will cost to open, read from its header alone.
pub struct Header {
    /// The decoder's output in bytes (width × height × bytes per pixel).
    pub decoded_bytes: u64,
}

impl Header {
    /// Memory held while processing: the decoded image, plus the display
    /// size and thumbnail made from it (RGBA at most).
    pub fn working_bytes(&self) -> u64 {
        let side = u64::from(DISPLAY_SIDE);
        self.decoded_bytes + side * side * 4 * 2
    }
}

/// Checks what can be checked without decoding a pixel: size, kind,
/// completeness, pixels and decoded bytes. Cheap enough for the async side.
pub fn inspect(bytes: &[u8]) -> Result<Header, AppError> {
    let (decoder, _) = open(bytes)?;
    Ok(Header {
        decoded_bytes: decoder.total_bytes(),
    })
}

fn open(bytes: &[u8]) -> Result<(impl ImageDecoder + '_, Format), AppError> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(photo::too_big(bytes.len() as u64));
    }
    let format = photo::sniff(bytes)?;
    // The JPEG decoder fills missing data with grey rather than failing.
    if format == Format::Jpeg && !photo::jpeg_is_complete(bytes) {
        return Err(photo::damaged());
    }
    let mut reader = ImageReader::with_format(
        Cursor::new(bytes),
        match format {
            Format::Jpeg => image::ImageFormat::Jpeg,
            Format::Png => image::ImageFormat::Png,
            Format::Webp => image::ImageFormat::WebP,
        },
    );
    // A backstop under the checks below: no decoder may allocate more
    // than the largest photo decodes to, plus its working buffers.
    let mut limits = Limits::default();
    limits.max_alloc = Some(photo::MAX_DECODED_BYTES + 64 * 1024 * 1024);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    // Before a single pixel is decoded: a bomb's header claims its size,
    // and a small file of 16-bit colour claims its bytes.
    photo::check_pixels(width, height)?;
    photo::check_decoded_bytes(decoder.total_bytes())?;
    Ok((decoder, format))
}

/// Checks and processes an upload. Every refusal is a clear [`AppError`];
/// nothing is stored by this function. Holds at most
/// [`Header::working_bytes`] at once: shrinking comes before turning
/// upright, and the shrink averages areas without a floating-point copy.
pub fn process(bytes: &[u8]) -> Result<Processed, AppError> {
    let (mut decoder, _) = open(bytes)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    let (w, h) = photo::fit(image.width(), image.height(), DISPLAY_SIDE);
    let mut display = if (w, h) == (image.width(), image.height()) {
        image
    } else {
        let small = image.thumbnail_exact(w, h);
        drop(image);
        small
    };
    // 8 bits per channel from here on: all a JPEG holds.
    if !matches!(
        display,
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_)
    ) {
        display = if display.color().has_alpha() {
            DynamicImage::ImageRgba8(display.to_rgba8())
        } else {
            DynamicImage::ImageRgb8(display.to_rgb8())
        };
    }
    display.apply_orientation(orientation);
    let (w, h) = (display.width(), display.height());
    let (tw, th) = photo::fit(w, h, THUMB_SIDE);
    let thumb = display.resize_exact(tw, th, FilterType::Triangle);
    Ok(Processed {
        display: jpeg(&display)?,
        thumb: jpeg(&thumb)?,
        width: w,
        height: h,
    })
}

fn unreadable(e: image::ImageError) -> AppError {
    match e {
        image::ImageError::Limits(_) => {
            photo::check_pixels(u32::MAX, u32::MAX).expect_err("over any limit")
        }
        other => {
            tracing::debug!(error = %other, "photo could not be decoded");
            photo::damaged()
        }
    }
}

/// Baseline JPEG of the pixels alone (transparency lands on white).
fn jpeg(image: &DynamicImage) -> Result<Vec<u8>, AppError> {
    let rgb = if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        let mut flat = image::RgbImage::new(rgba.width(), rgba.height());
        for (to, from) in flat.pixels_mut().zip(rgba.pixels()) {
            let a = u16::from(from[3]);
            for c in 0..3 {
                to[c] = ((u16::from(from[c]) * a + 255 * (255 - a)) / 255) as u8;
            }
        }
        flat
    } else {
        image.to_rgb8()
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .map_err(|e| {
            tracing::error!(error = %e, "photo could not be encoded");
            AppError::Internal
        })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, _| image::Rgb([x as u8, 0, 0]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    /// PNG's chunk checksum, so the changed header still reads as valid.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
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

    #[test]
    fn a_large_photo_is_shrunk_to_both_sizes() {
        let p = process(&png(3000, 1500)).unwrap();
        assert_eq!((p.width, p.height), (2048, 1024));
        let thumb = image::load_from_memory(&p.thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 160));
        assert!(p.display.starts_with(&[0xFF, 0xD8, 0xFF]));
    }

    #[test]
    fn a_header_claiming_too_many_pixels_is_refused_before_decoding() {
        // A real PNG's header with its size raised to 100,000 × 100,000.
        let mut bomb = png(8, 8);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = process(&bomb).err().expect("refused");
        assert!(err.to_string().contains("megapixels"), "{err}");
    }

    fn jpeg_bytes(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
            .unwrap();
        out
    }

    #[test]
    fn a_truncated_jpeg_is_refused_in_words() {
        let whole = jpeg_bytes(400, 300);
        assert!(process(&whole).is_ok());
        let err = process(&whole[..whole.len() * 2 / 3])
            .err()
            .expect("refused");
        assert!(err.to_string().contains("could not be read"), "{err}");
    }

    #[test]
    fn sixteen_bit_colour_over_the_byte_cap_is_refused_before_decoding() {
        // 6,000 × 6,000 = 36 megapixels, under the pixel cap, but 288 MB
        // decoded at 16 bits per RGBA channel. Only the header is real:
        // the refusal must come before the (absent) pixels are read.
        let mut png = image::ImageBuffer::<image::Rgba<u16>, _>::new(8, 8);
        png.put_pixel(0, 0, image::Rgba([1, 2, 3, 4]));
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgba16(png)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes[16..20].copy_from_slice(&6_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&6_000u32.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = process(&bytes).err().expect("refused");
        assert!(err.to_string().contains("288 MB"), "{err}");
        assert_eq!(
            inspect(&bytes).err().map(|e| e.to_string()),
            Some(err.to_string())
        );
    }

    #[test]
    fn sixteen_bit_colour_within_the_cap_is_taken() {
        let img = image::ImageBuffer::<image::Rgba<u16>, _>::from_fn(300, 200, |x, _| {
            image::Rgba([x as u16 * 200, 0, 0, 65535])
        });
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgba16(img)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        let p = process(&bytes).unwrap();
        assert_eq!((p.width, p.height), (300, 200));
    }

    #[test]
    fn a_damaged_file_is_refused_in_words() {
        let mut broken = png(50, 50);
        broken.truncate(60);
        let err = process(&broken).err().expect("refused");
        assert!(err.to_string().contains("could not be read"), "{err}");
    }
}
