//! Outage lookups (`docs/model.md` §4-§7): which of the scenario's outages
//! hold at a moment and what they do to a message at a stage. The message
//! stages, the SMSC and the provider queue all ask here, so none of them
//! needs another's code to know about outages.

use super::outcome::Outcome;
use crate::des::SimRng;
use crate::scenario::{CarrierId, Outage, OutageEffect, OutageTarget, ProviderId};
use crate::units::Nanos;

/// Applies the outages selected by `applies` that cover `t`: the time the
/// message goes on at, or how and when it ends. With `pause_is_queue`, a
/// `store` outage is handled by the queue instead.
pub fn apply(
    outages: &[Outage],
    applies: impl Fn(OutageTarget) -> bool,
    mut t: Nanos,
    pause_is_queue: bool,
    rng: &mut SimRng,
) -> Result<Nanos, (Outcome, Nanos)> {
    for outage in outages {
        if !applies(outage.target) || !outage.covers(t) {
            continue;
        }
        match &outage.effect {
            OutageEffect::Reject => {
                let outcome = match outage.target {
                    OutageTarget::Provider(_) => Outcome::Refused,
                    _ => Outcome::Undeliverable,
                };
                return Err((outcome, t));
            }
            OutageEffect::Drop => return Err((Outcome::LostInTransit, t)),
            OutageEffect::Filter => return Err((Outcome::FilteredByCarrier, t)),
            OutageEffect::Delay(extra) => t += extra.sample(rng),
            // A carrier-wide `store` is a radio outage, handled by the SMSC.
            OutageEffect::Store if matches!(outage.target, OutageTarget::Carrier(_)) => {}
            OutageEffect::Store if pause_is_queue => {}
            OutageEffect::Store => t = t.max(outage.end),
        }
    }
    Ok(t)
}

/// Until when the carrier's radio side is down at `t` (a carrier-wide
/// `store` outage), if it is.
pub fn radio_down_until(outages: &[Outage], carrier: CarrierId, t: Nanos) -> Option<Nanos> {
    outages
        .iter()
        .filter(|o| {
            o.target == OutageTarget::Carrier(carrier)
                && o.effect == OutageEffect::Store
                && o.covers(t)
        })
        .map(|o| o.end)
        .max()
}

/// The windows (from, until) in which provider `id` sends nothing: its
/// `store` outages.
pub fn provider_pauses(outages: &[Outage], id: ProviderId) -> Vec<(Nanos, Nanos)> {
    outages
        .iter()
        .filter(|o| o.target == OutageTarget::Provider(id) && o.effect == OutageEffect::Store)
        .map(|o| (o.start, o.end))
        .collect()
}
