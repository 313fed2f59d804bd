//! Twilio-style status callbacks: form POSTs signed with X-Twilio-Signature
//! (`protocol::twilio`), retried with backoff when the receiver fails.

use crate::protocol::twilio::signature;
use std::time::Duration;

/// Attempts per callback: the first, then retries after 1, 2, 4 and 8 s.
const ATTEMPTS: u32 = 5;

/// How a callback went: accepted (a 2xx answer) or given up, after how
/// many attempts, and the receiver's last answer in words.
pub struct Answer {
    pub accepted: bool,
    pub attempts: u32,
    pub last: String,
}

/// Posts one callback, retrying with backoff.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    auth_token: &str,
    params: Vec<(String, String)>,
) -> Answer {
    let signed = signature(auth_token, url, &params);
    let body = serde_urlencoded::to_string(&params).expect("strings encode");
    let mut backoff = Duration::from_secs(1);
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
        let sent = client
            .post(url)
            .header("X-Twilio-Signature", &signed)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {
                return Answer {
                    accepted: true,
                    attempts: attempt + 1,
                    last: format!("HTTP {}", r.status().as_u16()),
                };
            }
            Ok(r) => last = format!("HTTP {}", r.status().as_u16()),
            Err(e) if e.is_connect() => last = "connection refused or unreachable".into(),
            Err(e) if e.is_timeout() => last = "timed out".into(),
            Err(_) => last = "no answer".into(),
        }
    }
    Answer {
        accepted: false,
        attempts: ATTEMPTS,
        last,
    }
}
