//! What `run`, `compare`, `merge` and `load` write: the baseline check, the text
//! report, every export the flags ask for, and shards' partial results.

use super::args::{ExportArgs, SimArgs};
use super::paths::{DEFAULT_OUT, default_out_path, read_baseline};
use crate::Error;
use crate::export::{self, Run};
use crate::output::write_output;
use crate::report::{RunResults, render_comparison, render_run};
use crate::runner::Runner;
use crate::scenario::Scenario;
use crate::shard::{Recipe, Shard, run_shard};
use std::path::{Path, PathBuf};

/// Checks against the baseline, renders and writes every requested output;
/// returns the exit code.
pub fn finish(
    sc: &Scenario,
    sim: &SimArgs,
    mut results: RunResults,
    order: &[usize],
    compare: bool,
) -> Result<u8, Error> {
    if let Some(path) = &sim.baseline {
        if !(sim.tolerance.is_finite() && sim.tolerance >= 0.0) {
            return Err(Error::Usage(format!(
                "--tolerance must be a finite non-negative number, got {}",
                sim.tolerance
            )));
        }
        let verdicts = check_baseline(sc, &results, order, path, sim.tolerance)?;
        results.verdicts.extend(verdicts);
    }
    results.by_carrier = sim.exports.by.is_some();
    write_reports(sc, &results, order, compare, &sim.output, &sim.exports)?;
    Ok(if results.all_passed() { 0 } else { 1 })
}

fn check_baseline(
    sc: &Scenario,
    results: &RunResults,
    order: &[usize],
    path: &Path,
    tolerance: f64,
) -> Result<Vec<crate::report::Verdict>, Error> {
    let baseline = read_baseline(path, &sc.name)?;
    let current = export::report_json(&Run {
        scenario: sc,
        results,
        order,
        text: "",
    });
    export::compare_with_baseline(&current, &baseline, tolerance).map_err(|source| {
        Error::Baseline {
            path: path.display().to_string(),
            source,
        }
    })
}

/// Renders the text report to `output` and every export asked for.
pub fn write_reports(
    sc: &Scenario,
    results: &RunResults,
    order: &[usize],
    compare: bool,
    output: &str,
    exports: &ExportArgs,
) -> Result<(), Error> {
    exports.fit_tables(output);
    let text = crate::report::wrap_to_table_width(if compare {
        render_comparison(sc, results, order)
    } else {
        render_run(sc, results)
    });
    write_rendered(sc, (results, order), text, output, exports)
}

/// As `write_reports` for one measured run (`serve`'s summary, `load`):
/// the report says what was measured instead of a simulation's header;
/// returns `run`'s exit code (1 when an expectation fails).
pub fn write_measured_run(
    sc: &Scenario,
    metrics: crate::metrics::Metrics,
    (source, measurement): (&str, crate::report::Measurement),
    output: &str,
    exports: &ExportArgs,
) -> Result<u8, Error> {
    exports.fit_tables(output);
    let mut aggregator = crate::report::Aggregator::new(sc);
    aggregator.add(metrics);
    let mut results = RunResults::measured(sc, aggregator.finish(source), measurement);
    results.by_carrier = exports.by.is_some();
    let text = crate::report::wrap_to_table_width(render_run(sc, &results));
    write_rendered(sc, (&results, &[0]), text, output, exports)?;
    Ok(if results.all_passed() { 0 } else { 1 })
}

/// Writes an already rendered text report to `output`, and every export
/// asked for.
pub fn write_rendered(
    sc: &Scenario,
    (results, order): (&RunResults, &[usize]),
    text: String,
    output: &str,
    exports: &ExportArgs,
) -> Result<(), Error> {
    let to_stdout = exports.to_stdout()?;
    // Only one output goes to stdout: an export asked for with "-" takes it.
    if !(output == "-" && to_stdout.is_some()) {
        write_output(output, &text)?;
    }
    let run = Run {
        scenario: sc,
        results,
        order,
        text: &text,
    };
    for (name, target) in exports.requested() {
        let format = export::format(name).expect("every flag names a format");
        write_output(target, &(format.render)(&run))?;
    }
    if let Some(dir) = &exports.out {
        let dir = match dir {
            Some(dir) => dir.clone(),
            None => default_out_dir(&sc.name)?,
        };
        let written = export::write_all(&dir, &run)?;
        eprintln!("simsms: wrote {} files to {}", written.len(), dir.display());
    }
    Ok(())
}

/// Where `--out` without a directory writes: `simsms-out/<name>/` in the
/// working directory. The scenario's name becomes one safe path segment,
/// and `simsms-out/` ignores itself in git, so neither a crafted name nor
/// a default run touches anything else (the reference reports in
/// `results/` included).
fn default_out_dir(name: &str) -> Result<PathBuf, Error> {
    let root = PathBuf::from(DEFAULT_OUT);
    let dir = default_out_path(name);
    std::fs::create_dir_all(&root).map_err(|e| Error::io(root.display(), e))?;
    let ignore = root.join(".gitignore");
    if !ignore.exists() {
        crate::output::write_atomic(
            &ignore,
            b"# written by simsms: nothing here is tracked\n*\n",
        )?;
    }
    Ok(dir)
}

/// Runs one shard of the recipe and writes its partial result to `-o`.
pub fn write_partial(
    sim: &SimArgs,
    recipe: Recipe,
    shard: Shard,
    threads: usize,
) -> Result<u8, Error> {
    let mut out = crate::output::StreamOutput::create(&sim.output)?;
    run_shard(&recipe, shard, &Runner::new(threads), &mut out)?;
    out.commit()?;
    eprintln!(
        "simsms: wrote shard {}/{} of {}",
        shard.index, shard.count, recipe.source
    );
    Ok(0)
}

/// Writes a load run's report and exports, as `run` does; returns `run`'s
/// exit code (1 when an expectation fails).
pub fn write_load_report(
    merged: &crate::load::partial::MergedLoad,
    output: &str,
    exports: &ExportArgs,
) -> Result<u8, Error> {
    let measurement = crate::load::figures::measurement(&merged.setup, merged.measured.as_ref());
    write_measured_run(
        &merged.scenario,
        merged.metrics.clone(),
        (&merged.source, measurement),
        output,
        exports,
    )
}

/// Writes `text` to stdout; a closed pipe or a full disk is an error (exit
/// 3), not a panic.
pub fn say(text: &str) -> Result<(), Error> {
    Ok(crate::output::write_output("-", text)?)
}
