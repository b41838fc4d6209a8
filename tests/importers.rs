//! Importers on the committed raw samples, on malformed files, on the full public traces when
//! they are present beside the repository, and the `trace` commands end to end.

use std::path::{Path, PathBuf};
use std::process::Command;

use burstplane::trace::import::{ColumnMapping, ImportFormat, ImportReport, import};
use burstplane::trace::{TraceError, TraceRecord, read_trace};

const PHILLY_HEAD: &str = "traces/raw/philly-head.csv";
const ITP_CLUSTER01: &str = "traces/raw/itp/cluster01.csv";
const OPENB_HEAD: &str = "traces/raw/openb-pods-head.csv";

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Returns the folder of the full public traces, or `None` with a printed reason when it is
/// absent.
fn shared_traces() -> Option<PathBuf> {
    let folder = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/traces"));
    if folder.is_dir() {
        Some(folder)
    } else {
        eprintln!("skipped: {} is absent", folder.display());
        None
    }
}

fn import_one(format: &ImportFormat, path: &Path) -> Result<ImportReport, TraceError> {
    import(format, &[path.to_path_buf()])
}

fn find<'a>(report: &'a ImportReport, job_id: &str) -> &'a TraceRecord {
    report
        .records
        .iter()
        .find(|record| record.job_id == job_id)
        .unwrap_or_else(|| panic!("job {job_id} not imported"))
}

fn position(report: &ImportReport, job_id: &str) -> usize {
    report
        .records
        .iter()
        .position(|record| record.job_id == job_id)
        .unwrap_or_else(|| panic!("job {job_id} not imported"))
}

fn skipped(report: &ImportReport, reason: &str) -> u64 {
    report.skipped.get(reason).copied().unwrap_or(0)
}

fn assert_sorted(records: &[TraceRecord]) {
    for pair in records.windows(2) {
        assert!(
            pair[0].submit_s <= pair[1].submit_s,
            "{} at {} comes before {} at {}",
            pair[0].job_id,
            pair[0].submit_s,
            pair[1].job_id,
            pair[1].submit_s
        );
    }
}

/// Creates a temporary folder with one file `name` containing `text`.
fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn import_error(format: &ImportFormat, name: &str, text: &str) -> String {
    let (_dir, path) = temp_file(name, text);
    match import_one(format, &path) {
        Ok(report) => panic!(
            "{name} imported {} jobs, expected an error",
            report.records.len()
        ),
        Err(error) => error.to_string(),
    }
}

fn csv_mapping(spec: &str) -> ImportFormat {
    ImportFormat::Csv(ColumnMapping::parse(spec, true).unwrap())
}

// Committed raw samples.

#[test]
fn philly_head_imports_every_row() {
    let report = import_one(&ImportFormat::Philly, &repo(PHILLY_HEAD)).unwrap();
    // Header, 3000 data rows and a blank last line.
    assert_eq!(report.rows_read, 3000);
    assert_eq!(report.records.len(), 3000);
    assert_eq!(report.skipped_total(), 0);
    assert_eq!(report.files, 1);
}

#[test]
fn philly_head_times_count_from_first_submission() {
    let report = import_one(&ImportFormat::Philly, &repo(PHILLY_HEAD)).unwrap();
    // Data row 1985 is the earliest, 2017-09-07 09:57:50, so it comes first at 0 s.
    let first = &report.records[0];
    assert_eq!(first.job_id, "philly-1985");
    assert_eq!(first.submit_s, 0.0);

    // Row 1: `2017-10-09 07:01:55,66.0,1,66.0,11cb48`. From 09-07 09:57:50 to 10-07 09:57:50 is
    // 30 days (September has 30); to 10-09 09:57:50 two more days, less 09:57:50 - 07:01:55 =
    // 2:55:55 = 10555 s. So 32 * 86400 - 10555 = 2764800 - 10555 = 2754245 s.
    let row1 = find(&report, "philly-1");
    assert_eq!(row1.submit_s, 2_754_245.0);
    assert_eq!(row1.duration_s, 66.0);
    assert_eq!(row1.gpus, 1);
    assert_eq!(row1.group.as_deref(), Some("11cb48"));

    // Row 2: `2017-10-09 06:13:03,2951.0,1,2951.0,6214e9`, 07:01:55 - 06:13:03 = 48:52 = 2932 s
    // before row 1: 2754245 - 2932 = 2751313 s.
    let row2 = find(&report, "philly-2");
    assert_eq!(row2.submit_s, 2_751_313.0);
    assert_eq!(row2.duration_s, 2951.0);
}

#[test]
fn philly_cluster_stays_a_string() {
    let report = import_one(&ImportFormat::Philly, &repo(PHILLY_HEAD)).unwrap();
    assert_eq!(find(&report, "philly-2").group.as_deref(), Some("6214e9"));
    let numeric_looking = report
        .records
        .iter()
        .filter(|record| record.group.as_deref() == Some("103959"))
        .count();
    // `grep -c ',103959$'` on the raw sample counts 32 rows of that cluster.
    assert_eq!(numeric_looking, 32);
}

#[test]
fn philly_unsorted_rows_come_out_sorted() {
    let report = import_one(&ImportFormat::Philly, &repo(PHILLY_HEAD)).unwrap();
    // Row 1 (10-09 07:01:55) is the latest submission and row 3 (09-29 07:58:32) is earlier
    // than row 2 (10-09 06:13:03), so the input is not sorted.
    assert_sorted(&report.records);
    assert_eq!(report.records.last().unwrap().job_id, "philly-1");
    assert!(position(&report, "philly-3") < position(&report, "philly-2"));
    // Rows 44 and 67 are both submitted at 2017-10-09 06:03:05; the sort keeps input order.
    assert_eq!(
        find(&report, "philly-44").submit_s,
        find(&report, "philly-67").submit_s
    );
    assert!(position(&report, "philly-44") < position(&report, "philly-67"));
}

#[test]
fn itp_cluster01_without_final_newline() {
    let raw = std::fs::read(repo(ITP_CLUSTER01)).unwrap();
    assert_ne!(
        raw.last(),
        Some(&b'\n'),
        "the sample must keep its missing final newline"
    );

    let report = import_one(&ImportFormat::Itp, &repo(ITP_CLUSTER01)).unwrap();
    assert_eq!(report.records.len(), 1595);
    assert_eq!(report.skipped_total(), 0);
    let first = &report.records[0];
    assert_eq!(first.job_id, "965d744f-0445-c1a8-12af-97e4c536c66e");
    assert_eq!(first.submit_s, 0.0);
    assert_eq!(first.duration_s, 2429.0);
    assert_eq!(first.gpus, 64);
    assert_eq!(first.group.as_deref(), Some("cluster01"));
    // The last line, with no newline after it: submitted at 4848400, 4848400 - 1932025 = 2916375.
    let last = report.records.last().unwrap();
    assert_eq!(last.job_id, "c05db774-132a-5e58-2a57-e880de9205ea");
    assert_eq!(last.submit_s, 2_916_375.0);
    assert_eq!(last.duration_s, 1032.0);
    assert_eq!(last.gpus, 1);
}

#[test]
fn openb_head_skips_cpu_and_pending_pods() {
    let report = import_one(&ImportFormat::AlibabaOpenb, &repo(OPENB_HEAD)).unwrap();
    assert_eq!(report.rows_read, 3000);
    // Of the 3000 pods, 471 have num_gpu 0 and 262 an empty scheduled_time, 19 of them both.
    // A CPU pod counts as zero GPUs first: 262 - 19 = 243 never scheduled, and
    // 3000 - 471 - 243 = 2286 imported.
    assert_eq!(skipped(&report, "zero GPUs"), 471);
    assert_eq!(
        skipped(&report, "never scheduled (empty scheduled_time)"),
        243
    );
    assert_eq!(report.skipped_total(), 714);
    assert_eq!(report.records.len(), 2286);
    // `openb-pod-0005` on line 7 is the first CPU pod, `openb-pod-0061` on line 63 the first
    // pending GPU pod.
    let first_zero = &report.first_skipped["zero GPUs"];
    assert_eq!(first_zero.1, 7);
    assert_eq!(
        report.first_skipped["never scheduled (empty scheduled_time)"].1,
        63
    );
}

#[test]
fn openb_head_maps_pod_times() {
    let report = import_one(&ImportFormat::AlibabaOpenb, &repo(OPENB_HEAD)).unwrap();
    // `openb-pod-0000,...,LS,Running,0,12537496,0`: runs from 0 to 12537496.
    let pod0 = &report.records[0];
    assert_eq!(pod0.job_id, "openb-pod-0000");
    assert_eq!(pod0.submit_s, 0.0);
    assert_eq!(pod0.duration_s, 12_537_496.0);
    assert_eq!(pod0.group.as_deref(), Some("LS"));
    // `openb-pod-0001,6000,12288,1,460,,LS,Running,427061,12902960,427061` shares a GPU
    // (gpu_milli 460) and still takes one; it runs 12902960 - 427061 = 12475899 s.
    let pod1 = find(&report, "openb-pod-0001");
    assert_eq!(pod1.gpus, 1);
    assert_eq!(pod1.submit_s, 427_061.0);
    assert_eq!(pod1.duration_s, 12_475_899.0);
    assert_sorted(&report.records);
}

#[test]
fn committed_samples_match_fresh_imports() {
    let cases = [
        (
            ImportFormat::Philly,
            PHILLY_HEAD,
            "traces/philly-sample.csv",
        ),
        (ImportFormat::Itp, ITP_CLUSTER01, "traces/itp-cluster01.csv"),
        (
            ImportFormat::AlibabaOpenb,
            OPENB_HEAD,
            "traces/alibaba-openb-sample.csv",
        ),
    ];
    for (format, raw, sample) in cases {
        let fresh = import_one(&format, &repo(raw)).unwrap().records;
        let committed = read_trace(&repo(sample)).unwrap();
        assert_eq!(committed.len(), fresh.len(), "{sample}");
        assert!(
            committed == fresh,
            "{sample} differs from a fresh import of {raw}"
        );
    }
}

#[test]
fn headerless_files_use_canonical_order() {
    let cases = [
        (ImportFormat::Philly, PHILLY_HEAD),
        (ImportFormat::Itp, ITP_CLUSTER01),
        (ImportFormat::AlibabaOpenb, OPENB_HEAD),
    ];
    for (format, raw) in cases {
        let text = std::fs::read_to_string(repo(raw)).unwrap();
        let (_header, body) = text.split_once('\n').unwrap();
        let name = Path::new(raw).file_name().unwrap().to_str().unwrap();
        let (_dir, headerless) = temp_file(name, body);
        let with_header = import_one(&format, &repo(raw)).unwrap();
        let without = import_one(&format, &headerless).unwrap();
        assert_eq!(without.rows_read, with_header.rows_read, "{raw}");
        assert!(without.records == with_header.records, "{raw}");
    }
}

// Malformed input.

#[test]
fn text_gpu_count_is_an_error() {
    let text = "timestamp,duration,num_gpus,gpu_time,cluster\n\
                2017-10-09 07:01:55,66.0,1,66.0,11cb48\n\
                2017-10-09 07:02:55,66.0,eight,66.0,11cb48\n";
    let message = import_error(&ImportFormat::Philly, "gpus.csv", text);
    assert!(message.contains("gpus.csv:3:"), "{message}");
    assert!(message.contains("column `num_gpus`"), "{message}");
    assert!(message.contains("`eight`"), "{message}");
    assert!(
        message.contains("expected a whole number of GPUs"),
        "{message}"
    );

    let pods = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,\
                creation_time,deletion_time,scheduled_time\n\
                p1,1000,1024,1.5,1000,,LS,Running,0,10,0\n";
    let message = import_error(&ImportFormat::AlibabaOpenb, "pods.csv", pods);
    assert!(message.contains("pods.csv:2:"), "{message}");
    assert!(message.contains("column `num_gpu`"), "{message}");
    assert!(message.contains("`1.5`"), "{message}");
}

#[test]
fn negative_duration_is_an_error() {
    let text = "job_id,submission_time,duration,num_gpu\na,10,-5,1\n";
    let message = import_error(&ImportFormat::Itp, "cluster09.csv", text);
    assert!(message.contains("cluster09.csv:2:"), "{message}");
    assert!(message.contains("column `duration`"), "{message}");
    assert!(message.contains("`-5`"), "{message}");
    assert!(
        message.contains("expected seconds, a number >= 0"),
        "{message}"
    );
}

#[test]
fn missing_column_names_expected_header() {
    let text = "timestamp,duration,gpu_time,cluster\n2017-10-09 07:01:55,66.0,66.0,11cb48\n";
    let message = import_error(&ImportFormat::Philly, "philly.csv", text);
    assert!(message.contains("philly.csv:1:"), "{message}");
    assert!(message.contains("missing column `num_gpus`"), "{message}");
    assert!(
        message.contains("expects the header `timestamp,duration,num_gpus,gpu_time,cluster`"),
        "{message}"
    );
}

#[test]
fn truncated_line_is_an_error() {
    let text = "job_id,submission_time,duration,num_gpu\na,10,600,1\nb,20,600";
    let message = import_error(&ImportFormat::Itp, "cluster09.csv", text);
    assert!(message.contains("cluster09.csv:3:"), "{message}");
    assert!(message.contains("has 3 fields, expected 4"), "{message}");
    assert!(message.contains("column `num_gpu` is missing"), "{message}");
    assert!(
        message.contains("job_id,submission_time,duration,num_gpu"),
        "{message}"
    );
}

#[test]
fn empty_file_is_an_error() {
    let cases = [
        (
            ImportFormat::Philly,
            "timestamp,duration,num_gpus,gpu_time,cluster",
        ),
        (ImportFormat::Itp, "job_id,submission_time,duration,num_gpu"),
        (
            ImportFormat::AlibabaOpenb,
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli",
        ),
    ];
    for (format, header) in cases {
        for text in ["", "\n\n"] {
            let message = import_error(&format, "empty.csv", text);
            assert!(message.contains("empty.csv"), "{message}");
            assert!(message.contains("the file is empty"), "{message}");
            assert!(message.contains(header), "{message}");
        }
    }
    let message = import_error(
        &csv_mapping("submit_s=a,duration_s=b,gpus=c"),
        "empty.csv",
        "",
    );
    assert!(
        message.contains("empty.csv: the file is empty"),
        "{message}"
    );
}

#[test]
fn extra_field_is_an_error() {
    let text = "job_id,submission_time,duration,num_gpu\na,10,600,1,x\n";
    let message = import_error(&ImportFormat::Itp, "wide.csv", text);
    assert!(
        message.contains("wide.csv:2: has 5 fields, expected 4"),
        "{message}"
    );
}

#[test]
fn job_id_repeated_in_file() {
    let text = "job_id,submission_time,duration,num_gpu\na,10,600,1\nb,11,600,1\na,12,600,1\n";
    let message = import_error(&ImportFormat::Itp, "dup.csv", text);
    assert!(message.contains("dup.csv:4:"), "{message}");
    assert!(message.contains("column `job_id`"), "{message}");
    assert!(message.contains("line 2 has it too"), "{message}");
}

#[test]
fn same_file_twice_is_an_error() {
    let path = repo(ITP_CLUSTER01);
    let message = import(&ImportFormat::Itp, &[path.clone(), path])
        .unwrap_err()
        .to_string();
    assert!(message.contains("cluster01.csv"), "{message}");
    assert!(message.contains("given twice"), "{message}");
}

#[test]
fn missing_file_is_an_error() {
    let path = PathBuf::from("/nonexistent/philly.csv");
    let message = import_one(&ImportFormat::Philly, &path)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("/nonexistent/philly.csv: cannot read the file"),
        "{message}"
    );
}

// Skipped rows.

#[test]
fn philly_rows_without_replay_are_skipped() {
    let text = "timestamp,duration,num_gpus,gpu_time,cluster\n\
                2017-10-09 07:00:00,60.0,1,60.0,a\n\
                2017-10-09 07:00:10,0.0,1,0.0,a\n\
                2017-10-09 07:00:20,,1,,a\n\
                ,60.0,1,60.0,a\n\
                2017-10-09 25:00:00,60.0,1,60.0,a\n\
                2017-10-09 07:00:40,60.0,0,0.0,a\n\
                2017-10-09 07:00:50,30.0,2,60.0,a\n";
    let (_dir, path) = temp_file("philly.csv", text);
    let report = import_one(&ImportFormat::Philly, &path).unwrap();
    assert_eq!(report.rows_read, 7);
    assert_eq!(skipped(&report, "zero duration"), 1);
    assert_eq!(skipped(&report, "missing duration"), 1);
    assert_eq!(skipped(&report, "missing submit time"), 1);
    assert_eq!(skipped(&report, "unparseable submit time"), 1);
    assert_eq!(skipped(&report, "zero GPUs"), 1);
    assert_eq!(report.first_skipped["zero duration"].1, 3);
    let ids: Vec<&str> = report.records.iter().map(|r| r.job_id.as_str()).collect();
    // Rows 1 and 7 remain, 50 s apart, and keep their data row numbers.
    assert_eq!(ids, ["philly-1", "philly-7"]);
    assert_eq!(report.records[1].submit_s, 50.0);
}

#[test]
fn pod_without_run_time_is_skipped() {
    let text = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,\
                creation_time,deletion_time,scheduled_time\n\
                p1,1000,1024,1,1000,,LS,Failed,100,150,150\n\
                p2,1000,1024,1,1000,,BE,Running,120,900,130\n\
                p3,1000,1024,1,1000,,BE,Running,140,,150\n";
    let (_dir, path) = temp_file("pods.csv", text);
    let report = import_one(&ImportFormat::AlibabaOpenb, &path).unwrap();
    assert_eq!(
        skipped(&report, "run time <= 0 (deletion_time <= scheduled_time)"),
        1
    );
    assert_eq!(skipped(&report, "missing duration"), 1);
    assert_eq!(report.records.len(), 1);
    // p2 is the only job: submitted at 120, the first submission, and runs 900 - 130 = 770 s.
    assert_eq!(report.records[0].job_id, "p2");
    assert_eq!(report.records[0].submit_s, 0.0);
    assert_eq!(report.records[0].duration_s, 770.0);
}

#[test]
fn summary_lists_skip_reasons() {
    let report = import_one(&ImportFormat::AlibabaOpenb, &repo(OPENB_HEAD)).unwrap();
    let summary = report.to_string();
    assert!(
        summary.starts_with("imported 2286 jobs from 1 file; skipped: 714"),
        "{summary}"
    );
    assert!(summary.contains("  zero GPUs: 471, first at "), "{summary}");
    assert!(summary.contains("openb-pods-head.csv:7"), "{summary}");
}

// Several input files.

#[test]
fn itp_files_share_one_time_base() {
    let text = "job_id,submission_time,duration,num_gpu\nlate,1932035,600,2\nearly,1932000,600,1";
    let (_dir, other) = temp_file("cluster99.csv", text);
    let report = import(&ImportFormat::Itp, &[repo(ITP_CLUSTER01), other]).unwrap();
    assert_eq!(report.records.len(), 1595 + 2);
    // cluster99's `early` at 1932000 is the first submission overall. cluster01's first job
    // at 1932025 comes 25 s later, and `late` at 1932035 comes 35 s later.
    assert_eq!(report.records[0].job_id, "early");
    assert_eq!(report.records[0].group.as_deref(), Some("cluster99"));
    assert_eq!(
        find(&report, "965d744f-0445-c1a8-12af-97e4c536c66e").submit_s,
        25.0
    );
    assert_eq!(find(&report, "late").submit_s, 35.0);
}

#[test]
fn repeated_ids_across_files_get_file_stem() {
    let first = "job_id,submission_time,duration,num_gpu\nx,0,600,1\ny,1,600,1\n";
    let second = "job_id,submission_time,duration,num_gpu\nx,2,600,1\nz,3,600,1\n";
    let (_a, a) = temp_file("east.csv", first);
    let (_b, b) = temp_file("west.csv", second);
    let report = import(&ImportFormat::Itp, &[a, b]).unwrap();
    let ids: Vec<&str> = report.records.iter().map(|r| r.job_id.as_str()).collect();
    assert_eq!(ids, ["x", "y", "west/x", "z"]);
}

#[test]
fn philly_ids_with_several_files_get_file_stem() {
    let text = "timestamp,duration,num_gpus,gpu_time,cluster\n\
                2017-09-01 00:00:00,60.0,1,60.0,a\n";
    let (_dir, other) = temp_file("extra.csv", text);
    let report = import(&ImportFormat::Philly, &[repo(PHILLY_HEAD), other]).unwrap();
    assert_eq!(report.records.len(), 3001);
    // 2017-09-01 is before the sample's first submission, so extra.csv's row comes first.
    assert_eq!(report.records[0].job_id, "extra/philly-1");
    assert_eq!(report.records[1].job_id, "philly-head/philly-1985");
}

// Generic CSV.

#[test]
fn csv_mapping_reads_timestamps_and_optional_fields() {
    let text = "JobID,Submit,Elapsed,NGPUS,Partition,Data,ReadGB,Back,Planes\n\
                101,2024-01-05T10:00:30,3600,4,gpu,ds-a,12.5,true,onprem;eks\n\
                100,2024-01-05T10:00:00,60,1,gpu,,,,\n";
    let (_dir, path) = temp_file("slurm.csv", text);
    let format = csv_mapping(
        "job_id=JobID,submit_s=Submit,duration_s=Elapsed,gpus=NGPUS,group=Partition,\
         dataset=Data,read_gb=ReadGB,writes_back=Back,allowed_planes=Planes",
    );
    let report = import_one(&format, &path).unwrap();
    assert_eq!(report.records.len(), 2);
    let first = &report.records[0];
    assert_eq!(first.job_id, "100");
    assert_eq!(first.submit_s, 0.0);
    assert_eq!(first.dataset, None);
    assert!(first.allowed_planes.is_empty());
    let second = &report.records[1];
    // 10:00:30 - 10:00:00 = 30 s.
    assert_eq!(second.submit_s, 30.0);
    assert_eq!(second.gpus, 4);
    assert_eq!(second.group.as_deref(), Some("gpu"));
    assert_eq!(second.dataset.as_deref(), Some("ds-a"));
    assert_eq!(second.read_gb, Some(12.5));
    assert_eq!(second.write_gb, None);
    assert_eq!(second.writes_back, Some(true));
    assert_eq!(second.allowed_planes, ["onprem", "eks"]);
}

#[test]
fn csv_without_header_uses_column_numbers() {
    let text = "500,7200,8\n100,60,1\n";
    let (_dir, path) = temp_file("export.csv", text);
    let format =
        ImportFormat::Csv(ColumnMapping::parse("submit_s=1,duration_s=2,gpus=3", false).unwrap());
    let report = import_one(&format, &path).unwrap();
    let ids: Vec<&str> = report.records.iter().map(|r| r.job_id.as_str()).collect();
    // Row 2 is submitted first (100 < 500), and row 1 comes 500 - 100 = 400 s later.
    assert_eq!(ids, ["row-2", "row-1"]);
    assert_eq!(report.records[1].submit_s, 400.0);
    assert_eq!(report.records[1].gpus, 8);
}

#[test]
fn csv_mapped_column_must_exist() {
    let text = "Submit,Elapsed,GPUs\n0,60,1\n";
    let message = import_error(
        &csv_mapping("submit_s=Submit,duration_s=Runtime,gpus=GPUs"),
        "x.csv",
        text,
    );
    assert!(message.contains("x.csv:1:"), "{message}");
    assert!(message.contains("--map duration_s=Runtime"), "{message}");
    assert!(
        message.contains("column `Runtime` is not in the header"),
        "{message}"
    );
    assert!(message.contains("Submit, Elapsed, GPUs"), "{message}");

    let numbered =
        ImportFormat::Csv(ColumnMapping::parse("submit_s=1,duration_s=2,gpus=4", false).unwrap());
    let message = import_error(&numbered, "y.csv", "0,60,1\n");
    assert!(message.contains("y.csv:1: --map gpus=4"), "{message}");
    assert!(message.contains("only 3 fields"), "{message}");
}

#[test]
fn csv_bad_values_name_the_column() {
    let format = csv_mapping("submit_s=Submit,duration_s=Elapsed,gpus=GPUs,writes_back=Back");
    let message = import_error(&format, "x.csv", "Submit,Elapsed,GPUs,Back\n0,60,1,yes\n");
    assert!(
        message.contains("x.csv:2: column `Back`: invalid value `yes`"),
        "{message}"
    );
    assert!(
        message.contains("expected true, false, 1, 0 or empty"),
        "{message}"
    );

    let message = import_error(&format, "x.csv", "Submit,Elapsed,GPUs,Back\n0,1:00,1,\n");
    assert!(
        message.contains("column `Elapsed`: invalid value `1:00`"),
        "{message}"
    );
}

#[test]
fn csv_mixed_time_kinds_are_an_error() {
    let text = "Submit,Elapsed,GPUs\n2024-01-05 10:00:00,60,1\n1704448800,60,1\n";
    let format = csv_mapping("submit_s=Submit,duration_s=Elapsed,gpus=GPUs");
    let message = import_error(&format, "x.csv", text);
    assert!(message.contains("x.csv:3: column `Submit`"), "{message}");
    assert!(
        message.contains("a timestamp like the first submit time at"),
        "{message}"
    );
    assert!(message.contains("x.csv:2, not seconds"), "{message}");
}

// The full public traces beside the repository.

#[test]
fn full_philly_imports_82247_jobs() {
    let Some(shared) = shared_traces() else {
        return;
    };
    let report = import_one(
        &ImportFormat::Philly,
        &shared.join("microsoft-philly/philly.csv"),
    )
    .unwrap();
    assert_eq!(report.rows_read, 82_247);
    assert_eq!(report.records.len(), 82_247);
    // No row has duration 0 (the minimum is 1 s), so nothing is skipped.
    assert_eq!(skipped(&report, "zero duration"), 0);
    assert_eq!(report.skipped_total(), 0);
    assert_sorted(&report.records);
    // From 2017-09-04 10:30:41 to 2017-12-22 08:02:11: Sep 4 to Dec 22 is 26 + 31 + 30 + 22 =
    // 109 days, less 10:30:41 - 08:02:11 = 2:28:30 = 8910 s: 109 * 86400 - 8910 = 9408690 s.
    assert_eq!(report.records.last().unwrap().submit_s, 9_408_690.0);
}

#[test]
fn full_itp_clusters_import_every_row() {
    let Some(shared) = shared_traces() else {
        return;
    };
    let folder = shared.join("microsoft-itp-elasticflow");
    let expected = [1595, 5778, 3011, 15_802, 3629, 2396, 12_699, 13_047];
    let mut paths = Vec::new();
    for (index, rows) in expected.into_iter().enumerate() {
        let path = folder.join(format!("cluster{:02}.csv", index + 1));
        let report = import_one(&ImportFormat::Itp, &path).unwrap();
        assert_eq!(report.records.len(), rows, "{}", path.display());
        assert_eq!(report.skipped_total(), 0, "{}", path.display());
        paths.push(path);
    }
    let all = import(&ImportFormat::Itp, &paths).unwrap();
    // 1595 + 5778 + 3011 + 15802 + 3629 + 2396 + 12699 + 13047 = 57957.
    assert_eq!(all.records.len(), 57_957);
    assert_eq!(all.files, 8);
    // The earliest submission, 1999 s, is in cluster07; the latest, 5175336 s, is in
    // cluster03: 5175336 - 1999 = 5173337 s.
    assert_eq!(all.records[0].group.as_deref(), Some("cluster07"));
    assert_eq!(all.records.last().unwrap().submit_s, 5_173_337.0);
    assert_sorted(&all.records);
}

#[test]
fn full_openb_pods_skip_counts() {
    let Some(shared) = shared_traces() else {
        return;
    };
    let path = shared.join("alibaba-gpu-v2023-openb/openb_pod_list_default.csv");
    let report = import_one(&ImportFormat::AlibabaOpenb, &path).unwrap();
    assert_eq!(report.rows_read, 8152);
    // 1088 pods have num_gpu 0 and 897 an empty scheduled_time; 36 are both. CPU pods count as
    // zero GPUs first, so 897 - 36 = 861 never scheduled. No scheduled GPU pod has
    // deletion_time <= scheduled_time. 8152 - 1088 - 861 = 6203 imported.
    assert_eq!(skipped(&report, "zero GPUs"), 1088);
    assert_eq!(
        skipped(&report, "never scheduled (empty scheduled_time)"),
        861
    );
    assert_eq!(
        skipped(&report, "run time <= 0 (deletion_time <= scheduled_time)"),
        0
    );
    assert_eq!(report.skipped_total(), 1949);
    assert_eq!(report.records.len(), 6203);
}

#[test]
fn importers_reject_files_of_other_kinds() {
    let Some(shared) = shared_traces() else {
        return;
    };
    let job_files = [
        ("philly", "microsoft-philly/philly.csv"),
        ("itp", "microsoft-itp-elasticflow/cluster01.csv"),
        (
            "alibaba-openb",
            "alibaba-gpu-v2023-openb/openb_pod_list_default.csv",
        ),
    ];
    let other_files = [
        "microsoft-philly/cluster_machine_list.csv",
        "microsoft-philly/revised_machine_list.csv",
        "alibaba-gpu-v2023-openb/openb_node_list_all_node.csv",
        "alibaba-gpu-v2023-openb/openb_node_list_gpu_node.csv",
        "alibaba-pai-v2020/pai_machine_spec.csv",
    ];
    let formats = [
        ImportFormat::Philly,
        ImportFormat::Itp,
        ImportFormat::AlibabaOpenb,
        csv_mapping("submit_s=submit_s,duration_s=duration_s,gpus=gpus"),
    ];
    for format in &formats {
        let foreign_jobs = job_files
            .iter()
            .filter(|(name, _)| *name != format.name())
            .map(|(_, file)| *file);
        for file in other_files.iter().copied().chain(foreign_jobs) {
            let path = shared.join(file);
            let error = match import_one(format, &path) {
                Ok(report) => panic!(
                    "{} imported {file} ({} jobs)",
                    format.name(),
                    report.records.len()
                ),
                Err(error) => error.to_string(),
            };
            assert!(error.contains(&path.display().to_string()), "{error}");
            if !matches!(format, ImportFormat::Csv(_)) {
                assert!(error.contains("expects the header"), "{error}");
            }
        }
    }
}

#[test]
fn philly_on_machine_list_names_philly_header() {
    let Some(shared) = shared_traces() else {
        return;
    };
    let path = shared.join("microsoft-philly/cluster_machine_list.csv");
    let message = import_one(&ImportFormat::Philly, &path)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("cluster_machine_list.csv:1: missing column `timestamp`"),
        "{message}"
    );
    assert!(
        message.contains("line 1 is `machineId,number of GPUs,single GPU mem`"),
        "{message}"
    );
    assert!(
        message.contains(
            "the philly importer expects the header `timestamp,duration,num_gpus,gpu_time,cluster`"
        ),
        "{message}"
    );
}

// The command line.

fn burstplane(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_burstplane"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn cli_import_prints_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("openb.csv");
    let output = burstplane(&[
        "trace",
        "import",
        "--format",
        "alibaba-openb",
        repo(OPENB_HEAD).to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("imported 2286 jobs from 1 file; skipped: 714"),
        "{stderr}"
    );
    assert_eq!(read_trace(&out).unwrap().len(), 2286);

    let stats = burstplane(&["trace", "stats", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&stats.stdout);
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    assert!(stdout.contains("jobs         2286"), "{stdout}");
}

#[test]
fn cli_malformed_input_keeps_existing_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.csv");
    std::fs::write(
        &input,
        "job_id,submission_time,duration,num_gpu\na,10,600,1\nb,20,600,two\n",
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let before = "job_id,submit_s,gpus,duration_s\nkeep,0,1,60\n";
    std::fs::write(&out, before).unwrap();

    let output = burstplane(&[
        "trace",
        "import",
        "--format",
        "itp",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("bad.csv:3: column `num_gpu`: invalid value `two`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only bad.csv and out.csv, no partial file"
    );
}

#[test]
fn cli_csv_requires_map() {
    let output = burstplane(&[
        "trace", "import", "--format", "csv", "in.csv", "-o", "out.csv",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--format csv requires --map"), "{stderr}");

    let output = burstplane(&[
        "trace",
        "import",
        "--format",
        "csv",
        "--map",
        "submit_s=a",
        "in.csv",
        "-o",
        "out.csv",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("invalid --map: missing required key `duration_s`"),
        "{stderr}"
    );
}
