//! The command line: argument parsing and dispatch to the library, with the
//! documented exit codes (0 ok, 1 an expectation failed, 2 invalid input or
//! usage, 3 other failure).

use crate::output::{write_atomic, write_output};
use crate::progress::{Progress, ProgressBar};
use crate::report::{render_comparison, render_run};
use crate::scenario::{self, Override, STARTER_SCENARIO, Scenario};
use crate::shard::{self, Recipe, Shard};
use crate::simulation::run_selected;
use crate::{Error, RunResults, export, simulate_variants_reporting};
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
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
    /// Run only shard I of N (0-based) of the replications and write a
    /// partial result to -o for `simsms merge` (docs/scale.md).
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
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
    /// Simulate a grid of settings: --set KEY=V1,V2,... (repeatable).
    Sweep {
        /// Scenario file (TOML).
        file: PathBuf,
        /// A swept key and its values, e.g. providers.aggregator.tps=10/s,50/s,200/s
        #[arg(long = "set", value_name = "KEY=V1,V2,...", required = true)]
        set: Vec<String>,
        /// Override the replications at every point.
        #[arg(long, short = 'r')]
        replications: Option<u32>,
        /// Override the seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores).
        #[arg(long, short = 'j')]
        threads: Option<usize>,
        /// Write the tidy CSV here ("-" for stdout). Without it, stdout gets
        /// the CSV when piped and a compact table on a terminal.
        #[arg(long, value_name = "FILE")]
        csv: Option<String>,
        /// Run only shard I of N (0-based) of the points; the partial result
        /// goes to -o.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Where a shard writes its partial result ("-" for stdout).
        #[arg(long, short = 'o', default_value = "-")]
        output: String,
    },
    /// Merge partial results of --shard runs into the report the unsharded
    /// run prints.
    Merge {
        /// Partial result files, one per shard.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Write the report here ("-" for stdout).
        #[arg(long, short = 'o', default_value = "-")]
        output: String,
        /// For merged sweeps: write the tidy CSV here.
        #[arg(long, value_name = "FILE")]
        csv: Option<String>,
    },
    /// Measure performance (see docs/performance.md).
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
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

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Engine hold model (pop, push at now + Exp) at 1k, 100k and 1M
    /// pending events: the 4-ary heap against std's BinaryHeap.
    Engine {
        /// Operations per measurement.
        #[arg(long, default_value_t = 5_000_000)]
        operations: u64,
    },
    /// An M/M/1 queue on the engine, for the SimPy comparison in bench/.
    Mm1 {
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        #[arg(long, default_value_t = 0.9)]
        lambda: f64,
        #[arg(long, default_value_t = 1.0)]
        mu: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Sessions per second on scenarios (the scenario's own routing only).
    Scenarios {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Threads (default: 1, i.e. per core).
        #[arg(long, short = 'j', default_value_t = 1)]
        threads: usize,
        /// Override the replications.
        #[arg(long, short = 'r')]
        replications: Option<u32>,
        /// Runs per scenario; the fastest is reported (this machine's speed
        /// varies from moment to moment).
        #[arg(long, default_value_t = 3)]
        repeat: u32,
    },
}

fn bench(what: BenchCommand) -> Result<u8, Error> {
    match what {
        BenchCommand::Engine { operations } => {
            println!(
                "hold model: pop earliest, push at now + Exp(1 s); {operations} operations each"
            );
            println!(
                "{:>10}  {:>16}  {:>16}  {:>7}",
                "pending", "4-ary heap ev/s", "BinaryHeap ev/s", "ratio"
            );
            for pending in [1_000, 100_000, 1_000_000] {
                // Best of three: this machine's speed varies from moment to moment.
                let runs: Vec<_> = (0..3)
                    .map(|_| crate::bench::hold_model(pending, operations))
                    .collect();
                let mut r = crate::bench::hold_model(pending, 1);
                r.quaternary_per_sec = runs
                    .iter()
                    .map(|x| x.quaternary_per_sec)
                    .fold(0.0, f64::max);
                r.binary_per_sec = runs.iter().map(|x| x.binary_per_sec).fold(0.0, f64::max);
                println!(
                    "{:>10}  {:>14.2}M  {:>14.2}M  {:>6.2}x",
                    r.pending,
                    r.quaternary_per_sec / 1e6,
                    r.binary_per_sec / 1e6,
                    r.quaternary_per_sec / r.binary_per_sec
                );
            }
        }
        BenchCommand::Mm1 {
            customers,
            lambda,
            mu,
            seed,
        } => {
            if !(lambda > 0.0 && mu > lambda) {
                return Err(Error::Usage("M/M/1 needs 0 < lambda < mu".into()));
            }
            let r = crate::bench::mm1(customers, lambda, mu, seed);
            println!(
                "simsms M/M/1: {} customers, {} events in {:.3} s ({:.2}M events/s, {:.3} us/customer); mean wait {:.4} (theory rho/(mu(1-rho)) = {:.4})",
                r.customers,
                r.events,
                r.seconds,
                r.events as f64 / r.seconds / 1e6,
                r.seconds / r.customers as f64 * 1e6,
                r.mean_wait,
                r.theory
            );
        }
        BenchCommand::Scenarios {
            files,
            threads,
            replications,
            repeat,
        } => {
            for file in files {
                let mut sc = scenario::load(&file)?;
                if let Some(r) = replications {
                    sc.set_replications(r.max(1));
                }
                let mut best = f64::INFINITY;
                let mut report = None;
                for _ in 0..repeat.max(1) {
                    let started = Instant::now();
                    report = Some(crate::simulate(
                        &sc,
                        &file.display().to_string(),
                        threads.max(1),
                    ));
                    best = best.min(started.elapsed().as_secs_f64());
                }
                let report = report.expect("at least one run");
                let seconds = best;
                let sessions = report.merged.total_sessions();
                println!(
                    "{}: {sessions} sessions, {} messages in {seconds:.3} s on {threads} thread(s): {:.2}M sessions/s",
                    file.display(),
                    report.merged.total_messages(),
                    sessions as f64 / seconds / 1e6
                );
            }
        }
    }
    Ok(0)
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
    let text = read_text(&sim.file)?;
    let sc = build_scenario(
        &text,
        &sim.file.display().to_string(),
        &sim.set,
        sim.seed,
        sim.replications,
    )?;
    let threads = sim.threads.unwrap_or_else(default_threads);
    if threads == 0 {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    Ok((sc, threads))
}

fn read_text(path: &std::path::Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Validates scenario text with the command line's settings applied.
fn build_scenario(
    text: &str,
    source: &str,
    sets: &[String],
    seed: Option<u64>,
    replications: Option<u32>,
) -> Result<Scenario, Error> {
    let overrides = sets
        .iter()
        .map(|s| Override::parse(s).map_err(Error::Usage))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sc = scenario::parse_with(text, source, &overrides).map_err(Error::Scenario)?;
    if let Some(seed) = seed {
        sc.set_seed(seed);
    }
    if let Some(r) = replications {
        if r == 0 {
            return Err(Error::Usage("--replications must be at least 1".into()));
        }
        sc.set_replications(r);
    }
    Ok(sc)
}

fn parse_shard(text: &Option<String>) -> Result<Option<Shard>, Error> {
    text.as_deref()
        .map(|t| Shard::parse(t).map_err(Error::Usage))
        .transpose()
}

/// Runs this shard's replications of the needed variants and writes the
/// partial result.
fn run_shard(
    sim: &SimArgs,
    sc: &Scenario,
    threads: usize,
    order: &[usize],
    command: &str,
    alternatives: &[String],
    shard: Shard,
) -> Result<u8, Error> {
    let recipe = Recipe {
        command: command.to_string(),
        source: sim.file.display().to_string(),
        scenario_text: read_text(&sim.file)?,
        sets: sim.set.clone(),
        seed: sim.seed,
        replications: sim.replications,
        alternatives: alternatives.to_vec(),
    };
    let mut items = Vec::new();
    for (v, need) in crate::needed_variants(sc, order).into_iter().enumerate() {
        if need {
            let variant = sc.variant(v);
            let reps = shard.select(variant.replications);
            run_selected(variant, threads, &reps, None, |r, m| {
                items.push(shard::item_json(v, r, &m))
            });
        }
    }
    let doc = shard::partial_json(&recipe, shard, items);
    write_output(
        &sim.output,
        &(serde_json::to_string(&doc).expect("JSON values serialise") + "\n"),
    )?;
    eprintln!(
        "simsms: wrote shard {}/{} of {}",
        shard.index, shard.count, recipe.source
    );
    Ok(0)
}

/// Folds one unit's replications, in order, into a report; all of
/// `0..replications` must be there.
fn aggregate(
    sc: &Scenario,
    source: &str,
    items: &[&shard::Item],
) -> Result<crate::report::Report, Error> {
    let reps: Vec<u32> = items.iter().map(|i| i.replication).collect();
    if reps != (0..sc.replications).collect::<Vec<_>>() {
        return Err(Error::Usage(format!(
            "the parts hold replications {reps:?} of a unit, expected 0..{}",
            sc.replications
        )));
    }
    let mut aggregator = crate::report::Aggregator::new(sc);
    for item in items {
        aggregator.add(item.metrics.clone());
    }
    Ok(aggregator.finish(source))
}

fn merge(parts: &[PathBuf], output: &str, csv: Option<String>) -> Result<u8, Error> {
    let texts = parts
        .iter()
        .map(|p| Ok((p.display().to_string(), read_text(p)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let (recipe, items) = shard::read_partials(&texts).map_err(Error::Usage)?;
    let of_unit = |u: usize| items.iter().filter(|i| i.unit == u).collect::<Vec<_>>();
    if recipe.command == "sweep" {
        let axes = recipe
            .sets
            .iter()
            .map(|s| crate::sweep::Axis::parse(s).map_err(Error::Usage))
            .collect::<Result<Vec<_>, _>>()?;
        let mut points = Vec::new();
        for (p, settings) in crate::sweep::grid(&axes).into_iter().enumerate() {
            let sets: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let sc = build_scenario(
                &recipe.scenario_text,
                &recipe.source,
                &sets,
                recipe.seed,
                recipe.replications,
            )?;
            let report = aggregate(&sc, &recipe.source, &of_unit(p))?;
            points.push(crate::sweep::Point {
                settings,
                scenario: sc,
                report,
            });
        }
        write_sweep(&axes, &points, csv)?;
        return Ok(0);
    }
    let sc = build_scenario(
        &recipe.scenario_text,
        &recipe.source,
        &recipe.sets,
        recipe.seed,
        recipe.replications,
    )?;
    let order = variant_order(&sc, &recipe.alternatives, &recipe.source)?;
    let mut reports = Vec::new();
    for (v, need) in crate::needed_variants(&sc, &order).into_iter().enumerate() {
        reports.push(if need {
            Some(aggregate(sc.variant(v), &recipe.source, &of_unit(v))?)
        } else {
            None
        });
    }
    let results = crate::results_from_reports(&sc, reports);
    let text = if recipe.command == "compare" {
        render_comparison(&sc, &results, &order)
    } else {
        render_run(&sc, &results)
    };
    write_output(output, &text)?;
    Ok(if results.all_passed() { 0 } else { 1 })
}

/// The variants `compare --alt` names, in order (all when none are named).
fn variant_order(sc: &Scenario, alternatives: &[String], file: &str) -> Result<Vec<usize>, Error> {
    let names = sc.alternative_names();
    if alternatives.is_empty() {
        return Ok((0..names.len()).collect());
    }
    alternatives
        .iter()
        .map(|a| {
            names.iter().position(|n| n == a).ok_or_else(|| {
                Error::Usage(format!(
                    "no alternative \"{a}\" in {file}; defined: {}",
                    names.join(", ")
                ))
            })
        })
        .collect()
}

/// Sweep output: the CSV to --csv (and the table to stdout), or, without
/// --csv, the table on a terminal and the CSV in a pipe.
fn write_sweep(
    axes: &[crate::sweep::Axis],
    points: &[crate::sweep::Point],
    csv: Option<String>,
) -> Result<(), Error> {
    let table = crate::sweep::sweep_table(axes, points);
    let csv_text = crate::sweep::sweep_csv(axes, points);
    match csv {
        Some(target) => {
            write_output(&target, &csv_text)?;
            if target != "-" {
                print!("{table}");
            }
        }
        None if std::io::stdout().is_terminal() => print!("{table}"),
        None => write_output("-", &csv_text)?,
    }
    Ok(())
}

/// Simulates the variants with a progress bar on a terminal, then reports
/// the speed on stderr.
fn simulate_with_progress(
    sc: &Scenario,
    sim: &SimArgs,
    threads: usize,
    wanted: &[usize],
    started: Instant,
) -> RunResults {
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::spawn(progress.clone());
    let results = simulate_variants_reporting(
        sc,
        &sim.file.display().to_string(),
        threads,
        wanted,
        Some(&progress),
    );
    drop(bar);
    report_speed(&results, started, threads);
    results
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
            if let Some(shard) = parse_shard(&sim.shard)? {
                return run_shard(&sim, &sc, threads, &all, "run", &[], shard);
            }
            let results = simulate_with_progress(&sc, &sim, threads, &all, started);
            let order: Vec<usize> = (0..results.names.len()).collect();
            finish_run(&sc, &sim, results, &order, false)
        }
        Command::Compare { sim, alternatives } => {
            let (sc, threads) = prepare(&sim)?;
            let order = variant_order(&sc, &alternatives, &sim.file.display().to_string())?;
            if order.len() < 2 && alternatives.is_empty() {
                return Err(Error::Usage(format!(
                    "{} defines no [alternatives.NAME] to compare; see docs/scenario.md",
                    sim.file.display()
                )));
            }
            if let Some(shard) = parse_shard(&sim.shard)? {
                return run_shard(&sim, &sc, threads, &order, "compare", &alternatives, shard);
            }
            let results = simulate_with_progress(&sc, &sim, threads, &order, Instant::now());
            finish_run(&sc, &sim, results, &order, true)
        }
        Command::Bench { what } => bench(what),
        Command::Merge { parts, output, csv } => merge(&parts, &output, csv),
        Command::Sweep {
            file,
            set,
            replications,
            seed,
            threads,
            csv,
            shard,
            output,
        } => {
            let axes = set
                .iter()
                .map(|s| crate::sweep::Axis::parse(s).map_err(Error::Usage))
                .collect::<Result<Vec<_>, _>>()?;
            let threads = threads.unwrap_or_else(default_threads).max(1);
            if let Some(shard) = parse_shard(&shard)? {
                let text = read_text(&file)?;
                let source = file.display().to_string();
                let recipe = Recipe {
                    command: "sweep".into(),
                    source: source.clone(),
                    scenario_text: text.clone(),
                    sets: set.clone(),
                    seed,
                    replications,
                    alternatives: Vec::new(),
                };
                let mut scenarios = Vec::new();
                for settings in crate::sweep::grid(&axes) {
                    let sets: Vec<String> =
                        settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    scenarios.push(build_scenario(&text, &source, &sets, seed, replications)?);
                }
                let mut items = Vec::new();
                for (p, sc) in scenarios
                    .iter()
                    .enumerate()
                    .filter(|(p, _)| shard.owns(*p as u32))
                {
                    let reps: Vec<u32> = (0..sc.replications).collect();
                    run_selected(sc, threads, &reps, None, |r, m| {
                        items.push(shard::item_json(p, r, &m))
                    });
                }
                let doc = shard::partial_json(&recipe, shard, items);
                write_output(
                    &output,
                    &(serde_json::to_string(&doc).expect("JSON values serialise") + "\n"),
                )?;
                return Ok(0);
            }
            let started = Instant::now();
            let points = crate::sweep::run_sweep(&file, &axes, replications, seed, threads)?;
            let sessions: u64 = points
                .iter()
                .map(|p| p.report.merged.total_sessions())
                .sum();
            let elapsed = started.elapsed().as_secs_f64();
            write_sweep(&axes, &points, csv)?;
            eprintln!(
                "simsms: {} points, {sessions} sessions in {elapsed:.2} s ({:.2}M sessions/s on {threads} threads)",
                points.len(),
                sessions as f64 / elapsed.max(1e-9) / 1e6
            );
            Ok(0)
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
