//! `simsms check`: validate scenario files without simulating.

use super::outputs::say;
use crate::Error;
use crate::scenario;
use crate::units::count;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Override a scenario key, as `run --set` does (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

/// One line per provider with a body: how it travels, so a template can be
/// tuned to a segment before anything runs.
fn bodies(sc: &scenario::Scenario) -> String {
    sc.providers
        .iter()
        .filter_map(|p| {
            let b = p.body.as_ref()?;
            Some(format!(
                "\n  {}: body {} {} units, {} (code in part {})",
                p.name,
                b.layout.encoding.name(),
                b.layout.units,
                count(b.layout.segments as u64, "segment"),
                b.code_segment
            ))
        })
        .collect()
}

/// Checks every file, reporting each; the exit code is the worst one's.
pub fn check(args: CheckArgs) -> Result<u8, Error> {
    let mut worst = 0;
    let settings = scenario::Settings {
        sets: args.set,
        ..Default::default()
    };
    for file in args.files {
        let loaded = scenario::read(&file)
            .and_then(|text| settings.apply(&text, &file.display().to_string()));
        match loaded {
            Ok(sc) => say(&(format!(
                "ok: {} (\"{}\": {}, {}, {})\n  {}",
                file.display(),
                sc.name,
                count(sc.providers.len() as u64, "provider"),
                count(sc.carriers.len() as u64, "carrier"),
                count(sc.outages.len() as u64, "outage"),
                sc.memory_estimate(),
            ) + &bodies(&sc)
                + "\n"))?,
            Err(e) => {
                let e = Error::from(e);
                let text = e.to_string();
                eprint!("{text}");
                if !text.ends_with('\n') {
                    eprintln!();
                }
                worst = worst.max(e.exit_code());
            }
        }
    }
    Ok(worst)
}
