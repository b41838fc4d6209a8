//! Scenario field paths such as `planes[0].nodes`, checked against the scenario's TOML document
//! and the scenario schema, and the edits that set a field to one sweep value.
//!
//! A path names a field the way docs/scenario.md does: dotted field names, with `[INDEX]` after
//! an array. A field may be absent from the file (an optional field left at its default) as long
//! as the schema lists it, and setting it adds it. The edited document is validated afterwards by
//! [`crate::scenario::Scenario::parse`], so this module checks only the shape of the path.

use std::fmt;

use toml::{Table, Value};

use super::grid::ParamValue;

/// One step of a field path: a field name or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A scenario field path such as `planes[0].nodes` or `links[0].price_per_gb_from.fsx`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

/// A field path that is malformed or does not lead to a field holding a single value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error(
        "invalid field path `{path}`: {problem}; expected field names joined by `.`, with \
         [INDEX] after an array, such as planes[0].nodes"
    )]
    Syntax { path: String, problem: String },
    #[error("unknown field `{field}` in {at}; the fields there are: {known}")]
    UnknownField {
        field: String,
        at: String,
        known: String,
    },
    #[error("`{at}` is an array; name one entry by index, such as {at}[0]{hint}")]
    MissingIndex { at: String, hint: String },
    #[error("`{at}` is {kind}, not an array, so it takes no [INDEX]")]
    NotAnArray { at: String, kind: &'static str },
    #[error("index {index} is out of range: {entries}")]
    IndexOutOfRange { index: usize, entries: String },
    #[error("`{at}` is {kind} and has no field `{field}`")]
    NoFields {
        at: String,
        kind: &'static str,
        field: String,
    },
    #[error("`{at}` is {kind}, expected a field holding a number, string or boolean{hint}")]
    NotAValue {
        at: String,
        kind: &'static str,
        hint: String,
    },
    #[error("`{path}` cannot be varied: {reason}")]
    Fixed { path: String, reason: &'static str },
}

/// The kind of value a schema field contains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// A number, string or boolean.
    Scalar,
    /// A table with the fields of the schema entry at the same location.
    Table,
    /// An array of such tables, like `[[planes]]`.
    TableArray,
    /// An array of scalars, like `links[].between`.
    ScalarArray,
}

/// Field names and shapes of one table of the scenario schema.
type Fields = &'static [(&'static str, Shape)];

/// The fields of one table of the scenario schema, keyed by location: the field names leading
/// to it with the indices left out. `None` marks a table whose keys are names chosen in the
/// scenario (the storage names of `price_per_gb_from`).
///
/// NOTE: this mirrors the serde structs of the scenario reader; the `schema_matches_reader`
/// test fails when the two part ways.
const SCHEMA: &[(&str, Option<Fields>)] = &[
    (
        "",
        Some(&[
            ("name", Shape::Scalar),
            ("seed", Shape::Scalar),
            ("trace", Shape::Scalar),
            ("planes", Shape::TableArray),
            ("storage", Shape::TableArray),
            ("links", Shape::TableArray),
            ("data", Shape::Table),
            ("policy", Shape::Table),
        ]),
    ),
    (
        "planes",
        Some(&[
            ("name", Shape::Scalar),
            ("kind", Shape::Scalar),
            ("nodes", Shape::Scalar),
            ("max_nodes", Shape::Scalar),
            ("gpus_per_node", Shape::Scalar),
            ("provision_s", Shape::Scalar),
            ("scale_down_s", Shape::Scalar),
            ("price_per_gpu_hour", Shape::Scalar),
            ("speed_factor", Shape::Scalar),
        ]),
    ),
    (
        "storage",
        Some(&[
            ("name", Shape::Scalar),
            ("serves", Shape::Scalar),
            ("price_per_gb_month", Shape::Scalar),
            ("flexcache_capacity_gb", Shape::Scalar),
            ("flexcache_capacity_fraction", Shape::Scalar),
        ]),
    ),
    (
        "links",
        Some(&[
            ("between", Shape::ScalarArray),
            ("gbps", Shape::Scalar),
            ("rtt_ms", Shape::Scalar),
            ("price_per_gb_from", Shape::Table),
        ]),
    ),
    ("links.price_per_gb_from", None),
    (
        "data",
        Some(&[
            ("datasets", Shape::Scalar),
            ("home", Shape::Scalar),
            ("size_median_gb", Shape::Scalar),
            ("size_sigma", Shape::Scalar),
            ("size_min_gb", Shape::Scalar),
            ("size_max_gb", Shape::Scalar),
            ("popularity", Shape::Scalar),
            ("zipf_exponent", Shape::Scalar),
            ("key", Shape::Scalar),
            ("read_fraction_min", Shape::Scalar),
            ("read_fraction_max", Shape::Scalar),
            ("write_back_share", Shape::Scalar),
            ("write_fraction", Shape::Scalar),
            ("io_overlap", Shape::Scalar),
        ]),
    ),
    (
        "policy",
        Some(&[
            ("name", Shape::Scalar),
            ("mirror_read_fraction", Shape::Scalar),
            ("waiting_budget", Shape::Scalar),
            ("queue_cap", Shape::Scalar),
            ("out_of_order", Shape::Scalar),
            ("objective", Shape::Scalar),
            ("deadline_s", Shape::Scalar),
            ("value_of_time_usd_per_hour", Shape::Scalar),
            ("retention_h", Shape::Scalar),
        ]),
    ),
];

/// Fields that exist but are not sweep parameters, by location, with the reason.
const FIXED: &[(&str, &str)] = &[
    (
        "trace",
        "the trace is read once for the whole sweep; pass --trace and run one sweep per trace",
    ),
    (
        "policy.name",
        "the policy is a grid axis of its own; list the policies in --policies",
    ),
    (
        "planes.name",
        "plane names label the per-plane result columns, so they are the same in every run",
    ),
];

/// Pairs of fields of which a scenario gives at most one, by location. Setting one removes
/// the other from the same table, so that sweeping a FlexCache size in GB works on a scenario
/// that sizes the cache as a fraction.
const ALTERNATIVES: [(&str, &str); 2] = [
    (
        "storage.flexcache_capacity_gb",
        "flexcache_capacity_fraction",
    ),
    (
        "storage.flexcache_capacity_fraction",
        "flexcache_capacity_gb",
    ),
];

/// Returns the field that setting the field at `location` removes, if any.
fn alternative(location: &str) -> Option<&'static str> {
    ALTERNATIVES
        .iter()
        .find(|(at, _)| *at == location)
        .map(|(_, other)| *other)
}

/// Looks up the schema entry at `location`: `Some(fields)` for a table with fixed fields, `None` for a
/// table keyed by names chosen in the scenario.
fn schema_at(location: &str) -> Option<Fields> {
    SCHEMA
        .iter()
        .find(|(at, _)| *at == location)
        .and_then(|(_, fields)| *fields)
}

impl FieldPath {
    /// Parses a path such as `planes[0].nodes`. A field name is a TOML bare key (letters,
    /// digits, `_` and `-`) or a double-quoted name, as in `price_per_gb_from."fsx-east"`.
    ///
    /// # Errors
    /// [`PathError::Syntax`] naming the problem.
    pub fn parse(text: &str) -> Result<FieldPath, PathError> {
        let syntax = |problem: String| PathError::Syntax {
            path: text.to_string(),
            problem,
        };
        if text.is_empty() {
            return Err(syntax("the path is empty".into()));
        }
        let mut segments = Vec::new();
        let mut rest = text;
        loop {
            let (key, after_key) = split_key(rest).map_err(syntax)?;
            segments.push(Segment::Key(key));
            rest = after_key;
            while let Some(after_bracket) = rest.strip_prefix('[') {
                let Some(close) = after_bracket.find(']') else {
                    return Err(syntax("a `[` has no matching `]`".into()));
                };
                let digits = &after_bracket[..close];
                let index = parse_index(digits).ok_or_else(|| {
                    syntax(format!(
                        "`[{digits}]` is not an array index, expected a whole number such as [0]"
                    ))
                })?;
                segments.push(Segment::Index(index));
                rest = &after_bracket[close + 1..];
            }
            if rest.is_empty() {
                break;
            }
            match rest.strip_prefix('.') {
                Some(after_dot) => rest = after_dot,
                None => return Err(syntax(format!("unexpected `{rest}` after a field name"))),
            }
        }
        Ok(FieldPath { segments })
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Field names to the end of the path with the indices left out, as `SCHEMA` keys
    /// locations: `planes[0].nodes` gives `planes.nodes`.
    fn location(&self) -> String {
        location_of(&self.segments)
    }

    /// Checks that the path leads to a field holding one value in `doc` (or to an optional
    /// field the schema lists but `doc` leaves out), and returns its current value.
    ///
    /// # Errors
    /// A [`PathError`] naming the part of the path that is unknown, with the fields or entries
    /// that exist there.
    pub fn lookup<'a>(&self, doc: &'a Table) -> Result<Option<&'a Value>, PathError> {
        if let Some((_, reason)) = FIXED.iter().find(|(at, _)| *at == self.location()) {
            return Err(PathError::Fixed {
                path: self.to_string(),
                reason,
            });
        }
        let mut node = Node::Table(Some(doc));
        for (i, segment) in self.segments.iter().enumerate() {
            let at = &self.segments[..i];
            node = match (node, segment) {
                (Node::Table(table), Segment::Key(key)) => table_child(table, at, key)?,
                (Node::Table(_), Segment::Index(_)) => {
                    return Err(PathError::NotAnArray {
                        at: display_path(at),
                        kind: "a table",
                    });
                }
                (Node::Array(items, shape), Segment::Index(index)) => match items.get(*index) {
                    Some(item) => Node::of(item, shape_of_item(shape)),
                    None => {
                        return Err(PathError::IndexOutOfRange {
                            index: *index,
                            entries: entries(&display_path(at), items.len()),
                        });
                    }
                },
                (Node::Array(..), Segment::Key(key)) => {
                    let hint = if matches!(node_shape(at), Some(Shape::TableArray)) {
                        format!(".{key}")
                    } else {
                        String::new()
                    };
                    return Err(PathError::MissingIndex {
                        at: display_path(at),
                        hint,
                    });
                }
                (Node::Scalar(value), segment) => {
                    let kind = kind_of(value);
                    return Err(match segment {
                        Segment::Key(key) => PathError::NoFields {
                            at: display_path(at),
                            kind,
                            field: key.clone(),
                        },
                        Segment::Index(_) => PathError::NotAnArray {
                            at: display_path(at),
                            kind,
                        },
                    });
                }
                (Node::Absent, _) => unreachable!("an absent field ends the walk"),
            };
            if matches!(node, Node::Absent) && i + 1 < self.segments.len() {
                // Only a scalar can be absent and still valid, and a scalar has no parts.
                return Err(PathError::NoFields {
                    at: display_path(&self.segments[..=i]),
                    kind: "a single value",
                    field: segment_text(&self.segments[i + 1]),
                });
            }
        }
        match node {
            Node::Scalar(value) => Ok(Some(value)),
            Node::Absent => Ok(None),
            Node::Table(table) => {
                let names: Vec<String> = match table {
                    Some(table) if schema_at(&self.location()).is_none() => {
                        table.keys().cloned().collect()
                    }
                    _ => schema_at(&self.location())
                        .map(|fields| fields.iter().map(|(name, _)| name.to_string()).collect())
                        .unwrap_or_default(),
                };
                let hint = if names.is_empty() {
                    String::new()
                } else {
                    format!("; name one of its fields: {}", names.join(", "))
                };
                Err(PathError::NotAValue {
                    at: self.to_string(),
                    kind: "a table",
                    hint,
                })
            }
            Node::Array(..) => Err(PathError::NotAValue {
                at: self.to_string(),
                kind: "an array",
                hint: format!("; name one entry, such as {self}[0]"),
            }),
        }
    }

    /// Sets the field to `value` in `doc`, adding it and any table on the way that `doc` leaves
    /// out. Setting a FlexCache capacity in GB removes the table's capacity fraction, and the
    /// other way round, because a scenario may give only one of the two.
    ///
    /// # Errors
    /// As [`FieldPath::lookup`], which this calls first.
    pub fn set(&self, doc: &mut Table, value: &ParamValue) -> Result<(), PathError> {
        self.lookup(doc)?;
        let (last, parents) = self.segments.split_last().expect("a path has a segment");
        let mut slot: &mut Value = match &parents.first() {
            // `lookup` checked every step, so each `expect` below holds.
            Some(Segment::Key(key)) => doc
                .entry(key.clone())
                .or_insert_with(|| Value::Table(Table::new())),
            Some(Segment::Index(_)) => unreachable!("a path starts with a field name"),
            None => {
                let Segment::Key(key) = last else {
                    unreachable!("a path starts with a field name")
                };
                doc.insert(key.clone(), value.to_toml());
                return Ok(());
            }
        };
        for segment in &parents[1..] {
            slot = match segment {
                Segment::Key(key) => slot
                    .as_table_mut()
                    .expect("checked to be a table")
                    .entry(key.clone())
                    .or_insert_with(|| Value::Table(Table::new())),
                Segment::Index(index) => slot
                    .as_array_mut()
                    .expect("checked to be an array")
                    .get_mut(*index)
                    .expect("checked to be in range"),
            };
        }
        match last {
            Segment::Key(key) => {
                let table = slot.as_table_mut().expect("checked to be a table");
                table.insert(key.clone(), value.to_toml());
                if let Some(other) = alternative(&self.location()) {
                    table.remove(other);
                }
            }
            Segment::Index(index) => {
                *slot
                    .as_array_mut()
                    .expect("checked to be an array")
                    .get_mut(*index)
                    .expect("checked to be in range") = value.to_toml();
            }
        }
        Ok(())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&display_path(&self.segments))
    }
}

/// A position in a walk down a path.
#[derive(Clone, Copy)]
enum Node<'a> {
    /// A table; `None` when the document leaves out a table the schema lists.
    Table(Option<&'a Table>),
    Array(&'a [Value], Shape),
    Scalar(&'a Value),
    /// An optional field the schema lists and the document leaves out.
    Absent,
}

impl<'a> Node<'a> {
    fn of(value: &'a Value, shape: Shape) -> Node<'a> {
        match value {
            Value::Table(table) => Node::Table(Some(table)),
            Value::Array(items) => Node::Array(items, shape),
            scalar => Node::Scalar(scalar),
        }
    }
}

fn shape_of_item(array: Shape) -> Shape {
    match array {
        Shape::TableArray => Shape::Table,
        _ => Shape::Scalar,
    }
}

/// Steps from a table to its field `key`.
fn table_child<'a>(
    table: Option<&'a Table>,
    at: &[Segment],
    key: &str,
) -> Result<Node<'a>, PathError> {
    let value = table.and_then(|table| table.get(key));
    let shape = match schema_at(&location_of(at)) {
        Some(fields) => match fields.iter().find(|(name, _)| *name == key) {
            Some((_, shape)) => *shape,
            None => {
                let known: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
                return Err(PathError::UnknownField {
                    field: key.to_string(),
                    at: table_name(at),
                    known: known.join(", "),
                });
            }
        },
        // Keys chosen in the scenario, such as storage names: any key may be added, and the
        // scenario's validation checks it.
        None => Shape::Scalar,
    };
    Ok(match (value, shape) {
        (Some(value), shape) => Node::of(value, shape),
        (None, Shape::Table) => Node::Table(None),
        (None, Shape::TableArray | Shape::ScalarArray) => Node::Array(&[], shape),
        (None, Shape::Scalar) => Node::Absent,
    })
}

/// Returns the schema shape of the field at the end of `segments`, if the schema has one.
fn node_shape(segments: &[Segment]) -> Option<Shape> {
    let (Segment::Key(key), parents) = segments.split_last()? else {
        return None;
    };
    schema_at(&location_of(parents))?
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, shape)| *shape)
}

fn location_of(segments: &[Segment]) -> String {
    let keys: Vec<&str> = segments
        .iter()
        .filter_map(|segment| match segment {
            Segment::Key(key) => Some(key.as_str()),
            Segment::Index(_) => None,
        })
        .collect();
    keys.join(".")
}

/// Names a table in a message: "the top level of the scenario" or `` `planes[0]` ``.
fn table_name(segments: &[Segment]) -> String {
    if segments.is_empty() {
        "the top level of the scenario".to_string()
    } else {
        format!("`{}`", display_path(segments))
    }
}

fn entries(array: &str, len: usize) -> String {
    match len {
        0 => format!("the scenario has no `{array}` entries"),
        1 => format!("`{array}` has 1 entry, {array}[0]"),
        _ => format!(
            "`{array}` has {len} entries, {array}[0] to {array}[{}]",
            len - 1
        ),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

fn display_path(segments: &[Segment]) -> String {
    let mut text = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(&key_text(key));
            }
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

fn segment_text(segment: &Segment) -> String {
    match segment {
        Segment::Key(key) => key_text(key),
        Segment::Index(index) => format!("[{index}]"),
    }
}

/// Writes a field name as a path spells it: bare when TOML allows it, quoted otherwise.
fn key_text(key: &str) -> String {
    if !key.is_empty() && key.chars().all(is_bare_key_char) {
        key.to_string()
    } else {
        format!("\"{key}\"")
    }
}

fn is_bare_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Splits one field name off the front of `text`, returning it and the rest.
fn split_key(text: &str) -> Result<(String, &str), String> {
    if let Some(quoted) = text.strip_prefix('"') {
        let Some(close) = quoted.find('"') else {
            return Err("a quoted field name has no closing `\"`".into());
        };
        let key = &quoted[..close];
        if key.is_empty() {
            return Err("a quoted field name is empty".into());
        }
        return Ok((key.to_string(), &quoted[close + 1..]));
    }
    let end = text
        .find(|c: char| !is_bare_key_char(c))
        .unwrap_or(text.len());
    if end == 0 {
        let problem = match text.chars().next() {
            Some('.') | None => "a field name is missing".to_string(),
            Some(c) => format!("`{c}` cannot start a field name"),
        };
        return Err(problem);
    }
    Ok((text[..end].to_string(), &text[end..]))
}

fn parse_index(digits: &str) -> Option<usize> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::{Scenario, ScenarioError};

    const SEED: &str = include_str!("../../scenarios/seed-hybrid.toml");

    fn seed_doc() -> Table {
        SEED.parse().expect("the seed scenario is TOML")
    }

    fn lookup(path: &str) -> Result<Option<Value>, PathError> {
        let doc = seed_doc();
        FieldPath::parse(path)?
            .lookup(&doc)
            .map(|value| value.cloned())
    }

    #[test]
    fn parse_paths() {
        let path = FieldPath::parse("links[0].price_per_gb_from.\"fsx\"").unwrap();
        assert_eq!(
            path.segments(),
            [
                Segment::Key("links".into()),
                Segment::Index(0),
                Segment::Key("price_per_gb_from".into()),
                Segment::Key("fsx".into()),
            ]
        );
        assert_eq!(path.to_string(), "links[0].price_per_gb_from.fsx");
        for bad in [
            "",
            "planes[",
            "planes[x].nodes",
            "planes..nodes",
            "data.",
            ".data",
            "a b",
        ] {
            let error = FieldPath::parse(bad).unwrap_err();
            assert!(matches!(error, PathError::Syntax { .. }), "{bad}: {error}");
        }
    }

    #[test]
    fn lookup_finds_set_and_optional_fields() {
        assert_eq!(lookup("planes[0].nodes").unwrap(), Some(Value::Integer(64)));
        assert_eq!(lookup("links[0].gbps").unwrap(), Some(Value::Integer(10)));
        assert_eq!(lookup("data.io_overlap").unwrap(), Some(Value::Float(0.5)));
        assert_eq!(lookup("links[0].between[1]").unwrap(), Some("fsx".into()));
        // Optional fields the seed scenario leaves out.
        assert_eq!(lookup("planes[0].provision_s").unwrap(), None);
        assert_eq!(lookup("storage[1].flexcache_capacity_gb").unwrap(), None);
        assert_eq!(lookup("policy.queue_cap").unwrap(), None);
    }

    #[test]
    fn lookup_names_the_unknown_part() {
        let error = lookup("planes[0].nodez").unwrap_err().to_string();
        assert!(
            error.contains("unknown field `nodez` in `planes[0]`"),
            "{error}"
        );
        assert!(error.contains("max_nodes, gpus_per_node"), "{error}");
        let error = lookup("plane[0].nodes").unwrap_err().to_string();
        assert!(error.contains("the top level of the scenario"), "{error}");
        assert!(error.contains("planes, storage, links"), "{error}");
        let error = lookup("planes[2].nodes").unwrap_err().to_string();
        assert!(
            error.contains("`planes` has 2 entries, planes[0] to planes[1]"),
            "{error}"
        );
        let error = lookup("planes.nodes").unwrap_err().to_string();
        assert!(error.contains("such as planes[0].nodes"), "{error}");
        let error = lookup("data[0].datasets").unwrap_err().to_string();
        assert!(error.contains("`data` is a table, not an array"), "{error}");
        let error = lookup("data").unwrap_err().to_string();
        assert!(
            error.contains("name one of its fields: datasets, home"),
            "{error}"
        );
        let error = lookup("planes[0].nodes.count").unwrap_err().to_string();
        assert!(error.contains("`planes[0].nodes` is an integer"), "{error}");
        let error = lookup("planes[0].provision_s.x").unwrap_err().to_string();
        assert!(error.contains("has no field `x`"), "{error}");
        let error = lookup("links[0].price_per_gb_from")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("ontap, fsx") || error.contains("fsx, ontap"),
            "{error}"
        );
    }

    #[test]
    fn lookup_rejects_fixed_fields() {
        for path in ["trace", "policy.name", "planes[1].name"] {
            let error = lookup(path).unwrap_err();
            assert!(matches!(error, PathError::Fixed { .. }), "{path}: {error}");
        }
    }

    #[test]
    fn set_adds_and_replaces() {
        let mut doc = seed_doc();
        let set = |doc: &mut Table, path: &str, value: ParamValue| {
            FieldPath::parse(path).unwrap().set(doc, &value).unwrap();
        };
        set(&mut doc, "planes[0].nodes", ParamValue::Integer(16));
        set(&mut doc, "planes[1].provision_s", ParamValue::Float(60.0));
        set(&mut doc, "policy.queue_cap", ParamValue::Integer(8));
        set(&mut doc, "seed", ParamValue::Integer(7));
        let text = toml::to_string(&doc).unwrap();
        let scenario = Scenario::parse(&text, Path::new("seed-hybrid.toml")).unwrap();
        assert_eq!(scenario.platform.planes[0].nodes, 16);
        assert_eq!(scenario.platform.planes[1].provision_us, 60_000_000);
        assert_eq!(scenario.policy.queue_cap, Some(8));
        assert_eq!(scenario.seed, 7);

        // A cache size in GB replaces the seed scenario's size as a fraction.
        set(
            &mut doc,
            "storage[1].flexcache_capacity_gb",
            ParamValue::Integer(500),
        );
        let text = toml::to_string(&doc).unwrap();
        let scenario = Scenario::parse(&text, Path::new("seed-hybrid.toml")).unwrap();
        assert_eq!(scenario.platform.storage[1].flexcache_capacity_gb, 500.0);
        assert_eq!(scenario.cache_fraction[1], None);

        // A table the document leaves out is added on the way.
        let mut bare: Table = "[[planes]]\nname = \"a\"".parse().unwrap();
        set(&mut bare, "data.io_overlap", ParamValue::Float(0.25));
        assert_eq!(bare["data"]["io_overlap"], Value::Float(0.25));
    }

    /// Every table of `SCHEMA` with fixed fields lists exactly the fields the scenario reader
    /// accepts there: the reader rejects an unknown field with the list of expected ones.
    #[test]
    fn schema_matches_reader() {
        const PROBE: &str = "sweep_probe";
        for at in ["", "planes[0]", "storage[0]", "links[0]", "data", "policy"] {
            let mut doc = seed_doc();
            let path = if at.is_empty() {
                PROBE.to_string()
            } else {
                format!("{at}.{PROBE}")
            };
            let path = FieldPath::parse(&path).unwrap();
            let error = path.lookup(&doc).unwrap_err();
            let PathError::UnknownField { known, .. } = error else {
                panic!("{path}: {error}");
            };
            // Add the probe by hand, since `set` rejects it, and read the reader's list.
            insert_probe(&mut doc, at, PROBE);
            let text = toml::to_string(&doc).unwrap();
            let message = match Scenario::parse(&text, Path::new("probe.toml")) {
                Err(ScenarioError::Toml { message, .. }) => message,
                other => panic!("{path}: expected an unknown-field error, got {other:?}"),
            };
            let mut expected: Vec<String> = message
                .split("expected one of ")
                .nth(1)
                .unwrap_or_else(|| panic!("{path}: no field list in {message}"))
                .lines()
                .next()
                .unwrap()
                .split(", ")
                .map(|name| name.trim().trim_matches('`').to_string())
                // The reader accepts this removed field only to reject it with a hint.
                .filter(|name| !(at == "policy" && name == "extension_budgets"))
                .collect();
            let mut ours: Vec<String> = known.split(", ").map(String::from).collect();
            expected.sort();
            ours.sort();
            assert_eq!(ours, expected, "schema of {at:?} differs from the reader");
        }
    }

    /// Inserts `key = 0` into the table at `at` (`""`, `data`, or `planes[0]` and the like).
    fn insert_probe(doc: &mut Table, at: &str, key: &str) {
        let table = if at.is_empty() {
            doc
        } else if let Some((name, _)) = at.split_once('[') {
            doc.get_mut(name).unwrap().as_array_mut().unwrap()[0]
                .as_table_mut()
                .unwrap()
        } else {
            doc.get_mut(at).unwrap().as_table_mut().unwrap()
        };
        table.insert(key.to_string(), Value::Integer(0));
    }
}
