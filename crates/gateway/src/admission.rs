//! What a document may ask, checked once it parses and before anything runs: aliases,
//! root fields, one credential-checking mutation at most ([`Limits`] says how many).

use api::Limits;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// The mutations that check a password (or, for `register` and `requestPasswordReset`,
/// cost a hash or an email): at most one of them runs per request, so one request
/// cannot try a thousand passwords under a thousand aliases.
pub(crate) const CREDENTIAL_FIELDS: &[&str] = &[
    "login",
    "acceptInvitation",
    "resetPassword",
    "changePassword",
    "removeContact",
    "transferOwnership",
    "register",
    "requestPasswordReset",
    "enrollTotp",
    "confirmTotp",
    "disableTotp",
];

/// What a document may not ask, checked once it parses and before anything runs: why
/// it is refused, if it is.
pub(crate) fn check_document(
    limits: &Limits,
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
    let credentials = roots
        .names
        .iter()
        .filter(|name| CREDENTIAL_FIELDS.contains(name))
        .count();
    if credentials > 1 {
        return Err(format!(
            "at most one of {} per request",
            CREDENTIAL_FIELDS.join(", ")
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
