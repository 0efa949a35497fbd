//! Who a request comes from. Behind a load balancer the TCP peer is the balancer, and
//! the client is named in `Forwarded` (RFC 7239) or `X-Forwarded-For` — headers anyone
//! can write. They are believed only when the peer is one of `TRUSTED_PROXIES`, and
//! read from the right: each hop a trusted proxy appended is skipped, and the first
//! address that is not a trusted proxy is the client (whatever stands left of it is
//! that client's own claim). The address feeds sessions, the audit log, throttles and
//! logs.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The proxies whose forwarding headers are believed (`TRUSTED_PROXIES`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of addresses and networks: `10.0.0.0/8, 192.0.2.7`.
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
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_for(headers).iter().rev() {
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

/// The hops the proxies recorded, oldest first: `Forwarded`'s `for=` when present,
/// else `X-Forwarded-For`; every header line in order.
fn forwarded_for(headers: &HeaderMap) -> Vec<String> {
    let lines = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let forwarded: Vec<String> = lines("forwarded")
        .iter()
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| value.trim().trim_matches('"').to_owned())
            })
        })
        .collect();
    if forwarded.is_empty() {
        lines("x-forwarded-for")
    } else {
        forwarded
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
    fn forwarded_is_read_before_x_forwarded_for_with_ports_and_brackets() {
        let proxies = TrustedProxies::parse("10.0.0.1").unwrap();
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
