//! The sweep grid: `--vary PATH=VALUES` specifications, their value lists, the cartesian
//! product of the lists times the policies, and run ids and shards over that product.
//!
//! Run ids number the cells of the full grid: the first `--vary` changes slowest and the
//! policy fastest. A run's id does not depend on the shard or the thread count, so shards can
//! be merged by id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use toml::{Table, Value};

use super::overrides::{FieldPath, PathError};
use crate::policy::PolicyName;

/// Maximum runs in one sweep, shards included. Each run costs a replay, and every scenario variant
/// is validated and held in memory before the first run starts.
pub const MAX_RUNS: usize = 100_000;

/// One value of a varied field, typed as it is written into the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Text(String),
}

impl ParamValue {
    pub fn to_toml(&self) -> Value {
        match self {
            ParamValue::Integer(value) => Value::Integer(*value),
            ParamValue::Float(value) => Value::Float(*value),
            ParamValue::Boolean(value) => Value::Boolean(*value),
            ParamValue::Text(value) => Value::String(value.clone()),
        }
    }
}

/// Writes the value as a results cell: numbers in Rust's shortest round-trip form, strings
/// as they are.
impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Integer(value) => write!(f, "{value}"),
            ParamValue::Float(value) => write!(f, "{value}"),
            ParamValue::Boolean(value) => write!(f, "{value}"),
            ParamValue::Text(value) => f.write_str(value),
        }
    }
}

/// A `VALUES` list that is malformed or does not fit the field.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ValuesError {
    #[error("no values given; {FORMS}")]
    Empty,
    #[error("empty value in the list `{list}`; {FORMS}")]
    EmptyItem { list: String },
    #[error("value `{value}` is listed twice; list each value once")]
    Duplicate { value: String },
    #[error("invalid value `{value}`: the field is {field}, so expected {expected}")]
    WrongType {
        value: String,
        field: &'static str,
        expected: &'static str,
    },
    #[error("invalid range `{range}`: {problem}; expected START..END:STEP, such as 16..128:16")]
    Range { range: String, problem: String },
    #[error(
        "empty range `{range}`: START {start} is greater than END {end}; expected \
         START..END:STEP with START <= END"
    )]
    EmptyRange {
        range: String,
        start: String,
        end: String,
    },
    #[error("invalid range `{range}`: STEP is {step}; expected START..END:STEP with STEP > 0")]
    Step { range: String, step: String },
    #[error("range `{range}` gives more than {MAX_RUNS} values; use a larger STEP")]
    TooMany { range: String },
    #[error("invalid range `{range}`: the field is {field}, and only numbers take a range")]
    NotNumeric { range: String, field: &'static str },
}

/// The forms of `VALUES`, for error messages.
const FORMS: &str =
    "expected a comma-separated list such as 1,10,40 or a range START..END:STEP such as 16..128:16";

/// A `--vary` value that could not be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum VaryError {
    #[error(
        "missing `=`; expected PATH=VALUES, such as planes[0].nodes=16,32 or \
         links[0].gbps=1..10:3"
    )]
    Syntax,
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Values(#[from] ValuesError),
}

/// One `--vary PATH=VALUES`: a field and the values it takes, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    pub path: FieldPath,
    /// `VALUES` as given.
    pub spec: String,
    pub values: Vec<ParamValue>,
}

impl Vary {
    /// Parses `PATH=VALUES` against the scenario document `doc`, which gives the path its
    /// meaning and the values their type.
    ///
    /// # Errors
    /// A [`VaryError`] naming the unknown part of the path or the malformed value.
    pub fn parse(text: &str, doc: &Table) -> Result<Vary, VaryError> {
        let (path, spec) = text.split_once('=').ok_or(VaryError::Syntax)?;
        let path = FieldPath::parse(path.trim())?;
        let original = path.lookup(doc)?;
        let values = parse_values(spec.trim(), original)?;
        Ok(Vary {
            path,
            spec: spec.trim().to_string(),
            values,
        })
    }

    /// Returns the type that all of this field's values share in the results.
    pub fn kind(&self) -> ValueKind {
        match self.values.first() {
            Some(ParamValue::Integer(_)) => ValueKind::Integer,
            Some(ParamValue::Float(_)) | None => ValueKind::Number,
            Some(ParamValue::Boolean(_)) => ValueKind::Boolean,
            Some(ParamValue::Text(_)) => ValueKind::Text,
        }
    }
}

/// The type of a results column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Integer,
    Number,
    Boolean,
    Text,
}

/// The TOML type of the field a `--vary` replaces, which decides how its values are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldType {
    Integer,
    Float,
    Boolean,
    Text,
    /// The field is absent, so each value's own form decides.
    Unknown,
}

impl FieldType {
    fn of(original: Option<&Value>) -> FieldType {
        match original {
            Some(Value::Integer(_)) => FieldType::Integer,
            Some(Value::Float(_)) => FieldType::Float,
            Some(Value::Boolean(_)) => FieldType::Boolean,
            Some(Value::String(_)) => FieldType::Text,
            // `FieldPath::lookup` returns only single values; a date-time is read as text.
            Some(_) => FieldType::Text,
            None => FieldType::Unknown,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            FieldType::Integer => "an integer",
            FieldType::Float => "a number",
            FieldType::Boolean => "a boolean",
            FieldType::Text => "a string",
            FieldType::Unknown => "no value yet",
        }
    }
}

/// Parses `VALUES`: a comma list (`1,10,40`) or a range `START..END:STEP` whose END is
/// included when it falls on a step. Numbers are integers when the field is an integer (or is
/// absent) and every value is whole. Otherwise they are floats.
///
/// # Errors
/// A [`ValuesError`] naming the malformed part.
pub fn parse_values(spec: &str, original: Option<&Value>) -> Result<Vec<ParamValue>, ValuesError> {
    let field_type = FieldType::of(original);
    if spec.is_empty() {
        return Err(ValuesError::Empty);
    }
    if spec.contains("..") && !matches!(field_type, FieldType::Text) {
        return parse_range(spec, field_type);
    }
    let mut items = Vec::new();
    for item in spec.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(ValuesError::EmptyItem {
                list: spec.to_string(),
            });
        }
        if items.contains(&item) {
            return Err(ValuesError::Duplicate {
                value: item.to_string(),
            });
        }
        items.push(item);
    }
    let wrong_type = |value: &str, expected| ValuesError::WrongType {
        value: value.to_string(),
        field: field_type.noun(),
        expected,
    };
    let numbers = || -> Option<Vec<f64>> { items.iter().map(|item| finite(item)).collect() };
    let integers = || -> Option<Vec<i64>> { items.iter().map(|item| item.parse().ok()).collect() };
    let booleans = || -> Option<Vec<bool>> { items.iter().map(|item| item.parse().ok()).collect() };
    let values = match field_type {
        FieldType::Text => items
            .iter()
            .map(|item| ParamValue::Text(item.to_string()))
            .collect(),
        FieldType::Boolean => match booleans() {
            Some(values) => values.into_iter().map(ParamValue::Boolean).collect(),
            None => {
                let bad = items.iter().find(|item| item.parse::<bool>().is_err());
                return Err(wrong_type(
                    bad.expect("one is not a boolean"),
                    "true or false",
                ));
            }
        },
        FieldType::Integer => {
            // Whole numbers written as decimals (`32.0`, `1e3`) count as integers here.
            let as_integer = |item: &str| -> Option<i64> {
                item.parse::<i64>().ok().or_else(|| {
                    finite(item)
                        .filter(|value| value.fract() == 0.0 && value.abs() < 9e15)
                        .map(|value| value as i64)
                })
            };
            match items.iter().find(|item| as_integer(item).is_none()) {
                Some(bad) => return Err(wrong_type(bad, "a whole number")),
                None => items
                    .iter()
                    .map(|item| ParamValue::Integer(as_integer(item).expect("checked")))
                    .collect(),
            }
        }
        FieldType::Float | FieldType::Unknown => {
            if let (Some(values), false) = (integers(), field_type == FieldType::Float) {
                values.into_iter().map(ParamValue::Integer).collect()
            } else if let Some(values) = numbers() {
                values.into_iter().map(ParamValue::Float).collect()
            } else if field_type == FieldType::Unknown {
                match booleans() {
                    Some(values) => values.into_iter().map(ParamValue::Boolean).collect(),
                    None => items
                        .iter()
                        .map(|item| ParamValue::Text(item.to_string()))
                        .collect(),
                }
            } else {
                let bad = items.iter().find(|item| finite(item).is_none());
                return Err(wrong_type(
                    bad.expect("one is not a number"),
                    "a finite number",
                ));
            }
        }
    };
    Ok(values)
}

fn finite(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// Parses `START..END:STEP`.
fn parse_range(spec: &str, field_type: FieldType) -> Result<Vec<ParamValue>, ValuesError> {
    let range_error = |problem: &str| ValuesError::Range {
        range: spec.to_string(),
        problem: problem.to_string(),
    };
    if field_type == FieldType::Boolean {
        return Err(ValuesError::NotNumeric {
            range: spec.to_string(),
            field: field_type.noun(),
        });
    }

    let (bounds, step) = spec
        .rsplit_once(':')
        .ok_or_else(|| range_error("STEP is missing"))?;
    let (start, end) = bounds
        .split_once("..")
        .ok_or_else(|| range_error("`..` is missing"))?;
    let (start, end, step) = (start.trim(), end.trim(), step.trim());
    let number = |part: &str, text: &str| {
        finite(text).ok_or_else(|| range_error(&format!("{part} `{text}` is not a finite number")))
    };
    let (start_value, end_value, step_value) = (
        number("START", start)?,
        number("END", end)?,
        number("STEP", step)?,
    );

    if step_value <= 0.0 {
        return Err(ValuesError::Step {
            range: spec.to_string(),
            step: step.to_string(),
        });
    }
    if start_value > end_value {
        return Err(ValuesError::EmptyRange {
            range: spec.to_string(),
            start: start.to_string(),
            end: end.to_string(),
        });
    }

    let whole = |text: &str| text.parse::<i64>().ok();
    if let (Some(start), Some(end), Some(step), false) = (
        whole(start),
        whole(end),
        whole(step),
        field_type == FieldType::Float,
    ) {
        let count = (i128::from(end) - i128::from(start)) / i128::from(step) + 1;
        if count > MAX_RUNS as i128 {
            return Err(ValuesError::TooMany {
                range: spec.to_string(),
            });
        }
        return Ok((0..count as i64)
            .map(|k| ParamValue::Integer(start + k * step))
            .collect());
    }

    // A small tolerance keeps END when rounding puts it a hair past the last step, as in
    // 0.1..0.7:0.1, whose quotient is 5.999999999999999.
    let quotient = (end_value - start_value) / step_value;
    let count = (quotient + 1e-9 * quotient.max(1.0)).floor() + 1.0;
    if count > MAX_RUNS as f64 {
        return Err(ValuesError::TooMany {
            range: spec.to_string(),
        });
    }

    // Rounding each value to the decimals written in START and STEP turns 0.1 + 2 × 0.1 into
    // 0.3 rather than 0.30000000000000004.
    let decimals = decimals(start).max(decimals(step));
    Ok((0..count as u64)
        .map(|k| {
            let value = start_value + k as f64 * step_value;
            let value = match decimals {
                Some(places) => format!("{value:.places$}").parse().unwrap_or(value),
                None => value,
            };
            ParamValue::Float(value)
        })
        .collect())
}

/// Counts the digits after the decimal point of a number as written. Exponent notation gives
/// `None`, because its precision is not written out.
fn decimals(text: &str) -> Option<usize> {
    if text.contains(['e', 'E']) {
        return None;
    }
    Some(
        text.split_once('.')
            .map_or(0, |(_, fraction)| fraction.len()),
    )
}

/// `--shard I/N`: the runs whose id modulo N is I.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn contains(self, run_id: usize) -> bool {
        run_id % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `I/N` with 0 <= I < N.
    fn from_str(text: &str) -> Result<Shard, String> {
        let expected = "expected I/N with whole numbers 0 <= I < N, such as 0/4";
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("missing `/`, {expected}"))?;
        let whole = |part: &str| -> Result<usize, String> {
            part.trim()
                .parse()
                .map_err(|_| format!("`{part}` is not a whole number, {expected}"))
        };
        let (index, count) = (whole(index)?, whole(count)?);
        if count == 0 {
            return Err(format!("N is 0, {expected}"));
        }
        if index >= count {
            return Err(format!("I ({index}) is not below N ({count}), {expected}"));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The cartesian product of the `--vary` lists times the policies.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub varies: Vec<Vary>,
    pub policies: Vec<PolicyName>,
}

/// A grid too large to run, or one that varies a field twice.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    #[error("the grid has more than {MAX_RUNS} runs; vary fewer values")]
    TooLarge,
    #[error("`{path}` is varied twice; give each field one --vary")]
    Repeated { path: String },
    #[error("no policy given")]
    NoPolicy,
}

/// One cell of the grid: the value index of each `--vary`, and the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub run_id: usize,
    /// Index of the scenario variant, which numbers the value combinations in run-id order.
    pub variant: usize,
    /// For each `--vary`, the index of its value.
    pub value_indices: Vec<usize>,
    pub policy: PolicyName,
}

impl Grid {
    /// # Errors
    /// [`GridError`] when a field is varied twice, no policy is given, or the grid has more
    /// than [`MAX_RUNS`] cells.
    pub fn new(varies: Vec<Vary>, policies: Vec<PolicyName>) -> Result<Grid, GridError> {
        for (i, vary) in varies.iter().enumerate() {
            if varies[..i].iter().any(|other| other.path == vary.path) {
                return Err(GridError::Repeated {
                    path: vary.path.to_string(),
                });
            }
        }
        if policies.is_empty() {
            return Err(GridError::NoPolicy);
        }
        let mut runs = policies.len();
        for vary in &varies {
            runs = runs
                .checked_mul(vary.values.len())
                .filter(|&runs| runs <= MAX_RUNS)
                .ok_or(GridError::TooLarge)?;
        }
        Ok(Grid { varies, policies })
    }

    /// Number of value combinations, each one scenario variant.
    pub fn variant_count(&self) -> usize {
        self.varies.iter().map(|vary| vary.values.len()).product()
    }

    pub fn run_count(&self) -> usize {
        self.variant_count() * self.policies.len()
    }

    /// For each `--vary`, the index of its value in `variant`; the last `--vary` changes
    /// fastest.
    pub fn value_indices(&self, variant: usize) -> Vec<usize> {
        let mut indices = vec![0; self.varies.len()];
        let mut rest = variant;
        for (slot, vary) in indices.iter_mut().zip(&self.varies).rev() {
            *slot = rest % vary.values.len();
            rest /= vary.values.len();
        }
        indices
    }

    pub fn cell(&self, run_id: usize) -> Cell {
        let variant = run_id / self.policies.len();
        Cell {
            run_id,
            variant,
            value_indices: self.value_indices(variant),
            policy: self.policies[run_id % self.policies.len()],
        }
    }

    /// Run ids of the whole grid, or of one shard, in increasing order.
    pub fn run_ids(&self, shard: Option<Shard>) -> Vec<usize> {
        (0..self.run_count())
            .filter(|&id| shard.is_none_or(|shard| shard.contains(id)))
            .collect()
    }

    /// `PATH=VALUE` for each `--vary` of `variant`, for messages.
    pub fn describe_variant(&self, variant: usize) -> String {
        let parts: Vec<String> = self
            .varies
            .iter()
            .zip(self.value_indices(variant))
            .map(|(vary, i)| format!("{}={}", vary.path, vary.values[i]))
            .collect();
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(spec: &str, original: Option<Value>) -> Result<Vec<ParamValue>, ValuesError> {
        parse_values(spec, original.as_ref())
    }

    fn integers(list: &[i64]) -> Vec<ParamValue> {
        list.iter().copied().map(ParamValue::Integer).collect()
    }

    fn floats(list: &[f64]) -> Vec<ParamValue> {
        list.iter().copied().map(ParamValue::Float).collect()
    }

    #[test]
    fn lists_follow_the_field_type() {
        let int = Some(Value::Integer(64));
        let float = Some(Value::Float(0.5));
        assert_eq!(
            values("1,10, 40", int.clone()).unwrap(),
            integers(&[1, 10, 40])
        );
        // An integer field takes whole numbers in any spelling and rejects fractions.
        assert_eq!(
            values("16,32.0,1e3", int.clone()).unwrap(),
            integers(&[16, 32, 1000])
        );
        assert!(
            values("1,2.5", int.clone())
                .unwrap_err()
                .to_string()
                .contains("`2.5`")
        );
        assert_eq!(values("1,2", float).unwrap(), floats(&[1.0, 2.0]));
        assert_eq!(values("3", None).unwrap(), integers(&[3]));
        assert_eq!(
            values("true,false", None).unwrap(),
            [ParamValue::Boolean(true), ParamValue::Boolean(false)]
        );
        assert_eq!(
            values("min-cost,weighted", Some("weighted".into())).unwrap(),
            [
                ParamValue::Text("min-cost".into()),
                ParamValue::Text("weighted".into())
            ]
        );
        let error = values("1,x", int).unwrap_err().to_string();
        assert!(error.contains("invalid value `x`"), "{error}");
        assert!(error.contains("expected a whole number"), "{error}");
    }

    #[test]
    fn lists_reject_bad_items() {
        assert_eq!(values("", None), Err(ValuesError::Empty));
        assert!(matches!(
            values("1,,2", None),
            Err(ValuesError::EmptyItem { .. })
        ));
        assert!(matches!(
            values("1,2,1", None),
            Err(ValuesError::Duplicate { .. })
        ));
        let error = values("yes", Some(Value::Boolean(true))).unwrap_err();
        assert!(error.to_string().contains("true or false"), "{error}");
    }

    #[test]
    fn integer_ranges_include_end_on_a_step() {
        let int = Some(Value::Integer(64));
        assert_eq!(
            values("16..128:16", int.clone()).unwrap(),
            integers(&[16, 32, 48, 64, 80, 96, 112, 128])
        );
        assert_eq!(
            values("1..10:4", int.clone()).unwrap(),
            integers(&[1, 5, 9])
        );
        assert_eq!(values("5..5:1", int.clone()).unwrap(), integers(&[5]));
        assert_eq!(values("-2..2:2", int).unwrap(), integers(&[-2, 0, 2]));
    }

    #[test]
    fn float_ranges_round_to_written_decimals() {
        let float = Some(Value::Float(0.5));
        assert_eq!(
            values("0.1..0.7:0.1", float.clone()).unwrap(),
            floats(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
        );
        assert_eq!(
            values("0..1:0.3", float.clone()).unwrap(),
            floats(&[0.0, 0.3, 0.6, 0.9])
        );
        // An integer range on a float field gives floats.
        assert_eq!(values("1..3:1", float).unwrap(), floats(&[1.0, 2.0, 3.0]));
    }

    #[test]
    fn ranges_reject_bad_bounds() {
        let int = Some(Value::Integer(64));
        assert!(matches!(
            values("5..1:1", int.clone()),
            Err(ValuesError::EmptyRange { .. })
        ));
        assert!(matches!(
            values("1..5:0", int.clone()),
            Err(ValuesError::Step { .. })
        ));
        assert!(matches!(
            values("1..5:-1", int.clone()),
            Err(ValuesError::Step { .. })
        ));
        assert!(matches!(
            values("1..5", int.clone()),
            Err(ValuesError::Range { .. })
        ));
        assert!(matches!(
            values("a..5:1", int.clone()),
            Err(ValuesError::Range { .. })
        ));
        assert!(matches!(
            values("0..1e12:1", int),
            Err(ValuesError::TooMany { .. })
        ));
        assert!(matches!(
            values("1..2:1", Some(Value::Boolean(true))),
            Err(ValuesError::NotNumeric { .. })
        ));
        let error = values("5..1:1", None).unwrap_err().to_string();
        assert!(error.contains("START 5 is greater than END 1"), "{error}");
    }

    #[test]
    fn shard_parses_i_of_n() {
        assert_eq!("1/3".parse(), Ok(Shard { index: 1, count: 3 }));
        for bad in ["3/3", "0/0", "1", "a/3", "-1/3", "1/3/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    fn vary(path: &str, values: Vec<ParamValue>) -> Vary {
        Vary {
            path: FieldPath::parse(path).unwrap(),
            spec: String::new(),
            values,
        }
    }

    #[test]
    fn cells_put_policy_fastest() {
        let grid = Grid::new(
            vec![
                vary("planes[0].nodes", integers(&[16, 32])),
                vary("links[0].gbps", integers(&[1, 10, 40])),
            ],
            vec![PolicyName::NoWait, PolicyName::OnpremOnly],
        )
        .unwrap();
        assert_eq!(grid.run_count(), 12);
        let cell = grid.cell(7);
        assert_eq!(cell.variant, 3);
        assert_eq!(cell.value_indices, [1, 0]);
        assert_eq!(cell.policy, PolicyName::OnpremOnly);
        assert_eq!(
            grid.describe_variant(3),
            "planes[0].nodes=32, links[0].gbps=1"
        );
        let shard = Shard { index: 1, count: 5 };
        assert_eq!(grid.run_ids(Some(shard)), [1, 6, 11]);
    }

    #[test]
    fn grid_rejects_repeats_and_size() {
        let twice = Grid::new(
            vec![vary("seed", integers(&[1])), vary("seed", integers(&[2]))],
            vec![PolicyName::NoWait],
        );
        assert!(matches!(twice, Err(GridError::Repeated { .. })));
        let big: Vec<i64> = (0..1000).collect();
        let huge = Grid::new(
            vec![
                vary("seed", integers(&big)),
                vary("data.datasets", integers(&big)),
            ],
            vec![PolicyName::NoWait],
        );
        assert_eq!(huge, Err(GridError::TooLarge));
    }
}
