//! What `/metrics` shows, in the classic Prometheus text format or
//! OpenMetrics (prometheus-client), as the client asks:
//! submissions, refusals by command_status, receipts acknowledged by stat,
//! provider queue depth, connections (SMPP and HTTP), binds and failed
//! TLS handshakes.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// The metric families, registered once.
pub struct Observed {
    registry: Registry,
    pub submits: Counter,
    pub refusals: Family<Labels, Counter>,
    pub receipts: Family<Labels, Counter>,
    pub queue_depth: Family<Labels, Gauge>,
    pub connections: Gauge,
    pub http_connections: Gauge,
    pub binds: Gauge,
    pub held_receipts: Gauge,
    pub tls_handshake_failures: Counter,
}

impl Default for Observed {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("simsms");
        let submits = Counter::default();
        let refusals = Family::<Labels, Counter>::default();
        let receipts = Family::<Labels, Counter>::default();
        let queue_depth = Family::<Labels, Gauge>::default();
        let connections = Gauge::default();
        let http_connections = Gauge::default();
        let binds = Gauge::default();
        let held_receipts = Gauge::default();
        let tls_handshake_failures = Counter::default();
        registry.register(
            "submits",
            "Messages submitted (SMPP and HTTP)",
            submits.clone(),
        );
        registry.register(
            "refusals",
            "Error answers to SMPP requests (refused submits, failed binds, generic_nack), by command_status",
            refusals.clone(),
        );
        registry.register(
            "receipts",
            "Receipts acknowledged by the client, by stat",
            receipts.clone(),
        );
        registry.register(
            "queue_depth",
            "Messages waiting in each provider's queue",
            queue_depth.clone(),
        );
        registry.register("connections", "Open SMPP connections", connections.clone());
        registry.register(
            "http_connections",
            "Open connections to the HTTP port",
            http_connections.clone(),
        );
        registry.register("binds", "Bound SMPP sessions", binds.clone());
        registry.register(
            "held_receipts",
            "Receipts waiting for a receiver to bind",
            held_receipts.clone(),
        );
        registry.register(
            "tls_handshake_failures",
            "TLS handshakes on a TLS port that failed or timed out (a plain client, an untrusted certificate)",
            tls_handshake_failures.clone(),
        );
        Observed {
            registry,
            submits,
            refusals,
            receipts,
            queue_depth,
            connections,
            http_connections,
            binds,
            held_receipts,
            tls_handshake_failures,
        }
    }
}

impl Observed {
    /// The OpenMetrics text of every family.
    pub fn text(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }

    /// The classic Prometheus text format (0.0.4) of every family.
    pub fn classic_text(&self) -> String {
        classic(&self.text())
    }

    pub fn refused(&self, status: u32) {
        let labels = vec![("status".to_string(), format!("0x{status:08x}"))];
        self.refusals.get_or_create(&labels).inc();
    }

    pub fn tls_handshake_failed(&self) {
        self.tls_handshake_failures.inc();
    }

    pub fn receipt_acknowledged(&self, stat: &str) {
        let labels = vec![("stat".to_string(), stat.to_string())];
        self.receipts.get_or_create(&labels).inc();
    }
}

/// The classic Prometheus text (0.0.4) of OpenMetrics text from
/// prometheus-client: a counter family `x` is named `x_total` in its HELP
/// and TYPE lines, as its samples are (a classic parser only types samples
/// whose name is the TYPE line's); no `# UNIT`, no `# EOF`, no `_created`.
pub fn classic(openmetrics: &str) -> String {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            counters
                .contains(&name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        let sample_name = line.split(['{', ' ']).next().unwrap_or("");
        let created = counters
            .iter()
            .any(|c| sample_name.strip_suffix("_created") == Some(c));
        if line.starts_with("# UNIT ") || line == "# EOF" || created {
            continue;
        }
        out.push_str(renamed.as_deref().unwrap_or(line).trim_end());
        out.push('\n');
    }
    out
}

/// The client asks for OpenMetrics: its Accept header lists
/// `application/openmetrics-text` with q > 0, at least as preferred as
/// `text/plain` (as a Prometheus server's scrape does).
pub fn wants_openmetrics(accept: &str) -> bool {
    let quality = |wanted: &str| {
        accept
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';').map(str::trim);
                (parts.next()? == wanted).then(|| {
                    parts
                        .find_map(|p| p.strip_prefix("q="))
                        .and_then(|q| q.parse::<f64>().ok())
                        .unwrap_or(1.0)
                })
            })
            .fold(0.0, f64::max)
    };
    let openmetrics = quality("application/openmetrics-text");
    openmetrics > 0.0 && openmetrics >= quality("text/plain")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prometheus_scrape_gets_openmetrics_and_others_the_classic_format() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(wants_openmetrics(prometheus));
        assert!(!wants_openmetrics("*/*"));
        assert!(!wants_openmetrics(""));
        assert!(!wants_openmetrics(
            "text/plain;version=0.0.4,application/openmetrics-text;q=0.5"
        ));
        assert!(!wants_openmetrics("application/openmetrics-text;q=0"));
    }

    #[test]
    fn classic_text_names_counters_as_their_samples() {
        let observed = Observed::default();
        observed.submits.inc();
        observed.refused(0x58);
        let text = observed.classic_text();
        assert!(
            text.contains("# TYPE simsms_submits_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("# HELP simsms_submits_total Messages"),
            "{text}"
        );
        assert!(text.contains("simsms_submits_total 1\n"), "{text}");
        assert!(text.contains("# TYPE simsms_binds gauge\n"), "{text}");
        assert!(!text.contains("# EOF"), "{text}");
    }
}
