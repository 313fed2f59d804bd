//! Validation of `[serve]`: the fake SMSC's accounts, ports, limits and
//! receipt dialects. Without accounts, every provider gets one account
//! named after it, so any scenario can be served as it is.

use super::{Validator, join};
use crate::scenario::raw::{RawAccount, RawServe};
use crate::scenario::{Account, Dialect, ProviderId, QuotedText, Serve};
use crate::units::{NANOS_PER_SEC, parse_rate};

/// SMPP 3.4 field limits (octets, without the terminating NUL).
const SYSTEM_ID_MAX: usize = 15;
const PASSWORD_MAX: usize = 8;

/// Messages the live page's trace keeps by default, and at most.
const DEFAULT_TRACE_MESSAGES: u64 = 10_000;
const MAX_TRACE_MESSAGES: u64 = 200_000;

/// The first SMPP port of default accounts (2775 is SMPP's registered port).
const DEFAULT_PORT: u16 = 2775;

impl Validator<'_> {
    pub(super) fn serve(&mut self, raw: &RawServe, providers: &[String]) -> Serve {
        let accounts = if raw.accounts.is_empty() {
            default_accounts(providers)
        } else {
            raw.accounts
                .iter()
                .enumerate()
                .filter_map(|(i, a)| self.account(&format!("serve.accounts[{i}]"), a, providers))
                .collect()
        };
        for (i, a) in accounts.iter().enumerate() {
            if accounts[..i].iter().any(|b| b.system_id == a.system_id) {
                self.error(
                    &format!("serve.accounts[{i}].system_id"),
                    format!("a system_id used once, got \"{}\" again", a.system_id),
                    None,
                );
            }
        }
        let max_pdu = raw.max_pdu.unwrap_or(8192);
        if !(64..=65_536).contains(&max_pdu) {
            self.error("serve.max_pdu", "a size from 64 to 65536 octets", None);
        }
        let failed_binds_per_sec =
            self.opt_rate("serve.failed_binds", raw.failed_binds.as_deref(), 5.0);
        let host = raw.host.clone().unwrap_or_else(|| "127.0.0.1".into());
        if host.parse::<std::net::IpAddr>().is_err() {
            self.error(
                "serve.host",
                format!("an IP address to listen on, got \"{host}\""),
                Some("e.g. \"127.0.0.1\", or \"0.0.0.0\" for every interface".into()),
            );
        }
        self.ports_apart(raw, &accounts);
        let tls = self.serve_tls(raw, &accounts);
        let admin_token = raw.admin_token.clone();
        if admin_token
            .as_ref()
            .is_some_and(|t| t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()))
        {
            self.error(
                "serve.admin_token",
                "a token of printable ASCII characters without spaces",
                Some("omit it to have one generated at start".into()),
            );
        }
        let trace_messages = raw.trace_messages.unwrap_or(DEFAULT_TRACE_MESSAGES);
        if trace_messages > MAX_TRACE_MESSAGES {
            self.error(
                "serve.trace_messages",
                format!("at most {MAX_TRACE_MESSAGES} messages (1.3 to 2.8 KB each)"),
                Some("0 keeps no trace".into()),
            );
        }
        Serve {
            host,
            http_port: raw.http_port,
            https_port: raw.https_port,
            tls,
            max_connections: raw.max_connections.unwrap_or(1000).max(1),
            max_pdu: max_pdu.clamp(64, 65_536),
            idle_timeout: self.opt_duration(
                "serve.idle_timeout",
                raw.idle_timeout.as_ref(),
                120 * NANOS_PER_SEC,
            ),
            header_timeout: self.opt_positive_duration(
                "serve.header_timeout",
                raw.header_timeout.as_ref(),
                10 * NANOS_PER_SEC,
            ),
            receipt_retry: self.opt_duration(
                "serve.receipt_retry",
                raw.receipt_retry.as_ref(),
                10 * NANOS_PER_SEC,
            ),
            failed_binds_per_sec,
            concat_timeout: self.opt_positive_duration(
                "serve.concat_timeout",
                raw.concat_timeout.as_ref(),
                60 * NANOS_PER_SEC,
            ),
            admin_token,
            admin: raw.admin.unwrap_or(true),
            trace_messages: trace_messages.min(MAX_TRACE_MESSAGES) as usize,
            accounts,
        }
    }

    fn account(&mut self, key: &str, raw: &RawAccount, providers: &[String]) -> Option<Account> {
        let k = |f: &str| join(key, f);
        let provider = self.reference(&k("provider"), &raw.provider, "provider", providers)?;
        if raw.system_id.is_empty() || raw.system_id.len() > SYSTEM_ID_MAX {
            self.error(
                &k("system_id"),
                format!("1 to {SYSTEM_ID_MAX} characters (SMPP's limit)"),
                None,
            );
        }
        if raw.password.len() > PASSWORD_MAX {
            self.error(
                &k("password"),
                format!("at most {PASSWORD_MAX} characters (SMPP's limit)"),
                None,
            );
        }
        let window = raw.window.unwrap_or(64);
        if window == 0 {
            self.error(&k("window"), "at least 1 outstanding request", None);
        }
        let d = &raw.dialect;
        let dk = |f: &str| join(&k("dialect"), f);
        let capital_text = match d.text_label.as_deref() {
            None | Some("text") => false,
            Some("Text") => true,
            Some(other) => {
                self.error(
                    &dk("text_label"),
                    format!("\"text\" or \"Text\", got \"{other}\""),
                    None,
                );
                false
            }
        };
        let date_digits = d.date_digits.unwrap_or(10);
        if date_digits != 10 && date_digits != 12 {
            self.error(
                &dk("date_digits"),
                "10 (YYMMDDhhmm) or 12 (YYMMDDhhmmss)",
                None,
            );
        }
        let hex_id_in_text = match d.id_in_text.as_deref() {
            None | Some("decimal") => false,
            Some("hex") => true,
            Some(other) => {
                self.error(
                    &dk("id_in_text"),
                    format!("\"decimal\" or \"hex\", got \"{other}\""),
                    None,
                );
                false
            }
        };
        let receipts_by_data_sm = match d.receipt_pdu.as_deref() {
            None | Some("deliver_sm") => false,
            Some("data_sm") => true,
            Some(other) => {
                self.error(
                    &dk("receipt_pdu"),
                    format!("\"deliver_sm\" or \"data_sm\", got \"{other}\""),
                    None,
                );
                false
            }
        };
        let quoted_text = match d.receipt_text.as_deref() {
            None | Some("decoded") => QuotedText::Decoded,
            Some("raw") => QuotedText::Raw,
            Some("empty") => QuotedText::Empty,
            Some(other) => {
                self.error(
                    &dk("receipt_text"),
                    format!("\"decoded\", \"raw\" or \"empty\", got \"{other}\""),
                    None,
                );
                QuotedText::Decoded
            }
        };
        Some(Account {
            system_id: raw.system_id.clone(),
            password: raw.password.clone(),
            provider: ProviderId::new(provider),
            port: raw.port.unwrap_or(DEFAULT_PORT + provider as u16),
            tls_port: raw.tls_port,
            tps: self.opt_tps(&k("tps"), raw.tps.as_deref()),
            bind_tps: self.opt_tps(&k("bind_tps"), raw.bind_tps.as_deref()),
            window: window.max(1),
            auth_token: raw
                .auth_token
                .clone()
                .unwrap_or_else(|| raw.password.clone()),
            dialect: Dialect {
                capital_text,
                date_digits: if date_digits == 12 { 12 } else { 10 },
                hex_id_in_text,
                tlvs: d.tlvs.unwrap_or(true),
                receipt_before_resp: d.receipt_before_resp.unwrap_or(false),
                duplicates: d.duplicates.unwrap_or(false),
                receipts_by_data_sm,
                quoted_text,
            },
        })
    }

    fn opt_positive_duration(&mut self, key: &str, text: Option<&String>, default: u64) -> u64 {
        let duration = self.opt_duration(key, text, default);
        if duration == 0 {
            self.error(key, "a positive duration", Some("e.g. \"10s\"".into()));
            return default;
        }
        duration
    }

    fn opt_positive_rate(&mut self, key: &str, text: Option<&str>) -> Option<f64> {
        match text.map(parse_rate) {
            None => None,
            Some(Ok(r)) if r > 0.0 && r.is_finite() => Some(r),
            Some(Ok(_)) => {
                self.error(key, "a positive rate", Some("omit it for no limit".into()));
                None
            }
            Some(Err(e)) => {
                self.error(key, e.expected, Some(e.hint));
                None
            }
        }
    }

    fn opt_rate(&mut self, key: &str, text: Option<&str>, default: f64) -> f64 {
        self.opt_positive_rate(key, text).unwrap_or(default)
    }
}

/// One account per provider: system_id and password the provider's name
/// (cut to SMPP's limits), ports 2775, 2776, ... in provider order.
fn default_accounts(providers: &[String]) -> Vec<Account> {
    providers
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let system_id: String = name.chars().take(SYSTEM_ID_MAX).collect();
            let password: String = name.chars().take(PASSWORD_MAX).collect();
            Account {
                auth_token: password.clone(),
                system_id,
                password,
                provider: ProviderId::new(i),
                port: DEFAULT_PORT + i as u16,
                tls_port: None,
                tps: None,
                bind_tps: None,
                window: 64,
                dialect: Dialect::default(),
            }
        })
        .collect()
}
