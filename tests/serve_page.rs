//! The live page of `simsms serve`, in headless Chromium driven over the
//! DevTools protocol: it loads with no console error, its counters move
//! while an SMPP client submits, a submitted message's trace shows its
//! stages and the final state its receipt reported, "Start outage" makes
//! refusals appear and "End injected outages" stops them, and it fits a
//! 1280×800 and a narrow window. Screenshots of both go to the test's
//! output directory. The page's file, stream and trace without a browser,
//! and their limits, are tested in `tests/serve_http.rs`.

mod common;

use common::Served;
use common::devtools::{Browser, Page};
use common::smpp::{self, Client, send};
use futures::StreamExt;
use rusmpp::pdus::{DeliverSmResp, SubmitSm};
use rusmpp::types::{COctetString, OctetString};
use rusmpp::{CommandStatus, Pdu};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ADMIN_TOKEN: &str = "page-test-token";

/// The test scenario of the live clients, with a known admin token, in
/// `dir`.
fn scenario_in(dir: &std::path::Path) -> PathBuf {
    let text = std::fs::read_to_string("tests/live/serve_scenario.toml").unwrap();
    let text = text.replacen(
        "[serve]\n",
        &format!("[serve]\nadmin_token = \"{ADMIN_TOKEN}\"\n"),
        1,
    );
    let path = dir.join("serve.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// What the SMPP client saw: accepted message ids, refusals, and each
/// receipt's stat by message id.
#[derive(Default)]
struct Seen {
    accepted: Vec<String>,
    refused: u64,
    /// When each refusal came, and its status.
    refusals: Vec<(Instant, CommandStatus)>,
    receipts: HashMap<String, String>,
}

/// `id:` and `stat:` of a receipt's text.
fn id_and_stat(text: &str) -> Option<(String, String)> {
    let field = |name: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .map(str::to_string)
    };
    Some((field("id:")?, field("stat:")?))
}

/// Submits to a new number every 60 ms as `direct` (at most 3000, until
/// `stop`), acknowledging every receipt.
async fn submit_until(
    address: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
) {
    let mut client: Client = smpp::bound(address, "direct", "pw2").await;
    // Below the account's bind_tps of 20/s, never in a burst.
    let mut tick = tokio::time::interval(Duration::from_millis(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sequence = 1;
    while !stop.load(Ordering::Relaxed) && sequence < 3000 {
        tokio::select! {
            _ = tick.tick() => {
                sequence += 1;
                let submit = SubmitSm::builder()
                    .destination_addr(COctetString::from_string(format!("+8190{:08}", sequence)).unwrap())
                    .registered_delivery(rusmpp::values::RegisteredDelivery::request_all())
                    .short_message(OctetString::from_vec(b"Your code is 123456".to_vec()).unwrap())
                    .build();
                send(&mut client, sequence, submit.into()).await;
            }
            command = client.next() => {
                let Some(Ok(command)) = command else { break };
                match command.pdu() {
                    Some(Pdu::SubmitSmResp(resp)) => {
                        let mut seen = seen.lock().unwrap();
                        match command.status() {
                            CommandStatus::EsmeRok => seen.accepted.push(resp.message_id().to_string()),
                            status => {
                                seen.refused += 1;
                                seen.refusals.push((Instant::now(), status));
                            }
                        }
                    }
                    Some(Pdu::DeliverSm(d)) => {
                        let resp = DeliverSmResp::builder().build();
                        send(&mut client, command.sequence_number(), resp.into()).await;
                        let text = String::from_utf8_lossy(d.short_message().as_ref()).into_owned();
                        if let Some((id, stat)) = id_and_stat(&text) {
                            seen.lock().unwrap().receipts.insert(id, stat);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// A number shown on the page (digits of "1,234").
fn shown(page: &mut Page<'_>, selector: &str) -> u64 {
    let text = page.eval(&format!(
        "document.querySelector('{selector}')?.textContent ?? ''"
    ));
    let digits: String = text
        .as_str()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or(0)
}

/// Waits until the page's number at `selector` exceeds `than`.
fn wait_above(page: &mut Page<'_>, selector: &str, than: u64) -> u64 {
    let condition = format!(
        "Number((document.querySelector('{selector}')?.textContent ?? '').replace(/[^0-9]/g, '')) > {than}"
    );
    page.wait_for(&condition, Duration::from_secs(20));
    shown(page, selector)
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs headless Chromium (apt-get install chromium): --run-ignored all"]
fn the_live_page_shows_counters_traces_and_faults_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_in(dir.path());
    let served = Served::start(scenario.to_str().unwrap(), "60");
    let http = served.http.clone().expect("the scenario has an http_port");
    let address: std::net::SocketAddr = served.address("direct").parse().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let client = {
        let (stop, seen) = (stop.clone(), seen.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(submit_until(address, stop, seen));
        })
    };

    let browser = Browser::launch(1280, 800);
    let mut page = browser.open(&format!("http://{http}/"));
    page.wait_for(
        "document.body.dataset.stream === 'live'",
        Duration::from_secs(20),
    );

    // The counters move while the client submits.
    let row = "tr[data-account=\"direct\"]";
    let first = wait_above(&mut page, &format!("{row} [data-field=\"submits\"]"), 0);
    let later = wait_above(
        &mut page,
        &format!("{row} [data-field=\"submits\"]"),
        first + 20,
    );
    assert!(later > first);
    wait_above(&mut page, &format!("{row} [data-field=\"receipts\"]"), 5);
    page.wait_for(
        &format!("document.querySelector('{row} [data-field=\"rate\"]').textContent.endsWith(' /s') && parseFloat(document.querySelector('{row} [data-field=\"rate\"]').textContent) > 5"),
        Duration::from_secs(10),
    );

    // A message whose receipt came: its trace shows its stages and the stat
    // the receipt said.
    let (id, stat) = {
        let seen = seen.lock().unwrap();
        seen.receipts
            .iter()
            .next()
            .map(|(i, s)| (i.clone(), s.clone()))
            .expect("a receipt")
    };
    page.type_into("#trace-query", &id);
    page.click("#trace-go");
    let acknowledged = "Array.from(document.querySelectorAll('#trace-result li.stage')).some(li => li.textContent.includes('acknowledged by the client'))";
    page.wait_for(
        &format!("(() => {{ const ok = document.querySelector('.message[data-final=\"true\"]') && {acknowledged}; if (!ok) document.getElementById('trace-go').click(); return ok; }})()"),
        Duration::from_secs(20),
    );
    let message = page.eval("(() => { const m = document.querySelector('.message'); return { receipt: m.dataset.receipt, outcome: m.dataset.outcome, stages: Array.from(m.querySelectorAll('li.stage')).map(li => li.dataset.source + ': ' + li.textContent) }; })()");
    assert_eq!(message["receipt"], stat.as_str(), "{message}");
    let stages: Vec<String> = message["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    for expected in [
        "submitted over SMPP: accepted",
        "queued at provider direct",
        "left provider direct",
        "reached carrier c",
        "final: ",
        &format!("receipt {stat} sent for id {id}"),
        &format!("receipt {stat} for id {id} acknowledged by the client"),
    ] {
        assert!(
            stages.iter().any(|s| s.contains(expected)),
            "no stage {expected:?} in {stages:#?}"
        );
    }
    let final_stage = stages.iter().find(|s| s.contains("final: ")).unwrap();
    assert!(
        final_stage.contains(&format!("receipt says {stat}")),
        "{final_stage}"
    );

    // Start an outage of the client's provider: refusals appear.
    page.eval("(() => { const k = document.getElementById('fault-kind'); k.value = 'provider'; k.dispatchEvent(new Event('change')); })()");
    page.eval("(() => { const t = document.getElementById('fault-target'); t.value = 'direct'; const e = document.getElementById('fault-effect'); e.value = 'reject'; e.dispatchEvent(new Event('change')); })()");
    page.type_into("#fault-token", ADMIN_TOKEN);
    page.type_into("#fault-duration", "1h");
    let refused_before = shown(&mut page, &format!("{row} [data-field=\"refused\"]"));
    page.click("#fault-start");
    page.wait_for(
        "document.getElementById('fault-status').textContent.startsWith('Started')",
        Duration::from_secs(10),
    );
    page.wait_for(
        "document.querySelectorAll('#fault-active tbody tr').length === 1",
        Duration::from_secs(10),
    );
    let refused = wait_above(
        &mut page,
        &format!("{row} [data-field=\"refused\"]"),
        refused_before + 5,
    );
    let breakdown =
        page.eval("document.querySelector('tr[data-breakdown=\"direct\"]').textContent");
    assert!(
        breakdown.as_str().unwrap().contains("ESME_RSYSERR"),
        "{breakdown}"
    );
    page.eval("window.scrollTo(0, 0)");
    page.screenshot(&shot("serve-page-1280.png"));
    let height = page.eval("document.documentElement.scrollHeight");
    page.set_viewport(1280, height.as_u64().unwrap() as u32);
    page.screenshot(&shot("serve-page-whole.png"));
    page.set_viewport(1280, 800);

    // End it: refusals stop while submits go on.
    page.click("#fault-end");
    page.wait_for(
        "document.getElementById('fault-status').textContent.startsWith('Ended 1')",
        Duration::from_secs(10),
    );
    page.wait_for(
        "document.querySelectorAll('#fault-active tbody tr').length === 0",
        Duration::from_secs(10),
    );
    let ended = Instant::now();
    let (accepted_at_end, refused_at_end) = {
        let seen = seen.lock().unwrap();
        (seen.accepted.len(), seen.refused)
    };
    wait_until("20 more accepted submits", Duration::from_secs(20), || {
        seen.lock().unwrap().accepted.len() >= accepted_at_end + 20
    });
    assert!(
        refused_at_end > 0,
        "the client saw no refusal during the outage"
    );
    let refused_after = seen.lock().unwrap().refused;
    // A submit in flight as the outage ended may still be refused.
    let late: Vec<_> = (seen.lock().unwrap().refusals.iter())
        .map(|(at, status)| (at.saturating_duration_since(ended), *status))
        .filter(|(after, _)| !after.is_zero())
        .collect();
    assert!(
        refused_after <= refused_at_end + 2,
        "{refused_at_end} then {refused_after}: {late:?}"
    );
    assert!(refused >= refused_before + 5);

    // It fits a 1280×800 and a narrow window.
    for (width, name) in [
        (1280, "serve-page-1280-end.png"),
        (420, "serve-page-420.png"),
    ] {
        page.set_viewport(width, 800);
        page.wait_for(
            &format!("window.innerWidth === {width}"),
            Duration::from_secs(5),
        );
        let overflow = page.eval("document.documentElement.scrollWidth - window.innerWidth");
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "the page is wider than {width} px by {overflow}"
        );
        page.screenshot(&shot(name));
    }

    let errors = page.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    stop.store(true, Ordering::Relaxed);
    client.join().unwrap();
    drop(page);
    drop(browser);
    assert!(served.stop());
}

/// Where a screenshot goes: the test's output directory.
fn shot(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve_page");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    eprintln!("screenshot: {}", path.display());
    path
}
