//! The Content-Security-Policy every response carries, with the extra sources an operator names.

/// The policy's parts that depend on the installation: the script, image,
/// connection and frame sources beyond this site (map tiles, Stripe.js),
/// and whether `cargo leptos watch`'s reload socket must be reachable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentPolicy {
    pub script_src: Vec<String>,
    pub img_src: Vec<String>,
    pub connect_src: Vec<String>,
    pub frame_src: Vec<String>,
    pub dev_reload: bool,
}

impl ContentPolicy {
    /// Map tiles load as images from the tile server.
    pub fn with_tiles(mut self, origin: Option<String>) -> Self {
        self.img_src.extend(origin);
        self
    }

    /// Photos load from the bucket, and browsers upload straight to it.
    pub fn with_bucket(mut self, origin: Option<String>) -> Self {
        if let Some(origin) = origin {
            self.img_src.push(origin.clone());
            self.connect_src.push(origin);
        }
        self
    }

    /// Stripe.js (`js`), the API it calls (`api`) and the frames of its
    /// card form; on Stripe itself also its 3-D Secure frames (`hooks`).
    pub fn with_stripe(mut self, js: String, api: String, hooks: bool) -> Self {
        self.script_src.push(js.clone());
        self.connect_src.push(api);
        self.frame_src.push(js);
        if hooks {
            self.frame_src.push("https://hooks.stripe.com".to_owned());
        }
        self
    }

    /// The header value. A page passes the nonce its inline hydration
    /// scripts carry; everything else (API answers, files) has none, and so
    /// allows no inline script at all.
    pub fn header(&self, nonce: Option<&str>) -> String {
        let mut script = vec!["'self'".to_owned()];
        if let Some(n) = nonce {
            script.push(format!("'nonce-{n}'"));
        }
        // Instantiating the app's WebAssembly module needs this, and nothing else does.
        script.push("'wasm-unsafe-eval'".to_owned());
        script.extend(self.script_src.iter().cloned());
        let mut connect = vec!["'self'".to_owned()];
        if self.dev_reload {
            connect.push("ws:".to_owned());
        }
        connect.extend(self.connect_src.iter().cloned());
        // blob: the previews of photos chosen for upload.
        let mut img = vec!["'self'".to_owned(), "data:".to_owned(), "blob:".to_owned()];
        img.extend(self.img_src.iter().cloned());
        let frame = if self.frame_src.is_empty() {
            "'none'".to_owned()
        } else {
            self.frame_src.join(" ")
        };
        format!(
            "default-src 'self'; script-src {}; style-src 'self'; img-src {}; \
             connect-src {}; frame-src {frame}; font-src 'self'; manifest-src 'self'; \
             worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
             frame-ancestors 'none'",
            script.join(" "),
            img.join(" "),
            connect.join(" "),
        )
    }
}

/// Puts the policy, with this render's nonce, on the page being rendered.
/// Called from the HTML shell: leptos_axum makes a fresh nonce per request
/// and writes it on the hydration scripts; only the page knows it.
pub fn apply_to_page() {
    use leptos::prelude::use_context;
    let (Some(state), Some(res)) = (
        use_context::<super::AppState>(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let nonce = leptos::nonce::use_nonce();
    match http::HeaderValue::from_str(&state.policy.header(nonce.as_deref())) {
        Ok(v) => res.insert_header(http::header::CONTENT_SECURITY_POLICY, v),
        Err(e) => tracing::error!(error = %e, "unprintable content security policy"),
    }
}

/// Reads a setting's space-separated sources: `https://` origins (a
/// leading `*.` wildcard allowed) and nothing that could end the directive
/// or widen the policy past what was meant (`*`, `'unsafe-inline'`, `;`).
pub fn parse_sources(raw: &str) -> Result<Vec<String>, String> {
    raw.split_whitespace()
        .map(|s| {
            let host = s
                .strip_prefix("https://")
                .or_else(|| s.strip_prefix("wss://"))
                .ok_or_else(|| format!("{s:?} is not an https:// or wss:// origin"))?;
            let host = host.strip_prefix("*.").unwrap_or(host);
            let host = host.trim_end_matches('/');
            let fine = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
            if fine {
                Ok(s.trim_end_matches('/').to_owned())
            } else {
                Err(format!(
                    "{s:?} is not an origin like https://tiles.example.com"
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_may_run_only_its_own_and_its_nonced_scripts() {
        let policy = ContentPolicy::default();
        let page = policy.header(Some("abc123"));
        assert!(
            page.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"),
            "{page}"
        );
        for part in [
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "connect-src 'self';",
            "frame-src 'none'",
        ] {
            assert!(page.contains(part), "{part} missing: {page}");
        }
        assert!(!page.contains("unsafe-inline"), "{page}");
        assert!(!policy.header(None).contains("nonce"));
    }

    #[test]
    fn named_sources_join_their_directive() {
        let policy = ContentPolicy {
            script_src: vec!["https://js.stripe.com".into()],
            img_src: vec!["https://*.tile.openstreetmap.org".into()],
            connect_src: vec!["https://api.stripe.com".into()],
            frame_src: vec!["https://js.stripe.com".into()],
            dev_reload: true,
        };
        let h = policy.header(None);
        assert!(
            h.contains("script-src 'self' 'wasm-unsafe-eval' https://js.stripe.com;"),
            "{h}"
        );
        assert!(
            h.contains("img-src 'self' data: blob: https://*.tile.openstreetmap.org;"),
            "{h}"
        );
        assert!(
            h.contains("connect-src 'self' ws: https://api.stripe.com;"),
            "{h}"
        );
        assert!(h.contains("frame-src https://js.stripe.com;"), "{h}");
    }

    #[test]
    fn only_origins_are_accepted_as_sources() {
        assert_eq!(
            parse_sources(" https://a.example.com  https://*.tile.example.org/ ").unwrap(),
            ["https://a.example.com", "https://*.tile.example.org"]
        );
        assert_eq!(parse_sources("").unwrap(), Vec::<String>::new());
        for bad in [
            "*",
            "http://plain.example.com",
            "'unsafe-inline'",
            "https://a.example.com;script-src",
            "https://",
            "data:",
            "https://a.example.com/path",
        ] {
            assert!(parse_sources(bad).is_err(), "{bad}");
        }
    }
}
