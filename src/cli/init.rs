//! `simsms init`: write a commented starter scenario, named after its file
//! (or to stdout with `-`).

use super::outputs::say;
use crate::Error;
use crate::output::write_atomic;
use crate::scenario::STARTER_SCENARIO;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write it ("-" for stdout).
    #[arg(default_value = "scenario.toml")]
    path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

pub fn init(args: InitArgs) -> Result<u8, Error> {
    let path = args.path;
    if path.as_os_str() == "-" {
        say(STARTER_SCENARIO)?;
        return Ok(0);
    }
    if path.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        )));
    }
    write_atomic(&path, starter_for(&path).as_bytes())?;
    say(&format!(
        "wrote {}; try: simsms run {}\n",
        path.display(),
        shell_word(&path)
    ))?;
    Ok(0)
}

/// The starter scenario as written to `path`: named after the file, and
/// its "Run it with" line naming the file.
fn starter_for(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map_or("starter".into(), |s| s.to_string_lossy().into_owned());
    let name = toml::Value::String(stem).to_string();
    STARTER_SCENARIO
        .replacen(STARTER_NAME, &format!("name = {name}"), 1)
        .replacen(STARTER_RUN, &format!("simsms run {}", shell_word(path)), 1)
}

/// The starter's own name line and run command, replaced by `starter_for`.
const STARTER_NAME: &str = "name = \"starter\"";
const STARTER_RUN: &str = "simsms run scenario.toml";

/// A path as one shell word: as it is when it needs no quoting, else in
/// single quotes.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "._/-+,:@%".contains(c);
    match !text.is_empty() && text.chars().all(plain) {
        true => text,
        false => format!("'{}'", text.replace('\'', "'\\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_has_the_lines_init_rewrites() {
        assert_eq!(STARTER_SCENARIO.matches(STARTER_NAME).count(), 1);
        assert_eq!(STARTER_SCENARIO.matches(STARTER_RUN).count(), 1);
    }

    #[test]
    fn a_starter_is_named_after_its_file() {
        let text = starter_for(Path::new("dir/my checkout.toml"));
        assert!(text.contains("name = \"my checkout\""), "{text}");
        assert!(text.contains("simsms run 'dir/my checkout.toml'"), "{text}");
    }
}
