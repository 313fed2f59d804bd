//! Pieces of `simsms load`'s arguments: the value parsers of its flags
//! (durations, `--concat`, `--ca-cert`, `--start-at`) and the flags that
//! let several load processes run one schedule together (`--shard`,
//! `--start-at`).

use crate::Error;
use crate::protocol::smpp::parts::Concat;
use crate::units::parse_duration;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How far ahead `--start-at` may be: further is taken for a mistake.
pub const MAX_START_AHEAD: Duration = Duration::from_secs(24 * 3600);

/// `--shard` and `--start-at`: several processes (machines, pods) each
/// sending their share of one schedule, from one instant.
#[derive(Debug, clap::Args)]
pub struct Together {
    /// Send only messages (or sessions) k with k % N == I, and write a
    /// partial result to -o for `simsms merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Start the schedule at this instant (RFC 3339 such as
    /// 2026-12-02T13:42:08Z, or Unix seconds) rather than at once, so
    /// shards on several machines begin together.
    #[arg(long, value_name = "TIME", value_parser = start_at_flag)]
    pub start_at: Option<SystemTime>,
}

impl Together {
    /// The start, checked: at most `MAX_START_AHEAD` ahead; one in the
    /// past is taken (its messages due since leave late or are dropped),
    /// and said on stderr, unless the schedule (`span` long) is over.
    pub fn start(&self, span: Duration) -> Result<Option<SystemTime>, Error> {
        let Some(at) = self.start_at else {
            return Ok(None);
        };
        let now = SystemTime::now();
        match at.duration_since(now) {
            Ok(ahead) if ahead > MAX_START_AHEAD => Err(Error::Usage(format!(
                "--start-at is {:.0} hours ahead, more than the {} a load run waits for",
                ahead.as_secs_f64() / 3600.0,
                "24 hours"
            ))),
            Ok(ahead) if ahead > Duration::from_secs(1) => {
                eprintln!(
                    "simsms: the schedule starts at --start-at, in {:.1} s",
                    ahead.as_secs_f64()
                );
                Ok(Some(at))
            }
            Ok(_) => Ok(Some(at)),
            Err(past) if past.duration() > span => Err(Error::Usage(format!(
                "--start-at was {:.1} s ago, and the schedule ({:.1} s) is over: nothing would be sent",
                past.duration().as_secs_f64(),
                span.as_secs_f64()
            ))),
            Err(past) => {
                eprintln!(
                    "simsms: --start-at was {:.1} s ago: the messages due since then leave late, or are dropped past --max-late",
                    past.duration().as_secs_f64()
                );
                Ok(Some(at))
            }
        }
    }
}

/// `--start-at`'s value: RFC 3339 (or `YYYY-MM-DD HH:MM:SS`, read as UTC)
/// or Unix seconds, as `fit` reads record times.
pub fn start_at_flag(text: &str) -> Result<SystemTime, String> {
    let seconds = crate::units::timestamp::parse(text.as_bytes())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| {
            format!(
                "expected RFC 3339 (2026-12-02T13:42:08Z, or with an offset such as +09:00) or Unix seconds, got \"{text}\""
            )
        })?;
    Ok(UNIX_EPOCH + Duration::from_secs_f64(seconds))
}

/// `--ca-cert`'s file: at least one PEM certificate, or exit 2.
pub fn read_ca_cert(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    let pem = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
    match reqwest::Certificate::from_pem_bundle(&pem) {
        Ok(certificates) if !certificates.is_empty() => Ok(pem),
        _ => Err(Error::Usage(format!(
            "--ca-cert {}: no PEM certificate in it (expected a \"-----BEGIN CERTIFICATE-----\" block)",
            path.display()
        ))),
    }
}

pub fn concat_flag(text: &str) -> Result<Concat, String> {
    Concat::parse(text).ok_or_else(|| format!("udh, sar or payload, got \"{text}\""))
}

/// A duration flag's value, as clap reads it (its error names the flag).
pub fn flag_duration(text: &str) -> Result<Duration, crate::units::UnitError> {
    parse_duration(text).map(Duration::from_nanos)
}

pub fn usage<E: std::fmt::Display>(flag: &str) -> impl Fn(E) -> Error + '_ {
    move |e| Error::Usage(format!("{flag}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_at_reads_rfc_3339_and_unix_seconds() {
        let unix = |s: &str| {
            start_at_flag(s)
                .unwrap()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs_f64()
        };
        assert_eq!(unix("2026-12-02T13:42:08Z"), 1_796_218_928.0);
        assert_eq!(unix("2026-12-02T22:42:08+09:00"), 1_796_218_928.0);
        assert_eq!(unix("1796218928.5"), 1_796_218_928.5);
        assert!(start_at_flag("tomorrow").unwrap_err().contains("RFC 3339"));
    }
}
