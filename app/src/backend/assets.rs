//! The browser bundle's file names under `/pkg`, as this build wrote them.
//!
//! With `hash-files` cargo-leptos puts each file's content hash in its name
//! and lists the hashes in `hash.txt` beside the server binary. Hashed names
//! never change meaning, so they are cached for a year; the service worker's
//! version is made from them, so a new build replaces it.

use std::{
    hash::{DefaultHasher, Hash, Hasher},
    path::Path,
};

/// Paths of the stylesheet, the JS glue and the wasm, as a page links them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildAssets {
    pub css: String,
    pub js: String,
    pub wasm: String,
    /// The names carry content hashes: safe to cache forever.
    pub hashed: bool,
    /// Changes whenever any of the three files does.
    pub version: String,
    /// The page's start script (`start_script`), made once.
    start: String,
}

impl BuildAssets {
    /// Reads the hash file (`hash.txt`), relative to the running binary's
    /// folder as leptos does, or absolute; without it (a plain `cargo
    /// build`) the names are the unhashed ones and the version comes from
    /// the files' contents.
    pub fn load(output_name: &str, site_root: &str, pkg_dir: &str, hash_file: &str) -> Self {
        let hash_file = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(hash_file)));
        let text = hash_file.and_then(|p| std::fs::read_to_string(p).ok());
        match text.as_deref().and_then(parse_hash_file) {
            Some(hashes) => Self::hashed(output_name, pkg_dir, &hashes),
            None => Self::plain(output_name, pkg_dir, &Path::new(site_root).join(pkg_dir)),
        }
    }

    fn hashed(output_name: &str, pkg_dir: &str, h: &Hashes) -> Self {
        Self::new(
            format!("/{pkg_dir}/{output_name}.{}.css", h.css),
            format!("/{pkg_dir}/{output_name}.{}.js", h.js),
            format!("/{pkg_dir}/{output_name}.{}.wasm", h.wasm),
            true,
            short_hash(&(&h.css, &h.js, &h.wasm)),
        )
    }

    fn plain(output_name: &str, pkg_dir: &str, dir: &Path) -> Self {
        let read = |ext: &str| std::fs::read(dir.join(format!("{output_name}.{ext}"))).ok();
        Self::new(
            format!("/{pkg_dir}/{output_name}.css"),
            format!("/{pkg_dir}/{output_name}.js"),
            format!("/{pkg_dir}/{output_name}.wasm"),
            false,
            short_hash(&(read("css"), read("js"), read("wasm"))),
        )
    }

    /// Names as given (tests; `load` reads them from the build).
    pub fn new(css: String, js: String, wasm: String, hashed: bool, version: String) -> Self {
        let start = start_script(&js, &wasm);
        Self {
            css,
            js,
            wasm,
            hashed,
            version,
            start,
        }
    }
}

impl BuildAssets {
    /// The page's one script: loads the JS glue and the wasm and hydrates,
    /// started just after the first paint. A phone shows the server's HTML
    /// at once; the bundle's download never competes with the page's own
    /// HTML and CSS (leptos's HydrationScripts preloads both in `<head>`).
    /// Instantiating the wasm and hydrating run as two tasks, so neither
    /// holds the main thread as long as both would.
    pub fn start_script(&self) -> &str {
        &self.start
    }
}

fn start_script(js: &str, wasm: &str) -> String {
    format!(
        "const start = () => import({js:?}).then((m) => m.default({{ module_or_path: {wasm:?} }}).then(() => setTimeout(m.hydrate, 0)));\n\
         requestAnimationFrame(() => setTimeout(start, 0));"
    )
}

struct Hashes {
    js: String,
    wasm: String,
    css: String,
}

/// `js: …`, `wasm: …` and `css: …` lines (cargo-leptos adds others for split builds).
fn parse_hash_file(text: &str) -> Option<Hashes> {
    let get = |key: &str| {
        text.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            let v = v.trim();
            (k.trim() == key && !v.is_empty()).then(|| v.to_owned())
        })
    };
    Some(Hashes {
        js: get("js")?,
        wasm: get("wasm")?,
        css: get("css")?,
    })
}

/// A short hex digest, for version strings that change when `value` does
/// (within one build of the server: `DefaultHasher` is not stable across
/// Rust releases).
pub fn short_hash(value: &impl Hash) -> String {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_file_names_each_file_with_its_hash() {
        let h = parse_hash_file("js: AAA\nwasm: BBB\ncss: CCC\nsplit: DDD\n").unwrap();
        let a = BuildAssets::hashed("curbside", "pkg", &h);
        assert_eq!(a.css, "/pkg/curbside.CCC.css");
        assert_eq!(a.js, "/pkg/curbside.AAA.js");
        assert_eq!(a.wasm, "/pkg/curbside.BBB.wasm");
        assert!(a.hashed);
    }

    #[test]
    fn the_page_starts_this_builds_bundle_after_painting() {
        let h = parse_hash_file("js: AAA\nwasm: BBB\ncss: CCC\n").unwrap();
        let assets = BuildAssets::hashed("curbside", "pkg", &h);
        let script = assets.start_script();
        assert!(
            script.contains(r#"import("/pkg/curbside.AAA.js")"#),
            "{script}"
        );
        assert!(
            script.contains(r#"module_or_path: "/pkg/curbside.BBB.wasm""#),
            "{script}"
        );
        assert!(script.contains("requestAnimationFrame(() => setTimeout(start, 0))"));
    }

    #[test]
    fn a_hash_file_missing_a_line_is_not_used() {
        assert!(parse_hash_file("js: AAA\nwasm: BBB\n").is_none());
        assert!(parse_hash_file("js: AAA\nwasm: \ncss: CCC").is_none());
    }

    #[test]
    fn the_version_changes_with_any_file() {
        let one = |css: &str| {
            let h = parse_hash_file(&format!("js: A\nwasm: B\ncss: {css}")).unwrap();
            BuildAssets::hashed("curbside", "pkg", &h).version
        };
        assert_eq!(one("C"), one("C"));
        assert_ne!(one("C"), one("D"));
    }

    #[test]
    fn without_a_hash_file_the_names_are_plain_and_the_version_follows_the_contents() {
        let dir = std::env::temp_dir().join(format!("curbside-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("curbside.wasm"), b"one").unwrap();
        let before = BuildAssets::plain("curbside", "pkg", &dir);
        std::fs::write(dir.join("curbside.wasm"), b"two").unwrap();
        let after = BuildAssets::plain("curbside", "pkg", &dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(before.wasm, "/pkg/curbside.wasm");
        assert!(!before.hashed);
        assert_ne!(before.version, after.version);
    }
}
