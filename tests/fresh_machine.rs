//! A fresh machine (issue 18, part 4): the README's set-up names every
//! prerequisite a bare Debian or Ubuntu machine lacks, and
//! `tests/live/setup.sh` installs Python's venv module when it is missing.
//! The script runs here against stand-ins for apt-get, sudo, python3 and the
//! other tools, in a copy of its directory, so nothing is installed.

use std::path::Path;
use std::process::Command;

/// The README's set-up section, up to the next `## ` heading.
fn setup_section() -> String {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("## Set-up on a fresh machine").unwrap();
    let end = readme[start + 3..]
        .find("\n## ")
        .map_or(readme.len(), |i| start + 3 + i);
    readme[start..end].to_string()
}

#[test]
fn the_readme_names_what_a_bare_machine_lacks() {
    let setup = setup_section();
    for needed in [
        "build-essential",
        "C compiler",
        "python3-venv",
        "4 GB",
        "root or sudo",
        "network access",
        "first build",
        "two cores",
    ] {
        assert!(
            setup.contains(needed),
            "the README's set-up should name {needed:?}:\n{setup}"
        );
    }
}

fn write_exec(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs a copy of tests/live/setup.sh in `root` with stand-in tools; what
/// they were asked to do is logged to `root/log`, returned with the exit
/// status. `ensurepip`: whether the stand-in python3 has its venv module.
fn run_setup(root: &Path, ensurepip: bool) -> (bool, String) {
    let live = root.join("tests/live");
    std::fs::create_dir_all(live.join("node")).unwrap();
    std::fs::copy("tests/live/setup.sh", live.join("setup.sh")).unwrap();
    std::fs::write(live.join("requirements.txt"), "").unwrap();
    for f in ["package.json", "package-lock.json"] {
        std::fs::write(live.join("node").join(f), "{}").unwrap();
    }
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = root.join("log");
    for tool in ["chromium", "npm", "node"] {
        write_exec(&bin.join(tool), "exit 0");
    }
    write_exec(&bin.join("sudo"), "exec \"$@\"");
    write_exec(&bin.join("apt-get"), "echo \"apt-get $*\" >> \"$LOG\"");
    write_exec(
        &bin.join("python3"),
        r#"if [ "$1" = -c ]; then [ -n "$HAS_ENSUREPIP" ]; exit $?; fi
if [ "$1" = -m ] && [ "$2" = venv ]; then
  for d; do :; done
  mkdir -p "$d/bin"
  printf '#!/bin/sh\nexit 0\n' > "$d/bin/pip"
  cp "$d/bin/pip" "$d/bin/python"
  chmod +x "$d/bin/pip" "$d/bin/python"
  echo "venv $d" >> "$LOG"
  exit 0
fi
exit 1"#,
    );
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = Command::new("bash")
        .arg(live.join("setup.sh"))
        .env("PATH", path)
        .env("LOG", &log)
        .env("HAS_ENSUREPIP", if ensurepip { "1" } else { "" })
        .output()
        .expect("bash runs");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    (out.status.success(), logged)
}

#[test]
fn setup_installs_python_venv_when_it_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, log) = run_setup(dir.path(), false);
    assert!(ok, "{log}");
    let install = log
        .lines()
        .find(|l| l.starts_with("apt-get") && l.contains("install"))
        .unwrap_or_else(|| panic!("no apt-get install:\n{log}"));
    assert!(install.contains("python3-venv"), "{install}");
    assert!(log.contains("venv target/live-venv"), "{log}");

    let dir = tempfile::tempdir().unwrap();
    let (ok, log) = run_setup(dir.path(), true);
    assert!(ok, "{log}");
    assert!(!log.contains("python3-venv"), "{log}");
}

/// A venv made while the module was missing has a python but no pip;
/// setup makes it again rather than failing on the missing pip.
#[test]
fn setup_remakes_a_venv_without_pip() {
    let dir = tempfile::tempdir().unwrap();
    let venv_bin = dir.path().join("target/live-venv/bin");
    std::fs::create_dir_all(&venv_bin).unwrap();
    write_exec(&venv_bin.join("python"), "exit 0");
    let (ok, log) = run_setup(dir.path(), true);
    assert!(ok, "{log}");
    assert!(log.contains("venv target/live-venv"), "{log}");
}
