//! Reading delivery records: one module per input format, each turning its
//! records into [`Observation`]s handed to a [`Sink`], streaming (nothing
//! is held per record). A record that cannot be used is a counted
//! [`Skip`](super::Skip) with its line number; a file that cannot be read
//! at all (missing columns, not the format) is a [`ReadError`].

pub mod carrier_map;
pub mod generic;
pub mod kannel;
pub mod simsms;
pub mod twilio;

use super::Sink;
use std::io::BufRead;
use std::path::Path;

/// The input formats `simsms fit` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// simsms's own `--events` records (CSV or JSON Lines).
    Simsms,
    /// A CSV with the documented column names, or mapped with --column.
    Csv,
    /// Twilio Messages BulkExport day files (gzip JSON Lines).
    Twilio,
    /// Kannel bearerbox access log.
    Kannel,
}

/// How to read the inputs.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The format; None: decided per file from its name and first line.
    pub format: Option<Format>,
    /// `--column NAME=HEADER`: the generic CSV's column NAME is headed HEADER.
    pub columns: Vec<(String, String)>,
}

/// A file that cannot be read as delivery records.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// Not the format at all, or a column it needs is missing: the message
    /// names what was expected and a hint (and the line, when known).
    #[error("{path}{}: {message}", at_line(*line))]
    Invalid {
        path: String,
        line: u64,
        message: String,
    },
}

/// `:LINE`, or nothing when the line is not known (0).
fn at_line(line: u64) -> String {
    match line {
        0 => String::new(),
        n => format!(":{n}"),
    }
}

/// Reads one file of records into `sink`.
pub fn read_file<S: Sink>(
    path: &Path,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<(), ReadError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut input = std::io::BufReader::with_capacity(1 << 16, file);
    let format = match options.format {
        Some(f) => f,
        None => detect(path, &mut input).map_err(|source| ReadError::Io {
            path: shown.clone(),
            source,
        })?,
    };
    if !options.columns.is_empty() && format != Format::Csv {
        return Err(ReadError::Invalid {
            path: shown,
            line: 1,
            message: format!(
                "--column maps the columns of a CSV of your own, and this file reads as {format:?} records (give --format csv if it is one)"
            ),
        });
    }
    let result = match format {
        Format::Simsms => simsms::read(input, path, sink),
        Format::Csv => generic::read(input, options, sink),
        Format::Twilio => twilio::read(input, sink),
        Format::Kannel => kannel::read(input, sink),
    };
    result.map_err(|e| e.at(&shown))
}

/// The format a file's name and first bytes say: `.gz` is a Twilio
/// export, `.log` a Kannel access log, `.jsonl`/`.ndjson` simsms records,
/// and a CSV whose header is simsms's own is simsms records, any other CSV
/// the generic one.
fn detect<R: BufRead>(path: &Path, input: &mut R) -> std::io::Result<Format> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.ends_with(".gz") {
        return Ok(Format::Twilio);
    }
    if name.ends_with(".log") {
        return Ok(Format::Kannel);
    }
    let head = input.fill_buf()?;
    if head.starts_with(&twilio::GZIP_MAGIC) {
        return Ok(Format::Twilio);
    }
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        // A Twilio message record names its `sid` and `date_created`.
        let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let twilio = [&b"\"date_created\""[..], b"\"sid\""]
            .iter()
            .all(|key| first.windows(key.len()).any(|w| w == *key));
        return Ok(if twilio {
            Format::Twilio
        } else {
            Format::Simsms
        });
    }
    Ok(if head.starts_with(simsms::HEADER.as_bytes()) {
        Format::Simsms
    } else {
        Format::Csv
    })
}

/// A reader's error before the file name is known.
#[derive(Debug)]
pub enum FormatError {
    Io(std::io::Error),
    Invalid { line: u64, message: String },
}

impl FormatError {
    fn at(self, path: &str) -> ReadError {
        match self {
            FormatError::Io(source) => ReadError::Io {
                path: path.to_string(),
                source,
            },
            FormatError::Invalid { line, message } => ReadError::Invalid {
                path: path.to_string(),
                line,
                message,
            },
        }
    }
}

impl From<std::io::Error> for FormatError {
    fn from(e: std::io::Error) -> Self {
        FormatError::Io(e)
    }
}

/// The longest line any reader accepts. Real delivery records are a few
/// hundred bytes; a longer line is a wrong file, and refusing it keeps
/// memory bounded whatever the input.
pub const MAX_LINE: usize = 1 << 20;

fn too_long(line: u64) -> FormatError {
    FormatError::Invalid {
        line,
        message: format!(
            "a line longer than {} MiB: not a delivery record (is this the right file and format?)",
            MAX_LINE >> 20
        ),
    }
}

/// Reads lines of at most [`MAX_LINE`] bytes, numbering them from 1.
pub struct Lines<R> {
    input: R,
    buf: Vec<u8>,
    line: u64,
}

impl<R: BufRead> Lines<R> {
    pub fn new(input: R) -> Self {
        Lines {
            input,
            buf: Vec::with_capacity(512),
            line: 0,
        }
    }

    /// The next line without its line ending, and its number; None at the end.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>, FormatError> {
        self.buf.clear();
        let mut any = false;
        loop {
            let chunk = self.input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if self.buf.len() + take > MAX_LINE + 1 {
                return Err(too_long(self.line + 1));
            }
            self.buf.extend_from_slice(&chunk[..take]);
            self.input.consume(take);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.line += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(Some((self.line, &self.buf)))
    }
}

/// A reader that fails once a line runs past [`MAX_LINE`] bytes, for
/// parsers (the csv crate) that would otherwise grow a buffer without end.
pub struct CappedLines<R> {
    inner: R,
    since_newline: usize,
    lines: u64,
}

impl<R: std::io::Read> CappedLines<R> {
    pub fn new(inner: R) -> Self {
        CappedLines {
            inner,
            since_newline: 0,
            lines: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for CappedLines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        for &b in &out[..n] {
            if b == b'\n' {
                self.lines += 1;
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE {
                    let FormatError::Invalid { message, line } = too_long(self.lines + 1) else {
                        unreachable!()
                    };
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("line {line}: {message}"),
                    ));
                }
            }
        }
        Ok(n)
    }
}
