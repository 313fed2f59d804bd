//! Beyond one machine: four shards run as separate processes merge into
//! the very report (and sweep CSV) of the single run, byte for byte.

use std::path::Path;
use std::process::{Command, Output};

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
