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

pub use baseline::compare_with_baseline;
pub use csv_out::{latency_csv, summary_csv, timeline_csv};
pub use html::html_report;
pub use json::{JSON_SCHEMA_ID, report_json};
pub use junit::junit_xml;
pub use markdown::markdown_summary;
pub use svg::{latency_cdf_svg, outcomes_svg, timeline_svg};

use crate::output::write_atomic;
use crate::scenario::Scenario;
use crate::{Error, RunResults};
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
    /// The simulated variants in display order: index, name and report.
    pub fn shown(&self) -> impl Iterator<Item = (usize, &str, &crate::report::Report)> + '_ {
        self.order.iter().filter_map(|&i| {
            self.results.reports[i]
                .as_ref()
                .map(|r| (i, self.results.names[i].as_str(), r))
        })
    }
}

/// Writes every output format into `dir` (created if needed).
pub fn write_all(dir: &Path, run: &Run) -> Result<Vec<String>, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let files: Vec<(&str, String)> = vec![
        ("report.txt", run.text.to_string()),
        (
            "report.json",
            serde_json::to_string_pretty(&report_json(run)).expect("JSON values serialise") + "\n",
        ),
        ("summary.csv", summary_csv(run)),
        ("latency.csv", latency_csv(run)),
        ("timeline.csv", timeline_csv(run)),
        ("summary.md", markdown_summary(run)),
        ("junit.xml", junit_xml(run)),
        ("latency.svg", latency_cdf_svg(run)),
        ("outcomes.svg", outcomes_svg(run)),
        ("timeline.svg", timeline_svg(run)),
        ("report.html", html_report(run)),
    ];
    let mut written = Vec::new();
    for (name, contents) in files {
        let path = dir.join(name);
        write_atomic(&path, contents.as_bytes())?;
        written.push(path.display().to_string());
    }
    Ok(written)
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
