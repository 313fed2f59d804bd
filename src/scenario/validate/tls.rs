//! Validation of `[serve]`'s TLS: the certificate and key files (read and
//! checked to belong together, so `simsms check` finds a bad file before
//! `serve` starts), and the ports: each number is plain or TLS, never
//! both, and the HTTP ports are apart from every SMPP port.

use super::Validator;
use crate::scenario::raw::RawServe;
use crate::scenario::{Account, TlsFiles};
use std::path::Path;

const SEE: &str = "docs/serve.md, TLS";

impl Validator<'_> {
    /// `tls_cert` and `tls_key`, resolved against the scenario file's
    /// directory and checked; both are needed when a TLS port is set, and
    /// neither is taken without one.
    pub(super) fn serve_tls(&mut self, raw: &RawServe, accounts: &[Account]) -> Option<TlsFiles> {
        let needed_by = raw
            .https_port
            .map(|_| "serve.https_port".to_string())
            .or_else(|| {
                (accounts.iter().position(|a| a.tls_port.is_some()))
                    .map(|i| format!("serve.accounts[{i}].tls_port"))
            });
        let (cert, key) = match (&raw.tls_cert, &raw.tls_key, &needed_by) {
            (Some(cert), Some(key), _) => (cert, key),
            (None, None, None) => return None,
            (None, None, Some(port)) => {
                let hint = format!("a TLS port serves the certificate and key of [serve] ({SEE})");
                self.error(
                    port,
                    "serve.tls_cert and serve.tls_key set beside it",
                    Some(hint),
                );
                return None;
            }
            (Some(_), None, _) => {
                self.error(
                    "serve.tls_cert",
                    "serve.tls_key beside it",
                    Some(SEE.into()),
                );
                return None;
            }
            (None, Some(_), _) => {
                self.error(
                    "serve.tls_key",
                    "serve.tls_cert beside it",
                    Some(SEE.into()),
                );
                return None;
            }
        };
        if needed_by.is_none() {
            self.error(
                "serve.tls_cert",
                "a TLS port to serve it on: serve.https_port, or an account's tls_port",
                Some(format!(
                    "a plain port and a TLS port can run side by side ({SEE})"
                )),
            );
        }
        let files = TlsFiles {
            cert: self.beside_scenario(cert),
            key: self.beside_scenario(key),
        };
        // Alternatives repeat [serve] as it is: read the files once.
        if self.prefix.is_empty()
            && let Err(e) = crate::tls::server_config(&files.cert, &files.key)
        {
            let key = match e.part {
                crate::tls::Part::Cert => "serve.tls_cert",
                crate::tls::Part::Key => "serve.tls_key",
            };
            let expected = format!("{}; file: {}", e.expected, e.path.display());
            self.error(key, expected, Some(format!("{} ({SEE})", e.hint)));
        }
        Some(files)
    }

    /// A path of the scenario, relative ones read from its file's directory.
    fn beside_scenario(&self, path: &str) -> std::path::PathBuf {
        let dir = Path::new(self.file).parent().unwrap_or(Path::new(""));
        dir.join(path)
    }

    /// A port number is plain or TLS; the HTTP ports are neither an SMPP
    /// port nor each other (0 picks a free one each, so never collides).
    pub(super) fn ports_apart(&mut self, raw: &RawServe, accounts: &[Account]) {
        let smpp = |tls: bool| {
            accounts.iter().enumerate().filter_map(move |(i, a)| {
                let port = if tls { a.tls_port? } else { a.port };
                (port != 0).then_some((i, port))
            })
        };
        for (i, port) in smpp(true) {
            if let Some((j, _)) = smpp(false).find(|(_, p)| *p == port) {
                self.error(
                    &format!("serve.accounts[{i}].tls_port"),
                    format!(
                        "a port no account serves plain SMPP on, got {port}, the port of account \"{}\"",
                        accounts[j].system_id
                    ),
                    Some("a port is plain or TLS: pick another (3550 is a common SMPP over TLS port), or 0 for a free one".into()),
                );
            }
        }
        let http = [("http_port", raw.http_port), ("https_port", raw.https_port)];
        for (n, (name, port)) in http.iter().enumerate() {
            let Some(port) = port.filter(|p| *p != 0) else {
                continue;
            };
            let smpp_account = (smpp(false).chain(smpp(true))).find(|(_, p)| *p == port);
            let expected = match smpp_account {
                Some((i, _)) => format!(
                    "a port no account listens on, got {port}, the SMPP port of account \"{}\"",
                    accounts[i].system_id
                ),
                None if n == 1 && raw.http_port == Some(port) => {
                    format!("a port apart from serve.http_port, got {port} for both")
                }
                None => continue,
            };
            self.error(
                &format!("serve.{name}"),
                expected,
                Some("pick another port, or 0 for a free one".into()),
            );
        }
    }
}
