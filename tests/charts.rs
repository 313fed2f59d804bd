//! The SVG charts: legends fit inside their chart, however long the names,
//! and axes have round ticks (the browser checks are in exports.rs).

mod common;

use common::outcome_in as simsms;
use std::path::Path;

const SCENARIO: &str = r#"[scenario]
name = "charts"
duration = "50m"
seed = 3
replications = 2

[traffic]
rate = "2/s"

[providers.agg]
route = "international"
submit_latency = { median = "3s", p99 = "40s" }

[providers.direct_provider_with_a_long_name]
route = "domestic"

[routing]
policy = "single"
provider = "agg"

[carriers.a_carrier_with_a_rather_long_name]
share = 0.7

[carriers.small]
share = 0.3

[alternatives.everything_through_the_domestic_provider]
routing = { policy = "single", provider = "direct_provider_with_a_long_name" }
"#;

/// Every export of SCENARIO, in a directory.
fn exports() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    let (code, _, err) = simsms(
        &["compare", "s.toml", "--out", "out", "-o", "r.txt"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    dir
}

fn attribute(tag: &str, name: &str) -> f64 {
    let tag = &format!(" {tag}");
    let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
}

/// (x, font size, text) of every `<text>` starting at x (no anchor).
fn left_texts(svg: &str) -> Vec<(f64, f64, String)> {
    svg.split("<text ")
        .skip(1)
        .filter(|t| !t.split('>').next().unwrap().contains("text-anchor"))
        .map(|t| {
            let tag = t.split('>').next().unwrap();
            let text = t[tag.len() + 1..t.find("</text>").unwrap()].to_string();
            (attribute(tag, "x"), attribute(tag, "font-size"), text)
        })
        .collect()
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join("out").join(file)).unwrap()
}

#[test]
fn chart_legends_fit_inside_their_chart() {
    let dir = exports();
    for file in ["latency.svg", "outcomes.svg", "timeline.svg"] {
        let svg = read(dir.path(), file);
        let width = attribute(&svg[..svg.find('>').unwrap()], "width");
        for (x, size, text) in left_texts(&svg) {
            // At least half an em per character in any sans-serif font.
            let right = x + text.chars().count() as f64 * size * 0.5;
            assert!(
                right <= width,
                "{file}: {text:?} ends at {right:.0} > {width}"
            );
        }
    }
}

/// The labels of `svg`'s axis ticks, drawn at `font-size="10"`.
fn tick_labels(svg: &str, anchor: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .filter(|t| {
            let tag = t.split('>').next().unwrap();
            tag.contains("font-size=\"10\"") && tag.contains(&format!("text-anchor=\"{anchor}\""))
        })
        .map(|t| t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].to_string())
        .collect()
}

#[test]
fn timeline_axes_have_round_ticks() {
    let dir = exports();
    let svg = read(dir.path(), "timeline.svg");
    let times = tick_labels(&svg, "middle");
    assert!(times.len() >= 4 * 3, "{times:?}");
    for t in &times {
        let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        assert!(
            t == "0" || (digits.parse::<u64>().is_ok() && digits.len() < t.len()),
            "time tick {t:?} is not a round time ({times:?})"
        );
    }
    // Each panel's labels follow its bold title.
    let panels: Vec<&str> = svg.split("font-weight=\"bold\"").skip(1).collect();
    assert_eq!(panels.len(), 4);
    for panel in panels {
        let panel = tick_labels(panel, "end");
        assert!(
            panel.len() >= 3,
            "a readable y axis has several ticks: {panel:?}"
        );
        let values: Vec<f64> = panel
            .iter()
            .map(|c| c.replace(',', "").parse().unwrap())
            .collect();
        let step = values[1] - values[0];
        let magnitude = 10f64.powf(step.log10().floor());
        assert!(
            [1.0, 2.0, 5.0]
                .iter()
                .any(|m| (step / magnitude - m).abs() < 1e-9),
            "step {step} of {panel:?}"
        );
        assert!(
            values.iter().all(|v| (v / step).fract().abs() < 1e-9),
            "{panel:?}"
        );
    }
}

#[test]
fn latency_axis_ticks_are_round_times() {
    let dir = exports();
    let svg = read(dir.path(), "latency.svg");
    let times = tick_labels(&svg, "middle");
    for t in &times {
        assert!(
            ["100ms", "1s", "10s", "1m", "10m", "1h", "6h", "1d", "7d"].contains(&t.as_str()),
            "{t:?} in {times:?}"
        );
    }
}
