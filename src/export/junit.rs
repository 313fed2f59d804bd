//! JUnit XML for CI test reports: one test case per expectation, failures
//! carrying the observed value and the bound.

use super::{Run, escape_xml};
use std::fmt::Write;

pub fn junit_xml(run: &Run) -> String {
    let verdicts = &run.results.verdicts;
    let failures = verdicts.iter().filter(|v| v.failed()).count();
    let skipped = verdicts.iter().filter(|v| !v.measured).count();
    let suite = escape_xml(&format!("simsms.{}", run.scenario.name));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"simsms\" tests=\"{}\" failures=\"{failures}\">",
        verdicts.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        verdicts.len()
    );
    if let Some(m) = run.measurement() {
        out.push_str("    <properties>\n");
        let mut properties = vec![
            ("kind".to_string(), m.kind.name().to_string()),
            ("measured".to_string(), m.line()),
        ];
        if let Some(load) = &m.load {
            properties.extend(load.tidy().into_iter().map(|(k, v, _)| (k, format!("{v}"))));
        }
        for (name, value) in properties {
            let _ = writeln!(
                out,
                "      <property name=\"{}\" value=\"{}\"/>",
                escape_xml(&name),
                escape_xml(&value)
            );
        }
        out.push_str("    </properties>\n");
    }
    for v in verdicts {
        let observed = format!(
            "{} [{}, {}]",
            v.observed.value, v.observed.low, v.observed.high
        );
        let _ = write!(
            out,
            "    <testcase classname=\"{suite}\" name=\"{}\"",
            escape_xml(&v.label)
        );
        if !v.measured {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"not measured: {}\"/>\n    </testcase>",
                escape_xml(v.why_unmeasured)
            );
        } else if v.passed {
            out.push_str("/>\n");
        } else {
            let message = format!("observed {observed}; expected {}", v.bound);
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"expectation\">{}</failure>\n    </testcase>",
                escape_xml(&message),
                escape_xml(&message)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
