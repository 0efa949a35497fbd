//! RFC 8058 one-click unsubscribe headers for notification emails: mail clients show an
//! "unsubscribe" button that POSTs to the URL, and large mailbox providers expect the
//! headers on bulk mail.

use lettre::message::MessageBuilder;
use lettre::message::header::{HeaderName, HeaderValue};

/// `builder` with `List-Unsubscribe: <url>` and `List-Unsubscribe-Post:
/// List-Unsubscribe=One-Click`.
pub(crate) fn one_click(builder: MessageBuilder, url: &str) -> MessageBuilder {
    builder
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{url}>"),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ))
}

#[cfg(test)]
mod tests {
    use lettre::Message;

    #[test]
    fn both_headers_are_written_unfolded() {
        let url =
            "https://portal.example.com/unsubscribe/a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w";
        let message = super::one_click(Message::builder(), url)
            .from("Portal <portal@example.com>".parse().unwrap())
            .to("ann@example.com".parse().unwrap())
            .subject("Hello")
            .body(String::from("Hi"))
            .unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(
            raw.contains(&format!("List-Unsubscribe: <{url}>\r\n")),
            "{raw}"
        );
        assert!(
            raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
            "{raw}"
        );
    }
}
