//! Raw scenario → checked `Scenario`: units parsed, names resolved, ranges
//! and sums checked. Every problem becomes a `Diagnostic` naming the key path
//! and, through `locate`, its line and column; all of them are reported at
//! once.

mod body;
mod bounds;
mod events;

pub use events::run_time_outage;
mod names;
mod network;
mod people;
mod serve;
mod tls;

use super::diagnostics::{Diagnostic, ScenarioError, line_col};
use super::locate::{Located, locate};
use super::raw::*;
use super::*;
use crate::units::{NANOS_PER_SEC, parse_duration, parse_rate};
use toml::de::DeTable;

/// Validates scenario text, with command-line `--set` overrides applied
/// first; then each `[alternatives.NAME]` as a patch over the scenario.
pub fn validate(text: &str, file: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => return Err(syntax_error(text, file, &e)),
    };
    let mut table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => return Err(syntax_error(text, file, &e)),
    };
    let mut v = Validator {
        text,
        file,
        root: root.into_inner(),
        diagnostics: Vec::new(),
        prefix: String::new(),
        alternative_names: Vec::new(),
        overridden: overrides.iter().map(|o| o.key.clone()).collect(),
    };
    for o in overrides {
        if let Err(why) = o.apply(&mut table) {
            v.push(
                &o.key,
                why,
                Some("--set takes KEY=VALUE with a key path from docs/scenario.md".into()),
                None,
            );
        }
    }
    let alternatives = match table.remove("alternatives") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t,
        Some(_) => {
            v.error(
                "alternatives",
                "a table of [alternatives.NAME] tables",
                None,
            );
            toml::Table::new()
        }
    };
    v.alternative_names = alternatives.keys().cloned().collect();
    if alternatives.len() > MAX_ALTERNATIVES {
        v.error(
            "alternatives",
            format!(
                "at most {MAX_ALTERNATIVES} alternatives, got {}",
                alternatives.len()
            ),
            Some("compare a few alternatives at a time; sweep a setting with `simsms sweep` (docs/limits.md)".into()),
        );
    }
    for name in alternatives.keys() {
        v.name_length("alternatives", name);
    }
    if !v.diagnostics.is_empty() {
        return Err(v.finish_err());
    }
    let Some(mut scenario) = v.scenario_from(&table) else {
        return Err(v.finish_err());
    };
    for (name, patch) in &alternatives {
        let key = format!("alternatives.{name}");
        if name == BASE_NAME {
            v.error(
                &key,
                format!("an alternative name other than \"{BASE_NAME}\""),
                Some(format!("\"{BASE_NAME}\" names the scenario's own routing")),
            );
            continue;
        }
        v.printable_name(&key, name);
        let Some(patched) = v.patched(&table, &key, patch) else {
            continue;
        };
        v.prefix = format!("{key}.");
        if let Some(mut alternative) = v.scenario_from(&patched) {
            alternative.expectations.clear();
            let description = patch
                .get("description")
                .and_then(|d| d.as_str())
                .unwrap_or_default()
                .to_string();
            v.printable_text(&format!("{key}.description"), &description);
            scenario.alternatives.push(Alternative {
                name: name.clone(),
                description,
                scenario: Box::new(alternative),
            });
        }
        v.prefix.clear();
    }
    if v.diagnostics.is_empty() {
        v.variant_cells(&scenario);
        v.memory(&scenario);
    }
    if v.diagnostics.is_empty() {
        Ok(scenario)
    } else {
        Err(v.finish_err())
    }
}

/// The name that refers to the scenario's own settings among alternatives.
pub const BASE_NAME: &str = "scenario";

/// What an alternative may patch, besides its `description`.
const PATCHABLE: [&str; 9] = [
    "description",
    "routing",
    "providers",
    "carriers",
    "users",
    "otp",
    "mnp",
    "routes",
    "outages",
];

/// Why a `--set KEY=VALUE` cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OverrideError {
    #[error("--set expects KEY=VALUE, got \"{0}\"")]
    NoEquals(String),
    #[error("--set has an empty key path in \"{0}\"")]
    EmptyKey(String),
    #[error("--set {0} is given twice; give each key once (the last would silently win)")]
    Twice(String),
}

/// One `--set KEY=VALUE` override; `--set KEY=` (nothing after `=`)
/// removes the key, so its default applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub key: String,
    /// None: remove the key.
    pub value: Option<toml::Value>,
}

impl Override {
    /// Parses `KEY=VALUE`; VALUE is read as TOML (`0.5`, `true`, `["1m"]`)
    /// and otherwise taken as a string (`200/s`, `5m`).
    pub fn parse(text: &str) -> Result<Override, OverrideError> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| OverrideError::NoEquals(text.to_string()))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(OverrideError::EmptyKey(text.to_string()));
        }
        let value = value.trim();
        let value = (!value.is_empty()).then(|| {
            toml::from_str::<toml::Table>(&format!("v = {value}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(value.trim_matches('"').to_string()))
        });
        Ok(Override {
            key: key.to_string(),
            value,
        })
    }

    fn apply(&self, table: &mut toml::Table) -> Result<(), String> {
        let parts: Vec<&str> = self.key.split('.').collect();
        let mut current = table;
        for part in &parts[..parts.len() - 1] {
            let entry = current
                .entry(part.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            current = entry.as_table_mut().ok_or_else(|| {
                format!(
                    "a table at `{part}` to set `{}` in, found a value",
                    self.key
                )
            })?;
        }
        let last = parts[parts.len() - 1].to_string();
        match &self.value {
            Some(value) => {
                current.insert(last, value.clone());
            }
            None => {
                current.remove(&last);
            }
        }
        Ok(())
    }
}

/// Recursively merges `patch` into `base` (tables merge, values replace).
fn deep_merge(base: &mut toml::Table, patch: &toml::Table) {
    for (k, v) in patch {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(p)) => deep_merge(b, p),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

fn syntax_error(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
    let mut d = Diagnostic {
        key: String::new(),
        expected: format!("valid TOML: {}", e.message().trim()),
        hint: Some("check quotes, brackets and `key = value` pairs on this line".into()),
        line: None,
        column: None,
        line_text: None,
        width: 1,
    };
    if let Some(span) = e.span() {
        let (line, column, line_text) = line_col(text, span.start);
        d.line = Some(line);
        d.column = Some(column);
        d.line_text = Some(line_text);
        d.width = (span.end - span.start).max(1);
    }
    ScenarioError {
        file: file.to_string(),
        diagnostics: vec![d],
    }
}

struct Validator<'a> {
    text: &'a str,
    file: &'a str,
    root: DeTable<'a>,
    diagnostics: Vec<Diagnostic>,
    /// While checking an alternative: `alternatives.NAME.`, so that errors
    /// in its patch point at the patch.
    prefix: String,
    alternative_names: Vec<String>,
    /// Keys given with `--set`, which have no line in the file.
    overridden: Vec<String>,
}

use super::limits::*;

/// A serde type error ("invalid value: integer `-3`, expected u32") as
/// what was expected and what was found ("a whole number from 0 to
/// 4294967295, got -3").
fn plain_expectation(message: &str) -> String {
    let Some((found, wanted)) = message.rsplit_once(", expected ") else {
        return message.to_string();
    };
    let found = found
        .trim_start_matches("invalid value: ")
        .trim_start_matches("invalid type: ");
    let found = match found.split_once(" `") {
        Some(("integer" | "floating point", value)) => value.trim_end_matches('`'),
        _ => found,
    };
    let wanted = match wanted {
        "u8" => format!("a whole number from 0 to {}", u8::MAX),
        "u16" => format!("a whole number from 0 to {}", u16::MAX),
        "u32" => format!("a whole number from 0 to {}", u32::MAX),
        "u64" | "usize" => "a whole number of at least 0".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        other => other.to_string(),
    };
    format!("{wanted}, got {found}")
}

const PROBABILITY_HINT: &str = "probabilities and shares are fractions: write 0.015 for 1.5%";

impl<'a> Validator<'a> {
    /// The diagnostics in file order, one per key.
    fn finish_err(&mut self) -> ScenarioError {
        let mut diagnostics = std::mem::take(&mut self.diagnostics);
        let mut seen = std::collections::HashSet::new();
        diagnostics.retain(|d| d.key.is_empty() || seen.insert(d.key.clone()));
        diagnostics.sort_by_key(|d| (d.line.unwrap_or(usize::MAX), d.column.unwrap_or(0)));
        ScenarioError {
            file: self.file.to_string(),
            diagnostics,
        }
    }

    fn error(&mut self, key: &str, expected: impl Into<String>, hint: Option<String>) {
        let (key, span) = self.place(key, false);
        self.push(&key, expected.into(), hint, span);
    }

    /// The key path to report and its span: inside an alternative's patch
    /// when the patch sets it, else in the scenario.
    /// With `at_key`, point at the key itself rather than its value.
    fn place(&self, key: &str, at_key: bool) -> (String, Option<std::ops::Range<usize>>) {
        let pick = |found: Located| match (at_key && found.complete, found.key) {
            (true, Some(k)) => k,
            _ => found.value,
        };
        if !self.prefix.is_empty() {
            let patched = format!("{}{key}", self.prefix);
            if let Some(found) = locate(&self.root, &patched).filter(|f| f.complete) {
                return (patched, Some(pick(found)));
            }
        }
        // A value that --set replaced is not the one in the file: point at
        // no line of it.
        let replaced = self.prefix.is_empty()
            && self
                .overridden
                .iter()
                .any(|o| key == o || key.starts_with(&format!("{o}.")));
        if replaced {
            return (format!("{key} (from --set)"), None);
        }
        let found = locate(&self.root, key);
        let complete = found.as_ref().is_some_and(|f| f.complete);
        let span = found.map(pick);
        let mut shown = key.to_string();
        if !complete
            && self
                .overridden
                .iter()
                .any(|o| key.starts_with(o.as_str()) || o.starts_with(key))
        {
            shown = format!("{key} (from --set)");
        } else if !self.prefix.is_empty() {
            shown = format!("{key} (in {})", self.prefix.trim_end_matches('.'));
        }
        (shown, span)
    }

    /// Deserialises and checks one complete scenario table.
    fn scenario_from(&mut self, table: &toml::Table) -> Option<Scenario> {
        let before = self.diagnostics.len();
        let value = toml::Value::Table(table.clone());
        let raw = match serde_path_to_error::deserialize::<_, RawScenario>(value) {
            Ok(raw) => raw,
            Err(e) => {
                self.shape_error(&e);
                return None;
            }
        };
        // Beyond the dimension limits, building would itself be slow.
        self.dimensions(&raw);
        self.names(&raw);
        if self.diagnostics.len() != before {
            return None;
        }
        let scenario = self.build(&raw);
        (self.diagnostics.len() == before).then_some(scenario)
    }

    /// The scenario table with an alternative's patch applied.
    fn patched(
        &mut self,
        base: &toml::Table,
        key: &str,
        patch: &toml::Value,
    ) -> Option<toml::Table> {
        let Some(patch) = patch.as_table() else {
            self.error(
                key,
                "a table of sections to patch, e.g. `routing` or `providers`",
                None,
            );
            return None;
        };
        let mut table = base.clone();
        let mut ok = true;
        for (k, v) in patch {
            match (k.as_str(), v) {
                ("description", toml::Value::String(_)) => {}
                ("routing", toml::Value::Table(_)) => {
                    table.insert(k.clone(), v.clone());
                }
                (
                    "providers" | "carriers" | "users" | "otp" | "mnp" | "routes",
                    toml::Value::Table(p),
                ) => {
                    let section = table
                        .entry(k.as_str())
                        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                    if let Some(section) = section.as_table_mut() {
                        deep_merge(section, p);
                    }
                }
                ("outages", toml::Value::Array(_)) => {
                    table.insert(k.clone(), v.clone());
                }
                (other, _) => {
                    let known = PATCHABLE;
                    let hint = did_you_mean(other, known.iter().copied()).map_or_else(
                        || {
                            "an alternative patches `routing`, `providers`, `carriers`, `users`, `otp`, `mnp`, `routes` or `outages` (not `scenario` or `traffic`: alternatives share their users)"
                                .to_string()
                        },
                        |b| format!("did you mean `{b}`?"),
                    );
                    self.error(
                        &format!("{key}.{other}"),
                        "`description` (text), a section to patch (tables), or `outages` (a list)",
                        Some(hint),
                    );
                    ok = false;
                }
            }
        }
        let carriers = |t: &toml::Table| {
            t.get("carriers")
                .and_then(|c| c.as_table())
                .map(|c| c.keys().cloned().collect::<Vec<_>>())
        };
        if ok && carriers(&table) != carriers(base) {
            self.error(
                &format!("{key}.carriers"),
                "the scenario's carriers, patched (an alternative cannot add one)",
                Some("alternatives are compared on the same users, on the same carriers".into()),
            );
            ok = false;
        }
        ok.then_some(table)
    }

    fn push(
        &mut self,
        key: &str,
        expected: String,
        hint: Option<String>,
        span: Option<std::ops::Range<usize>>,
    ) {
        let mut d = Diagnostic {
            key: key.to_string(),
            expected,
            hint,
            line: None,
            column: None,
            line_text: None,
            width: 1,
        };
        if let Some(span) = span {
            let (line, column, line_text) = line_col(self.text, span.start);
            let first_line_width = self.text[span.clone()]
                .split('\n')
                .next()
                .map_or(1, |s| s.chars().count());
            d.line = Some(line);
            d.column = Some(column);
            d.line_text = Some(line_text);
            d.width = first_line_width.max(1);
        }
        self.diagnostics.push(d);
    }

    /// Turns a serde error (unknown key, missing key, wrong type) into a diagnostic.
    fn shape_error(&mut self, e: &serde_path_to_error::Error<toml::de::Error>) {
        let mut path = e.path().to_string();
        if path == "." {
            path.clear();
        }
        let message = e.inner().message().trim().to_string();
        let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        if message.starts_with("unknown field") && !quoted.is_empty() {
            let unknown = quoted[0];
            let candidates = &quoted[1..];
            if !path.ends_with(unknown) {
                path = join(&path, unknown);
            }
            let hint = did_you_mean(unknown, candidates.iter().copied()).map_or_else(
                || format!("valid keys here: {}", candidates.join(", ")),
                |best| format!("did you mean `{best}`?"),
            );
            let (shown, span) = self.place(&path, true);
            self.push(
                &shown,
                format!("a known key, found unknown key `{unknown}`"),
                Some(hint),
                span,
            );
        } else if message.starts_with("missing field") && !quoted.is_empty() {
            let missing = quoted[0];
            let (_, span) = self.place(&path, false);
            let key = join(&path, missing);
            self.push(
                &key,
                format!("a value for required key `{missing}`"),
                Some(format!("add `{missing} = ...`; see docs/scenario.md")),
                span,
            );
        } else {
            let (shown, span) = self.place(&path, false);
            self.push(
                &shown,
                plain_expectation(&message),
                Some("see docs/scenario.md for this key's type and unit".into()),
                span,
            );
        }
    }

    fn duration(&mut self, key: &str, text: &str) -> Nanos {
        match parse_duration(text) {
            Ok(n) => n,
            Err(e) => {
                self.error(key, e.expected, Some(e.hint));
                0
            }
        }
    }

    /// A sliding window's length: a positive duration (one error if not).
    fn window(&mut self, key: &str, text: &str) -> Option<Nanos> {
        match parse_duration(text) {
            Ok(0) => {
                let hint = Some("e.g. window = \"10m\"".into());
                self.error(key, "a positive duration", hint);
                None
            }
            Ok(n) => Some(n),
            Err(e) => {
                self.error(key, e.expected, Some(e.hint));
                None
            }
        }
    }

    /// A submission limit (`tps`, `bind_tps`): none when absent, else a
    /// rate from `MIN_TPS` to `MAX_TPS`, so that the limit simulated or
    /// served is the one written (docs/limits.md).
    fn opt_tps(&mut self, key: &str, text: Option<&str>) -> Option<f64> {
        let given = text?;
        let rate = match parse_rate(given) {
            Ok(rate) => rate,
            Err(e) => {
                self.error(key, e.expected, Some(e.hint));
                return None;
            }
        };
        if (MIN_TPS..=MAX_TPS).contains(&rate) {
            return Some(rate);
        }
        let why = if rate < MIN_TPS {
            "1/d is the slowest limit taken (each message then waits a day for the one before)"
        } else {
            "a message is served every 1/tps in whole nanoseconds, so faster limits would not be the rate written"
        };
        self.error(
            key,
            format!("a rate from 1/d to {MAX_TPS:.0}/s, got \"{given}\""),
            Some(format!("{why}; omit the key for no limit (docs/limits.md)")),
        );
        None
    }

    fn opt_duration(&mut self, key: &str, text: Option<&String>, default: Nanos) -> Nanos {
        text.map_or(default, |t| self.duration(key, t))
    }

    fn probability(&mut self, key: &str, value: Option<f64>, default: f64) -> f64 {
        let Some(p) = value else { return default };
        if !(0.0..=1.0).contains(&p) || p.is_nan() {
            self.error(
                key,
                format!("a probability between 0 and 1, got {p}"),
                Some(PROBABILITY_HINT.into()),
            );
            return default;
        }
        p
    }

    fn non_negative(&mut self, key: &str, value: f64) -> f64 {
        self.bounded(key, value, MAX_FACTOR)
    }

    /// A price or cost: non-negative and at most `MAX_PRICE`.
    fn money(&mut self, key: &str, value: f64) -> f64 {
        self.bounded(key, value, MAX_PRICE)
    }

    fn bounded(&mut self, key: &str, value: f64, max: f64) -> f64 {
        if !value.is_finite() || !(0.0..=max).contains(&value) {
            self.error(
                key,
                format!(
                    "a non-negative number up to {max:e}, got {}",
                    if value.abs() >= 1e7 {
                        format!("{value:e}")
                    } else {
                        value.to_string()
                    }
                ),
                Some("see docs/limits.md".into()),
            );
            return 0.0;
        }
        value
    }

    /// `scenario.currency`: a short label such as "JPY" or "USD".
    fn currency(&mut self, given: Option<&str>) -> String {
        let Some(text) = given else {
            return String::new();
        };
        let ok = (1..=12).contains(&text.chars().count()) && text.chars().all(|c| !c.is_control());
        if !ok {
            self.error(
                "scenario.currency",
                format!("a short currency label (1-12 characters), got {text:?}"),
                Some("e.g. currency = \"JPY\"".into()),
            );
            return String::new();
        }
        text.to_string()
    }

    /// Providers, carriers, their product and outages within the limits.
    fn dimensions(&mut self, raw: &RawScenario) {
        let (providers, carriers) = (raw.providers.len(), raw.carriers.len());
        let checks = [
            ("providers", providers, MAX_PROVIDERS, "providers"),
            ("carriers", carriers, MAX_CARRIERS, "carriers"),
            (
                "carriers",
                providers * carriers,
                MAX_CELLS,
                "providers x carriers",
            ),
            ("outages", raw.outages.len(), MAX_OUTAGES, "outages"),
        ];
        for name in raw.providers.keys() {
            self.name_length("providers", name);
        }
        for name in raw.carriers.keys() {
            self.name_length("carriers", name);
        }
        for (key, got, max, what) in checks {
            if got > max {
                self.error(
                    key,
                    format!("at most {max} {what}, got {got}"),
                    Some("group small carriers or providers into one; see docs/limits.md".into()),
                );
            }
        }
    }

    fn reference(&mut self, key: &str, name: &str, kind: &str, known: &[String]) -> Option<usize> {
        if let Some(i) = known.iter().position(|k| k == name) {
            return Some(i);
        }
        let hint = did_you_mean(name, known.iter().map(String::as_str)).map_or_else(
            || format!("defined {kind}s: {}", known.join(", ")),
            |best| {
                format!(
                    "did you mean `{best}`? defined {kind}s: {}",
                    known.join(", ")
                )
            },
        );
        self.error(
            key,
            format!("the name of a {kind} defined in this file, got \"{name}\""),
            Some(hint),
        );
        None
    }

    fn dist(&mut self, key: &str, spec: Option<&DistSpec>, default: Distribution) -> Distribution {
        let Some(s) = spec else { return default };
        let shape_hint = "give one of: \"3s\" (fixed), { median = \"3s\", p99 = \"30s\" } (log-normal), { mean = \"10m\" } (exponential), { min = \"1s\", max = \"5s\" } (uniform), { table = [[\"1s\", 0.5], [\"10s\", 1.0]] } (empirical)";
        let shapes = [
            s.median.is_some() || s.p99.is_some(),
            s.fixed.is_some(),
            s.mean.is_some(),
            s.min.is_some() || s.max.is_some(),
            s.table.is_some(),
        ];
        if shapes.iter().filter(|x| **x).count() != 1 {
            self.error(
                key,
                "exactly one distribution shape",
                Some(shape_hint.into()),
            );
            return default;
        }
        if let Some(f) = &s.fixed {
            return Distribution::Fixed(self.duration(&join(key, "fixed"), f));
        }
        if let Some(m) = &s.mean {
            let mean = self.duration(&join(key, "mean"), m);
            return Distribution::Exponential { mean: mean as f64 };
        }
        if s.median.is_some() || s.p99.is_some() {
            let (Some(median), Some(p99)) = (&s.median, &s.p99) else {
                self.error(
                    key,
                    "both `median` and `p99` for a log-normal",
                    Some(shape_hint.into()),
                );
                return default;
            };
            let median = self.duration(&join(key, "median"), median);
            let p99 = self.duration(&join(key, "p99"), p99);
            if p99 < median {
                self.error(
                    &join(key, "p99"),
                    "a p99 at least as large as the median",
                    None,
                );
                return default;
            }
            if p99 == median || median == 0 {
                return Distribution::Fixed(median);
            }
            return Distribution::from_median_p99(median, p99);
        }
        if s.min.is_some() || s.max.is_some() {
            let (Some(min), Some(max)) = (&s.min, &s.max) else {
                self.error(
                    key,
                    "both `min` and `max` for a uniform distribution",
                    Some(shape_hint.into()),
                );
                return default;
            };
            let min = self.duration(&join(key, "min"), min);
            let max = self.duration(&join(key, "max"), max);
            if max < min {
                self.error(&join(key, "max"), "`max` at least as large as `min`", None);
                return default;
            }
            return Distribution::Uniform { min, max };
        }
        let table = s.table.as_ref().expect("one shape is present");
        let table_key = join(key, "table");
        let mut points = Vec::with_capacity(table.len());
        for (i, (value, p)) in table.iter().enumerate() {
            let value = self.duration(&format!("{table_key}[{i}]"), value);
            points.push((value, *p));
        }
        let ordered = points
            .windows(2)
            .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1);
        let ends_at_one = points.last().is_some_and(|p| (p.1 - 1.0).abs() < 1e-9);
        let in_range = points.iter().all(|p| (0.0..=1.0).contains(&p.1));
        if points.is_empty() || !ordered || !ends_at_one || !in_range {
            self.error(
                &table_key,
                "rows [duration, cumulative probability] rising in both, the last probability 1",
                Some("e.g. table = [[\"1s\", 0.5], [\"5s\", 0.9], [\"60s\", 1.0]]".into()),
            );
            return default;
        }
        Distribution::Empirical { points }
    }

    fn build(&mut self, raw: &RawScenario) -> Scenario {
        let carrier_names: Vec<String> = raw.carriers.keys().cloned().collect();
        let provider_names: Vec<String> = raw.providers.keys().cloned().collect();

        let carriers = self.carriers(raw, &carrier_names);
        let message = self.message_settings(&raw.message);
        let providers = self.providers(raw, &carrier_names, &message);
        let routing = self.routing("routing", &raw.routing, &provider_names, &carrier_names);
        let routes = self.routes(&raw.routes, &carrier_names);
        let otp = self.otp(&raw.otp);
        let mnp = self.mnp(&raw.mnp, &carriers, &carrier_names);
        let users = self.users(&raw.users);
        let traffic = self.traffic(&raw.traffic);

        let meta = &raw.scenario;
        self.name_length("scenario", &meta.name);
        let duration = self.duration("scenario.duration", &meta.duration);
        if duration == 0 {
            self.error(
                "scenario.duration",
                "a positive duration",
                Some("sessions arrive during `duration`; e.g. \"1h\"".into()),
            );
        }
        let longest_validity = carriers.iter().map(|c| c.smsc.validity).max().unwrap_or(0);
        let default_drain = longest_validity + otp.patience;
        let drain = self.opt_duration("scenario.drain", meta.drain.as_ref(), default_drain);
        if drain < longest_validity {
            self.error(
                "scenario.drain",
                format!("a drain of at least the longest SMSC validity ({})", crate::units::Human(longest_validity)),
                Some("every stored message must reach a final state; omit `drain` to use the default".into()),
            );
        }
        let bucket_default = (duration / 12).max(NANOS_PER_SEC);
        let timeline_bucket = self.opt_duration(
            "scenario.timeline_bucket",
            meta.timeline_bucket.as_ref(),
            bucket_default,
        );
        if timeline_bucket == 0 {
            self.error("scenario.timeline_bucket", "a positive duration", None);
        } else if (duration + drain) / timeline_bucket > MAX_TIMELINE_BUCKETS
            && meta.drain.is_none()
            && let Some(longest) = carriers.iter().max_by_key(|c| c.smsc.validity)
        {
            // The drain defaults to the longest validity: that is the span
            // to shorten, not the bucket.
            self.error(
                &format!("carriers.{}.smsc.validity", longest.name),
                format!(
                    "a validity the timeline can cover: the drain defaults to the longest SMSC validity ({}), which makes more than {MAX_TIMELINE_BUCKETS} timeline buckets of {}",
                    crate::units::Human(longest.smsc.validity),
                    crate::units::Human(timeline_bucket)
                ),
                Some("SMSCs keep a message for hours or days (48h by default); or set scenario.drain and a wider scenario.timeline_bucket".into()),
            );
        } else if (duration + drain) / timeline_bucket > MAX_TIMELINE_BUCKETS {
            self.error(
                "scenario.timeline_bucket",
                format!("at most {MAX_TIMELINE_BUCKETS} buckets over duration + drain"),
                Some("use a wider timeline_bucket, e.g. \"1h\"".into()),
            );
        }
        let expected = traffic.expected_arrivals(duration);
        if expected > MAX_SESSIONS_PER_REPLICATION {
            self.error(
                "traffic.rate",
                format!("at most {MAX_SESSIONS_PER_REPLICATION:e} sessions per replication, got {expected:.3e}"),
                Some("lower the rate, the burst multipliers or the duration; use replications for more data".into()),
            );
        }
        let replications = meta.replications.unwrap_or(10);
        if replications == 0 {
            self.error("scenario.replications", "at least 1 replication", None);
        } else if replications > MAX_REPLICATIONS {
            self.error(
                "scenario.replications",
                format!("at most {MAX_REPLICATIONS} replications, got {replications}"),
                Some("intervals narrow with the square root of replications; split bigger runs with --shard (docs/scale.md)".into()),
            );
        }

        let outages = self.outages(&raw.outages, &provider_names, &carrier_names);
        let expectations = self.expectations(&raw.expect, &provider_names, &carrier_names);
        let serve = self.serve(&raw.serve, &provider_names);

        Scenario {
            name: meta.name.clone(),
            description: meta.description.clone(),
            currency: self.currency(meta.currency.as_deref()),
            duration,
            drain,
            seed: meta.seed.unwrap_or(1),
            replications: replications.max(1),
            timeline_bucket: timeline_bucket.max(1),
            traffic,
            users,
            otp,
            message,
            mnp,
            providers,
            routing,
            routes,
            carriers,
            outages,
            expectations,
            alternatives: Vec::new(),
            serve,
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The closest candidate by edit distance, if close enough to be a typo.
fn did_you_mean<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_close_keys() {
        assert_eq!(
            did_you_mean("spam_filtr", ["share", "spam_filter"].into_iter()),
            Some("spam_filter")
        );
        assert_eq!(
            did_you_mean("zzz", ["share", "spam_filter"].into_iter()),
            None
        );
    }
}
