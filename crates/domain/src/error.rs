use sea_orm::{DbErr, SqlErr};

/// The machine-readable code of every error a client can see (the SPEC's
/// `extensions.code`). Clients branch on these, so a code is never spelt anywhere else:
/// GraphQL errors, the HTTP routes and the WebSocket all take it from here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    RateLimited,
    /// A live stream fell behind and was dropped: subscribe again from the last cursor.
    Resubscribe,
    InternalServerError,
}

impl ErrorCode {
    /// The code as clients receive it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::Resubscribe => "RESUBSCRIBE",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The HTTP status of a route that answers outside GraphQL (GraphQL itself answers
    /// 200 with the code in the body).
    pub const fn http_status(self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::BadUserInput => 400,
            Self::Conflict => 409,
            Self::RateLimited => 429,
            // Only a live stream ends this way; no route answers it.
            Self::Resubscribe => 409,
            Self::InternalServerError => 500,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an error happened, where a client must tell causes apart and can do something
/// about it: `extensions.reason`, a stable word next to the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Sign-in needs (another) code from the authenticator app or a recovery code.
    TotpRequired,
    /// The password was generated and emailed: choose your own (`changePassword`).
    PasswordChangeRequired,
    /// The account requires two-factor sign-in: turn it on (`enrollTotp`).
    TwoFactorRequired,
    /// The request ran out of time and was stopped; nothing it began was kept.
    Timeout,
    /// What the request asked needs a person's session, not an API token.
    ApiTokenNotAllowed,
    /// The API token is unknown, expired or revoked (or its member lost the account).
    ApiTokenRevoked,
}

impl Reason {
    /// The reason as clients receive it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TotpRequired => "TOTP_REQUIRED",
            Self::PasswordChangeRequired => "PASSWORD_CHANGE_REQUIRED",
            Self::TwoFactorRequired => "TWO_FACTOR_REQUIRED",
            Self::Timeout => "TIMEOUT",
            Self::ApiTokenNotAllowed => "API_TOKEN_NOT_ALLOWED",
            Self::ApiTokenRevoked => "API_TOKEN_REVOKED",
        }
    }
}

/// Everything a domain service can answer instead of a result; each variant has one
/// [`ErrorCode`].
#[derive(Clone, Debug, thiserror::Error)]
pub enum DomainError {
    /// The request carries a token that is unknown, expired or revoked, or the
    /// operation needs a signed-in user.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// An error whose cause the client must tell apart, as `extensions.reason`
    /// (`PASSWORD_CHANGE_REQUIRED`, `TOTP_REQUIRED`, `TWO_FACTOR_REQUIRED`): it can do
    /// something about it.
    #[error("{message}")]
    WithReason {
        code: ErrorCode,
        reason: Reason,
        message: String,
    },
    /// Also the answer for another account's objects: their existence is not revealed.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Invalid input; `field` names the argument at fault when there is one.
    #[error("{message}")]
    BadInput {
        field: Option<&'static str>,
        message: String,
    },
    /// Several fields of one input are invalid: each with its message, so a form shows
    /// them all at once (`extensions.fieldErrors`). Never empty.
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))]
    InvalidFields(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    /// Too much too often; `retry_after` is the seconds to wait, when a wait helps.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after: Option<u64>,
    },
    /// A live stream's subscriber fell behind the feed (see [`ErrorCode::Resubscribe`]).
    #[error("{0}")]
    Resubscribe(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

/// One field's complaint (`extensions.fieldErrors` item): the input field by its API
/// name, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl DomainError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::WithReason { code, .. } => *code,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::BadInput { .. } | Self::InvalidFields(_) => ErrorCode::BadUserInput,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Resubscribe(_) => ErrorCode::Resubscribe,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    /// What the client is told. An internal error's detail is for the log only: it may
    /// name tables, queries or other users' data.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(_) => "internal server error".to_owned(),
            other => other.to_string(),
        }
    }

    /// Every field at fault, with its message: one for a `BadInput` naming its field,
    /// each of [`DomainError::InvalidFields`], none otherwise.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            Self::BadInput {
                field: Some(field),
                message,
            } => vec![FieldError {
                field,
                message: message.clone(),
            }],
            Self::InvalidFields(errors) => errors.clone(),
            _ => Vec::new(),
        }
    }

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

    /// FORBIDDEN until the caller does what `reason` says.
    pub fn forbidden_until(reason: Reason, message: impl Into<String>) -> Self {
        Self::WithReason {
            code: ErrorCode::Forbidden,
            reason,
            message: message.into(),
        }
    }

    /// A cap that waiting does not lift (a count of open things, a daily quota).
    pub fn capped(message: impl Into<String>) -> Self {
        Self::RateLimited {
            message: message.into(),
            retry_after: None,
        }
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
