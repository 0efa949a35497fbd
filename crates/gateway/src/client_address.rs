//! Who a request comes from. Behind a load balancer the TCP peer is the balancer, and
//! the client is named in `X-Forwarded-For` or `Forwarded` (RFC 7239) — headers anyone
//! can write. They are believed only when the peer is one of `TRUSTED_PROXIES`, and
//! read from the right: each hop a trusted proxy appended is skipped, and the first
//! address that is not a trusted proxy is the client (whatever stands left of it is
//! that client's own claim). The address feeds sessions, the audit log, throttles and
//! logs.
//!
//! Only the header the proxies write is read (`TRUSTED_PROXY_HEADER`): nginx, HAProxy
//! and most balancers append to `X-Forwarded-For` and pass a client's `Forwarded`
//! through untouched, so reading `Forwarded` too would let every client name itself.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The header the trusted proxies append the client's address to
/// (`TRUSTED_PROXY_HEADER`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProxyHeader {
    /// `X-Forwarded-For` (the default): what nginx, HAProxy and the cloud balancers write.
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded`, its `for=` parameters.
    Forwarded,
}

impl ProxyHeader {
    /// `x-forwarded-for` or `forwarded`, in any case.
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            other => Err(format!(
                "`{other}` is neither x-forwarded-for nor forwarded"
            )),
        }
    }
}

/// The proxies whose forwarding header is believed (`TRUSTED_PROXIES`), and which
/// header that is (`TRUSTED_PROXY_HEADER`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ProxyHeader,
}

impl TrustedProxies {
    /// A comma-separated list of addresses and networks: `10.0.0.0/8, 192.0.2.7`;
    /// they write `X-Forwarded-For` unless [`TrustedProxies::reading`] says otherwise.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{item}` is not an address or a network like 10.0.0.0/8"))
            })
            .collect::<Result<_, _>>()
            .map(|networks| Self {
                networks,
                header: ProxyHeader::default(),
            })
    }

    /// The same proxies, read from `header`.
    pub fn reading(self, header: ProxyHeader) -> Self {
        Self { header, ..self }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in hops(headers, self.header).iter().rev() {
            // An obfuscated or unknown hop ("unknown", "_hidden"): the proxy that wrote
            // it is as far back as anyone can tell.
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                return ip;
            }
        }
        client
    }
}

/// The hops the proxies recorded in `header`, oldest first, every header line in
/// order: the addresses of `X-Forwarded-For`, or `Forwarded`'s `for=` parameters.
fn hops(headers: &HeaderMap, header: ProxyHeader) -> Vec<String> {
    let name = match header {
        ProxyHeader::XForwardedFor => "x-forwarded-for",
        ProxyHeader::Forwarded => "forwarded",
    };
    let elements = headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|item| !item.is_empty());
    match header {
        ProxyHeader::XForwardedFor => elements.map(str::to_owned).collect(),
        ProxyHeader::Forwarded => elements
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    key.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| value.trim().trim_matches('"').to_owned())
                })
            })
            .collect(),
    }
}

/// One hop's address: `192.0.2.60`, `192.0.2.60:4711`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let host = match hop.strip_prefix('[') {
        Some(rest) => rest.split(']').next()?,
        None => hop.rsplit_once(':').map_or(hop, |(host, _port)| host),
    };
    host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let none = TrustedProxies::default();
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            none.client(ip("198.51.100.4"), &spoofed),
            ip("198.51.100.4")
        );
        let some = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            some.client(ip("198.51.100.4"), &spoofed),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // The client claimed 1.1.1.1; the edge proxy saw 203.0.113.9 and appended it;
        // the inner proxy 10.1.2.3 appended the edge's address.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 192.0.2.7")]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &chain), ip("203.0.113.9"));
        // Several header lines read as one list.
        let split = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &split), ip("203.0.113.9"));
        // Only proxies all the way: the oldest of them.
        let inner = headers(&[("x-forwarded-for", "10.9.9.9, 192.0.2.7")]);
        assert_eq!(proxies.client(ip("10.1.2.3"), &inner), ip("10.9.9.9"));
        // No header: the peer itself.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), &HeaderMap::new()),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn a_forwarded_header_is_the_clients_own_unless_the_proxies_write_it() {
        // nginx appends to X-Forwarded-For and passes the client's Forwarded along.
        let proxies = TrustedProxies::parse("10.0.0.1").unwrap();
        let forged = headers(&[
            ("forwarded", "for=203.0.113.66"),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &forged), ip("198.51.100.7"));
        // Forwarded alone names nobody: the proxy itself is as far back as we can tell.
        let alone = headers(&[("forwarded", "for=203.0.113.66")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &alone), ip("10.0.0.1"));
        // Read from Forwarded, X-Forwarded-For is the client's to write.
        let forwarded = proxies.reading(ProxyHeader::Forwarded);
        assert_eq!(
            forwarded.client(ip("10.0.0.1"), &forged),
            ip("203.0.113.66")
        );
        assert_eq!(
            forwarded.client(
                ip("10.0.0.1"),
                &headers(&[("x-forwarded-for", "198.51.100.7")])
            ),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_header_is_named_in_either_case_and_nothing_else_is_taken() {
        assert_eq!(
            ProxyHeader::parse("X-Forwarded-For"),
            Ok(ProxyHeader::XForwardedFor)
        );
        assert_eq!(
            ProxyHeader::parse(" forwarded "),
            Ok(ProxyHeader::Forwarded)
        );
        assert!(
            ProxyHeader::parse("x-real-ip")
                .unwrap_err()
                .contains("x-real-ip")
        );
    }

    #[test]
    fn forwarded_is_read_with_ports_and_brackets_when_configured() {
        let proxies = TrustedProxies::parse("10.0.0.1")
            .unwrap()
            .reading(ProxyHeader::Forwarded);
        let both = headers(&[
            (
                "forwarded",
                r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711""#,
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &both),
            ip("2001:db8:cafe::17")
        );
        let port = headers(&[("forwarded", "For=203.0.113.5:8443")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &port), ip("203.0.113.5"));
        // An obfuscated hop stops the walk at the proxy that wrote it.
        let hidden = headers(&[("forwarded", "for=203.0.113.5, for=_hidden")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &hidden), ip("10.0.0.1"));
        // IPv4 mapped into IPv6 is the IPv4 address.
        assert_eq!(
            TrustedProxies::parse("127.0.0.1").unwrap().client(
                ip("::ffff:127.0.0.1"),
                &headers(&[("x-forwarded-for", "203.0.113.5")])
            ),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn a_bad_list_is_refused_with_what_is_wrong() {
        assert!(
            TrustedProxies::parse("10.0.0.0/8, nonsense")
                .unwrap_err()
                .contains("nonsense")
        );
        assert_eq!(
            TrustedProxies::parse(" ").unwrap(),
            TrustedProxies::default()
        );
    }
}
