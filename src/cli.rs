//! The command line: argument parsing and dispatch to the library, with the
//! documented exit codes (0 ok, 1 an expectation failed, 2 invalid input or
//! usage, 3 other failure).

use crate::output::{write_atomic, write_output};
use crate::progress::{Progress, ProgressBar};
use crate::report::{render_comparison, render_run};
use crate::scenario::{self, Override, STARTER_SCENARIO, Scenario};
use crate::{Error, RunResults, export, simulate_variants_reporting};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(
    name = "simsms",
    version,
    about = "Simulate OTP SMS delivery: who gets their code, how fast, at what cost"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What `run` and `compare` share.
#[derive(Debug, clap::Args)]
struct SimArgs {
    /// Scenario file (TOML).
    file: PathBuf,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the number of replications.
    #[arg(long, short = 'r')]
    replications: Option<u32>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Write the report here ("-" for stdout).
    #[arg(long, short = 'o', default_value = "-")]
    output: String,
    /// Override a scenario key, e.g. --set providers.aggregator.tps=200/s
    /// (repeatable; key paths as in docs/scenario.md).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Write every output format into DIR (default: results/<scenario name>/).
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    out: Option<Option<PathBuf>>,
    /// Write the JSON report here ("-" for stdout).
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// Write the tidy summary CSV here ("-" for stdout).
    #[arg(long, value_name = "FILE")]
    csv: Option<String>,
    /// Write the latency percentile spectrum CSV here.
    #[arg(long, value_name = "FILE")]
    latency_csv: Option<String>,
    /// Write the timeline CSV here.
    #[arg(long, value_name = "FILE")]
    timeline_csv: Option<String>,
    /// Write a Markdown summary here (for CI step summaries).
    #[arg(long, value_name = "FILE")]
    markdown: Option<String>,
    /// Write JUnit XML here, one test case per expectation.
    #[arg(long, value_name = "FILE")]
    junit: Option<String>,
    /// Write a self-contained HTML report with charts here.
    #[arg(long, value_name = "FILE")]
    html: Option<String>,
    /// Fail (exit 1) on regressions against this earlier JSON report.
    #[arg(long, value_name = "REPORT.json")]
    baseline: Option<PathBuf>,
    /// Allowed regression against --baseline: rates may drop by this much
    /// (absolute), times to code and costs may grow by this fraction.
    #[arg(long, default_value_t = 0.01, requires = "baseline")]
    tolerance: f64,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario (and its alternatives) and print the report.
    Run {
        #[command(flatten)]
        sim: SimArgs,
    },
    /// Simulate alternatives on the same users and compare them per carrier.
    Compare {
        #[command(flatten)]
        sim: SimArgs,
        /// Alternatives to compare, in order; the first is the reference
        /// (default: the scenario itself, then every alternative).
        #[arg(long = "alt", value_name = "NAME")]
        alternatives: Vec<String>,
    },
    /// Validate scenario files without simulating.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a commented starter scenario.
    Init {
        /// Where to write it.
        #[arg(default_value = "scenario.toml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match execute(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprint!("{e}");
            if !e.to_string().ends_with('\n') {
                eprintln!();
            }
            ExitCode::from(e.exit_code())
        }
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Loads the scenario with the command line's overrides applied.
fn prepare(sim: &SimArgs) -> Result<(Scenario, usize), Error> {
    let overrides = sim
        .set
        .iter()
        .map(|s| Override::parse(s).map_err(Error::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sc = scenario::load_with(&sim.file, &overrides)?;
    if let Some(seed) = sim.seed {
        sc.set_seed(seed);
    }
    if let Some(r) = sim.replications {
        if r == 0 {
            return Err(Error::Usage("--replications must be at least 1".into()));
        }
        sc.set_replications(r);
    }
    let threads = sim.threads.unwrap_or_else(default_threads);
    if threads == 0 {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    Ok((sc, threads))
}

fn report_speed(results: &RunResults, started: Instant, threads: usize) {
    let elapsed = started.elapsed().as_secs_f64();
    let sessions: u64 = results
        .simulated()
        .map(|(_, _, r)| r.merged.total_sessions())
        .sum();
    eprintln!(
        "simsms: {sessions} sessions in {elapsed:.2} s ({:.2}M sessions/s on {threads} threads)",
        sessions as f64 / elapsed.max(1e-9) / 1e6
    );
}

/// Checks against the baseline, renders and writes every requested output;
/// returns the exit code.
fn finish_run(
    sc: &Scenario,
    sim: &SimArgs,
    mut results: RunResults,
    order: &[usize],
    compare: bool,
) -> Result<u8, Error> {
    if let Some(path) = &sim.baseline {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let baseline: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::Usage(format!("{}: not a JSON report: {e}", path.display())))?;
        let current = export::report_json(&export::Run {
            scenario: sc,
            results: &results,
            order,
            text: "",
        });
        let verdicts = export::compare_with_baseline(&current, &baseline, sim.tolerance)
            .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
        results.verdicts.extend(verdicts);
    }
    let text = if compare {
        render_comparison(sc, &results, order)
    } else {
        render_run(sc, &results)
    };
    let run = export::Run {
        scenario: sc,
        results: &results,
        order,
        text: &text,
    };
    write_output(&sim.output, &text)?;
    let json = || {
        serde_json::to_string_pretty(&export::report_json(&run)).expect("JSON values serialise")
            + "\n"
    };
    let outputs: [(&Option<String>, &dyn Fn() -> String); 7] = [
        (&sim.json, &json),
        (&sim.csv, &|| export::summary_csv(&run)),
        (&sim.latency_csv, &|| export::latency_csv(&run)),
        (&sim.timeline_csv, &|| export::timeline_csv(&run)),
        (&sim.markdown, &|| export::markdown_summary(&run)),
        (&sim.junit, &|| export::junit_xml(&run)),
        (&sim.html, &|| export::html_report(&run)),
    ];
    for (target, render) in outputs {
        if let Some(target) = target {
            write_output(target, &render())?;
        }
    }
    if let Some(dir) = &sim.out {
        let dir = dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("results").join(&sc.name));
        let written = export::write_all(&dir, &run)?;
        eprintln!("simsms: wrote {} files to {}", written.len(), dir.display());
    }
    Ok(if results.all_passed() { 0 } else { 1 })
}

fn execute(command: Command) -> Result<u8, Error> {
    match command {
        Command::Run { sim } => {
            let (sc, threads) = prepare(&sim)?;
            let started = Instant::now();
            let all: Vec<usize> = (0..=sc.alternatives.len()).collect();
            let progress = Arc::new(Progress::default());
            let bar = ProgressBar::spawn(progress.clone());
            let results = simulate_variants_reporting(
                &sc,
                &sim.file.display().to_string(),
                threads,
                &all,
                Some(&progress),
            );
            drop(bar);
            report_speed(&results, started, threads);
            let order: Vec<usize> = (0..results.names.len()).collect();
            finish_run(&sc, &sim, results, &order, false)
        }
        Command::Compare { sim, alternatives } => {
            let (sc, threads) = prepare(&sim)?;
            let names = sc.alternative_names();
            let order: Vec<usize> = if alternatives.is_empty() {
                (0..names.len()).collect()
            } else {
                alternatives
                    .iter()
                    .map(|a| {
                        names.iter().position(|n| n == a).ok_or_else(|| {
                            Error::Usage(format!(
                                "no alternative \"{a}\" in {}; defined: {}",
                                sim.file.display(),
                                names.join(", ")
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?
            };
            if order.len() < 2 && alternatives.is_empty() {
                return Err(Error::Usage(format!(
                    "{} defines no [alternatives.NAME] to compare; see docs/scenario.md",
                    sim.file.display()
                )));
            }
            let started = Instant::now();
            let progress = Arc::new(Progress::default());
            let bar = ProgressBar::spawn(progress.clone());
            let results = simulate_variants_reporting(
                &sc,
                &sim.file.display().to_string(),
                threads,
                &order,
                Some(&progress),
            );
            drop(bar);
            report_speed(&results, started, threads);
            finish_run(&sc, &sim, results, &order, true)
        }
        Command::Check { files } => {
            let mut worst = 0;
            for file in files {
                match scenario::load(&file) {
                    Ok(sc) => println!(
                        "ok: {} (\"{}\": {} providers, {} carriers, {} outages)",
                        file.display(),
                        sc.name,
                        sc.providers.len(),
                        sc.carriers.len(),
                        sc.outages.len()
                    ),
                    Err(e) => {
                        eprint!("{e}");
                        worst = worst.max(e.exit_code());
                    }
                }
            }
            Ok(worst)
        }
        Command::Init { path, force } => {
            if path.exists() && !force {
                return Err(Error::Usage(format!(
                    "{} already exists; pass --force to overwrite it",
                    path.display()
                )));
            }
            write_atomic(&path, STARTER_SCENARIO.as_bytes())?;
            println!(
                "wrote {}; try: simsms run {}",
                path.display(),
                path.display()
            );
            Ok(0)
        }
    }
}
