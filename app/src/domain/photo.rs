//! Photos of a job: their kinds, which bytes count as a photo, and the
//! limits an upload must keep.

use crate::domain::text_enum::text_enum;
use crate::domain::{AppError, JobId, PhotoId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// An upload's largest size in bytes.
pub const MAX_BYTES: u64 = 5 * 1024 * 1024;
/// The most pixels a photo may decode to: a 12-megapixel phone photo is
/// far below, and a few hundred bytes claiming 100,000 × 100,000 pixels
/// (a decompression bomb) is refused before it is decoded.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The most memory one photo may take once decoded, in bytes: a
/// 40-megapixel photo at 8 bits per RGBA channel. A small file can still
/// claim far more (16 bits per channel doubles it), so the decoder's own
/// output size is checked against this before a pixel is decoded.
pub const MAX_DECODED_BYTES: u64 = MAX_PIXELS * 4;
/// The longest side of the size shown full screen (and what the browser
/// shrinks a camera photo to before sending it).
pub const DISPLAY_SIDE: u32 = 2048;
/// The longest side of a gallery thumbnail.
pub const THUMB_SIDE: u32 = 320;
/// The most characters of a caption.
pub const CAPTION_MAX: usize = 200;
/// The most photos one job holds.
pub const PER_JOB_MAX: i64 = 60;
/// Uploads one user may have granted and not yet finished, over all jobs:
/// a whole pick of photos at once, but not a job's worth.
pub const OPEN_UPLOADS_PER_USER: i64 = 20;

/// The one sentence that names what is accepted.
pub const FORMATS: &str = "JPEG, PNG or WebP";

text_enum! {
    /// Where a photo is: granted and waiting for its bytes, or processed
    /// and listed on its job.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum PhotoStage {
        Uploading = "uploading",
        Ready = "ready",
    }
}

text_enum! {
    /// What a photo shows: the customer's of the problem, the mechanic's of the work.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum PhotoKind {
        Problem = "problem",
        Before = "before",
        Diagnostic = "diagnostic",
        Parts = "parts",
        After = "after",
    }
}

impl PhotoKind {
    pub fn label(self) -> &'static str {
        match self {
            PhotoKind::Problem => "The problem",
            PhotoKind::Before => "Before",
            PhotoKind::Diagnostic => "Diagnostic",
            PhotoKind::Parts => "Parts",
            PhotoKind::After => "After",
        }
    }

    /// The kinds the booked mechanic adds; the customer adds `Problem`.
    pub const WORK: [PhotoKind; 4] = [
        PhotoKind::Before,
        PhotoKind::Diagnostic,
        PhotoKind::Parts,
        PhotoKind::After,
    ];

    pub fn parse_field(raw: &str) -> Result<Self, AppError> {
        Self::parse(raw.trim()).ok_or_else(|| {
            AppError::invalid(
                "kind",
                "Choose what the photo shows: the problem, before, diagnostic, parts or after.",
            )
        })
    }
}

/// The image formats stored photos are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

impl Format {
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
        }
    }

    /// The format a declared content type names, or why it is refused.
    pub fn from_mime(mime: &str) -> Result<Self, AppError> {
        match mime.trim().to_ascii_lowercase().as_str() {
            "image/jpeg" | "image/jpg" => Ok(Format::Jpeg),
            "image/png" => Ok(Format::Png),
            "image/webp" => Ok(Format::Webp),
            "image/heic" | "image/heif" | "image/heic-sequence" | "image/heif-sequence" => {
                Err(heic())
            }
            _ => Err(not_a_photo()),
        }
    }
}

fn heic() -> AppError {
    AppError::invalid(
        "photo",
        format!(
            "HEIC photos (the iPhone's own format) cannot be used yet. Send it as {FORMATS}: \
             on an iPhone, Settings › Camera › Formats › Most Compatible, or share it as JPEG."
        ),
    )
}

fn not_a_photo() -> AppError {
    AppError::invalid(
        "photo",
        format!("That file is not a photo. Send a {FORMATS} image."),
    )
}

/// What the bytes are, by their first bytes (never by a name or a
/// declared type): JPEG, PNG and WebP are taken; HEIC gets its own answer.
pub fn sniff(bytes: &[u8]) -> Result<Format, AppError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Format::Png);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Format::Webp);
    }
    // ISO base media: `....ftyp` then a brand; HEIC/HEIF (and AVIF) live here.
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [
            b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
        ]
        .iter()
        .any(|b| brand == *b)
        {
            return Err(heic());
        }
    }
    Err(not_a_photo())
}

/// An upload's declared size, checked before anything is sent.
pub fn check_size(bytes: u64) -> Result<u64, AppError> {
    match bytes {
        0 => Err(AppError::invalid("photo", "That file is empty.")),
        n if n > MAX_BYTES => Err(too_big(n)),
        n => Ok(n),
    }
}

/// What the decoder will allocate (its output: width × height × bytes per
/// pixel) against [`MAX_DECODED_BYTES`].
pub fn check_decoded_bytes(bytes: u64) -> Result<(), AppError> {
    if bytes > MAX_DECODED_BYTES {
        return Err(AppError::invalid(
            "photo",
            format!(
                "That image would take {} MB of memory to open (more than {} MB; 16-bit colour doubles it). Save it as an ordinary JPEG.",
                bytes.div_ceil(1_000_000),
                MAX_DECODED_BYTES / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// Whether a JPEG's data reaches its end: after the first start-of-scan an
/// end-of-image marker must follow. Coded data cannot hold `FF D9` (a data
/// `FF` is followed by `00`), so a truncated file has none, whereas data a
/// camera appends after the image (a motion photo's video) does no harm.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    // Walk the segments before the first scan: each is FF, a marker byte
    // and (except standalone markers) a two-byte length counting itself.
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        match marker {
            // Fill bytes before a marker.
            0xFF => at += 1,
            0x01 | 0xD0..=0xD7 => at += 2,
            0xD9 => return false,
            _ => {
                let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
                if marker == 0xDA {
                    let scan = at + 2 + len;
                    return scan <= bytes.len()
                        && bytes[scan..].windows(2).any(|w| w == [0xFF, 0xD9]);
                }
                at += 2 + len;
            }
        }
    }
    false
}

/// A file whose data stops short.
pub fn damaged() -> AppError {
    AppError::invalid(
        "photo",
        format!("That photo could not be read: the file may be damaged. Send a {FORMATS}."),
    )
}

pub fn too_big(bytes: u64) -> AppError {
    AppError::invalid(
        "photo",
        format!(
            "That photo is {:.1} MB; photos can be at most {} MB.",
            bytes as f64 / (1024.0 * 1024.0),
            MAX_BYTES / (1024 * 1024)
        ),
    )
}

/// Width × height against [`MAX_PIXELS`].
pub fn check_pixels(width: u32, height: u32) -> Result<(), AppError> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width == 0 || height == 0 {
        return Err(AppError::invalid(
            "photo",
            format!(
                "That image is {width} × {height} pixels; photos can have at most {} megapixels.",
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// A caption as given: trimmed, empty is none, at most [`CAPTION_MAX`] characters.
pub fn parse_caption(raw: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > CAPTION_MAX {
        return Err(AppError::invalid(
            "caption",
            format!("Keep the caption to {CAPTION_MAX} characters."),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "caption",
            "The caption has characters that cannot be shown.",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// `width × height` shrunk to fit `side` on its longest side (never enlarged).
pub fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= side {
        return (width, height);
    }
    let scale = f64::from(side) / f64::from(longest);
    let shrink = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (shrink(width), shrink(height))
}

/// A stored photo as a viewer gets it: its two sizes at addresses that
/// expire (and, on local disk, work only for this viewer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    pub id: PhotoId,
    pub job: JobId,
    pub kind: PhotoKind,
    pub caption: Option<String>,
    pub uploader: UserId,
    pub uploaded_at: Timestamp,
    pub width: u32,
    pub height: u32,
    pub url: String,
    pub thumb_url: String,
    /// When `url` and `thumb_url` stop working.
    pub urls_expire_at: Timestamp,
}

/// Where and how the browser sends a photo's bytes: a `PUT` of exactly
/// the declared size and type, then `/api/photo_done` with the id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadTicket {
    pub id: PhotoId,
    pub url: String,
    /// Headers the `PUT` must carry, as signed.
    pub headers: Vec<(String, String)>,
    pub expires_at: Timestamp,
}

/// What `photo:added` carries: enough to fetch the list again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoAdded {
    pub job: JobId,
    pub id: PhotoId,
    pub kind: PhotoKind,
}

#[cfg(test)]
mod completeness {
    use super::*;

    /// SOI, an APP1 holding a thumbnail's own EOI, SOS with coded data, EOI.
    fn jpeg() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        b.extend([0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00]);
        b.extend([0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02]);
        b.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        b.extend([0xFF, 0xD9]);
        b
    }

    #[test]
    fn a_whole_jpeg_is_complete_even_with_data_after_it() {
        assert!(jpeg_is_complete(&jpeg()));
        let mut motion = jpeg();
        motion.extend(b"....ftypmp42 a video");
        assert!(jpeg_is_complete(&motion));
    }

    #[test]
    fn a_jpeg_cut_short_is_not_even_when_a_thumbnail_inside_ends() {
        let whole = jpeg();
        for cut in 2..whole.len() {
            assert!(!jpeg_is_complete(&whole[..cut]), "cut at {cut}");
        }
    }

    #[test]
    fn decoded_size_is_capped_in_bytes() {
        assert!(check_decoded_bytes(MAX_PIXELS * 4).is_ok());
        // 39 megapixels at 16 bits per RGBA channel.
        let err = check_decoded_bytes(39_000_000 * 8).unwrap_err();
        assert!(err.to_string().contains("312 MB"), "{err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_judged_by_their_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Ok(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Ok(Format::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Format::Webp));
        let text = sniff(b"hello, I am a text file named photo.jpg").unwrap_err();
        assert!(text.to_string().contains("not a photo"), "{text}");
        let heic = sniff(b"\0\0\0\x18ftypheic\0\0\0\0").unwrap_err();
        assert!(heic.to_string().contains("HEIC"), "{heic}");
        assert!(heic.to_string().contains(FORMATS), "{heic}");
        assert!(sniff(b"").is_err());
    }

    #[test]
    fn sizes_and_pixels_have_limits() {
        assert!(check_size(0).is_err());
        assert_eq!(check_size(MAX_BYTES), Ok(MAX_BYTES));
        let big = check_size(6 * 1024 * 1024).unwrap_err();
        assert!(big.to_string().contains("6.0 MB"), "{big}");
        assert!(check_pixels(4000, 3000).is_ok());
        assert!(check_pixels(100_000, 100_000).is_err());
        assert!(check_pixels(0, 10).is_err());
    }

    #[test]
    fn fitting_keeps_the_shape_and_never_enlarges() {
        assert_eq!(fit(4000, 3000, 2048), (2048, 1536));
        assert_eq!(fit(3000, 4000, 320), (240, 320));
        assert_eq!(fit(100, 50, 2048), (100, 50));
    }

    #[test]
    fn captions_are_trimmed_and_limited() {
        assert_eq!(parse_caption(Some("  ")), Ok(None));
        assert_eq!(
            parse_caption(Some(" Worn pads ")),
            Ok(Some("Worn pads".into()))
        );
        assert!(parse_caption(Some(&"x".repeat(CAPTION_MAX + 1))).is_err());
        assert!(parse_caption(Some("a\u{7}b")).is_err());
    }

    #[test]
    fn declared_types_name_the_formats() {
        assert_eq!(Format::from_mime("image/JPEG"), Ok(Format::Jpeg));
        assert!(
            Format::from_mime("image/heic")
                .unwrap_err()
                .to_string()
                .contains("HEIC")
        );
        assert!(Format::from_mime("text/plain").is_err());
    }
}
