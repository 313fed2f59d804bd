//! TLS on serve's ports: the acceptor made from `[serve] tls_cert` and
//! `tls_key`, and the handshake every TLS connection starts with,
//! bounded by `header_timeout` and cut short by shutdown, so a client
//! that never finishes it (a plain SMPP or HTTP client on a TLS port, a
//! stalled peer) frees its connection slot within that time.

use super::shared::Shared;
use std::time::Duration;
pub use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Why serve cannot offer TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate or key that cannot be served (checked again at
    /// start: the files may have changed since the scenario was checked).
    #[error("{0}")]
    File(#[from] crate::tls::FileError),
    #[error("{0} is set but tls_cert and tls_key are not")]
    NoCertificate(String),
}

/// The acceptor of the scenario's certificate, if it has one; an error
/// when a TLS port is set without one.
pub fn acceptor(serve: &crate::scenario::Serve) -> Result<Option<TlsAcceptor>, TlsError> {
    let Some(files) = &serve.tls else {
        let https = serve.https_port.map(|_| "https_port".to_string());
        let account = (serve.accounts.iter())
            .find(|a| a.tls_port.is_some())
            .map(|a| format!("tls_port of account {}", a.system_id));
        return match https.or(account) {
            Some(port) => Err(TlsError::NoCertificate(port)),
            None => Ok(None),
        };
    };
    let config = crate::tls::server_config(&files.cert, &files.key)?;
    Ok(Some(TlsAcceptor::from(config)))
}

/// The TLS stream over `stream` once the handshake is done; `None` when
/// it fails, takes longer than `header_timeout`, or the server shuts
/// down meanwhile. Each failure is counted.
pub async fn handshake<S>(
    acceptor: &TlsAcceptor,
    stream: S,
    shared: &Shared,
) -> Option<TlsStream<S>>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let within = Duration::from_nanos(shared.scenario.serve.header_timeout);
    let mut shutdown = shared.shutdown.subscribe();
    let done = tokio::select! {
        done = tokio::time::timeout(within, acceptor.accept(stream)) => done,
        _ = shutdown.changed() => return None,
    };
    match done {
        Ok(Ok(stream)) => Some(stream),
        _ => {
            shared.observed.tls_handshake_failed();
            None
        }
    }
}
