//! Machine-readable and visual outputs of a run, each with a documented,
//! stable shape (`docs/outputs.md`): JSON, tidy CSV, a latency percentile
//! CSV, a timeline CSV, Markdown, JUnit XML, SVG charts and a
//! self-contained HTML page. `write_all` writes them all into a directory,
//! each file atomically.

mod baseline;
mod csv_out;
mod html;
mod json;
mod junit;
mod markdown;
mod svg;

pub use baseline::{BaselineError, check_baseline_of, compare_with_baseline};
pub use csv_out::{latency_csv, summary_csv, timeline_csv};
pub use html::html_report;
pub(crate) use html::{CHECK_SCRIPT, STYLE, pct};
pub use json::{JSON_SCHEMA_ID, report_json};
pub use junit::junit_xml;
pub use markdown::markdown_summary;
pub(crate) use svg::{
    LOG_TIME_TICKS, PALETTE, Panel, document, legend, legend_size, nice_ticks, text_width,
    tick_decimals, time_label,
};
pub use svg::{latency_cdf_svg, outcomes_svg, timeline_svg};

use crate::output::{WriteError, write_atomic};
use crate::report::RunResults;
use crate::scenario::Scenario;
use std::path::Path;

/// Everything an export needs: the scenario, the results and the order in
/// which variants are shown (the first is the reference).
pub struct Run<'a> {
    pub scenario: &'a Scenario,
    pub results: &'a RunResults,
    pub order: &'a [usize],
    /// The human report, as printed.
    pub text: &'a str,
}

impl Run<'_> {
    /// For a measured run (`serve`, `load`): what it measured.
    pub fn measurement(&self) -> Option<&crate::report::Measurement> {
        self.results.measurement.as_deref()
    }

    /// The replications the report covers, as headers state them.
    pub fn replications(&self) -> u32 {
        match self.measurement() {
            Some(_) => 1,
            None => self.scenario.replications,
        }
    }
}

impl Run<'_> {
    /// The simulated variants in display order: index, name and report.
    pub fn shown(&self) -> impl Iterator<Item = (usize, &str, &crate::report::Report)> + '_ {
        self.order.iter().filter_map(|&i| {
            self.results.reports[i]
                .as_ref()
                .map(|r| (i, self.results.names[i].as_str(), r))
        })
    }
}

/// One output format: its name, its file under `--out DIR`, and how it
/// is rendered. The one list of formats; the command line's single-format
/// flags name formats from it.
pub struct Format {
    pub name: &'static str,
    pub file: &'static str,
    pub render: fn(&Run) -> String,
}

fn pretty_json(run: &Run) -> String {
    serde_json::to_string_pretty(&report_json(run)).expect("JSON values serialise") + "\n"
}

/// Every format, in the order `--out` writes them.
pub const FORMATS: &[Format] = &[
    Format {
        name: "text",
        file: "report.txt",
        render: |run| run.text.to_string(),
    },
    Format {
        name: "json",
        file: "report.json",
        render: pretty_json,
    },
    Format {
        name: "csv",
        file: "summary.csv",
        render: summary_csv,
    },
    Format {
        name: "latency-csv",
        file: "latency.csv",
        render: latency_csv,
    },
    Format {
        name: "timeline-csv",
        file: "timeline.csv",
        render: timeline_csv,
    },
    Format {
        name: "markdown",
        file: "summary.md",
        render: markdown_summary,
    },
    Format {
        name: "junit",
        file: "junit.xml",
        render: junit_xml,
    },
    Format {
        name: "latency-svg",
        file: "latency.svg",
        render: latency_cdf_svg,
    },
    Format {
        name: "outcomes-svg",
        file: "outcomes.svg",
        render: outcomes_svg,
    },
    Format {
        name: "timeline-svg",
        file: "timeline.svg",
        render: timeline_svg,
    },
    Format {
        name: "html",
        file: "report.html",
        render: html_report,
    },
];

/// The format called `name`.
pub fn format(name: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.name == name)
}

/// Writes every output format into `dir` (created if needed).
pub fn write_all(dir: &Path, run: &Run) -> Result<Vec<String>, WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError {
        path: dir.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    for format in FORMATS {
        let path = dir.join(format.file);
        write_atomic(&path, (format.render)(run).as_bytes())?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// A name as one path segment: letters, digits, `-`, `_` and inner dots
/// kept, anything else (`/`, `\\`, `..`, spaces) replaced by `_`.
pub fn safe_file_name(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
            _ => '_',
        })
        .collect();
    let trimmed = mapped.trim_start_matches('.');
    if trimmed.is_empty() {
        "scenario".into()
    } else {
        trimmed.to_string()
    }
}

/// Escapes text for XML and HTML (elements and attributes).
pub(crate) fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A finite number, or `None` (JSON null, an empty CSV cell).
pub(crate) fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
