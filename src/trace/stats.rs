//! Summary statistics of a normalized trace: job count, submission span, GPU-size histogram
//! and GPU-hours, computed from the records alone and printed as a table or serialized as JSON.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::TraceRecord;
use crate::units::SECONDS_PER_HOUR;

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Statistics of a whole trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceStats {
    pub jobs: u64,
    /// Earliest submit time, seconds; 0 for an empty trace.
    pub first_submit_s: f64,
    /// Latest submit time, seconds; 0 for an empty trace.
    pub last_submit_s: f64,
    /// `last_submit_s - first_submit_s`.
    pub submit_span_s: f64,
    /// `submit_span_s` in days of 86,400 s.
    pub submit_span_days: f64,
    /// Latest end time if every job started at submission, seconds; 0 for an empty trace.
    pub last_end_s: f64,
    /// Sum of GPUs × duration over all jobs, hours.
    pub gpu_hours: f64,
    /// One entry per GPU count, ascending.
    pub by_gpus: Vec<GpuSizeStats>,
}

/// Jobs of one GPU count.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GpuSizeStats {
    pub gpus: u32,
    pub jobs: u64,
    /// Fraction of all jobs, from 0 to 1.
    pub share: f64,
    pub gpu_hours: f64,
}

impl TraceStats {
    /// Computes the statistics of `records`, in any order.
    pub fn from_records(records: &[TraceRecord]) -> TraceStats {
        let mut by_gpus: BTreeMap<u32, (u64, f64)> = BTreeMap::new();
        let mut first_submit_s = f64::INFINITY;
        let mut last_submit_s = f64::NEG_INFINITY;
        let mut last_end_s = f64::NEG_INFINITY;
        for record in records {
            first_submit_s = first_submit_s.min(record.submit_s);
            last_submit_s = last_submit_s.max(record.submit_s);
            last_end_s = last_end_s.max(record.submit_s + record.duration_s);
            let size = by_gpus.entry(record.gpus).or_insert((0, 0.0));
            size.0 += 1;
            size.1 += f64::from(record.gpus) * record.duration_s / SECONDS_PER_HOUR;
        }
        if records.is_empty() {
            (first_submit_s, last_submit_s, last_end_s) = (0.0, 0.0, 0.0);
        }

        let jobs = records.len() as u64;
        let by_gpus: Vec<GpuSizeStats> = by_gpus
            .into_iter()
            .map(|(gpus, (count, gpu_hours))| GpuSizeStats {
                gpus,
                jobs: count,
                share: count as f64 / jobs as f64,
                gpu_hours,
            })
            .collect();
        let submit_span_s = last_submit_s - first_submit_s;
        TraceStats {
            jobs,
            first_submit_s,
            last_submit_s,
            submit_span_s,
            submit_span_days: submit_span_s / SECONDS_PER_DAY,
            last_end_s,
            gpu_hours: by_gpus.iter().map(|size| size.gpu_hours).sum::<f64>() + 0.0,
            by_gpus,
        }
    }
}

/// A table for a terminal: totals first, then one line per GPU count.
impl fmt::Display for TraceStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "jobs         {}", self.jobs)?;
        writeln!(
            f,
            "submit span  {:.0} s ({:.2} days), from {:.0} s to {:.0} s",
            self.submit_span_s, self.submit_span_days, self.first_submit_s, self.last_submit_s
        )?;
        writeln!(
            f,
            "last end     {:.0} s, if every job starts at submission",
            self.last_end_s
        )?;
        writeln!(f, "GPU-hours    {:.1}", self.gpu_hours)?;
        writeln!(f)?;
        writeln!(
            f,
            "{:>6} {:>10} {:>8} {:>14}",
            "GPUs", "jobs", "share", "GPU-hours"
        )?;
        for size in &self.by_gpus {
            writeln!(
                f,
                "{:>6} {:>10} {:>7.2}% {:>14.1}",
                size.gpus,
                size.jobs,
                size.share * 100.0,
                size.gpu_hours
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(submit_s: f64, gpus: u32, duration_s: f64) -> TraceRecord {
        TraceRecord {
            job_id: format!("j{submit_s}"),
            submit_s,
            gpus,
            duration_s,
            ..TraceRecord::default()
        }
    }

    #[test]
    fn stats_sum_sizes_and_span() {
        let records = [
            job(100.0, 1, 3600.0),
            job(0.0, 8, 1800.0),
            job(172_800.0, 1, 7200.0),
            job(50.0, 2, 90.0),
        ];
        let stats = TraceStats::from_records(&records);
        assert_eq!(stats.jobs, 4);
        assert_eq!(stats.first_submit_s, 0.0);
        assert_eq!(stats.last_submit_s, 172_800.0);
        // 172800 s / 86400 s per day = 2 days.
        assert_eq!(stats.submit_span_days, 2.0);
        // 172800 + 7200 = 180000, later than 0 + 1800 and 100 + 3600.
        assert_eq!(stats.last_end_s, 180_000.0);
        // (1 * 3600 + 8 * 1800 + 1 * 7200 + 2 * 90) / 3600 = (3600 + 14400 + 7200 + 180) / 3600
        // = 25380 / 3600 = 7.05 h.
        assert!((stats.gpu_hours - 7.05).abs() < 1e-9, "{}", stats.gpu_hours);
        let sizes: Vec<(u32, u64)> = stats.by_gpus.iter().map(|s| (s.gpus, s.jobs)).collect();
        assert_eq!(sizes, vec![(1, 2), (2, 1), (8, 1)]);
        assert_eq!(stats.by_gpus[0].share, 0.5);
        // (3600 + 7200) / 3600 = 3 h for the 1-GPU jobs.
        assert!((stats.by_gpus[0].gpu_hours - 3.0).abs() < 1e-9);
    }

    #[test]
    fn stats_table_lists_each_size() {
        let text =
            TraceStats::from_records(&[job(0.0, 4, 3600.0), job(86_400.0, 1, 60.0)]).to_string();
        assert!(text.contains("jobs         2"), "{text}");
        assert!(text.contains("86400 s (1.00 days)"), "{text}");
        // 4 * 3600 / 3600 + 1 * 60 / 3600 = 4.0167 h.
        assert!(text.contains("GPU-hours    4.0"), "{text}");
        assert!(
            text.contains("     4          1   50.00%            4.0"),
            "{text}"
        );
    }

    #[test]
    fn stats_of_empty_trace_are_zero() {
        let stats = TraceStats::from_records(&[]);
        assert_eq!(stats.jobs, 0);
        assert_eq!(stats.submit_span_s, 0.0);
        assert_eq!(stats.gpu_hours, 0.0);
        assert!(stats.by_gpus.is_empty());
    }
}
