//! `simsms fit`: read delivery records, estimate the scenario, write it
//! and the fit report; `--check` sets a scenario against the records.

use super::outputs::say;
use crate::Error;
use crate::fit::collect::Collected;
use crate::fit::estimates::Fit;
use crate::fit::read::carrier_map::CarrierMap;
use crate::fit::read::{Format, ReadOptions, read_file};
use crate::fit::scenario_out::{self, Base};
use crate::fit::{check, report};
use std::path::PathBuf;

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
    /// Also write fit.json and fit.md (and check.json with --check) into
    /// this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
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
    Ok(ReadOptions {
        format: args.format,
        columns,
    })
}

/// Reads every file into one collection.
fn collect(args: &FitArgs) -> Result<Fit, Error> {
    let options = options(args)?;
    let map = match &args.carrier_map {
        Some(path) => Some(CarrierMap::load(path).map_err(|e| Error::Usage(e.to_string()))?),
        None => None,
    };
    let mut collected = Collected::new(map);
    for path in &args.records {
        read_file(path, &options, &mut collected).map_err(|e| match e {
            crate::fit::read::ReadError::Io { path, source } => Error::Io { path, source },
            other => Error::Usage(other.to_string()),
        })?;
    }
    if collected.records == 0 {
        return Err(Error::Usage(format!(
            "no usable record in {} ({} skipped): nothing to fit",
            sources(args).join(", "),
            collected.skipped()
        )));
    }
    Ok(Fit::of(&mut collected))
}

fn sources(args: &FitArgs) -> Vec<String> {
    args.records
        .iter()
        .map(|p| p.display().to_string())
        .collect()
}

pub fn fit(args: FitArgs) -> Result<u8, Error> {
    let base = match &args.base {
        Some(path) => {
            // The base must itself be a valid scenario.
            crate::scenario::load(path)?;
            let text = crate::scenario::read(path)?;
            let table: toml::Table = toml::from_str(&text)
                .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
            Some(Base {
                file: path.display().to_string(),
                table,
            })
        }
        None => None,
    };
    let checked = match &args.check {
        Some(path) => Some(crate::scenario::load(path)?),
        None => None,
    };
    let fit = collect(&args)?;
    let sources = sources(&args);
    let mut code = 0;
    say(&report::text(&fit, &sources))?;
    let mut check_json = None;
    if let Some(sc) = checked {
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let simulated = crate::runner::simulate(
            &sc,
            &args.check.as_ref().unwrap().display().to_string(),
            threads,
        );
        let rows = check::compare(&fit, &simulated);
        say(&check::text(&rows, &sc.name))?;
        check_json = Some(check::json(&rows, &sc.name));
        if rows.iter().any(|r| !r.agrees) {
            code = 1;
        }
    }
    if let Some(path) = &args.output {
        let text = scenario_out::write(&fit, base.as_ref(), &sources);
        // What fit writes must be a scenario simsms accepts.
        if let Err(e) = crate::scenario::parse(&text, &path.display().to_string()) {
            return Err(Error::Usage(format!(
                "the fitted scenario does not pass check (a bug in simsms fit; please report it):\n{e}"
            )));
        }
        crate::output::write_atomic(path, text.as_bytes())?;
        say(&format!("fitted scenario: {}\n", path.display()))?;
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display(), e))?;
        let json =
            serde_json::to_string_pretty(&report::json(&fit, &sources)).expect("JSON") + "\n";
        let mut files = vec![
            ("fit.json", json),
            ("fit.md", report::markdown(&fit, &sources)),
        ];
        if let Some(c) = &check_json {
            files.push((
                "check.json",
                serde_json::to_string_pretty(c).expect("JSON") + "\n",
            ));
        }
        for (name, contents) in files {
            crate::output::write_atomic(&dir.join(name), contents.as_bytes())?;
        }
    }
    Ok(code)
}
