//! The browser's session cookie: how it is set, cleared and read back. One place, so
//! the GraphQL mutations that sign in and out and the server's routes that read the
//! cookie always agree on its name and attributes.

/// The cookie's name over plain HTTP (development).
const NAME: &str = "clientele_session";
/// Its name over HTTPS: the `__Host-` prefix makes browsers refuse it unless it is
/// `Secure`, has `Path=/` and no `Domain`, so a sibling subdomain cannot plant or
/// overwrite it.
const HOST_NAME: &str = "__Host-clientele_session";

/// The session cookie of one portal: `Secure` and `__Host-` prefixed when the portal
/// is served over HTTPS.
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionCookie {
    secure: bool,
}

impl SessionCookie {
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    /// The cookie's name.
    pub fn name(&self) -> &'static str {
        if self.secure { HOST_NAME } else { NAME }
    }

    /// A `Set-Cookie` value carrying `token` for `max_age_secs`.
    pub fn set(&self, token: &str, max_age_secs: i64) -> String {
        self.header(token, max_age_secs)
    }

    /// A `Set-Cookie` value that removes the cookie.
    pub fn clear(&self) -> String {
        self.header("", 0)
    }

    fn header(&self, value: &str, max_age_secs: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={value}; Max-Age={max_age_secs}; Path=/; HttpOnly; SameSite=Lax{secure}",
            self.name()
        )
    }

    /// The token in a request's `Cookie` headers, if it carries a non-empty one.
    pub fn read<'h>(&self, cookie_headers: impl IntoIterator<Item = &'h str>) -> Option<String> {
        cookie_headers
            .into_iter()
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.name())
            .map(|(_, value)| value.trim().to_owned())
            .filter(|token| !token.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_set_is_read_back() {
        let cookie = SessionCookie::new(true);
        let set = cookie.set("abc", 60);
        assert!(
            set.contains("HttpOnly") && set.ends_with("; Secure"),
            "{set}"
        );
        let pair = set.split(';').next().unwrap();
        assert_eq!(
            cookie.read(
                ["theme=dark; ".to_owned() + pair]
                    .iter()
                    .map(String::as_str)
            ),
            Some("abc".into())
        );
        assert_eq!(cookie.read(["__Host-clientele_session="]), None);
        // Over HTTPS the unprefixed cookie (which a sibling subdomain could set) is
        // not read.
        assert_eq!(cookie.read(["clientele_session=abc"]), None);
        assert_eq!(
            SessionCookie::new(false).read(["clientele_session=abc"]),
            Some("abc".into())
        );
        assert_eq!(cookie.read(["other=abc"]), None);
        assert!(SessionCookie::new(false).clear().contains("Max-Age=0"));
        assert!(!SessionCookie::new(false).clear().contains("Secure"));
    }
}
