//! `simsms merge` checks parts cheaply first: each part's header (format,
//! version, shard, recipe) comes before its items and is read alone, so a
//! duplicate or mixed part is named before any part is read whole; a part
//! that is not UTF-8 is exit 2 with the byte offset, like any corrupt file.

mod common;

use common::simsms_in as simsms;
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SMALL: &str = r#"[scenario]
name = "small"
duration = "1m"
seed = 5
replications = 2

[traffic]
rate = "5/s"

[providers.p]
route = "domestic"

[routing]
policy = "single"
provider = "p"

[carriers.c]
share = 1.0
"#;

/// `s.toml` and the two shards of its run in `part-0.json` and
/// `part-1.json`; returns the first.
fn with_part() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SMALL).unwrap();
    for i in 0..2 {
        let (shard, output) = (format!("{i}/2"), format!("part-{i}.json"));
        let out = simsms(
            &["run", "s.toml", "--shard", &shard, "-o", &output],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let part = std::fs::read(dir.path().join("part-0.json")).unwrap();
    (dir, part)
}

#[test]
fn a_duplicate_part_is_named_from_its_header_before_parts_are_read_whole() {
    let (dir, part) = with_part();
    // A copy cut short: only its header is intact.
    std::fs::write(dir.path().join("copy.json"), &part[..part.len() - 200]).unwrap();
    let out = simsms(&["merge", "part-0.json", "copy.json"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("copy.json: shard 0/2 given twice"), "{err}");
}

#[test]
fn a_part_that_is_not_utf8_is_exit_2_with_the_byte_offset() {
    let (dir, mut part) = with_part();
    let at = part.len() - 100;
    part[at] = 0xFF;
    std::fs::write(dir.path().join("bad.json"), &part).unwrap();
    let out = simsms(&["merge", "bad.json", "part-1.json"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "bad.json: not a partial result: not UTF-8 text: invalid byte 0xFF at byte offset {at} (line 1)"
        )),
        "{err}"
    );
    // Invalid from its first byte (inside the header) too.
    std::fs::write(dir.path().join("latin1.json"), b"{\"format\":\"caf\xe9\"}").unwrap();
    let out = simsms(&["merge", "latin1.json"], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("invalid byte 0xE9 at byte offset 14 (line 1)"),
        "{err}"
    );
}
