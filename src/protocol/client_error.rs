//! Why a client of a target (`load`, or `bench smpp`) cannot go on: each
//! failure a sentence naming what failed and where. The crate's `Error` makes
//! bad flags a usage error (exit 2) and failures to reach, bind to or keep
//! talking to a target a network error (exit 4).

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A credential of the target that does not fit its SMPP field.
    /// (`got` describes it without showing a password.)
    #[error("--target: an SMPP {field} is at most {max} ASCII characters without NUL, got {got}")]
    Credential {
        field: &'static str,
        max: usize,
        got: String,
    },
    /// A destination number that does not fit destination_addr.
    #[error("the number \"{0}\" does not fit an SMPP destination_addr (at most 20 ASCII digits)")]
    Number(String),
    /// A message body that cannot be submitted (`--body`).
    #[error("--body: {0}")]
    Body(String),
    /// The callback listener's address cannot be listened on.
    #[error("--callback-listen {address}: cannot listen there: {source}")]
    CallbackListen {
        address: SocketAddr,
        source: std::io::Error,
    },
    /// The HTTP client could not be set up (its TLS roots, say).
    #[error("the HTTP client could not be set up: {0}")]
    HttpClient(String),
    /// The TCP connection failed (refused, no route, unknown host).
    #[error("could not connect to {target}: {reason}")]
    Connect { target: String, reason: String },
    /// The connection broke while binding.
    #[error("the connection to {target} failed while binding: {reason}")]
    Connection { target: String, reason: String },
    /// The target closed the connection instead of answering the bind.
    #[error("{target} closed the connection before answering the bind")]
    ClosedAtBind { target: String },
    /// The target answered the bind with bytes that are not SMPP.
    #[error("{target} answered the bind with something that is not SMPP: {reason}")]
    NotSmpp { target: String, reason: String },
    /// The target answered the bind with an error status.
    #[error("{target} refused the bind with command_status {status:#010x}{hint}")]
    BindRefused {
        target: String,
        status: u32,
        hint: &'static str,
    },
    /// The target did not accept the TCP connection in time.
    #[error("{target} did not accept the connection within {seconds} s (--connect-timeout)")]
    ConnectTimeout { target: String, seconds: f64 },
    /// The target accepted the connection but did not answer the bind.
    #[error(
        "{target} accepted the connection but did not answer the bind within {seconds} s (--connect-timeout)"
    )]
    BindTimeout { target: String, seconds: f64 },
    /// The TLS handshake failed: an untrusted certificate, one for another
    /// name, a port that does not speak TLS.
    #[error("the TLS handshake with {target} failed: {reason}{hint}")]
    Tls {
        target: String,
        reason: String,
        hint: String,
    },
    /// The target accepted the connection but did not finish the TLS
    /// handshake in time.
    #[error(
        "{target} accepted the connection but did not finish the TLS handshake within {seconds} s (--connect-timeout); does the port speak TLS?"
    )]
    TlsTimeout { target: String, seconds: f64 },
    /// The `--ca-cert` file holds no usable certificate.
    #[error("--ca-cert: {0}")]
    CaCert(String),
    /// Ctrl-C came while connecting: not a failure, the run stops.
    #[error("stopped by Ctrl-C while connecting")]
    Interrupted,
    /// HTTP: requests were sent and not one got an HTTP answer (a refused
    /// port, https against a plain HTTP server, an untrusted certificate).
    #[error("{target} answered none of the {sent} requests sent; the first error: {first}")]
    Unreachable {
        target: String,
        sent: usize,
        first: String,
    },
    /// A bind that failed (or closed unanswered) `attempts` times in a row.
    #[error(
        "the bind to {target} failed {attempts} times in a row (the last: {last}); does the server allow as many binds as --binds asks for?"
    )]
    BindKeepsFailing {
        target: String,
        attempts: u32,
        last: String,
    },
    /// A task of the run ended abnormally (a bug, not the target's doing).
    #[error("a task of the load run failed: {0}")]
    Task(String),
}

impl ClientError {
    /// Whether the error is the user's input (exit 2) rather than the
    /// network's (exit 4).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ClientError::Credential { .. }
                | ClientError::Number(_)
                | ClientError::Body(_)
                | ClientError::CaCert(_)
        )
    }

    /// A failed TLS handshake with `target` (whose host is `host`), with a
    /// hint for the usual causes.
    pub fn tls(target: &str, host: &str, reason: &str) -> ClientError {
        let hint = if reason.contains("UnknownIssuer") || reason.contains("unknown issuer") {
            "; the server's certificate is not signed by a CA this machine trusts: give its CA with --ca-cert".to_string()
        } else if reason.contains("NotValidForName") || reason.contains("not valid for name") {
            format!(
                "; the server's certificate does not name {host}: connect by a name (or IP address) it has"
            )
        } else if reason.contains("InvalidContentType") || reason.contains("corrupt message") {
            "; the port does not seem to speak TLS (smpp:// and http:// are the plain schemes)"
                .to_string()
        } else {
            String::new()
        };
        ClientError::Tls {
            target: target.to_string(),
            reason: reason.to_string(),
            hint,
        }
    }

    /// A bind refused with `status`, with a hint for the usual ones.
    pub fn bind_refused(target: String, status: u32) -> ClientError {
        let hint = match status {
            0x0E => " (ESME_RINVPASWD: wrong password)",
            0x0F => " (ESME_RINVSYSID: unknown system_id)",
            0x05 => " (ESME_RALYBND: already bound, or too many binds for the account)",
            0x0D => " (ESME_RBINDFAIL: bind failed)",
            _ => "",
        };
        ClientError::BindRefused {
            target,
            status,
            hint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_sentences_with_their_exit_codes() {
        let e = ClientError::NotSmpp {
            target: "smpp://u@127.0.0.1:1".into(),
            reason: "a PDU length of 2145735198 octets, more than the 8192 allowed".into(),
        };
        assert_eq!(
            e.to_string(),
            "smpp://u@127.0.0.1:1 answered the bind with something that is not SMPP: a PDU length of 2145735198 octets, more than the 8192 allowed"
        );
        assert!(!e.is_usage(), "a network failure: exit 4");
        let refused = ClientError::bind_refused("smpp://u@h:1".into(), 0x0E);
        assert_eq!(
            refused.to_string(),
            "smpp://u@h:1 refused the bind with command_status 0x0000000e (ESME_RINVPASWD: wrong password)"
        );
        let long = ClientError::Credential {
            field: "password",
            max: 8,
            got: "15 characters".into(),
        };
        assert!(long.is_usage(), "bad input: exit 2");
    }
}
