//! Runs beyond one machine: `--shard I/N` simulates one shard of the
//! replications (or sweep points) and writes a partial result, the raw
//! per-replication counts with HDR histograms serialised losslessly;
//! `simsms merge` folds the parts in replication order into the very
//! results the unsharded run produces, byte for byte.

pub use crate::partial::{
    CodecError, MAX_SHARDS, PARTIAL_FORMAT, PartialError, histogram_from_json, histogram_to_json,
    metrics_from_json, metrics_to_json,
};

use crate::metrics::Metrics;
use crate::partial::codec;
use crate::report::Aggregator;
use crate::report::RunResults;
use crate::runner::{Runner, needed_variants};
use crate::scenario::{Scenario, Settings};
use crate::sweep::{Axis, AxisError, Point, point_scenarios};
use serde_json::{Value, json};
use std::sync::Arc;

/// Shard `index` of `count` (0-based): replications (or points) `k` with
/// `k % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, PartialError> {
        let bad = || PartialError::Spec(text.to_string());
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        if count > MAX_SHARDS {
            return Err(PartialError::TooManyShards(count));
        }
        Ok(Shard { index, count })
    }

    pub fn owns(&self, k: u32) -> bool {
        k % self.count == self.index
    }

    /// The items of `0..total` this shard runs.
    pub fn select(&self, total: u32) -> Vec<u32> {
        (0..total).filter(|k| self.owns(*k)).collect()
    }
}

/// How a partial result was made, so that `merge` can rebuild the run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Recipe {
    /// `run`, `compare` or `sweep`.
    pub command: String,
    /// The scenario path as given (the report header names it).
    pub source: String,
    /// The scenario file's text, so merging needs no access to it.
    pub scenario_text: String,
    /// `--set` values (sweep: the axes).
    pub sets: Vec<String>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    /// `compare --alt` names, in order.
    pub alternatives: Vec<String>,
}

impl Recipe {
    /// The settings over the scenario text (for a sweep, without the axes).
    fn settings(&self) -> Settings {
        Settings {
            sets: if self.command == "sweep" {
                Vec::new()
            } else {
                self.sets.clone()
            },
            seed: self.seed,
            replications: self.replications,
        }
    }

    /// The units a run is made of: the variants it needs (run, compare), or
    /// the sweep's points, each with its scenario.
    fn units(&self) -> Result<Vec<(usize, Scenario)>, crate::Error> {
        let base = self.settings();
        if self.command == "sweep" {
            let axes = self.axes()?;
            let points = point_scenarios(&self.scenario_text, &self.source, &axes, &base)?;
            return Ok(points.into_iter().map(|(_, sc)| sc).enumerate().collect());
        }
        let sc = base.apply(&self.scenario_text, &self.source)?;
        let order = sc.variant_order(&self.alternatives, &self.source)?;
        Ok(needed_variants(&sc, &order)
            .into_iter()
            .enumerate()
            .filter(|(_, need)| *need)
            .map(|(v, _)| (v, sc.variant(v).clone()))
            .collect())
    }

    fn axes(&self) -> Result<Vec<Axis>, AxisError> {
        self.sets.iter().map(|s| Axis::parse(s)).collect()
    }
}

/// One replication's metrics: of variant (run, compare) or point (sweep)
/// `unit`.
pub struct Item {
    pub unit: usize,
    pub replication: u32,
    pub metrics: Metrics,
    /// Where it was read: `FILE: items[K]`, for errors.
    pub origin: String,
}

/// Runs this shard's share of the recipe's units and returns the partial
/// result document.
pub fn run_shard(recipe: &Recipe, shard: Shard, runner: &Runner) -> Result<Value, crate::Error> {
    let sweep = recipe.command == "sweep";
    let units: Vec<(usize, Arc<Scenario>, Vec<u32>)> = recipe
        .units()?
        .into_iter()
        .filter(|(u, _)| !sweep || shard.owns(*u as u32))
        .map(|(u, sc)| {
            let reps = if sweep {
                (0..sc.replications).collect()
            } else {
                shard.select(sc.replications)
            };
            (u, Arc::new(sc), reps)
        })
        .collect();
    let jobs: Vec<(Arc<Scenario>, Vec<u32>)> = units
        .iter()
        .map(|(_, sc, reps)| (sc.clone(), reps.clone()))
        .collect();
    let mut items = Vec::new();
    runner.run_units(&jobs, |k, r, metrics| {
        items.push(
            json!({ "unit": units[k].0, "replication": r, "metrics": metrics_to_json(&metrics) }),
        )
    });
    Ok(json!({
        "format": PARTIAL_FORMAT,
        "simsms_version": env!("CARGO_PKG_VERSION"),
        "recipe": recipe,
        "shard": { "index": shard.index, "count": shard.count },
        "items": items,
    }))
}

/// Reads parts `(name, text)`; they must share one recipe and cover every
/// shard exactly once.
pub fn read_partials(parts: &[(String, String)]) -> Result<(Recipe, Vec<Item>), PartialError> {
    let mut recipe: Option<Recipe> = None;
    let mut seen: Vec<u32> = Vec::new();
    let mut count = 0;
    let mut items = Vec::new();
    for (name, text) in parts {
        let part = read_part(name, text)?;
        match &recipe {
            None => recipe = Some(part.recipe),
            Some(first) if *first == part.recipe => {}
            Some(_) => return Err(PartialError::Mixed { name: name.clone() }),
        }
        let (index, n) = part.shard;
        if count != 0 && n != count {
            return Err(PartialError::Count {
                name: name.clone(),
                n,
                count,
            });
        }
        if n > MAX_SHARDS || index >= n {
            return Err(PartialError::Spec(format!("{index}/{n} in {name}")));
        }
        count = n;
        if seen.contains(&index) {
            return Err(PartialError::Duplicate {
                name: name.clone(),
                index,
                n,
            });
        }
        seen.push(index);
        items.extend(part.items);
    }
    let recipe = recipe.ok_or(PartialError::NoParts)?;
    if (seen.len() as u32) < count {
        seen.sort_unstable();
        let absent: Vec<u32> = (0..count)
            .filter(|i| seen.binary_search(i).is_err())
            .collect();
        let mut listed: Vec<String> = absent
            .iter()
            .take(10)
            .map(|i| format!("{i}/{count}"))
            .collect();
        if absent.len() > listed.len() {
            listed.push(format!("and {} more", absent.len() - listed.len()));
        }
        return Err(PartialError::Missing(listed.join(", ")));
    }
    items.sort_by_key(|i| (i.unit, i.replication));
    Ok((recipe, items))
}

struct Part {
    recipe: Recipe,
    shard: (u32, u32),
    items: Vec<Item>,
}

fn read_part(name: &str, text: &str) -> Result<Part, PartialError> {
    let doc: Value = serde_json::from_str(text).map_err(|source| PartialError::NotJson {
        name: name.to_string(),
        source,
    })?;
    if doc.get("format").and_then(Value::as_str) != Some(PARTIAL_FORMAT) {
        return Err(PartialError::NotPartial { name: name.into() });
    }
    if doc.get("simsms_version").and_then(Value::as_str) != Some(env!("CARGO_PKG_VERSION")) {
        return Err(PartialError::Version { name: name.into() });
    }
    let malformed = |source| PartialError::Malformed {
        name: name.to_string(),
        source,
    };
    let shard = codec::field(&doc, "shard").map_err(malformed)?;
    let mut items = Vec::new();
    for (k, item) in codec::field(&doc, "items")
        .map_err(malformed)?
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        items.push(Item {
            origin: format!("{name}: items[{k}]"),
            unit: codec::from(item, "unit").map_err(malformed)?,
            replication: codec::from(item, "replication").map_err(malformed)?,
            metrics: metrics_from_json(codec::field(item, "metrics").map_err(malformed)?)
                .map_err(malformed)?,
        });
    }
    Ok(Part {
        recipe: codec::from(&doc, "recipe").map_err(malformed)?,
        shard: (
            codec::from(shard, "index").map_err(malformed)?,
            codec::from(shard, "count").map_err(malformed)?,
        ),
        items,
    })
}

/// What merged parts make: the results of a run or compare, or a sweep.
pub enum Merged {
    Run {
        scenario: Box<Scenario>,
        results: RunResults,
        order: Vec<usize>,
        compare: bool,
    },
    Sweep {
        axes: Vec<Axis>,
        points: Vec<Point>,
    },
}

/// Folds the parts' replications, in order, into the unsharded results.
pub fn merge(parts: &[(String, String)]) -> Result<Merged, crate::Error> {
    let (recipe, items) = read_partials(parts)?;
    let of_unit = |u: usize| items.iter().filter(|i| i.unit == u).collect::<Vec<_>>();
    if recipe.command == "sweep" {
        let axes = recipe.axes()?;
        let points = point_scenarios(
            &recipe.scenario_text,
            &recipe.source,
            &axes,
            &recipe.settings(),
        )?;
        let mut merged = Vec::new();
        for (p, (settings, scenario)) in points.into_iter().enumerate() {
            let report = aggregate(&scenario, &recipe.source, &of_unit(p))?;
            merged.push(Point {
                settings,
                scenario,
                report,
            });
        }
        return Ok(Merged::Sweep {
            axes,
            points: merged,
        });
    }
    let sc = recipe
        .settings()
        .apply(&recipe.scenario_text, &recipe.source)?;
    let order = sc.variant_order(&recipe.alternatives, &recipe.source)?;
    let mut reports = Vec::new();
    for (v, need) in needed_variants(&sc, &order).into_iter().enumerate() {
        reports.push(match need {
            true => Some(aggregate(sc.variant(v), &recipe.source, &of_unit(v))?),
            false => None,
        });
    }
    Ok(Merged::Run {
        results: RunResults::new(&sc, reports),
        scenario: Box::new(sc),
        order,
        compare: recipe.command == "compare",
    })
}

/// Every item's metrics have the dimensions of `sc`, so they merge.
pub fn check_shapes<'i>(
    items: impl IntoIterator<Item = &'i Item>,
    sc: &Scenario,
) -> Result<(), PartialError> {
    let expected = Metrics::for_scenario(sc);
    for item in items {
        if let Some(why) = item.metrics.shape_mismatch(&expected) {
            return Err(PartialError::Shape {
                at: item.origin.clone(),
                why,
            });
        }
    }
    Ok(())
}

/// Folds one unit's replications, in order, into a report; all of
/// `0..replications` must be there.
fn aggregate(
    sc: &Scenario,
    source: &str,
    items: &[&Item],
) -> Result<crate::report::Report, PartialError> {
    let held: Vec<u32> = items.iter().map(|i| i.replication).collect();
    if held != (0..sc.replications).collect::<Vec<_>>() {
        return Err(PartialError::Replications {
            held,
            expected: sc.replications,
        });
    }
    check_shapes(items.iter().copied(), sc)?;
    let mut aggregator = Aggregator::new(sc);
    for item in items {
        aggregator.add(item.metrics.clone());
    }
    Ok(aggregator.finish(source))
}

#[cfg(test)]
mod tests;
