//! Writing results: stdout for "-", otherwise an atomic write (a temporary
//! file in the same directory, then a rename) so that a failure never leaves
//! a half-written file behind. Targets that are not regular files (a
//! terminal, a pipe, `/dev/null`) are written in place: renaming over them
//! would replace the device itself.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A write that failed, and where.
#[derive(Debug, thiserror::Error)]
#[error("error: {path}: {source}")]
pub struct WriteError {
    pub path: String,
    pub source: std::io::Error,
}

/// Writes `contents` to `target`: stdout for "-", else a file, atomically.
pub fn write_output(target: &str, contents: &str) -> Result<(), WriteError> {
    if target == "-" {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(contents.as_bytes())
            .and_then(|_| stdout.flush())
            .map_err(|source| WriteError {
                path: "<stdout>".into(),
                source,
            });
    }
    write_atomic(Path::new(target), contents.as_bytes())
}

pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let mut file = StreamOutput::file(path)?;
    file.write(contents)?;
    file.commit()
}

/// An output written piece by piece (a sweep's CSV as its points finish):
/// stdout for "-"; a regular file through a temporary file beside it,
/// renamed over it by `commit`, so an error or an interruption never
/// leaves a half-written file (dropped uncommitted, the temporary file is
/// removed); a pipe or device written in place.
pub struct StreamOutput {
    shown: String,
    sink: Sink,
}

enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    InPlace(std::io::BufWriter<std::fs::File>),
    Temp {
        file: Option<std::io::BufWriter<std::fs::File>>,
        temp: PathBuf,
        path: PathBuf,
    },
}

impl StreamOutput {
    /// Opens `target` ("-" for stdout) for writing.
    pub fn create(target: &str) -> Result<StreamOutput, WriteError> {
        if target == "-" {
            return Ok(StreamOutput {
                shown: "<stdout>".into(),
                sink: Sink::Stdout(std::io::BufWriter::new(std::io::stdout())),
            });
        }
        StreamOutput::file(Path::new(target))
    }

    /// Opens the file `path` for writing.
    pub fn file(path: &Path) -> Result<StreamOutput, WriteError> {
        let shown = path.display().to_string();
        let io_err = |source| WriteError {
            path: shown.clone(),
            source,
        };
        // Follow a symlink so the link stays and its target is replaced.
        let path: PathBuf = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(io_err)?,
            _ => path.to_path_buf(),
        };
        if let Ok(meta) = std::fs::metadata(&path)
            && !meta.is_file()
        {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(io_err)?;
            return Ok(StreamOutput {
                shown,
                sink: Sink::InPlace(std::io::BufWriter::new(file)),
            });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = dir.join(format!(".{name}.tmp{}", std::process::id()));
        let file = std::fs::File::create(&temp).map_err(io_err)?;
        Ok(StreamOutput {
            shown,
            sink: Sink::Temp {
                file: Some(std::io::BufWriter::new(file)),
                temp,
                path,
            },
        })
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        let result = match &mut self.sink {
            Sink::Stdout(w) => w.write_all(bytes),
            Sink::InPlace(w) => w.write_all(bytes),
            Sink::Temp { file, .. } => file.as_mut().expect("open until commit").write_all(bytes),
        };
        result.map_err(|source| self.error(source))
    }

    /// Hands what was written so far on (to stdout or the temporary file).
    pub fn flush(&mut self) -> Result<(), WriteError> {
        let result = match &mut self.sink {
            Sink::Stdout(w) => w.flush(),
            Sink::InPlace(w) => w.flush(),
            Sink::Temp { file, .. } => file.as_mut().expect("open until commit").flush(),
        };
        result.map_err(|source| self.error(source))
    }

    /// Finishes the output: flushes it and, for a file, puts it in place.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let result = match &mut self.sink {
            Sink::Stdout(w) => w.flush(),
            Sink::InPlace(w) => w.flush(),
            Sink::Temp { file, temp, path } => {
                let file = file.take().expect("open until commit");
                file.into_inner()
                    .map_err(|e| e.into_error())
                    .and_then(|f| f.sync_all())
                    .and_then(|_| std::fs::rename(&*temp, &*path))
            }
        };
        result.map_err(|source| self.error(source))
    }

    fn error(&self, source: std::io::Error) -> WriteError {
        WriteError {
            path: self.shown.clone(),
            source,
        }
    }
}

impl Drop for StreamOutput {
    fn drop(&mut self) {
        if let Sink::Temp { temp, .. } = &self.sink {
            // Gone already once renamed into place.
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    #[test]
    fn regular_files_are_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old contents that are longer").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temp file left behind"
        );
    }

    #[test]
    fn pipes_and_devices_are_written_in_place_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(
            std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
            "the pipe was replaced"
        );
    }

    #[test]
    fn symlinks_keep_pointing_at_the_rewritten_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }
}
