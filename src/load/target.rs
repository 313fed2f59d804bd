//! Where a load run sends: `smpp://user:password@host:port`.

/// An SMPP endpoint with its credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: u16,
}

/// Why a target cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--target expects smpp://USER:PASSWORD@HOST:PORT, got \"{0}\"")]
pub struct TargetError(pub String);

impl Target {
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let bad = || TargetError(text.to_string());
        let rest = text.strip_prefix("smpp://").ok_or_else(bad)?;
        let (credentials, address) = rest.rsplit_once('@').ok_or_else(bad)?;
        let (user, password) = credentials.split_once(':').ok_or_else(bad)?;
        let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
        let port = port.parse().map_err(|_| bad())?;
        if user.is_empty() || host.is_empty() {
            return Err(bad());
        }
        Ok(Target {
            user: user.to_string(),
            password: password.to_string(),
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
        })
    }

    /// As given, without the password.
    pub fn display(&self) -> String {
        format!("smpp://{}@{}:{}", self.user, self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_hide_the_password() {
        let t = Target::parse("smpp://acme:s3cret@127.0.0.1:2775").unwrap();
        assert_eq!(t.port, 2775);
        assert_eq!(t.display(), "smpp://acme@127.0.0.1:2775");
        assert!(Target::parse("http://x").is_err());
        assert!(Target::parse("smpp://acme@127.0.0.1:2775").is_err());
    }
}
