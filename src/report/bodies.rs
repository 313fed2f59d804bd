//! What the messages say, as the network counts them: each provider's body
//! with its encoding, length, segments and what a message costs, for the
//! scenario and every alternative that sends a different body. Printed
//! only when the scenario gives a body. `table` lays it out.

use crate::scenario::{Provider, Scenario, TpsUnit};

/// The MESSAGE BODIES table's columns.
pub const HEADER: [&str; 9] = [
    "variant",
    "provider",
    "encoding",
    "characters",
    "units",
    "segments",
    "code in part",
    "price/message",
    "tps counts",
];

/// The MESSAGE BODIES rows and each body's text on one line; empty when no
/// provider has a body.
pub fn body_rows(sc: &Scenario) -> (Vec<Vec<String>>, Vec<String>) {
    let variants = std::iter::once(("(scenario)", sc)).chain(
        sc.alternatives
            .iter()
            .map(|a| (a.name.as_str(), &*a.scenario)),
    );
    let mut rows = Vec::new();
    let mut texts = Vec::new();
    for (variant, scenario) in variants {
        for p in &scenario.providers {
            let Some(body) = &p.body else { continue };
            let same_as_scenario = variant != "(scenario)"
                && sc.providers.iter().any(|b| {
                    b.name == p.name
                        && b.body.as_ref().map(|b| &b.text) == Some(&body.text)
                        && b.tps_unit == p.tps_unit
                        && b.price == p.price
                });
            if same_as_scenario {
                continue;
            }
            rows.push(row(variant, p));
            let one_line = body.text.replace('\n', "\\n");
            texts.push(format!("  {variant} {}: \"{one_line}\"", p.name));
        }
    }
    (rows, texts)
}

fn row(variant: &str, p: &Provider) -> Vec<String> {
    let body = p
        .body
        .as_ref()
        .expect("rows are built for providers with a body");
    let prices = price_range(p);
    let price = match prices {
        (low, high) if low == high => format!("{} x {}", p.segments(), money(low)),
        (low, high) => format!("{} x {}..{}", p.segments(), money(low), money(high)),
    };
    vec![
        variant.to_string(),
        p.name.clone(),
        body.layout.encoding.name().to_string(),
        body.text.chars().count().to_string(),
        body.layout.units.to_string(),
        body.layout.segments.to_string(),
        body.code_segment.to_string(),
        price,
        match p.tps_unit {
            TpsUnit::Message => "message",
            TpsUnit::Segment => "segment",
        }
        .to_string(),
    ]
}

fn price_range(p: &Provider) -> (f64, f64) {
    p.price
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

fn money(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}
