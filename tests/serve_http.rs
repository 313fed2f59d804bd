//! `simsms serve`'s Twilio-shaped HTTP API in process, on 127.0.0.1 with a
//! port picked by the system: refusals as Twilio words them, statuses that
//! follow the model whatever happens to callbacks, /metrics in both
//! exposition formats, the admin API's token and cap, and the port's
//! connection limits.

use simsms::scenario::parse;
use simsms::serve::Server;
use std::sync::Arc;
use std::time::Duration;

/// One provider, one account `acme` (token `secret`), HTTP on a free port;
/// `serve` lines are added to `[serve]`.
fn scenario(serve: &str) -> Arc<simsms::scenario::Scenario> {
    let text = format!(
        r#"
[scenario]
name = "http"
duration = "10m"
[traffic]
rate = "1/s"
[users]
typo = 0.0
stale = 0.0
[providers.p]
route = "domestic"
[routing]
policy = "single"
provider = "p"
[routes.domestic]
latency = "1s"
loss = 0.0
[carriers.c]
share = 1.0
radio_delay = "1s"
[serve]
http_port = 0
{serve}
[[serve.accounts]]
system_id = "acme"
password = "secret"
provider = "p"
port = 0
"#
    );
    Arc::new(parse(&text, "http.toml").unwrap())
}

/// The API's base URL.
fn base(server: &Server) -> String {
    format!("http://{}", server.endpoints.http.expect("an HTTP port"))
}

/// POSTs a message form as acme; (HTTP status, JSON body).
async fn create(server: &Server, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let url = format!("{}/2010-04-01/Accounts/acme/Messages.json", base(server));
    let answer = reqwest::Client::new()
        .post(url)
        .basic_auth("acme", Some("secret"))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn an_empty_body_is_refused_with_21602_as_twilio_does() {
    let server = Server::start(scenario(""), 1000.0).await.unwrap();
    let (status, body) = create(&server, &[("To", "+819012345678"), ("Body", "")]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], 21602, "{body}");
    assert_eq!(body["status"], 400, "{body}");
    assert_eq!(body["message"], "Message body is required.", "{body}");
    let (status, body) = create(&server, &[("To", "+819012345678")]).await;
    assert_eq!((status, &body["code"]), (400, &21602.into()), "{body}");
    let (status, _) = create(&server, &[("To", "+819012345678"), ("Body", "hi")]).await;
    assert_eq!(status, 201);
    server.shutdown(Duration::from_millis(100)).await;
}
