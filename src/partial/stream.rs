//! Reading a part's items one at a time, so a merge holds one replication
//! per part instead of every part whole (975 MB of parts took 17.4 GB
//! read whole). A part is the JSON `part_text` writes, its items last;
//! `PartItems` remembers where in the file the next item starts and
//! reopens the file for each item, so ten thousand parts need no more
//! than one open file at a time.
//!
//! The scanner is written here rather than taken from serde_json: serde's
//! readers push a whole document through a visitor and cannot be paused
//! between array elements of several files taken in turn, and finding an
//! item's bounds needs only brackets and strings; each item is then
//! parsed by serde_json.

use super::read::item_from_json;
use super::{Item, PartialError};
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::PathBuf;

/// The items of one part, read in the order they were written.
pub struct PartItems {
    path: PathBuf,
    name: String,
    /// Byte offset of what comes next: the items' `[` until the first item
    /// is read, then the separator after the last item read.
    offset: u64,
    started: bool,
    finished: bool,
    read: usize,
}

/// Why a part could not be read item by item: the caller reads it whole
/// instead, which names the fault precisely.
#[derive(Debug)]
pub struct StreamError(pub String);

impl From<std::io::Error> for StreamError {
    fn from(e: std::io::Error) -> Self {
        StreamError(e.to_string())
    }
}

impl From<PartialError> for StreamError {
    fn from(e: PartialError) -> Self {
        StreamError(e.to_string())
    }
}

impl PartItems {
    /// Finds the part's `items` array (a key of the outermost object).
    pub fn open(path: PathBuf, name: String) -> Result<PartItems, StreamError> {
        let mut reader = BufReader::with_capacity(1 << 16, File::open(&path)?);
        let mut scan = Scanner::default();
        let mut key = Vec::new();
        let mut offset = 0u64;
        // Outermost-object keys: a string at depth 1 right after `{` or `,`.
        let mut expect_key = false;
        loop {
            let byte = next_byte(&mut reader)?.ok_or_else(|| StreamError("no items".into()))?;
            offset += 1;
            let depth_before = scan.depth;
            let was_in_string = scan.in_string;
            scan.step(byte);
            if depth_before == 1 && !was_in_string {
                match byte {
                    b',' => expect_key = true,
                    b'"' if expect_key => {
                        key.clear();
                        while scan.in_string {
                            let b = next_byte(&mut reader)?
                                .ok_or_else(|| StreamError("cut short".into()))?;
                            offset += 1;
                            scan.step(b);
                            if scan.in_string {
                                key.push(b);
                            }
                        }
                        expect_key = false;
                        if key == b"items" {
                            return Ok(PartItems {
                                path,
                                name,
                                offset,
                                started: false,
                                finished: false,
                                read: 0,
                            });
                        }
                    }
                    _ => {}
                }
            } else if depth_before == 0 && byte == b'{' {
                expect_key = true;
            }
        }
    }

    /// The next item, or `None` after the last.
    pub fn next_item(&mut self) -> Result<Option<Item>, StreamError> {
        if self.finished {
            return Ok(None);
        }
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        // What may come before the item's `{`: `:` and `[` before the
        // first, `,` between two; `]` ends the items.
        let mut expected: &[u8] = if self.started { b"," } else { b":[" };
        loop {
            let byte = self.take(&mut reader)?;
            match byte {
                b' ' | b'\n' | b'\r' | b'\t' => {}
                b if expected.first() == Some(&b) => expected = &expected[1..],
                b'{' if expected.is_empty() => break,
                b']' if expected == if self.started { &b","[..] } else { &b""[..] } => {
                    return self.finish(&mut reader);
                }
                other => {
                    return Err(StreamError(format!(
                        "unexpected byte {other:#04x} at offset {}",
                        self.offset - 1
                    )));
                }
            }
        }
        self.started = true;
        let mut text = vec![b'{'];
        let mut scan = Scanner {
            depth: 1,
            ..Scanner::default()
        };
        while scan.depth > 0 {
            let byte = self.take(&mut reader)?;
            scan.step(byte);
            text.push(byte);
        }
        let value: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| StreamError(e.to_string()))?;
        let item = item_from_json(&self.name, self.read, &value)?;
        self.read += 1;
        Ok(Some(item))
    }

    /// After the items' `]`: the part's closing `}` and nothing else.
    fn finish(&mut self, reader: &mut impl BufRead) -> Result<Option<Item>, StreamError> {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest)?;
        if rest.trim_ascii() != b"}" {
            return Err(StreamError("something after the items".into()));
        }
        self.finished = true;
        Ok(None)
    }

    fn take(&mut self, reader: &mut impl BufRead) -> Result<u8, StreamError> {
        let byte = next_byte(reader)?.ok_or_else(|| StreamError("cut short".into()))?;
        self.offset += 1;
        Ok(byte)
    }
}

fn next_byte(reader: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    let buf = reader.fill_buf()?;
    let Some(&byte) = buf.first() else {
        return Ok(None);
    };
    reader.consume(1);
    Ok(Some(byte))
}

/// Bracket depth outside JSON strings.
#[derive(Default)]
struct Scanner {
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl Scanner {
    fn step(&mut self, byte: u8) {
        if self.in_string {
            match byte {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.in_string = false,
                _ => {}
            }
            return;
        }
        match byte {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }
}
