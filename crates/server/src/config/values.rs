//! The parsed values of the configuration that need more than a `String`: secrets whose
//! `Debug` masks them, and the public URL with what is derived from it.

use std::fmt;

/// A password: `Debug` prints `***`; [`Secret::expose`] reads it where it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// A connection URL, which may carry a password. `Debug` prints it with the password
/// replaced by `***`; there is no `Display`: [`SecretUrl::expose`] reads it where a
/// connection is made. Checked when parsed from its variable, not by this type.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for SecretUrl {
    fn from(url: &str) -> Self {
        Self(url.to_owned())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                fmt::Debug::fmt(url.as_str(), f)
            }
            _ => fmt::Debug::fmt(&self.0, f),
        }
    }
}

/// `PUBLIC_URL`: the base of links in emails, and the origin that cookie-authenticated
/// WebSockets must come from. `Display` prints the base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl {
    /// As configured, without a trailing slash.
    base: String,
    /// scheme://host[:port]
    origin: String,
    https: bool,
}

impl PublicUrl {
    /// An `http://` or `https://` URL; the reason it is not one otherwise.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must start with http:// or https://".into());
        }
        Ok(Self {
            base: raw.trim_end_matches('/').to_owned(),
            origin: url.origin().ascii_serialization(),
            https: url.scheme() == "https",
        })
    }

    /// The address of a server listening on `listener`, as a person on this machine
    /// opens it: `localhost` for a loopback or any-address listener (browsers send
    /// cookies by name, and a passkey's relying party cannot be an IP), else its IP.
    pub fn of_listener(listener: std::net::SocketAddr) -> Self {
        let ip = listener.ip();
        let host = if ip.is_loopback() || ip.is_unspecified() {
            "localhost".to_owned()
        } else if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        Self::parse(&format!("http://{host}:{}", listener.port()))
            .expect("an address makes an http URL")
    }

    /// The base of links, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// `scheme://host[:port]`, as a browser sends it in `Origin`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Served over HTTPS: the session cookie is marked `Secure`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Where a person on this machine should open the server listening on `listener`:
    /// this URL when it names that listener on this machine (`http://localhost:8080`,
    /// the default, for `127.0.0.1:8080`: browsers send cookies and `Origin` by name, and
    /// the socket signs in with the cookie only from this origin), else the listener.
    pub fn for_listener(&self, listener: std::net::SocketAddr) -> String {
        let names_it = url::Url::parse(&self.base).is_ok_and(|url| {
            let local = match url.host() {
                Some(url::Host::Domain(name)) => name == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            local
                && !self.https
                && listener.ip().is_loopback()
                && url.port_or_known_default() == Some(listener.port())
        });
        if names_it {
            self.base.clone()
        } else {
            format!("http://{listener}")
        }
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}
