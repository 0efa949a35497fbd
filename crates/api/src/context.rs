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
    pub fn meta(&self) -> &RequestMeta {
        match self {
            RequestAuth::Anonymous(meta) | RequestAuth::Invalid(meta, _) => meta,
            RequestAuth::SignedIn(actor) => &actor.meta,
        }
    }
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

/// The signed-in actor, or UNAUTHENTICATED.
pub(crate) fn actor<'a>(ctx: &Context<'a>) -> ApiResult<&'a Actor> {
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
