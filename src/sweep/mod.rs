//! `simsms sweep`: a grid of `--set KEY=V1,V2,...` values, each point
//! simulated with the scenario's replications, reported as tidy CSV (one row
//! per point × carrier × metric, with its interval) and a compact table.

use crate::report::{Aggregator, Report};
use crate::runner::Runner;
use crate::scenario::{LoadError, Scenario, Settings};
use std::ops::ControlFlow;
use std::sync::Arc;

pub mod effect;
mod output;

pub use output::{SweepTable, csv_header, csv_rows};

/// Why a swept `--set KEY=V1,V2,...` cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AxisError {
    #[error("--set expects KEY=V1,V2,..., got \"{0}\"")]
    NoEquals(String),
    #[error("--set {key}: empty value in \"{values}\"")]
    EmptyValue { key: String, values: String },
}

/// One swept key and its values, as given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

impl Axis {
    /// Parses `KEY=V1,V2,...`; commas inside brackets, braces or TOML
    /// strings (`"a,b"`, `'a,b'`, with `\"` escapes) do not split (so
    /// `[1, 2]` stays one value).
    pub fn parse(text: &str) -> Result<Axis, AxisError> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| AxisError::NoEquals(text.to_string()))?;
        let mut parts = Vec::new();
        let (mut depth, mut current) = (0i32, String::new());
        // The quote of the TOML string we are in; after a backslash in a
        // basic ("...") string, the next character is escaped.
        let (mut quote, mut escaped) = (None::<char>, false);
        for c in values.chars() {
            match (quote, c) {
                (Some('"'), _) if escaped => escaped = false,
                (Some('"'), '\\') => escaped = true,
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') if opens_string(&current) => quote = Some(c),
                (None, '[' | '{') => depth += 1,
                (None, ']' | '}') => depth -= 1,
                (None, ',') if depth == 0 => {
                    parts.push(std::mem::take(&mut current).trim().to_string());
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push(current.trim().to_string());
        if parts.iter().any(String::is_empty) {
            return Err(AxisError::EmptyValue {
                key: key.trim().to_string(),
                values: values.to_string(),
            });
        }
        Ok(Axis {
            key: key.trim().to_string(),
            values: parts,
        })
    }
}

/// Whether a quote after `before` (a value so far) starts a TOML string:
/// at the start of a value, an array element or an inline table's value,
/// not inside bare text such as `it's`. After a string's closing quote
/// (`""` of `"""`) it opens again, so multi-line strings stay whole.
fn opens_string(before: &str) -> bool {
    let before = before.trim_end();
    before.is_empty() || before.ends_with(['[', '{', ',', '=', '"', '\''])
}

/// One grid point's `(key, value)` settings.
pub type PointSettings = Vec<(String, String)>;

/// One grid point's settings and report.
pub struct Point {
    pub settings: Vec<(String, String)>,
    pub scenario: Scenario,
    pub report: Report,
}

/// The cartesian product of the axes, first axis slowest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<(String, String)>> {
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.values.iter().map(move |v| {
                    let mut next = p.clone();
                    next.push((axis.key.clone(), v.clone()));
                    next
                })
            })
            .collect();
    }
    points
}

/// One point's scenario: `text` with the base settings and the point's
/// values applied.
fn point_scenario(
    text: &str,
    source: &str,
    base: &Settings,
    settings: &PointSettings,
) -> Result<Scenario, LoadError> {
    let mut with = base.clone();
    with.sets
        .extend(settings.iter().map(|(k, v)| format!("{k}={v}")));
    with.apply(text, source)
}

/// Every point's scenario. All are validated before anything runs, so a
/// bad value fails first.
pub fn point_scenarios(
    text: &str,
    source: &str,
    axes: &[Axis],
    base: &Settings,
) -> Result<Vec<(PointSettings, Scenario)>, LoadError> {
    grid(axes)
        .into_iter()
        .map(|settings| {
            let sc = point_scenario(text, source, base, &settings)?;
            Ok((settings, sc))
        })
        .collect()
}

/// A sweep's points, every one validated, without holding their
/// scenarios: each is made again from the text and its settings when it
/// runs, so memory does not grow with the grid.
pub struct Plan<'t> {
    pub axes: Vec<Axis>,
    text: &'t str,
    source: &'t str,
    base: Settings,
    /// Each point's settings, replications and fingerprint, in grid order.
    points: Vec<(PointSettings, u32, u64)>,
    /// How many `[alternatives]` the scenario defines (not simulated).
    pub alternatives: usize,
}

impl<'t> Plan<'t> {
    /// Validates every point of the grid of `axes` over `text`.
    pub fn new(
        text: &'t str,
        source: &'t str,
        axes: Vec<Axis>,
        base: Settings,
    ) -> Result<Plan<'t>, LoadError> {
        let mut alternatives = 0;
        let mut points = Vec::new();
        for settings in grid(&axes) {
            let sc = point_scenario(text, source, &base, &settings)?;
            alternatives = sc.alternatives.len();
            points.push((settings, sc.replications, effect::fingerprint(&sc)));
        }
        Ok(Plan {
            axes,
            text,
            source,
            base,
            points,
            alternatives,
        })
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Why a swept key cannot change the rows, for the first such key.
    pub fn ineffective(&self) -> Option<String> {
        let prints: Vec<(PointSettings, u64)> = self
            .points
            .iter()
            .map(|(settings, _, print)| (settings.clone(), *print))
            .collect();
        effect::ineffective_axes(&self.axes, &prints)
            .first()
            .map(|axis| effect::why_no_effect(&axis.key))
    }

    fn scenario(&self, p: usize) -> Scenario {
        point_scenario(self.text, self.source, &self.base, &self.points[p].0)
            .expect("every point was validated when the plan was made")
    }
}

/// The scenarios of the points being run: a few, made on first use.
struct Recent<'p, 't> {
    plan: &'p Plan<'t>,
    held: std::sync::Mutex<std::collections::VecDeque<(usize, Arc<Scenario>)>>,
    capacity: usize,
}

impl Recent<'_, '_> {
    fn get(&self, p: usize) -> Arc<Scenario> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, sc)) = held.iter().find(|(q, _)| *q == p) {
            return sc.clone();
        }
        let sc = Arc::new(self.plan.scenario(p));
        held.push_back((p, sc.clone()));
        if held.len() > self.capacity {
            held.pop_front();
        }
        sc
    }
}

/// Simulates every point, the replications of all points in one pool, and
/// hands each point to `emit` in grid order as soon as its last
/// replication is folded. Held at any time: the replications the runner's
/// window lets through, the scenarios of the points they belong to, and
/// one point's aggregate, whatever the size of the grid. An error from
/// `emit` stops the run.
pub fn run_streaming<E>(
    plan: &Plan,
    runner: &Runner,
    emit: impl FnMut(usize, Point) -> Result<(), E>,
) -> Result<(), E> {
    let mut starts = vec![0usize];
    for (_, reps, _) in &plan.points {
        starts.push(starts.last().expect("starts at 0") + *reps as usize);
    }
    let total = *starts.last().expect("starts at 0");
    if !plan.is_empty() {
        let sc = plan.scenario(0);
        let label = crate::units::count(plan.len() as u64, "point");
        runner.start_batch(&label, total, sc.duration + sc.drain);
    }
    let recent = Recent {
        plan,
        held: Default::default(),
        capacity: 4 * runner.threads() + 4,
    };
    let (tx, rx) = std::sync::mpsc::sync_channel(2 * runner.threads());
    std::thread::scope(|scope| {
        let (starts, recent) = (&starts, &recent);
        scope.spawn(move || {
            let job = |k: usize| {
                let p = starts.partition_point(|&s| s <= k) - 1;
                (recent.get(p), (k - starts[p]) as u32)
            };
            runner.run_lazily(total, job, |_, metrics| match tx.send(metrics) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            });
        });
        fold_points(plan, recent, rx, emit)
    })
}

/// The receiving end of `run_streaming`: each point's replications folded
/// into its report, then emitted. Returning drops `rx`, which stops the
/// runner.
fn fold_points<E>(
    plan: &Plan,
    recent: &Recent,
    rx: std::sync::mpsc::Receiver<crate::metrics::Metrics>,
    mut emit: impl FnMut(usize, Point) -> Result<(), E>,
) -> Result<(), E> {
    for (p, (settings, reps, _)) in plan.points.iter().enumerate() {
        let scenario = recent.get(p);
        let mut aggregator = Aggregator::new(&scenario);
        for _ in 0..*reps {
            // A closed channel means a worker panicked: the scope
            // raises it once this returns.
            let Ok(metrics) = rx.recv() else {
                return Ok(());
            };
            aggregator.add(metrics);
        }
        let report = aggregator.finish(plan.source);
        let point = Point {
            settings: settings.clone(),
            scenario: (*scenario).clone(),
            report,
        };
        emit(p, point)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_on_top_level_commas_only() {
        let a = Axis::parse("smsc.retry=[\"1m\", \"5m\"],[\"10m\"]").unwrap();
        assert_eq!(a.values, vec!["[\"1m\", \"5m\"]", "[\"10m\"]"]);
        let b = Axis::parse("providers.p.tps=10/s, 20/s,40/s").unwrap();
        assert_eq!(b.values, vec!["10/s", "20/s", "40/s"]);
        let c = Axis::parse(r#"scenario.description="a,b",'c,d',"e\",f",it's,x"#).unwrap();
        assert_eq!(
            c.values,
            vec![r#""a,b""#, "'c,d'", r#""e\",f""#, "it's", "x"]
        );
        let d = Axis::parse(r#"scenario.description="""a,b""",'''c,d'''"#).unwrap();
        assert_eq!(d.values, vec![r#""""a,b""""#, "'''c,d'''"]);
        assert!(Axis::parse("x=1,,2").is_err());
        assert!(Axis::parse("novalue").is_err());
    }

    #[test]
    fn grid_is_the_cartesian_product() {
        let axes = [
            Axis::parse("a=1,2").unwrap(),
            Axis::parse("b=x,y,z").unwrap(),
        ];
        let g = grid(&axes);
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[1],
            vec![("a".into(), "1".into()), ("b".into(), "y".into())]
        );
    }
}
