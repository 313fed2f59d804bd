//! TLS for the live endpoints, shared by the fake SMSC (`serve`), the
//! scenario check and the clients (`load`, `bench smpp`): a server's
//! certificate chain and private key read from PEM files and checked
//! against each other (each problem a `FileError` naming the file, what
//! was expected and a hint), the rustls server config they make, and the
//! client config that trusts the system's roots plus, optionally, a
//! private CA. One crypto provider, ring, the one reqwest's rustls uses.

use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A PEM file larger than this is not a certificate or a key.
const MAX_PEM_BYTES: u64 = 1 << 20;

/// Which of a server's two files a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The certificate chain (`tls_cert`).
    Cert,
    /// The private key (`tls_key`).
    Key,
}

/// Why a certificate or key file cannot be served: the file, what was
/// expected of it (a phrase after "expected") and a hint.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: expected {expected} ({hint})", path.display())]
pub struct FileError {
    pub part: Part,
    pub path: PathBuf,
    pub expected: String,
    pub hint: String,
}

/// The crypto provider every config here uses.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server config of the certificate chain in `cert` and the private
/// key in `key` (PEM files), checked to belong together.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, FileError> {
    let chain = certificates(cert)?;
    let private = private_key(key)?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth();
    let config = builder.with_single_cert(chain, private).map_err(|e| {
        let (part, expected, hint) = match e {
            rustls::Error::InconsistentKeys(_) => (
                Part::Key,
                format!(
                    "the private key of the certificate in {}, got the key of another certificate",
                    cert.display()
                ),
                "tls_key and tls_cert must be made together",
            ),
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => (
                Part::Cert,
                format!("an X.509 certificate, got one that does not parse ({e})"),
                "make one with openssl (docs/serve.md, TLS)",
            ),
            _ => (
                Part::Key,
                format!("an RSA (2048 bits or more), ECDSA P-256/P-384 or Ed25519 key, got: {e}"),
                "make one with openssl (docs/serve.md, TLS)",
            ),
        };
        let path = if part == Part::Cert { cert } else { key };
        file_error(part, path, expected, hint)
    })?;
    Ok(Arc::new(config))
}

/// The certificates of a PEM file, the server's own first.
pub fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, FileError> {
    let pem = read(Part::Cert, path)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| not_pem(Part::Cert, path, &e))?;
    if chain.is_empty() {
        return Err(file_error(
            Part::Cert,
            path,
            "a PEM certificate (a \"-----BEGIN CERTIFICATE-----\" block), found none".into(),
            if is_key(&pem) {
                "this looks like a private key: tls_cert is the certificate, tls_key the key"
            } else {
                "tls_cert is the server's certificate, then any intermediate CAs, in PEM"
            },
        ));
    }
    Ok(chain)
}

/// The private key of a PEM file (PKCS#8, PKCS#1 or SEC1; not encrypted).
fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, FileError> {
    let pem = read(Part::Key, path)?;
    match PrivateKeyDer::from_pem_slice(&pem) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => {
            let text = String::from_utf8_lossy(&pem);
            let hint = if text.contains("ENCRYPTED") {
                "the key is encrypted: write it out unencrypted with `openssl pkey -in KEY -out server.key`"
            } else if text.contains("BEGIN CERTIFICATE") {
                "this looks like a certificate: tls_key is the private key, tls_cert the certificate"
            } else {
                "tls_key is the server's private key in PEM, as openssl writes it"
            };
            Err(file_error(
                Part::Key,
                path,
                "a PEM private key (a \"-----BEGIN PRIVATE KEY-----\" block, or RSA/EC), found none"
                    .into(),
                hint,
            ))
        }
        Err(e) => Err(not_pem(Part::Key, path, &e)),
    }
}

/// Whether PEM text holds a private key.
fn is_key(pem: &[u8]) -> bool {
    PrivateKeyDer::from_pem_slice(pem).is_ok()
}

/// A file's bytes, at most `MAX_PEM_BYTES`.
fn read(part: Part, path: &Path) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| {
        let what = match part {
            Part::Cert => "a readable PEM certificate file",
            Part::Key => "a readable PEM private key file",
        };
        file_error(
            part,
            path,
            format!("{what}, got: {e}"),
            "a relative path is read from the scenario file's directory",
        )
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_PEM_BYTES {
        return Err(file_error(
            part,
            path,
            format!("a PEM file, got one larger than {MAX_PEM_BYTES} bytes"),
            "certificates and keys are a few kilobytes",
        ));
    }
    Ok(bytes)
}

fn not_pem(part: Part, path: &Path, e: &pem::Error) -> FileError {
    file_error(
        part,
        path,
        format!("PEM text, got: {e}"),
        "PEM is base64 between \"-----BEGIN ...-----\" and \"-----END ...-----\" lines",
    )
}

fn file_error(part: Part, path: &Path, expected: String, hint: &str) -> FileError {
    FileError {
        part,
        path: path.to_path_buf(),
        expected,
        hint: hint.into(),
    }
}

/// The system's trusted roots, read once (none when it has none).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// A client config trusting the system's roots and the certificates of
/// `ca_pem` (a private CA, or a self-signed server's certificate); an
/// error when `ca_pem` holds no certificate.
pub fn client_config(ca_pem: Option<&[u8]>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(system_roots().iter().cloned());
    if let Some(pem) = ca_pem {
        let extra = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("not PEM: {e}"))?;
        let (added, _) = roots.add_parsable_certificates(extra);
        if added == 0 {
            return Err("no usable PEM certificate in it".into());
        }
    }
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_tls(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/live/tls")
            .join(name)
    }

    #[test]
    fn the_test_certificate_and_key_make_a_server_config() {
        assert!(server_config(&test_tls("server.pem"), &test_tls("server.key")).is_ok());
    }

    #[test]
    fn each_wrong_file_is_named_with_what_was_expected() {
        let missing = server_config(&test_tls("absent.pem"), &test_tls("server.key")).unwrap_err();
        assert_eq!(missing.part, Part::Cert);
        assert!(missing.expected.contains("readable"), "{missing}");
        let swapped = server_config(&test_tls("server.key"), &test_tls("server.pem")).unwrap_err();
        assert_eq!(swapped.part, Part::Cert);
        assert!(swapped.hint.contains("private key"), "{swapped}");
        // The CA's certificate with the server's key: they do not match.
        let mismatch = server_config(&test_tls("ca.pem"), &test_tls("server.key")).unwrap_err();
        assert_eq!(mismatch.part, Part::Key);
        assert!(
            mismatch.expected.contains("another certificate"),
            "{mismatch}"
        );
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        assert!(client_config(Some(b"hello")).is_err());
        let ca = std::fs::read(test_tls("ca.pem")).unwrap();
        assert!(client_config(Some(&ca)).is_ok());
    }
}
