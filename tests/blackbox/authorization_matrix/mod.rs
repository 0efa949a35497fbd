//! The authorization matrix: every guarded field and every mutation, for every kind of
//! caller, as one table of `(operation, actor) -> expected outcome` rows; the callers
//! include two sessions in a restricted state (SPEC "One door"): an ADMIN signed in with
//! a generated password (PW_CHANGE) and an ADMIN without a second factor on an account
//! that requires one (NO_2FA).
//! (A module of its own: one table of every guarded field and mutation × every caller,
//! a second of `viewer`'s fields × every member, and the world they run in.)
//!
//! The rows are generated from declarative tables: [`OPERATIONS`] (what each operation
//! needs, as SPEC "Roles and permissions" and the schema's docs say), [`Actor`] (SPEC's
//! role table, and each caller's session state) and, for what members read through
//! `viewer`, `viewer`'s tables. Every row is run; every mismatch is collected with the
//! operation, the actor, the expectation and the response body, and the test fails once
//! listing all of them. A third test checks through introspection that the schema has no
//! mutation or field of `Account`, `Service`, `Invoice`, `Viewer`, `Membership` (or
//! `Query`) without a row or an explicit reason to have none.

mod actors;
mod coverage;
mod expectations;
mod operations;
mod viewer;
mod world;

use std::fmt::Write as _;

use clientele_tests::fixtures::OWNER_PASSWORD;
use clientele_tests::{Gql, MEMBER_PASSWORD, STAFF_PASSWORD, TestApp};
use serde_json::{Value, json};

use actors::*;
use expectations::*;
use operations::*;
use viewer::*;
use world::*;

const VIEW_INVOICES: &str = "VIEW_INVOICES";
const PAY_INVOICES: &str = "PAY_INVOICES";
const VIEW_SERVICES: &str = "VIEW_SERVICES";
const VIEW_SERVICE_PASSWORDS: &str = "VIEW_SERVICE_PASSWORDS";
const VIEW_DOMAINS: &str = "VIEW_DOMAINS";
const VIEW_TICKETS: &str = "VIEW_TICKETS";
const OPEN_TICKETS: &str = "OPEN_TICKETS";
const MANAGE_CONTACTS: &str = "MANAGE_CONTACTS";
const MANAGE_ACCOUNT: &str = "MANAGE_ACCOUNT";
const VIEW_EMAILS: &str = "VIEW_EMAILS";
const VIEW_AUDIT_LOG: &str = "VIEW_AUDIT_LOG";
const TRANSFER_OWNERSHIP: &str = "TRANSFER_OWNERSHIP";

/// The password the two account owners register with.
const OWNER_EMAIL: &str = "owner@acme.test";
const BILLING_EMAIL: &str = "billing@acme.test";
/// Invited to the fixture account (pending).
const INVITEE_EMAIL: &str = "invitee@acme.test";

/// One mismatch, printed in full.
fn mismatch(
    row: &str,
    actor: Actor,
    expected: &Expected,
    reason: &str,
    request: &str,
    vars: &Value,
    r: &Gql,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{row} as {}: expected {}{} at {}{}",
        actor.label(),
        expected.outcome.code(),
        expected
            .reason
            .map_or(String::new(), |reason| format!(" (reason {reason})")),
        expected.at,
        match (expected.outcome, &expected.value) {
            (Outcome::Allowed, Some((path, value))) => format!(" ({path} = {value})"),
            _ => String::new(),
        }
    );
    let _ = writeln!(out, "    but: {reason}");
    let _ = writeln!(out, "    request: {request}  variables: {vars}");
    let _ = write!(out, "    response (HTTP {}): {}", r.status, r.body);
    out
}

/// One row as it ran: what was expected and, if the server disagreed, why.
struct Verdict {
    row: String,
    actor: Actor,
    /// The expectation as the grid shows it.
    expected: &'static str,
    problem: Option<String>,
}

/// Runs every read row in one world (reads change nothing).
async fn run_reads() -> (Vec<Verdict>, Vec<String>) {
    let world = World::start().await;
    let mut verdicts = Vec::new();
    for op in OPERATIONS {
        let How::Read { query, .. } = op.how else {
            continue;
        };
        for actor in ACTORS {
            let expected = op.expected(actor);
            let vars = if query.contains("$accountId") {
                json!({ "accountId": world.account_id })
            } else {
                json!({})
            };
            let r = world.send(actor, query, vars.clone()).await;
            let problem = judge(&expected, &r)
                .err()
                .map(|reason| mismatch(op.name, actor, &expected, &reason, query, &vars, &r));
            verdicts.push(Verdict {
                row: op.name.to_owned(),
                actor,
                expected: expected.short(),
                problem,
            });
        }
    }
    let setup_problems = world.setup_problems.clone();
    world.app.stop().await;
    (verdicts, setup_problems)
}

/// Runs every mutation row in one world: each row acts on a throw-away object made for
/// it (or creates something new), so the rows do not interfere.
async fn run_mutations() -> (Vec<Verdict>, Vec<String>) {
    let world = World::start().await;
    let mut verdicts = Vec::new();
    for op in OPERATIONS {
        let How::Mutation {
            document,
            setup,
            vars,
            ..
        } = op.how
        else {
            continue;
        };
        for actor in ACTORS {
            let unique = format!("row{}", verdicts.len());
            let expected = op.expected(actor);
            let mut problem = match world.prepare(setup, &unique).await {
                Err(setup_failed) => Some(format!(
                    "{} as {}: not run: {setup_failed}",
                    op.name,
                    actor.label()
                )),
                Ok(object_id) => {
                    let prepared = Prepared {
                        account_id: world.account_id.clone(),
                        ticket_id: world.ticket_id.clone(),
                        object_id,
                        password: world.password(actor).to_owned(),
                        unique,
                    };
                    let vars = vars(&prepared);
                    let r = world.send(actor, document, vars.clone()).await;
                    judge(&expected, &r).err().map(|reason| {
                        mismatch(op.name, actor, &expected, &reason, document, &vars, &r)
                    })
                }
            };
            if let Err(restore) = world.restore_owner().await {
                let problem = problem.get_or_insert_with(String::new);
                let _ = write!(problem, "\n    and afterwards: {restore}");
            }
            verdicts.push(Verdict {
                row: op.name.to_owned(),
                actor,
                expected: expected.short(),
                problem,
            });
        }
    }
    let setup_problems = world.setup_problems.clone();
    world.app.stop().await;
    (verdicts, setup_problems)
}

/// A table at a glance: the expected outcome of every row (with the reason, for a
/// restricted session: `FORB:PWCHG`, `FORB:2FA`), `✗` where the server answered
/// otherwise.
fn grid(rows: &[String], columns: &[Actor], verdicts: &[Verdict]) -> String {
    let width = rows.iter().map(String::len).max().unwrap_or_default() + 2;
    let mut out = format!("{:<width$}", "");
    for actor in columns {
        let _ = write!(out, " {:<11}", actor.label());
    }
    for row in rows {
        let _ = write!(out, "\n{row:<width$}");
        for actor in columns {
            let cell = verdicts
                .iter()
                .find(|v| v.row == *row && v.actor == *actor)
                .map_or("?".to_owned(), |v| {
                    let mark = if v.problem.is_some() { "✗" } else { "" };
                    format!("{}{mark}", v.expected)
                });
            let _ = write!(out, " {cell:<11}");
        }
    }
    out
}

/// Fails once, listing every mismatch (and what went wrong making the worlds), under
/// the grid.
fn report(table: &str, rows: &[String], columns: &[Actor], verdicts: &[Verdict], setup: &[String]) {
    let mismatches: Vec<&str> = verdicts
        .iter()
        .filter_map(|v| v.problem.as_deref())
        .collect();
    let setup = if setup.is_empty() {
        String::new()
    } else {
        format!(
            "the world is not as the rows expect:\n{}\n\n",
            setup.join("\n")
        )
    };
    assert!(
        mismatches.is_empty() && setup.is_empty(),
        "{setup}{} of {} {table} rows do not match (✗: the server disagreed):\n\n{}\n\n{}",
        mismatches.len(),
        verdicts.len(),
        grid(rows, columns, verdicts),
        mismatches.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_role_gets_exactly_the_fields_and_mutations_its_permissions_allow() {
    let ((reads, read_world), (mutations, mutation_world)) =
        tokio::join!(run_reads(), run_mutations());
    let verdicts: Vec<Verdict> = reads.into_iter().chain(mutations).collect();
    assert_eq!(verdicts.len(), OPERATIONS.len() * ACTORS.len());
    let rows: Vec<String> = OPERATIONS.iter().map(|op| op.name.to_owned()).collect();
    // Both worlds are made alike: a problem making them is listed once.
    let mut setup = read_world;
    for problem in mutation_world {
        if !setup.contains(&problem) {
            setup.push(problem);
        }
    }
    report("authorization matrix", &rows, &ACTORS, &verdicts, &setup);
}

#[tokio::test]
async fn through_viewer_members_see_what_their_session_state_and_permissions_allow() {
    let (verdicts, setup) = run_viewer_table().await;
    let rows: Vec<String> = viewer::rows()
        .into_iter()
        .map(|(label, ..)| label)
        .collect();
    assert_eq!(verdicts.len(), rows.len() * VIEWER_COLUMNS.len());
    report("viewer", &rows, &VIEWER_COLUMNS, &verdicts, &setup);
}

#[tokio::test]
async fn every_mutation_and_guarded_field_has_a_row_in_the_matrix() {
    coverage::check().await;
}
