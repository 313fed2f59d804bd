//! Every export format as users consume it: JSON against its documented
//! schema, CSV through Python's csv module, JUnit naming the failed case,
//! Markdown, `--out`, the baseline gate, and the HTML report in a real
//! headless browser.

use std::path::Path;
use std::process::Command;

fn simsms(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_simsms"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SCENARIO: &str = r#"
[scenario]
name = "exports"
duration = "10m"
seed = 5
replications = 4
[traffic]
rate = "8/s"
[users.presence]
present = { mean = "30m" }
absent = { mean = "5m" }
[otp]
max_sends = 2
resend_after = "30s"
[providers.agg]
route = "international"
price = 5.0
[providers.dir]
route = "domestic"
price = 9.0
[routing]
policy = "single"
provider = "agg"
[routes.international]
latency = { median = "5s", p99 = "60s" }
loss = 0.03
[carriers.x]
share = 0.6
intl_filter = 0.05
[carriers.y]
share = 0.4

[alternatives.direct]
routing = { policy = "single", provider = "dir" }

[[expect]]
metric = "otp_success"
carrier = "x"
min = 0.5

[[expect]]
metric = "delivery_rate"
provider = "agg"
min = 0.99
"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    dir
}

#[test]
fn json_report_validates_against_the_documented_schema() {
    let dir = setup();
    let (code, _, err) = simsms(
        &["compare", "s.toml", "--json", "r.json", "-o", "report.txt"],
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("docs/report.schema.json").unwrap()).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match docs/report.schema.json:\n{}",
        errors.join("\n")
    );
    assert_eq!(report["alternatives"].as_array().unwrap().len(), 2);
    assert_eq!(report["alternatives"][1]["name"], "direct");
    // The schema pins the shape: an unknown field is rejected.
    let mut extra = report.clone();
    extra["surprise"] = serde_json::json!(1);
    assert!(!validator.is_valid(&extra));
}

#[test]
#[ignore = "needs python3: --run-ignored all"]
fn csv_loads_in_python_and_pivots_without_cleaning() {
    let dir = setup();
    let (code, _, err) = simsms(
        &[
            "compare",
            "s.toml",
            "--csv",
            "summary.csv",
            "--latency-csv",
            "lat.csv",
            "--timeline-csv",
            "tl.csv",
            "-o",
            "report.txt",
        ],
        dir.path(),
    );
    assert_eq!(code, 1, "{err}");
    let script = r#"
import csv, sys
rows = list(csv.DictReader(open("summary.csv", newline="")))
assert rows, "no rows"
pivot = {}
for r in rows:
    value = float(r["value"]) if r["value"] else None
    pivot.setdefault((r["alternative"], r["level"], r["provider"], r["carrier"]), {})[r["metric"]] = value
s = pivot[("scenario", "session", "all", "x")]
d = pivot[("direct", "session", "all", "x")]
assert 0 < s["otp_success"] <= 1 and 0 < d["otp_success"] <= 1
assert d["otp_success"] > s["otp_success"], (s["otp_success"], d["otp_success"])
sent = pivot[("scenario", "message", "agg", "all")]["sent"]
outcomes = sum(v for k, v in pivot[("scenario", "message", "agg", "all")].items() if k.startswith("outcome_"))
assert sent == outcomes, (sent, outcomes)
lat = list(csv.DictReader(open("lat.csv", newline="")))
qs = [float(r["quantile"]) for r in lat if r["alternative"] == "scenario" and r["kind"] == "latency" and r["carrier"] == "x"]
assert qs == sorted(qs) and qs[-1] == 1.0, qs[-5:]
tl = list(csv.DictReader(open("tl.csv", newline="")))
arrivals = sum(float(r["arrivals"]) for r in tl if r["alternative"] == "scenario")
# Mean over 4 replications of Poisson(4800): within 3.29 standard deviations.
assert abs(arrivals - 8 * 600) < 3.29 * (8 * 600 / 4) ** 0.5, arrivals
print("ok", len(rows))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .current_dir(dir.path())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn junit_names_the_failed_case_with_value_and_bound() {
    let dir = setup();
    let (code, _, _) = simsms(
        &["run", "s.toml", "--junit", "-", "-o", "report.txt"],
        dir.path(),
    );
    assert_eq!(code, 1);
    let (_, xml, _) = simsms(
        &["run", "s.toml", "--junit", "-", "-o", "report.txt"],
        dir.path(),
    );
    assert!(
        xml.contains(r#"<testsuite name="simsms.exports" tests="2" failures="1""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase classname="simsms.exports" name="otp_success carrier=x"/>"#),
        "{xml}"
    );
    let failed = xml
        .lines()
        .find(|l| l.contains("delivery_rate provider=agg"))
        .expect("failed case");
    assert!(failed.contains("<testcase"), "{xml}");
    assert!(xml.contains("<failure message=\"observed 0.9"), "{xml}");
    assert!(
        xml.contains("expected &gt;= 0.99 (point estimate)"),
        "{xml}"
    );
}

#[test]
fn markdown_and_out_dir_write_everything_atomically() {
    let dir = setup();
    let (_, md, _) = simsms(
        &["run", "s.toml", "--markdown", "-", "-o", "report.txt"],
        dir.path(),
    );
    assert!(md.starts_with("## simsms: exports"), "{md}");
    assert!(md.contains("| ❌ | delivery_rate provider=agg |"), "{md}");
    assert!(md.contains("| direct | x |"), "{md}");
    let (_, _, err) = simsms(
        &["compare", "s.toml", "--out", "all", "-o", "report.txt"],
        dir.path(),
    );
    assert!(err.contains("wrote 11 files to all"), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("all"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "junit.xml",
            "latency.csv",
            "latency.svg",
            "outcomes.svg",
            "report.html",
            "report.json",
            "report.txt",
            "summary.csv",
            "summary.md",
            "timeline.csv",
            "timeline.svg"
        ]
    );
    let svg = std::fs::read_to_string(dir.path().join("all/latency.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
    // Default directory: simsms-out/<scenario name>/ under the working
    // directory, which ignores itself in git.
    let (_, _, err) = simsms(&["run", "s.toml", "--out", "-o", "report.txt"], dir.path());
    assert!(err.contains("simsms-out/exports"), "{err}");
    assert!(dir.path().join("simsms-out/exports/report.json").exists());
    let ignore = std::fs::read_to_string(dir.path().join("simsms-out/.gitignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "*"));
}

#[test]
fn baseline_gate_fails_on_regressions_only() {
    let dir = setup();
    let no_gate = ["--set", "expect=[]"];
    let mut args = vec!["run", "s.toml", "--json", "base.json", "-o", "report.txt"];
    args.extend(no_gate);
    assert_eq!(simsms(&args, dir.path()).0, 0);
    let mut same = vec!["run", "s.toml", "--baseline", "base.json", "-o", "-"];
    same.extend(no_gate);
    let (code, out, err) = simsms(&same, dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PASS  baseline:"), "{out}");
    let mut worse = vec![
        "run",
        "s.toml",
        "--baseline",
        "base.json",
        "--set",
        "routes.international.loss=0.3",
        "-o",
        "-",
    ];
    worse.extend(no_gate);
    let (code, out, _) = simsms(&worse, dir.path());
    assert_eq!(code, 1);
    assert!(
        out.contains("FAIL  baseline: otp_success alternative=scenario carrier=x"),
        "{out}"
    );
    let (code, _, err) = simsms(&["run", "s.toml", "--baseline", "s.toml"], dir.path());
    assert_eq!(code, 2, "{err}");
}

/// Headless Chromium's DOM and log of `page` after its scripts ran, in a
/// window `width` pixels wide. The tests that call it are ignored by
/// default (they need Chromium, which `.ci/run` installs); run without it,
/// they fail rather than pass.
fn render_in_chromium(page: &Path, profile: &Path, width: u32) -> (String, String) {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let browser = browser.expect("headless Chromium is on the PATH (apt-get install chromium)");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            &format!("--window-size={width},1000"),
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The page's own check (`CHECK_SCRIPT`) passed: every chart drew, no
/// chart text (legends included) is clipped, the page fits the window.
fn assert_rendered(dom: &str, log: &str, charts: usize) {
    assert!(
        dom.contains(r#"data-rendered="ok""#),
        "charts did not render, or clipped, or overflowed; body: {:?}\nlog: {log}",
        dom.lines().find(|l| l.contains("<body"))
    );
    assert!(!log.contains("Uncaught"), "JavaScript error: {log}");
    assert_eq!(dom.matches("class=\"simsms-chart\"").count(), charts);
}

/// Opens the HTML report in headless Chromium at 1280 and 800 pixels wide
/// and checks that every chart drew, no legend or label is clipped and the
/// page fits the window. Long names make the legends wide.
#[test]
#[ignore = "needs headless Chromium (apt-get install chromium): --run-ignored all"]
fn html_report_renders_its_charts_in_headless_chromium() {
    let dir = setup();
    let text = std::fs::read_to_string(dir.path().join("s.toml")).unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        format!("{text}\n[alternatives.everything_through_a_provider_with_a_long_name]\ndescription = \"long\"\n"),
    )
    .unwrap();
    let (_, _, _) = simsms(
        &[
            "compare",
            "s.toml",
            "--html",
            "report.html",
            "-o",
            "report.txt",
        ],
        dir.path(),
    );
    let page = dir.path().join("report.html");
    assert!(page.exists(), "no report.html");
    for width in [1280, 800] {
        let (dom, log) = render_in_chromium(&page, &dir.path().join("profile"), width);
        assert_rendered(&dom, &log, 3);
    }
}

/// The sensitivity page's tornado chart draws in headless Chromium.
#[test]
#[ignore = "needs headless Chromium (apt-get install chromium): --run-ignored all"]
fn sensitivity_tornado_renders_in_headless_chromium() {
    let dir = setup();
    let (code, _, err) = simsms(
        &[
            "sensitivity",
            "s.toml",
            "-r",
            "3",
            "--html",
            "t.html",
            "-o",
            "t.txt",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let page = dir.path().join("t.html");
    for width in [1280, 800] {
        let (dom, log) = render_in_chromium(&page, &dir.path().join("profile"), width);
        assert_rendered(&dom, &log, 1);
    }
}

/// `fit --out` writes fit.html; in headless Chromium at 1280 and 800
/// pixels wide both charts of every provider × carrier draw (the CDF with
/// the empirical step and every fitted curve), nothing is clipped, the page
/// fits the window and the console stays silent. The records name a
/// provider `<script>…</script>` and a long carrier with `&`: neither may
/// inject markup or widen the page.
#[test]
#[ignore = "needs headless Chromium (apt-get install chromium): --run-ignored all"]
fn fit_html_renders_its_charts_in_headless_chromium() {
    let dir = setup();
    // Exit 1: an expectation of the scenario fails, on purpose.
    let (code, _, err) = simsms(
        &["run", "s.toml", "-r", "1", "--events", "r.csv"],
        dir.path(),
    );
    assert!(code == 0 || code == 1, "{err}");
    let records = std::fs::read_to_string(dir.path().join("r.csv"))
        .unwrap()
        .replace(",agg,x,", ",<script>alert(1)</script>,x,")
        .replace(",agg,y,", ",agg,a_carrier_with_a_name_far_longer_than_a_narrow_window_is_wide_from_the_records_&_more,");
    std::fs::write(dir.path().join("h.csv"), records).unwrap();
    let (code, _, err) = simsms(&["fit", "h.csv", "-o", "fitted.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
    let (_, _, err) = simsms(
        &["fit", "h.csv", "--out", "o", "--check", "fitted.toml"],
        dir.path(),
    );
    let page = dir.path().join("o/fit.html");
    assert!(page.exists(), "no fit.html: {err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<th>simulated</th>"),
        "the check is on the page"
    );
    for width in [1280, 800] {
        let (dom, log) = render_in_chromium(&page, &dir.path().join("profile"), width);
        // Two cells, each with its share bars and its latency CDF.
        assert_rendered(&dom, &log, 4);
        assert!(!log.contains(":CONSOLE"), "console output: {log}");
        assert_eq!(dom.matches("<script").count(), 1, "an injected script");
        assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt; × x"));
        assert!(dom.matches("records: ").count() >= 2, "the empirical CDFs");
        assert!(dom.matches("(used by the fitted scenario)").count() == 2);
    }
}
