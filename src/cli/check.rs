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
}

/// Checks every file, reporting each; the exit code is the worst one's.
pub fn check(args: CheckArgs) -> Result<u8, Error> {
    let mut worst = 0;
    for file in args.files {
        match scenario::load(&file) {
            Ok(sc) => say(&(format!(
                "ok: {} (\"{}\": {}, {}, {})",
                file.display(),
                sc.name,
                count(sc.providers.len() as u64, "provider"),
                count(sc.carriers.len() as u64, "carrier"),
                count(sc.outages.len() as u64, "outage")
            ) + "\n"))?,
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
