//! Writing results: stdout for "-", otherwise an atomic write (a temporary
//! file in the same directory, then a rename) so that a failure never leaves
//! a half-written file behind.

use crate::Error;
use std::io::Write;
use std::path::Path;

pub fn write_output(target: &str, contents: &str) -> Result<(), Error> {
    if target == "-" {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(contents.as_bytes())
            .and_then(|_| stdout.flush())
            .map_err(|source| Error::Io {
                path: "<stdout>".into(),
                source,
            });
    }
    write_atomic(Path::new(target), contents.as_bytes())
}

pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let io_err = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = std::fs::File::create(&temp)
        .and_then(|mut f| f.write_all(contents).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(io_err)
}
