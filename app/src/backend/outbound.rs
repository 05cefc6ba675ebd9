//! Where requests to addresses users supply (push endpoints) may go: hosts
//! that resolve only to public addresses, optionally only named push
//! services. Checked when the address is given, and again by the HTTP
//! client's own resolver at every connection, so a name that later
//! resolves to this machine or the private network (DNS rebinding) is
//! never connected to.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

/// Why an address is not one to send to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0} is not a public address")]
    NotPublic(IpAddr),
    #[error("{0} is not one of the allowed push services")]
    NotAllowed(String),
    #[error("{0} could not be found")]
    NotFound(String),
}

/// The rule for outbound requests to user-supplied addresses.
#[derive(Clone, Debug, Default)]
pub struct Outbound {
    /// `PUSH_ALLOW_LOOPBACK_HTTP`: this machine's addresses are allowed
    /// (a local push service stand-in); never on a public server.
    pub allow_loopback: bool,
    /// `PUSH_ALLOWED_HOSTS`: when not empty, only these hosts and their
    /// subdomains (`push.apple.com` covers `web.push.apple.com`).
    pub allowed_hosts: Vec<String>,
}

impl Outbound {
    /// The host's name against the allow-list, and an address written as
    /// the host against the address rule; no lookup.
    pub fn check_host(&self, host: &str) -> Result<(), Refusal> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let lower = host.to_ascii_lowercase();
        let name = lower.trim_end_matches('.');
        if !self.allowed_hosts.is_empty()
            && !self
                .allowed_hosts
                .iter()
                .any(|a| name == a || name.ends_with(&format!(".{a}")))
        {
            return Err(Refusal::NotAllowed(host.to_owned()));
        }
        match host.parse::<IpAddr>() {
            Ok(ip) => self.check_ip(ip),
            Err(_) => Ok(()),
        }
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refusal> {
        if is_public(ip) || (self.allow_loopback && is_loopback(ip)) {
            Ok(())
        } else {
            Err(Refusal::NotPublic(ip))
        }
    }

    /// Resolves `host` and answers its addresses when every one is allowed
    /// (one private answer among public ones refuses them all).
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Refusal> {
        self.check_host(host)?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((bare, port))
                .await
                .map_err(|_| Refusal::NotFound(host.to_owned()))?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(Refusal::NotFound(host.to_owned()));
        }
        for a in &addrs {
            self.check_ip(a.ip())?;
        }
        Ok(addrs)
    }
}

/// The HTTP client's resolver: every connection it makes goes only to
/// addresses [`Outbound::resolve`] allows.
impl reqwest::dns::Resolve for Outbound {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = Outbound::resolve(&this, name.as_str(), 0)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Outbound {
    /// A client for user-supplied addresses: this resolver, no proxy from
    /// the environment (it would resolve the name instead), no redirects.
    pub fn client(&self, timeout: std::time::Duration) -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(self.clone()))
            .build()
            .map_err(|e| e.to_string())
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Whether `ip` is reachable on the public internet: not this machine, not
/// a private, shared, link-local, unique-local, documentation, multicast or
/// reserved range, including IPv4 written inside IPv6 (mapped, compatible,
/// NAT64, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network"
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // shared (CGNAT)
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0)       // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)       // documentation
        || (a == 192 && b == 88 && c == 99)     // 6to4 relay
        || (a == 192 && b == 168)
        || (a == 198 && (18..20).contains(&b))  // benchmarking
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224) // multicast, reserved, broadcast
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    // IPv4-compatible (::a.b.c.d), and :: and ::1 with them.
    if s[..6] == [0; 6] {
        return s[6] != 0 && public_v4(embedded(s[6], s[7]));
    }
    // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48).
    if s[0] == 0x64 && s[1] == 0xff9b {
        return s[2] == 0 && public_v4(embedded(s[6], s[7]));
    }
    // 6to4 (2002::/16) carries an IPv4 address in its next 32 bits.
    if s[0] == 0x2002 {
        return public_v4(embedded(s[1], s[2]));
    }
    !((s[0] & 0xfe00) == 0xfc00            // unique local
        || (s[0] & 0xffc0) == 0xfe80       // link-local
        || (s[0] & 0xffc0) == 0xfec0       // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00       // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0)   // Teredo
        || (s[0] == 0x0100 && s[1..4] == [0; 3])) // discard
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_public() {
        for public in [
            "8.8.8.8",
            "142.250.180.10",
            "2607:f8b0:4004:c1b::5f",
            "2002:808:808::1",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
        for private in [
            "127.0.0.1",
            "127.9.9.9",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2001:0:4136:e378::1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
    }

    #[test]
    fn loopback_is_allowed_only_when_asked_and_never_the_private_network() {
        let strict = Outbound::default();
        let local = Outbound {
            allow_loopback: true,
            ..Outbound::default()
        };
        for host in ["127.0.0.1", "[::1]", "[::ffff:127.0.0.1]"] {
            assert!(strict.check_host(host).is_err(), "{host}");
            assert!(local.check_host(host).is_ok(), "{host}");
        }
        assert!(local.check_host("10.0.0.1").is_err());
        assert!(local.check_host("169.254.169.254").is_err());
    }

    #[test]
    fn the_allow_list_takes_named_hosts_and_their_subdomains() {
        let only = Outbound {
            allowed_hosts: vec!["push.apple.com".into(), "fcm.googleapis.com".into()],
            ..Outbound::default()
        };
        assert!(only.check_host("web.push.apple.com").is_ok());
        assert!(only.check_host("FCM.googleapis.com.").is_ok());
        assert!(only.check_host("evilpush.apple.com").is_err());
        assert!(only.check_host("push.apple.com.evil.example").is_err());
    }

    #[tokio::test]
    async fn names_are_resolved_and_every_answer_checked() {
        let strict = Outbound::default();
        assert!(matches!(
            strict.resolve("localhost", 443).await,
            Err(Refusal::NotPublic(_))
        ));
        let local = Outbound {
            allow_loopback: true,
            ..Outbound::default()
        };
        assert!(local.resolve("localhost", 443).await.is_ok());
    }
}
