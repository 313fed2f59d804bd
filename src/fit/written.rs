//! Where a fit's results go: the fitted scenario (validated before it is
//! written, and written whole or not at all) and the report files, for a
//! fit and for a merge of a sharded fit alike.

use super::estimates::{Assumed, Fit};
use super::scenario_out::{self, Base};
use super::{html, report};
use std::path::Path;

/// What the base scenario says that the estimates need: its largest
/// carrier's SMSC validity.
pub fn assumed(base: Option<&crate::scenario::Scenario>) -> Assumed {
    let largest = base.and_then(|sc| {
        sc.carriers
            .iter()
            .max_by(|a, b| a.share.total_cmp(&b.share))
    });
    match largest {
        Some(c) => Assumed {
            validity_s: c.smsc.validity as f64 / 1e9,
        },
        None => Assumed::default(),
    }
}

/// Where a fit's results go.
pub struct Written<'a> {
    pub base: Option<&'a Base>,
    pub sources: &'a [String],
    /// The fitted scenario.
    pub scenario: Option<&'a Path>,
    /// fit.json, fit.md, fit.html (and check.json).
    pub out: Option<&'a Path>,
    pub check: Option<&'a serde_json::Value>,
    /// What `--check` found, for fit.html.
    pub checked: Option<html::Checked<'a>>,
}

impl Written<'_> {
    pub fn write(&self, fit: &Fit) -> Result<(), crate::Error> {
        if let Some(dir) = self.out {
            std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir.display(), e))?;
        }
        if let Some(path) = self.scenario {
            let text = scenario_out::write(fit, self.base, self.sources);
            // What fit writes must be a scenario simsms accepts.
            if let Err(e) = crate::scenario::parse(&text, &path.display().to_string()) {
                return Err(crate::Error::Usage(format!(
                    "the records give a scenario simsms cannot run, so {} is not written \
                     (please report the records' shape: fit should have said why):\n{e}",
                    path.display()
                )));
            }
            crate::output::write_atomic(path, text.as_bytes())?;
        }
        if let Some(dir) = self.out {
            // A check.json from an earlier --check would not be this fit's.
            if self.check.is_none() {
                let _ = std::fs::remove_file(dir.join("check.json"));
            }
            let json = serde_json::to_string_pretty(&report::json(fit, self.sources))
                .expect("JSON")
                + "\n";
            let mut files = vec![
                ("fit.json", json),
                ("fit.md", report::markdown(fit, self.sources)),
                ("fit.html", html::page(fit, self.sources, self.checked)),
            ];
            if let Some(c) = self.check {
                files.push((
                    "check.json",
                    serde_json::to_string_pretty(c).expect("JSON") + "\n",
                ));
            }
            for (name, contents) in files {
                crate::output::write_atomic(&dir.join(name), contents.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// A sharded fit's parts added, with the base and sources their recipe
/// names.
pub struct Merged {
    pub fit: Fit,
    pub base: Option<Base>,
    pub sources: Vec<String>,
}

impl Merged {
    pub fn of(
        recipe: &crate::partial::Recipe,
        texts: &[(String, String)],
    ) -> Result<Merged, crate::Error> {
        let summary = super::partial::merge(texts)?;
        let base_scenario = match recipe.scenario_text.is_empty() {
            true => None,
            false => Some(crate::scenario::parse(
                &recipe.scenario_text,
                &recipe.source,
            )?),
        };
        let base = match recipe.sets.iter().find_map(|s| s.strip_prefix("--base=")) {
            Some(file) => Some(Base {
                file: file.to_string(),
                table: toml::from_str(&recipe.scenario_text)
                    .map_err(|e| crate::Error::Usage(format!("{file}: {e}")))?,
            }),
            None => None,
        };
        Ok(Merged {
            fit: Fit::of(summary, assumed(base_scenario.as_ref())),
            base,
            sources: recipe.source.split(", ").map(String::from).collect(),
        })
    }
}
