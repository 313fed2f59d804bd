use super::charts::*;
use super::*;
use crate::fit::collect::Collected;
use crate::fit::{Observation, Sink, Skip};

const HOSTILE: &str = "<script>alert(1)</script>";

/// A fit of `latencies` (seconds) delivered by `provider` on carrier
/// `a&b`, one message per number, plus ten undeliverable and a skip whose
/// reason quotes the record.
fn fit_of(provider: &str, latencies: &[f64]) -> Fit {
    let mut c = Collected::new(None, None);
    let numbers: Vec<String> = (0..latencies.len() + 10).map(|i| format!("n{i}")).collect();
    for (i, number) in numbers.iter().enumerate() {
        let delivered = i < latencies.len();
        c.observe(&Observation {
            number,
            session: None,
            provider,
            carrier: Some("a&b"),
            sent_s: i as f64,
            final_s: Some(i as f64 + if delivered { latencies[i] } else { 5.0 }),
            state: match delivered {
                true => FinalState::Delivered,
                false => FinalState::Undeliverable,
            },
            err: None,
            segments: 1,
            price: None,
            wall_clock: false,
            line: i as u64 + 2,
        });
    }
    c.skip(Skip {
        line: 7,
        reason: "unknown status \"<img src=x onerror=alert(2)>\"".into(),
    });
    Fit::of(c.finish(), Default::default())
}

/// Deterministic log-normal-looking latencies: median 3 s, wide.
fn spread(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let u = (i as f64 + 0.5) / n as f64;
            // A logistic stand-in for the normal quantile is close enough.
            3.0 * ((u / (1.0 - u)).ln() * 0.6).exp()
        })
        .collect()
}

/// Two groups no single shape fits: the table is used.
fn mixture() -> Vec<f64> {
    let mut v = spread(1_000);
    v.extend(spread(1_000).iter().map(|x| x * 40.0));
    v
}

fn polylines(svg: &str) -> usize {
    svg.matches("<polyline").count()
}

#[test]
fn names_from_the_records_are_escaped_everywhere() {
    let fit = fit_of(HOSTILE, &spread(200));
    let page = page(&fit, &[format!("{HOSTILE}.csv")], None);
    // The only script is the page's own load check.
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("a&b"), "carrier not escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; × a&amp;b"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(page.contains("<code>&lt;script&gt;"), "file name");
}

#[test]
fn a_scenario_name_from_check_is_escaped_too() {
    let fit = fit_of("p", &spread(50));
    let rows = [agreement(&fit, "share delivered", true)];
    let page = page(
        &fit,
        &["r.csv".into()],
        Some(Checked {
            scenario: HOSTILE,
            rows: &rows,
        }),
    );
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<strong>&lt;script&gt;"));
}

#[test]
fn the_cdf_chart_draws_the_data_the_table_and_every_shape_with_its_ks_d() {
    let fit = fit_of("p", &spread(500));
    let cell = &fit.cells[0];
    let l = cell.latency.as_ref().unwrap();
    assert!(l.fixed.is_none());
    let svg = latency_svg(cell, l);
    // Empirical step, table, log-normal, exponential.
    assert_eq!(polylines(&svg), 4, "{svg}");
    for colour in [EMPIRICAL, TABLE, LOG_NORMAL, EXPONENTIAL] {
        assert!(svg.contains(&format!("stroke=\"{colour}\"")), "{colour}");
    }
    assert!(svg.contains("records: 500 delivered"));
    let ln = l.log_normal.unwrap();
    assert!(svg.contains("log-normal (median 3.0s, p99 "), "{svg}");
    assert!(svg.contains(&format!("KS D {:.3}", ln.ks_d)));
    let ex = l.exponential.unwrap();
    assert!(svg.contains(&format!(
        "exponential (mean {}): KS D {:.3}",
        secs(l.mean),
        ex.ks_d
    )));
    assert!(svg.contains(&format!("table of {} rows: KS D", l.table.len())));
    // Exactly one curve is marked, and it is the one the scenario writes.
    assert_eq!(svg.matches("(used by the fitted scenario)").count(), 1);
    assert!(l.use_parametric, "{l:?}");
    assert!(
        svg.contains("p99 ")
            && svg.contains(&format!(
                "KS D {:.3} (used by the fitted scenario)",
                ln.ks_d
            ))
    );
}

#[test]
fn the_legend_marks_the_table_when_every_shape_is_rejected() {
    let fit = fit_of("p", &mixture());
    let cell = &fit.cells[0];
    let l = cell.latency.as_ref().unwrap();
    assert!(!l.use_parametric);
    let svg = latency_svg(cell, l);
    let marked: Vec<&str> = svg
        .lines()
        .filter(|line| line.contains("(used by the fitted scenario)"))
        .collect();
    assert_eq!(marked.len(), 1);
    assert!(marked[0].contains("table of"), "{}", marked[0]);
    let table = fits_table(cell, l);
    assert_eq!(table.matches("uses it").count(), 1);
    assert!(
        table.contains("<tr><td>table</td>") && table.find("uses it") < table.find("log-normal")
    );
}

#[test]
fn equal_latencies_add_the_fixed_curve_and_use_it() {
    let fit = fit_of("p", &[3.0; 40]);
    let cell = &fit.cells[0];
    let l = cell.latency.as_ref().unwrap();
    let svg = latency_svg(cell, l);
    // Empirical, table, exponential, fixed (no log-normal: no spread).
    assert_eq!(polylines(&svg), 4, "{svg}");
    assert!(svg.contains(&format!("stroke=\"{FIXED}\"")));
    assert!(
        svg.contains("fixed (3.0s): KS D 0.000 (used by the fitted scenario)"),
        "{svg}"
    );
}

#[test]
fn the_log_axis_has_round_time_ticks_and_every_point_stays_in_the_panel() {
    // 0.5 s .. 50 s (and the axis runs to at least 100 s).
    let values: Vec<f64> = (0..300).map(|i| 0.5 * 1.016f64.powi(i)).collect();
    let fit = fit_of("p", &values);
    let cell = &fit.cells[0];
    let svg = latency_svg(cell, cell.latency.as_ref().unwrap());
    let labels: Vec<&str> = svg
        .split("text-anchor=\"middle\">")
        .skip(1)
        .map(|t| &t[..t.find('<').unwrap()])
        .collect();
    assert_eq!(labels, ["100ms", "1s", "10s", "1m"]);
    for line in svg.lines().filter(|l| l.starts_with("<polyline")) {
        let points = line.split("points=\"").nth(1).unwrap();
        for xy in points.trim_end_matches("\"/>").split(' ') {
            let (x, y) = xy.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!(
                (50.0..=610.0).contains(&x) && (30.0..=290.0).contains(&y),
                "{xy}"
            );
        }
    }
}

fn agreement(fit: &Fit, what: &str, agrees: bool) -> Agreement {
    let cell = &fit.cells[0];
    Agreement {
        provider: cell.provider.clone(),
        carrier: cell.carrier.clone(),
        what: what.into(),
        records: Estimate {
            value: 0.9,
            low: 0.88,
            high: 0.92,
        },
        simulated: Estimate {
            value: 0.8,
            low: 0.79,
            high: 0.81,
        },
        z: if agrees { 1.2 } else { 8.9 },
        agrees,
        is_latency: what.starts_with("latency"),
    }
}

#[test]
fn shares_stand_beside_the_simulation_with_z_and_the_verdict() {
    let fit = fit_of("p", &spread(90));
    let rows = [
        agreement(&fit, "share delivered", true),
        agreement(&fit, "share undeliverable", false),
    ];
    let checked = Some(Checked {
        scenario: "fitted",
        rows: &rows,
    });
    let svg = shares_svg(&fit.cells[0], checked);
    // A records bar per state, a simulated bar per comparison, legend swatches.
    assert_eq!(
        svg.matches(&format!("fill=\"{RECORDS}\"><title>")).count(),
        6
    );
    assert_eq!(
        svg.matches(&format!("fill=\"{SIMULATED}\"><title>"))
            .count(),
        2
    );
    assert!(svg.contains(">simulated</text>"));
    assert!(svg.contains("80.00% z 1.2 ✓"));
    assert!(svg.contains("fill=\"#d62728\">80.00% z 8.9 ✗"));
    let table = shares_table(&fit.cells[0], checked);
    assert_eq!(table.matches("class=\"pass\"").count(), 1);
    assert_eq!(table.matches("class=\"fail\"").count(), 1);
    let page = page(&fit, &["r.csv".into()], checked);
    assert!(page.contains("1 of 2 figures differ"), "{page}");
}

#[test]
fn without_check_the_bars_show_the_records_only() {
    let fit = fit_of("p", &spread(90));
    let svg = shares_svg(&fit.cells[0], None);
    assert!(!svg.contains("simulated"));
    assert_eq!(
        svg.matches(&format!("fill=\"{RECORDS}\"><title>")).count(),
        6
    );
    // 90 of 100 delivered: 90.00% [82.5, 94.5] by Wilson.
    assert!(svg.contains("delivered in the records: 90.00% ["));
    let page = page(&fit, &["r.csv".into()], None);
    assert!(!page.contains("<th>simulated</th>"));
}

#[test]
fn the_page_has_every_section_and_balanced_charts() {
    let fit = fit_of("p", &spread(120));
    let page = page(&fit, &["r.csv".into()], None);
    for heading in [
        "<h1>simsms fit</h1>",
        "<h2>Skipped records</h2>",
        "<h2>p × a&amp;b</h2>",
        "<h3>Final states</h3>",
        "<h3>Latency of delivered messages",
        "<h2>Rejections per number and per message</h2>",
        "<h2>Undeliverable per number and per message</h2>",
        "<h2>Users and traffic</h2>",
    ] {
        assert!(page.contains(heading), "{heading}");
    }
    assert!(page.contains("130 records from <code>r.csv</code>"));
    assert!(page.contains("<th>absent handsets</th><td>not identified"));
    assert_eq!(page.matches("class=\"simsms-chart\"").count(), 2);
    assert_eq!(page.matches("<svg").count(), page.matches("</svg>").count());
    assert_eq!(
        page.matches("<table").count(),
        page.matches("</table>").count()
    );
    assert!(page.trim_end().ends_with("</html>"));
}

#[test]
fn a_cell_without_latencies_says_so_and_draws_no_cdf() {
    let fit = fit_of("p", &[]);
    assert!(fit.cells[0].latency.is_none());
    let page = page(&fit, &["r.csv".into()], None);
    assert!(page.contains("No delivered message has a final time."));
    assert_eq!(page.matches("class=\"simsms-chart\"").count(), 1);
}
