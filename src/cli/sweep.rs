//! `simsms sweep`: a grid of settings, each point simulated with its
//! replications; tidy CSV or a table (or one shard of the points).

use super::args::{RunSettings, shard, shard_writes_only_its_part, threads};
use super::outputs::say;
use super::paths::Paths;
use crate::Error;
use crate::output::StreamOutput;
use crate::progress::{Progress, ProgressBar};
use crate::runner::Runner;
use crate::scenario::{self, Settings};
use crate::shard::{Recipe, run_shard};
use crate::sweep::{Axis, Plan, Point, SweepTable, csv_header, csv_rows, run_streaming};
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
    /// Where a shard writes its partial result ("-" for stdout, the
    /// default); only with --shard (the CSV goes to --csv).
    #[arg(long, short = 'o')]
    output: Option<String>,
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
    } else if let Some(output) = &args.output {
        return Err(Error::Usage(format!(
            "sweep -o {output}: -o is where a --shard writes its partial result; write the sweep's CSV with --csv {output}"
        )));
    }
    let threads = threads(args.run.threads)?;
    let text = scenario::read(&args.file)?;
    let source = args.file.display().to_string();
    let base = Settings {
        sets: Vec::new(),
        seed: args.run.seed,
        replications: args.run.replications,
    };
    let plan = Plan::new(&text, &source, axes, base)?;
    if let Some(why) = plan.ineffective() {
        return Err(Error::Usage(why));
    }
    if plan.alternatives > 0 {
        eprintln!(
            "simsms: note: sweep simulates the scenario itself, not {}; to sweep a choice, sweep the key it changes, e.g. --set routing.provider=a,b",
            match plan.alternatives {
                1 => "its alternative".to_string(),
                n => format!("its {n} alternatives"),
            }
        );
    }
    let mut paths = Paths::default().input("scenario file", &args.file);
    paths = match (&args.shard, &args.csv) {
        (Some(_), _) => paths.output("-o", args.output.as_deref().unwrap_or("-")),
        (None, Some(csv)) => paths.output("--csv", csv),
        (None, None) => paths,
    };
    paths.check()?;
    if let Some(shard) = shard(&args.shard)? {
        let recipe = Recipe {
            command: "sweep".into(),
            source,
            scenario_text: text.clone(),
            sets: args.set.clone(),
            seed: args.run.seed,
            replications: args.run.replications,
            alternatives: Vec::new(),
        };
        let mut out = crate::output::StreamOutput::create(args.output.as_deref().unwrap_or("-"))?;
        run_shard(&recipe, shard, &Runner::new(threads), &mut out)?;
        out.commit()?;
        return Ok(0);
    }
    // The output is opened (and so checked) before anything runs.
    let mut sink = SweepSink::open(&plan.axes, args.csv)?;
    let started = Instant::now();
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::spawn(progress.clone());
    let runner = Runner::new(threads)
        .with_progress(&progress)
        .counting("point");
    let mut sessions = 0u64;
    run_streaming(&plan, &runner, |index, point| {
        sessions += point.report.merged.total_sessions();
        sink.point(index, &point)
    })?;
    drop(bar);
    let elapsed = started.elapsed().as_secs_f64();
    sink.finish()?;
    eprintln!(
        "simsms: {} points, {sessions} sessions in {elapsed:.2} s ({:.2}M sessions/s on {threads} threads)",
        plan.len(),
        sessions as f64 / elapsed.max(1e-9) / 1e6
    );
    Ok(0)
}

/// Where a sweep's points go as they finish: the CSV to --csv (and the
/// table to stdout at the end), or, without --csv, the table on a
/// terminal and the CSV in a pipe.
pub struct SweepSink {
    csv: Option<StreamOutput>,
    table: Option<SweepTable>,
}

impl SweepSink {
    /// Opens the CSV's output (a file's temporary file beside it) and
    /// writes its header.
    pub fn open(axes: &[Axis], csv: Option<String>) -> Result<SweepSink, Error> {
        let (csv, table) = match csv {
            Some(target) => (Some(target.clone()), target != "-"),
            None if std::io::stdout().is_terminal() => (None, true),
            None => (Some("-".to_string()), false),
        };
        let csv = match csv {
            Some(target) => {
                let mut out = StreamOutput::create(&target)?;
                out.write(csv_header(axes).as_bytes())?;
                Some(out)
            }
            None => None,
        };
        Ok(SweepSink {
            csv,
            table: table.then(|| SweepTable::new(axes)),
        })
    }

    /// Writes point `index`'s rows.
    pub fn point(&mut self, index: usize, point: &Point) -> Result<(), Error> {
        if let Some(csv) = &mut self.csv {
            csv.write(csv_rows(index, point).as_bytes())?;
            csv.flush()?;
        }
        if let Some(table) = &mut self.table {
            table.push(point);
        }
        Ok(())
    }

    /// Puts the CSV in place, then prints the table.
    pub fn finish(self) -> Result<(), Error> {
        if let Some(csv) = self.csv {
            csv.commit()?;
        }
        if let Some(table) = self.table {
            say(&table.render())?;
        }
        Ok(())
    }
}

/// Writes merged sweep points, as `sweep` does.
pub fn write_sweep(axes: &[Axis], points: &[Point], csv: Option<String>) -> Result<(), Error> {
    let mut sink = SweepSink::open(axes, csv)?;
    for (index, point) in points.iter().enumerate() {
        sink.point(index, point)?;
    }
    sink.finish()
}
