use sea_orm::{DbErr, SqlErr};

/// Everything a domain service can answer instead of a result. The API maps each
/// variant to one `extensions.code`.
#[derive(Clone, Debug, thiserror::Error)]
pub enum DomainError {
    /// The request carries a token that is unknown, expired or revoked, or the
    /// operation needs a signed-in user.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// Also the answer for another account's objects: their existence is not revealed.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Invalid input; `field` names the argument at fault when there is one.
    #[error("{message}")]
    BadInput {
        field: Option<&'static str>,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

impl DomainError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }
}

impl From<DbErr> for DomainError {
    fn from(err: DbErr) -> Self {
        // A unique index losing a race is the caller's conflict, not our failure.
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            tracing::debug!(%detail, "unique constraint violated");
            return Self::Conflict("that already exists".into());
        }
        tracing::error!(error = %err, "database error");
        Self::Internal("database error".into())
    }
}

/// Maps a unique violation to a conflict with a message the client can show.
pub(crate) fn on_conflict<T>(result: Result<T, DbErr>, message: &str) -> Result<T> {
    result.map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => DomainError::Conflict(message.into()),
        _ => err.into(),
    })
}

/// Gives a conflict from a lower layer the message that fits the caller's context.
pub(crate) fn reword_conflict<T>(result: Result<T>, message: &str) -> Result<T> {
    result.map_err(|err| match err {
        DomainError::Conflict(_) => DomainError::Conflict(message.into()),
        other => other,
    })
}
