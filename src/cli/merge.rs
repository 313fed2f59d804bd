//! `simsms merge`: fold shards' partial results into the report (or sweep
//! CSV) the unsharded run writes, or load shards into one measured run.

use super::args::ExportArgs;
use super::outputs::write_reports;
use super::paths::Paths;
use super::sweep::write_sweep;
use crate::Error;
use crate::partial::{PartialError, check_headers, read_header};
use crate::shard::{Merged, PartItems, merge as merge_parts};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Partial result files, one per shard.
    #[arg(required = true)]
    parts: Vec<PathBuf>,
    /// Write the report here ("-" for stdout).
    #[arg(long, short = 'o', default_value = "-")]
    output: String,
    /// The same exports as `run` (for merged sweeps, --csv is the sweep's
    /// tidy CSV).
    #[command(flatten)]
    exports: ExportArgs,
}

pub fn merge(args: MergeArgs) -> Result<u8, Error> {
    // Headers first: a duplicate, missing or mixed part is found before
    // any part is read whole.
    let mut headers = Vec::new();
    for p in &args.parts {
        let file = std::fs::File::open(p).map_err(|e| Error::io(p.display(), e))?;
        let (recipe, shard) = match read_header(&p.display().to_string(), file) {
            Ok(header) => header,
            // Say where the bytes are not UTF-8 rather than what the
            // JSON reader made of them.
            Err(e @ PartialError::NotJson { .. }) => {
                read_part(p)?;
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
        headers.push((p.display().to_string(), recipe, shard));
    }
    let mut in_shard_order: Vec<(u32, PathBuf)> = headers
        .iter()
        .zip(&args.parts)
        .map(|((_, _, (index, _)), path)| (*index, path.clone()))
        .collect();
    in_shard_order.sort_unstable();
    let recipe = check_headers(headers)?;
    let mut paths = Paths::default();
    for part in &args.parts {
        paths = paths.input("partial result", part);
    }
    let settings = crate::scenario::Settings {
        sets: match recipe.command.as_str() {
            "sweep" => Vec::new(),
            _ => recipe.sets.clone(),
        },
        ..Default::default()
    };
    let name = settings
        .apply(&recipe.scenario_text, &recipe.source)
        .map(|sc| sc.name)
        .unwrap_or_default();
    let paths = match recipe.command.as_str() {
        "sweep" => match &args.exports.csv {
            Some(csv) => paths.output("--csv", csv),
            None => paths,
        },
        _ => args.exports.add_paths(paths, &args.output, &name)?,
    };
    paths.check()?;
    if matches!(recipe.command.as_str(), "run" | "compare" | "sweep")
        && let Some(merged) = merge_streamed(&recipe, &in_shard_order)?
    {
        return write_merged(merged, &args);
    }
    let texts = args
        .parts
        .iter()
        .map(|p| Ok((p.display().to_string(), read_part(p)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    if recipe.command == "fit" {
        let e = &args.exports;
        let others = [
            &e.json,
            &e.csv,
            &e.latency_csv,
            &e.timeline_csv,
            &e.markdown,
            &e.junit,
            &e.html,
        ];
        if args.output != "-" || others.iter().any(|o| o.is_some()) {
            return Err(Error::Usage(
                "the parts are a fit's: merge prints its report and writes fit.json, fit.md, fit.html and fitted.toml with --out DIR (no other output options)".into(),
            ));
        }
        let out = match &args.exports.out {
            Some(Some(dir)) => Some(dir.clone()),
            Some(None) => Some(super::paths::default_out_path("fitted")),
            None => None,
        };
        return super::fit::merge_parts(&recipe, &texts, out.as_deref());
    }
    if recipe.command == "load" {
        let merged = crate::load::partial::merge(&texts)?;
        return super::outputs::write_load_report(&merged, &args.output, &args.exports);
    }
    write_merged(merge_parts(&texts)?, &args)
}

/// Merges batch parts item by item (`None`: a part is not as written; read
/// them whole, which names the fault).
fn merge_streamed(
    recipe: &crate::shard::Recipe,
    in_shard_order: &[(u32, PathBuf)],
) -> Result<Option<Merged>, Error> {
    let mut parts = Vec::new();
    for (_, path) in in_shard_order {
        match PartItems::open(path.clone(), path.display().to_string()) {
            Ok(part) => parts.push(part),
            Err(_) => return Ok(None),
        }
    }
    crate::shard::merge_streamed(recipe, &mut parts)
}

fn write_merged(merged: Merged, args: &MergeArgs) -> Result<u8, Error> {
    match merged {
        Merged::Sweep { axes, points } => {
            write_sweep(&axes, &points, args.exports.csv.clone())?;
            Ok(0)
        }
        Merged::Run {
            scenario,
            results,
            order,
            compare,
        } => {
            write_reports(
                &scenario,
                &results,
                &order,
                compare,
                &args.output,
                &args.exports,
            )?;
            Ok(if results.all_passed() { 0 } else { 1 })
        }
    }
}

/// A part's text; bytes that are not UTF-8 are exit 2 with their offset.
fn read_part(path: &std::path::Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Partial(PartialError::NotUtf8 {
            name: path.display().to_string(),
            why: crate::scenario::not_utf8(&e),
        })
    })
}
