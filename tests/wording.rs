//! Messages that point at the real cause, `init` naming what it writes,
//! and the HTML report's content (the browser checks are in exports.rs).

mod common;

use common::outcome_in as simsms;

const SMALL: &str = r#"[scenario]
name = "small"
duration = "5m"
seed = 3
replications = 3

[traffic]
rate = "5/s"

[providers.agg]
route = "international"
submit_latency = { median = "3s", p99 = "40s" }

[routing]
policy = "single"
provider = "agg"

[carriers.big]
share = 0.7

[carriers.small]
share = 0.3
"#;

/// `check` of SMALL with `--set`-free edits: its stderr, after exit 2.
fn refused(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), text).unwrap();
    let (code, _, err) = simsms(&["check", "s.toml"], dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn a_long_validity_is_blamed_on_the_validity_not_the_timeline_bucket() {
    let err = refused(&SMALL.replace(
        "share = 0.3\n",
        "share = 0.3\nsmsc = { validity = \"499y\", retry = [\"30d\"] }\n",
    ));
    assert!(!err.contains("`scenario.timeline_bucket`"), "{err}");
    assert!(err.contains("key `carriers.small.smsc.validity`"), "{err}");
    assert!(
        err.contains("drain defaults to the longest SMSC validity"),
        "{err}"
    );
}

#[test]
fn a_nan_share_is_refused_as_such_not_as_a_sum() {
    let err = refused(&SMALL.replace("share = 0.7", "share = nan"));
    assert!(err.contains("carriers.big.share"), "{err}");
    assert!(err.contains("got NaN"), "{err}");
    assert!(!err.contains("summing to 1"), "{err}");
}

#[test]
fn a_nan_bound_is_refused_as_such_not_as_missing() {
    let err = refused(&format!(
        "{SMALL}\n[[expect]]\nmetric = \"otp_success\"\nmin = nan\n"
    ));
    assert!(err.contains("expect[0].min"), "{err}");
    assert!(err.contains("a finite number, got NaN"), "{err}");
    assert!(!err.contains("a `min` or `max` bound"), "{err}");
}

#[test]
fn a_negative_count_says_a_whole_number_was_expected() {
    let err = refused(&SMALL.replace(
        "[providers.agg]",
        "[otp]\nmax_sends = -3\n\n[providers.agg]",
    ));
    assert!(err.contains("otp.max_sends"), "{err}");
    assert!(err.contains("expected a whole number"), "{err}");
    assert!(err.contains("got -3"), "{err}");
    assert!(!err.contains("invalid value"), "{err}");
}

#[test]
fn init_names_the_scenario_and_the_run_line_after_its_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let (code, out, err) = simsms(&["init", "sub/checkout.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("simsms run sub/checkout.toml"), "{out}");
    let text = std::fs::read_to_string(dir.path().join("sub/checkout.toml")).unwrap();
    assert!(text.contains("\nname = \"checkout\""), "{text}");
    assert!(
        text.contains("Run it with:  simsms run sub/checkout.toml\n"),
        "{text}"
    );
    let (code, out, err) = simsms(&["check", "sub/checkout.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(\"checkout\":"), "{out}");
}

#[test]
fn init_dash_writes_the_starter_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = simsms(&["init", "-"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("# A starter simsms scenario."), "{out}");
    assert!(out.contains("[scenario]"), "{out}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "wrote a file"
    );
}

const WITH_ALTERNATIVE: &str = r#"
[providers.direct_provider_with_a_long_name]
route = "domestic"
price = 9.0

[alternatives.everything_through_the_domestic_provider]
routing = { policy = "single", provider = "direct_provider_with_a_long_name" }

[[expect]]
metric = "time_to_code_p99"
max = "10m"

[[expect]]
metric = "success_within_target"
min = 0.5
"#;

fn html() -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        format!("{SMALL}{WITH_ALTERNATIVE}"),
    )
    .unwrap();
    let (code, _, err) = simsms(
        &["compare", "s.toml", "--html", "r.html", "-o", "r.txt"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    std::fs::read_to_string(dir.path().join("r.html")).unwrap()
}

#[test]
fn the_html_report_opens_with_the_answer_and_tables_the_differences() {
    let page = html();
    let answer = page.find("<h2>Answer: ").expect("an answer section");
    let first_h2 = page.find("<h2>").unwrap();
    assert_eq!(answer, first_h2, "the answer is not the first section");
    assert!(
        page[answer..].contains("per verified user"),
        "no cost in the answer"
    );
    let diffs = page
        .find("<h2>Differences from scenario</h2>")
        .expect("a differences section");
    let table = &page[diffs..page[diffs..].find("</table>").unwrap() + diffs];
    assert!(table.contains("<th>cost/run</th>"), "{table}");
    assert!(
        table.contains("<td>everything_through_the_domestic_provider</td><td>all</td>"),
        "{table}"
    );
}

#[test]
fn html_expectations_are_in_the_metrics_unit() {
    let page = html();
    let start = page.find("<h2>Expectations</h2>").unwrap();
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("<tr><td")).collect();
    assert_eq!(rows.len(), 2, "{table}");
    // A time in seconds, a share in percent; never a bare 4-decimal number.
    assert!(rows[0].contains("s ["), "{}", rows[0]);
    assert!(rows[0].contains("&lt;= 10.0m"), "{}", rows[0]);
    assert!(rows[1].contains("% ["), "{}", rows[1]);
    assert!(rows[1].contains("&gt;= 50.00%"), "{}", rows[1]);
    let four_decimals = |r: &str| {
        r.split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .any(|t| t.split_once('.').is_some_and(|(_, d)| d.len() == 4))
    };
    assert!(!rows.iter().any(|r| four_decimals(r)), "{table}");
}
