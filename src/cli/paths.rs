//! Every output path a command will write, checked before anything is
//! simulated, served or merged: each is writable (its directory exists and
//! takes a new file; it is not a directory), no two are the same file, none
//! is one of the command's inputs, and stdout goes to one of them at most.
//! A collision is exit 2 and a path that cannot be written exit 3 (as the
//! write would be), at once rather than after a long run.

use crate::Error;
use crate::export;
use std::path::{Path, PathBuf};

/// The paths a command reads and writes, by the flag that names each.
#[derive(Default)]
pub struct Paths {
    inputs: Vec<(String, PathBuf)>,
    outputs: Vec<(String, String)>,
}

impl Paths {
    /// An input the outputs must not overwrite (the scenario, a baseline,
    /// a part, a certificate).
    pub fn input(mut self, what: &str, path: &Path) -> Self {
        self.inputs.push((what.to_string(), path.to_path_buf()));
        self
    }

    /// An output: `target` is a file, or "-" for stdout.
    pub fn output(mut self, flag: &str, target: &str) -> Self {
        self.outputs.push((flag.to_string(), target.to_string()));
        self
    }

    /// The files `--out DIR` writes, one per format.
    pub fn out_dir(mut self, dir: &Path) -> Self {
        for format in crate::export::FORMATS {
            let file = dir.join(format.file);
            self.outputs
                .push(("--out".to_string(), file.display().to_string()));
        }
        self
    }

    /// Checks every output; the first problem is exit 2.
    pub fn check(&self) -> Result<(), Error> {
        let on_stdout: Vec<&str> = self
            .outputs
            .iter()
            .filter(|(_, t)| t == "-")
            .map(|(f, _)| f.as_str())
            .collect();
        if on_stdout.len() > 1 {
            return Err(Error::Usage(format!(
                "only one output can go to stdout (\"-\"), got {}",
                on_stdout.join(" and ")
            )));
        }
        let inputs: Vec<(&str, PathBuf)> = self
            .inputs
            .iter()
            .filter_map(|(what, p)| Some((what.as_str(), std::fs::canonicalize(p).ok()?)))
            .collect();
        let mut seen: Vec<(&str, &str, PathBuf)> = Vec::new();
        for (flag, target) in self.outputs.iter().filter(|(_, t)| t != "-") {
            let Some(id) = writable(flag, target)? else {
                continue;
            };
            if let Some((what, _)) = inputs.iter().find(|(_, p)| *p == id) {
                return Err(Error::Usage(format!(
                    "{flag} {target} would overwrite the {what}, an input: write it elsewhere"
                )));
            }
            if let Some((other, other_target, _)) = seen.iter().find(|(_, _, p)| *p == id) {
                return Err(Error::Usage(format!(
                    "{other} {other_target} and {flag} {target} are the same file: give each output its own path"
                )));
            }
            seen.push((flag, target, id));
        }
        Ok(())
    }
}

/// Where `target` would be written, once checked writable; None for a
/// device (such as /dev/null), which any number of outputs may share.
fn writable(flag: &str, target: &str) -> Result<Option<PathBuf>, Error> {
    let path = Path::new(target);
    // Exit 3, as the write itself would fail.
    let bad = |kind: std::io::ErrorKind, why: String| Error::Io {
        path: format!("{flag} {target}"),
        source: std::io::Error::new(kind, why),
    };
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::FileTypeExt;
        if meta.is_dir() {
            return Err(bad(
                std::io::ErrorKind::IsADirectory,
                "is a directory; name a file".into(),
            ));
        }
        if meta.file_type().is_char_device() {
            return Ok(None);
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // `--out DIR` creates its directory: check the nearest that exists.
    let mut existing = dir;
    let mut missing: Vec<&std::ffi::OsStr> = Vec::new();
    while !existing.exists() {
        if flag != "--out" {
            return Err(bad(
                std::io::ErrorKind::NotFound,
                format!("its directory {} does not exist", dir.display()),
            ));
        }
        missing.extend(existing.file_name());
        existing = match existing.parent() {
            Some(up) if !up.as_os_str().is_empty() => up,
            _ => Path::new("."),
        };
    }
    if !existing.is_dir() {
        return Err(bad(
            std::io::ErrorKind::NotADirectory,
            format!("{} is not a directory", existing.display()),
        ));
    }
    let probe = existing.join(format!(".simsms-probe{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| {
            bad(
                e.kind(),
                format!("cannot write in {}: {e}", existing.display()),
            )
        })?;
    let _ = std::fs::remove_file(&probe);
    let canonical_dir = std::fs::canonicalize(existing)
        .map_err(|e| bad(e.kind(), format!("{}: {e}", existing.display())))?;
    let mut id = canonical_dir;
    id.extend(missing.iter().rev());
    id.extend(path.file_name());
    // An existing file (or a link to one) is known by its real path.
    Ok(Some(std::fs::canonicalize(path).unwrap_or(id)))
}

/// The `--baseline` report, checked to be a JSON report of scenario
/// `name` (done before simulating, and again after).
pub fn read_baseline(path: &Path, name: &str) -> Result<serde_json::Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::io(path.display(), source))?;
    let baseline_error = |source| Error::Baseline {
        path: path.display().to_string(),
        source,
    };
    let baseline: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| baseline_error(export::BaselineError::NotJson(e)))?;
    export::check_baseline_of(&baseline, name).map_err(baseline_error)?;
    Ok(baseline)
}

/// `--out`'s default directory for scenario `name`.
pub fn default_out_path(name: &str) -> PathBuf {
    PathBuf::from(DEFAULT_OUT).join(export::safe_file_name(name))
}

/// The default `--out` root.
pub const DEFAULT_OUT: &str = "simsms-out";
