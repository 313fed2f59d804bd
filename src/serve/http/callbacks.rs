//! Twilio-style status callbacks: form POSTs signed with X-Twilio-Signature
//! (`protocol::twilio`), retried with backoff when the receiver fails.

use crate::protocol::twilio::signature;
use std::time::Duration;

/// Attempts per callback: the first, then retries after 1, 2, 4 and 8 s.
const ATTEMPTS: u32 = 5;

/// Posts one callback, retrying with backoff; returns whether it was
/// accepted (a 2xx answer).
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    auth_token: &str,
    params: Vec<(String, String)>,
) -> bool {
    let signed = signature(auth_token, url, &params);
    let body = serde_urlencoded::to_string(&params).expect("strings encode");
    let mut backoff = Duration::from_secs(1);
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
        if sent.is_ok_and(|r| r.status().is_success()) {
            return true;
        }
    }
    false
}
