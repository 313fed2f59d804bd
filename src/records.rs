//! Per-message delivery records (`--events FILE`): one row per message a
//! mode handled, with the same columns whether `run` simulated it, `serve`
//! decided its fate or `load` measured it, in CSV or JSON Lines by the
//! file's extension. They are the planning export (every message, in a
//! spreadsheet) and what a fit of a scenario to a team's own delivery
//! records reads. The file appears whole when the run ends (written to a
//! temporary file beside it, then renamed), never half-written.

use crate::model::{Fate, Receipt};
use crate::protocol::vocabulary::{network_error, smpp_stat};
use crate::scenario::Scenario;
use crate::units::Nanos;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// At most this many messages are recorded by `run --events`; the rest of
/// the replication runs on unrecorded (stderr says so).
pub const RUN_RECORDS_CAP: u64 = 1_000_000;

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRecord {
    /// The id its provider gave it (`run`: its number in the replication).
    pub message_id: String,
    /// The user's session (`run`, `load --otp`), when known.
    pub session: Option<u64>,
    /// The destination number, or a stable key per user (`run`).
    pub number: String,
    pub provider: String,
    /// The carrier the number is on, when known.
    pub carrier: Option<String>,
    /// Seconds from the start of the run (scenario time) to the submit.
    pub sent_s: f64,
    /// `accepted`, or the refusal as the endpoint said it (an SMPP
    /// command_status, `HTTP 429`, or the model's refusal).
    pub answer: String,
    /// The receipt's stat (DELIVRD, UNDELIV, EXPIRED, REJECTD, ...), and
    /// its err when known; empty when no receipt came.
    pub stat: Option<String>,
    pub err: Option<u16>,
    /// Seconds from the start to the final state (the receipt's done time);
    /// empty when the message never reached one.
    pub final_s: Option<f64>,
    /// The message's fate as simsms names it (`run`, `serve`: what really
    /// happened; `load`: what the endpoint's answer says).
    pub outcome: String,
    pub segments: u32,
    /// What the provider bills for it, in the scenario's currency.
    pub price: f64,
}

/// Scenario time as the records write it: seconds, to the millisecond.
pub fn seconds(t: Nanos) -> f64 {
    // Millisecond precision keeps the files short and is finer than any
    // delivery record a provider keeps.
    (t as f64 / 1e6).round() / 1e3
}

impl MessageRecord {
    /// The record of a fate the model decided: its receipt's stat and err
    /// through the shared vocabulary.
    pub fn of_fate(
        sc: &Scenario,
        fate: &Fate,
        (message_id, session, number): (String, Option<u64>, String),
    ) -> Self {
        let receipt = (fate.receipt != Receipt::Nothing).then_some(fate.receipt);
        let refused = fate.outcome.is_refusal();
        MessageRecord {
            message_id,
            session,
            number,
            provider: sc.provider(fate.provider).name.clone(),
            carrier: Some(sc.carriers[fate.carrier.index()].name.clone()),
            sent_s: seconds(fate.sent_at),
            answer: if refused {
                fate.outcome.name().to_string()
            } else {
                "accepted".to_string()
            },
            stat: receipt.map(|r| smpp_stat(r).0.to_string()),
            err: receipt.map(|r| network_error(r, fate.outcome)),
            // As a provider's records show it: a final time only with a receipt.
            final_s: receipt.map(|_| seconds(fate.finished_at)),
            outcome: fate.outcome.name().to_string(),
            segments: 1,
            price: fate.cost,
        }
    }
}

/// Writes the messages of `run`'s first replication (the one its report
/// counts first, same seed, same fates) to `writer`, up to its cap.
/// Returns the messages the replication sent in all.
pub fn record_run(
    sc: &std::sync::Arc<Scenario>,
    writer: RecordWriter,
) -> Result<(RecordWriter, u64), RecordsError> {
    use std::cell::RefCell;
    use std::rc::Rc;
    let shared = Rc::new(RefCell::new((writer, 0u64, None::<RecordsError>)));
    let sink = shared.clone();
    let scenario = sc.clone();
    crate::simulation::run_replication_recording(sc.clone(), 0, move |req, fate| {
        let (writer, seen, failed) = &mut *sink.borrow_mut();
        let id = *seen;
        *seen += 1;
        if failed.is_some() {
            return;
        }
        // Each run user is one session: its key stands for the number.
        let identity = (
            id.to_string(),
            Some(req.session),
            format!("user-{}", req.session),
        );
        if let Err(e) = writer.write(&MessageRecord::of_fate(&scenario, fate, identity)) {
            *failed = Some(e);
        }
    });
    let (writer, seen, failed) = Rc::try_unwrap(shared)
        .ok()
        .expect("the replication has ended")
        .into_inner();
    match failed {
        Some(e) => Err(e),
        None => Ok((writer, seen)),
    }
}

/// The two formats, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// `.csv`, or `.jsonl` / `.ndjson`.
    pub fn of(path: &Path) -> Result<Format, RecordsError> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => Ok(Format::Csv),
            Some("jsonl") | Some("ndjson") => Ok(Format::JsonLines),
            _ => Err(RecordsError::Extension(path.display().to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error(
        "--events {0}: the extension says the format: .csv, or .jsonl (JSON Lines; .ndjson also)"
    )]
    Extension(String),
    #[error("--events {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Writes records as they come, to a temporary file renamed into place
/// by `finish`; dropped unfinished, it leaves nothing behind.
pub struct RecordWriter {
    path: PathBuf,
    temp: PathBuf,
    csv: Option<csv::Writer<BufWriter<std::fs::File>>>,
    lines: Option<BufWriter<std::fs::File>>,
    written: u64,
    cap: Option<u64>,
    finished: bool,
}

impl RecordWriter {
    /// Opens the temporary file beside `path` (so a bad directory fails
    /// before anything runs); at most `cap` records are written.
    pub fn create(path: &Path, cap: Option<u64>) -> Result<RecordWriter, RecordsError> {
        let format = Format::of(path)?;
        let io = |source| RecordsError::Io {
            path: path.display().to_string(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let temp = dir.join(format!(
            ".{}.tmp{}",
            name.unwrap_or_default(),
            std::process::id()
        ));
        let file = BufWriter::new(std::fs::File::create(&temp).map_err(io)?);
        let (csv, lines) = match format {
            Format::Csv => (Some(csv::Writer::from_writer(file)), None),
            Format::JsonLines => (None, Some(file)),
        };
        Ok(RecordWriter {
            path: path.to_path_buf(),
            temp,
            csv,
            lines,
            written: 0,
            cap,
            finished: false,
        })
    }

    /// Writes one record; false once the cap is reached (it is not written).
    pub fn write(&mut self, record: &MessageRecord) -> Result<bool, RecordsError> {
        if self.cap.is_some_and(|cap| self.written >= cap) {
            return Ok(false);
        }
        let io = |source| RecordsError::Io {
            path: self.path.display().to_string(),
            source,
        };
        match (&mut self.csv, &mut self.lines) {
            (Some(csv), _) => csv.serialize(record).map_err(|e| io(e.into()))?,
            (_, Some(lines)) => {
                serde_json::to_writer(&mut *lines, record).map_err(|e| io(e.into()))?;
                lines.write_all(b"\n").map_err(io)?;
            }
            _ => {}
        }
        self.written += 1;
        Ok(true)
    }

    /// Flushes and moves the file into place.
    pub fn finish(mut self) -> Result<u64, RecordsError> {
        let io = |source| RecordsError::Io {
            path: self.path.display().to_string(),
            source,
        };
        let file = match (self.csv.take(), self.lines.take()) {
            (Some(csv), _) => csv.into_inner().map_err(|e| io(e.into_error()))?,
            (_, Some(lines)) => lines,
            _ => unreachable!("one format is open"),
        };
        let file = file.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&self.temp, &self.path).map_err(io)?;
        self.finished = true;
        Ok(self.written)
    }
}

/// A writer the tasks of a live run share; the first failure to write is
/// kept and reported by `finish`.
#[derive(Clone)]
pub struct SharedRecords(std::sync::Arc<std::sync::Mutex<SharedState>>);

struct SharedState {
    writer: Option<RecordWriter>,
    failed: Option<RecordsError>,
}

impl std::fmt::Debug for SharedRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedRecords")
    }
}

impl SharedRecords {
    pub fn new(writer: RecordWriter) -> SharedRecords {
        SharedRecords(std::sync::Arc::new(std::sync::Mutex::new(SharedState {
            writer: Some(writer),
            failed: None,
        })))
    }

    pub fn write(&self, record: &MessageRecord) {
        let mut state = self.0.lock().expect("records lock");
        let SharedState { writer, failed } = &mut *state;
        if failed.is_none()
            && let Some(writer) = writer
            && let Err(e) = writer.write(record)
        {
            *failed = Some(e);
        }
    }

    /// Moves the file into place; the records written, or the first
    /// failure.
    pub fn finish(&self) -> Result<u64, RecordsError> {
        let mut state = self.0.lock().expect("records lock");
        if let Some(e) = state.failed.take() {
            return Err(e);
        }
        match state.writer.take() {
            Some(writer) => writer.finish(),
            None => Ok(0),
        }
    }
}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> MessageRecord {
        MessageRecord {
            message_id: "7".into(),
            session: Some(3),
            number: "819012345678".into(),
            provider: "domestic".into(),
            carrier: Some("docomo".into()),
            sent_s: 1.5,
            answer: "accepted".into(),
            stat: Some("DELIVRD".into()),
            err: Some(0),
            final_s: Some(4.25),
            outcome: "delivered".into(),
            segments: 1,
            price: 3.0,
        }
    }

    #[test]
    fn csv_and_json_lines_carry_the_same_columns() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["r.csv", "r.jsonl"] {
            let path = dir.path().join(name);
            let mut w = RecordWriter::create(&path, None).unwrap();
            assert!(!path.exists(), "nothing in place before finish");
            let mut lost = record();
            (lost.stat, lost.err, lost.final_s) = (None, None, None);
            lost.outcome = "lost".into();
            w.write(&record()).unwrap();
            w.write(&lost).unwrap();
            assert_eq!(w.finish().unwrap(), 2);
            let text = std::fs::read_to_string(&path).unwrap();
            if name.ends_with("csv") {
                let mut lines = text.lines();
                assert_eq!(
                    lines.next().unwrap(),
                    "message_id,session,number,provider,carrier,sent_s,answer,stat,err,final_s,outcome,segments,price"
                );
                assert_eq!(
                    lines.next().unwrap(),
                    "7,3,819012345678,domestic,docomo,1.5,accepted,DELIVRD,0,4.25,delivered,1,3.0"
                );
                assert_eq!(
                    lines.next().unwrap(),
                    "7,3,819012345678,domestic,docomo,1.5,accepted,,,,lost,1,3.0"
                );
            } else {
                let first: serde_json::Value =
                    serde_json::from_str(text.lines().next().unwrap()).unwrap();
                assert_eq!(first["stat"], "DELIVRD");
                assert_eq!(first["final_s"], 4.25);
                let second: serde_json::Value =
                    serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
                assert!(second["stat"].is_null());
            }
        }
    }

    #[test]
    fn an_unknown_extension_is_refused_and_an_unfinished_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let bad = RecordWriter::create(&dir.path().join("r.txt"), None);
        assert!(matches!(bad, Err(RecordsError::Extension(_))));
        let path = dir.path().join("r.csv");
        let mut w = RecordWriter::create(&path, Some(1)).unwrap();
        assert!(w.write(&record()).unwrap());
        assert!(!w.write(&record()).unwrap(), "beyond the cap");
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
