//! Every trace reader on random bytes and on randomly mutated sample text: each must return
//! `Ok` or `Err` and never panic, and whatever an importer accepts must be a valid normalized
//! trace that survives a write and a read unchanged.

use std::path::{Path, PathBuf};

use burstplane::trace::import::{ColumnMapping, ImportFormat, import};
use burstplane::trace::{read_trace_from, write_trace_to};
use proptest::prelude::*;

/// Lines taken from the start of each committed sample as seeds for mutation.
const SEED_LINES: usize = 12;

const SAMPLES: [&str; 4] = [
    "traces/raw/philly-head.csv",
    "traces/raw/itp/cluster01.csv",
    "traces/raw/openb-pods-head.csv",
    "traces/itp-cluster01.csv",
];

/// Bytes that matter to CSV, numbers and timestamps, used for inserted and replaced bytes.
const SPECIAL: &[u8] = b",\n\r\"-.:e0129 T\xff\x00";

fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        SAMPLES
            .iter()
            .map(|sample| {
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(sample);
                let text = std::fs::read_to_string(&path).unwrap();
                let head: Vec<&str> = text.split_inclusive('\n').take(SEED_LINES).collect();
                head.concat().into_bytes()
            })
            .collect()
    })
}

fn formats() -> Vec<ImportFormat> {
    vec![
        ImportFormat::Philly,
        ImportFormat::Itp,
        ImportFormat::AlibabaOpenb,
        ImportFormat::Csv(
            ColumnMapping::parse(
                "job_id=job_id,submit_s=submission_time,duration_s=duration,gpus=num_gpu",
                true,
            )
            .unwrap(),
        ),
        ImportFormat::Csv(
            ColumnMapping::parse("submit_s=1,duration_s=2,gpus=3,group=5,read_gb=2", false)
                .unwrap(),
        ),
    ]
}

/// One edit of a byte string; positions wrap around its length or line count.
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize, usize),
    Truncate(usize),
    /// Moves a line to another position, as in an unsorted trace.
    MoveLine(usize, usize),
    DuplicateLine(usize),
    DropLine(usize),
    /// Replaces one field of a line with a value from `FIELDS`.
    ReplaceField(usize, usize, &'static str),
}

/// Field values that are valid in one column and invalid in another.
const FIELDS: &[&str] = &[
    "",
    "0",
    "1",
    "-1",
    "1.5",
    "1e3",
    "inf",
    "NaN",
    "eight",
    "2017-10-09 07:01:55",
    "2017-02-30 00:00:00",
    "\"a,b\"",
    "6214e9",
    " 7 ",
    "4294967296",
    "-0",
];

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![any::<u8>(), proptest::sample::select(SPECIAL)];
    prop_oneof![
        1 => (any::<usize>(), byte.clone()).prop_map(|(at, b)| Edit::Replace(at, b)),
        1 => (any::<usize>(), byte).prop_map(|(at, b)| Edit::Insert(at, b)),
        1 => (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete(at, len)),
        1 => any::<usize>().prop_map(Edit::Truncate),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(from, to)| Edit::MoveLine(from, to)),
        1 => any::<usize>().prop_map(Edit::DuplicateLine),
        1 => any::<usize>().prop_map(Edit::DropLine),
        4 => (any::<usize>(), any::<usize>(), proptest::sample::select(FIELDS))
            .prop_map(|(line, field, value)| Edit::ReplaceField(line, field, value)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let count = lines.len();
        match *edit {
            Edit::Replace(at, byte) if len > 0 => bytes[at % len] = byte,
            Edit::Insert(at, byte) => bytes.insert(at % (len + 1), byte),
            Edit::Delete(at, span) if len > 0 => {
                let start = at % len;
                bytes.drain(start..(start + span).min(len));
            }
            Edit::Truncate(at) => bytes.truncate(at % (len + 1)),
            Edit::MoveLine(from, to) => {
                let line = lines.remove(from % count);
                lines.insert(to % count, line);
                bytes = lines.join(&b'\n');
            }
            Edit::DuplicateLine(at) => {
                let line = lines[at % count].clone();
                lines.insert(at % count, line);
                bytes = lines.join(&b'\n');
            }
            Edit::DropLine(at) => {
                lines.remove(at % count);
                bytes = lines.join(&b'\n');
            }
            Edit::ReplaceField(line, field, value) => {
                let line = &mut lines[line % count];
                let mut fields: Vec<Vec<u8>> =
                    line.split(|&b| b == b',').map(<[u8]>::to_vec).collect();
                let at = field % fields.len();
                fields[at] = value.as_bytes().to_vec();
                *line = fields.join(&b',');
                bytes = lines.join(&b'\n');
            }
            _ => {}
        }
    }
    bytes
}

/// Feeds `bytes` to every reader and checks what the importers return.
fn check_all_readers(bytes: &[u8]) {
    let path = PathBuf::from("fuzz.csv");
    let _ = read_trace_from(bytes, &path);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cluster77.csv");
    std::fs::write(&file, bytes).unwrap();
    for format in formats() {
        let Ok(report) = import(&format, std::slice::from_ref(&file)) else {
            continue;
        };
        let records = &report.records;
        assert_eq!(
            report.rows_read,
            records.len() as u64 + report.skipped_total(),
            "{}: every data row is imported or skipped",
            format.name()
        );
        if let Some(first) = records.first() {
            assert_eq!(first.submit_s, 0.0, "{}", format.name());
        }
        for pair in records.windows(2) {
            assert!(
                pair[0].submit_s <= pair[1].submit_s,
                "{}: not sorted",
                format.name()
            );
        }
        let mut written = Vec::new();
        write_trace_to(&mut written, records).unwrap();
        let back = read_trace_from(written.as_slice(), &path).unwrap_or_else(|error| {
            panic!("{}: output does not read back: {error}", format.name())
        });
        assert!(
            back == *records,
            "{}: output changes on a round trip",
            format.name()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn readers_survive_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_all_readers(&bytes);
    }

    #[test]
    fn readers_survive_mutated_samples(
        sample in 0..SAMPLES.len(),
        edits in proptest::collection::vec(edit_strategy(), 1..5),
    ) {
        check_all_readers(&apply(seeds()[sample].clone(), &edits));
    }
}

/// The seed scenario, mutated below to look for panics in the scenario reader.
const SEED_SCENARIO: &str = include_str!("../scenarios/seed-hybrid.toml");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scenario_reader_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = burstplane::scenario::Scenario::parse(&text, std::path::Path::new("fuzz.toml"));
    }

    #[test]
    fn scenario_reader_survives_edited_values(
        line in 0..SEED_SCENARIO.lines().count(),
        value in prop_oneof![
            Just("0".to_string()),
            Just("-1".to_string()),
            Just("1e309".to_string()),
            Just("\"\"".to_string()),
            Just("[]".to_string()),
            Just("nan".to_string()),
            Just("18446744073709551615".to_string()),
            "[a-z]{1,8}".prop_map(|s| format!("\"{s}\"")),
        ],
    ) {
        // Replace the value of one `key = value` line and parse; Ok or Err, never a panic.
        let edited: String = SEED_SCENARIO
            .lines()
            .enumerate()
            .map(|(i, text)| match text.split_once(" = ") {
                Some((key, _)) if i == line && !text.starts_with('#') => format!("{key} = {value}\n"),
                _ => format!("{text}\n"),
            })
            .collect();
        let _ = burstplane::scenario::Scenario::parse(&edited, std::path::Path::new("fuzz.toml"));
    }
}
