//! `simsms run` and `simsms compare`: simulate a scenario and its
//! alternatives on the same users, then report (or write one shard).

use super::args::{SimArgs, shard};
use super::outputs::{finish, write_partial};
use crate::Error;
use crate::progress::{Progress, ProgressBar};
use crate::records::{RUN_RECORDS_CAP, RecordWriter, record_run};
use crate::report::RunResults;
use crate::runner::Runner;
use crate::scenario::Scenario;
use crate::shard::Recipe;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    sim: SimArgs,
    /// Also write one record per message of the first replication (at
    /// most 1,000,000) to FILE: .csv or .jsonl (docs/outputs.md).
    #[arg(long, value_name = "FILE")]
    events: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    #[command(flatten)]
    sim: SimArgs,
    /// Alternatives to compare, in order; the first is the reference
    /// (default: the scenario itself, then every alternative).
    #[arg(long = "alt", value_name = "NAME")]
    alternatives: Vec<String>,
}

pub fn run(args: RunArgs) -> Result<u8, Error> {
    let sim = args.sim;
    sim.check_shard_flags()?;
    let (sc, threads) = sim.prepare()?;
    sim.check_paths(&sc, args.events.as_deref())?;
    let all: Vec<usize> = (0..=sc.alternatives.len()).collect();
    if let Some(shard) = shard(&sim.shard)? {
        if args.events.is_some() {
            return Err(Error::Usage(
                "--events goes with a whole run, not with --shard".into(),
            ));
        }
        return write_partial(&sim, recipe(&sim, "run", &[])?, shard, threads);
    }
    // Opened first: a bad path or extension fails before simulating.
    let records = match &args.events {
        Some(path) => Some(RecordWriter::create(path, Some(RUN_RECORDS_CAP))?),
        None => None,
    };
    let results = simulate(&sc, &sim, threads, &all);
    if let Some(writer) = records {
        let (writer, sent) = record_run(&Arc::new(sc.clone()), writer)?;
        let written = writer.finish()?;
        if written < sent {
            eprintln!(
                "simsms run: --events holds the first {written} of the {sent} messages of replication 1 (at most {RUN_RECORDS_CAP})"
            );
        }
    }
    finish(&sc, &sim, results, &all, false)
}

pub fn compare(args: CompareArgs) -> Result<u8, Error> {
    let sim = args.sim;
    sim.check_shard_flags()?;
    let (sc, threads) = sim.prepare()?;
    for (i, name) in args.alternatives.iter().enumerate() {
        if args.alternatives[..i].contains(name) {
            return Err(Error::Usage(format!("--alt {name} is given twice")));
        }
    }
    let order = sc.variant_order(&args.alternatives, &sim.source())?;
    sim.check_paths(&sc, None)?;
    if order.len() < 2 && args.alternatives.is_empty() {
        return Err(Error::Usage(format!(
            "{} defines no [alternatives.NAME] to compare; see docs/scenario.md",
            sim.file.display()
        )));
    }
    if let Some(shard) = shard(&sim.shard)? {
        let recipe = recipe(&sim, "compare", &args.alternatives)?;
        return write_partial(&sim, recipe, shard, threads);
    }
    let results = simulate(&sc, &sim, threads, &order);
    finish(&sc, &sim, results, &order, true)
}

/// How to rebuild this run from a partial result.
fn recipe(sim: &SimArgs, command: &str, alternatives: &[String]) -> Result<Recipe, Error> {
    Ok(Recipe {
        command: command.to_string(),
        source: sim.source(),
        scenario_text: crate::scenario::read(&sim.file)?,
        sets: sim.set.clone(),
        seed: sim.seed,
        replications: sim.replications,
        alternatives: alternatives.to_vec(),
    })
}

/// Simulates the variants with a progress bar on a terminal, then reports
/// the speed on stderr.
fn simulate(sc: &Scenario, sim: &SimArgs, threads: usize, wanted: &[usize]) -> RunResults {
    let started = Instant::now();
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::spawn(progress.clone());
    let results = Runner::new(threads)
        .with_progress(&progress)
        .variants(sc, &sim.source(), wanted);
    drop(bar);
    let elapsed = started.elapsed().as_secs_f64();
    let per_variant: Vec<u64> = results
        .simulated()
        .map(|(_, _, r)| r.merged.total_sessions())
        .collect();
    let sessions: u64 = per_variant.iter().sum();
    // The header counts one variant's sessions; say how this total is made.
    let made_of = match per_variant[..] {
        [_] => String::new(),
        [first, ..] if per_variant.iter().all(|&n| n == first) => format!(
            " ({} variants x {first}, the same users under each)",
            per_variant.len()
        ),
        _ => format!(" (over {} variants)", per_variant.len()),
    };
    eprintln!(
        "simsms: {sessions} sessions{made_of} in {elapsed:.2} s ({:.2}M sessions/s on {threads} threads)",
        sessions as f64 / elapsed.max(1e-9) / 1e6
    );
    results
}
