//! Where a load run sends: `smpp://USER:PASSWORD@HOST:PORT` (`smpps://`
//! over TLS), or a Twilio-shaped HTTP API at
//! `http(s)://ACCOUNT_SID:AUTH_TOKEN@HOST[:PORT][/PREFIX]`; and the extra
//! certificate a TLS target is trusted by (`--ca-cert`), and how its
//! receipts write message ids (`--receipt-id-in-text`).
//! The user and password are percent-decoded (`%40` is `@`, `%2F` is `/`,
//! `%3A` is `:`, `%25` is `%`), as in any URL.

/// The protocol a target speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Smpp,
    /// Twilio's Messages API over HTTP or HTTPS.
    Http,
}

/// An endpoint with its credentials (for HTTP: the account SID and its
/// auth token).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub protocol: Protocol,
    /// Over TLS (smpps://, https://).
    pub tls: bool,
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: u16,
    /// HTTP only: a path the API is mounted under ("" for Twilio's own).
    pub prefix: String,
    /// TLS: PEM certificates trusted besides the system's roots (a
    /// private CA, or a self-signed server's certificate).
    pub ca_cert: Option<std::sync::Arc<[u8]>>,
    /// SMPP: receipt texts give the message id in hex where the
    /// submit_sm_resp gave it in decimal (`--receipt-id-in-text hex`, as
    /// Kannel's `msg-id-type`); the receipted_message_id TLV, when sent,
    /// is taken as it is.
    pub hex_id_in_receipt_text: bool,
}

/// Why a target cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "--target expects smpp://USER:PASSWORD@HOST:PORT (smpps:// over TLS) or http(s)://ACCOUNT_SID:AUTH_TOKEN@HOST[:PORT], got \"{0}\""
)]
pub struct TargetError(pub String);

impl Target {
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let bad = || TargetError(text.to_string());
        let (protocol, tls, rest) = if let Some(rest) = text.strip_prefix("smpp://") {
            (Protocol::Smpp, false, rest)
        } else if let Some(rest) = text.strip_prefix("smpps://") {
            (Protocol::Smpp, true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (Protocol::Http, false, rest)
        } else if let Some(rest) = text.strip_prefix("https://") {
            (Protocol::Http, true, rest)
        } else {
            return Err(bad());
        };
        let (authority, prefix) = match rest.find('/') {
            Some(slash) if protocol == Protocol::Http => rest.split_at(slash),
            _ => (rest, ""),
        };
        let (credentials, address) = authority.rsplit_once('@').ok_or_else(bad)?;
        let (user, password) = credentials.split_once(':').ok_or_else(bad)?;
        let decode = |part: &str| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|text| text.into_owned())
                .map_err(|_| bad())
        };
        let (user, password) = (decode(user)?, decode(password)?);
        let (host, port) = match (address.rsplit_once(':'), protocol) {
            (Some((host, port)), _) if !port.contains(']') => {
                (host, port.parse().map_err(|_| bad())?)
            }
            (_, Protocol::Http) => (address, if tls { 443 } else { 80 }),
            (_, Protocol::Smpp) => return Err(bad()),
        };
        if user.is_empty() || host.is_empty() {
            return Err(bad());
        }
        Ok(Target {
            protocol,
            tls,
            user,
            password,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            prefix: prefix.trim_end_matches('/').to_string(),
            ca_cert: None,
            hex_id_in_receipt_text: false,
        })
    }

    /// As given, without the password.
    pub fn display(&self) -> String {
        let scheme = self.scheme();
        format!(
            "{scheme}://{}@{}{}",
            self.user,
            self.authority(),
            self.prefix
        )
    }

    /// host:port, with an IPv6 host in brackets.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn scheme(&self) -> &'static str {
        match (self.protocol, self.tls) {
            (Protocol::Smpp, false) => "smpp",
            (Protocol::Smpp, true) => "smpps",
            (Protocol::Http, false) => "http",
            (Protocol::Http, true) => "https",
        }
    }

    /// HTTP: where messages are created.
    pub fn messages_url(&self) -> String {
        format!(
            "{}://{}{}/2010-04-01/Accounts/{}/Messages.json",
            self.scheme(),
            self.authority(),
            self.prefix,
            self.user
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_hide_the_password() {
        let t = Target::parse("smpp://acme:s3cret@127.0.0.1:2775").unwrap();
        assert_eq!((t.protocol, t.port), (Protocol::Smpp, 2775));
        assert_eq!(t.display(), "smpp://acme@127.0.0.1:2775");
        assert!(Target::parse("ftp://x").is_err());
        assert!(Target::parse("smpp://acme@127.0.0.1:2775").is_err());
        assert!(Target::parse("smpp://acme:pw@127.0.0.1").is_err());
    }

    #[test]
    fn users_and_passwords_are_percent_decoded() {
        let t = Target::parse("smpp://ac%3Ame:p%40ss%2Fw%25@127.0.0.1:2775").unwrap();
        assert_eq!((t.user.as_str(), t.password.as_str()), ("ac:me", "p@ss/w%"));
        let h = Target::parse("http://AC1:to%40ken@127.0.0.1:8080/x").unwrap();
        assert_eq!((h.password.as_str(), h.prefix.as_str()), ("to@ken", "/x"));
        // Not UTF-8 once decoded: refused, not garbled.
        assert!(Target::parse("smpp://a:%FF@127.0.0.1:2775").is_err());
    }

    #[test]
    fn http_targets_name_the_account_and_its_messages_url() {
        let t = Target::parse("http://AC1:token@127.0.0.1:8080").unwrap();
        assert_eq!(t.protocol, Protocol::Http);
        assert_eq!(t.display(), "http://AC1@127.0.0.1:8080");
        assert_eq!(
            t.messages_url(),
            "http://127.0.0.1:8080/2010-04-01/Accounts/AC1/Messages.json"
        );
        let mounted = Target::parse("http://AC1:t@gw.local/sms/").unwrap();
        assert_eq!(mounted.port, 80);
        assert_eq!(
            mounted.messages_url(),
            "http://gw.local:80/sms/2010-04-01/Accounts/AC1/Messages.json"
        );
        let v6 = Target::parse("http://AC1:t@[::1]:8080").unwrap();
        assert_eq!(v6.authority(), "[::1]:8080");
        let smpps = Target::parse("smpps://acme:pw@127.0.0.1:3550").unwrap();
        assert!(smpps.tls && smpps.protocol == Protocol::Smpp);
        assert_eq!(smpps.display(), "smpps://acme@127.0.0.1:3550");
        let twilio = Target::parse("https://AC1:t@api.twilio.com").unwrap();
        assert!(twilio.tls);
        assert_eq!(
            twilio.messages_url(),
            "https://api.twilio.com:443/2010-04-01/Accounts/AC1/Messages.json"
        );
        assert_eq!(twilio.display(), "https://AC1@api.twilio.com:443");
    }
}
