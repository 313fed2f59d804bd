//! `simsms init`: write a commented starter scenario.

use super::outputs::say;
use crate::Error;
use crate::output::write_atomic;
use crate::scenario::STARTER_SCENARIO;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write it.
    #[arg(default_value = "scenario.toml")]
    path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

pub fn init(args: InitArgs) -> Result<u8, Error> {
    let path = args.path;
    if path.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        )));
    }
    write_atomic(&path, STARTER_SCENARIO.as_bytes())?;
    say(&(format!(
        "wrote {}; try: simsms run {}",
        path.display(),
        path.display()
    ) + "\n"))?;
    Ok(0)
}
