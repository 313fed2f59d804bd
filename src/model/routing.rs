//! Which provider carries a send (`docs/model.md` §3): one
//! provider, a weighted split drawn per send, a provider per carrier, or a
//! failover list where send k goes to the k-th provider and a refused
//! submission moves on to the next.

use super::chance::happens;
use crate::des::{Purpose, RngStreams};
use crate::scenario::{CarrierId, ProviderId, Routing};
use rand::Rng;

/// Picks providers for sends under one routing policy.
#[derive(Debug, Clone, Copy)]
pub struct Router<'r> {
    routing: &'r Routing,
    streams: RngStreams,
}

impl<'r> Router<'r> {
    /// `streams` gives the weighted policy its per-send draws; they do not
    /// depend on the policy, so alternatives split the same sends alike.
    pub fn new(routing: &'r Routing, streams: RngStreams) -> Self {
        Router { routing, streams }
    }

    /// The provider for failover `attempt` (0 first) of send `send` of the
    /// session `session` to a number on `carrier`, or `None` when the policy
    /// has no further provider to try.
    #[inline]
    pub fn provider(
        &self,
        session: u64,
        carrier: CarrierId,
        send: u32,
        attempt: u32,
    ) -> Option<ProviderId> {
        match self.routing {
            Routing::Failover(order) => {
                let first = (send as usize).min(order.len() - 1);
                order.get(first + attempt as usize).copied()
            }
            _ if attempt > 0 => None,
            Routing::Single(p) => Some(*p),
            Routing::ByCarrier(table) => Some(table[carrier.index()]),
            Routing::Weighted(cumulative) => {
                let u: f64 = self
                    .streams
                    .stream(Purpose::Routing, session, send as u64)
                    .random();
                let pick = cumulative
                    .iter()
                    .find(|(_, c)| happens(u, *c))
                    .unwrap_or(&cumulative[cumulative.len() - 1]);
                Some(pick.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(i: usize) -> ProviderId {
        ProviderId::new(i)
    }

    #[test]
    fn failover_starts_at_the_send_and_moves_on_after_refusals() {
        let routing = Routing::Failover(vec![p(0), p(1), p(2)]);
        let router = Router::new(&routing, RngStreams::new(1, 0));
        let c = CarrierId::new(0);
        assert_eq!(router.provider(7, c, 0, 0), Some(p(0)));
        assert_eq!(router.provider(7, c, 0, 2), Some(p(2)));
        assert_eq!(router.provider(7, c, 0, 3), None);
        assert_eq!(router.provider(7, c, 1, 0), Some(p(1)));
        // The last provider repeats for later sends.
        assert_eq!(router.provider(7, c, 5, 0), Some(p(2)));
        assert_eq!(router.provider(7, c, 5, 1), None);
    }

    #[test]
    fn weighted_split_follows_the_weights() {
        let routing = Routing::Weighted(vec![(p(0), 0.3), (p(1), 1.0)]);
        let router = Router::new(&routing, RngStreams::new(5, 0));
        let n = 20_000;
        let first = (0..n)
            .filter(|s| router.provider(*s, CarrierId::new(0), 0, 0) == Some(p(0)))
            .count();
        // 0.3 expected; 99.9% binomial interval: 3.29 sd.
        let sd = (0.3f64 * 0.7 / n as f64).sqrt();
        let share = first as f64 / n as f64;
        assert!((share - 0.3).abs() < 3.29 * sd, "share {share}");
        assert_eq!(router.provider(3, CarrierId::new(0), 0, 1), None);
    }

    #[test]
    fn by_carrier_uses_the_numbers_carrier() {
        let routing = Routing::ByCarrier(vec![p(1), p(0)]);
        let router = Router::new(&routing, RngStreams::new(1, 0));
        assert_eq!(router.provider(0, CarrierId::new(0), 0, 0), Some(p(1)));
        assert_eq!(router.provider(0, CarrierId::new(1), 3, 0), Some(p(0)));
    }
}
