//! Variables checked against their declared input objects before anything runs.
//!
//! async-graphql validates a variable's scalars, enums and required fields before
//! execution, but takes any non-object value for an input object (a list, a string)
//! and only fails when the field using it runs — a field error after earlier mutations
//! of the request may already have committed. A value of the wrong shape is the
//! request's error (GraphQL over HTTP: 400, no `data`), so it is refused here.

use async_graphql::Value;
use async_graphql::Variables;
use async_graphql::parser::types::{BaseType, ExecutableDocument, Type};

use crate::completion::{self, FieldTypes};

/// Why the variables do not fit the operation's declarations, if they do not.
pub(crate) fn check(
    types: &FieldTypes,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<(), String> {
    let Some(operation) = completion::operation(document, operation_name) else {
        return Ok(());
    };
    for definition in &operation.variable_definitions {
        let name = &definition.node.name.node;
        if let Some(value) = variables.get(name) {
            fits(
                types,
                &definition.node.var_type.node,
                value,
                &format!("${name}"),
            )?;
        }
    }
    Ok(())
}

fn fits(types: &FieldTypes, ty: &Type, value: &Value, at: &str) -> Result<(), String> {
    if matches!(value, Value::Null) {
        return Ok(()); // nullability is async-graphql's to check
    }
    match &ty.base {
        BaseType::List(item) => match value {
            Value::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, v)| fits(types, item, v, &format!("{at}[{i}]"))),
            // Input coercion takes a single value for a list of one.
            single => fits(types, item, single, at),
        },
        BaseType::Named(name) => {
            let Some(fields) = types.input_fields(name) else {
                return Ok(()); // a scalar or an enum: checked by async-graphql
            };
            let Value::Object(object) = value else {
                return Err(format!("{at} must be an object of type {name}"));
            };
            object
                .iter()
                .try_for_each(|(field, v)| match fields.get(field.as_str()) {
                    Some(field_type) => fits(types, field_type, v, &format!("{at}.{field}")),
                    None => Ok(()), // unknown fields: async-graphql names them
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "
        type Query { a(i: Outer): Int }
        input Outer { inner: Inner list: [Inner!] name: String }
        input Inner { n: Int }
    ";

    fn run(variables: serde_json::Value) -> Result<(), String> {
        let types = FieldTypes::from_sdl(SDL).unwrap();
        let document = async_graphql::parser::parse_query("query($i: Outer) { a(i: $i) }").unwrap();
        check(&types, &document, None, &Variables::from_json(variables))
    }

    #[test]
    fn input_objects_must_be_objects_at_every_depth() {
        assert!(
            run(serde_json::json!({"i": {"inner": {"n": 1}, "list": [{"n": 2}], "name": "x"}}))
                .is_ok()
        );
        assert!(run(serde_json::json!({"i": null})).is_ok());
        assert!(
            run(serde_json::json!({"i": {"list": {"n": 1}}})).is_ok(),
            "a single value for a list"
        );
        assert_eq!(
            run(serde_json::json!({"i": [1, 2]})).unwrap_err(),
            "$i must be an object of type Outer"
        );
        assert_eq!(
            run(serde_json::json!({"i": "text"})).unwrap_err(),
            "$i must be an object of type Outer"
        );
        assert_eq!(
            run(serde_json::json!({"i": {"inner": 3}})).unwrap_err(),
            "$i.inner must be an object of type Inner"
        );
        assert_eq!(
            run(serde_json::json!({"i": {"list": [{"n": 1}, "x"]}})).unwrap_err(),
            "$i.list[1] must be an object of type Inner"
        );
    }
}
