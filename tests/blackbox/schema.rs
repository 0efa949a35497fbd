/// `schema.graphql` is generated from the code; this fails when the two drift apart.
#[test]
fn checked_in_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let generated = api::sdl();
    assert!(
        checked_in == generated,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` (or `just schema`)"
    );
}
