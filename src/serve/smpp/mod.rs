//! The SMPP 3.4 server: one listener per distinct account port (plain, or
//! TLS: the handshake first), each connection served by `connection`,
//! frames split by `frame`, receipts written by `receipt`; parts of
//! concatenated messages wait in `serve::reassembly`, and
//! `expire_incomplete` gives up those whose message never completes.

mod connection;
pub mod receipt;

use super::Shared;
use super::limits::{ACCEPT_BACKOFF, Slot};
use super::tls::{TlsAcceptor, handshake};
use std::sync::Arc;
use tokio::net::TcpListener;

/// Accepts connections on `listener` until shutdown, within the
/// connection cap; with `tls`, each connection's slot is taken before its
/// handshake and freed when that fails.
pub async fn accept(listener: TcpListener, tls: Option<TlsAcceptor>, shared: Arc<Shared>) {
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, peer)) = accepted else {
            tokio::time::sleep(ACCEPT_BACKOFF).await;
            continue;
        };
        let max = shared.scenario.serve.max_connections as usize;
        let Some(slot) = Slot::take(&shared.stats.connections, max) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        match tls.clone() {
            None => tokio::spawn(connection::serve(stream, peer, port, shared, slot)),
            Some(tls) => tokio::spawn(async move {
                if let Some(stream) = handshake(&tls, stream, &shared).await {
                    connection::serve(stream, peer, port, shared, slot).await;
                }
            }),
        };
    }
}

/// Gives up incomplete concatenated messages as their `concat_timeout`
/// passes, until shutdown: their parts' UNDELIV receipts go to the desk.
pub async fn expire_incomplete(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => break,
        }
        let now = std::time::Instant::now();
        let expired = shared.pending.lock().expect("pending lock").expired(now);
        if expired.is_empty() {
            continue;
        }
        let at = crate::des::Clock::now(&shared.clock);
        {
            // query_sm of any of their parts says UNDELIVERABLE from now.
            let mut ledger = shared.ledger.lock().expect("ledger lock");
            for (_, set) in &expired {
                let (receipt, outcome) = super::reassembly::GIVEN_UP;
                let ending = super::ledger::Ending {
                    receipt: Some(receipt),
                    outcome,
                    at,
                    cancelled: false,
                };
                ledger.decided(set.parts[0].id, ending);
            }
        }
        for (_, set) in &expired {
            let incomplete = crate::serve::trace::Happening::Incomplete;
            shared.trace(set.parts[0].id, incomplete);
        }
        for job in super::reassembly::given_up(expired, at) {
            shared.schedule_receipt(job, true);
        }
    }
}
