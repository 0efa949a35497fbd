//! Who is asking: resolved once per request from the bearer token or session cookie.

use async_graphql::Context;
use domain::{Actor, Domain, DomainError, RequestMeta};

use crate::error::ApiResult;

/// The caller of one request.
#[derive(Clone, Debug)]
pub enum RequestAuth {
    /// No token: public operations only, `viewer` is null.
    Anonymous(RequestMeta),
    SignedIn(Actor),
    /// A token that is unknown, expired or revoked. Operations that need a user answer
    /// UNAUTHENTICATED with this message; public ones (login, register…) still work.
    Invalid(RequestMeta, String),
}

impl RequestAuth {
    /// The signed-in caller, if there is one.
    pub fn actor(&self) -> Option<&Actor> {
        match self {
            RequestAuth::SignedIn(actor) => Some(actor),
            _ => None,
        }
    }

    pub fn meta(&self) -> &RequestMeta {
        match self {
            RequestAuth::Anonymous(meta) | RequestAuth::Invalid(meta, _) => meta,
            RequestAuth::SignedIn(actor) => &actor.meta,
        }
    }
}

/// The token of an `Authorization` value of the `Bearer` scheme (any case), whether it
/// came as an HTTP header or in a WebSocket `connection_init` payload.
pub fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Resolves a request's token (if any) into its caller.
pub async fn authenticate(
    domain: &Domain,
    token: Option<&str>,
    meta: RequestMeta,
) -> Result<RequestAuth, DomainError> {
    let Some(token) = token else {
        return Ok(RequestAuth::Anonymous(meta));
    };
    match domain.auth().authenticate(token, meta.clone()).await {
        Ok(actor) => Ok(RequestAuth::SignedIn(actor)),
        Err(DomainError::Unauthenticated(message)) => Ok(RequestAuth::Invalid(meta, message)),
        Err(other) => Err(other),
    }
}

pub(crate) fn domain<'a>(ctx: &Context<'a>) -> &'a Domain {
    ctx.data_unchecked::<Domain>()
}

pub(crate) fn auth<'a>(ctx: &Context<'a>) -> &'a RequestAuth {
    ctx.data_unchecked::<RequestAuth>()
}

/// The signed-in actor, or UNAUTHENTICATED; FORBIDDEN (`PASSWORD_CHANGE_REQUIRED`)
/// while their password is a generated one: they may only use [`signed_in`]'s
/// operations (`viewer`, `changePassword`, `logout`).
pub(crate) fn actor<'a>(ctx: &Context<'a>) -> ApiResult<&'a Actor> {
    let actor = signed_in(ctx)?;
    if actor.password_change_required {
        return Err(domain::access::password_change_required().into());
    }
    Ok(actor)
}

/// The signed-in actor, or UNAUTHENTICATED, even one who must change their password.
pub(crate) fn signed_in<'a>(ctx: &Context<'a>) -> ApiResult<&'a Actor> {
    match auth(ctx) {
        RequestAuth::SignedIn(actor) => Ok(actor),
        RequestAuth::Invalid(_, message) => {
            Err(DomainError::Unauthenticated(message.clone()).into())
        }
        RequestAuth::Anonymous(_) => {
            Err(DomainError::Unauthenticated("sign in to do this".into()).into())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bearer_tokens_are_read_whatever_the_scheme_case() {
        assert_eq!(super::bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(super::bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(super::bearer_token("Basic abc"), None);
        assert_eq!(super::bearer_token("Bearer "), None);
        assert_eq!(super::bearer_token("abc"), None);
    }
}
