//! Twilio-style status callbacks: form POSTs signed with X-Twilio-Signature
//! (base64 HMAC-SHA1 of the URL followed by every parameter's name and
//! value, sorted by name, keyed with the account's auth token), retried
//! with backoff when the receiver fails.

use base64::Engine;
use hmac::{KeyInit, Mac};
use std::time::Duration;

/// Attempts per callback: the first, then retries after 1, 2, 4 and 8 s.
const ATTEMPTS: u32 = 5;

/// The X-Twilio-Signature of a POST of `params` to `url`.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.to_string();
    for (name, value) in sorted {
        data.push_str(name);
        data.push_str(value);
    }
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_twilios_documented_example() {
        // The example of twilio-python's request validator tests (token 12345).
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            signature(
                "12345",
                "https://mycompany.com/myapp.php?foo=1&bar=2",
                &params
            ),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }
}
