//! Field errors shaped as the GraphQL spec ("Handling Field Errors") wants them (its
//! unit tests: `completion/tests.rs`).
//!
//! async-graphql 7 leaves a failed field out of its object instead of answering `null`
//! there, turns an object whose every field failed into `null`, and never lets the
//! failure of a non-null field null its nearest nullable parent. This pass repairs a
//! finished response: for each error with a path it walks the executed operation's
//! selections (aliases, fragments) to learn the declared type of every position on the
//! path, puts `null` at the failed field (its key in selection order), and nulls the
//! enclosing positions upward while they are non-null; past the root, `data` is null.
//!
//! Cost: nothing on a response without field errors; otherwise work in proportion to
//! the errors' paths, with field types read from a table made once from the schema.

use std::collections::HashMap;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, FragmentDefinition, OperationDefinition,
    OperationType, Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Positioned, ServerError, Value};

/// The declared type of every field of the schema, by parent type and field name, and
/// the root type of each kind of operation; also the fields of every input object
/// (for [`crate::variables`]); and which mutations a request runs one of at most (for
/// [`crate::admission`]).
#[derive(Debug, Default)]
pub(crate) struct FieldTypes {
    fields: HashMap<String, HashMap<String, Type>>,
    /// The mutations marked `@onePerRequest`, in the schema's order.
    one_per_request: Vec<String>,
    inputs: HashMap<String, HashMap<String, Type>>,
    query: Option<String>,
    mutation: Option<String>,
    subscription: Option<String>,
}

impl FieldTypes {
    /// Reads the table from the schema's SDL (`Schema::sdl`).
    pub(crate) fn from_sdl(sdl: &str) -> async_graphql::parser::Result<Self> {
        let document = async_graphql::parser::parse_schema(sdl)?;
        let mut table = Self {
            one_per_request: api::one_per_request_fields(sdl),
            ..Self::default()
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    let name = |n: Option<Positioned<Name>>| n.map(|n| n.node.to_string());
                    table.query = name(schema.query);
                    table.mutation = name(schema.mutation);
                    table.subscription = name(schema.subscription);
                }
                TypeSystemDefinition::Type(ty) => {
                    let fields = match ty.node.kind {
                        TypeKind::Object(object) => object.fields,
                        TypeKind::Interface(interface) => interface.fields,
                        TypeKind::InputObject(input) => {
                            table.inputs.insert(
                                ty.node.name.node.to_string(),
                                input
                                    .fields
                                    .into_iter()
                                    .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                                    .collect(),
                            );
                            continue;
                        }
                        _ => continue,
                    };
                    table.fields.insert(
                        ty.node.name.node.to_string(),
                        fields
                            .into_iter()
                            .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                            .collect(),
                    );
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Ok(table)
    }

    fn field(&self, parent: &str, field: &str) -> Option<&Type> {
        self.fields.get(parent)?.get(field)
    }

    /// The fields of the input object `name` (none: not an input object).
    pub(crate) fn input_fields(&self, name: &str) -> Option<&HashMap<String, Type>> {
        self.inputs.get(name)
    }

    /// Whether `name` is a field the schema's root type for `ty` has (introspection's
    /// `__schema` and `__type` on queries, `__typename` on every root included).
    /// The mutations a request runs one of at most.
    pub(crate) fn one_per_request(&self) -> &[String] {
        &self.one_per_request
    }

    pub(crate) fn is_root_field(&self, ty: OperationType, name: &str) -> bool {
        match name {
            "__typename" => true,
            "__schema" | "__type" => ty == OperationType::Query,
            _ => self.field(self.root(ty), name).is_some(),
        }
    }

    /// The root type of an operation; the SDL may leave out a `schema` block when the
    /// roots have their default names.
    fn root(&self, ty: OperationType) -> &str {
        let (named, default) = match ty {
            OperationType::Query => (&self.query, "Query"),
            OperationType::Mutation => (&self.mutation, "Mutation"),
            OperationType::Subscription => (&self.subscription, "Subscription"),
        };
        named.as_deref().unwrap_or(default)
    }
}

/// The operation a request ran: the one named, or the only one.
pub(crate) fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The selection set of every definition of a document: its operations', then its
/// fragments'.
pub(crate) fn definitions(document: &ExecutableDocument) -> impl Iterator<Item = &SelectionSet> {
    document
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .chain(
            document
                .fragments
                .values()
                .map(|f| &f.node.selection_set.node),
        )
}

/// Repairs `data` for the field errors among `errors` (those with a path), as the
/// module documentation says.
pub(crate) fn complete(
    data: &mut Value,
    errors: &[ServerError],
    document: &ExecutableDocument,
    operation: &OperationDefinition,
    types: &FieldTypes,
) {
    let walker = Walker {
        types,
        fragments: &document.fragments,
        root: vec![(types.root(operation.ty), &operation.selection_set.node)],
    };
    let mut failed: Vec<Failure<'_, '_>> = Vec::new();
    // First every failed field gets its null, so that objects async-graphql collapsed
    // to null are rebuilt before anything is nulled on purpose.
    for error in errors.iter().filter(|e| !e.path.is_empty()) {
        let steps = walker.steps(&error.path);
        if let Some(at) = place_null(&walker, data, &error.path, &steps, &failed) {
            failed.push(Failure {
                path: &error.path,
                steps,
                at,
            });
        }
    }
    // Then each failure travels up through non-null positions.
    for failure in &failed {
        propagate(data, failure);
    }
}

/// A position of the response that failed: `path[..=at]`, with the steps to it.
struct Failure<'a, 'p> {
    path: &'p [PathSegment],
    steps: Vec<Step<'a>>,
    at: usize,
}

impl Failure<'_, '_> {
    fn position(&self) -> &[PathSegment] {
        &self.path[..=self.at]
    }
}

/// The object types and selection sets that shape one position of the response (one
/// for each field of the document that lands there: fragments may repeat a field).
type Scopes<'a> = Vec<(&'a str, &'a SelectionSet)>;

/// What one position of an error's path is: its declared type (unknown for
/// `__typename`, introspection or a path the document does not explain) and the
/// selections of the value there.
struct Step<'a> {
    ty: Option<&'a Type>,
    scopes: Scopes<'a>,
}

struct Walker<'a> {
    types: &'a FieldTypes,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    root: Scopes<'a>,
}

impl<'a> Walker<'a> {
    /// One step per segment of `path`: the type and selections of each position.
    fn steps(&self, path: &[PathSegment]) -> Vec<Step<'a>> {
        let mut steps: Vec<Step<'a>> = Vec::with_capacity(path.len());
        let mut scopes = self.root.clone();
        let mut ty: Option<&'a Type> = None;
        for segment in path {
            match segment {
                PathSegment::Field(key) => {
                    let mut found = None;
                    let mut next = Vec::new();
                    for (parent, set) in &scopes {
                        self.fields_named(set, parent, key, &mut |parent, field| {
                            let Some(field_ty) = self.types.field(parent, &field.name.node) else {
                                return;
                            };
                            found.get_or_insert(field_ty);
                            next.push((named_type(field_ty), &field.selection_set.node));
                        });
                    }
                    ty = found;
                    scopes = next;
                }
                PathSegment::Index(_) => {
                    ty = ty.and_then(|t| match &t.base {
                        BaseType::List(item) => Some(&**item),
                        BaseType::Named(_) => None,
                    });
                }
            }
            steps.push(Step {
                ty,
                scopes: scopes.clone(),
            });
        }
        steps
    }

    /// Calls `visit` with every field of `set` (through fragments) whose response key
    /// is `key`, and the type it is a field of.
    fn fields_named(
        &self,
        set: &'a SelectionSet,
        parent: &'a str,
        key: &str,
        visit: &mut impl FnMut(&'a str, &'a async_graphql::parser::types::Field),
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.response_key().node == key {
                        visit(parent, &field.node);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.fragments.get(&spread.node.fragment_name.node) {
                        let on = &fragment.node.type_condition.node.on.node;
                        self.fields_named(&fragment.node.selection_set.node, on, key, visit);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str());
                    self.fields_named(&inline.node.selection_set.node, on, key, visit);
                }
            }
        }
    }

    /// The response keys `scopes` select, in document order.
    fn keys_in_order(&self, scopes: &Scopes<'a>) -> Vec<&'a str> {
        let mut keys = Vec::new();
        for (_, set) in scopes {
            self.collect_keys(set, &mut keys);
        }
        keys
    }

    fn collect_keys(&self, set: &'a SelectionSet, keys: &mut Vec<&'a str>) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.fragments.get(&spread.node.fragment_name.node) {
                        self.collect_keys(&fragment.node.selection_set.node, keys);
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.collect_keys(&inline.node.selection_set.node, keys);
                }
            }
        }
    }
}

fn named_type(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named_type(item),
    }
}

/// Puts `null` where the error's field was, rebuilding objects async-graphql collapsed
/// on the way. Returns the index in `path` of the position that failed: the field
/// itself, or, when async-graphql dropped a value the path runs through (a list whose
/// item failed), that value, as the nearest position the response can still show.
/// `None` when there is nothing to repair: the field has a value (the error did not fail
/// it), the path lies under a position already nulled, or the response does not have
/// the shape the document gives it.
fn place_null<'a>(
    walker: &Walker<'a>,
    data: &mut Value,
    path: &[PathSegment],
    steps: &[Step<'a>],
    failed: &[Failure<'_, '_>],
) -> Option<usize> {
    let mut value = data;
    for (i, segment) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match segment {
            PathSegment::Field(key) => {
                if matches!(value, Value::Null) {
                    if failed.iter().any(|f| f.position() == &path[..i]) {
                        return None;
                    }
                    // async-graphql answers null for an object whose fields all failed.
                    *value = Value::Object(Default::default());
                }
                let Value::Object(map) = value else {
                    return None;
                };
                let Some(index) = map.get_index_of(key.as_str()) else {
                    let parent = if i == 0 {
                        &walker.root
                    } else {
                        &steps[i - 1].scopes
                    };
                    insert_in_order(map, key, &walker.keys_in_order(parent));
                    return Some(i);
                };
                let (_, next) = map.get_index_mut(index)?;
                value = next;
            }
            PathSegment::Index(index) => match value {
                Value::List(items) => value = items.get_mut(*index)?,
                // The list itself is null already.
                Value::Null if i > 0 => return Some(i - 1),
                _ => return None,
            },
        }
        if last {
            return matches!(value, Value::Null).then_some(i);
        }
    }
    None
}

/// Inserts `key: null` before the first key that the selections order after it.
fn insert_in_order(map: &mut IndexMap<Name, Value>, key: &str, order: &[&str]) {
    let rank = |k: &str| order.iter().position(|o| *o == k);
    let at = match rank(key) {
        Some(mine) => map
            .keys()
            .position(|k| rank(k.as_str()).is_some_and(|theirs| theirs > mine))
            .unwrap_or(map.len()),
        None => map.len(),
    };
    map.shift_insert(at, Name::new(key), Value::Null);
}

/// Nulls the nearest nullable position at or above the failed one; when every
/// position up to the root is non-null, `data` itself.
fn propagate(data: &mut Value, failure: &Failure<'_, '_>) {
    let mut at = failure.at;
    while failure.steps[at].ty.is_some_and(|ty| !ty.nullable) {
        if at == 0 {
            *data = Value::Null;
            return;
        }
        at -= 1;
    }
    if at < failure.at {
        null_at(data, &failure.path[..=at]);
    }
}

/// Sets the value at `path` to null, unless something above it is null already.
fn null_at(data: &mut Value, path: &[PathSegment]) {
    let mut value = data;
    for segment in path {
        let next = match (segment, value) {
            (PathSegment::Field(key), Value::Object(map)) => map.get_mut(key.as_str()),
            (PathSegment::Index(index), Value::List(items)) => items.get_mut(*index),
            _ => None,
        };
        let Some(next) = next else {
            return;
        };
        value = next;
    }
    *value = Value::Null;
}

#[cfg(test)]
mod tests;
