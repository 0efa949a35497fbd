//! Input checks shared by the services. Each answers `BadInput` naming the field.

use crate::{DomainError, Result};

pub const MIN_PASSWORD_LEN: usize = 10;
/// Argon2 accepts anything, but a megabyte "password" is an attack, not a password.
pub const MAX_PASSWORD_LEN: usize = 256;
const MAX_NAME_LEN: usize = 200;

/// Trims and checks an email address; returns it as given (case kept, uniqueness is
/// case-insensitive in the database).
pub fn email(field: &'static str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.len() > 254 || !email_address::EmailAddress::is_valid(value) {
        return Err(DomainError::bad_input(
            field,
            format!("{field} is not a valid email address"),
        ));
    }
    Ok(value.to_owned())
}

/// A required, non-blank name of reasonable length, trimmed.
pub fn name(field: &'static str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().count() > MAX_NAME_LEN {
        return Err(DomainError::bad_input(
            field,
            format!("{field} must be at most {MAX_NAME_LEN} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A new password: long enough to resist guessing, short enough to hash.
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
}
