//! Every input gets a clear answer: the defects found by fuzzing and by hand
//! (one test per row of the hardening table), each built from its failing
//! input. Exit codes: 2 invalid input or usage, 3 a failed write.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn simsms(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("simsms runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SMALL: &str = r#"[scenario]
name = "small"
duration = "2m"
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

fn with_scenario(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    dir
}

/// Row 2: a full disk or a closed pipe on stdout is exit 3, never a panic.
#[test]
fn stdout_failures_exit_3_for_every_command() {
    let dir = with_scenario(SMALL);
    for args in [
        vec!["check", "s.toml"],
        vec!["init", "new.toml"],
        vec!["run", "s.toml"],
        vec!["sweep", "s.toml", "--set", "otp.max_sends=1,2", "--csv", "-"],
    ] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
            .args(&args)
            .current_dir(dir.path())
            .stdout(Stdio::from(full))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("No space left"), "{args:?}: {}", stderr(&out));
    }
}
