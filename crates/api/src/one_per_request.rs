//! The mutations a request runs one of at most, marked where they are declared and read
//! back from the schema by whoever admits requests (the gateway), so there is no list
//! to keep by hand.

use async_graphql::TypeDirective;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// A request runs at most one field marked so: each checks a password or a
/// second-factor code, or costs a password hash or an email. A request that selects
/// two (under aliases, through fragments, or two different ones) is refused before
/// anything runs, with BAD_USER_INPUT.
#[TypeDirective(name = "onePerRequest", location = "FieldDefinition")]
pub fn one_per_request() {}

/// The mutations of the schema written in `sdl` that are marked `@onePerRequest`, in
/// the schema's order.
pub fn one_per_request_fields(sdl: &str) -> Vec<String> {
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
                .any(|directive| directive.node.name.node == "onePerRequest")
        })
        .map(|field| field.node.name.node.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::one_per_request_fields;

    #[test]
    fn the_marked_mutations_are_read_from_the_schema() {
        let fields = one_per_request_fields(&crate::sdl());
        for name in ["login", "acceptInvitation", "register", "disableTotp"] {
            assert!(fields.iter().any(|f| f == name), "{name} in {fields:?}");
        }
        for name in ["addContact", "createService", "logout"] {
            assert!(!fields.iter().any(|f| f == name), "{name} in {fields:?}");
        }
    }

    #[test]
    fn a_schema_that_does_not_parse_marks_nothing() {
        assert!(one_per_request_fields("type {").is_empty());
    }
}
