//! `simsms fit`: read delivery records, estimate the scenario, write it
//! and the fit report; `--check` sets a scenario against the records.

use super::outputs::say;
use crate::Error;
use crate::fit::collect::Collected;
use crate::fit::estimates::Fit;
use crate::fit::read::carrier_map::CarrierMap;
use crate::fit::read::{Format, ReadOptions, read_file};
use crate::fit::scenario_out::Base;
use crate::fit::summary::Summary;
use crate::fit::written::{Written, assumed};
use crate::fit::{check, html, report};
use crate::partial::{Recipe, Shard};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Delivery records: simsms --events files (.csv, .jsonl), a CSV of
    /// your own, Twilio BulkExport day files (.gz) or a Kannel access log
    /// (.log); see docs/fit.md.
    #[arg(required = true, value_name = "RECORDS")]
    records: Vec<PathBuf>,
    /// Write the fitted scenario here (TOML; `simsms check` accepts it).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Take what the records cannot tell (SMSC retries, TPS, patience, ...)
    /// from this scenario instead of simsms's defaults.
    #[arg(long, value_name = "SCENARIO")]
    base: Option<PathBuf>,
    /// The records' format (default: from each file's name and header).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Map a column of your CSV: NAME=HEADER (repeatable), e.g.
    /// --column sent_at=created.
    #[arg(long = "column", value_name = "NAME=HEADER")]
    columns: Vec<String>,
    /// Number prefix → carrier table (CSV `prefix,carrier`), for records
    /// that do not name the carrier.
    #[arg(long, value_name = "FILE")]
    carrier_map: Option<PathBuf>,
    /// Simulate this scenario and say whether the records agree with it,
    /// per share and latency percentile (exit 1 when some do not).
    #[arg(long, value_name = "SCENARIO")]
    check: Option<PathBuf>,
    /// Also write fit.json, fit.md, fit.html (and check.json) into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Fit only the numbers shard I of N owns (every file is read) and
    /// write the partial result to -o; `simsms merge` adds the parts.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Threads for --check's simulation (default: all cores).
    #[arg(short = 'j', long)]
    threads: Option<usize>,
}

fn options(args: &FitArgs) -> Result<ReadOptions, Error> {
    let mut columns = Vec::new();
    for c in &args.columns {
        let Some((name, header)) = c.split_once('=') else {
            return Err(Error::Usage(format!(
                "--column {c}: expected NAME=HEADER, e.g. --column sent_at=created"
            )));
        };
        columns.push((name.trim().to_string(), header.to_string()));
    }
    crate::fit::read::generic::check_columns(&columns)
        .map_err(|e| Error::Usage(format!("--column: {e}")))?;
    Ok(ReadOptions {
        format: args.format,
        columns,
    })
}

/// Reads every file into one summary (of the shard's numbers, with one).
fn collect(args: &FitArgs, shard: Option<Shard>) -> Result<Summary, Error> {
    let options = options(args)?;
    let map = match &args.carrier_map {
        Some(path) => Some(CarrierMap::load(path).map_err(|e| Error::Usage(e.to_string()))?),
        None => None,
    };
    let mut collected = Collected::new(map, shard);
    for path in &args.records {
        read_file(path, &options, &mut collected).map_err(|e| match e {
            crate::fit::read::ReadError::Io { path, source } => Error::Io { path, source },
            other => Error::Usage(other.to_string()),
        })?;
    }
    if collected.records == 0 && shard.is_none() {
        return Err(Error::Usage(format!(
            "no usable record in {} ({} skipped: {}): nothing to fit",
            sources(args).join(", "),
            collected.skipped(),
            collected.skip_reasons()
        )));
    }
    Ok(collected.finish())
}

fn sources(args: &FitArgs) -> Vec<String> {
    args.records
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

/// The base scenario's text and table (validated first).
fn read_base(path: &Path) -> Result<(String, Base), Error> {
    let text = crate::scenario::read(path)?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    let base = Base {
        file: path.display().to_string(),
        table,
    };
    Ok((text, base))
}

/// How a fit was made, as every shard's part records it: parts made with
/// other files or options are refused by `merge` as mixed.
fn recipe(args: &FitArgs, base_text: &str) -> Recipe {
    let mut options: Vec<String> = args
        .columns
        .iter()
        .map(|c| format!("--column={c}"))
        .collect();
    if let Some(b) = &args.base {
        options.push(format!("--base={}", b.display()));
    }
    if let Some(m) = &args.carrier_map {
        options.push(format!("--carrier-map={}", m.display()));
    }
    if let Some(f) = args.format {
        options.push(format!("--format={f:?}"));
    }
    Recipe {
        command: "fit".into(),
        source: sources(args).join(", "),
        scenario_text: base_text.to_string(),
        sets: options,
        seed: None,
        replications: None,
        alternatives: Vec::new(),
    }
}

pub fn fit(args: FitArgs) -> Result<u8, Error> {
    if let Some(path) = &args.base {
        crate::scenario::load(path)?;
    }
    let base = args.base.as_deref().map(read_base).transpose()?;
    if let Some(spec) = &args.shard {
        let shard = Shard::parse(spec)?;
        let Some(output) = &args.output else {
            return Err(Error::Usage(
                "--shard writes a partial result: give it a file with -o (then simsms merge the parts)".into(),
            ));
        };
        if args.check.is_some() || args.out.is_some() {
            return Err(Error::Usage("--check and --out go with a whole fit, not with --shard: simsms merge the parts with --out DIR, then fit --check".into()));
        }
        let summary = collect(&args, Some(shard))?;
        let recipe = recipe(&args, base.as_ref().map_or("", |b| b.0.as_str()));
        let doc = crate::fit::partial::document(&recipe, shard, &summary);
        crate::output::write_atomic(output, crate::partial::part_text(&doc).as_bytes())?;
        eprintln!(
            "simsms: wrote shard {}/{} of the fit of {} ({} records)",
            shard.index, shard.count, recipe.source, summary.records
        );
        return Ok(0);
    }
    let checked = match &args.check {
        Some(path) => Some(crate::scenario::load(path)?),
        None => None,
    };
    let base_scenario = args
        .base
        .as_deref()
        .map(crate::scenario::load)
        .transpose()?;
    let fit = Fit::of(collect(&args, None)?, assumed(base_scenario.as_ref()));
    let sources = sources(&args);
    let mut code = 0;
    say(&report::text(&fit, &sources))?;
    let mut check_json = None;
    let mut checked_rows = None;
    if let (Some(sc), Some(path)) = (checked, &args.check) {
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let simulated = crate::runner::simulate(&sc, &path.display().to_string(), threads);
        let rows = check::compare(&fit, &simulated);
        if rows.is_empty() {
            return Err(Error::Usage(check::nothing_to_compare(&fit, path)));
        }
        say(&check::text(&rows, &sc.name, &fit))?;
        check_json = Some(check::json(&rows, &sc.name));
        if rows.iter().any(|r| !r.agrees) {
            code = 1;
        }
        checked_rows = Some((rows, sc.name));
    }
    let written = Written {
        base: base.as_ref().map(|b| &b.1),
        sources: &sources,
        scenario: args.output.as_deref(),
        out: args.out.as_deref(),
        check: check_json.as_ref(),
        checked: checked_rows.as_ref().map(|(rows, name)| html::Checked {
            scenario: name,
            rows,
        }),
    };
    written.write(&fit)?;
    say_written(&written)?;
    Ok(code)
}

/// `simsms merge` of a fit's parts: the report on stdout; with `--out
/// DIR`, fit.json, fit.md, fit.html and the fitted scenario `fitted.toml`
/// there.
pub fn merge_parts(
    recipe: &Recipe,
    texts: &[(String, String)],
    out: Option<&Path>,
) -> Result<u8, Error> {
    let merged = crate::fit::written::Merged::of(recipe, texts)?;
    say(&report::text(&merged.fit, &merged.sources))?;
    let scenario = out.map(|d| d.join("fitted.toml"));
    let written = Written {
        base: merged.base.as_ref(),
        sources: &merged.sources,
        scenario: scenario.as_deref(),
        out,
        check: None,
        checked: None,
    };
    written.write(&merged.fit)?;
    say_written(&written)?;
    Ok(0)
}

fn say_written(w: &Written) -> Result<(), Error> {
    if let Some(path) = w.scenario {
        say(&format!("fitted scenario: {}\n", path.display()))?;
    }
    Ok(())
}
