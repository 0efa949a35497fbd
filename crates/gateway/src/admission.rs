//! What a document may ask, checked once it parses and before anything runs: aliases,
//! root fields ([`Limits`] says how many), one of the mutations marked `@onePerRequest`
//! at most.

use api::Limits;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::completion::FieldTypes;

/// What a document may not ask, checked once it parses and before anything runs: why
/// it is refused, if it is.
pub(crate) fn check_document(
    limits: &Limits,
    types: &FieldTypes,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<(), String> {
    let aliases: usize = crate::completion::definitions(document).map(aliases).sum();
    if aliases > limits.aliases {
        return Err(format!("at most {} aliases per request", limits.aliases));
    }
    let Some(operation) = crate::completion::operation(document, operation_name) else {
        // async-graphql refuses it, saying why.
        return Ok(());
    };
    let mut roots = Roots {
        names: Vec::new(),
        // Fragments spreading fragments could make the expansion exponential in
        // the document's size: stop at a bound well above any honest document.
        steps_left: 100 * limits.root_fields,
    };
    roots.collect(document, &operation.selection_set.node, &mut Vec::new());
    if roots.names.len() > limits.root_fields || roots.steps_left == 0 {
        return Err(format!(
            "at most {} root fields per request",
            limits.root_fields
        ));
    }
    // A password tried under a thousand aliases is a thousand tries: at most one of
    // the marked mutations (each checks a credential, or costs a hash or an email).
    let one_per_request = types.one_per_request();
    let marked = roots
        .names
        .iter()
        .filter(|name| one_per_request.iter().any(|marked| marked == *name))
        .count();
    if marked > 1 {
        return Err(format!(
            "at most one @onePerRequest mutation per request ({})",
            one_per_request.join(", ")
        ));
    }
    Ok(())
}

/// The aliases `set` holds at any depth (a fragment's are counted where it is
/// defined, once).
fn aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// The root fields `set` (an operation's selection) selects, through fragments, as
/// [`check_document`] counts them.
pub(crate) fn root_fields<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    limits: &Limits,
) -> Vec<&'d str> {
    let mut roots = Roots {
        names: Vec::new(),
        steps_left: 100 * limits.root_fields,
    };
    roots.collect(document, set, &mut Vec::new());
    roots.names
}

/// The names of an operation's root fields, through fragments.
struct Roots<'d> {
    names: Vec<&'d str>,
    steps_left: usize,
}

impl<'d> Roots<'d> {
    /// Adds the root fields `set` selects, each fragment as often as it is spread (a
    /// fragment being expanded is not entered again: the document is not validated yet).
    fn collect(
        &mut self,
        document: &'d ExecutableDocument,
        set: &'d SelectionSet,
        expanding: &mut Vec<&'d str>,
    ) {
        for item in &set.items {
            if self.steps_left == 0 {
                return;
            }
            self.steps_left -= 1;
            match &item.node {
                Selection::Field(field) => self.names.push(field.node.name.node.as_str()),
                Selection::InlineFragment(fragment) => {
                    self.collect(document, &fragment.node.selection_set.node, expanding)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let Some(fragment) = document.fragments.get(name) else {
                        continue;
                    };
                    if expanding.contains(&name) {
                        continue;
                    }
                    expanding.push(name);
                    self.collect(document, &fragment.node.selection_set.node, expanding);
                    expanding.pop();
                }
            }
        }
    }
}
