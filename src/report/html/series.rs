//! Reads a run's time series CSV (`series/run-<id>.csv` of a sweep): `time_s`, then
//! `plane.<name>.queue_jobs`, `plane.<name>.gpus_busy` and `plane.<name>.nodes_up` per plane,
//! `link.<name>.gbps` per link, and the cumulative `cost_usd`.

use std::path::{Path, PathBuf};

/// One named column of a time series.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The plane or link name from the column header.
    pub name: String,
    pub values: Vec<f64>,
}

/// The columns of a series CSV that the report draws.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSeries {
    pub time_s: Vec<f64>,
    /// Mean link throughput over each interval, Gbps, one column per link.
    pub link_gbps: Vec<Column>,
    /// Jobs queued, one column per plane.
    pub queue_jobs: Vec<Column>,
}

/// A series CSV that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SeriesError {
    #[error(
        "time series {path} not found; expected the file `burstplane sweep` writes for the run \
         (sweeps write series unless told not to)"
    )]
    Missing { path: PathBuf },
    #[error("failed to read time series {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error(
        "invalid time series {path}: {problem}; expected the CSV of `burstplane sweep` with the \
         columns time_s, plane.NAME.queue_jobs, link.NAME.gbps and cost_usd"
    )]
    Invalid { path: PathBuf, problem: String },
}

/// Reads the time series CSV at `path`.
///
/// # Errors
/// [`SeriesError::Missing`] when the file does not exist, [`SeriesError::Read`] when it cannot
/// be read as CSV, and [`SeriesError::Invalid`] when it lacks `time_s` or contains a cell that
/// is not a number.
pub fn read_series(path: &Path) -> Result<TimeSeries, SeriesError> {
    if !path.is_file() {
        return Err(SeriesError::Missing {
            path: path.to_path_buf(),
        });
    }
    let read_error = |source| SeriesError::Read {
        path: path.to_path_buf(),
        source,
    };
    let invalid = |problem: String| SeriesError::Invalid {
        path: path.to_path_buf(),
        problem,
    };
    let mut reader = csv::Reader::from_path(path).map_err(read_error)?;
    let header: Vec<String> = reader
        .headers()
        .map_err(read_error)?
        .iter()
        .map(str::to_string)
        .collect();
    let time_column = header
        .iter()
        .position(|name| name == "time_s")
        .ok_or_else(|| invalid("no `time_s` column".to_string()))?;

    // Each drawn column: its index in the CSV, where it goes, and its name.
    let mut links = Vec::new();
    let mut queues = Vec::new();
    for (index, name) in header.iter().enumerate() {
        if let Some(link) = name
            .strip_prefix("link.")
            .and_then(|rest| rest.strip_suffix(".gbps"))
        {
            links.push((index, link.to_string()));
        } else if let Some(plane) = name
            .strip_prefix("plane.")
            .and_then(|rest| rest.strip_suffix(".queue_jobs"))
        {
            queues.push((index, plane.to_string()));
        }
    }

    let mut series = TimeSeries {
        time_s: Vec::new(),
        link_gbps: links
            .iter()
            .map(|(_, name)| Column {
                name: name.clone(),
                values: Vec::new(),
            })
            .collect(),
        queue_jobs: queues
            .iter()
            .map(|(_, name)| Column {
                name: name.clone(),
                values: Vec::new(),
            })
            .collect(),
    };

    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(read_error)?;
        // Line 1 is the header.
        let line = line + 2;
        let number = |index: usize| -> Result<f64, SeriesError> {
            let cell = record.get(index).unwrap_or("");
            cell.parse::<f64>().map_err(|_| {
                invalid(format!(
                    "line {line}, column `{}`: `{cell}` is not a number",
                    header[index]
                ))
            })
        };
        series.time_s.push(number(time_column)?);
        for ((index, _), column) in links.iter().zip(&mut series.link_gbps) {
            column.values.push(number(*index)?);
        }
        for ((index, _), column) in queues.iter().zip(&mut series.queue_jobs) {
            column.values.push(number(*index)?);
        }
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run-0.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn columns_are_found_by_name() {
        let (_dir, path) = write(
            "time_s,plane.onprem.queue_jobs,plane.onprem.gpus_busy,plane.onprem.nodes_up,\
             plane.eks.queue_jobs,plane.eks.gpus_busy,plane.eks.nodes_up,link.ontap-fsx.gbps,\
             cost_usd\n60,3,8,1,0,0,0,2.5,1.25\n120,1,8,1,2,8,1,10,2.5\n",
        );
        let series = read_series(&path).unwrap();
        assert_eq!(series.time_s, [60.0, 120.0]);
        assert_eq!(series.link_gbps.len(), 1);
        assert_eq!(series.link_gbps[0].name, "ontap-fsx");
        assert_eq!(series.link_gbps[0].values, [2.5, 10.0]);
        let planes: Vec<&str> = series.queue_jobs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(planes, ["onprem", "eks"]);
        assert_eq!(series.queue_jobs[1].values, [0.0, 2.0]);
    }

    #[test]
    fn bad_series_are_rejected() {
        let missing = read_series(Path::new("/nonexistent/run-9.csv")).unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("/nonexistent/run-9.csv not found"),
            "{missing}"
        );
        let (_dir, path) = write("t,cost_usd\n1,2\n");
        let no_time = read_series(&path).unwrap_err().to_string();
        assert!(no_time.contains("no `time_s` column"), "{no_time}");
        let (_dir, path) = write("time_s,link.a-b.gbps\n1,fast\n");
        let text = read_series(&path).unwrap_err().to_string();
        assert!(
            text.contains("line 2, column `link.a-b.gbps`: `fast`"),
            "{text}"
        );
    }
}
