//! What `simsms serve`'s bounds cost in memory: resident memory (RSS) per
//! remembered number, per message in flight, per scheduled and per held
//! receipt, per part of a concatenated message waiting for the rest, per
//! SMPP message id in the ledger, per HTTP message, and per message kept by
//! the live page's trace (with 4 events, and with the most it keeps), each
//! measured in a process of its own (`bench/serve_memory.sh` runs every
//! one). Usage:
//! `serve_memory numbers|in_flight|scheduled|held|pending|ledger|http|trace|trace_full N`.

use simsms::model::{Outcome, Receipt};
use simsms::scenario::{ProviderId, parse};
use simsms::serve::live::LiveModel;
use simsms::serve::receipts::{Desk, ReceiptJob, Scheduler};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SCENARIO: &str = r#"
[scenario]
name = "memory"
duration = "10m"
[traffic]
rate = "1/s"
[providers.p]
route = "domestic"
[routing]
policy = "single"
provider = "p"
[routes.domestic]
latency = "2s"
[carriers.c]
share = 1.0
smsc = { retry = ["1m"], validity = "1h" }
[serve]
http_port = 0
admin_token = "t"
[[serve.accounts]]
system_id = "acme"
password = "pw"
provider = "p"
port = 0
"#;

/// A typical SMS: 160 characters.
const TEXT: &str = "Your verification code is 123456. It expires in 10 minutes. Never share this code with anyone; we will never ask you for it by phone, email or chat. -- The Team";

/// Resident memory of this process, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm.split(' ').nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn number(k: u64) -> String {
    format!("8190{:08}", 10_000_000 + k)
}

fn job(k: u64) -> ReceiptJob {
    ReceiptJob {
        account: 0,
        message_id: k,
        fate_id: k,
        handset: number(k),
        sender: "SIMSMS".into(),
        submitted_at: 0,
        done_at: 0,
        receipt: Receipt::Delivered,
        outcome: Outcome::Delivered,
        // All serve keeps of the text: what the receipt quotes.
        text: simsms::serve::smpp::receipt::quoted(TEXT),
        cancelled: false,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (what, n) = (args[1].as_str(), args[2].parse::<u64>().unwrap());
    let scenario = Arc::new(parse(SCENARIO, "memory.toml").unwrap());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let before = rss();
    // Kept alive until measured.
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    match what {
        // At 1e9x every message is final before the next: only the number
        // directory grows.
        "numbers" => {
            let mut live = LiveModel::new(scenario, 1e9);
            for k in 0..n {
                live.submit(ProviderId::new(0), &number(k));
            }
            keep.push(Box::new(live));
        }
        // At 1e-6x nothing becomes final: one number, n messages in flight.
        "in_flight" => {
            let mut live = LiveModel::new(scenario, 1e-6);
            for _ in 0..n {
                live.submit(ProviderId::new(0), &number(0));
            }
            keep.push(Box::new(live));
        }
        "scheduled" => {
            let desk = Arc::new(Desk::new(1, usize::MAX));
            let scheduler = Scheduler::spawn(desk);
            let later = Instant::now() + Duration::from_secs(3600);
            for k in 0..n {
                scheduler.schedule(later, job(k));
            }
            std::thread::sleep(Duration::from_secs(2));
            keep.push(Box::new(scheduler));
        }
        "held" => {
            let desk = Desk::new(1, usize::MAX);
            for k in 0..n {
                desk.push(job(k));
            }
            keep.push(Box::new(desk));
        }
        // Each part the first of a message of its own (the worst case: a
        // key per part), as a client that never sends the rest would.
        "pending" => {
            use simsms::protocol::smpp::user_data::Scheme;
            use simsms::serve::reassembly::{Part, Pending, SetKey};
            let mut pending = Pending::new(usize::MAX);
            let later = Instant::now() + Duration::from_secs(3600);
            for k in 0..n {
                let key = SetKey {
                    account: 0,
                    sender: "SIMSMS".into(),
                    handset: number(k),
                    scheme: Scheme::Udh8,
                    reference: (k % 256) as u16,
                    total: 2,
                };
                let part = Part {
                    id: k,
                    seq: 1,
                    wanted: 1,
                    text: simsms::serve::smpp::receipt::quoted(TEXT),
                    arrived: 0,
                    coding: 0,
                };
                pending.add(key, part, later);
            }
            keep.push(Box::new(pending));
        }
        // The ledger of SMPP message ids (query_sm, cancel_sm, replace_sm).
        "ledger" => {
            use simsms::serve::ledger::{Ending, Kept, Ledger};
            let mut live = LiveModel::new(scenario, 1e9);
            let simsms::serve::live::Submission::Accepted { fate, .. } =
                live.submit(ProviderId::new(0), &number(0))
            else {
                panic!("the scenario accepts")
            };
            // Each id a whole message, with its ending (the worst case).
            let mut ledger = Ledger::default();
            for k in 1..=n {
                ledger.remember(k, Kept::new(0, k, 0));
                ledger.decided(k, Ending::of(&fate, false));
            }
            keep.push(Box::new(ledger));
        }
        "trace" | "trace_full" => {
            let events = match what {
                "trace" => 4,
                _ => simsms::serve::trace::EVENTS_PER_MESSAGE,
            };
            keep.push(Box::new(traces(scenario, n, events)));
        }
        "http" => runtime.block_on(http(scenario, n)),
        other => panic!("unknown measure {other}"),
    }
    let after = rss();
    println!(
        "{what}: {n} in {:.1} MB RSS: {:.0} bytes each",
        (after - before) as f64 / 1e6,
        (after - before) as f64 / n as f64
    );
}

/// The live page's trace of n messages, each with its fate, its id, its
/// number and `events` receipt events.
fn traces(
    scenario: Arc<simsms::scenario::Scenario>,
    n: u64,
    events: usize,
) -> simsms::serve::trace::Traces {
    use simsms::serve::trace::{Happening, Stamp, Traced, Traces, Via};
    let mut live = LiveModel::new(scenario, 1e9);
    let simsms::serve::live::Submission::Accepted { fate, .. } =
        live.submit(ProviderId::new(0), &number(0))
    else {
        panic!("the scenario accepts")
    };
    let at = Stamp {
        sim: 0,
        wall_unix_ms: 0,
    };
    let mut traces = Traces::new(n as usize);
    for k in 1..=n {
        let traced = Traced {
            account: 0,
            via: Via::Smpp,
            number: number(k),
            client_ids: vec![k.to_string()],
            segments: 1,
            submitted: at,
            refusal: None,
            fate: Some(fate.clone()),
            events: Vec::new(),
            events_dropped: 0,
        };
        traces.submitted(traced, Some(k));
        for _ in 0..events {
            let stat = "DELIVRD";
            traces.happened(k, at, Happening::ReceiptSent { id: k, stat });
        }
    }
    traces
}

/// n HTTP messages created and still queued (at 1e-6x), each with its
/// record, its task following the model, its model entry and its number.
async fn http(scenario: Arc<simsms::scenario::Scenario>, n: u64) {
    let server = simsms::serve::Server::start(scenario, 1e-6).await.unwrap();
    let url = format!(
        "http://{}/2010-04-01/Accounts/acme/Messages.json",
        server.endpoints.http.unwrap()
    );
    let client = reqwest::Client::new();
    let per_task = n.div_ceil(32);
    let tasks: Vec<_> = (0..32)
        .map(|t| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                for k in t * per_task..((t + 1) * per_task).min(n) {
                    let to = format!("+{}", number(k));
                    let form = [("To", to.as_str()), ("Body", TEXT)];
                    let answer = client.post(&url).basic_auth("acme", Some("pw")).form(&form);
                    assert_eq!(answer.send().await.unwrap().status(), 201);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    std::mem::forget(server);
}
