//! `simsms serve`'s Twilio-shaped HTTP API in process, on 127.0.0.1 with a
//! port picked by the system: refusals as Twilio words them, statuses that
//! follow the model whatever happens to callbacks, /metrics in both
//! exposition formats, the admin API's token and cap, and the port's
//! connection limits.

mod common;

use common::smpp;
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

/// GETs message `sid` as acme; its JSON.
async fn fetch(server: &Server, sid: &str) -> serde_json::Value {
    let url = format!(
        "{}/2010-04-01/Accounts/acme/Messages/{sid}.json",
        base(server)
    );
    let answer = reqwest::Client::new()
        .get(url)
        .basic_auth("acme", Some("secret"))
        .send()
        .await
        .unwrap();
    serde_json::from_str(&answer.text().await.unwrap()).unwrap()
}

/// Polls message `sid` until its status is final; the status, failing the
/// test after `limit`.
async fn final_status(server: &Server, sid: &str, limit: Duration) -> String {
    let started = std::time::Instant::now();
    loop {
        let status = fetch(server, sid).await["status"]
            .as_str()
            .unwrap()
            .to_string();
        if ["delivered", "undelivered", "failed"].contains(&status.as_str()) {
            return status;
        }
        assert!(started.elapsed() < limit, "still {status} after {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_unreachable_status_callback_does_not_hold_back_the_status() {
    // A port nobody listens on: every callback attempt is refused, and
    // retried for about 15 s.
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/status", l.local_addr().unwrap())
    };
    // At 1000x the model's final time (about 2 simulated s) is 2 ms away.
    let server = Server::start(scenario(""), 1000.0).await.unwrap();
    let form = [
        ("To", "+819012345678"),
        ("Body", "Your code is 123456"),
        ("StatusCallback", refused.as_str()),
    ];
    let (status, body) = create(&server, &form).await;
    assert_eq!(status, 201, "{body}");
    let sid = body["sid"].as_str().unwrap();
    // Final long before the callback's retries end (about 15 s).
    let status = final_status(&server, sid, Duration::from_secs(5)).await;
    assert_eq!(status, "delivered");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn callbacks_still_come_in_order_sent_then_final() {
    use axum::extract::{Form, State};
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Seen = Arc<Mutex<Vec<String>>>;
    async fn receive(State(seen): State<Seen>, Form(form): Form<HashMap<String, String>>) {
        seen.lock().unwrap().push(form["MessageStatus"].clone());
    }
    let seen: Seen = Arc::default();
    let receiver = axum::Router::new()
        .route("/status", axum::routing::post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/status", listener.local_addr().unwrap());
    let receiving = tokio::spawn(async move { axum::serve(listener, receiver).await });
    let server = Server::start(scenario(""), 1000.0).await.unwrap();
    let form = [
        ("To", "+819012345678"),
        ("Body", "Your code is 123456"),
        ("StatusCallback", url.as_str()),
    ];
    let (status, _) = create(&server, &form).await;
    assert_eq!(status, 201);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while seen.lock().unwrap().len() < 2 {
        assert!(std::time::Instant::now() < deadline, "{seen:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(*seen.lock().unwrap(), ["sent", "delivered"]);
    receiving.abort();
    server.shutdown(Duration::from_millis(100)).await;
}

/// GET /metrics with this Accept header: (content type, text).
async fn metrics(server: &Server, accept: Option<&str>) -> (String, String) {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", base(server)));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let answer = request.send().await.unwrap();
    let kind = answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (kind, answer.text().await.unwrap())
}

/// What Prometheus 2.x and 3.x send when scraping.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

#[tokio::test]
async fn metrics_answer_the_classic_format_unless_openmetrics_is_asked_for() {
    let server = Server::start(scenario(""), 1000.0).await.unwrap();
    let (status, _) = create(&server, &[("To", "+819012345678"), ("Body", "x")]).await;
    assert_eq!(status, 201);
    for accept in [None, Some("text/plain"), Some("*/*")] {
        let (kind, text) = metrics(&server, accept).await;
        assert_eq!(
            kind, "text/plain; version=0.0.4; charset=utf-8",
            "{accept:?}"
        );
        // The classic parser types a sample only when a TYPE line names it.
        let mut typed = std::collections::HashMap::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert!(typed.insert(name, kind).is_none(), "twice: {name}");
            } else if !line.starts_with('#') && !line.is_empty() {
                let name = line.split(['{', ' ']).next().unwrap();
                assert!(typed.contains_key(name), "untyped sample {name}:\n{text}");
            }
        }
        assert_eq!(
            typed.get("simsms_submits_total"),
            Some(&"counter"),
            "{text}"
        );
        assert!(text.contains("\nsimsms_submits_total 1\n"), "{text}");
        assert!(!text.contains("# EOF"), "{text}");
    }
    let (kind, text) = metrics(&server, Some(PROMETHEUS_ACCEPT)).await;
    assert!(
        kind.starts_with("application/openmetrics-text; version=1.0.0"),
        "{kind}"
    );
    assert!(text.contains("# TYPE simsms_submits counter\n"), "{text}");
    assert!(text.ends_with("# EOF\n"), "{text}");
    server.shutdown(Duration::from_millis(100)).await;
}

/// The Grafana dashboard in docs/grafana queries only what /metrics
/// exports: every metric its panels name is typed in the classic text a
/// Prometheus scrape reads (serve's own registry, with a sample in every
/// family), and every label it groups by is on that metric's samples.
#[test]
fn the_grafana_dashboard_queries_only_metrics_serve_exports() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/grafana/simsms-serve.json"
    );
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let exprs: Vec<String> = (dashboard["panels"].as_array().unwrap().iter())
        .flat_map(|p| p["targets"].as_array().unwrap().iter())
        .map(|t| t["expr"].as_str().unwrap().to_string())
        .collect();
    assert!(exprs.len() >= 6, "{exprs:?}");
    // A family without samples is not written: give each one.
    let observed = simsms::serve::observe::Observed::default();
    observed.submits.inc();
    observed.refused(0x58);
    observed.receipt_acknowledged("DELIVRD");
    observed.tls_handshake_failed();
    let provider = vec![("provider".to_string(), "p".to_string())];
    observed.queue_depth.get_or_create(&provider).set(3);
    let text = observed.classic_text();
    let mut checked = 0;
    for expr in &exprs {
        for (at, _) in expr.match_indices("simsms_") {
            let name: String = (expr[at..].chars())
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let typed = text.contains(&format!("# TYPE {name} "));
            assert!(typed, "{name} (in {expr}) is not exported:\n{text}");
            if let Some(rest) = expr.split("by (").nth(1) {
                let label = rest.split(')').next().unwrap();
                let sample = format!("\n{name}{{{label}=\"");
                assert!(text.contains(&sample), "no {label} on {name}:\n{text}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 9, "{checked} metric names checked");
}

/// POSTs an outage to the admin API with this bearer token; the status
/// and JSON answer.
async fn start_outage(server: &Server, token: Option<&str>) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/admin/outages", base(server)))
        .header("content-type", "application/json")
        .body(r#"{"provider": "p", "effect": "delay", "extra_latency": "1s", "duration": "1h"}"#);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    (
        status,
        serde_json::from_str(&answer.text().await.unwrap()).unwrap(),
    )
}

/// `[serve] admin = false`: no outage can be started or ended, even with
/// the right token; the API and /metrics serve on.
#[tokio::test]
async fn admin_false_turns_the_admin_actions_off() {
    let serve = "admin_token = \"s3cret-admin\"\nadmin = false";
    let server = Server::start(scenario(serve), 1000.0).await.unwrap();
    let (status, answer) = start_outage(&server, Some("s3cret-admin")).await;
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("admin = false"),
        "{answer}"
    );
    let ended = reqwest::Client::new()
        .delete(format!("{}/admin/outages", base(&server)))
        .bearer_auth("s3cret-admin")
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status().as_u16(), 403);
    let (status, _) = create(&server, &[("To", "+819012345678"), ("Body", "x")]).await;
    assert_eq!(
        status, 201,
        "a message is still accepted, as it would be without an outage"
    );
    let (_, text) = metrics(&server, None).await;
    assert!(text.contains("simsms_submits_total 1"), "{text}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn the_admin_api_needs_its_token() {
    let server = Server::start(scenario(r#"admin_token = "s3cret-admin""#), 1000.0)
        .await
        .unwrap();
    assert_eq!(server.endpoints.admin_token, "s3cret-admin");
    for token in [None, Some("wrong"), Some("s3cret-admin2")] {
        let (status, body) = start_outage(&server, token).await;
        assert_eq!(status, 401, "{token:?}: {body}");
        assert!(body["error"].as_str().unwrap().contains("Bearer"), "{body}");
    }
    let ended = reqwest::Client::new()
        .delete(format!("{}/admin/outages", base(&server)))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 401);
    let (status, body) = start_outage(&server, Some("s3cret-admin")).await;
    assert_eq!(status, 201, "{body}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn without_a_configured_token_one_is_generated_and_others_are_refused() {
    let first = Server::start(scenario(""), 1000.0).await.unwrap();
    let second = Server::start(scenario(""), 1000.0).await.unwrap();
    let token = first.endpoints.admin_token.clone();
    assert!(token.len() >= 32, "{token}");
    assert_ne!(token, second.endpoints.admin_token);
    assert_eq!(start_outage(&first, None).await.0, 401);
    assert_eq!(start_outage(&first, Some(&token)).await.0, 201);
    first.shutdown(Duration::from_millis(100)).await;
    second.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn active_injected_outages_are_capped_at_100() {
    // At 1x each outage (an hour) outlasts the test.
    let server = Server::start(scenario(r#"admin_token = "t""#), 1.0)
        .await
        .unwrap();
    for i in 0..100 {
        let (status, body) = start_outage(&server, Some("t")).await;
        assert_eq!(status, 201, "outage {i}: {body}");
    }
    let (status, body) = start_outage(&server, Some("t")).await;
    assert_eq!(status, 429, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("100 injected outages are active"), "{error}");
    // Ending them makes room again.
    let ended = reqwest::Client::new()
        .delete(format!("{}/admin/outages", base(&server)))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    let ended: serde_json::Value = serde_json::from_str(&ended.text().await.unwrap()).unwrap();
    assert_eq!(ended["ended"], 100);
    assert_eq!(start_outage(&server, Some("t")).await.0, 201);
    server.shutdown(Duration::from_millis(100)).await;
}

/// Reads from `stream` until the server closes it (EOF or reset); how long
/// that took, failing the test after `limit`.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> Duration {
    use tokio::io::AsyncReadExt;
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        let left = limit.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
            Err(_) => panic!("still open after {limit:?}"),
        }
    }
}

/// Polls `open` until it reads `want`, failing after 5 s.
async fn open_becomes(open: &std::sync::atomic::AtomicUsize, want: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while open.load(std::sync::atomic::Ordering::Relaxed) != want {
        assert!(
            std::time::Instant::now() < deadline,
            "{open:?} open, want {want}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Binds a transceiver as acme on the SMPP port; the bind's status.
async fn smpp_bind(server: &Server) -> rusmpp::CommandStatus {
    let mut client = smpp::connect(server.endpoints.smpp[0].2).await;
    smpp::bind_transceiver(&mut client, "acme", "secret").await
}

/// The start of a request head, never finished.
const HALF_REQUEST: &[u8] = b"POST /2010-04-01/Accounts/acme/Messages.json HTTP/1.1\r\nHost: x\r\n";

#[tokio::test]
async fn slow_clients_beyond_the_cap_are_closed_and_half_requests_time_out() {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let limits = "max_connections = 20\nheader_timeout = \"2s\"";
    let server = Server::start(scenario(limits), 1000.0).await.unwrap();
    let http = server.endpoints.http.unwrap();
    let open = &server.shared.stats.http_connections;
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(http).await.unwrap();
        stream.write_all(HALF_REQUEST).await.unwrap();
        slow.push(stream);
    }
    open_becomes(open, 20).await;
    // Beyond the cap: closed at once, long before the header timeout.
    for _ in 0..20 {
        let mut stream = TcpStream::connect(http).await.unwrap();
        let _ = stream.write_all(HALF_REQUEST).await;
        let took = closed_within(&mut stream, Duration::from_secs(5)).await;
        assert!(took < Duration::from_secs(1), "closed after {took:?}");
    }
    // The SMPP port is not starved meanwhile: a bind succeeds.
    assert_eq!(smpp_bind(&server).await, rusmpp::CommandStatus::EsmeRok);
    assert_eq!(open.load(std::sync::atomic::Ordering::Relaxed), 20);
    // Each half request is closed after the header timeout (2 s).
    for stream in &mut slow {
        closed_within(stream, Duration::from_secs(5)).await;
    }
    open_becomes(open, 0).await;
    let (status, _) = create(&server, &[("To", "+819012345678"), ("Body", "x")]).await;
    assert_eq!(status, 201);
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_connection_that_stalls_mid_body_is_closed_after_the_idle_timeout() {
    use tokio::io::AsyncWriteExt;
    let server = Server::start(scenario("idle_timeout = \"400ms\""), 1000.0)
        .await
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(server.endpoints.http.unwrap())
        .await
        .unwrap();
    let head = "POST /2010-04-01/Accounts/acme/Messages.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nTo=%2B81";
    stream.write_all(head.as_bytes()).await.unwrap();
    let took = closed_within(&mut stream, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(350), "closed after {took:?}");
    open_becomes(&server.shared.stats.http_connections, 0).await;
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn number_forms_are_judged_as_docs_numbers_md_says() {
    let server = Server::start(scenario(""), 1000.0).await.unwrap();
    // Rule 1: not 5-15 digits after an optional + is refused at the door.
    for to in [
        "+81 90-1234-5678",
        "+8190x2345678",
        "1234",
        "+1234567890123456",
    ] {
        let (status, body) = create(&server, &[("To", to), ("Body", "x")]).await;
        assert_eq!(
            (status, &body["code"]),
            (400, &21211.into()),
            "{to}: {body}"
        );
    }
    // Rule 3: with no typos drawn (users.typo = 0), the trunk 0 after +81
    // and a short Japanese mobile number are undeliverable by form alone;
    // the right form is delivered.
    for (to, status, code) in [
        ("+81090123456789", "undelivered", Some(30005)),
        ("+8109012345678", "undelivered", Some(30005)),
        ("+81901234567", "undelivered", Some(30005)),
        ("+819012345678", "delivered", None),
    ] {
        let (created, body) = create(&server, &[("To", to), ("Body", "x")]).await;
        assert_eq!(created, 201, "{to}: {body}");
        let sid = body["sid"].as_str().unwrap();
        let got = final_status(&server, sid, Duration::from_secs(5)).await;
        assert_eq!(got, status, "{to}");
        let message = fetch(&server, sid).await;
        assert_eq!(message["error_code"].as_u64(), code, "{to}: {message}");
    }
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_body_beyond_1600_characters_is_refused_with_21617_as_twilio_does() {
    let server = Server::start(scenario(""), 1000.0).await.unwrap();
    let longest = "é".repeat(1600);
    let (status, body) = create(&server, &[("To", "+819012345678"), ("Body", &longest)]).await;
    assert_eq!(status, 201, "{body}");
    // 'é' is in the GSM alphabet: 1600 septets, 153 a part.
    assert_eq!(body["num_segments"], "11", "{body}");
    let beyond = "x".repeat(1601);
    let (status, body) = create(&server, &[("To", "+819012345678"), ("Body", &beyond)]).await;
    assert_eq!((status, &body["code"]), (400, &21617.into()), "{body}");
    server.shutdown(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_message_reports_its_segments_and_the_price_of_each() {
    let mut sc = (*scenario("")).clone();
    sc.providers[0].price = vec![2.0; sc.carriers.len()];
    sc.currency = "JPY".into();
    let server = Server::start(Arc::new(sc), 1000.0).await.unwrap();
    let cases = [
        ("Your code is 123456", "1", "-2.00000"),
        // UCS-2: 70 units in one segment, 67 a part beyond.
        ("認証コードは123456です", "1", "-2.00000"),
        (&*"認".repeat(71), "2", "-4.00000"),
        (&*"Your code is 123456. ".repeat(15), "3", "-6.00000"),
    ];
    for (text, segments, price) in cases {
        let (status, body) = create(&server, &[("To", "+819012345678"), ("Body", text)]).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["num_segments"], segments, "{text}");
        assert_eq!(
            body["price"],
            serde_json::Value::Null,
            "not known while queued"
        );
        let sid = body["sid"].as_str().unwrap();
        assert_eq!(
            final_status(&server, sid, Duration::from_secs(5)).await,
            "delivered"
        );
        let done = fetch(&server, sid).await;
        assert_eq!(
            (&done["price"], &done["price_unit"]),
            (&price.into(), &"JPY".into()),
            "{text}"
        );
    }
    server.shutdown(Duration::from_millis(100)).await;
}

/// GETs `path` on the HTTP port: (status, headers, body).
async fn get(server: &Server, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let answer = reqwest::get(format!("{}{path}", base(server)))
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    (status, headers, answer.text().await.unwrap())
}

/// The live page is one self-contained file: nothing loaded from
/// elsewhere (no `src=` or `href=` but the empty icon), a content security
/// policy that allows nothing else, and page routes that change nothing.
#[tokio::test]
async fn the_live_page_is_one_file_that_loads_nothing_from_elsewhere() {
    let server = Server::start(scenario(""), 1000.0).await.unwrap();
    let (status, headers, page) = get(&server, "/").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'none'") && policy.contains("connect-src 'self'"));
    assert!(!page.contains("src="), "the page loads a script or image");
    assert_eq!(page.matches("href=").count(), 1, "only the empty icon");
    assert!(page.contains(r#"href="data:,""#));
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(
        !page.contains(".innerHTML"),
        "text is set as text, never as markup"
    );
    let client = reqwest::Client::new();
    for path in ["/", "/page/stream", "/page/trace?q=1"] {
        let answer = client
            .post(format!("{}{path}", base(&server)))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 405, "POST {path}");
    }
    server.shutdown(Duration::from_millis(100)).await;
}

/// Reads SSE events from `answer` until one `snapshot` has come; its JSON.
async fn first_snapshot(answer: &mut reqwest::Response) -> serde_json::Value {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let chunk = tokio::time::timeout_at(deadline, answer.chunk())
            .await
            .expect("a snapshot within 5 s")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(data) = text
            .split("\n\n")
            .find(|e| e.starts_with("event: snapshot\n") && text.contains("\n\n"))
            .and_then(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
        {
            return serde_json::from_str(data).unwrap();
        }
    }
}

/// The stream sends snapshots that count what a client did, by account;
/// at most 16 streams are open at once, the 17th is refused with 503 and
/// a closed one frees its place.
#[tokio::test]
async fn the_page_stream_counts_by_account_and_is_capped_at_16() {
    let server = Server::start(scenario(""), 1000.0).await.unwrap();
    let (status, _) = create(&server, &[("To", "+819012345678"), ("Body", "hi")]).await;
    assert_eq!(status, 201);
    let (status, _) = create(&server, &[("To", "12"), ("Body", "hi")]).await;
    assert_eq!(status, 400);
    let url = format!("{}/page/stream", base(&server));
    let mut streams = Vec::new();
    for _ in 0..16 {
        let answer = reqwest::get(&url).await.unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        streams.push(answer);
    }
    let snapshot = first_snapshot(&mut streams[0]).await;
    let acme = &snapshot["accounts"][0];
    assert_eq!(acme["system_id"], "acme", "{snapshot}");
    assert_eq!(
        (acme["submits"].as_u64(), acme["accepted"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(acme["refusals"]["HTTP 400 (21211)"], 1, "{snapshot}");
    assert_eq!(snapshot["server"]["max_page_streams"], 16);
    assert_eq!(snapshot["clock"]["speed"], 1000.0);
    let refused = reqwest::get(&url).await.unwrap();
    assert_eq!(refused.status().as_u16(), 503);
    drop(streams.pop());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if reqwest::get(&url).await.unwrap().status().as_u16() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a closed stream's place was not freed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.shutdown(Duration::from_millis(100)).await;
}

/// The trace finds a message by its SID and by its number (with or
/// without `+`), shows the model's stages, the statuses and the status
/// callbacks with the receiver's answer, and keeps only the newest
/// `trace_messages`.
#[tokio::test]
async fn the_trace_finds_messages_by_sid_and_number_and_keeps_the_newest() {
    let receiver = axum::Router::new().route("/status", axum::routing::post(|| async { "" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = format!("http://{}/status", listener.local_addr().unwrap());
    let receiving = tokio::spawn(async move { axum::serve(listener, receiver).await });
    let server = Server::start(scenario("trace_messages = 3"), 1000.0)
        .await
        .unwrap();
    let mut sids = Vec::new();
    for number in [
        "+819011110001",
        "+819011110002",
        "+819011110003",
        "+819011110004",
    ] {
        let form = [
            ("To", number),
            ("Body", "hi"),
            ("StatusCallback", callback.as_str()),
        ];
        let (status, body) = create(&server, &form).await;
        assert_eq!(status, 201, "{body}");
        sids.push(body["sid"].as_str().unwrap().to_string());
    }
    let trace = |q: &str| {
        let url = format!("{}/page/trace?q={}", base(&server), q.replace('+', "%2B"));
        async move {
            let answer = reqwest::get(url).await.unwrap().text().await.unwrap();
            serde_json::from_str::<serde_json::Value>(&answer).unwrap()
        }
    };
    let stages = |answer: &serde_json::Value| -> Vec<String> {
        (answer["messages"][0]["stages"].as_array().unwrap().iter())
            .map(|s| s["what"].as_str().unwrap().to_string())
            .collect()
    };
    let answered = "status callback `delivered` posted: HTTP 200 after 1 attempt(s), accepted";
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let by_sid = loop {
        let answer = trace(&sids[3]).await;
        if stages(&answer).iter().any(|s| s == answered) {
            break answer;
        }
        assert!(std::time::Instant::now() < deadline, "{answer:#}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(by_sid["kept"], 3, "{by_sid}");
    assert_eq!(by_sid["messages"][0]["number"], "+819011110004");
    let stages = stages(&by_sid);
    for expected in [
        "submitted over HTTP: accepted",
        "queued at provider p",
        "left provider p",
        "reached carrier c",
        "final: delivered",
        "status is now `sent`",
        "status is now `delivered`",
        "status callback `sent` posted: HTTP 200",
    ] {
        assert!(
            stages.iter().any(|s| s.contains(expected)),
            "no {expected:?} in {stages:#?}"
        );
    }
    let by_number = trace("819011110004").await;
    assert_eq!(by_number["messages"][0]["ids"][0], sids[3].as_str());
    assert_eq!(
        trace("+819011110004").await["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let oldest = trace(&sids[0]).await;
    assert!(
        oldest["messages"].as_array().unwrap().is_empty(),
        "the oldest is forgotten"
    );
    receiving.abort();
    server.shutdown(Duration::from_millis(100)).await;
}
