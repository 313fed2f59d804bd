//! `simsms serve`: the scenario's providers as a fake SMSC, in real time
//! (or `--speed` times faster). Each accepted message's fate comes from
//! `World::resolve`, the code `simsms run` uses; receipts go out when the
//! model says the message reached its final state.

pub mod board;
pub mod dates;
pub mod http;
pub mod ledger;
pub mod limits;
pub mod live;
pub mod observe;
pub mod page;
pub mod reassembly;
pub mod receipts;
pub mod shared;
pub mod smpp;
pub mod tls;
pub mod trace;

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
    /// The same for SMPP over TLS, per account with a `tls_port`.
    pub smpp_tls: Vec<(String, String, SocketAddr)>,
    /// The Twilio-shaped HTTP API, if `[serve] http_port` is set.
    pub http: Option<SocketAddr>,
    /// The same API over TLS, if `[serve] https_port` is set.
    pub https: Option<SocketAddr>,
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
    #[error("[serve] TLS: {0}")]
    Tls(#[from] tls::TlsError),
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

/// An SMPP listener: its port as configured (0: a free one), whether it
/// speaks TLS, and the socket.
struct SmppListener {
    configured: u16,
    tls: bool,
    socket: tokio::net::TcpListener,
}

/// Where the accounts listen: one listener per distinct configured port,
/// plain or TLS (0: one each), and each account's plain and TLS port.
struct AccountListeners {
    listeners: Vec<SmppListener>,
    ports: Vec<u16>,
    tls_ports: Vec<Option<u16>>,
}

async fn listen_for_accounts(
    serve: &crate::scenario::Serve,
) -> Result<AccountListeners, ServeError> {
    let mut bound = AccountListeners {
        listeners: Vec::new(),
        ports: Vec::new(),
        tls_ports: Vec::new(),
    };
    for account in &serve.accounts {
        let port = bound.port(serve, account, account.port, false).await?;
        bound.ports.push(port);
        let tls_port = match account.tls_port {
            Some(configured) => Some(bound.port(serve, account, configured, true).await?),
            None => None,
        };
        bound.tls_ports.push(tls_port);
    }
    Ok(bound)
}

impl AccountListeners {
    /// The bound port of the listener for `configured` (plain or `tls`),
    /// listening first if no account has asked for it yet.
    async fn port(
        &mut self,
        serve: &crate::scenario::Serve,
        account: &crate::scenario::Account,
        configured: u16,
        tls: bool,
    ) -> Result<u16, ServeError> {
        let bound_port =
            |l: &tokio::net::TcpListener| l.local_addr().map(|a| a.port()).unwrap_or(0);
        let existing = (self.listeners.iter())
            .find(|l| l.configured == configured && l.tls == tls && configured != 0);
        if let Some(l) = existing {
            return Ok(bound_port(&l.socket));
        }
        let key = if tls { "tls_port" } else { "port" };
        let what = format!("[serve] {key} of account {}", account.system_id);
        let socket = listen(&serve.host, configured, what).await?;
        let port = bound_port(&socket);
        self.listeners.push(SmppListener {
            configured,
            tls,
            socket,
        });
        Ok(port)
    }
}

/// The HTTP API on `http_port` and, over TLS, `https_port`: their bound
/// addresses.
async fn listen_http(
    shared: &Arc<Shared>,
    admin_token: &str,
    tls: Option<&tls::TlsAcceptor>,
) -> Result<(Option<SocketAddr>, Option<SocketAddr>), ServeError> {
    let serve = &shared.scenario.serve;
    let mut listeners = Vec::new();
    let mut bound = [None, None];
    let ports = [
        (serve.http_port, "http_port", None),
        (serve.https_port, "https_port", tls),
    ];
    for (i, (port, key, tls)) in ports.into_iter().enumerate() {
        let Some(port) = port else { continue };
        let listener = listen(&serve.host, port, format!("[serve] {key}")).await?;
        bound[i] = listener.local_addr().ok();
        listeners.push((listener, tls.cloned()));
    }
    if !listeners.is_empty() {
        http::serve(listeners, shared.clone(), admin_token.to_string());
    }
    Ok((bound[0], bound[1]))
}

/// (system_id, provider name, address) of each account with a port.
fn account_endpoints(
    scenario: &Scenario,
    ports: impl Iterator<Item = Option<u16>>,
) -> Vec<(String, String, SocketAddr)> {
    let ip: IpAddr = (scenario.serve.host.parse()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
    (scenario.serve.accounts.iter().zip(ports))
        .filter_map(|(a, port)| {
            let provider = scenario.provider(a.provider).name.clone();
            Some((a.system_id.clone(), provider, SocketAddr::new(ip, port?)))
        })
        .collect()
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
        let tls = tls::acceptor(serve)?;
        let bound = listen_for_accounts(serve).await?;
        let desk = Arc::new(Desk::new(serve.accounts.len(), HELD_RECEIPTS));
        let (shutdown, _) = watch::channel(false);
        let started_unix_ms = shared::unix_ms_now();
        let epoch_unix = started_unix_ms / 1000;
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
            pending: Mutex::new(reassembly::Pending::new(reassembly::PENDING_PARTS)),
            observed: observe::Observed::default(),
            ledger: Mutex::new(ledger::Ledger::default()),
            board: board::Board::new(serve.accounts.len()),
            traces: Mutex::new(trace::Traces::new(serve.trace_messages)),
            page_streams: Default::default(),
            started_unix_ms,
            shutdown,
            account_ports: bound.ports.clone(),
            account_tls_ports: bound.tls_ports.clone(),
            scenario: scenario.clone(),
        });
        tokio::spawn(smpp::expire_incomplete(shared.clone()));
        let admin_token = serve
            .admin_token
            .clone()
            .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
        let (http, https) = listen_http(&shared, &admin_token, tls.as_ref()).await?;
        let endpoints = Endpoints {
            smpp: account_endpoints(&scenario, bound.ports.iter().map(|p| Some(*p))),
            smpp_tls: account_endpoints(&scenario, bound.tls_ports.iter().copied()),
            http,
            https,
            admin_token,
        };
        let tasks = (bound.listeners.into_iter())
            .map(|l| {
                let tls = if l.tls { tls.clone() } else { None };
                tokio::spawn(smpp::accept(l.socket, tls, shared.clone()))
            })
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
