//! `burstplane report`: the capacity report of a sweep, as one self-contained HTML page of
//! charts and a markdown recommendation beside it. docs/report.md describes both.

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::report::html::{DEFAULT_TARGET_FACTOR, ReportOptions, build_report};
use crate::sweep::output::write_atomically;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Sweep output folders: the folder of one `burstplane sweep -o DIR`, or the shard folders
    /// of one grid (`--shard I/N`), which are merged.
    #[arg(value_name = "DIR", required = true)]
    dirs: Vec<PathBuf>,
    /// HTML file to write. The markdown recommendation goes beside it, with the extension
    /// changed to .md.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "report.html"
    )]
    output: PathBuf,
    /// p90 job completion time a recommended run must not exceed, seconds [default: the best
    /// p90 among the runs times 1.5].
    #[arg(long, value_name = "SECONDS", value_parser = parse_target, allow_negative_numbers = true)]
    target_p90_s: Option<f64>,
    /// Run id whose WAN throughput and queue depth over time the timeline chart shows
    /// [default: the recommended run].
    #[arg(long, value_name = "ID", allow_negative_numbers = true)]
    run: Option<usize>,
}

/// Parses `--target-p90-s`: seconds from 0.001 to 1e11, the longest a trace may span.
fn parse_target(value: &str) -> Result<f64, String> {
    let expected = "expected a number of seconds from 0.001 to 1e11, such as 7200";
    let seconds: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("not a number, {expected}"))?;
    if (0.001..=crate::trace::MAX_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(expected.to_string())
    }
}

/// Returns the markdown path beside the HTML file `output`.
fn markdown_path(output: &Path) -> anyhow::Result<PathBuf> {
    let is_md = output
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("md"));
    if is_md {
        bail!(
            "-o {} ends in .md, which is the name of the markdown beside the HTML; choose a \
             name such as report.html",
            output.display()
        );
    }
    Ok(output.with_extension("md"))
}

// The help of `--target-p90-s` states the factor.
const _: () = assert!(DEFAULT_TARGET_FACTOR == 1.5);

pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let markdown = markdown_path(&args.output)?;
    let inputs: Vec<&Path> = args.dirs.iter().map(PathBuf::as_path).collect();
    super::check_not_an_input(&args.output, "-o", &inputs)?;
    let options = ReportOptions {
        target_p90_s: args.target_p90_s,
        run: args.run,
    };
    let report = build_report(&args.dirs, &options)?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    write_atomically(&args.output, report.html.as_bytes())?;
    write_atomically(&markdown, report.markdown.as_bytes())?;
    super::print_stdout(&format!(
        "report written to {} and {}\n",
        args.output.display(),
        markdown.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_must_be_positive() {
        assert_eq!(parse_target("7200"), Ok(7200.0));
        for bad in ["0", "-5", "inf", "NaN", "soon", ""] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn markdown_sits_beside_html() {
        let path = markdown_path(Path::new("out/report.html")).unwrap();
        assert_eq!(path, Path::new("out/report.md"));
        assert_eq!(
            markdown_path(Path::new("report")).unwrap(),
            Path::new("report.md")
        );
        let error = markdown_path(Path::new("report.md"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("ends in .md"), "{error}");
    }
}
