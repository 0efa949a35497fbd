use super::*;
use serde_json::json;

const SDL: &str = r#"
    type Query {
        account(id: ID!): Account
        accounts: [Account!]!
        items: [Item]
    }
    type Mutation { pay: Item! }
    type Account {
        id: ID!
        name: String!
        owner: Contact!
        services: Connection
    }
    type Contact { email: String phone: String! }
    type Connection { totalCount: Int! edges: [Edge!]! }
    type Edge { node: Item! }
    type Item { name: String! price: Int }
    schema { query: Query mutation: Mutation }
"#;

/// Runs the pass over `data` (as async-graphql left it) with errors at `paths`;
/// the repaired data as JSON text, so key order shows.
fn repaired(query: &str, data: serde_json::Value, paths: &[serde_json::Value]) -> String {
    let types = FieldTypes::from_sdl(SDL).expect("test SDL parses");
    let document = async_graphql::parser::parse_query(query).expect("test query parses");
    let errors: Vec<ServerError> = paths
        .iter()
        .map(|path| {
            let mut error = ServerError::new("failed", None);
            error.path = serde_json::from_value(path.clone()).expect("a path");
            error
        })
        .collect();
    let mut data = Value::from_json(data).expect("data");
    let op = operation(&document, None).expect("one operation");
    complete(&mut data, &errors, &document, op, &types);
    serde_json::to_string(&data).expect("JSON")
}

fn text(value: serde_json::Value) -> String {
    value.to_string()
}

#[test]
fn a_failed_nullable_field_is_present_as_null_in_selection_order() {
    let got = repaired(
        "{ account(id: 1) { id services { totalCount } name } }",
        json!({ "account": { "id": "1", "name": "Acme" } }),
        &[json!(["account", "services"])],
    );
    assert_eq!(
        got,
        r#"{"account":{"id":"1","services":null,"name":"Acme"}}"#
    );
}

#[test]
fn an_object_collapsed_to_null_because_its_only_field_failed_is_an_object_again() {
    let got = repaired(
        "{ account(id: 1) { services { totalCount } } }",
        json!({ "account": null }),
        &[json!(["account", "services"])],
    );
    assert_eq!(got, text(json!({ "account": { "services": null } })));
}

#[test]
fn a_failed_nullable_root_field_leaves_data_with_its_key() {
    let got = repaired(
        "{ account(id: 1) { name } }",
        json!(null),
        &[json!(["account"])],
    );
    assert_eq!(got, text(json!({ "account": null })));
}

#[test]
fn a_failed_non_null_field_nulls_its_nearest_nullable_parent_through_objects() {
    // phone: String! in owner: Contact! in account: Account (nullable).
    let got = repaired(
        "{ account(id: 1) { name owner { email phone } } items { name } }",
        json!({
            "account": { "name": "Acme", "owner": { "email": "o@a.test" } },
            "items": [{ "name": "x" }],
        }),
        &[json!(["account", "owner", "phone"])],
    );
    assert_eq!(got, r#"{"account":null,"items":[{"name":"x"}]}"#);
}

#[test]
fn a_failed_non_null_field_in_a_non_null_list_item_nulls_the_whole_list_up_to_a_nullable_field() {
    // name: String! in node: Item! in [Edge!]! in services: Connection (nullable).
    let got = repaired(
        "{ account(id: 1) { name services { totalCount edges { node { name price } } } } }",
        json!({ "account": { "name": "Acme", "services": { "totalCount": 2, "edges": [
            { "node": { "price": 1 } },
            { "node": { "name": "b", "price": 2 } },
        ] } } }),
        &[json!(["account", "services", "edges", 0, "node", "name"])],
    );
    assert_eq!(got, r#"{"account":{"name":"Acme","services":null}}"#);
}

#[test]
fn a_nullable_list_item_takes_the_null_of_its_failed_non_null_field() {
    let got = repaired(
        "{ items { name price } }",
        json!({ "items": [{ "price": 1 }, { "name": "b", "price": 2 }] }),
        &[json!(["items", 0, "name"])],
    );
    assert_eq!(got, r#"{"items":[null,{"name":"b","price":2}]}"#);
}

#[test]
fn a_failed_non_null_root_field_nulls_data() {
    let got = repaired(
        "{ account(id: 1) { name } accounts { id } }",
        json!({ "account": { "name": "Acme" } }),
        &[json!(["accounts"])],
    );
    assert_eq!(got, "null");
    let got = repaired("mutation { pay { name } }", json!(null), &[json!(["pay"])]);
    assert_eq!(got, "null");
}

#[test]
fn aliases_are_the_keys_and_each_alias_fails_on_its_own() {
    let got = repaired(
        "{ a: account(id: 1) { n: name s: services { totalCount } } b: account(id: 2) { n: name } }",
        json!({ "a": { "n": "Acme" }, "b": null }),
        &[json!(["a", "s"]), json!(["b", "n"])],
    );
    assert_eq!(got, r#"{"a":{"n":"Acme","s":null},"b":null}"#);
}

#[test]
fn fields_selected_through_fragments_are_found() {
    let query = "
        query { account(id: 1) { ...Card } }
        fragment Card on Account { name ... on Account { services { totalCount } owner { phone } } }
    ";
    let got = repaired(
        query,
        json!({ "account": { "name": "Acme", "owner": null } }),
        &[json!(["account", "services"])],
    );
    assert_eq!(
        got,
        r#"{"account":{"name":"Acme","services":null,"owner":null}}"#
    );
    let got = repaired(
        query,
        json!({ "account": { "name": "Acme" } }),
        &[json!(["account", "owner", "phone"])],
    );
    assert_eq!(got, r#"{"account":null}"#);
}

#[test]
fn a_list_async_graphql_dropped_for_a_failed_item_is_nulled_as_a_whole() {
    // The list is non-null, so its null moves on to `services`.
    let got = repaired(
        "{ account(id: 1) { services { totalCount edges { node { price } } } } }",
        json!({ "account": { "services": { "totalCount": 2 } } }),
        &[
            json!(["account", "services", "edges", 0, "node", "price"]),
            json!(["account", "services", "edges", 1]),
        ],
    );
    assert_eq!(got, r#"{"account":{"services":null}}"#);
}

#[test]
fn an_error_under_a_failed_field_does_not_bring_it_back() {
    let got = repaired(
        "{ account(id: 1) { name services { totalCount } } }",
        json!({}),
        &[json!(["account"]), json!(["account", "services"])],
    );
    assert_eq!(got, r#"{"account":null}"#);
}

#[test]
fn a_field_that_has_its_value_is_left_alone() {
    let got = repaired(
        "{ account(id: 1) { name } }",
        json!({ "account": { "name": "Acme" } }),
        &[json!(["account", "name"])],
    );
    assert_eq!(got, r#"{"account":{"name":"Acme"}}"#);
}

#[test]
fn the_operation_named_in_the_request_is_the_one_walked() {
    let types = FieldTypes::from_sdl(SDL).expect("test SDL parses");
    let document = async_graphql::parser::parse_query(
        "query A { accounts { id } } query B { account(id: 1) { name } }",
    )
    .expect("parses");
    assert!(operation(&document, None).is_none());
    let op = operation(&document, Some("B")).expect("B");
    let mut error = ServerError::new("failed", None);
    error.path = vec![PathSegment::Field("account".into())];
    let mut data = Value::Null;
    complete(&mut data, &[error], &document, op, &types);
    assert_eq!(data.into_json().expect("JSON"), json!({ "account": null }));
}

#[test]
fn the_schemas_own_sdl_gives_the_field_types() {
    let types = FieldTypes::from_sdl(&api::sdl()).expect("the schema's SDL parses");
    let services = types
        .field("Account", "services")
        .expect("Account.services");
    assert!(services.nullable);
    let total = types.field("Invoice", "total").expect("Invoice.total");
    assert!(!total.nullable);
    assert!(
        types
            .field("Query", "account")
            .expect("Query.account")
            .nullable
    );
    assert_eq!(types.root(OperationType::Mutation), "Mutation");
}
