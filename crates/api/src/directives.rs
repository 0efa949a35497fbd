//! What the schema says of its own fields, marked where they are declared and read
//! back from the schema by whoever needs the list (the gateway, the tests), so there is
//! no list to keep by hand:
//! - `@onePerRequest`: a request runs at most one of these mutations;
//! - `@personOnly`: these need a person's session, and an API token is refused them
//!   (by [`PersonOnly`], the guard each carries beside the mark).

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use async_graphql::{Context, Guard, TypeDirective};

use crate::context::{RequestAuth, auth};
use crate::error::ApiError;

/// A request runs at most one field marked so: each checks a password or a
/// second-factor code, or costs a password hash or an email. A request that selects
/// two (under aliases, through fragments, or two different ones) is refused before
/// anything runs, with BAD_USER_INPUT.
#[TypeDirective(name = "onePerRequest", location = "FieldDefinition")]
pub fn one_per_request() {}

/// Needs a person's session: signing in, passwords, sessions, second factors, API
/// tokens, ownership, removal. With an API token: FORBIDDEN, reason
/// API_TOKEN_NOT_ALLOWED.
#[TypeDirective(name = "personOnly", location = "FieldDefinition")]
pub fn person_only() {}

/// The guard of every `@personOnly` field: an API token is refused (the domain's
/// `Actor::person` says so).
pub struct PersonOnly;

impl Guard for PersonOnly {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        match auth(ctx) {
            RequestAuth::SignedIn(actor) => actor
                .person()
                .map(|_| ())
                .map_err(|err| ApiError(err).into()),
            _ => Ok(()),
        }
    }
}

/// The mutations of the schema written in `sdl` that are marked `@onePerRequest`, in
/// the schema's order.
pub fn one_per_request_fields(sdl: &str) -> Vec<String> {
    marked_mutations(sdl, "onePerRequest")
}

/// The mutations of the schema written in `sdl` that are marked `@personOnly`.
pub fn person_only_fields(sdl: &str) -> Vec<String> {
    marked_mutations(sdl, "personOnly")
}

fn marked_mutations(sdl: &str, directive: &str) -> Vec<String> {
    let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
        return Vec::new();
    };
    document
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            TypeSystemDefinition::Type(ty) if ty.node.name.node == "Mutation" => {
                match &ty.node.kind {
                    TypeKind::Object(object) => Some(&object.fields),
                    _ => None,
                }
            }
            _ => None,
        })
        .flatten()
        .filter(|field| {
            field
                .node
                .directives
                .iter()
                .any(|d| d.node.name.node == directive)
        })
        .map(|field| field.node.name.node.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{one_per_request_fields, person_only_fields};

    #[test]
    fn the_marked_mutations_are_read_from_the_schema() {
        let fields = one_per_request_fields(&crate::sdl());
        for name in ["login", "acceptInvitation", "register", "disableTotp"] {
            assert!(fields.iter().any(|f| f == name), "{name} in {fields:?}");
        }
        for name in ["addContact", "createService", "logout"] {
            assert!(!fields.iter().any(|f| f == name), "{name} in {fields:?}");
        }
        let fields = person_only_fields(&crate::sdl());
        for name in [
            "login",
            "logout",
            "changePassword",
            "createApiToken",
            "transferOwnership",
        ] {
            assert!(fields.iter().any(|f| f == name), "{name} in {fields:?}");
        }
        for name in ["addContact", "openTicket", "payInvoice"] {
            assert!(!fields.iter().any(|f| f == name), "{name} in {fields:?}");
        }
    }

    #[test]
    fn a_schema_that_does_not_parse_marks_nothing() {
        assert!(one_per_request_fields("type {").is_empty());
    }
}
