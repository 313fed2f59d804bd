//! Progress on a terminal: `sweep` and `sensitivity` draw the bar on
//! stderr when it is a terminal (here a pseudo-terminal made by util-linux
//! `script`), labelled in points or settings and counting replications.

use std::process::Command;

/// What `simsms ARGS` writes to its terminal, run under `script` so that
/// stderr is a terminal; stdout goes to /dev/null.
fn on_a_terminal(args: &str) -> String {
    let command = format!("{} {args} >/dev/null", env!("CARGO_BIN_EXE_simsms"));
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("util-linux `script` runs (apt-get install util-linux)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The bar appears after a second: these runs take several in a test build
/// (rates high enough that a quiet machine still takes more than one).
#[test]
fn sweep_shows_progress_in_points_and_replications() {
    let shown = on_a_terminal(
        "sweep scenarios/starter.toml --set traffic.rate=40/s,80/s -r 6 -j 1 --csv /dev/null",
    );
    assert!(shown.contains("2 points ["), "no progress bar: {shown:?}");
    assert!(shown.contains("replications "), "{shown:?}");
    assert!(shown.contains("/12"), "12 replications in all: {shown:?}");
    assert!(!shown.contains("unit(s)"), "{shown:?}");
}

#[test]
fn sensitivity_shows_progress() {
    let shown = on_a_terminal(
        "sensitivity scenarios/starter.toml --only users.typo -r 4 -j 1 --set traffic.rate=20/s",
    );
    assert!(shown.contains("3 settings ["), "no progress bar: {shown:?}");
    assert!(shown.contains("replications "), "{shown:?}");
}
