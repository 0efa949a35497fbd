//! The browser's session cookie: how it is set, cleared and read back. One place, so
//! the GraphQL mutations that sign in and out and the server's routes that read the
//! cookie always agree on its name and attributes.

/// The cookie's name.
const NAME: &str = "clientele_session";

/// The session cookie of one portal: `Secure` when the portal is served over HTTPS.
#[derive(Clone, Copy, Debug, Default)]
pub struct SessionCookie {
    secure: bool,
}

impl SessionCookie {
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    /// A `Set-Cookie` value carrying `token` for `max_age_secs`.
    pub fn set(&self, token: &str, max_age_secs: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{NAME}={token}; Max-Age={max_age_secs}; Path=/; HttpOnly; SameSite=Lax{secure}")
    }

    /// A `Set-Cookie` value that removes the cookie.
    pub fn clear(&self) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{NAME}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax{secure}")
    }

    /// The token in a request's `Cookie` headers, if it carries a non-empty one.
    pub fn read<'h>(&self, cookie_headers: impl IntoIterator<Item = &'h str>) -> Option<String> {
        cookie_headers
            .into_iter()
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == NAME)
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
        assert_eq!(cookie.read(["clientele_session="]), None);
        assert_eq!(cookie.read(["other=abc"]), None);
        assert!(SessionCookie::new(false).clear().contains("Max-Age=0"));
        assert!(!SessionCookie::new(false).clear().contains("Secure"));
    }
}
