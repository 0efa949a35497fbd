//! Input checks shared by the services. Each answers `BadInput` naming the field.
//!
//! Every string a client sends is bounded here before it is stored or copied into
//! events and emails, and none may carry control characters (a NUL byte, which
//! PostgreSQL refuses; a line break in a single-line field, which ends up in headers
//! and PDFs). Multi-line text allows line breaks and tabs only.

use crate::{DomainError, FieldError, Result};

/// Collects the field errors of one input, so that a form hears of all of them at
/// once: each check is [`Fields::take`]n, then [`Fields::done`] answers them together.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// A check's value; its field error kept for [`Fields::done`] (`None`); any other
    /// error (not about a field) returned at once.
    pub fn take<T>(&mut self, checked: Result<T>) -> Result<Option<T>> {
        match checked {
            Ok(value) => Ok(Some(value)),
            Err(err) => {
                let errors = err.field_errors();
                if errors.is_empty() {
                    return Err(err);
                }
                self.errors.extend(errors);
                Ok(None)
            }
        }
    }

    /// Whether a field error was kept already.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Every kept error at once: one as `BadInput`, more as `InvalidFields`.
    pub fn done(mut self) -> Result<()> {
        match self.errors.len() {
            0 => Ok(()),
            1 => {
                let only = self.errors.remove(0);
                Err(DomainError::BadInput {
                    field: Some(only.field),
                    message: only.message,
                })
            }
            _ => Err(DomainError::InvalidFields(self.errors)),
        }
    }
}

pub const MIN_PASSWORD_LEN: usize = 10;
/// Argon2 accepts anything, but a megabyte "password" is an attack, not a password.
pub const MAX_PASSWORD_LEN: usize = 256;
/// Names of people, accounts, companies, products; relationship labels.
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_PHONE_LEN: usize = 50;
/// One part of a postal address.
pub const MAX_ADDRESS_LEN: usize = 200;
/// Ticket subjects, invoice numbers, service usernames and passwords, labels.
pub const MAX_LINE_LEN: usize = 200;
/// Ticket bodies and replies.
pub const MAX_TEXT_LEN: usize = 20_000;
/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL_LEN: usize = 254;

/// Trims and checks an email address; returns it as given (case kept, uniqueness is
/// case-insensitive in the database).
pub fn email(field: &'static str, value: &str) -> Result<String> {
    let value = line(field, value, MAX_EMAIL_LEN)?;
    if !email_address::EmailAddress::is_valid(&value) {
        return Err(DomainError::bad_input(
            field,
            format!("{field} is not a valid email address"),
        ));
    }
    Ok(value)
}

/// An email that may be left out: blank means none.
pub fn optional_email(field: &'static str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => email(field, value).map(Some),
        None => Ok(None),
    }
}

/// A required, non-blank name of reasonable length, trimmed.
pub fn name(field: &'static str, value: &str) -> Result<String> {
    line(field, value, MAX_NAME_LEN)
}

/// A required single line: trimmed, not blank, at most `max` characters, no control
/// characters.
pub fn line(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    bounded(field, value, max, false)?;
    Ok(value.to_owned())
}

/// An optional single line: blank means none.
pub fn optional_line(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => line(field, value, max).map(Some),
        None => Ok(None),
    }
}

/// A change to an optional single line: `None` leaves it, `Some(None)` or blank
/// clears it.
pub fn optional_change(
    field: &'static str,
    value: Option<Option<String>>,
    max: usize,
) -> Result<Option<Option<String>>> {
    value
        .map(|v| optional_line(field, v.as_deref(), max))
        .transpose()
}

/// Required multi-line text (a ticket body): line breaks and tabs allowed, other
/// control characters not.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    bounded(field, value, max, true)?;
    Ok(value.to_owned())
}

/// Any other string that reaches the database or a log as given (a search term, a
/// category key being looked up): bounded, no control characters; blank allowed.
pub fn plain(field: &'static str, value: &str, max: usize) -> Result<()> {
    bounded(field, value, max, false)
}

fn bounded(field: &'static str, value: &str, max: usize, multi_line: bool) -> Result<()> {
    if value.chars().count() > max {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    let allowed = |c: char| multi_line && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(DomainError::bad_input(
            field,
            if multi_line {
                format!(
                    "{field} must not contain control characters other than line breaks and tabs"
                )
            } else {
                format!("{field} must be one line without control characters")
            },
        ));
    }
    Ok(())
}

/// The 10,000 most common passwords (lower case), from Django's
/// `contrib/auth/common-passwords.txt.gz` (BSD licence; Royce Williams' list), most
/// common first: see `crates/domain/data/README.md`.
static COMMON_PASSWORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .collect()
    });

/// A new password: long enough to resist guessing, short enough to hash, and not one
/// of the most common.
pub fn new_password(field: &'static str, value: &str) -> Result<()> {
    let len = value.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must be at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    if value.contains('\0') {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must not contain a NUL character"),
        ));
    }
    if COMMON_PASSWORDS.contains(value.to_lowercase().as_str()) {
        return Err(DomainError::bad_input(
            field,
            format!("{field} is one of the most common passwords; choose another"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("email", "  Ann@Example.com ").unwrap(),
            "Ann@Example.com"
        );
        assert!(email("email", "not-an-email").is_err());
        assert!(email("email", "").is_err());
    }

    #[test]
    fn names_and_passwords() {
        assert_eq!(name("firstName", " Ann ").unwrap(), "Ann");
        assert!(name("firstName", "   ").is_err());
        assert!(new_password("password", "short").is_err());
        assert!(new_password("password", "long enough pass").is_ok());
        assert!(new_password("password", &"x".repeat(MAX_PASSWORD_LEN + 1)).is_err());
    }

    #[test]
    fn lines_refuse_control_characters_and_text_allows_line_breaks() {
        assert!(line("number", "INV\r\n1", 50).is_err());
        assert!(line("number", "INV\u{0}1", 50).is_err());
        assert!(name("firstName", "Ann\u{7f}").is_err());
        assert!(email("email", "ann\u{0}@example.com").is_err());
        assert_eq!(text("body", " a\nb\tc ", 50).unwrap(), "a\nb\tc");
        assert!(text("body", "a\u{0}b", 50).is_err());
        assert!(line("subject", &"x".repeat(201), 200).is_err());
        assert_eq!(optional_line("phone", Some("  "), 50).unwrap(), None);
        assert_eq!(
            optional_change("phone", Some(None), 50).unwrap(),
            Some(None)
        );
        assert!(plain("search", "50%", 200).is_ok());
        assert!(plain("search", "a\u{0}", 200).is_err());
    }
}
