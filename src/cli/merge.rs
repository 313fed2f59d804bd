//! `simsms merge`: fold shards' partial results into the report (or sweep
//! CSV) the unsharded run writes, or load shards into one measured run.

use super::args::ExportArgs;
use super::outputs::write_reports;
use super::sweep::write_sweep;
use crate::Error;
use crate::shard::{Merged, merge as merge_parts};
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
    let texts = args
        .parts
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p.display(), e))?;
            Ok((p.display().to_string(), text))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    if crate::load::partial::is_load(&texts) {
        let merged = crate::load::partial::merge(&texts)?;
        return super::outputs::write_load_report(&merged, &args.output, &args.exports);
    }
    match merge_parts(&texts)? {
        Merged::Sweep { axes, points } => {
            write_sweep(&axes, &points, args.exports.csv)?;
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
