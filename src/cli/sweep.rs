//! `simsms sweep`: a grid of settings, each point simulated with its
//! replications; tidy CSV or a table (or one shard of the points).

use super::args::{RunSettings, shard, shard_writes_only_its_part, threads};
use super::outputs::say;
use crate::Error;
use crate::output::write_output;
use crate::progress::{Progress, ProgressBar};
use crate::runner::Runner;
use crate::scenario::{self, Settings};
use crate::shard::{Recipe, run_shard};
use crate::sweep::{Axis, Point, point_scenarios, run_sweep, sweep_csv, sweep_table};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML).
    file: PathBuf,
    /// A swept key and its values, e.g. providers.aggregator.tps=10/s,50/s,200/s
    #[arg(long = "set", value_name = "KEY=V1,V2,...", required = true)]
    set: Vec<String>,
    #[command(flatten)]
    run: RunSettings,
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
}

pub fn sweep(args: SweepArgs) -> Result<u8, Error> {
    let axes = args
        .set
        .iter()
        .map(|s| Axis::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, axis) in axes.iter().enumerate() {
        if axes[..i].iter().any(|a| a.key == axis.key) {
            return Err(Error::Usage(format!(
                "--set {} is given twice; give all its values in one: --set {}=V1,V2,...",
                axis.key, axis.key
            )));
        }
    }
    if args.shard.is_some() {
        shard_writes_only_its_part(&[("--csv", args.csv.is_some())])?;
    }
    let threads = threads(args.run.threads)?;
    let text = scenario::read(&args.file)?;
    let source = args.file.display().to_string();
    let base = Settings {
        sets: Vec::new(),
        seed: args.run.seed,
        replications: args.run.replications,
    };
    let points = point_scenarios(&text, &source, &axes, &base)?;
    if let Some(shard) = shard(&args.shard)? {
        let recipe = Recipe {
            command: "sweep".into(),
            source,
            scenario_text: text,
            sets: args.set.clone(),
            seed: args.run.seed,
            replications: args.run.replications,
            alternatives: Vec::new(),
        };
        let doc = run_shard(&recipe, shard, &Runner::new(threads))?;
        let text = serde_json::to_string(&doc).expect("JSON values serialise") + "\n";
        write_output(&args.output, &text)?;
        return Ok(0);
    }
    let started = Instant::now();
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::spawn(progress.clone());
    let runner = Runner::new(threads)
        .with_progress(&progress)
        .counting("point");
    let points = run_sweep(points, &source, &runner);
    drop(bar);
    let sessions: u64 = points
        .iter()
        .map(|p| p.report.merged.total_sessions())
        .sum();
    let elapsed = started.elapsed().as_secs_f64();
    write_sweep(&axes, &points, args.csv)?;
    eprintln!(
        "simsms: {} points, {sessions} sessions in {elapsed:.2} s ({:.2}M sessions/s on {threads} threads)",
        points.len(),
        sessions as f64 / elapsed.max(1e-9) / 1e6
    );
    Ok(0)
}

/// Sweep output: the CSV to --csv (and the table to stdout), or, without
/// --csv, the table on a terminal and the CSV in a pipe.
pub fn write_sweep(axes: &[Axis], points: &[Point], csv: Option<String>) -> Result<(), Error> {
    let table = sweep_table(axes, points);
    let csv_text = sweep_csv(axes, points);
    match csv {
        Some(target) => {
            write_output(&target, &csv_text)?;
            if target != "-" {
                say(&table)?;
            }
        }
        None if std::io::stdout().is_terminal() => say(&table)?,
        None => write_output("-", &csv_text)?,
    }
    Ok(())
}
