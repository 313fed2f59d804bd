//! The HTTP ports' connections (plain, or TLS: the handshake first), with
//! the limits the SMPP ports have: at most `[serve] max_connections` open
//! (more are closed at once), a TLS handshake and then a request head must
//! each finish within `header_timeout`, and a connection that moves no
//! byte for `idle_timeout` is closed.

use crate::serve::limits::{ACCEPT_BACKOFF, Slot};
use crate::serve::shared::Shared;
use crate::serve::tls::{TlsAcceptor, handshake};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Accepts connections on `listener` and serves `router` on each (over
/// `tls` when given), until shutdown.
pub async fn accept(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    shared: Arc<Shared>,
) {
    let mut shutdown = shared.shutdown.subscribe();
    let max = shared.scenario.serve.max_connections as usize;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(ACCEPT_BACKOFF).await;
            continue;
        };
        let Some(slot) = Slot::take(&shared.stats.http_connections, max) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve(
            stream,
            tls.clone(),
            router.clone(),
            shared.clone(),
            slot,
        ));
    }
}

/// Serves one connection until the client closes it, it idles out, its
/// handshake or head comes too slowly, or the server shuts down.
async fn serve(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    router: Router,
    shared: Arc<Shared>,
    _slot: Slot,
) {
    let idle = Duration::from_nanos(shared.scenario.serve.idle_timeout);
    let stream = Watched::new(stream);
    let last = stream.last.clone();
    let mut shutdown = shared.shutdown.subscribe();
    let connection = async {
        match tls {
            None => http1(stream, router, &shared).await,
            Some(tls) => {
                if let Some(stream) = handshake(&tls, stream, &shared).await {
                    http1(stream, router, &shared).await;
                }
            }
        }
    };
    tokio::select! {
        _ = connection => {}
        _ = idled_out(&last, idle) => {}
        _ = shutdown.changed() => {}
    }
}

/// HTTP/1 on `stream` until it ends.
async fn http1<S>(stream: S, router: Router, shared: &Shared)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let header = Duration::from_nanos(shared.scenario.serve.header_timeout);
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header)
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router))
        .await;
}

/// Completes once no byte has moved for `idle`.
async fn idled_out(last: &AtomicU64, idle: Duration) {
    let check = (idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    loop {
        tokio::time::sleep(check).await;
        let quiet = millis_now().saturating_sub(last.load(Ordering::Relaxed));
        if Duration::from_millis(quiet) >= idle {
            return;
        }
    }
}

/// Milliseconds since the first call, a clock cheap to share.
fn millis_now() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// A stream that notes when it last read or wrote a byte.
struct Watched {
    stream: TcpStream,
    last: Arc<AtomicU64>,
}

impl Watched {
    fn new(stream: TcpStream) -> Self {
        Watched {
            stream,
            last: Arc::new(AtomicU64::new(millis_now())),
        }
    }

    fn moved(&self, bytes: usize) {
        if bytes > 0 {
            self.last.store(millis_now(), Ordering::Relaxed);
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        self.moved(read);
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = polled {
            self.moved(n);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
