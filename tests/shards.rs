//! Beyond one machine: four shards run as separate processes merge into
//! the very report (and sweep CSV) of the single run, byte for byte.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

fn simsms(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn copy_scenario(dir: &Path) {
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::copy(
        "scenarios/provider_failover.toml",
        dir.join("scenarios/provider_failover.toml"),
    )
    .unwrap();
}

#[test]
fn four_shards_merge_into_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    copy_scenario(dir.path());
    let file = "scenarios/provider_failover.toml";
    for command in ["run", "compare"] {
        let children: Vec<_> = (0..4)
            .map(|i| {
                Command::new(env!("CARGO_BIN_EXE_simsms"))
                    .args([
                        command,
                        file,
                        "-r",
                        "6",
                        "--shard",
                        &format!("{i}/4"),
                        "-o",
                        &format!("{command}-{i}.part"),
                    ])
                    .current_dir(dir.path())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut child in children {
            assert!(child.wait().unwrap().success());
        }
        let parts: Vec<String> = (0..4).map(|i| format!("{command}-{i}.part")).collect();
        let merged_dir = format!("{command}-merged");
        let mut args = vec!["merge", "--out", &merged_dir];
        args.extend(parts.iter().map(String::as_str));
        let merged = simsms(&args, dir.path());
        assert!(
            merged.status.success(),
            "{}",
            String::from_utf8_lossy(&merged.stderr)
        );
        let single_dir = format!("{command}-single");
        let single = simsms(
            &[command, file, "-r", "6", "--out", &single_dir],
            dir.path(),
        );
        assert_eq!(merged.status.code(), single.status.code());
        // Every export of the merged run equals the unsharded run's.
        let files: Vec<_> = std::fs::read_dir(dir.path().join(&single_dir))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files.len(), 11);
        for name in files {
            let a = std::fs::read(dir.path().join(&merged_dir).join(&name)).unwrap();
            let b = std::fs::read(dir.path().join(&single_dir).join(&name)).unwrap();
            assert!(a == b, "{command}: {name:?} differs after merge");
        }
        assert!(!single.stdout.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&merged.stdout),
            String::from_utf8_lossy(&single.stdout),
            "{command}"
        );
    }
}

#[test]
fn sharded_sweep_merges_into_the_same_csv() {
    let dir = tempfile::tempdir().unwrap();
    copy_scenario(dir.path());
    let file = "scenarios/provider_failover.toml";
    let grid = [
        "--set",
        "otp.max_sends=1,2,3",
        "--set",
        "providers.primary.tps=10/s,30/s",
        "-r",
        "3",
    ];
    for i in 0..4 {
        let mut args = vec!["sweep", file];
        args.extend(grid);
        let shard = format!("{i}/4");
        let out = format!("sweep-{i}.part");
        args.extend(["--shard", &shard, "-o", &out]);
        assert!(simsms(&args, dir.path()).status.success());
    }
    let merged = simsms(
        &[
            "merge",
            "sweep-0.part",
            "sweep-1.part",
            "sweep-2.part",
            "sweep-3.part",
        ],
        dir.path(),
    );
    let mut args = vec!["sweep", file];
    args.extend(grid);
    let single = simsms(&args, dir.path());
    assert!(single.status.success());
    assert_eq!(
        String::from_utf8_lossy(&merged.stdout),
        String::from_utf8_lossy(&single.stdout)
    );
}

#[test]
fn merge_refuses_incomplete_duplicate_or_mixed_parts() {
    let dir = tempfile::tempdir().unwrap();
    copy_scenario(dir.path());
    let file = "scenarios/provider_failover.toml";
    for (i, seed) in [(0, "1"), (1, "1"), (1, "2")] {
        let out = format!("p{i}-{seed}.part");
        let shard = format!("{i}/2");
        assert!(
            simsms(
                &[
                    "run", file, "-r", "2", "--seed", seed, "--shard", &shard, "-o", &out
                ],
                dir.path()
            )
            .status
            .success()
        );
    }
    let err = |args: &[&str]| {
        let out = simsms(args, dir.path());
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(err(&["merge", "p0-1.part"]).contains("missing shards: 1/2"));
    assert!(err(&["merge", "p0-1.part", "p0-1.part"]).contains("given twice"));
    assert!(err(&["merge", "p0-1.part", "p1-2.part"]).contains("other settings"));
    assert!(err(&["merge", file]).contains("not a partial result"));
    assert!(
        simsms(&["merge", "p0-1.part", "p1-1.part"], dir.path())
            .status
            .success()
    );
    assert!(err(&["run", file, "--shard", "2/2"]).contains("0 <= I < N"));
}

/// Writes the two parts of `run provider_failover -r REPS` (one minute of
/// traffic) as `NAME-0.part`, `NAME-1.part`.
fn two_parts(dir: &Path, name: &str, reps: u32) -> [String; 2] {
    let file = "scenarios/provider_failover.toml";
    let reps = reps.to_string();
    [0, 1].map(|i| {
        let out = format!("{name}-{i}.part");
        let shard = format!("{i}/2");
        let args = [
            "run",
            file,
            "-r",
            &reps,
            "--set",
            "scenario.duration=1m",
            "--shard",
            &shard,
            "-o",
            &out,
        ];
        let done = simsms(&args, dir);
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
        out
    })
}

/// The merge reads the parts side by side, one replication at a time, so
/// its memory is that of a small merge however long the run: parts of 400
/// replications (about 14 MB) merge in the peak of parts of 20 (read
/// whole, parts of 800 took 1.9 GB against 70 MB).
#[test]
fn merge_memory_does_not_grow_with_the_parts() {
    let dir = tempfile::tempdir().unwrap();
    copy_scenario(dir.path());
    let peak_of_merge = |parts: &[String; 2]| {
        let mut merge = Command::new(env!("CARGO_BIN_EXE_simsms"));
        merge
            .args(["merge", &parts[0], &parts[1], "-o", "report.txt"])
            .current_dir(dir.path());
        let (code, peak_kb) = common::run_measuring_peak_rss(&mut merge, Duration::from_secs(300));
        assert_eq!(code, 0);
        assert!(peak_kb > 0, "no peak measured");
        peak_kb
    };
    let small = two_parts(dir.path(), "small", 20);
    let big = two_parts(dir.path(), "big", 400);
    let part_kb: u64 = big
        .iter()
        .map(|p| dir.path().join(p).metadata().unwrap().len() / 1024)
        .sum();
    assert!(part_kb > 10 * 1024, "parts of only {part_kb} kB");
    let (small_kb, big_kb) = (peak_of_merge(&small), peak_of_merge(&big));
    assert!(
        big_kb < small_kb + 16 * 1024,
        "merging {part_kb} kB of parts peaked at {big_kb} kB, 20 replications at {small_kb} kB"
    );
}

/// Parts that are not as a shard writes them are read whole, and merge
/// the same or fail as before: items out of order still merge into the
/// single run's report; a part cut short is refused, named.
#[test]
fn parts_out_of_order_merge_and_cut_parts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_scenario(dir.path());
    let parts = two_parts(dir.path(), "p", 6);
    let single = simsms(
        &["merge", &parts[0], &parts[1], "-o", "in-order.txt"],
        dir.path(),
    );
    assert!(single.status.success());
    let path = dir.path().join(&parts[0]);
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["items"].as_array_mut().unwrap().reverse();
    std::fs::write(dir.path().join("reversed.part"), doc.to_string()).unwrap();
    let reversed = simsms(
        &["merge", "reversed.part", &parts[1], "-o", "reversed.txt"],
        dir.path(),
    );
    assert!(
        reversed.status.success(),
        "{}",
        String::from_utf8_lossy(&reversed.stderr)
    );
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(read("in-order.txt"), read("reversed.txt"));

    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(dir.path().join("cut.part"), &text[..text.len() * 2 / 3]).unwrap();
    let cut = simsms(&["merge", "cut.part", &parts[1]], dir.path());
    assert_eq!(cut.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(
        stderr.contains("cut.part: not a partial result"),
        "{stderr}"
    );
}
