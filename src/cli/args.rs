//! Arguments several commands share, and the step from raw arguments to
//! checked ones (a scenario with its settings, a thread count, a shard).

use super::paths::Paths;
use crate::Error;
use crate::scenario::{self, Scenario, Settings};
use crate::shard::Shard;
use std::path::{Path, PathBuf};

/// What `run` and `compare` share.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Scenario file (TOML).
    pub file: PathBuf,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of replications.
    #[arg(long, short = 'r')]
    pub replications: Option<u32>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Write the report here ("-" for stdout).
    #[arg(long, short = 'o', default_value = "-")]
    pub output: String,
    /// Override a scenario key, e.g. --set providers.aggregator.tps=200/s
    /// (repeatable; key paths as in docs/scenario.md).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub exports: ExportArgs,
    /// Fail (exit 1) on regressions against this earlier JSON report.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Allowed regression against --baseline: rates may drop by this much
    /// (absolute), times to code and costs may grow by this fraction.
    #[arg(long, default_value_t = 0.01, requires = "baseline")]
    pub tolerance: f64,
    /// Run only shard I of N (0-based) of the replications and write a
    /// partial result to -o for `simsms merge` (docs/scale.md).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

/// Replications, seed and threads, for the commands that simulate many
/// scenarios in one pool (`sweep`, `sensitivity`).
#[derive(Debug, clap::Args)]
pub struct RunSettings {
    /// Override the replications of every simulated scenario.
    #[arg(long, short = 'r')]
    pub replications: Option<u32>,
    /// Override the seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
}

/// Where to write each export format (docs/outputs.md).
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Write every output format into DIR (default: simsms-out/<scenario name>/, which git ignores).
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub out: Option<Option<PathBuf>>,
    /// Write the JSON report here ("-" for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,
    /// Write the tidy summary CSV here ("-" for stdout).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<String>,
    /// Write the latency percentile spectrum CSV here.
    #[arg(long, value_name = "FILE")]
    pub latency_csv: Option<String>,
    /// Write the timeline CSV here.
    #[arg(long, value_name = "FILE")]
    pub timeline_csv: Option<String>,
    /// Write a Markdown summary here (for CI step summaries).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<String>,
    /// Write JUnit XML here, one test case per expectation.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<String>,
    /// Write a self-contained HTML report with charts here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<String>,
    /// Print every table whole, however wide. Without it, a report printed
    /// on a terminal splits wide tables into blocks that fit its width.
    #[arg(long)]
    pub wide: bool,
    /// `--by carrier`: every carrier gets its own answer lines (else those an expectation names).
    #[arg(long, value_name = "carrier", value_parser = ["carrier"])]
    pub by: Option<String>,
}

impl ExportArgs {
    /// The one export written to stdout ("-"), if any; two are an error.
    pub fn to_stdout(&self) -> Result<Option<&'static str>, Error> {
        let on_stdout: Vec<&'static str> = self
            .requested()
            .into_iter()
            .filter(|(_, target)| *target == "-")
            .map(|(name, _)| name)
            .collect();
        match on_stdout[..] {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            _ => Err(Error::Usage(format!(
                "only one output can go to stdout (\"-\"), got --{}",
                on_stdout.join(" and --")
            ))),
        }
    }

    /// Fits tables to the terminal when the report is printed on one and
    /// `--wide` is not given; files and pipes get every table whole.
    pub fn fit_tables(&self, output: &str) {
        use std::io::IsTerminal;
        let width = match (self.wide, output, std::io::stdout().is_terminal()) {
            (false, "-", true) => terminal_size::terminal_size().map_or(100, |(w, _)| w.0 as usize),
            _ => 0,
        };
        crate::report::set_table_width(width);
    }

    /// The report's `-o` (unless an export takes stdout from it) and
    /// every export, for `paths::Paths::check`; `name` is the scenario's,
    /// for `--out`'s default directory.
    pub fn add_paths(&self, mut paths: Paths, output: &str, name: &str) -> Result<Paths, Error> {
        if !(output == "-" && self.to_stdout()?.is_some()) {
            paths = paths.output("-o", output);
        }
        for (format, target) in self.requested() {
            paths = paths.output(&format!("--{format}"), target);
        }
        Ok(match &self.out {
            Some(Some(dir)) => paths.out_dir(dir),
            Some(None) => paths.out_dir(&super::paths::default_out_path(name)),
            None => paths,
        })
    }

    /// Whether any export or `--out` was asked for.
    pub fn any(&self) -> bool {
        self.out.is_some() || !self.requested().is_empty()
    }

    /// (format name in `export::FORMATS`, target) for each flag given.
    pub fn requested(&self) -> Vec<(&'static str, &str)> {
        let flags = [
            ("json", &self.json),
            ("csv", &self.csv),
            ("latency-csv", &self.latency_csv),
            ("timeline-csv", &self.timeline_csv),
            ("markdown", &self.markdown),
            ("junit", &self.junit),
            ("html", &self.html),
        ];
        flags
            .into_iter()
            .filter_map(|(name, target)| target.as_deref().map(|t| (name, t)))
            .collect()
    }
}

impl SimArgs {
    /// The flags a shard cannot honour, when `--shard` is given.
    pub fn check_shard_flags(&self) -> Result<(), Error> {
        if self.shard.is_none() {
            return Ok(());
        }
        shard_writes_only_its_part(&[
            (
                "export flags (--out, --json, --csv, ...)",
                self.exports.any(),
            ),
            ("--baseline", self.baseline.is_some()),
        ])
    }

    /// Checks every output path (and a baseline's scenario) before
    /// anything is simulated.
    /// `events`: `run --events`'s file, if given.
    pub fn check_paths(&self, sc: &Scenario, events: Option<&Path>) -> Result<(), Error> {
        let mut paths = Paths::default().input("scenario file", &self.file);
        if let Some(events) = events {
            paths = paths.output("--events", &events.display().to_string());
        }
        if let Some(baseline) = &self.baseline {
            paths = paths.input("baseline", baseline);
            super::paths::read_baseline(baseline, &sc.name)?;
        }
        if self.shard.is_some() {
            paths = paths.output("-o", &self.output);
        } else {
            paths = self.exports.add_paths(paths, &self.output, &sc.name)?;
        }
        paths.check()
    }

    pub fn source(&self) -> String {
        self.file.display().to_string()
    }

    pub fn settings(&self) -> Settings {
        Settings {
            sets: self.set.clone(),
            seed: self.seed,
            replications: self.replications,
        }
    }

    /// The scenario with the command line's settings, and the thread count.
    pub fn prepare(&self) -> Result<(Scenario, usize), Error> {
        let text = scenario::read(&self.file)?;
        let sc = self.settings().apply(&text, &self.source())?;
        Ok((sc, threads(self.threads)?))
    }
}

/// `--threads`, or every core.
pub fn threads(given: Option<usize>) -> Result<usize, Error> {
    match given {
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// `--shard I/N`, if given.
pub fn shard(text: &Option<String>) -> Result<Option<Shard>, Error> {
    Ok(text.as_deref().map(Shard::parse).transpose()?)
}

/// A shard writes only its partial result; report flags belong to `merge`.
pub fn shard_writes_only_its_part(ignored: &[(&str, bool)]) -> Result<(), Error> {
    let given: Vec<&str> = ignored
        .iter()
        .filter(|(_, on)| *on)
        .map(|(f, _)| *f)
        .collect();
    if given.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "--shard writes a partial result to -o; {} apply to the merged run: pass them to `simsms merge` (docs/scale.md)",
        given.join(", ")
    )))
}
