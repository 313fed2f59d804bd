//! The report answers the money question: the ANSWER block's cost lines
//! (per verified user, per run, per hour of traffic, with paired
//! intervals), per-carrier lines, its wording, the ALTERNATIVES table's
//! cost per run and the provider tables without unused providers.

mod common;

use common::outcome_in as simsms;

/// Two carriers, a cheap international provider and a dearer domestic
/// one the scenario never routes to; the alternative routes everything
/// domestic. Thirty minutes of traffic: an hour is twice a run.
const PRICED: &str = r#"
[scenario]
name = "priced"
currency = "JPY"
duration = "30m"
seed = 5
replications = 6
[traffic]
rate = "5/s"
[providers.cheap]
route = "international"
price = 4.0
[providers.dear]
route = "domestic"
price = 9.0
[routing]
policy = "single"
provider = "cheap"
[routes.international]
loss = 0.1
[carriers.big]
share = 0.7
[carriers.small]
share = 0.3

[alternatives.domestic]
routing = { policy = "single", provider = "dear" }
"#;

fn report(scenario: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    let mut all = vec!["run", "s.toml"];
    all.extend(args);
    let (code, out, err) = simsms(&all, dir.path());
    assert_eq!(code, 0, "{err}");
    out
}

/// The number after `prefix` in `text` (commas and a sign allowed).
fn number_after(text: &str, prefix: &str) -> f64 {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in {text}"));
    let rest = &text[at + prefix.len()..];
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | ','))
        .filter(|c| *c != ',')
        .collect();
    token
        .parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?}"))
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in {text}"))
}

#[test]
fn the_answer_gives_cost_differences_per_verified_user_per_run_and_per_hour() {
    let out = report(PRICED, &[]);
    let answer = &out[..out.find("\nMESSAGES").unwrap()];
    let success = line_with(answer, "    domestic, all carriers: within 60.0s ");
    assert!(success.contains(" points ["), "{success}");
    let cost = line_with(answer, "      cost ");
    assert!(cost.contains(" JPY per verified user ["), "{cost}");
    assert!(cost.contains(" JPY per run ["), "{cost}");
    assert!(cost.contains(" JPY per hour of traffic ["), "{cost}");
    assert!(cost.contains("% of the scenario's cost"), "{cost}");
    // Domestic at 9 JPY a message costs more than international at 4.
    let per_success = number_after(cost, "cost ");
    assert!(per_success > 0.0, "{cost}");
    // "cost A JPY per verified user [..]; B JPY per run [..], C JPY per hour".
    let total = number_after(&cost[cost.find("; ").unwrap() + 2..], "");
    let per_hour = number_after(&cost[cost.find("], ").unwrap() + 3..], "");
    // An hour is two 30-minute runs.
    assert!(
        (per_hour - 2.0 * total).abs() <= 2.0,
        "per hour {per_hour} is not twice per run {total}: {cost}"
    );
    // The mean of paired differences is the difference of the means: the
    // ALTERNATIVES table's cost per run, alternative minus scenario.
    let table = &out[out.find("\nALTERNATIVES").unwrap()..];
    let cost_per_run = |name: &str| {
        let row = table
            .lines()
            .find(|l| l.starts_with(name) && l.contains("(all)"))
            .unwrap();
        let cells: Vec<&str> = row.split_whitespace().collect();
        // The last column: "total [low, high]".
        cells[cells.len() - 3].parse::<f64>().unwrap()
    };
    let difference = cost_per_run("domestic") - cost_per_run("scenario");
    assert!(
        (difference - total).abs() <= 2.0,
        "answer {total}, table difference {difference}"
    );
    let base = line_with(answer, "  Cost, all carriers: ");
    assert!(base.contains(" JPY per verified user ["), "{base}");
    assert!(base.contains(" JPY per hour of traffic ["), "{base}");
}

#[test]
fn late_codes_are_worded_apart_from_usable_codes() {
    let out = report(PRICED, &[]);
    let line = line_with(&out, "  all carriers  ");
    assert!(!line.contains("a code at all"), "{line}");
    assert!(line.contains("; a usable code at any time "), "{line}");
    assert!(line.contains("; another "), "{line}");
    assert!(line.contains(" got a code only too late to use"), "{line}");
}

#[test]
fn carriers_get_their_own_answer_lines_when_asked_or_named_by_an_expectation() {
    let plain = report(PRICED, &[]);
    assert!(!plain.contains("domestic, big:"), "{plain}");
    let by = report(PRICED, &["--by", "carrier"]);
    for carrier in ["big", "small"] {
        assert!(
            by.contains(&format!("    domestic, {carrier}: within 60.0s")),
            "{by}"
        );
        assert!(by.contains(&format!("  Cost, {carrier}: ")), "{by}");
    }
    let named =
        format!("{PRICED}\n[[expect]]\nmetric = \"otp_success\"\ncarrier = \"small\"\nmin = 0.1\n");
    let named = report(&named, &[]);
    assert!(
        named.contains("    domestic, small: within 60.0s"),
        "{named}"
    );
    assert!(!named.contains("    domestic, big:"), "{named}");
}

#[test]
fn the_alternatives_table_shows_cost_per_run() {
    let out = report(PRICED, &[]);
    let table = &out[out.find("\nALTERNATIVES").unwrap()..];
    let header = table.lines().nth(2).unwrap();
    assert!(header.contains("  cost/success  "), "{header}");
    assert!(header.ends_with("  cost/run [95% CI]"), "{header}");
    let row = table.lines().find(|l| l.starts_with("domestic ")).unwrap();
    assert!(
        row.trim_end().ends_with(']'),
        "no interval on cost/run: {row}"
    );
}

#[test]
fn provider_tables_hide_providers_the_routing_never_uses_and_say_so() {
    let out = report(PRICED, &[]);
    let tables = &out[out.find("\nMESSAGES").unwrap()..out.find("\nSESSIONS").unwrap()];
    assert!(!tables.lines().any(|l| l.starts_with("dear ")), "{tables}");
    assert_eq!(
        out.matches("not shown in the provider tables: dear (the routing never sends to it)")
            .count(),
        1,
        "{out}"
    );
    let queues = &out[out.find("\nPROVIDER QUEUES").unwrap()..out.find("\nTIMELINE").unwrap()];
    assert!(queues.contains("\ncheap "), "{queues}");
    assert!(!queues.contains("\ndear "), "{queues}");
}

#[test]
fn one_replication_and_one_provider_read_in_the_singular() {
    let out = report(PRICED, &["-r", "1"]);
    assert!(out.contains(" | 1 replication | "), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let single = PRICED
        .replace("[providers.dear]\nroute = \"domestic\"\nprice = 9.0\n", "")
        .replace(
            "[alternatives.domestic]\nrouting = { policy = \"single\", provider = \"dear\" }\n",
            "",
        );
    std::fs::write(dir.path().join("s.toml"), single).unwrap();
    let (code, out, err) = simsms(&["check", "s.toml"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 provider, 2 carriers, 0 outages"), "{out}");
}
