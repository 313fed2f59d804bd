//! `simsms serve`: the scenario's providers as a fake SMSC, in real time
//! (or `--speed` times faster). Each accepted message's fate comes from
//! `World::resolve`, the code `simsms run` uses; receipts go out when the
//! model says the message reached its final state.

pub mod dates;
pub mod http;
pub mod ledger;
pub mod limits;
pub mod live;
pub mod observe;
pub mod receipts;
pub mod shared;
pub mod smpp;

use crate::metrics::Metrics;
use crate::scenario::Scenario;
use limits::WindowLimit;
use live::LiveModel;
use receipts::{Desk, Scheduler};
pub use shared::{Shared, Stats, routable_digits};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Held receipts per account beyond which new ones are dropped (counted).
const HELD_RECEIPTS: usize = 1_000_000;

/// The server's endpoints, as bound.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// (system_id, provider name, address) per account.
    pub smpp: Vec<(String, String, SocketAddr)>,
    /// The Twilio-shaped HTTP API, if `[serve] http_port` is set.
    pub http: Option<SocketAddr>,
    /// The admin API's bearer token: `[serve] admin_token`, or generated.
    pub admin_token: String,
}

/// A running server.
pub struct Server {
    pub shared: Arc<Shared>,
    pub endpoints: Endpoints,
    listeners: Vec<tokio::task::JoinHandle<()>>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "could not listen on {address} ({what}): {}",
        why_not_listening(source)
    )]
    Listen {
        address: String,
        /// Which key asked for the address, e.g. "[serve] http_port".
        what: String,
        source: std::io::Error,
    },
    #[error("--speed must be a positive number, got {0}")]
    Speed(f64),
}

/// A listener on `host:port`, or an error naming the address and `what`
/// asked for it.
async fn listen(
    host: &str,
    port: u16,
    what: String,
) -> Result<tokio::net::TcpListener, ServeError> {
    let address = match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(ip)) => format!("[{ip}]:{port}"),
        _ => format!("{host}:{port}"),
    };
    tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|source| ServeError::Listen {
            address,
            what,
            source,
        })
}

/// One listener per distinct configured account port (0: one each), and
/// the port each account listens on.
async fn listen_for_accounts(
    serve: &crate::scenario::Serve,
) -> Result<(Vec<(u16, tokio::net::TcpListener)>, Vec<u16>), ServeError> {
    let mut listeners: Vec<(u16, tokio::net::TcpListener)> = Vec::new();
    let mut account_ports = Vec::new();
    for account in &serve.accounts {
        let existing = listeners
            .iter()
            .find(|(configured, _)| *configured == account.port && account.port != 0);
        let port = match existing {
            Some((_, l)) => l.local_addr().map(|a| a.port()).unwrap_or(0),
            None => {
                let what = format!("[serve] port of account {}", account.system_id);
                let listener = listen(&serve.host, account.port, what).await?;
                let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
                listeners.push((account.port, listener));
                port
            }
        };
        account_ports.push(port);
    }
    Ok((listeners, account_ports))
}

/// Why a port could not be bound, as a sentence's end.
fn why_not_listening(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::AddrInUse => "address already in use (is another server running?)".into(),
        ErrorKind::PermissionDenied => {
            "permission denied (ports below 1024 need privileges)".into()
        }
        ErrorKind::AddrNotAvailable => "no interface of this machine has that address".into(),
        _ => e.to_string(),
    }
}

impl Server {
    /// Binds every account's port and starts serving; must run inside a
    /// tokio runtime.
    pub async fn start(scenario: Arc<Scenario>, speed: f64) -> Result<Server, ServeError> {
        if !(speed.is_finite() && speed > 0.0) {
            return Err(ServeError::Speed(speed));
        }
        let serve = &scenario.serve;
        let (listeners, account_ports) = listen_for_accounts(serve).await?;
        let desk = Arc::new(Desk::new(serve.accounts.len(), HELD_RECEIPTS));
        let (shutdown, _) = watch::channel(false);
        let epoch_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let live = LiveModel::new(scenario.clone(), speed);
        let shared = Arc::new(Shared {
            clock: live.clock(),
            live: Mutex::new(live),
            scheduler: Scheduler::spawn(desk.clone()),
            desk,
            epoch_unix,
            account_limits: serve
                .accounts
                .iter()
                .map(|a| a.tps.map(|r| Mutex::new(WindowLimit::per_second(r))))
                .collect(),
            failed_binds: Mutex::new(HashMap::new()),
            stats: Stats::default(),
            observed: observe::Observed::default(),
            ledger: Mutex::new(ledger::Ledger::default()),
            shutdown,
            account_ports: account_ports.clone(),
            scenario: scenario.clone(),
        });
        let admin_token = serve
            .admin_token
            .clone()
            .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
        let http = match serve.http_port {
            None => None,
            Some(port) => {
                let listener = listen(&serve.host, port, "[serve] http_port".into()).await?;
                let bound = listener.local_addr().ok();
                tokio::spawn(http::serve(listener, shared.clone(), admin_token.clone()));
                bound
            }
        };
        let endpoints = Endpoints {
            http,
            admin_token,
            smpp: serve
                .accounts
                .iter()
                .zip(&account_ports)
                .map(|(a, port)| {
                    let ip: IpAddr = serve.host.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]));
                    (
                        a.system_id.clone(),
                        scenario.provider(a.provider).name.clone(),
                        SocketAddr::new(ip, *port),
                    )
                })
                .collect(),
        };
        let tasks = listeners
            .into_iter()
            .map(|(_, l)| tokio::spawn(smpp::accept(l, shared.clone())))
            .collect();
        Ok(Server {
            shared,
            endpoints,
            listeners: tasks,
        })
    }

    /// Stops accepting, lets bound receivers take the receipts still held
    /// for up to `deadline`, then closes every connection. Returns what the
    /// model measured and the receipts left undelivered.
    pub async fn shutdown(self, deadline: Duration) -> Summary {
        self.shutdown_unless(deadline, std::future::pending()).await
    }

    /// As `shutdown`, but when `interrupt` completes first (a second
    /// Ctrl-C) the flush and the wait for connections to close are cut
    /// short.
    pub async fn shutdown_unless(
        self,
        deadline: Duration,
        interrupt: impl std::future::Future<Output = ()>,
    ) -> Summary {
        for task in &self.listeners {
            task.abort();
        }
        tokio::pin!(interrupt);
        let mut cut_short = tokio::select! {
            _ = self.flush(deadline) => false,
            _ = &mut interrupt => true,
        };
        let _ = self.shared.shutdown.send(true);
        if !cut_short {
            cut_short = tokio::select! {
                _ = self.connections_closed(Duration::from_secs(2)) => false,
                _ = &mut interrupt => true,
            };
        }
        let records = self.shared.live.lock().expect("model lock").take_records();
        Summary {
            records,
            metrics: self.shared.live.lock().expect("model lock").metrics(),
            held_receipts: self.shared.desk.held().iter().sum(),
            dropped_receipts: self.shared.desk.dropped(),
            cut_short,
        }
    }

    /// Waits, up to `deadline`, while receipts are held, unacknowledged or
    /// fall due before it, and some client is bound to take them.
    async fn flush(&self, deadline: Duration) {
        let until = Instant::now() + deadline;
        let stats = &self.shared.stats;
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        while Instant::now() < until
            && (self.shared.desk.held().iter().any(|n| *n > 0)
                || stats.unacked.load(relaxed) > 0
                || self.shared.scheduler.any_due_by(until))
            && stats.binds.load(relaxed) > 0
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits, up to `deadline`, for every connection to close.
    async fn connections_closed(&self, deadline: Duration) {
        let until = Instant::now() + deadline;
        let connections = &self.shared.stats.connections;
        while connections.load(std::sync::atomic::Ordering::Relaxed) > 0 && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// What a serve run measured.
pub struct Summary {
    pub metrics: Metrics,
    pub held_receipts: usize,
    pub dropped_receipts: u64,
    /// `--events`: the writer to finish (every message written), or why
    /// writing failed.
    pub records: Option<Result<crate::records::RecordWriter, crate::records::RecordsError>>,
    /// A second interrupt cut the flush short.
    pub cut_short: bool,
}
