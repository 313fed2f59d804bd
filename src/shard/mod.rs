//! Batch runs beyond one machine: `--shard I/N` simulates one shard of the
//! replications (or sweep points) of `run`, `compare` or `sweep` and
//! writes a partial result (`run_shard`); `simsms merge` folds the parts
//! in replication order into the very results the unsharded run produces,
//! byte for byte (`merge`). The format, the shard spec, the recipe and
//! reading parts back live in `partial`; they are re-exported here so
//! the batch's callers find them in one place.

pub use crate::partial::{
    CodecError, Item, MAX_SHARDS, PARTIAL_FORMAT, PartItems, PartialError, Recipe, Shard,
    check_shapes, histogram_from_json, histogram_to_json, metrics_from_json, metrics_to_json,
    read_partials,
};

use crate::metrics::Metrics;
use crate::output::StreamOutput;
use crate::partial::check_shape;
use crate::report::{Aggregator, Report, RunResults};
use crate::runner::{Runner, needed_variants};
use crate::scenario::{Scenario, Settings};
use crate::sweep::{Axis, AxisError, Point, point_scenarios};
use serde_json::json;
use std::sync::Arc;

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

/// Runs this shard's share of the recipe's units and writes the partial
/// result document to `out` as each replication is folded: the header
/// first (`part_text`'s order), then the items one by one, so the shard
/// holds one replication's metrics at a time, not all of them (a shard of
/// 363 `rakuten_mnp` replications held 1 GB).
pub fn run_shard(
    recipe: &Recipe,
    shard: Shard,
    runner: &Runner,
    out: &mut StreamOutput,
) -> Result<(), crate::Error> {
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
    let head = json!({
        "format": PARTIAL_FORMAT,
        "simsms_version": env!("CARGO_PKG_VERSION"),
        "recipe": recipe,
        "shard": { "index": shard.index, "count": shard.count },
        "items": [],
    });
    let head = crate::partial::part_text(&head);
    let opening = head
        .trim_end()
        .strip_suffix("[]}")
        .expect("items last and empty");
    out.write(opening.as_bytes())?;
    out.write(b"[")?;
    let mut failed = None;
    let mut first = true;
    runner.run_units(&jobs, |k, r, metrics| {
        if failed.is_some() {
            return;
        }
        let item =
            json!({ "unit": units[k].0, "replication": r, "metrics": metrics_to_json(&metrics) });
        let separator: &[u8] = if first { b"" } else { b"," };
        first = false;
        let written = out
            .write(separator)
            .and_then(|_| out.write(item.to_string().as_bytes()));
        failed = written.err();
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    out.write(b"]}\n")?;
    Ok(())
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

/// Folds the parts' replications, in order, into the unsharded results,
/// the parts read whole (`merge_streamed` reads them item by item).
pub fn merge(parts: &[(String, String)]) -> Result<Merged, crate::Error> {
    let (recipe, items) = read_partials(parts)?;
    let merged = fold_units(&recipe, |u, sc| {
        let of_unit: Vec<&Item> = items.iter().filter(|i| i.unit == u).collect();
        Ok(Some(aggregate(sc, &recipe.source, &of_unit)?))
    })?;
    Ok(merged.expect("read whole, every unit folds or fails"))
}

/// Folds parts read item by item, so the merge holds one replication at a
/// time whatever the parts' size (`parts` in shard order, their headers
/// already checked by `check_headers`). `Ok(None)` when a part is not as
/// `run_shard` writes it (cut short, out of order, an item that does not
/// fit): then read the parts whole with `merge`, which names the fault.
pub fn merge_streamed(
    recipe: &Recipe,
    parts: &mut [PartItems],
) -> Result<Option<Merged>, crate::Error> {
    let sweep = recipe.command == "sweep";
    let count = parts.len() as u32;
    let merged = fold_units(recipe, |u, sc| {
        let expected = Metrics::for_scenario(sc);
        let mut aggregator = Aggregator::new(sc);
        for r in 0..sc.replications {
            let owner = if sweep { u as u32 } else { r } % count;
            let Ok(Some(item)) = parts[owner as usize].next_item() else {
                return Ok(None);
            };
            if item.unit != u || item.replication != r || check_shape(&item, &expected).is_err() {
                return Ok(None);
            }
            aggregator.add(item.metrics);
        }
        Ok(Some(aggregator.finish(&recipe.source)))
    })?;
    // Every item was folded: no part holds more.
    for part in parts {
        if !matches!(part.next_item(), Ok(None)) {
            return Ok(None);
        }
    }
    Ok(merged)
}

/// The results of a recipe whose units (variants, or sweep points) are
/// folded by `unit_report`; `None` as soon as it gives up on one.
fn fold_units(
    recipe: &Recipe,
    mut unit_report: impl FnMut(usize, &Scenario) -> Result<Option<Report>, crate::Error>,
) -> Result<Option<Merged>, crate::Error> {
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
            let Some(report) = unit_report(p, &scenario)? else {
                return Ok(None);
            };
            merged.push(Point {
                settings,
                scenario,
                report,
            });
        }
        return Ok(Some(Merged::Sweep {
            axes,
            points: merged,
        }));
    }
    let sc = recipe
        .settings()
        .apply(&recipe.scenario_text, &recipe.source)?;
    let order = sc.variant_order(&recipe.alternatives, &recipe.source)?;
    let mut reports = Vec::new();
    for (v, need) in needed_variants(&sc, &order).into_iter().enumerate() {
        reports.push(match need {
            true => match unit_report(v, sc.variant(v))? {
                Some(report) => Some(report),
                None => return Ok(None),
            },
            false => None,
        });
    }
    Ok(Some(Merged::Run {
        results: RunResults::new(&sc, reports),
        scenario: Box::new(sc),
        order,
        compare: recipe.command == "compare",
    }))
}

/// Folds one unit's replications, in order, into a report; all of
/// `0..replications` must be there.
fn aggregate(sc: &Scenario, source: &str, items: &[&Item]) -> Result<Report, PartialError> {
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
