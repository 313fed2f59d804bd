//! What `/metrics` shows, in Prometheus text (prometheus-client):
//! submissions, refusals by command_status, receipts acknowledged by stat,
//! provider queue depth, connections and binds.

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
    pub binds: Gauge,
    pub held_receipts: Gauge,
}

impl Default for Observed {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("simsms");
        let submits = Counter::default();
        let refusals = Family::<Labels, Counter>::default();
        let receipts = Family::<Labels, Counter>::default();
        let queue_depth = Family::<Labels, Gauge>::default();
        let connections = Gauge::default();
        let binds = Gauge::default();
        let held_receipts = Gauge::default();
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
        registry.register("binds", "Bound SMPP sessions", binds.clone());
        registry.register(
            "held_receipts",
            "Receipts waiting for a receiver to bind",
            held_receipts.clone(),
        );
        Observed {
            registry,
            submits,
            refusals,
            receipts,
            queue_depth,
            connections,
            binds,
            held_receipts,
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

    pub fn refused(&self, status: u32) {
        let labels = vec![("status".to_string(), format!("0x{status:08x}"))];
        self.refusals.get_or_create(&labels).inc();
    }

    pub fn receipt_acknowledged(&self, stat: &str) {
        let labels = vec![("stat".to_string(), stat.to_string())];
        self.receipts.get_or_create(&labels).inc();
    }
}
