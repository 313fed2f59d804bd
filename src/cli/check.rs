//! `simsms check`: validate scenario files without simulating.

use super::outputs::say;
use crate::Error;
use crate::scenario;
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
                "ok: {} (\"{}\": {} providers, {} carriers, {} outages)",
                file.display(),
                sc.name,
                sc.providers.len(),
                sc.carriers.len(),
                sc.outages.len()
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
