//! The tables against the schema: every field of the covered types has a row (or a
//! reason to have none), and each row's expectation of where a failure leaves its null
//! agrees with the schema's nullability.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

pub(super) async fn check() {
    let app = TestApp::start().await;
    let query = COVERED_TYPES
        .iter()
        .map(|t| {
            format!(
                "{t}: __type(name: \"{t}\") {{ fields {{ name description type {{ kind }} }} }}"
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let r = app.gql(&format!("{{ {query} }}"), json!({})).await.ok();
    app.stop().await;

    // Every field of the covered types, and whether it is nullable.
    let schema_fields: Vec<(String, bool)> = COVERED_TYPES
        .iter()
        .flat_map(|t| {
            let fields = r.at(&format!("{t}.fields")).as_array().cloned();
            let fields = fields.unwrap_or_else(|| panic!("no fields of {t} in {}", r.body));
            fields.into_iter().map(move |f| {
                (
                    format!("{t}.{}", f["name"].as_str().expect("field name")),
                    f["type"]["kind"] != "NON_NULL",
                )
            })
        })
        .collect();
    let in_schema: BTreeSet<String> = schema_fields.iter().map(|(f, _)| f.clone()).collect();
    let matrix: Vec<&str> = OPERATIONS.iter().map(|op| op.name).collect();
    let accounted: Vec<&str> = matrix
        .iter()
        .chain(NOT_IN_THE_MATRIX)
        .chain(PUBLIC_FIELDS)
        .copied()
        .collect();

    let mut problems = Vec::new();
    for field in &in_schema {
        // `Viewer`'s and `Membership`'s fields have their rows in the `viewer` table,
        // checked below.
        let in_viewer_table = field.starts_with("Viewer.") || field.starts_with("Membership.");
        if !in_viewer_table && !accounted.contains(&field.as_str()) {
            problems.push(format!(
                "{field} has no row in OPERATIONS and is in neither NOT_IN_THE_MATRIX nor PUBLIC_FIELDS"
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for name in &accounted {
        if !seen.insert(*name) {
            problems.push(format!("{name} is listed twice"));
        }
        if !in_schema.contains(*name) {
            problems.push(format!("{name} is listed but the schema has no such field"));
        }
    }
    // Where the matrix expects each failure's null agrees with the schema's nullability.
    for op in OPERATIONS {
        for actor in ACTORS {
            let expected = op.expected(actor);
            if expected.outcome == Outcome::Allowed {
                continue;
            }
            let field = failing_field(op, &expected.at);
            let Some((_, nullable)) = schema_fields.iter().find(|(f, _)| *f == field) else {
                problems.push(format!(
                    "{} as {}: no field {field}",
                    op.name,
                    actor.label()
                ));
                continue;
            };
            if *nullable != (expected.null_at == expected.at) {
                problems.push(format!(
                    "{} as {}: {field} is {}, but the matrix expects the null at {:?}",
                    op.name,
                    actor.label(),
                    if *nullable { "nullable" } else { "non-null" },
                    expected.null_at
                ));
            }
        }
    }
    // The `viewer` table has a row for every field of `Viewer`, `Membership` and
    // `Account` (the One door covers each), and knows which of them may be null.
    let viewer_rows: Vec<&ViewerField> = VIEWER_FIELDS
        .iter()
        .chain(MEMBERSHIP_FIELDS)
        .chain(ACCOUNT_FIELDS)
        .collect();
    for (field, _) in &schema_fields {
        let reached = ["Viewer.", "Membership.", "Account."]
            .iter()
            .any(|t| field.starts_with(t));
        if reached && !viewer_rows.iter().any(|row| row.name == field) {
            problems.push(format!(
                "{field} has no row in the viewer table (VIEWER_FIELDS, MEMBERSHIP_FIELDS or ACCOUNT_FIELDS)"
            ));
        }
    }
    for row in &viewer_rows {
        match schema_fields.iter().find(|(f, _)| f == row.name) {
            None => problems.push(format!(
                "{} is in the viewer table but the schema has no such field",
                row.name
            )),
            Some((_, nullable)) if *nullable != row.nullable => problems.push(format!(
                "{} is {} in the schema, but the viewer table says otherwise",
                row.name,
                if *nullable { "nullable" } else { "non-null" }
            )),
            Some(_) => {}
        }
    }
    // Client developers read the rule in the schema: every guarded field and mutation
    // names the permission it needs (or says it is for staff) in its description.
    let described: BTreeMap<String, String> = COVERED_TYPES
        .iter()
        .flat_map(|t| {
            let fields = r
                .at(&format!("{t}.fields"))
                .as_array()
                .cloned()
                .unwrap_or_default();
            fields.into_iter().map(move |f| {
                (
                    format!("{t}.{}", f["name"].as_str().unwrap_or_default()),
                    f["description"].as_str().unwrap_or_default().to_owned(),
                )
            })
        })
        .collect();
    for op in OPERATIONS {
        let description = described
            .get(op.name)
            .map(String::as_str)
            .unwrap_or_default();
        let missing: Vec<&str> = match op.guard {
            Guard::StaffOnly => (!description.contains("Staff"))
                .then_some("Staff")
                .into_iter()
                .collect(),
            Guard::Needs(needs) => needs
                .iter()
                .copied()
                .filter(|p| !description.contains(p))
                .collect(),
        };
        if !missing.is_empty() {
            problems.push(format!(
                "{}'s description does not name {}: {description:?}",
                op.name,
                missing.join(", ")
            ));
        }
    }
    for op in OPERATIONS {
        let is_mutation = matches!(op.how, How::Mutation { .. });
        if is_mutation != op.name.starts_with("Mutation.") {
            problems.push(format!("{} is run as the wrong kind of operation", op.name));
        }
    }
    assert!(
        problems.is_empty(),
        "the authorization matrix does not cover the schema:\n{}",
        problems.join("\n")
    );
}
