//! `simsms sensitivity`: vary each numeric input down and up, one at a
//! time, on common random numbers; rank them by their effect on a metric.

use super::args::{RunSettings, threads};
use super::paths::Paths;
use crate::Error;
use crate::output::write_output;
use crate::progress::{Progress, ProgressBar};
use crate::runner::Runner;
use crate::scenario::{self, Settings};
use crate::sensitivity::{Metric, Options, Plan, render_text, sensitivity_csv};
use crate::sensitivity::{tornado_html, tornado_svg};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Replications: the scenario's, at most 5 unless -r says otherwise (paired differences need fewer than levels; docs/sensitivity.md)."
)]
pub struct SensitivityArgs {
    /// Scenario file (TOML).
    file: PathBuf,
    /// The session metric to explain: otp_success, success_within_target,
    /// time_to_code_p50_s, time_to_code_p99_s, cost_per_success or
    /// sends_per_session.
    #[arg(long, default_value = "otp_success")]
    metric: String,
    /// How far each input moves down and up, e.g. 20% (or 0.2).
    #[arg(long, default_value = "20%")]
    by: String,
    /// Only these inputs: key paths (carriers.rakuten, carriers.*.intl_filter)
    /// or source labels in brackets ([G]); repeatable or comma-separated.
    #[arg(long, value_name = "KEY|[LABEL]", value_delimiter = ',')]
    only: Vec<String>,
    /// The metric for one carrier's sessions (default: all carriers).
    #[arg(long)]
    carrier: Option<String>,
    /// Measure an alternative instead of the scenario itself.
    #[arg(long = "alt", value_name = "NAME")]
    alternative: Option<String>,
    /// Override a scenario key before varying the others (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[command(flatten)]
    run: RunSettings,
    /// Write the ranked table here ("-" for stdout).
    #[arg(long, short = 'o', default_value = "-")]
    output: String,
    /// Write the tidy CSV here.
    #[arg(long, value_name = "FILE")]
    csv: Option<String>,
    /// Write the tornado chart as SVG here.
    #[arg(long, value_name = "FILE")]
    svg: Option<String>,
    /// Write a self-contained HTML page (chart and table) here.
    #[arg(long, value_name = "FILE")]
    html: Option<String>,
    /// Inputs drawn in the chart, largest swing first.
    #[arg(long, default_value_t = 20)]
    chart_rows: usize,
}

/// "20%" or "0.2" as a fraction.
fn fraction(text: &str) -> Result<f64, Error> {
    let bad = || {
        Error::Usage(format!(
            "--by expects a percentage such as 20% or 0.2, got \"{text}\""
        ))
    };
    let value = match text.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map_err(|_| bad())? / 100.0,
        None => text.trim().parse::<f64>().map_err(|_| bad())?,
    };
    if value.is_finite() {
        Ok(value)
    } else {
        Err(bad())
    }
}

pub fn sensitivity(args: SensitivityArgs) -> Result<u8, Error> {
    let metric = Metric::parse(&args.metric)?;
    let threads = threads(args.run.threads)?;
    let text = scenario::read(&args.file)?;
    let source = args.file.display().to_string();
    let settings = Settings {
        sets: args.set.clone(),
        seed: args.run.seed,
        replications: args.run.replications,
    };
    let variant = match &args.alternative {
        None => 0,
        Some(name) => {
            let sc = settings.apply(&text, &source)?;
            sc.variant_order(std::slice::from_ref(name), &source)?[0]
        }
    };
    let options = Options {
        by: fraction(&args.by)?,
        metric,
        carrier: args.carrier.clone(),
        variant,
        only: args.only.clone(),
    };
    let plan = Plan::new(&text, &source, &settings, options)?;
    // An export to stdout ("-") takes it from the table, as in `run`.
    let exports = [
        ("--csv", &args.csv),
        ("--svg", &args.svg),
        ("--html", &args.html),
    ];
    let export_on_stdout = exports.iter().any(|(_, t)| t.as_deref() == Some("-"));
    let mut paths = Paths::default().input("scenario file", &args.file);
    if !(args.output == "-" && export_on_stdout) {
        paths = paths.output("-o", &args.output);
    }
    for (flag, target) in exports {
        if let Some(target) = target {
            paths = paths.output(flag, target);
        }
    }
    paths.check()?;
    let inputs = plan.input_count();
    let started = Instant::now();
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::spawn(progress.clone());
    let runner = Runner::new(threads)
        .with_progress(&progress)
        .counting("setting");
    let analysis = plan.run(&runner);
    drop(bar);
    let elapsed = started.elapsed().as_secs_f64();
    for (target, contents) in [
        (&args.csv, sensitivity_csv(&analysis)),
        (&args.svg, tornado_svg(&analysis, args.chart_rows)),
        (&args.html, tornado_html(&analysis, args.chart_rows)),
    ] {
        if let Some(target) = target {
            write_output(target, &contents)?;
        }
    }
    if !(args.output == "-" && export_on_stdout) {
        write_output(&args.output, &render_text(&analysis))?;
    }
    eprintln!(
        "simsms: {inputs} inputs down and up, {} sessions in {elapsed:.1} s on {threads} threads",
        analysis.sessions
    );
    Ok(0)
}
